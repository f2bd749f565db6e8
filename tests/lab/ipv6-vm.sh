#!/bin/bash
# ipv6-vm.sh -- ovnmigd serves IPv6 to a dual-stack VM in the lab: with
# subnet6 and dns6 in every node's ovnmigd.conf, "ovnmig-lab vm start
# --ipv6" (ovnmigctl vm create --ipv6) puts the address into the VM row,
# the LSP's addresses and its port security (with fe80::/64, so that a
# guest's non-EUI-64 link-local address passes); the guest (its IPv6
# address set statically: busybox has no DHCPv6 client) takes its default
# route from ovnmigd's RA, via fe80::1, and its neighbor entry for fe80::1
# holds G with the router flag; ovnmigd counts the RAs it sent and serves
# the port's DHCPv6 binding.
. "$(dirname "$0")/lib.sh"
require_tool python3 python3
require_vm_lab

lab_prefix P d
T=$LAB_TMP
G=0a:58:a9:fe:01:01
VM_MAC=0a:58:0a:64:00:3c
VM_IP6=fd00:10::3c
check "lab up with subnet6" lab "$P" up --nodes 1 \
    --ovnmigd-conf 'subnet6 = fd00:10::/64' --ovnmigd-conf 'dns6 = fd00::53'
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"      # OVNMIG_DB, OVNMIG_CTL (hv1), OVN_*_DB

# The MAC is 0a:58 and the IPv4 address, as ovnmigctl makes it.
guest_vm_yaml vm6 None "" "ovnmig.ip6=$VM_IP6 ovnmig.ping=10.100.0.1" \
    >"$T/vm6.yaml"
check "vm start vm6 on hv1 with --ipv6" lab "$P" vm start vm6 --node hv1 \
    --ip 10.100.0.60/24 --ipv6 "$VM_IP6" -f "$T/vm6.yaml"
assert_match "vm show: the row's IPv6 address" "ipv6 $VM_IP6" \
    "$("$ctl" vm show vm6 2>&1)"

console=$D/hv1/ovnmigd/vms/vm6.default/console.log
for _ in $(seq 900); do
    grep -aq OVNMIG-CHECKS-DONE "$console" 2>/dev/null && break
    sleep 0.1
done
grep -aq OVNMIG-CHECKS-DONE "$console" 2>/dev/null \
    || fail "the guest did not finish its checks: $(tail -n 5 "$console" 2>/dev/null; tail -n 5 "$D/hv1/ovnmigd.log")"
grep -a 'OVNMIG-\(STATIC6\|ROUTE6\|NEIGH6\)' "$console" | sed 's/^/    | /'
ovs-appctl -t "$OVNMIG_CTL" counters/show --json | python3 -c 'import json,sys
for k, v in json.load(sys.stdin)["ndp"].items():
    if v: print("    | ndp %s %s" % (k, v))'
# busybox's ip prints no "proto ra": a route with an expiry is the RA's
# (a static one has none).
assert_match "guest: default route via fe80::1, from the RA" \
    "OVNMIG-ROUTE6 default via fe80::1 dev eth0 .*expires" \
    "$(grep -a OVNMIG-ROUTE6 "$console")"
assert_match "guest: fe80::1 is G, a router" \
    "OVNMIG-NEIGH6 fe80::1 lladdr $G router" "$(grep -a OVNMIG-NEIGH6 "$console")"

lsp=vm6.default
addresses=$(ovn-nbctl get Logical_Switch_Port "$lsp" addresses)
port_security=$(ovn-nbctl get Logical_Switch_Port "$lsp" port_security)
assert_eq "LSP addresses: MAC, IPv4, IPv6" "[\"$VM_MAC 10.100.0.60 $VM_IP6\"]" "$addresses"
assert_eq "LSP port security: and every link-local address" \
    "[\"$VM_MAC 10.100.0.60 $VM_IP6 fe80::/64\"]" "$port_security"

# OVN took port security as written: ovn-controller's port security flows
# on hv1's br-int admit every link-local source of the VM's MAC.
lla_flows=$(lab "$P" exec hv1 -- ovs-ofctl dump-flows br-int \
    | grep "dl_src=$VM_MAC" | grep -c 'ipv6_src=fe80::/64')
[ "$lla_flows" -ge 1 ] || fail "no port security flow on br-int admits fe80::/64 from $VM_MAC"
say "ok: $lla_flows port security flow(s) on br-int admit fe80::/64"

counters=$(ovs-appctl -t "$OVNMIG_CTL" counters/show --json)
read -r ports ras rs_answers d6ports d6bindings <<<"$(python3 -c 'import json,sys; c=json.load(sys.stdin)
n=c["ndp"]; d=c["dhcp6"]
print(n["ports"], n["ra-unsolicited"], n["ra-solicited-multicast"] + n["ra-solicited-unicast"], d["ports"], d["bindings"])' <<<"$counters")"
assert_eq "ovnmigd: one port served by the IPv6 router and DHCPv6, one binding" \
    "1 1 1" "$ports $d6ports $d6bindings"
[ "$((ras + rs_answers))" -ge 1 ] || fail "ovnmigd sent no RA ($ras unsolicited, $rs_answers solicited)"
say "ok: ovnmigd sent $ras unsolicited and $rs_answers solicited RA(s)"

check "vm stop vm6" lab "$P" vm stop vm6
check "lab down" lab "$P" down
pass
