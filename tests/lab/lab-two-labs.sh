#!/bin/bash
# lab-two-labs: two labs with different prefixes run side by side with
# the same subnet and the same pod names, each works on its own, and
# bringing one down leaves the other working.
#
# SPDX-License-Identifier: Apache-2.0

# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_lab_tools
require_tool iputils-ping ping

lab_prefix A a
lab_prefix B b
say "lab prefixes $A and $B"

check "up $A" lab "$A" up
check "up $B" lab "$B" up --nodes 3 --gateway-mac 0a:58:a9:fe:01:02
# The same names and addresses in both labs: nothing is shared.
for p in "$A" "$B"; do
    check "$p: pod x on hv1" lab "$p" pod add x --node hv1
    check "$p: pod y on hv2" lab "$p" pod add y --node hv2
done
check "$B: pod z on hv3" lab "$B" pod add z --node hv3

for p in "$A" "$B"; do
    ping_ok "$p" x 10.100.0.3
    ping_ok "$p" y 10.100.0.1
done
ping_ok "$B" z 10.100.0.2

# Each lab sees only its own chassis and its own gateway MAC.
chassis_a=$(eval "$(lab "$A" env central)"; ovn-sbctl --bare --columns=name list Chassis | sort | xargs)
chassis_b=$(eval "$(lab "$B" env central)"; ovn-sbctl --bare --columns=name list Chassis | sort | xargs)
assert_eq "$A chassis" "hv1 hv2" "$chassis_a"
assert_eq "$B chassis" "hv1 hv2 hv3" "$chassis_b"
assert_match "$A: gateway MAC" 'lladdr 0a:58:a9:fe:01:01' "$(lab "$A" exec y -- ip neigh show 10.100.0.1)"
assert_match "$B: gateway MAC" 'lladdr 0a:58:a9:fe:01:02' "$(lab "$B" exec y -- ip neigh show 10.100.0.1)"

check "down $A" lab "$A" down
check_clean "after down of $A" "$A"

check "$B: status healthy" lab "$B" status
ping_ok "$B" x 10.100.0.3
ping_ok "$B" z 10.100.0.2
ping_ok "$B" y 10.100.0.1
check "down $B" lab "$B" down
check_clean "after down of $B" "$B"
pass
