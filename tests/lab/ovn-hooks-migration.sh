#!/bin/bash
# ovn-hooks-migration: through ovn-hooks, a VM port's LSP is bound to hv1
# (SB shows it there); the migration primitives move a plugged copy to hv2
# as design.md §2 says: bound on hv2 as additional chassis and blocked
# until a RARP, activated by one; finish leaves hv2 alone, revert keeps the
# source.  ovn-trace shows the ACL dropping the guest's gateway ARP and
# DHCP while RARP and gratuitous ARP pass.
#
# SPDX-License-Identifier: Apache-2.0

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovn-hooks-common.sh"

require_root
require_lab_tools
require_tool python3 python3
require_tool ovn-central ovn-trace
require_tool iputils-ping ping
[ -x "$OVNHOOK_CLI" ] || fail "$OVNHOOK_CLI not built (make)"

omh_prefix P
say "lab prefix $P"
check "up --nodes 2" lab "$P" up --nodes 2
eval "$(lab "$P" env central)"

PORT=vm1.ns1 MAC=0a:58:0a:64:00:02 IP=10.100.0.2
check "pod $PORT on hv1" lab "$P" pod add "$PORT" --node hv1 --ip "$IP/24" --mac "$MAC"
check "pod peer on hv1" lab "$P" pod add peer --node hv1 --ip 10.100.0.3/24

# The LSP through ovn-hooks (it adopts the lab's port), twice: idempotent.
out=$(hook_cli "$P" hv1 port-set vm1 ns1 "$MAC" "$IP" hv1) || fail "port-set: $out"
out=$(hook_cli "$P" hv1 port-set vm1 ns1 "$MAC" "$IP" hv1) || fail "port-set: $out"
assert_match "second port-set changes nothing" 'unchanged' "$out"
show=$(hook_cli "$P" hv1 show "$PORT") || fail "show: $show"
assert_match "requested-chassis hv1" '^requested_chassis=hv1$' "$show"
assert_match "in the port group" '^in_port_group=true$' "$show"
assert_match "SB: bound on hv1 (port_get)" '^sb_chassis=hv1$' "$show"
sb_chassis() { ovn-sbctl --bare get Chassis "$(ovn-sbctl --bare get Port_Binding "$PORT" chassis)" name; }
sb_additional() {
    local u
    for u in $(ovn-sbctl --bare get Port_Binding "$PORT" additional_chassis | tr -d '[],'); do
        ovn-sbctl --bare get Chassis "$u" name
    done | xargs
}
assert_eq "SB chassis (ovn-sbctl)" hv1 "$(sb_chassis)"

# The ACL, as OVN compiles it.
acl() {   # acl [--minimal] MATCH: ovn-trace a packet from the VM
    local opt=""
    [ "$1" != --minimal ] || { opt=$1; shift; }
    ovn-trace $opt vmnet "inport == \"$PORT\" && eth.src == $MAC && $1" 2>&1
}
arp() { echo "eth.dst == ff:ff:ff:ff:ff:ff && arp.op == 1 && arp.sha == $MAC && arp.spa == $IP && arp.tha == 00:00:00:00:00:00 && arp.tpa == $1"; }
for gw in 169.254.1.1 10.100.0.1; do
    t=$(acl "$(arp $gw)")
    grep -A1 'ls_in_acl.*@ovnmig_vms' <<<"$t" | grep -q 'drop;' \
        || { echo "$t" | sed 's/^/    | /'; fail "ARP request for $gw is not dropped by the ACL"; }
    say "ok: ovn-trace: ARP for gateway $gw dropped by the ACL"
done
t=$(acl "eth.dst == ff:ff:ff:ff:ff:ff && ip4.src == 0.0.0.0 && ip4.dst == 255.255.255.255 && udp.src == 68 && udp.dst == 67 && ip.ttl == 64")
grep -A1 'ls_in_acl.*@ovnmig_vms' <<<"$t" | grep -q 'drop;' || fail "DHCPDISCOVER not dropped"
say "ok: ovn-trace: DHCPv4 client traffic dropped"
assert_match "ovn-trace: RARP passes" 'output\("peer"\)' "$(acl --minimal 'eth.dst == ff:ff:ff:ff:ff:ff && eth.type == 0x8035')"
assert_match "ovn-trace: gratuitous ARP passes" 'output\("peer"\)' "$(acl --minimal "$(arp $IP)")"

# The target's plug: same iface-id, MAC and IP, on hv2.
check "plug a copy on hv2" plug_copy "$P" hv2 copy "$PORT" "$MAC" "$IP/24"
COPY=$P-pod-copy
# ping_rx: ping the VM's IP from the peer (fresh ARP); print how many of
# those ICMP packets reached the hv2 copy meanwhile.
ping_rx() {
    local cap=$LAB_TMP/icmp.$RANDOM pid
    ip netns exec "$COPY" timeout 3 tcpdump -nli eth0 icmp >"$cap" 2>/dev/null &
    pid=$!
    sleep 0.3
    lab "$P" exec peer -- ip neigh flush all
    lab "$P" exec peer -- ping -c 3 -i 0.2 -W 1 "$IP" >/dev/null \
        || fail "the VM's IP does not answer the peer"
    sleep 0.2
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    grep -c 'ICMP echo request' "$cap"
}
scratch
require_tool tcpdump tcpdump

out=$(hook_cli "$P" hv1 start "$PORT" hv1 hv2) || fail "start: $out"
say "start: $out"
assert_eq "SB additional chassis after start" hv2 "$(sb_additional)"
assert_eq "SB chassis still hv1" hv1 "$(sb_chassis)"
assert_eq "NB requested-chassis" '"hv1,hv2"' "$(ovn-nbctl get Logical_Switch_Port "$PORT" options:requested-chassis)"
assert_eq "NB activation-strategy" rarp "$(ovn-nbctl get Logical_Switch_Port "$PORT" options:activation-strategy)"
sleep 0.3
n=$(ping_rx)
assert_eq "packets reaching the blocked target" 0 "$n"

check "RARP from the hv2 copy" send_rarp "$COPY" "$MAC"
t0=$(now_ms)
while [ "$(ping_rx)" -eq 0 ]; do
    [ $(( $(now_ms) - t0 )) -lt 5000 ] || fail "no traffic reaches hv2 5 s after the RARP"
done
say "ok: traffic reaches the hv2 copy after the RARP (seen within $(( $(now_ms) - t0 )) ms of 3-ping rounds)"
for ((i = 0; i < 100; i++)); do
    [ "$(ovn-sbctl --bare get Port_Binding "$PORT" options:additional-chassis-activated 2>/dev/null)" = hv2 ] && break
    sleep 0.05
done
assert_eq "SB additional-chassis-activated" hv2 \
    "$(ovn-sbctl --bare get Port_Binding "$PORT" options:additional-chassis-activated)"

out=$(hook_cli "$P" hv2 finish "$PORT" hv2) || fail "finish: $out"
for ((i = 0; i < 100; i++)); do
    [ "$(sb_chassis)" = hv2 ] && [ -z "$(sb_additional)" ] && break
    sleep 0.05
done
assert_eq "SB chassis after finish" hv2 "$(sb_chassis)"
assert_eq "SB additional chassis after finish" "" "$(sb_additional)"
assert_eq "NB options after finish" '{requested-chassis=hv2}' \
    "$(ovn-nbctl get Logical_Switch_Port "$PORT" options)"
n=$(ping_rx)
[ "$n" -gt 0 ] || fail "no traffic reaches hv2 after finish"
say "ok: traffic reaches hv2 after finish ($n packets)"

# A migration back to hv1 that is reverted: hv2 keeps the port alone.
out=$(hook_cli "$P" hv2 start "$PORT" hv2 hv1) || fail "start back: $out"
assert_eq "SB additional chassis (back)" hv1 "$(sb_additional)"
out=$(hook_cli "$P" hv2 revert "$PORT" hv2) || fail "revert: $out"
for ((i = 0; i < 100; i++)); do
    [ -z "$(sb_additional)" ] && break
    sleep 0.05
done
assert_eq "SB chassis after revert" hv2 "$(sb_chassis)"
assert_eq "SB additional chassis after revert" "" "$(sb_additional)"
assert_eq "NB options after revert" '{requested-chassis=hv2}' \
    "$(ovn-nbctl get Logical_Switch_Port "$PORT" options)"

out=$(hook_cli "$P" hv2 port-del "$PORT") || fail "port-del: $out"
assert_eq "LSP gone" "" "$(ovn-nbctl --bare --columns=name find Logical_Switch_Port name="$PORT")"

check "down" lab "$P" down
check_clean "after down" "$P"
pass
