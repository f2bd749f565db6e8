#!/bin/bash
# lab-dual-stack: "ovnmig-lab up --subnet6" makes a dual-stack lab.  Pods
# get an IPv6 address next to their IPv4 one (the same host index, or
# --ipv6), in their LSP's addresses and port security; they reach each
# other over IPv6 on the same chassis and across chassis, and reach the
# router's IPv6 address on the subnet, G; the router port sends no RA
# (no ipv6_ra_configs, which would compete with ovnmigd's); every
# node's ovnmigd.conf has subnet6 and dns6; status shows the subnet.
# Wrong uses fail with a clear message.
#
# SPDX-License-Identifier: Apache-2.0

# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_lab_tools
require_tool python3 python3
require_tool iputils-ping ping

lab_prefix P s
check_fails "up: --subnet6 not an IPv6 prefix" "bad --subnet6 '10.0.0.0/64'" \
    lab "$P" up --nodes 1 --subnet6 10.0.0.0/64
check_fails "up: --subnet6 too long a prefix" "bad --subnet6 'fd00:10::/124'" \
    lab "$P" up --nodes 1 --subnet6 fd00:10::/124
check_fails "up: --subnet6 and subnet6 in --ovnmigd-conf" "not also --ovnmigd-conf" \
    lab "$P" up --nodes 1 --subnet6 fd00:10::/64 --ovnmigd-conf 'subnet6 = fd00:10::/64'

check "up --nodes 2 --subnet6 fd00:10::/64 (host bits dropped)" \
    lab "$P" up --nodes 2 --subnet6 fd00:10::7/64
status=$(lab "$P" status)
assert_match "status: the IPv6 subnet and its router" \
    '^  subnet6 fd00:10::/64, router fd00:10::1' "$status"
D=$(lab_dir "$P")
if [ -f "$D/hv1/ovnmigd.conf" ]; then
    assert_match "hv2's ovnmigd.conf: subnet6 and dns6" \
        $'subnet6 = fd00:10::/64\ndns6 = fd00:96::a' "$(grep -A1 '^subnet6' "$D/hv2/ovnmigd.conf")"
fi
eval "$(lab "$P" env central)"
assert_eq "the router port: both networks" '["10.100.0.1/24", "fd00:10::1/64"]' \
    "$(ovn-nbctl get Logical_Router_Port vmrouter-vmnet networks)"
assert_eq "the router port sends no RA" "{}" \
    "$(ovn-nbctl get Logical_Router_Port vmrouter-vmnet ipv6_ra_configs)"

check "pod a on hv1" lab "$P" pod add a --node hv1
check "pod b on hv2" lab "$P" pod add b --node hv2
check "pod c on hv1 with a given IPv6 address" \
    lab "$P" pod add c --node hv1 --ip 10.100.0.40/24 --ipv6 fd00:10::c0
check_fails "pod add: --ipv6 outside the subnet" "is not a host address of fd00:10::/64" \
    lab "$P" pod add d --node hv1 --ipv6 fd00:11::5
check_fails "pod add: --ipv6 the router's" "is not a host address" \
    lab "$P" pod add d --node hv1 --ipv6 fd00:10::1
check_fails "pod add: --ipv6 taken" "already used" \
    lab "$P" pod add d --node hv2 --ipv6 fd00:10:0::c0
list=$(lab "$P" pod list)
printf '%s\n' "$list" | sed 's/^/    | /'
assert_match "pod list: b's IPv6 address" '^ +fd00:10::3$' "$list"
assert_eq "a's LSP addresses: MAC, IPv4, IPv6" '["0a:58:0a:64:00:02 10.100.0.2 fd00:10::2"]' \
    "$(ovn-nbctl get Logical_Switch_Port a addresses)"
assert_eq "c's LSP port security: MAC, IPv4, IPv6" '["0a:58:0a:64:00:28 10.100.0.40 fd00:10::c0"]' \
    "$(ovn-nbctl get Logical_Switch_Port c port_security)"
assert_eq "pod a: its global address, static (no SLAAC, no RA)" "fd00:10::2/64" \
    "$(lab "$P" exec a -- ip -6 -o addr show dev eth0 scope global | awk '{ print $4 }' | xargs)"

ping_ok "$P" a fd00:10::3        # across chassis
ping_ok "$P" b fd00:10::2
ping_ok "$P" a fd00:10::c0       # same chassis
ping_ok "$P" b fd00:10::1        # the router
assert_match "pod b: the router is G" 'lladdr 0a:58:a9:fe:01:01 router' \
    "$(lab "$P" exec b -- ip -6 neigh show fd00:10::1)"

check "pod del c" lab "$P" pod del c
check "down" lab "$P" down
check_clean "after down" "$P"

# A lab without --subnet6 refuses IPv6 addresses for pods.
check "up --nodes 1 (IPv4 only)" lab "$P" up --nodes 1
check_fails "pod add --ipv6 without --subnet6" "has no IPv6 subnet" \
    lab "$P" pod add a --node hv1 --ipv6 fd00:10::5
check "pod add a (IPv4 only)" lab "$P" pod add a --node hv1
assert_eq "a's LSP addresses: MAC, IPv4" '["0a:58:0a:64:00:02 10.100.0.2"]' \
    "$(ovn-nbctl get Logical_Switch_Port a addresses)"
check "down" lab "$P" down
pass
