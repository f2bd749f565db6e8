#!/bin/bash
# lab-rbac: least privilege on the clustered control plane (issue #13),
# with "up --central 3":
#   - the cluster DB: every cell of its RBAC table (docs/architecture.md,
#     tests/rbac-cells.sh) tried from a node's namespace with a node's
#     certificate on the nodes' listener (role ovnmig-node), and the
#     administrator's rights from the admin's host;
#   - the SB: OVN's chassis role (ovn-controller): a chassis changes its own
#     Chassis row, not another's, nor SB_Global, nor the logical flows;
#   - a client whose certificate another CA signed is refused, and one
#     without a certificate: the members' log and the client say why, the
#     client exits 1;
#   - a node cannot reach the listeners without a role (management network);
#   - an ovnmigd whose certificate is another node's is refused, and its log
#     says what to check.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/rbac-cells.sh"
require_root
require_lab_tools
require_tool openssl openssl
ctl=$top_builddir/utilities/ovnmigctl
[ -x "$ctl" ] && [ -x "$top_builddir/daemon/ovnmigd" ] || fail "ovnmigctl and ovnmigd are not built"
pki=$top_srcdir/utilities/ovnmig-pki

lab_prefix P r
T=$LAB_TMP
check "lab up --central 3" lab "$P" up --central 3 --nodes 2
D=$(lab_dir "$P")
NODE_DB=ssl:172.31.254.201:6645      # a member's nodes' listener
ADMIN_DB=ssl:172.31.252.201:6646     # ... and its administrator's

# Two more nodes of the lab's CA, with no ovnmigd: nothing else writes
# their rows while the cells run.
ME=hv7 OTHER=hv8
check "certificates for $ME and $OTHER" bash -c "'$pki' node '$D/pki' $ME && '$pki' node '$D/pki' $OTHER"
ssl_of() { echo "--private-key=$D/pki/$1/client-key.pem --certificate=$D/pki/$1/client-cert.pem --ca-cert=$D/pki/$1/ca-cert.pem"; }
# shellcheck disable=SC2046
as_node() { local n=$1; shift; lab "$P" exec hv1 -- ovsdb-client $(ssl_of "$n") transact "$NODE_DB" "$(rbac_ops "$@")"; }
# shellcheck disable=SC2046
as_admin() { lab "$P" exec admin -- ovsdb-client $(ssl_of admin) transact "$ADMIN_DB" "$(rbac_ops "$@")"; }
# ovnmigctl as a node: all members, from hv1's namespace, with that
# node's certificate instead of hv1's.
# shellcheck disable=SC2046
ctl_node() { local n=$1; shift; lab "$P" exec hv1 -- "$ctl" -t 10 $(ssl_of "$n") "$@"; }
ctl_admin() { lab "$P" exec admin -- "$ctl" -t 10 "$@"; }

say "--- the cluster DB's role, as installed"
out=$(ctl_admin rbac show)
printf '%s\n' "$out" | sed 's/^/    | /'
assert_match "the nodes' listener has the role" "pssl:6645 role=ovnmig-node" "$(ctl_admin connection list)"
rbac_cells

say "--- the SB: OVN's chassis role"
sb_node() { lab "$P" exec hv1 -- ovn-sbctl --timeout=10 "$@"; }
check "hv1 may change its own Chassis row" sb_node set Chassis hv1 external_ids:rbac-test=1
check_fails "hv1 may not change hv2's Chassis row" 'client .{1,2}hv1.{1,2} role .{1,2}ovn-controller.{1,2} prohibit.*permission error' \
    sb_node set Chassis hv2 external_ids:rbac-test=1
check_fails "hv1 may not register a chassis of another name" 'ovn-controller.{1,2} prohibit.*permission error' \
    sb_node chassis-add hv9 geneve 172.31.254.99
check_fails "hv1 may not change SB_Global" 'ovn-controller.{1,2} prohibit.*permission error' \
    sb_node set SB_Global . options:rbac-test=1
flow=$(eval "$(lab "$P" env central)"; ovn-sbctl --bare --columns=_uuid list Logical_Flow | head -n 1)
[ -n "$flow" ] || fail "no logical flow to try"
check_fails "hv1 may not delete a logical flow" 'ovn-controller.{1,2} prohibit.*permission error' \
    sb_node destroy Logical_Flow "$flow"

say "--- certificates from another CA, and none"
"$pki" init "$T/other" >/dev/null && "$pki" node "$T/other" hv1 >/dev/null \
    && "$pki" admin "$T/other" >/dev/null || fail "the other CA"
other="--private-key=$T/other/hv1/client-key.pem --certificate=$T/other/hv1/client-cert.pem"
# shellcheck disable=SC2086
check_fails "a node certificate of another CA (CN hv1) is refused" \
    'cannot reach the cluster database.*TLS refused' \
    lab "$P" exec hv1 -- "$ctl" -t 3 --db="$NODE_DB" $other --ca-cert="$D/pki/hv1/ca-cert.pem" node list
grep -q "SSL_accept: .*certificate verify failed" "$D/central1/ovnmig_db.log" \
    || fail "central1's cluster DB did not log the other CA's certificate"
say "ok: central1's log: $(grep -h "SSL_accept: .*certificate verify failed" "$D/central1/ovnmig_db.log" | tail -n 1 | cut -d'|' -f4-)"
check_fails "an admin certificate of another CA is refused on the admin's listener" \
    'cannot reach the cluster database.*TLS refused' \
    lab "$P" exec admin -- "$ctl" -t 3 --db="$ADMIN_DB" \
        --private-key="$T/other/admin/client-key.pem" \
        --certificate="$T/other/admin/client-cert.pem" \
        --ca-cert="$D/pki/admin/ca-cert.pem" config set parallelMigrationsPerCluster=9
check_fails "a node trusting only another CA refuses the members" \
    'SSL_connect: .*certificate verify failed' \
    lab "$P" exec hv1 -- ovn-sbctl --timeout=3 --db=ssl:172.31.254.201:6642 $other \
        --ca-cert="$T/other/hv1/ca-cert.pem" list Chassis
for port in 6645 6642 6641; do
    out=$(sleep 2 | lab "$P" exec hv1 -- timeout 10 openssl s_client \
              -connect "172.31.254.202:$port" -CAfile "$D/pki/hv1/ca-cert.pem" 2>&1)
    grep -qi "alert certificate required\|handshake failure" <<<"$out" \
        || { printf '%s\n' "$out" | tail -n 5 | sed 's/^/    | /'; fail "no client certificate: port $port did not refuse"; }
done
for db in ovnmig_db ovnsb_db ovnnb_db; do
    grep -q "peer did not return a certificate" "$D/central2/$db.log" \
        || fail "central2's $db did not log the missing certificate"
done
say "ok: a client without a certificate is refused by each database, and logged"

say "--- the listeners without a role are on the management network only"
for target in ssl:172.31.252.201:6646 ssl:172.31.252.202:16642; do
    # shellcheck disable=SC2046
    check_fails "hv1 cannot reach $target" 'Network is unreachable' \
        lab "$P" exec hv1 -- ovsdb-client -t 3 $(ssl_of hv1) list-dbs "$target"
done
check "the admin's host reaches them" lab "$P" exec admin -- "$ctl" -t 5 node list

say "--- an ovnmigd with another node's certificate"
check "stop hv2's ovnmigd" lab "$P" kill ovnmigd hv2
h0=$(( $(date +%s%N) / 1000000 ))     # hv2's row gets no newer heartbeat
sed -e "s|pki/hv2/client-key.pem|pki/hv1/client-key.pem|" \
    -e "s|pki/hv2/client-cert.pem|pki/hv1/client-cert.pem|" \
    "$D/hv2/ovnmigd.conf" >"$D/hv2/ovnmigd-wrong-cn.conf"
grep -q "ssl-certificate = $D/pki/hv1/client-cert.pem" "$D/hv2/ovnmigd-wrong-cn.conf" \
    || fail "no ssl-certificate line to change in hv2's ovnmigd.conf"
: >"$D/hv2/ovnmigd.log"
nsenter --net="/run/netns/$P-hv2" "$top_builddir/daemon/ovnmigd" \
    --config "$D/hv2/ovnmigd-wrong-cn.conf" --pidfile="$D/hv2/ovnmigd.pid" \
    --log-file="$D/hv2/ovnmigd.log" --detach </dev/null >/dev/null 2>&1 \
    || fail "ovnmigd with hv1's certificate did not start"
for ((i = 0; i < 100; i++)); do
    grep -q "the cluster DB refused this node's change" "$D/hv2/ovnmigd.log" && break
    sleep 0.1
done
line=$(grep -h "the cluster DB refused this node's change" "$D/hv2/ovnmigd.log" | head -n 1)
assert_match "its log names the refusal, the CN and what to check" \
    'refused this node.s change: .*RBAC rules for client .{1,2}hv1.{1,2} role .{1,2}ovnmig-node.{1,2} prohibit.*is the CN of ssl-certificate "hv2"' "$line"
check "stop it" lab "$P" kill ovnmigd hv2
check "start hv2's own ovnmigd again" lab "$P" start ovnmigd hv2
heartbeat() {
    ctl_admin --json node list | python3 -c 'import json,sys
print([n["heartbeat"] for n in json.load(sys.stdin) if n["name"] == "hv2"][0])'
}
for ((i = 0; i < 100; i++)); do
    [ "$(heartbeat)" -gt "$h0" ] && break
    sleep 0.2
done
[ "$(heartbeat)" -gt "$h0" ] || fail "hv2's heartbeat did not come back"
say "ok: hv2 beats again with its own certificate"
pass
