#!/bin/bash
# The Raft fault matrix of issue #13: with "up --central 3" (every database
# a 3-member Raft cluster over TLS, the nodes' listeners with RBAC roles),
# the leader of each database -- the cluster DB, the NB, the SB -- is
# SIGKILLed at each phase of a migration: PreparingTarget, TargetReady,
# Running and just after switchover (12 cells).  The clients follow the
# new leader; each migration must end as the crash matrix requires
# (migrate-faults.sh, fault_matrix in migrate-lib.sh): the record final,
# the VM on exactly one node answering pings, the LSP and the SB binding
# there alone, nothing left on the other node.  The killed member is
# started again after each cell and must rejoin before the next.  No
# daemon's write is refused by the roles meanwhile.
# MATRIX=... (e.g. "sb-leader:Running") runs some cases only.
. "$(dirname "$0")/lib.sh"
require_vm_lab
. "$top_srcdir/tests/lab/migrate-lib.sh"

lab_prefix P k
VM=vm1
PORT=vm1.default
check "lab up --central 3: 2 nodes" lab "$P" up --central 3 --nodes 2
D=$(lab_dir "$P")
eval "$(lab "$P" env central)"   # ovn-nbctl, ovn-sbctl: the members' sockets
# ovnmigctl as the administrator, over TLS from the admin's host.
mctl() { lab "$P" exec admin -- "$ctl" "$@"; }
check "pod p3 on hv2 (the pinger)" lab "$P" pod add p3 --node hv2 --ip 10.100.0.30/24
check "vm start $VM on hv1 (the lab's guest)" lab "$P" vm start "$VM" --node hv1 --ip 10.100.0.50/24
wait_console hv1 "OVNMIG-LEASE event=bound" 90 || fail "the guest took no lease"

declare -A SVC=([cluster-db-leader]=ovnmig_db [nb-leader]=ovnnb_db [sb-leader]=ovnsb_db)
declare -A DBNAME=([ovnmig_db]=OVN_Migration [ovnnb_db]=OVN_Northbound
                   [ovnsb_db]=OVN_Southbound)
KILLED=
# fault WHAT: SIGKILL that database's leader; it stays dead until the
# migration has ended.
fault() {
    local out
    out=$(lab "$P" kill "${SVC[$1]}" leader) || fail "$case: kill ${SVC[$1]} leader"
    KILLED=${out#* on }
    KILLED=${KILLED%% *}
    say "$case: $out"
}
# fault_after WHAT: start the killed member again; it must rejoin.
fault_after() {
    local svc=${SVC[$1]} i
    lab "$P" start "$svc" "$KILLED" >/dev/null || fail "$case: start $svc $KILLED"
    for ((i = 0; i < 150; i++)); do
        ovs-appctl -t "$D/$KILLED/$svc.ctl" cluster/status "${DBNAME[$svc]}" 2>/dev/null \
            | grep -q "^Leader: \(self\|[0-9a-f]\)" && return 0
        sleep 0.1
    done
    fail "$case: $KILLED did not rejoin ${DBNAME[$svc]}"
}
fault_matrix cluster-db-leader nb-leader sb-leader

refused=$(grep -l "permission error" "$D"/hv*/ovnmigd.log "$D"/hv*/ovn-controller.log)
[ -z "$refused" ] || fail "refused writes in $refused: $(grep -h "permission error" $refused | head -n 3)"
say "ok: no daemon's write was refused by the roles"
pass
