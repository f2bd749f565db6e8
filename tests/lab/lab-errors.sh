#!/bin/bash
# lab-errors: wrong uses of ovnmig-lab fail with a clear message and a
# non-zero exit, and leave the lab as it was: bad prefix, not root,
# missing package, unknown node, pod name reused, "up" while up, bad
# addresses.
#
# SPDX-License-Identifier: Apache-2.0

# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_lab_tools
require_tool util-linux setpriv

lab_prefix P e
dir=$(lab_dir "$P")
say "lab prefix $P"

# snapshot: what a failed command must not change -- the state file, the
# namespaces, the logical switch ports and the daemons' PIDs.
snapshot() {
    cat "$dir/state" 2>/dev/null
    ip netns list | awk -v p="$P-" 'index($1, p) == 1 { print $1 }' | sort
    if [ -S "$dir/central/nb.sock" ]; then
        ovn-nbctl --db="unix:$dir/central/nb.sock" --timeout=5 --bare --columns=name \
            list Logical_Switch_Port | sort
    fi
    find "$dir" -name '*.pid' -exec cat {} + 2>/dev/null | sort
}

# unchanged_after DESCRIPTION PATTERN CMD...: CMD fails saying PATTERN, and
# the snapshot is the same before and after.
unchanged_after() {
    local what=$1 pattern=$2 before after; shift 2
    before=$(snapshot)
    check_fails "$what" "$pattern" "$@"
    after=$(snapshot)
    [ "$before" = "$after" ] || {
        diff <(echo "$before") <(echo "$after") | sed 's/^/    | /'
        fail "$what: the lab changed"
    }
    say "ok: $what: lab unchanged"
}

say "--- before up"
for bad in Bad toolong7 1abc a-b ""; do
    check_fails "prefix '$bad' is refused" 'bad prefix' "$OVNMIG_LAB" --prefix "$bad" status
done
check_fails "env OVNMIG_LAB_PREFIX=UP is refused" 'bad prefix' \
    env OVNMIG_LAB_PREFIX=UP "$OVNMIG_LAB" up
check_fails "unknown command" 'unknown command' lab "$P" frobnicate
check_fails "up --nodes 0" 'nodes must be' lab "$P" up --nodes 0
check_fails "up --subnet nonsense" 'bad --subnet' lab "$P" up --subnet 10.1.2.3
check_fails "up --gateway-mac nonsense" 'bad --gateway-mac' lab "$P" up --gateway-mac 0a:58
check_fails "up as a normal user" 'must be run as root' \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$OVNMIG_LAB" --prefix "$P" up
check_fails "pod add before up" 'no lab' lab "$P" pod add a --node hv1
check_fails "status before up" 'not up' lab "$P" status

# A PATH without ovn-controller: the error names the Debian package.
farm=$LAB_TMP/bin
mkdir -p "$farm"
for d in /bin /sbin /usr/bin /usr/sbin /usr/local/bin /usr/local/sbin; do
    [ -L "$d" ] || ln -sf "$d"/* "$farm"/ 2>/dev/null
done
rm -f "$farm/ovn-controller"
check_fails "up without ovn-controller" 'ovn-controller not found: apt-get install ovn-host' \
    env PATH="$farm" "$OVNMIG_LAB" --prefix "$P" up
check_clean "nothing was made by the failed commands" "$P"

say "--- with the lab up"
check "up" lab "$P" up
check "pod a on hv1" lab "$P" pod add a --node hv1

unchanged_after "up while up" 'already up' lab "$P" up
unchanged_after "pod on an unknown node" "unknown node 'hv9'" lab "$P" pod add x --node hv9
unchanged_after "pod name reused" "pod 'a' already exists" lab "$P" pod add a --node hv2
unchanged_after "pod address in use" 'already used' lab "$P" pod add b --node hv2 --ip 10.100.0.2
unchanged_after "pod address outside the subnet" 'not in subnet' \
    lab "$P" pod add b --node hv2 --ip 10.200.0.5
unchanged_after "pod address = router" "router's address" lab "$P" pod add b --node hv2 --ip 10.100.0.1/24
unchanged_after "pod MAC in use" 'already used' lab "$P" pod add b --node hv2 --mac 0a:58:0a:64:00:02
unchanged_after "pod without --node" 'node NODE is required' lab "$P" pod add b
unchanged_after "pod named like a node" 'bad pod name' lab "$P" pod add hv1 --node hv1
unchanged_after "pod del of an unknown pod" "no pod 'zz'" lab "$P" pod del zz
unchanged_after "env of an unknown node" "unknown node 'hv3'" lab "$P" env hv3
unchanged_after "exec in an unknown target" "unknown node or pod 'nope'" lab "$P" exec nope -- true

say "--- the lab still works"
check "status healthy" lab "$P" status
ping_ok "$P" a 10.100.0.1
check "pod del a" lab "$P" pod del a
check_fails "pod a is gone" "unknown node or pod 'a'" lab "$P" exec a -- true
check "the name a can be used again" lab "$P" pod add a --node hv2
ping_ok "$P" a 10.100.0.1
check "down" lab "$P" down
check_clean "after down" "$P"
pass
