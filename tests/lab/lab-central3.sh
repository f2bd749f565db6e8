#!/bin/bash
# lab-central3: the control plane of real hosts (issue #13), in the lab:
# "up --central 3" runs the cluster DB, the NB and the SB as 3-member Raft
# clusters, each member in its own namespace on the underlay, talking Raft
# over TLS; every client gets all members over ssl: with the lab's PKI.
#   - An "up" that fails halfway leaves nothing behind.
#   - Each database's cluster/status, on each member, shows 3 servers and
#     one leader; each member's client and Raft ports speak TLS with that
#     member's certificate (CN centralK, signed by the lab's CA);
#     ovn-northd runs on each member, one active and two standby.
#   - The daemons' configuration names every member over ssl:, with the
#     node's certificate (CN = node name); both chassis are registered.
#   - A VM boots and migrates hv1 -> hv2, answering a pod's pings, with the
#     record, the VM row and the SB binding at the target.
#   - Then, one at a time, the leader of the cluster DB, of the NB and of
#     the SB, and the active ovn-northd, are SIGKILLed: each time a new one
#     takes over and the next migration still succeeds (back and forth);
#     the killed member is started again and rejoins.
#   - No write of any ovnmigd or ovn-controller was refused by the roles
#     of the nodes' listeners (ovnmig-node, OVN's ovn-controller).
#   - "down" removes all of it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/migrate-lib.sh"
require_vm_lab

lab_prefix P c
T=$LAB_TMP
VM=vm1
PORT=vm1.default
declare -A DBNAME=([ovnmig_db]=OVN_Migration [ovnnb_db]=OVN_Northbound
                   [ovnsb_db]=OVN_Southbound)
declare -A CLIENT_PORT=([ovnmig_db]=6645 [ovnnb_db]=6641 [ovnsb_db]=6642)
declare -A RAFT_PORT=([ovnmig_db]=6647 [ovnnb_db]=6643 [ovnsb_db]=6644)

say "--- an up that fails halfway cleans up after itself"
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "simulated failure" >&2\nexit 1\n' >"$T/bin/ovn-northd"
chmod +x "$T/bin/ovn-northd"
check_fails "up --central 3 with a broken ovn-northd fails" 'ovn-northd did not start' \
    env PATH="$T/bin:$PATH" "$OVNMIG_LAB" --prefix "$P" up --central 3
check_clean "after the failed up" "$P"
check_fails "--central 2 is refused" 'central must be 1 or 3' lab "$P" up --central 2

say "--- up --central 3"
check "lab up: 3 members, 2 nodes" lab "$P" up --central 3 --nodes 2
D=$(lab_dir "$P")
eval "$(lab "$P" env central)"     # the members' unix sockets, as admin
# ovnmigctl as the administrator: from the admin's host, over TLS.
actl() { lab "$P" exec admin -- "$ctl" "$@"; }

# members SVC: the "Servers:" of each member's cluster/status, and its role.
for svc in ovnmig_db ovnnb_db ovnsb_db; do
    leaders=0
    for k in 1 2 3; do
        st=$(ovs-appctl -t "$D/central$k/$svc.ctl" cluster/status "${DBNAME[$svc]}") \
            || fail "cluster/status of ${DBNAME[$svc]} on central$k"
        n=$(sed -n '/^Servers:/,$p' <<<"$st" | grep -c " at ssl:172\.31\.254\.20[123]:${RAFT_PORT[$svc]}")
        [ "$n" = 3 ] || { printf '%s\n' "$st" | sed 's/^/    | /'; fail "${DBNAME[$svc]} on central$k: $n servers, not 3"; }
        grep -q "^Role: leader" <<<"$st" && leaders=$((leaders + 1))
    done
    assert_eq "${DBNAME[$svc]}: 3 members over ssl:, one leader" 1 "$leaders"
done

# tls_peer NETNS IP:PORT: the CN of the certificate the server presents to
# the admin, verified against the lab's CA ("" if the handshake fails).
tls_peer() {
    ip netns exec "$1" timeout 5 openssl s_client -connect "$2" -verify_return_error \
        -CAfile "$D/pki/admin/ca-cert.pem" -cert "$D/pki/admin/client-cert.pem" \
        -key "$D/pki/admin/client-key.pem" </dev/null 2>/dev/null \
        | sed -n 's/^subject=CN = //p'
}
for k in 1 2 3; do
    for svc in ovnmig_db ovnnb_db ovnsb_db; do
        for port in "${CLIENT_PORT[$svc]}" "${RAFT_PORT[$svc]}"; do
            cn=$(tls_peer "$P-hv1" "172.31.254.20$k:$port")
            [ "$cn" = "central$k" ] || fail "172.31.254.20$k:$port ($svc): TLS peer '$cn', not central$k"
        done
    done
done
say "ok: every member's client and Raft ports speak TLS as centralK, signed by the lab's CA"

northd=$(for k in 1 2 3; do
    pid=$(cat "$D/central$k/ovn-northd.pid")
    ovn-appctl -t "$D/central$k/ovn-northd.$pid.ctl" status | awk '{ print $2 }'
done | sort | xargs)
assert_eq "ovn-northd on each member: one active, two standby" "active standby standby" "$northd"

members=ssl:172.31.254.201:PORT,ssl:172.31.254.202:PORT,ssl:172.31.254.203:PORT
for node in hv1 hv2; do
    conf=$D/$node/ovnmigd.conf
    for kv in "cluster-db = ${members//PORT/6645}" "ovn-nb = ${members//PORT/6641}" \
              "ovn-sb = ${members//PORT/6642}" \
              "ssl-certificate = $D/pki/$node/client-cert.pem"; do
        grep -qxF -- "$kv" "$conf" || fail "$node's ovnmigd.conf lacks '$kv'"
    done
    assert_eq "$node's ovn-controller reaches every SB member over ssl:" \
        "\"${members//PORT/6642}\"" \
        "$(ovs-vsctl --db="unix:$D/$node/db.sock" get Open_vSwitch . external_ids:ovn-remote)"
    assert_match "$node's certificate names it" "CN ?= ?$node\$" \
        "$(openssl x509 -in "$D/pki/$node/client-cert.pem" -noout -subject)"
done
assert_eq "both chassis registered through TLS" "hv1 hv2" \
    "$(ovn-sbctl --bare --columns=name list Chassis | sort | xargs)"

say "--- a VM, and a migration over the clustered control plane"
check "pod p3 on hv2 (the pinger)" lab "$P" pod add p3 --node hv2 --ip 10.100.0.30/24
# The lab's test guest: 262152 KiB, not a multiple of 256 KiB (QEMU 7.2's
# TCG migration bug, see migrate-vm.sh).
check "vm start $VM on hv1 (ovnmigctl over TLS as admin)" \
    lab "$P" vm start "$VM" --node hv1 --ip 10.100.0.50/24
wait_console hv1 "OVNMIG-LEASE event=bound" 90 || fail "the guest took no lease"

vm_node() {
    actl --json vm list | python3 -c 'import json,sys
print([v["node"] for v in json.load(sys.stdin) if v["name"] == "'"$VM"'"][0])'
}
# migrate WHY: move the VM to the other node while p3 pings it; the record
# must end Succeeded, the VM row and the SB binding at the target, nothing
# left at the source, and the guest answering after the move.
n=0
migrate() {
    local src dst uid gaps
    n=$((n + 1))
    src=$(vm_node) || fail "$1: no VM row"
    dst=$([ "$src" = hv1 ] && echo hv2 || echo hv1)
    ping_start "$T/ping-$n.log"
    local t_req=$EPOCHREALTIME
    uid=$(actl vm migrate "$VM" --to "$dst") || fail "$1: vm migrate"
    timeout 180 "$OVNMIG_LAB" --prefix "$P" exec admin -- "$ctl" -t 120 \
        migration watch "$uid" >"$T/watch-$n.log" \
        || fail "$1: migration $src -> $dst did not succeed: $(tail -n 2 "$T/watch-$n.log")"
    local t_done=$EPOCHREALTIME
    ping_stop "$t_done"
    gaps=$(python3 "$top_srcdir/tests/bench/migrate-gaps.py" --move "$t_req" "$t_done" \
        "$T/ping-$n.log" 2>&1) || {
        say "$dst's console:"
        tail -n 8 "$(vm_dir "$dst")/console.log" | tr -d '\r' | sed 's/^/    | /'
        fail "$1: $gaps"
    }
    assert_eq "$1: the VM row names $dst" "$dst" "$(vm_node)"
    assert_eq "$1: SB binds the port to $dst" \
        "$(ovn-sbctl --bare --columns=_uuid find Chassis name="$dst")" \
        "$(ovn-sbctl --bare --columns=chassis find Port_Binding logical_port=$PORT)"
    wait_gone "$src" || fail "$1: $src still has $(leftover_vm "$src")"
    say "ok: $1: $src -> $dst succeeded; pings: $gaps"
}
migrate "migration 1"

say "--- the leaders die, one at a time"
# cluster_dump SVC: what each member says of the database, for a failure.
cluster_dump() {
    local k
    for k in 1 2 3; do
        say "central$k: $(ovs-appctl -t "$D/central$k/$1.ctl" cluster/status "${DBNAME[$1]}" 2>&1 | grep -E '^(Role|Term|Leader|Status|Connections):' | xargs)"
        tail -n 8 "$D/central$k/$1.log" | sed 's/^/    | /'
    done
}
# leader SVC: the member that leads the database now ("" if none).
leader() {
    local k
    for k in 1 2 3; do
        ovs-appctl -t "$D/central$k/$1.ctl" cluster/status "${DBNAME[$1]}" 2>/dev/null \
            | grep -q "^Role: leader" && { echo "$k"; return 0; }
    done
}
for svc in ovnmig_db ovnnb_db ovnsb_db; do
    old=$(leader "$svc")
    [ -n "$old" ] || fail "${DBNAME[$svc]} has no leader"
    check "SIGKILL ${DBNAME[$svc]}'s leader (central$old)" lab "$P" kill "$svc" leader
    for ((i = 0; i < 100; i++)); do
        new=$(leader "$svc")
        [ -n "$new" ] && [ "$new" != "$old" ] && break
        sleep 0.1
    done
    [ -n "$new" ] && [ "$new" != "$old" ] || { cluster_dump "$svc"; fail "${DBNAME[$svc]}: no new leader in 10 s"; }
    say "ok: ${DBNAME[$svc]}: central$new leads now"
    migrate "after ${DBNAME[$svc]}'s leader died"
    check "start ${DBNAME[$svc]} on central$old again" lab "$P" start "$svc" "central$old"
    for ((i = 0; i < 100; i++)); do
        ovs-appctl -t "$D/central$old/$svc.ctl" cluster/status "${DBNAME[$svc]}" 2>/dev/null \
            | grep -q "^Leader: [0-9a-f]" && break
        sleep 0.1
    done
    [ "$i" -lt 100 ] || fail "central$old did not rejoin ${DBNAME[$svc]}"
    say "ok: central$old rejoined ${DBNAME[$svc]}"
done

active=
for k in 1 2 3; do
    pid=$(cat "$D/central$k/ovn-northd.pid")
    ovn-appctl -t "$D/central$k/ovn-northd.$pid.ctl" status | grep -q active && active=$k
done
[ -n "$active" ] || fail "no active ovn-northd"
check "SIGKILL the active ovn-northd (central$active)" lab "$P" kill ovn-northd "central$active"
for ((i = 0; i < 150; i++)); do
    now=
    for k in 1 2 3; do
        [ "$k" != "$active" ] || continue
        pid=$(cat "$D/central$k/ovn-northd.pid")
        ovn-appctl -t "$D/central$k/ovn-northd.$pid.ctl" status 2>/dev/null \
            | grep -q active && now=$k
    done
    [ -n "$now" ] && break
    sleep 0.1
done
[ -n "$now" ] || fail "no standby ovn-northd took over in 15 s"
say "ok: ovn-northd on central$now took over"
migrate "after the active ovn-northd died"
check "start ovn-northd on central$active again" lab "$P" start ovn-northd "central$active"

# Under the databases' role-based access control (the nodes' listeners
# have roles: docs/architecture.md), nothing a daemon wrote was refused.
refused=$(grep -l "permission error" "$D"/hv*/ovnmigd.log "$D"/hv*/ovn-controller.log)
[ -z "$refused" ] || fail "refused writes in $refused: $(grep -h "permission error" $refused | head -n 3)"
say "ok: no daemon's write was refused by the roles (ovnmig-node, ovn-controller)"

say "--- down"
check "down" lab "$P" down
check_clean "after down" "$P"
pass
