# tests/lab/dhcp-lib.sh -- helpers of the DHCP server's lab tests (sourced):
# a "node" and a "guest" network namespace joined by a veth pair, the
# server on the node's end, real DHCP clients on the guest's, and the
# server's counters.  Builds on lib.sh (verdicts, assertions, cleanup).
#
# SPDX-License-Identifier: Apache-2.0

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DHCPD=$top_builddir/dhcpd/ovnmig-dhcpd
ARPPROXY=$top_builddir/arpproxy/ovnmig-arpproxy
DHCP_NS_PREFIX=omdhcp$$-    # every namespace of this test; deleted on exit
DHCP_PIDS=()                # processes this test started, stopped on exit
DHCP_SERVER_PID=""
DHCP_SERVER_OUT=""          # the server's stdout: its counters
DHCP_SERVER_LOG=""

# The gateway and server identifier the guest sees, and its MAC.
GW=169.254.1.1
G=0a:58:a9:fe:01:01

dhcp_require() {
    require_root
    require_tool iproute2 ip
    require_tool util-linux unshare
    require_tool util-linux nsenter
    require_tool tcpdump tcpdump
    require_tool ethtool ethtool
    [ -x "$DHCPD" ] || skip "$DHCPD not built (run make)"
    scratch >/dev/null      # here, not in a subshell: removed at exit
}

dhcp_cleanup() {
    local rc=$? pid ns
    for pid in "${DHCP_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${DHCP_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    for ns in $(ip netns list | awk -v p="$DHCP_NS_PREFIX" 'index($1, p) == 1 { print $1 }'); do
        ip netns del "$ns" 2>/dev/null
    done
    (exit "$rc")
    lab_cleanup
}
trap dhcp_cleanup EXIT

# dhcp_bg CMD...: runs CMD in the background, stopped at exit; its PID is
# in $DHCP_BG_PID.
dhcp_bg() {
    "$@" &
    DHCP_BG_PID=$!
    DHCP_PIDS+=("$DHCP_BG_PID")
}

# dhcp_stop PID: stops one process this test started, and reaps it.
dhcp_stop() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

# dhcp_netns NAME: creates the namespace omdhcp<pid>-NAME (deleted on
# exit) and prints its name.
dhcp_netns() {
    local ns=$DHCP_NS_PREFIX$1
    ip netns add "$ns" || fail "cannot create netns $ns"
    ip -n "$ns" link set lo up
    echo "$ns"
}

# dhcp_veth NODE_NS NODE_IF GUEST_NS GUEST_IF GUEST_MAC: a veth pair, up.
# The guest's end keeps TX checksum offload on, as a pod's would: its
# kernel-socket traffic (the unicast renewal) then reaches the server with
# the checksum left to offload, which lib/pktio must finish.
dhcp_veth() {
    ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" \
        || fail "cannot create veth $2/$4"
    ip -n "$3" link set "$4" address "$5" up
    ip -n "$1" link set "$2" up
    [ "$(ip netns exec "$3" ethtool -k "$4" | awk '/^tx-checksumming:/ {print $2}')" = on ] \
        || fail "TX checksum offload is not on on $4"
}

# dhcp_start_server NS ARGS...: runs ovnmig-dhcpd in NS; waits until it
# serves.
dhcp_start_server() {
    local ns=$1 i; shift
    DHCP_SERVER_OUT=$LAB_TMP/server.out
    DHCP_SERVER_LOG=$LAB_TMP/server.log
    dhcp_bg ip netns exec "$ns" "$DHCPD" "$@" >"$DHCP_SERVER_OUT" \
        2>"$DHCP_SERVER_LOG"
    DHCP_SERVER_PID=$DHCP_BG_PID
    for ((i = 0; i < 100; i++)); do
        grep -q 'ready:' "$DHCP_SERVER_LOG" && return 0
        kill -0 "$DHCP_SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$DHCP_SERVER_LOG"
    fail "the DHCP server did not start"
}

# dhcp_counters: asks the server for its counters (SIGUSR1) and prints
# the answer ("name value" lines).
# The line a block of counters is complete with (ovnmig-router6 ends its
# blocks with "end").
DHCP_COUNTERS_LAST='^pktio-tx-errors '
dhcp_counters() {
    local before i
    before=$(grep -c '^ports ' "$DHCP_SERVER_OUT")
    kill -USR1 "$DHCP_SERVER_PID" || fail "the server is gone"
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c "$DHCP_COUNTERS_LAST" "$DHCP_SERVER_OUT")" -gt "$before" ] && break
        sleep 0.02
    done
    awk '/^ports /{ block = "" } { block = block $0 "\n" } END { printf "%s", block }' \
        "$DHCP_SERVER_OUT"
}

# dhcp_counter NAME: one counter's value.
dhcp_counter() {
    dhcp_counters | awk -v n="$1" '$1 == n { print $2 }'
}

# wait_counter NAME MIN [SECONDS]: until counter NAME reaches MIN.
wait_counter() {
    local name=$1 min=$2 secs=${3:-10} i v
    for ((i = 0; i < secs * 10; i++)); do
        v=$(dhcp_counter "$name")
        if [ "${v:-0}" -ge "$min" ]; then
            say "ok: counter $name = $v (>= $min)"
            return 0
        fi
        sleep 0.1
    done
    dhcp_counters | sed 's/^/    | /'
    fail "counter $name stayed at ${v:-0} (< $min) for $secs s"
}

# dhcp_gateway_arp NODE_NS NODE_IF GUEST_NS GUEST_IF VM_MAC VM_IP: makes
# the guest's ARP for 169.254.1.1 resolve to G, as on a real node: with
# ovnmig's ARP proxy when it is built, else with a static neighbor entry.
dhcp_gateway_arp() {
    if [ -x "$ARPPROXY" ]; then
        dhcp_bg ip netns exec "$1" "$ARPPROXY" --port="$2,$5,$6" \
            >"$LAB_TMP/arpproxy.out" 2>"$LAB_TMP/arpproxy.log"
        say "169.254.1.1 answered by ovnmig-arpproxy (pid $DHCP_BG_PID)"
    else
        ip -n "$3" neigh replace "$GW" lladdr "$G" dev "$4" nud permanent \
            || fail "cannot add the static neighbor entry"
        say "169.254.1.1 resolved by a static neighbor entry (no ARP proxy built)"
    fi
}

# dhcp_capture NS IF FILTER: starts tcpdump, its PID in $DHCP_BG_PID and
# its text in the file $DHCP_CAPTURE.  Waits until it listens.
dhcp_capture() {
    local i
    DHCP_CAPTURE=$LAB_TMP/capture.$RANDOM
    dhcp_bg ip netns exec "$1" tcpdump -l -n -e -i "$2" "$3" \
        >"$DHCP_CAPTURE" 2>"$DHCP_CAPTURE.err"
    for ((i = 0; i < 100; i++)); do
        grep -q 'listening on' "$DHCP_CAPTURE.err" && break
        sleep 0.05
    done
}

# wait_file_match FILE REGEX [SECONDS]
wait_file_match() {
    local i secs=${3:-10}
    for ((i = 0; i < secs * 10; i++)); do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    [ -f "$1" ] && sed 's/^/    | /' "$1"
    fail "no /$2/ in $1 within $secs s"
}
