# tests/lab/arp-lib.sh -- helpers of the ARP proxy's lab tests (sourced):
# a "node" and "guest" network namespaces joined by veth pairs, the proxy
# running in the node's, and its counters.  Builds on lib.sh (verdicts,
# assertions, cleanup at exit).
#
# ARP_FAST_PATH=on (the default, as in the product) runs the proxy with its
# kernel fast path (eBPF on tc ingress of each port); off runs it with
# --no-kernel-fast-path.  The *-userspace.sh tests run the same checks off.
#
# SPDX-License-Identifier: Apache-2.0

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ARPPROXY=$top_builddir/arpproxy/ovnmig-arpproxy
ARP_NS_PREFIX=omarp$$-  # every namespace of this test; deleted on exit
ARP_PROXY_PID=""
ARP_PROXY_OUT=""      # the proxy's stdout: its counters, one JSON a line

# The gateway MAC the proxy answers with by default.
G=0a:58:a9:fe:01:01

ARP_FAST_PATH=${ARP_FAST_PATH:-on}
case $ARP_FAST_PATH in
    on) ;;
    off) TEST_NAME="$TEST_NAME-userspace" ;;
    *) echo "ARP_FAST_PATH=$ARP_FAST_PATH: expected on or off"; exit 1 ;;
esac

arp_require() {
    require_root
    require_tool iproute2 ip
    require_tool arping arping
    require_tool tcpdump tcpdump
    require_tool python3 python3
    [ -x "$ARPPROXY" ] || skip "$ARPPROXY not built (run make)"
}

arp_cleanup() {
    local rc=$? ns
    if [ -n "$ARP_PROXY_PID" ]; then
        kill "$ARP_PROXY_PID" 2>/dev/null
        wait "$ARP_PROXY_PID" 2>/dev/null
    fi
    # arp_netns runs in $(...): find the namespaces by their prefix.
    for ns in $(ip netns list | awk -v p="$ARP_NS_PREFIX" 'index($1, p) == 1 { print $1 }'); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    (exit "$rc")
    lab_cleanup
}
trap arp_cleanup EXIT

# arp_netns NAME: creates the namespace omarp<pid>-NAME (deleted on exit)
# and prints its name.
arp_netns() {
    local ns=$ARP_NS_PREFIX$1
    ip netns add "$ns" || fail "cannot create netns $ns"
    ip -n "$ns" link set lo up
    echo "$ns"
}

# arp_veth NODE_NS NODE_IF GUEST_NS GUEST_IF GUEST_MAC: a veth pair, up.
arp_veth() {
    ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" \
        || fail "cannot create veth $2/$4"
    ip -n "$3" link set "$4" address "$5" up
    ip -n "$1" link set "$2" up
}

# arp_start_proxy NS ARGS...: runs the proxy in NS with --json; waits
# until it serves.
arp_start_proxy() {
    local ns=$1 i; shift
    ARP_PROXY_OUT=$(scratch)/proxy.out
    [ "$ARP_FAST_PATH" = on ] || set -- --no-kernel-fast-path "$@"
    ip netns exec "$ns" "$ARPPROXY" --json "$@" >"$ARP_PROXY_OUT" \
        2>"$(scratch)/proxy.log" &
    ARP_PROXY_PID=$!
    for ((i = 0; i < 100; i++)); do
        grep -q 'ready: serving' "$(scratch)/proxy.log" && return 0
        kill -0 "$ARP_PROXY_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$(scratch)/proxy.log"
    fail "the proxy did not start"
}

# arp_counters: asks the proxy for its counters (SIGUSR1) and loads them
# into COUNTER["verdicts probe"], COUNTER["pktio rx-not-a-port"],
# COUNTER[ports]...
declare -A COUNTER=()
arp_counters() {
    local n i key value
    n=$(wc -l <"$ARP_PROXY_OUT")
    kill -USR1 "$ARP_PROXY_PID"
    for ((i = 0; i < 100; i++)); do
        [ "$(wc -l <"$ARP_PROXY_OUT")" -gt "$n" ] && break
        sleep 0.02
    done
    [ "$i" -lt 100 ] || fail "no counters after SIGUSR1"
    arp_load_counters
}

# arp_load_counters: COUNTER from the last line of the proxy's output.
arp_load_counters() {
    local key value
    COUNTER=()
    while read -r key value; do
        COUNTER[$key]=$value
    done < <(tail -n 1 "$ARP_PROXY_OUT" | python3 -c '
import json, sys
def walk(prefix, d):
    for k, v in d.items():
        if isinstance(v, dict):
            walk(prefix + k + "_", v)
        else:
            print(prefix + k, str(v).replace(" ", "_"))
walk("", json.load(sys.stdin))')
}

# arp_counter SECTION NAME: a counter of the last load ("verdicts probe",
# "pktio rx-not-a-port"; "ports" alone).
arp_counter() {
    local key=$*
    echo "${COUNTER[${key// /_}]:-missing}"
}

# arp_stop_proxy: SIGTERM; the proxy must exit 0 and print its counters.
arp_stop_proxy() {
    local rc=0 n
    n=$(wc -l <"$ARP_PROXY_OUT")
    kill -TERM "$ARP_PROXY_PID"
    wait "$ARP_PROXY_PID" || rc=$?
    ARP_PROXY_PID=""
    assert_eq "proxy exit status on SIGTERM" 0 "$rc"
    [ "$(wc -l <"$ARP_PROXY_OUT")" -gt "$n" ] || fail "no counters at exit"
    arp_load_counters
}

# arp_filters NS IF...: the tc ingress filters left on the interfaces, one
# line each "IF: filter..." (none: empty).
arp_filters() {
    local ns=$1 ifname; shift
    for ifname in "$@"; do
        tc -n "$ns" filter show dev "$ifname" ingress 2>/dev/null \
            | grep -q . && echo "$ifname: $(tc -n "$ns" filter show dev "$ifname" ingress | tr '\n' ' ')"
    done
}

# arp_check_path N: the last counters show N ports answered by the path
# ARP_FAST_PATH asks for, with no fallback.
arp_check_path() {
    if [ "$ARP_FAST_PATH" = on ]; then
        assert_eq "fast path loaded" loaded "$(arp_counter fast-path state)"
        assert_eq "ports in the kernel fast path" "$1" "$(arp_counter fast-path ports-kernel)"
    else
        assert_eq "fast path off" off "$(arp_counter fast-path state)"
        assert_eq "ports in the kernel fast path" 0 "$(arp_counter fast-path ports-kernel)"
    fi
    assert_eq "attach failures" 0 "$(arp_counter fast-path attach-failures)"
}

# arp_check_replies N: the last counters account for N replies on the
# wire, each sent by exactly one path: the kernel's program (which userspace
# then leaves alone) or userspace.
arp_check_replies() {
    local n=$1
    assert_eq "verdicts reply = replies on the wire" "$n" "$(arp_counter verdicts reply)"
    if [ "$ARP_FAST_PATH" = on ]; then
        assert_eq "kernel-answered = replies on the wire" "$n" "$(arp_counter fast-path kernel-answered)"
        assert_eq "replies left to the kernel" "$n" "$(arp_counter fast-path left-to-kernel)"
        assert_eq "pktio tx-frames (userspace sent none)" 0 "$(arp_counter pktio tx-frames)"
    else
        assert_eq "kernel-answered" 0 "$(arp_counter fast-path kernel-answered)"
        assert_eq "pktio tx-frames = replies" "$n" "$(arp_counter pktio tx-frames)"
    fi
    assert_eq "kernel-failed" 0 "$(arp_counter fast-path kernel-failed)"
    assert_eq "pktio tx-errors" 0 "$(arp_counter pktio tx-errors)"
}
