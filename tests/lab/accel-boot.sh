#!/bin/bash
# The accelerator is decided on purpose and shown, and a guest that never
# boots is a failure.  A 2-node lab whose ovnmigd run with
# "boot-deadline = 12":
#   - each daemon logged what it decided and why (on a machine without
#     KVM, or with a KVM that cannot run a guest: TCG, with the probe's
#     reason); the Node rows (node list), the metrics, and vm show (text
#     and JSON) say the same; the VM's QEMU runs with that one -accel;
#   - a guest that boots shows a sign of life and stays Running;
#   - a VM whose kernel halts at once (a multiboot stub: cli; hlt) runs a
#     QEMU but never shows a sign of life: by its deadline it is Failed,
#     with the reason, counted (guest-boot-timeouts) and in the metrics
#     (ovnmigd_vms_boot_failed), and its QEMU is left running; pinged, it
#     gives the demo's and bench's outage script nothing to report, and
#     that script exits non-zero saying so;
#   - a VM on a TCG node cannot migrate to a node whose row says KVM: the
#     migration fails with AcceleratorMismatch, the VM stays where it was.
#     No node here can run KVM, so hv2's daemon is stopped and its Node row
#     made to say kvm (the test says so); restarted, the daemon writes its
#     own accelerator back.
. "$(dirname "$0")/lib.sh"
require_tool python3 python3
require_vm_lab

lab_prefix P a
T=$LAB_TMP
check "lab up with a 12 s boot deadline" \
    lab "$P" up --nodes 2 --ovnmigd-conf 'boot-deadline = 12'
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"      # OVNMIG_DB, OVNMIG_CTL (hv1)

# ---------------------------------------------------------------- decided
if [ -e /dev/kvm ]; then kvm_here="present"; else kvm_here="absent"; fi
for node in hv1 hv2; do
    line=$(grep -m 1 'guests run under' "$D/$node/ovnmigd.log") \
        || fail "$node: ovnmigd did not log its accelerator"
    say "$node: ${line#*|INFO|} (/dev/kvm $kvm_here)"
done
accel=$(sed -n 's/.*guests run under \([a-z]*\):.*/\1/p' "$D/hv1/ovnmigd.log" | head -n 1)
case $accel in
    tcg) assert_match "TCG comes with the reason" \
             "guests run under tcg: (accel = tcg|no KVM here|KVM is here but)" \
             "$(cat "$D/hv1/ovnmigd.log")" ;;
    kvm) assert_match "KVM only after the probe passed" \
             "the KVM probe passed" "$(cat "$D/hv1/ovnmigd.log")" ;;
    *) fail "hv1 decided no accelerator ('$accel')" ;;
esac
if [ "$kvm_here" = absent ]; then
    assert_eq "no /dev/kvm: TCG" tcg "$accel"
fi
nodes=$("$ctl" node list)
assert_match "node list: hv1's accelerator" "^hv1 .* $accel +[0-9]+$" "$nodes"
assert_match "node list: hv2's accelerator" "^hv2 .* $accel +[0-9]+$" "$nodes"
metrics() {     # metrics NODE: its ovnmigd's Prometheus text
    http_get_in "$P-$1" "$(sed -n 's/^metrics-address = //p' "$D/$1/ovnmigd.conf")" GET /metrics
}
assert_match "metrics: the node's accelerator" \
    "^ovnmigd_accelerator\{accel=\"$accel\"\} 1$" "$(metrics hv1)"

# ---------------------------------------------------------------- a guest that boots
guest_vm_yaml good None "" >"$T/good.yaml"
check "vm good on hv1" "$ctl" vm create -f "$T/good.yaml" --node hv1 --ip 10.100.0.40/24
show_json() {   # show_json NODE VM: the node's own view of VM, as JSON
    ovs-appctl -t "$D/$1/ovnmigd.ctl" vm/show "$2" default --json
}
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('$1', ''))"; }
guest_state=""
for _ in $(seq 600); do
    guest_state=$(show_json hv1 good 2>/dev/null | jget guest)
    [ "$guest_state" = alive ] && break
    sleep 0.1
done
assert_eq "good: a sign of life" alive "$guest_state"
j=$(show_json hv1 good)
assert_eq "good: vm show --json accel" "$accel" "$(jget accel <<<"$j")"
assert_match "good: its sign" "console output|DHCP|ARP" "$(jget lifeSign <<<"$j")"
text=$(ovs-appctl -t "$D/hv1/ovnmigd.ctl" vm/show good default)
assert_match "good: vm show (text) accel" "qemu: pid [0-9]+, accel $accel," "$text"
assert_match "good: vm show (text) guest" "guest: alive" "$text"
pid=$(cat "$D/hv1/ovnmigd/vms/good.default/qemu.pid")
cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
assert_match "good: QEMU runs with that one accelerator" " -accel $accel " "$cmdline"
assert_eq "good: one -accel only" 1 "$(grep -o -- ' -accel ' <<<"$cmdline" | wc -l)"
assert_eq "good: the status column says it" "$accel" \
    "$("$ctl" --json vm show good | python3 -c 'import json,sys; print(json.load(sys.stdin)["vm"]["status"].get("accel", ""))')"

# ---------------------------------------------------------------- a guest that never boots
# A multiboot kernel (a.out kludge, loaded at 1 MiB) whose entry is
# "cli; hlt; jmp .-1": QEMU runs, the guest prints nothing, sends nothing.
printf '\x02\xb0\xad\x1b\x00\x00\x01\x00\xfe\x4f\x51\xe4\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x10\x00\xfa\xf4\xeb\xfd' \
    >"$T/halt.bin"
sed -e "s|name: good|name: halt|" -e "s|kernelPath: .*|kernelPath: $T/halt.bin|" \
    -e "/initrdPath:/d" "$T/good.yaml" >"$T/halt.yaml"
t0=$(now_ms)
check "vm halt on hv2" "$ctl" vm create -f "$T/halt.yaml" --node hv2 --ip 10.100.0.41/24
phase=""
for _ in $(seq 400); do
    j=$(show_json hv2 halt 2>/dev/null) || j=""
    phase=$(jget phase <<<"$j")
    [ "$phase" = Failed ] && break
    sleep 0.1
done
t_failed=$(( $(now_ms) - t0 ))
assert_eq "halt: Failed by its deadline" Failed "$phase"
say "halt: Failed $t_failed ms after vm create (deadline 12 s)"
[ "$t_failed" -ge 11000 ] || fail "halt: Failed after $t_failed ms, before its 12 s deadline"
assert_match "halt: the reason" \
    "no sign of life within 12 s of its QEMU's start: no console output, no DHCP or ARP from its port \(accelerator $accel" \
    "$(jget reason <<<"$j")"
assert_eq "halt: guest state" no-sign-of-life "$(jget guest <<<"$j")"
assert_match "halt: vm show (text)" "guest: NO SIGN OF LIFE within the boot deadline \(12 s\)" \
    "$(ovs-appctl -t "$D/hv2/ovnmigd.ctl" vm/show halt default)"
hpid=$(cat "$D/hv2/ovnmigd/vms/halt.default/qemu.pid")
[ -d "/proc/$hpid" ] || fail "halt: its QEMU was not left running"
counters=$(ovs-appctl -t "$D/hv2/ovnmigd.ctl" counters/show --json)
assert_match "halt: counted" '"guest-boot-timeouts": *1' "$counters"
m=$(metrics hv2)
assert_match "halt: metric vms_boot_failed" "^ovnmigd_vms_boot_failed 1$" "$m"
assert_match "halt: metric vm_accelerator" \
    "^ovnmigd_vm_accelerator\{lsp=\"halt.default\",accel=\"$accel\"\} 1$" "$m"
row_status=$("$ctl" --json vm show halt | python3 -c 'import json,sys; s=json.load(sys.stdin)["vm"]["status"]; print(s.get("phase"), "|", s.get("reason"))')
assert_match "halt: the VM row says Failed, and why" "^Failed \| .*no sign of life" "$row_status"
# What the demo and bench-migrate do with such a guest's pings: no outage
# figure, a non-zero exit that says why (tests/bench/migrate-gaps.py).
check "pod p on hv1 (the pinger)" lab "$P" pod add p --node hv1 --ip 10.100.0.42/24
t_ask=$(date +%s.%N)
lab "$P" exec p -- ping -D -i 0.01 -c 150 -W 1 10.100.0.41 >"$T/halt-ping.log" 2>&1
t_end=$(date +%s.%N)
if gaps=$(python3 "$top_srcdir/tests/bench/migrate-gaps.py" --move "$t_ask" "$t_end" \
        "$T/halt-ping.log" 2>&1); then
    fail "an outage figure for a guest that never answered: $gaps"
fi
assert_match "halt: no outage figure" "guest never answered: 0 of 150 pings" "$gaps"
check "vm delete halt" "$ctl" vm delete halt

# ---------------------------------------------------------------- no move across accelerators
other=$([ "$accel" = tcg ] && echo kvm || echo tcg)
say "stand-in: hv2's daemon stopped, its Node row made to say $other (no such node here)"
check "stop hv2's ovnmigd" lab "$P" kill ovnmigd hv2
# An OVSDB map "insert" keeps a key's old value: delete it, then insert.
node_ids() {    # node_ids OP VALUE: mutate hv2's external_ids:ovnmig-accel
    ovsdb-client transact "$OVNMIG_DB" "[\"OVN_Migration\",{\"op\":\"mutate\",\"table\":\"Node\",\"where\":[[\"name\",\"==\",\"hv2\"]],\"mutations\":[[\"external_ids\",\"$1\",[\"map\",[[\"ovnmig-accel\",\"$2\"]]]]]}]"
}
check "hv2's Node row drops $accel" node_ids delete "$accel"
check "hv2's Node row says $other" node_ids insert "$other"
assert_match "node list: hv2 says $other" "^hv2 .* $other +[0-9]+$" "$("$ctl" node list)"
uid=$("$ctl" vm migrate good --to hv2) || fail "vm migrate good --to hv2"
"$ctl" -t 30 migration watch "$uid" >"$T/watch.log" 2>&1 && fail "the migration to a $other node succeeded"
rec=$("$ctl" --json migration show "$uid")
assert_match "refused: Failed" '"phase": "Failed"' "$rec"
assert_match "refused: the reason" \
    "AcceleratorMismatch: the VM runs under $accel on hv1, target node hv2 runs $other: QEMU cannot migrate a guest between accelerators" \
    "$rec"
assert_match "good: still on hv1" "^good .* hv1 " "$("$ctl" vm list)"
[ -d "/proc/$pid" ] || fail "good: its QEMU on hv1 is gone"
assert_eq "good: still alive on hv1" alive "$(show_json hv1 good | jget guest)"
check "start hv2's ovnmigd again" lab "$P" start ovnmigd hv2
ok=""
for _ in $(seq 100); do
    "$ctl" node list | grep -qE "^hv2 .* $accel +[0-9]+$" && { ok=1; break; }
    sleep 0.1
done
[ -n "$ok" ] || fail "hv2's daemon did not write its accelerator back: $("$ctl" node list)"
say "hv2's daemon wrote $accel back"
pass
