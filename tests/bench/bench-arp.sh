#!/bin/bash
# bench-arp -- ovnmig's ARP proxy against the kernel's proxy_arp (with
# proxy_delay=0), on the same veth pairs in the same run, with 1, 100 and
# 1,000 VM ports.  Needs root; about three minutes.
#
# What is measured, by tests/bench/arp-loadgen on the guest side:
#  - latency: ping-pong, round robin over the ports.  "wire" is from just
#    before the request is sent to the kernel's receive timestamp of the
#    reply on the guest's interface: the responder's latency as a guest's
#    kernel sees it, and the figure the goal is judged on.  "app" adds the
#    load generator's own wakeup to get the reply, which the kernel's
#    responder never pays (its reply is queued before the request's send()
#    returns) and ours always does: it is printed, not judged on.
#  - rate: the highest step of BENCH_RATES answered with no loss (1 s
#    each), and BENCH_GOAL_RATE requests/s for 2 s in every trial.
#
# Fairness:
#  - the two responders alternate within the run, in BENCH_TRIALS trials
#    (kernel first in odd trials, ovnmig first in even ones), so that a
#    change of load on the machine hits both; each trial prints both and
#    its ratio, and the summary gives the median ratio and the spread;
#  - CPUs: the load generator runs on BENCH_LOADGEN_CPU.  The kernel's
#    responder runs in softirq on the sender's CPU, before the sender's
#    send() returns, at a priority no task has.  ovnmig's proxy runs on
#    BENCH_PROXY_CPU: by default the other CPU, as a node agent would run
#    beside a VM's vCPU thread; "same" puts it on the load generator's CPU
#    (no cross-CPU wakeup, but a context switch and a CPU shared with the
#    sender, as the kernel's responder shares it); "none" leaves both
#    unpinned.  No real-time priority is given to anyone.
#
#   BENCH_PORTS="1 100 1000" BENCH_TRIALS=5 BENCH_SAMPLES=3000
#   BENCH_RATES="..." BENCH_GOAL_RATE=10000
#   BENCH_LOADGEN_CPU=0 BENCH_PROXY_CPU=1|same|none
#   BENCH_PROXY_ARGS="--busy-poll-us=50"    (opt-in options of the proxy)
#
# SPDX-License-Identifier: Apache-2.0
set -u -o pipefail

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PROXY=$top_builddir/arpproxy/ovnmig-arpproxy
LOADGEN=$top_builddir/tests/bench/arp-loadgen
PORTS_LIST=${BENCH_PORTS:-1 100 1000}
TRIALS=${BENCH_TRIALS:-5}
SAMPLES=${BENCH_SAMPLES:-3000}
RATES=${BENCH_RATES:-5000 10000 20000 40000 60000 80000 100000}
GOAL_RATE=${BENCH_GOAL_RATE:-10000}
LOADGEN_CPU=${BENCH_LOADGEN_CPU:-0}
PROXY_CPU=${BENCH_PROXY_CPU:-1}
PROXY_ARGS=${BENCH_PROXY_ARGS:-}

if [ "$(id -u)" != 0 ]; then
    echo "bench-arp: SKIP: needs root (network namespaces)"
    exit 0
fi
for f in "$PROXY" "$LOADGEN"; do
    [ -x "$f" ] || { echo "bench-arp: $f not built"; exit 1; }
done
command -v taskset >/dev/null || { echo "bench-arp: taskset not found (apt-get install util-linux)"; exit 1; }

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

case $PROXY_CPU in
    none) LOADGEN_PIN=() PROXY_PIN=() ;;
    same) LOADGEN_PIN=(taskset -c "$LOADGEN_CPU") PROXY_PIN=(taskset -c "$LOADGEN_CPU") ;;
    *) LOADGEN_PIN=(taskset -c "$LOADGEN_CPU") PROXY_PIN=(taskset -c "$PROXY_CPU") ;;
esac
g() { ip netns exec "$GUEST" "${LOADGEN_PIN[@]}" "$@"; }

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

# use PEER: makes PEER the one responder on the node.
use() {
    if [ "$1" = kernel ]; then
        stop_proxy
        ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
        return
    fi
    # ovnmig: forwarding off, so the kernel stays silent; the proxy on.
    ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=0
    [ -z "$PROXY_PID" ] || return 0
    # shellcheck disable=SC2086 # PROXY_ARGS: several options
    ip netns exec "$NODE" "${PROXY_PIN[@]}" "$PROXY" --port-file "$DIR/ports" \
        --json $PROXY_ARGS >"$DIR/proxy.out" 2>"$DIR/proxy.log" &
    PROXY_PID=$!
    for ((i = 0; i < 200; i++)); do
        grep -q 'ready: serving' "$DIR/proxy.log" && return 0
        kill -0 "$PROXY_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$DIR/proxy.log"; echo "bench-arp: the proxy did not start"; exit 1
}

stop_proxy() {
    [ -n "$PROXY_PID" ] || return 0
    kill "$PROXY_PID"; wait "$PROXY_PID"; PROXY_PID=""
    local drops
    drops=$(tail -n 1 "$DIR/proxy.out" | sed -n 's/.*"rx-kernel-drops":\([0-9]*\).*/\1/p')
    [ "${drops:-0}" = 0 ] || echo "  ovnmig: $drops frames dropped in the proxy's socket"
}

field() { sed -n "s/.* $1=\\([-0-9.]*\\).*/\\1/p" <<<"$2"; }

# latency N TRIAL PEER: appends "N TRIAL PEER wire_p50 wire_p99 app_p50
# app_p99 goal_lost" to results.
latency() {
    local n=$1 t=$2 peer=$3 out rate
    use "$peer"
    out=$(g "$LOADGEN" --ports "$DIR/guests" --count "$SAMPLES" --seconds 10 latency)
    rate=$(g "$LOADGEN" --ports "$DIR/guests" --rate "$GOAL_RATE" --seconds 2 rate)
    printf '  trial %d %-6s %s | %s/s: lost=%s\n' "$t" "$peer" "${out#latency }" \
        "$GOAL_RATE" "$(field lost "$rate")"
    echo "$n $t $peer $(field wire_p50_us "$out") $(field wire_p99_us "$out")" \
         "$(field app_p50_us "$out") $(field app_p99_us "$out") $(field lost "$rate")" \
         >>"$DIR/results"
}

# max_rate N PEER: the highest step with no loss; appends "N PEER RATE".
max_rate() {
    local n=$1 peer=$2 out lost best=0 r
    use "$peer"
    for r in $RATES; do
        out=$(g "$LOADGEN" --ports "$DIR/guests" --rate "$r" --seconds 1 rate)
        lost=$(field lost "$out")
        echo "  rate   $peer: ${out#rate }" | sed 's/ ports=[0-9]*//'
        [ "${lost:-1}" -eq 0 ] || break
        best=$r
    done
    echo "$n $peer $best" >>"$DIR/rates"
}

echo "bench-arp: $(nproc) CPUs; load generator on CPU $LOADGEN_CPU, proxy on CPU $PROXY_CPU${PROXY_ARGS:+, proxy options: $PROXY_ARGS}"
echo "bench-arp: before: $(uptime)"
: >"$DIR/results"; : >"$DIR/rates"
for n in $PORTS_LIST; do
    echo "== $n port(s)"
    setup "$n"
    for ((t = 1; t <= TRIALS; t++)); do
        if ((t % 2)); then order="kernel ovnmig"; else order="ovnmig kernel"; fi
        for peer in $order; do
            latency "$n" "$t" "$peer"
        done
    done
    max_rate "$n" kernel
    max_rate "$n" ovnmig
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PROXY_PID/status")
    fds=$(ls "/proc/$PROXY_PID/fd" | wc -l)
    echo "  ovnmig: RSS ${rss} kB, $fds fds with $n ports"
    stop_proxy
done
echo "bench-arp: after: $(uptime)"

echo
echo "== bench-arp: ovnmig proxy vs kernel proxy_arp (proxy_delay=0), same veth pairs"
awk -v trials="$TRIALS" -v goal="$GOAL_RATE" '
function median(a, n,    i, j, t) {
    for (i = 1; i <= n; i++)
        for (j = i + 1; j <= n; j++)
            if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
FILENAME ~ /rates$/ { rate[$1, $2] = $3; next }
{
    n = $1; t = $2; p = $3
    if (!(n in seen)) { seen[n] = 1; order[nn++] = n }
    w50[n, t, p] = $4; w99[n, t, p] = $5; a50[n, t, p] = $6; a99[n, t, p] = $7
    lost[n, p] += $8; ntr[n, t] = 1
}
END {
    print "per trial (wire p50 / p99, us; ratio = ovnmig / kernel):"
    for (i = 0; i < nn; i++) {
        n = order[i]; line = sprintf("%5s ports:", n)
        for (t = 1; t <= trials; t++) {
            if (!((n, t) in ntr)) continue
            line = line sprintf("  %.1f/%.1f=%.2fx", w50[n, t, "ovnmig"],
                w50[n, t, "kernel"], w50[n, t, "ovnmig"] / w50[n, t, "kernel"])
        }
        print line
    }
    print ""
    printf "%6s | %-28s | %-28s | %-19s | %-19s | %s\n", "", "wire p50 (median of trials)",
        "wire p99 (median)", "app p50 (median)", "max rate, no loss", "lost at " goal "/s"
    printf "%6s | %8s %8s %10s | %8s %8s %10s | %8s %8s | %9s %9s | %s\n", "ports",
        "ovnmig", "kernel", "ratio", "ovnmig", "kernel", "ratio", "ovnmig",
        "kernel", "ovnmig", "kernel", "ovnmig/kernel"
    for (i = 0; i < nn; i++) {
        n = order[i]; k = 0
        for (t = 1; t <= trials; t++) {
            if (!((n, t) in ntr)) continue
            k++
            r50[k] = w50[n, t, "ovnmig"] / w50[n, t, "kernel"]
            r99[k] = w99[n, t, "ovnmig"] / w99[n, t, "kernel"]
            o50[k] = w50[n, t, "ovnmig"]; k50[k] = w50[n, t, "kernel"]
            o99[k] = w99[n, t, "ovnmig"]; k99[k] = w99[n, t, "kernel"]
            oa[k] = a50[n, t, "ovnmig"]; ka[k] = a50[n, t, "kernel"]
            lo = (k == 1 || r50[k] < lo) ? r50[k] : lo
            hi = (k == 1 || r50[k] > hi) ? r50[k] : hi
        }
        printf "%6s | %6.1fus %6.1fus %4.2fx %s | %6.1fus %6.1fus %5.2fx    | %6.1fus %6.1fus | %9d %9d | %d/%d\n",
            n, median(o50, k), median(k50, k), median(r50, k),
            sprintf("%.1f-%.1f", lo, hi), median(o99, k), median(k99, k),
            median(r99, k), median(oa, k), median(ka, k), rate[n, "ovnmig"],
            rate[n, "kernel"], lost[n, "ovnmig"], lost[n, "kernel"]
    }
    print "(p50 ratio: median of the per-trial ratios, then their range.  Goal: wire p50"
    print " within 3x of the kernel, and nothing lost at " goal "/s over 100 ports."
    print " max rate: highest step with no request lost, 1 s each; a loss the load"
    print " generator reports as its own socket drops is its limit, not the peer'"'"'s)"
}' "$DIR/rates" "$DIR/results"
