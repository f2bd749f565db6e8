#!/bin/bash
# The cluster database's role-based access control, without root: a
# private ovsdb-server over TLS on 127.0.0.1 with the role "ovnmig-node"
# (ovnmigctl rbac install) on one listener (ovnmigctl connection set) and
# none on another, the administrator's.  Every cell of the table in
# docs/architecture.md is tried with a node's certificate
# (tests/rbac-cells.sh): ovsdb-client sees the server's "permission error"
# where the table says no, and a change where it says yes; ovnmigctl exits
# 1 saying the cluster database refused it.  The lab runs the same cells
# against a Raft cluster (tests/lab/lab-rbac.sh).
set -u
. "${top_srcdir:-.}/tests/ovnmigctl-lib.sh"
. "$top_srcdir/tests/rbac-cells.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl missing"; exit 77; }
say() { echo "[test-ovnmigctl-rbac] $*"; }
pki=$top_srcdir/utilities/ovnmig-pki
ME=hv7 OTHER=hv8

"$pki" init "$dir/pki" >/dev/null && "$pki" db "$dir/pki" db1 127.0.0.1 >/dev/null \
    && "$pki" admin "$dir/pki" >/dev/null && "$pki" node "$dir/pki" "$ME" >/dev/null \
    && "$pki" node "$dir/pki" "$OTHER" >/dev/null || fail "ovnmig-pki"

kill "$(cat "$dir/db.pid")" && rm -f "$dir/db.pid" || fail "stop the unix server"
for i in $(seq 50); do [ -e "$dir/db.ctl" ] || break; sleep 0.1; done
ovsdb-server "$dir/db" --remote="punix:$dir/db.sock" \
    --remote=db:OVN_Migration,Config,connections --remote="pssl:0:127.0.0.1" \
    --private-key="$dir/pki/db1/server-key.pem" \
    --certificate="$dir/pki/db1/server-cert.pem" \
    --ca-cert="$dir/pki/db1/ca-cert.pem" --pidfile="$dir/ssl.pid" \
    --unixctl="$dir/ssl.ctl" --log-file="$dir/ssl.log" --detach --no-chdir \
    2>/dev/null || fail "ovsdb-server over ssl did not start"
trap 'kill "$(cat "$dir/ssl.pid")" 2>/dev/null; cleanup' EXIT

# port IP: the port the server said it listens on at IP (the
# administrator's listener on 127.0.0.1, the nodes' on 127.0.0.2: two
# targets, two listeners).
port() {
    local i p
    for ((i = 0; i < 50; i++)); do
        p=$(sed -n "s/.*$1: listening on port \([0-9]*\).*/\1/p" "$dir/ssl.log" | tail -n 1)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.1
    done
    fail "no port for $1 in $dir/ssl.log"
}
admin_port=$(port 127.0.0.1)
run 0 "$dir/out" "$ctl" --db="unix:$dir/db.sock" rbac install
run 0 "$dir/out" "$ctl" --db="unix:$dir/db.sock" connection set role=ovnmig-node "pssl:0:127.0.0.2"
node_port=$(port 127.0.0.2)
run 0 "$dir/out" "$ctl" --db="unix:$dir/db.sock" connection list
grep -qx "pssl:0:127.0.0.2 role=ovnmig-node" "$dir/out" || fail "connection list: $(cat "$dir/out")"
run 0 "$dir/out" "$ctl" --db="unix:$dir/db.sock" --json rbac show
python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))["ovnmig-node"]
assert sorted(r) == ["Migration", "Node", "VM"], r
assert r["Node"]["authorization"] == ["name"] and r["Node"]["insertDelete"], r
assert "schedulable" not in r["Node"]["update"], r
assert sorted(r["Migration"]["authorization"]) == ["source_node", "target_node"], r
assert sorted(r["VM"]["update"]) == ["node", "status"], r' "$dir/out" \
    || fail "rbac show: $(cat "$dir/out")"
unset OVNMIG_DB

ssl_of() { echo "-p $dir/pki/$1/client-key.pem -c $dir/pki/$1/client-cert.pem -C $dir/pki/$1/ca-cert.pem"; }
# shellcheck disable=SC2046
as_node() { local n=$1; shift; ovsdb-client $(ssl_of "$n") transact "ssl:127.0.0.2:$node_port" "$(rbac_ops "$@")"; }
# shellcheck disable=SC2046
as_admin() { ovsdb-client $(ssl_of admin) transact "ssl:127.0.0.1:$admin_port" "$(rbac_ops "$@")"; }
# shellcheck disable=SC2046
ctl_node() { local n=$1; shift; "$ctl" -t 5 --db="ssl:127.0.0.2:$node_port" $(ssl_of "$n") "$@"; }
# shellcheck disable=SC2046
ctl_admin() { "$ctl" -t 5 --db="ssl:127.0.0.1:$admin_port" $(ssl_of admin) "$@"; }

rbac_cells
echo "PASS: every cell of the cluster DB's RBAC table ($RBAC_CELLS)"
