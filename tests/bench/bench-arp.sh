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
#  - the responders take turns within the run, in BENCH_TRIALS trials
#    (the order rotates from one trial to the next), so that a change of
#    load on the machine hits them all; each trial prints every figure,
#    the summary gives the median of the per-trial ratios and their range;
#  - CPUs: the load generator runs on BENCH_LOADGEN_CPU.  The kernel's
#    responder runs in softirq on the sender's CPU, within the sender's
#    send(), at a priority no task has.  No one gets a real-time priority.
#
# The peers:
#  - "kernel": proxy_arp with proxy_delay=0;
#  - "ovnmig": the product as it runs by default, with its kernel fast path:
#    the proxy's eBPF program answers on tc ingress, in softirq, as the
#    kernel's own responder does.  The proxy process runs on the load
#    generator's CPU; it only counts;
#  - "ovnmig-user": the same proxy with --no-kernel-fast-path, answering
#    from userspace on the same CPU (it must wait for the sender to yield);
#  - on request (BENCH_PEERS), "ovnmig-user-x" runs the userspace proxy on
#    another CPU (BENCH_OTHER_CPU), as a node agent may run beside a VM's
#    vCPU, and "ovnmig-user-bp" adds the opt-in
#    --busy-poll-us=BENCH_BUSY_POLL to it.
# The goal is judged on "ovnmig"; the others are printed for what they show.
#
#   BENCH_PORTS="1 100 1000" BENCH_TRIALS=5 BENCH_SAMPLES=3000
#   BENCH_PEERS="kernel ovnmig ovnmig-user"
#   BENCH_RATES="..." BENCH_GOAL_RATE=10000
#   BENCH_LOADGEN_CPU=0 BENCH_OTHER_CPU=1 BENCH_BUSY_POLL=50
#   BENCH_PROXY_TIMEOUT=30 (seconds for a proxy to be ready, or to print
#   its counters)
#
# SPDX-License-Identifier: Apache-2.0
set -u -o pipefail

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PROXY=$top_builddir/arpproxy/ovnmig-arpproxy
LOADGEN=$top_builddir/tests/bench/arp-loadgen
PORTS_LIST=${BENCH_PORTS:-1 100 1000}
TRIALS=${BENCH_TRIALS:-5}
PEERS=(${BENCH_PEERS:-kernel ovnmig ovnmig-user})
SAMPLES=${BENCH_SAMPLES:-3000}
RATES=${BENCH_RATES:-5000 10000 20000 40000 60000 80000 100000}
GOAL_RATE=${BENCH_GOAL_RATE:-10000}
LOADGEN_CPU=${BENCH_LOADGEN_CPU:-0}
OTHER_CPU=${BENCH_OTHER_CPU:-1}
BUSY_POLL=${BENCH_BUSY_POLL:-50}
PROXY_TIMEOUT=${BENCH_PROXY_TIMEOUT:-30}

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

g() { ip netns exec "$GUEST" taskset -c "$LOADGEN_CPU" "$@"; }

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
PROXY_PEER=""
use() {
    local peer=$1 cpu args=()
    if [ "$peer" = kernel ]; then
        stop_proxy
        ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
        return
    fi
    # ovnmig: forwarding off, so the kernel stays silent; the proxy on.
    ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=0
    [ "$PROXY_PEER" != "$peer" ] || return 0
    stop_proxy
    case $peer in
        ovnmig) cpu=$LOADGEN_CPU ;;
        ovnmig-user) cpu=$LOADGEN_CPU args=(--no-kernel-fast-path) ;;
        ovnmig-user-x) cpu=$OTHER_CPU args=(--no-kernel-fast-path) ;;
        ovnmig-user-bp) cpu=$OTHER_CPU
            args=(--no-kernel-fast-path --busy-poll-us="$BUSY_POLL") ;;
        *) echo "bench-arp: unknown peer $peer"; exit 1 ;;
    esac
    start_proxy "$peer" "$cpu" "${args[@]}"
}

# start_proxy PEER CPU ARGS...: starts the proxy and waits, at most
# PROXY_TIMEOUT seconds, for its "ready:" line (logged once every port is
# served and its signals are handled).  Each start has a log of its own,
# created here: with one log for all, the new process truncates it only
# once it runs, and until then the previous proxy's "ready:" line is read
# as this one's.  Exits with the reason if the proxy dies or stays silent,
# or if "ovnmig" does not serve every port in the kernel fast path.
PROXY_STARTS=0 PROXY_LOG="" PROXY_READY=""
start_proxy() {
    local peer=$1 cpu=$2 n_ports served kernel deadline rc=0
    shift 2
    n_ports=$(wc -l <"$DIR/ports")
    PROXY_LOG=$DIR/proxy.$((++PROXY_STARTS)).log
    : >"$PROXY_LOG"
    ip netns exec "$NODE" taskset -c "$cpu" "$PROXY" --port-file "$DIR/ports" \
        --json "$@" >"$DIR/proxy.out" 2>>"$PROXY_LOG" &
    PROXY_PID=$! PROXY_PEER=$peer
    deadline=$((SECONDS + PROXY_TIMEOUT))
    until PROXY_READY=$(grep -m 1 'ready: serving' "$PROXY_LOG"); do
        if ! kill -0 "$PROXY_PID" 2>/dev/null; then
            wait "$PROXY_PID" || rc=$?
            PROXY_PID="" PROXY_PEER=""
            cat "$PROXY_LOG"
            echo "bench-arp: $peer: the proxy exited (status $rc) before it was ready, with $n_ports ports; its log is above"
            exit 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            cat "$PROXY_LOG"
            echo "bench-arp: $peer: the proxy was not ready within $PROXY_TIMEOUT s with $n_ports ports (BENCH_PROXY_TIMEOUT); its log is above"
            exit 1
        fi
        sleep 0.05
    done
    served=$(sed -n 's/.*ready: serving \([0-9]*\) ports, \([0-9]*\) in .*/\1/p' <<<"$PROXY_READY")
    kernel=$(sed -n 's/.*ready: serving \([0-9]*\) ports, \([0-9]*\) in .*/\2/p' <<<"$PROXY_READY")
    if [ "$served" != "$n_ports" ]; then
        cat "$PROXY_LOG"
        echo "bench-arp: $peer: the proxy serves ${served:-?} of $n_ports ports; its log is above"
        exit 1
    fi
    # The product's default must really answer every port in the kernel:
    # otherwise its figures are partly the userspace path's.  The proxy
    # names each port that fell back, and why.
    if [ "$peer" = ovnmig ] && [ "$kernel" != "$n_ports" ]; then
        grep -E 'WARN|ERR' "$PROXY_LOG"
        echo "bench-arp: ovnmig: ${kernel:-?} of $n_ports ports in the kernel fast path, the others fell back to userspace (the proxy's warnings are above); its figures would not be the fast path's"
        exit 1
    fi
}

# proxy_counters: asks the proxy for its counters (SIGUSR1) and sets
# PROXY_COUNTERS to them, one line of JSON.
PROXY_COUNTERS=""
proxy_counters() {
    local n deadline=$((SECONDS + PROXY_TIMEOUT))
    n=$(wc -l <"$DIR/proxy.out")
    kill -USR1 "$PROXY_PID"
    until [ "$(wc -l <"$DIR/proxy.out")" -gt "$n" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "bench-arp: $PROXY_PEER: the proxy printed no counters within $PROXY_TIMEOUT s of SIGUSR1"
            exit 1
        fi
        sleep 0.02
    done
    PROXY_COUNTERS=$(tail -n 1 "$DIR/proxy.out")
}

stop_proxy() {
    [ -n "$PROXY_PID" ] || return 0
    kill "$PROXY_PID"; wait "$PROXY_PID"; PROXY_PID="" PROXY_PEER=""
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
    printf '  trial %d %-11s %s | %s/s: lost=%s\n' "$t" "$peer" "${out#latency }" \
        "$GOAL_RATE" "$(field lost "$rate")"
    # Losses in the load generator's own socket are its limit: say so.
    grep -h '^loadgen:' <<<"$out
$rate" | sed "s/^/  trial $t $peer: /"
    echo "$n $t $peer $(field wire_p50_us "$out") $(field wire_p99_us "$out")" \
         "$(field app_p50_us "$out") $(field app_p99_us "$out") $(field lost "$rate")" \
         >>"$DIR/results"
}

# max_rate N PEER: the highest step with no loss; appends "N PEER RATE",
# RATE marked ">=" when what was lost was dropped in the load generator's
# own socket (its limit, not the responder's).
max_rate() {
    local n=$1 peer=$2 out lost best=0 r own
    use "$peer"
    for r in $RATES; do
        out=$(g "$LOADGEN" --ports "$DIR/guests" --rate "$r" --seconds 1 rate)
        lost=$(field lost "$out")
        echo "$out" | sed "s/^rate ports=[0-9]* /  rate   $peer: /; s/^loadgen: /  rate   $peer: loadgen: /"
        [ "${lost:-1}" -eq 0 ] && { best=$r; continue; }
        own=$(sed -n 's/.*own socket drops \([0-9]*\).*/\1/p' <<<"$out")
        [ "${own:-0}" -lt "$lost" ] || best=">=$best"
        break
    done
    echo "$n $peer $best" >>"$DIR/rates"
}

echo "bench-arp: $(nproc) CPUs; load generator on CPU $LOADGEN_CPU; the ovnmig and ovnmig-user proxies on CPU $LOADGEN_CPU, ovnmig-user-x and ovnmig-user-bp (--busy-poll-us=$BUSY_POLL) on CPU $OTHER_CPU"
echo "bench-arp: before: $(uptime)"
: >"$DIR/results"; : >"$DIR/rates"
for n in $PORTS_LIST; do
    echo "== $n port(s)"
    setup "$n"
    for ((t = 1; t <= TRIALS; t++)); do
        for ((j = 0; j < ${#PEERS[@]}; j++)); do
            latency "$n" "$t" "${PEERS[(t - 1 + j) % ${#PEERS[@]}]}"
        done
    done
    max_rate "$n" kernel
    max_rate "$n" ovnmig
    max_rate "$n" ovnmig-user
    use ovnmig
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PROXY_PID/status")
    fds=$(ls "/proc/$PROXY_PID/fd" | wc -l)
    proxy_counters
    maps=$(sed -n 's/.*"map-bytes":\([0-9]*\).*/\1/p' <<<"$PROXY_COUNTERS")
    echo "  ovnmig: ${PROXY_READY##*ready: }; RSS ${rss} kB, $fds fds, fast path maps ${maps:-?} bytes"
    stop_proxy
done
echo "bench-arp: after: $(uptime)"

echo
echo "== bench-arp: ovnmig proxy vs kernel proxy_arp (proxy_delay=0), same veth pairs"
awk -v trials="$TRIALS" -v goal="$GOAL_RATE" -v peers="${PEERS[*]}" '
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
    np = split(peers, peer, " ")
    print "per trial, wire p50 in us, and its ratio to the kernel of the same trial:"
    for (i = 0; i < nn; i++) {
        n = order[i]
        for (t = 1; t <= trials; t++) {
            if (!((n, t) in ntr)) continue
            line = sprintf("%5s ports, trial %d: kernel %.1f", n, t, w50[n, t, "kernel"])
            for (q = 1; q <= np; q++) {
                p = peer[q]
                if (p == "kernel") continue
                line = line sprintf("  %s %.1f (%.2fx)", p, w50[n, t, p],
                    w50[n, t, p] / w50[n, t, "kernel"])
            }
            print line
        }
    }
    print ""
    printf "%-11s %-11s | %-27s | %-21s | %-8s | %-9s | %s\n", "", "",
        "wire p50: median, ratio", "wire p99: med., ratio",
        "app p50", "max rate", "lost at " goal "/s"
    for (i = 0; i < nn; i++) {
        n = order[i]
        for (q = 1; q <= np; q++) {
            p = peer[q]; k = 0
            for (t = 1; t <= trials; t++) {
                if (!((n, t) in ntr)) continue
                k++
                v50[k] = w50[n, t, p]; v99[k] = w99[n, t, p]; va[k] = a50[n, t, p]
                r50[k] = w50[n, t, p] / w50[n, t, "kernel"]
                r99[k] = w99[n, t, p] / w99[n, t, "kernel"]
                lo = (k == 1 || r50[k] < lo) ? r50[k] : lo
                hi = (k == 1 || r50[k] > hi) ? r50[k] : hi
            }
            m50 = median(v50, k); m99 = median(v99, k); ma = median(va, k)
            printf "%-11s %-11s | %6.1fus", (q == 1 ? n " ports" : ""), p, m50
            if (p == "kernel")
                printf " %20s", ""
            else
                printf " %5.2fx (%4.2f-%5.2f)", median(r50, k), lo, hi
            printf " | %7.1fus", m99
            if (p == "kernel") printf " %12s", ""; else printf " %11.2fx", median(r99, k)
            printf " | %6.1fus | %9s | %d in %d trials\n", ma,
                ((n, p) in rate) ? rate[n, p] : "-", lost[n, p], k
        }
    }
    print "(wire: request sent to reply received, kernel timestamp on the guest side;"
    print " app: as the load generator process sees it.  Ratios: peer / kernel, median of"
    print " the per-trial ratios (range).  Goal, judged on ovnmig: wire p50 within 3x of"
    print " the kernel, nothing lost at " goal "/s over 100 ports.  max rate: highest step"
    print " with no request lost, 1 s each; \">=\": the next step lost requests in the load"
    print " generator own socket: its limit, not the responder.)"
}' "$DIR/rates" "$DIR/results"
