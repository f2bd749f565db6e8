#!/bin/bash
# bench-arp -- ovnmig's ARP proxy against the kernel's proxy_arp (with
# proxy_delay=0), on the same veth pairs in the same run, with 1, 100 and
# 1,000 VM ports: request/reply latency (p50, p99, from the guest side:
# tests/bench/arp-loadgen, ping-pong round robin over the ports) and the
# highest request rate answered with no loss (1 s steps, spread over the
# ports).  Prints the figures and the ratios.  Needs root; about a minute.
#
#   BENCH_PORTS="1 100 1000" BENCH_SAMPLES=3000 BENCH_RATES="..." bench-arp.sh
#
# SPDX-License-Identifier: Apache-2.0
set -u -o pipefail

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PROXY=$top_builddir/arpproxy/ovnmig-arpproxy
LOADGEN=$top_builddir/tests/bench/arp-loadgen
PORTS_LIST=${BENCH_PORTS:-1 100 1000}
SAMPLES=${BENCH_SAMPLES:-3000}
RATES=${BENCH_RATES:-2000 5000 10000 20000 40000 60000 80000 100000}

if [ "$(id -u)" != 0 ]; then
    echo "bench-arp: SKIP: needs root (network namespaces)"
    exit 0
fi
for f in "$PROXY" "$LOADGEN"; do
    [ -x "$f" ] || { echo "bench-arp: $f not built"; exit 1; }
done

P=omarpb$$
NODE=$P-n GUEST=$P-g
DIR=$(mktemp -d /tmp/ovnmig-bench-arp.XXXXXX)
PROXY_PID=""
cleanup() {
    [ -z "$PROXY_PID" ] || { kill "$PROXY_PID"; wait "$PROXY_PID"; } 2>/dev/null
    ip netns del "$NODE" 2>/dev/null
    ip netns del "$GUEST" 2>/dev/null
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

g() { ip netns exec "$GUEST" "$@"; }

# setup N: N veth pairs p<i> (node) / g<i> (guest), guest MAC
# 0a:58:0a:66:HH:LL and IP 10.102.HH.LL; on the node, the kernel's
# proxy_arp answers for 169.254.1.1 (routed out of another interface) when
# forwarding is on.
setup() {
    local n=$1 i hi lo
    ip netns del "$NODE" 2>/dev/null; ip netns del "$GUEST" 2>/dev/null
    ip netns add "$NODE" && ip netns add "$GUEST" || exit 1
    # Defaults first, so that every new port inherits them.
    ip netns exec "$NODE" sysctl -qw net.ipv4.conf.default.proxy_arp=1 \
        net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    : >"$DIR/links"; : >"$DIR/ports"; : >"$DIR/guests"; : >"$DIR/node-up"; : >"$DIR/guest-up"
    : >"$DIR/sysctl"
    for ((i = 1; i <= n; i++)); do
        hi=$((i / 256)) lo=$((i % 256))
        echo "link add p$i netns $NODE type veth peer name g$i netns $GUEST" >>"$DIR/links"
        echo "link set p$i up" >>"$DIR/node-up"
        # A namespace has no neigh/default: set each port's own.
        echo "net.ipv4.neigh.p$i.proxy_delay=0" >>"$DIR/sysctl"
        printf 'link set g%d address 0a:58:0a:66:%02x:%02x up\n' "$i" "$hi" "$lo" >>"$DIR/guest-up"
        printf 'p%d,0a:58:0a:66:%02x:%02x,10.102.%d.%d\n' "$i" "$hi" "$lo" "$hi" "$lo" >>"$DIR/ports"
        printf 'g%d,0a:58:0a:66:%02x:%02x,10.102.%d.%d\n' "$i" "$hi" "$lo" "$hi" "$lo" >>"$DIR/guests"
    done
    ip -batch "$DIR/links" && ip -n "$NODE" -batch "$DIR/node-up" \
        && ip -n "$GUEST" -batch "$DIR/guest-up" || exit 1
    ip netns exec "$NODE" sysctl -q -p "$DIR/sysctl" || exit 1
    # The gateway's route leaves by an uplink, as on a node.
    ip -n "$NODE" link add up0 type veth peer name up1
    ip -n "$NODE" link set up0 up && ip -n "$NODE" link set up1 up
    ip -n "$NODE" route add 169.254.1.1/32 dev up0
}

# measure PEER N: latency and the highest no-loss rate; appends a row.
measure() {
    local peer=$1 n=$2 out p50 p99 lost best=0 r
    out=$(g "$LOADGEN" --ports "$DIR/guests" --count "$SAMPLES" --seconds 10 latency)
    echo "  $peer: $out"
    p50=$(sed -n 's/.*p50_us=\([0-9.]*\).*/\1/p' <<<"$out")
    p99=$(sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p' <<<"$out")
    for r in $RATES; do
        out=$(g "$LOADGEN" --ports "$DIR/guests" --rate "$r" --seconds 1 rate)
        echo "$out" | sed "s/^/  $peer: /"
        lost=$(sed -n 's/.*lost=\(-*[0-9]*\).*/\1/p' <<<"$out")
        [ "${lost:-1}" -eq 0 ] || break
        best=$r
    done
    echo "$n $peer $p50 $p99 $best" >>"$DIR/results"
}

: >"$DIR/results"
for n in $PORTS_LIST; do
    echo "== $n port(s)"
    setup "$n"

    # The kernel: proxy_arp with proxy_delay=0, forwarding on.
    ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
    measure kernel "$n"

    # ovnmig: forwarding off, so the kernel stays silent; the proxy on.
    ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=0
    ip netns exec "$NODE" "$PROXY" --port-file "$DIR/ports" --json \
        >"$DIR/proxy.out" 2>"$DIR/proxy.log" &
    PROXY_PID=$!
    for ((i = 0; i < 200; i++)); do
        grep -q 'ready: serving' "$DIR/proxy.log" && break
        sleep 0.05
    done
    measure ovnmig "$n"
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PROXY_PID/status")
    fds=$(ls "/proc/$PROXY_PID/fd" | wc -l)
    kill "$PROXY_PID"; wait "$PROXY_PID"; PROXY_PID=""
    drops=$(tail -n 1 "$DIR/proxy.out" | sed -n 's/.*"rx-kernel-drops":\([0-9]*\).*/\1/p')
    echo "  ovnmig: RSS ${rss} kB, $fds fds, drops in the proxy's socket: $drops"
done

echo
echo "== bench-arp: ovnmig proxy vs kernel proxy_arp (proxy_delay=0), same veth pairs"
awk '
{ key = $1; p50[key, $2] = $3; p99[key, $2] = $4; rate[key, $2] = $5
  if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
END {
    printf "%6s | %9s %9s %7s | %9s %9s %7s | %12s %12s %7s\n", "ports",
        "ovn p50", "kern p50", "ratio", "ovn p99", "kern p99", "ratio",
        "ovn max/s", "kern max/s", "ratio"
    for (i = 0; i < n; i++) {
        k = order[i]
        printf "%6s | %7.1fus %7.1fus %6.2fx | %7.1fus %7.1fus %6.2fx | %12d %12d %6.2fx\n", k,
            p50[k, "ovnmig"], p50[k, "kernel"], p50[k, "ovnmig"] / p50[k, "kernel"],
            p99[k, "ovnmig"], p99[k, "kernel"], p99[k, "ovnmig"] / p99[k, "kernel"],
            rate[k, "ovnmig"], rate[k, "kernel"],
            rate[k, "kernel"] ? rate[k, "ovnmig"] / rate[k, "kernel"] : 0
    }
    print "(ratio: ovnmig / kernel.  max/s: highest step with no request lost, 1 s each;"
    print " a loss the load generator reports as its own socket drops is its limit, not the peer'"'"'s)"
}' "$DIR/results"
