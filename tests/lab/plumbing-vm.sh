#!/bin/bash
# A VM on its bridge-binding plumbing: the pod namespace, bridge, tap and
# veth made by daemon/plumbing carry the traffic of a real QEMU guest,
# started and stopped by migrate/qemu-vm, through
# OVN to a pod on the other chassis; the LSP comes up bound to hv1; a
# second create changes nothing; destroy leaves no namespace, interface or
# OVS port behind.
. "$(dirname "$0")/lib.sh"
require_root
require_lab_tools
require_tool qemu-system-x86 qemu-system-x86_64
require_tool busybox-static busybox
plumb=$top_builddir/tests/plumb-ctl
[ -x "$plumb" ] || skip "tests/plumb-ctl not built (make check builds it)"

lab_prefix P pl
scratch
T=$LAB_TMP
guest=$top_builddir/tests/guest/out
"$top_srcdir/tests/guest/build-guest.sh" "$guest" >/dev/null \
    || fail "cannot build the test guest"

check "lab up" lab "$P" up --nodes 2
check "pod on hv2" lab "$P" pod add p2 --node hv2 --ip 10.100.0.20/24

vm_mac=0a:58:0a:64:00:32
lsp=vm1.default
eval "$(lab "$P" env central)"
check "LSP for the VM" ovn-nbctl lsp-add vmnet "$lsp" -- \
    lsp-set-addresses "$lsp" "$vm_mac 10.100.0.50" -- \
    lsp-set-port-security "$lsp" "$vm_mac 10.100.0.50" -- \
    set Logical_Switch_Port "$lsp" options:requested-chassis=hv1

nsprefix="ovnmig-$P-hv1-"
# In hv1's network namespace only: the pod namespace's mount must be
# visible to everyone (plumbing.h), which "ip netns exec" would prevent.
on_hv1() {
    (eval "$(lab "$P" env hv1)"; nsenter --net="/run/netns/$P-hv1" "$@")
}
check "plumb" on_hv1 "$plumb" create "$nsprefix" "$lsp" 1400
read -r netns node_if _ <<<"$("$plumb" show "$nsprefix" "$lsp" \
    | sed 's/[a-z_]*=//g')"
cleanup_plumbing() {
    "$top_builddir/tests/vm-ctl" stop "$T/vm" >/dev/null 2>&1
    on_hv1 "$plumb" destroy "$nsprefix" "$lsp" >/dev/null 2>&1
}
trap 'cleanup_plumbing; lab_cleanup' EXIT

check "pod namespace exists" ip netns pids "$netns"
check "bridge, tap and eth0 in the pod" ip netns exec "$netns" \
    sh -c "ip link show k6t-eth0 && ip link show tap0 master k6t-eth0 && ip link show eth0 master k6t-eth0"
iface_id=$(lab "$P" exec hv1 -- ovs-vsctl get Interface "$node_if" \
    external_ids:iface-id | tr -d '"')
assert_eq "node end in br-int with the iface-id" "$lsp" "$iface_id"
ipv6=$(ip netns exec "$netns" cat /proc/sys/net/ipv6/conf/k6t-eth0/disable_ipv6)
assert_eq "no IPv6 on the pod side" 1 "$ipv6"

check "second create is a no-op" on_hv1 "$plumb" create "$nsprefix" "$lsp" 1400

# The guest, with a static address (this test is about the path alone),
# started by migrate/qemu-vm inside the pod namespace.
vmctl=$top_builddir/tests/vm-ctl
qemu_pid=$("$vmctl" start "$T/vm" "$netns" vm1 "$vm_mac" 262152 \
    "$guest/vmlinuz" "$guest/initramfs.gz" \
    "console=ttyS0 quiet panic=-1 ovnmig.ip=10.100.0.50/24 ovnmig.gw=10.100.0.1") \
    || fail "QEMU did not start: $(cat "$T/vm/qemu.err" 2>/dev/null)"
assert_eq "the VM is found again from its pidfile" "$qemu_pid" \
    "$("$vmctl" find "$T/vm")"
for _ in $(seq 1 300); do
    grep -aq OVNMIG-STATIC "$T/vm/console.log" 2>/dev/null && break
    sleep 0.1
done
grep -aq OVNMIG-STATIC "$T/vm/console.log" \
    || fail "guest did not boot: $(tail -5 "$T/vm/console.log")"
say "guest booted"

check "LSP up in OVN" ovn-nbctl --timeout=20 wait-until Logical_Switch_Port "$lsp" up=true
chassis=$(ovn-sbctl --bare --columns=chassis find Port_Binding logical_port="$lsp")
hv1=$(ovn-sbctl --bare --columns=_uuid find Chassis name=hv1)
assert_eq "bound to hv1" "$hv1" "$chassis"
check "pod on hv2 pings the VM" lab "$P" exec p2 -- ping -c 3 -i 0.2 -W 2 10.100.0.50

check "stop the VM" "$vmctl" stop "$T/vm"
check_fails "no QEMU left" "^$" "$vmctl" find "$T/vm"
check "destroy" on_hv1 "$plumb" destroy "$nsprefix" "$lsp"
[ ! -e "/run/netns/$netns" ] || fail "pod namespace left"
check_fails "no node interface left" "not exist|Cannot find" lab "$P" exec hv1 -- ip link show "$node_if"
check_fails "no OVS port left" "no port named" lab "$P" exec hv1 -- ovs-vsctl port-to-br "$node_if"
check "destroy again is a no-op" on_hv1 "$plumb" destroy "$nsprefix" "$lsp"
pass
