#!/bin/bash
# arp-basic: the ARP proxy on one VM port (a veth pair between a "node"
# and a "guest" namespace).  The guest kernel resolves 169.254.1.1 to G;
# after the entry goes STALE, the kernel's unicast probe is answered and
# the entry is REACHABLE again without a broadcast; arping gets exactly
# one reply per request, for 169.254.1.1 and the subnet's gateway; probes,
# gratuitous ARP, requests for the VM's own address, from a foreign IP or
# MAC, from a multicast MAC, VLAN-tagged, or from an interface that is no VM port get none, and
# each is counted under its reason.  With the kernel fast path (the
# default), every reply comes from the kernel and none from userspace, and
# no tc filter is left once the proxy stops; arp-basic-userspace runs it all
# with the fast path off.
#
# SPDX-License-Identifier: Apache-2.0

. "$(dirname "$0")/arp-lib.sh"

arp_require

VM_MAC=0a:58:0a:64:00:05
NODE=$(arp_netns n)
GUEST=$(arp_netns g)
say "namespaces $NODE $GUEST"

arp_veth "$NODE" vm0 "$GUEST" eth0 "$VM_MAC"
arp_veth "$NODE" novm0 "$GUEST" eth1 0a:58:0a:64:01:05
for a in 10.100.0.5/24 10.100.0.6/24 10.100.0.7/24; do
    ip -n "$GUEST" addr add "$a" dev eth0
done
ip -n "$GUEST" addr add 10.100.1.5/24 dev eth1
ip -n "$GUEST" route add 169.254.1.1/32 dev eth0 scope link
# Short neighbor timers, so that the entry goes STALE and is probed soon:
# REACHABLE for 1 to 3 s, more than delay_first_probe_time after its last
# use, so that it goes STALE rather than straight to DELAY.
ip netns exec "$GUEST" sysctl -qw net.ipv4.neigh.eth0.base_reachable_time_ms=2000 \
    net.ipv4.neigh.eth0.delay_first_probe_time=1

arp_start_proxy "$NODE" --interface vm0 --vm "$VM_MAC,10.100.0.5,10.100.0.6" \
    --gateway 10.100.0.1

if [ "$ARP_FAST_PATH" = on ]; then
    assert_match "tc ingress filter on vm0" "arpp_fast_path" \
        "$(tc -n "$NODE" filter show dev vm0 ingress)"
    assert_eq "no filter on novm0 (no VM port)" "" "$(arp_filters "$NODE" novm0)"
fi

# Everything ARP on the guest's side, one line a frame.
CAP=$(scratch)/capture
ip netns exec "$GUEST" tcpdump -i eth0 -e -n -l --immediate-mode \
    'arp or (vlan and arp)' >"$CAP" 2>"$CAP.err" &
LAB_BG_PIDS+=($!)
for ((i = 0; i < 100; i++)); do
    grep -q 'listening on' "$CAP.err" && break
    sleep 0.05
done

mark() { wc -l <"$CAP"; }
since() { sleep 0.3; tail -n +"$(($1 + 1))" "$CAP"; }
count() { grep -cE -- "$1" || true; }
guest() { ip netns exec "$GUEST" "$@"; }
neigh_state() { ip -n "$GUEST" -4 neigh show 169.254.1.1 dev eth0; }

# 1. The kernel resolves the gateway to G.
m=$(mark)
guest ping -c 1 -W 1 169.254.1.1 >/dev/null 2>&1 &
for ((i = 0; i < 50; i++)); do
    neigh_state | grep -q REACHABLE && break
    sleep 0.02
done
state=$(neigh_state)
wait $!
assert_match "ip neigh: 169.254.1.1 at G" "lladdr $G REACHABLE" "$state"
assert_eq "replies to the kernel's request" 1 \
    "$(since "$m" | count "Reply 169.254.1.1 is-at $G")"

# 2. STALE, then the kernel's unicast probe (NUD) is answered.
for ((i = 0; i < 50; i++)); do
    neigh_state | grep -q STALE && break
    sleep 0.1
done
assert_match "entry goes STALE" STALE "$(neigh_state)"
m=$(mark)
guest ping -c 1 -W 1 169.254.1.1 >/dev/null 2>&1
for ((i = 0; i < 60; i++)); do
    neigh_state | grep -q REACHABLE && break
    sleep 0.1
done
assert_match "entry REACHABLE again" "lladdr $G REACHABLE" "$(neigh_state)"
frames=$(since "$m")
printf '%s\n' "$frames" | sed 's/^/    | /'
[ "$(count "> $G, .*Request who-has 169.254.1.1" <<<"$frames")" -ge 1 ] \
    || fail "no unicast probe to G"
say "ok: the kernel probed G by unicast"
assert_eq "broadcast requests while re-validating" 0 \
    "$(count "> ff:ff:ff:ff:ff:ff.*Request" <<<"$frames")"
[ "$(count "Reply 169.254.1.1 is-at $G" <<<"$frames")" -ge 1 ] \
    || fail "the unicast probe got no reply"
say "ok: the unicast probe was answered"

# 3. arping: exactly one reply per request.
m=$(mark)
out=$(guest arping -c 3 -i eth0 169.254.1.1) || { echo "$out"; fail "arping 169.254.1.1"; }
assert_match "arping: 3 received, no extra" \
    "3 packets transmitted, 3 packets received, +0% unanswered \(0 extra\)" "$out"
assert_eq "replies on the wire for 3 requests" 3 \
    "$(since "$m" | count "Reply 169.254.1.1 is-at $G")"

m=$(mark)
out=$(guest arping -c 1 -i eth0 10.100.0.1) || { echo "$out"; fail "arping 10.100.0.1"; }
assert_eq "subnet gateway answered with G" 1 \
    "$(since "$m" | count "Reply 10.100.0.1 is-at $G")"

# 4. Never answered; each counted under its reason.
declare -A expect=()
silent() {    # silent WHAT COUNTER ARPING-ARGS...
    local what=$1 counter=$2 m; shift 2
    m=$(mark)
    guest arping -c 2 -W 0.1 -w 1 "$@" >/dev/null 2>&1
    assert_eq "$what: replies" 0 "$(since "$m" | count 'Reply|is-at')"
    expect[$counter]=$(( ${expect[$counter]:-0} + 2 ))
}
silent "request for the VM's other address" "verdicts request-for-own-ip" \
    -i eth0 -S 10.100.0.5 10.100.0.6
silent "probe (RFC 5227)" "verdicts probe" -i eth0 -0 169.254.1.1
silent "gratuitous ARP" "verdicts gratuitous" -i eth0 -U 10.100.0.5
silent "request for its own address" "verdicts gratuitous" -i eth0 10.100.0.5
silent "sender IP not the VM's" "verdicts foreign-sender-ip" \
    -i eth0 -S 10.100.0.7 169.254.1.1
silent "sender MAC not the VM's" "verdicts foreign-sender-mac" \
    -i eth0 -p -s 52:54:00:99:99:99 169.254.1.1
silent "multicast sender MAC" "verdicts multicast-sender-mac" \
    -i eth0 -p -s 01:00:5e:00:00:01 169.254.1.1
silent "VLAN-tagged request" "verdicts vlan-tagged" -i eth0 -V 100 169.254.1.1
silent "address not a gateway" "verdicts not-a-gateway" -i eth0 10.100.0.9

# From an interface that is no VM port: seen on eth1 only.
guest arping -c 2 -W 0.1 -w 1 -i eth1 169.254.1.1 >/dev/null 2>&1 \
    && fail "a request from a non-VM port was answered"
say "ok: no reply on a port that is no VM port"

arp_counters
for c in "${!expect[@]}"; do
    # shellcheck disable=SC2086
    assert_eq "counter $c" "${expect[$c]}" "$(arp_counter $c)"
done
[ "$(arp_counter pktio rx-not-a-port)" -ge 2 ] || fail "rx-not-a-port not counted"
say "ok: pktio rx-not-a-port $(arp_counter pktio rx-not-a-port)"

# Every reply on the wire was counted, and sent by one path only.
replies=$(count "is-at" <"$CAP")
arp_check_path 1
arp_check_replies "$replies"

arp_stop_proxy
assert_eq "tc filters left after the proxy stopped" "" "$(arp_filters "$NODE" vm0 novm0)"
pass
