#!/bin/bash
# ipv6-migrate.sh -- a dual-stack VM migrates hv1 -> hv2 -> hv1 while a pod
# on hv3 pings it over IPv4 and IPv6 every 10 ms (issue #14).  The lab is
# dual-stack (ovnmig-lab up --subnet6); the guest takes its IPv4 lease with
# udhcpc, its IPv6 one with dhclient -6 (a /128: lifetimes 20 s and 40 s,
# so it renews every 10 s) and its default route from ovnmigd's RA.
# After each move, read on the guest's console and on the target:
#   - the IPv6 default route (via fe80::1, from the RA; its expiry aside)
#     and the neighbor entry for fe80::1 (G, with the router flag) are what
#     they were, and there is no other default route;
#   - the DHCPv6 lease is what it was: the guest's next Renew is answered
#     by the target (its counters) with the same address, lifetimes,
#     server DUID, DNS and domain list;
#   - the target saw no RS from the guest (vm show: its port's verdicts),
#     activated its unsolicited RAs, and answered the guest's NUD probes
#     for fe80::1 (the guest's reachable time is 2 s, its first probe
#     after 1 s, so a probe follows every few seconds of traffic);
#   - the guest answered both pingers before and after the move (or no
#     figure: migrate-gaps.py), no gap reached 3 s, and the IPv6 outage is
#     no worse than the IPv4 one.  "No worse" allows 300 ms: two pingers
#     sample the same outage at different instants, and their replies
#     queue behind each other in a guest that just resumed (up to 97 ms
#     apart in 8 runs here); a router or neighbor missing on the target
#     costs IPv6 at least a NUD retransmission, 1 s (RFC 4861 §10).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/migrate-lib.sh"
require_vm_lab
require_tool python3 python3
command -v dhclient >/dev/null 2>&1 \
    || skip "no dhclient on this machine for the guest (isc-dhcp-client)"

lab_prefix P x
T=$LAB_TMP
G=0a:58:a9:fe:01:01
VM=vm1
PORT=vm1.default
VM_IP=10.100.0.50
VM_IP6=fd00:10::32          # the IPv4 address's host index, 0x32
check "lab up: 3 nodes, dual-stack (--subnet6), DHCPv6 lifetimes 20/40 s" \
    lab "$P" up --nodes 3 --subnet6 fd00:10::/64 \
        --ovnmigd-conf 'preferred-lifetime6 = 20' --ovnmigd-conf 'valid-lifetime6 = 40'
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"
check "pod p3 on hv3 (the pinger), dual-stack" \
    lab "$P" pod add p3 --node hv3 --ip 10.100.0.30/24
assert_match "p3 has its IPv6 address, the router its gateway" \
    "inet6 fd00:10::1e/64" "$(ip -n "$P-pod-p3" -6 addr show dev eth0 scope global)"
guest_vm_yaml "$VM" LiveMigrate "" "ovnmig.dhcp6" >"$T/vm.yaml"
check "vm start $VM on hv1 (IPv6 from the lab's subnet6)" \
    lab "$P" vm start "$VM" --node hv1 --ip "$VM_IP/24" -f "$T/vm.yaml"
assert_match "vm show: the VM's IPv6 address" "ipv6 $VM_IP6" "$("$ctl" vm show "$VM")"
wait_console hv1 "OVNMIG-LEASE event=bound" 90 || fail "the guest took no DHCP lease"
wait_console hv1 "OVNMIG-LEASE6 event=BOUND6" 60 \
    || fail "the guest took no DHCPv6 lease: $(grep -a OVNMIG-ERROR "$(vm_dir hv1)/console.log")"

# lease6 NODE: the guest's last DHCPv6 lease line on NODE's console, the
# event and the times of T1 and T2 aside.
lease6() {
    tr -d '\r' <"$(vm_dir "$1")/console.log" | grep -ao 'OVNMIG-LEASE6 event=.*' \
        | tail -n 1 | sed -E 's/event=[A-Z0-9]+ //; s/ renew=[0-9]* rebind=[0-9]*//'
}
renews6() {     # renews6 NODE: RENEW6 lines on NODE's console
    grep -ac 'OVNMIG-LEASE6 event=RENEW6' "$(vm_dir "$1")/console.log"
}
lease=$(lease6 hv1)
say "lease6: $lease"
assert_match "the DHCPv6 lease: the /128, lifetimes, DNS, domain list, server DUID-LL of G" \
    "^OVNMIG-LEASE6 ip=$VM_IP6 plen=128 preferred=20 valid=40 dns=fd00:96::a search=svc\.cluster\.local\.?,cluster\.local\.? serverid=0?0:0?3:0?0:0?1:0?a:58:a9:fe:0?1:0?1$" \
    "$lease"

# guest_report6 NODE N: the guest's IPv6 state, one line: its default
# routes (the expiry, which counts down, aside), its entry for fe80::1
# (lladdr and flags, not the NUD state) and its global address.
guest_report6() {
    local node=$1 n=$2
    guest_type "$node" "echo S$n-b; ip -6 route show default; ip -6 neigh show dev eth0; ip -6 addr show dev eth0 scope global; echo S$n-e"
    wait_console "$node" "^S$n-e" 20 || return 1
    tr -d '\r' <"$(vm_dir "$node")/console.log" | awk -v b="S$n-b" -v e="S$n-e" '
        $0 == b { on = 1; next }
        $0 == e { on = 0 }
        on { print }' | awk '
        /^default / { gsub(/ +expires [0-9]+sec/, ""); gsub(/ +/, " ");
                      route = route (route == "" ? "" : "|") $0; n++ }
        /^fe80::1 / { neigh = $2 " " $3 (/ router/ ? " router" : "") }
        / inet6 / { addr = $2 }
        END { printf "routes=%d route=[%s] neigh=[%s] addr=%s\n", n, route, neigh, addr }'
}
# The guest's NUD for fe80::1 runs often: every entry goes stale after
# about 2 s and is probed 1 s after traffic finds it stale.
guest_type hv1 "echo 2000 > /proc/sys/net/ipv6/neigh/eth0/base_reachable_time_ms; echo 1 > /proc/sys/net/ipv6/neigh/eth0/delay_first_probe_time"
for try in 1 2 3 4 5; do
    guest_type hv1 "ping -c 1 -W 1 fd00:10::1e >/dev/null; ping -c 1 -W 1 169.254.1.1 >/dev/null"
    sleep 1
    before=$(guest_report6 hv1 "0$try") || fail "no report from the guest"
    [[ $before == *"neigh=[lladdr $G router]"* ]] && break
done
say "guest before: $before"
assert_match "the guest: one default route, via fe80::1; fe80::1 is G, a router; its /128" \
    "^routes=1 route=\[default via fe80::1 dev eth0 .*\] neigh=\[lladdr $G router\] addr=$VM_IP6/128$" \
    "$before"

# What ovnmigd says of the VM's IPv6 service: "vm show" (the node's view)
# and the metrics.
show=$("$ctl" vm show "$VM")
printf '%s\n' "$show" | grep -E '^  (ipv6|dhcp6):' | sed 's/^/    | /'
assert_match "vm show: the router on the port, RAs active" \
    "^  ipv6: $VM_IP6, router fe80::1 \(RAs active; sent [0-9]+ unsolicited" "$show"
assert_match "vm show: the DHCPv6 binding and its times" \
    "^  dhcp6: 0a:58:0a:64:00:32 -> $VM_IP6/128, preferred 20 s, valid 40 s, T1 10 s, T2 16 s; [1-9][0-9]* frame" "$show"
metrics=$(http_get_in "$P-hv1" 127.0.0.1:9476 GET /metrics)
assert_match "metrics: DHCPv6 replies" '^ovnmigd_dhcp6_events_total\{event="tx-reply"\} [1-9]' "$metrics"
assert_match "metrics: RAs sent" '^ovnmigd_ndp_ras_sent_total\{kind="unsolicited"\} [1-9]' "$metrics"
assert_match "metrics: one DHCPv6 binding" \
    '^ovnmigd_dhcp6_bindings 1$' "$metrics"

# vm_node_view FIELD...: the IPv6 part of what the node the VM is on says
# of it ("vm/show", the node's half of "ovnmigctl vm show"), ipv6.FIELD...
# as JSON.
vm_node_view() {
    ovs-appctl -t "$D/$node/ovnmigd.ctl" vm/show "$VM" default --json | python3 -c 'import json,sys
o = json.load(sys.stdin)["ipv6"]
for k in sys.argv[1:]:
    o = o.get(k, {}) if isinstance(o, dict) else {}
print(json.dumps(o, sort_keys=True))' "$@"
}
dhcp6_counter() {   # dhcp6_counter NODE NAME
    ovs-appctl -t "$D/$1/ovnmigd.ctl" counters/show --json \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["dhcp6"].get(sys.argv[1], 0))' "$2"
}

pingers_start() {   # pingers_start N: p3 pings both addresses every 10 ms
    ip netns exec "$P-pod-p3" ping -D -i 0.01 -W 1 "$VM_IP" >"$T/ping4-$1.log" 2>&1 &
    PING4=$!
    ip netns exec "$P-pod-p3" ping -6 -D -i 0.01 -W 1 "$VM_IP6" >"$T/ping6-$1.log" 2>&1 &
    PING6=$!
    LAB_BG_PIDS+=("$PING4" "$PING6")
    ping_wait "$T/ping4-$1.log" 0 10 || fail "the guest never answered p3's IPv4 pings"
    ping_wait "$T/ping6-$1.log" 0 10 || fail "the guest never answered p3's IPv6 pings"
}
pingers_stop() {    # pingers_stop N AFTER
    ping_wait "$T/ping4-$1.log" "$2" 10
    ping_wait "$T/ping6-$1.log" "$2" 10
    kill -INT "$PING4" "$PING6" 2>/dev/null
    wait "$PING4" "$PING6" 2>/dev/null
}
outage() {          # outage LOG T0 T1: the longest gap (ms), or fails
    local gaps
    gaps=$(python3 "$top_srcdir/tests/bench/migrate-gaps.py" --move "$2" "$3" "$1" 2>&1) \
        || fail "$gaps"
    awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
           print v["outage"], v["got"] "/" v["sent"] }' <<<"$gaps"
}

node=hv1
n=0
for dst in hv2 hv1; do
    n=$((n + 1))
    pingers_start "$n"
    sleep 0.5
    t_req=$EPOCHREALTIME
    uid=$("$ctl" vm migrate "$VM" --to "$dst") || fail "vm migrate $VM --to $dst"
    "$ctl" -t 120 migration watch "$uid" >"$T/watch-$n.log" \
        || fail "migration $n ($node -> $dst) did not succeed: $(tail -n 2 "$T/watch-$n.log")"
    t_done=$EPOCHREALTIME
    renews0=$(dhcp6_counter "$dst" rx-renew)
    replies0=$(dhcp6_counter "$dst" tx-reply)
    leases0=$(renews6 "$dst")
    sleep 0.5
    pingers_stop "$n" "$t_done"
    read -r out4 got4 <<<"$(outage "$T/ping4-$n.log" "$t_req" "$t_done")"
    read -r out6 got6 <<<"$(outage "$T/ping6-$n.log" "$t_req" "$t_done")"
    say "migration $n $node -> $dst: outage IPv4 ${out4} ms (replies $got4), IPv6 ${out6} ms (replies $got6)"
    [ "$out4" -lt 3000 ] || fail "migration $n: IPv4 gap of $out4 ms"
    [ "$out6" -lt 3000 ] || fail "migration $n: IPv6 gap of $out6 ms"
    [ "$out6" -le $((out4 + 300)) ] \
        || fail "migration $n: the IPv6 outage ($out6 ms) is worse than the IPv4 one ($out4 ms)"
    wait_gone "$node" || fail "migration $n: $node still has $(leftover_vm "$node")"

    after=$(guest_report6 "$dst" "$n") || fail "migration $n: no report from the guest"
    assert_eq "migration $n: IPv6 default route, entry for fe80::1 and address unchanged" \
        "$before" "$after"

    # The guest's next Renew, answered by the target with the same lease.
    for ((i = 0; i < 300; i++)); do
        [ "$(renews6 "$dst")" -gt "$leases0" ] \
            && [ "$(dhcp6_counter "$dst" rx-renew)" -gt "$renews0" ] && break
        sleep 0.1
    done
    [ "$(dhcp6_counter "$dst" rx-renew)" -gt "$renews0" ] \
        || fail "migration $n: $dst's ovnmigd got no Renew in 30 s"
    [ "$(renews6 "$dst")" -gt "$leases0" ] \
        || fail "migration $n: the guest reported no renewed lease in 30 s"
    [ "$(dhcp6_counter "$dst" tx-reply)" -gt "$replies0" ] \
        || fail "migration $n: $dst's ovnmigd did not reply to the Renew"
    assert_eq "migration $n: the renewed DHCPv6 lease is the same" "$lease" "$(lease6 "$dst")"

    # The target's view of the port: no RS, RAs on, NUD probes answered.
    node=$dst
    for ((i = 0; i < 100; i++)); do
        [ "$(vm_node_view router verdicts reply)" != "{}" ] && break
        sleep 0.1
    done
    verdicts=$(vm_node_view router verdicts)
    say "migration $n: $dst's router on the port: $(vm_node_view router)"
    [[ $verdicts != *'"rs-'* ]] || fail "migration $n: $dst saw an RS from the guest: $verdicts"
    assert_eq "migration $n: $dst sends the unsolicited RAs" true "$(vm_node_view router raActive)"
    [ "$(vm_node_view router raSent unsolicited)" -ge 1 ] \
        || fail "migration $n: $dst sent no unsolicited RA"
    [ "$(vm_node_view router verdicts reply)" -ge 1 ] 2>/dev/null \
        || fail "migration $n: $dst answered none of the guest's NUD probes for fe80::1 ($verdicts)"
    say "ok: migration $n: $dst answered $(vm_node_view router verdicts reply) NS for fe80::1, saw no RS"
done
pass
