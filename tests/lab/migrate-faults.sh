#!/bin/bash
# The crash matrix of issue #7: each of the source's ovnmigd, the target's
# ovnmigd, the cluster DB's ovsdb-server, ovn-northd and the OVN NB
# ovsdb-server is killed with SIGKILL at each of the phases PreparingTarget,
# TargetReady, Running and just after switchover, then started again.
# Every time the migration must complete or revert: the record ends
# Succeeded or Failed (with a reason), the VM runs on exactly one node and
# answers pings, the LSP asks for that node alone with no activation
# strategy, the SB binds it there with no additional chassis, and the other
# node has no pod namespace, QEMU or run directory left.
#
# The phases are reached deterministically with ovnmigd's hold points
# (migration/hold: "prepare" on the target, "ready" and "finish" on the
# source); Running is a copy slowed by bandwidthPerMigration.
# MATRIX=... (e.g. "ovnmigd-src:Running") runs some cases only.
. "$(dirname "$0")/lib.sh"
require_vm_lab
. "$top_srcdir/tests/lab/migrate-lib.sh"

lab_prefix P f
T=$LAB_TMP
VM=vm1
PORT=vm1.default
check "lab up: 2 nodes" lab "$P" up --nodes 2
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"
check "pod p3 on hv2 (the pinger)" lab "$P" pod add p3 --node hv2 --ip 10.100.0.30/24
guest_vm_yaml vm1 None "" >"$T/vm1.yaml"
check "vm start $VM on hv1" lab "$P" vm start "$VM" --node hv1 --ip 10.100.0.50/24 -f "$T/vm1.yaml"
wait_console hv1 "OVNMIG-LEASE event=bound" 90 || fail "the guest took no lease"

# fault WHAT: SIGKILL a daemon, then start it again (fault_matrix's hook).
fault() {
    local svc node
    case $1 in
        ovnmigd-src) svc=ovnmigd node=$src ;;
        ovnmigd-dst) svc=ovnmigd node=$dst ;;
        cluster-db) svc=ovnmig_db node= ;;
        northd) svc=ovn-northd node= ;;
        nb-db) svc=ovnnb_db node= ;;
    esac
    lab "$P" kill "$svc" $node >/dev/null || fail "$case: kill $svc $node"
    sleep 0.5
    lab "$P" start "$svc" $node >/dev/null || fail "$case: start $svc $node"
}
fault_matrix ovnmigd-src ovnmigd-dst cluster-db northd nb-db
pass
