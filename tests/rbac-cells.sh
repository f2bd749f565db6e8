# rbac-cells.sh -- sourced by tests/test-ovnmigctl-rbac.sh (a private
# ovsdb-server, no root) and tests/lab/lab-rbac.sh (the lab's Raft
# cluster): every cell of the cluster database's RBAC table
# (docs/architecture.md, "ovnmigctl rbac install"), tried with a node's
# certificate on the nodes' listener, and the administrator's rights on
# the listener without a role.
#
# The caller sets ME and OTHER (two node names with certificates and no
# ovnmigd running: nothing else writes their rows) and defines:
#   as_node NODE OPS...   transact OPS (JSON objects) as NODE; print the reply
#   as_admin OPS...       the same as the administrator
#   ctl_node NODE ARGS... ovnmigctl as NODE
#   ctl_admin ARGS...     ovnmigctl as the administrator
#   say, fail             as tests/lab/lib.sh has them
# then calls rbac_cells.  Every refusal must be the server's "permission
# error" (the transaction then changes nothing); every allowed change must
# have changed a row (an update that matched nothing would prove nothing).
# shellcheck shell=bash

RBAC_CELLS=0

# ops: each argument is one operation; a JSON list for ovsdb-client.
rbac_ops() {
    local IFS=,
    echo "[\"OVN_Migration\",$*]"
}
upd() { echo "{\"op\":\"update\",\"table\":\"$1\",\"where\":[$2],\"row\":$3}"; }
mut() { echo "{\"op\":\"mutate\",\"table\":\"$1\",\"where\":[$2],\"mutations\":[$3]}"; }
del() { echo "{\"op\":\"delete\",\"table\":\"$1\",\"where\":[$2]}"; }
ins() { echo "{\"op\":\"insert\",\"table\":\"$1\",\"row\":$2}"; }
by() { echo "[\"$1\",\"==\",\"$2\"]"; }

# cell allowed|refused TABLE DESCRIPTION OP: one cell, as $ME.
cell() {
    local want=$1 table=$2 what=$3 op=$4 out
    out=$(as_node "$ME" "$op" 2>&1)
    RBAC_CELLS=$((RBAC_CELLS + 1))
    if [ "$want" = refused ]; then
        grep -q '"permission error"' <<<"$out" \
            || fail "$table: $ME may not $what, but: $out"
        grep -q "RBAC rules for client \\\\\"$ME\\\\\" role \\\\\"ovnmig-node\\\\\" prohibit" <<<"$out" \
            || fail "$table: $what: the refusal does not name $ME's role: $out"
        say "ok: $table: $ME may not $what (permission error)"
    else
        if grep -q '"error"' <<<"$out" || ! grep -Eq '"count":1|"uuid"' <<<"$out"; then
            fail "$table: $ME may $what, but: $out"
        fi
        say "ok: $table: $ME may $what"
    fi
}

# ctl_refused DESCRIPTION ARGS...: ovnmigctl as $ME must exit 1 and say
# the cluster database refused it.
ctl_refused() {
    local what=$1 out rc=0
    shift
    out=$(ctl_node "$ME" "$@" 2>&1) || rc=$?
    RBAC_CELLS=$((RBAC_CELLS + 1))
    [ "$rc" = 1 ] && grep -q "permission denied by the cluster database: RBAC rules for client \"$ME\"" <<<"$out" \
        || fail "ovnmigctl $*: as $ME, exit $rc: $out"
    say "ok: $ME may not $what: ovnmigctl exits 1: RBAC rules${out##*RBAC rules}"
}

ctl_allowed() {
    local what=$1 out
    shift
    out=$(ctl_admin "$@" 2>&1) || fail "ovnmigctl $* as the administrator: $out"
    say "ok: the administrator may $what"
}

rbac_vm_yaml() {   # rbac_vm_yaml NAME
    cat <<EOF
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: $1
spec:
  template:
    spec:
      domain:
        resources:
          requests:
            memory: 64Mi
        devices:
          interfaces:
          - name: default
            bridge: {}
        firmware:
          kernelBoot:
            container:
              kernelPath: /nonexistent/vmlinuz
      networks:
      - name: default
        pod: {}
EOF
}

rbac_cells() {
    local vm m tmp
    tmp=$(mktemp -d /tmp/ovnmig-rbac-XXXXXX)
    vm='"namespace":"rbac","memory":67108864,"cpus":1,"eviction_strategy":"None"'
    m='"namespace":"rbac","requested":1,"completed":false,"failed":false,"mode":"PreCopy"'

    # The administrator's fixture: the other node, a VM on each, a
    # migration each way and one between others, a policy, a namespace.
    out=$(as_admin "$(ins Node "{\"name\":\"$OTHER\",\"chassis\":\"$OTHER\",\"migration_address\":\"\",\"heartbeat\":1,\"schedulable\":true,\"memory\":1}")" \
        "$(ins VM "{\"name\":\"vm-me\",\"node\":\"$ME\",\"mac\":\"0a:58:0a:00:00:01\",$vm}")" \
        "$(ins VM "{\"name\":\"vm-other\",\"node\":\"$OTHER\",\"mac\":\"0a:58:0a:00:00:02\",$vm}")" \
        "$(ins Migration "{\"uid\":\"m-src\",\"vm\":\"vm-me\",\"source_node\":\"$ME\",\"target_node\":\"$OTHER\",\"phase\":\"Scheduling\",$m}")" \
        "$(ins Migration "{\"uid\":\"m-dst\",\"vm\":\"vm-other\",\"source_node\":\"$OTHER\",\"target_node\":\"$ME\",\"phase\":\"PreparingTarget\",$m}")" \
        "$(ins Migration "{\"uid\":\"m-none\",\"vm\":\"vm-other\",\"source_node\":\"$OTHER\",\"target_node\":\"hv99\",\"phase\":\"Pending\",$m}")" \
        "$(ins Migration_Policy '{"name":"p-rbac"}')" \
        "$(ins Namespace '{"name":"rbac"}')")
    grep -q '"error"' <<<"$out" && fail "the administrator's fixture: $out"
    ctl_allowed "set the cluster's configuration" config set parallelMigrationsPerCluster=4

    say "--- Node: its own row alone, never its cordon"
    cell allowed Node "insert its own row" "$(ins Node "{\"name\":\"$ME\",\"chassis\":\"$ME\",\"migration_address\":\"\",\"heartbeat\":1,\"schedulable\":true,\"memory\":1}")"
    cell refused Node "insert another node's row" "$(ins Node '{"name":"hv98","chassis":"hv98","migration_address":"","heartbeat":1,"schedulable":true,"memory":1}')"
    cell allowed Node "update its heartbeat, chassis, address and memory" "$(upd Node "$(by name "$ME")" '{"heartbeat":2,"chassis":"c","migration_address":"172.31.253.7","memory":2}')"
    cell allowed Node "set a key of its external_ids" "$(mut Node "$(by name "$ME")" '["external_ids","insert",["map",[["ovnmig:memory-used","0"]]]]')"
    cell refused Node "uncordon or cordon itself (schedulable)" "$(upd Node "$(by name "$ME")" '{"schedulable":false}')"
    cell refused Node "rename its row" "$(upd Node "$(by name "$ME")" '{"name":"hv98"}')"
    cell refused Node "update another node's heartbeat" "$(upd Node "$(by name "$OTHER")" '{"heartbeat":3}')"
    cell refused Node "update another node's external_ids" "$(mut Node "$(by name "$OTHER")" '["external_ids","insert",["map",[["x","y"]]]]')"
    cell refused Node "delete another node's row" "$(del Node "$(by name "$OTHER")")"
    cell allowed Node "delete its own row" "$(del Node "$(by name "$ME")")"
    cell allowed Node "insert it again" "$(ins Node "{\"name\":\"$ME\",\"chassis\":\"$ME\",\"migration_address\":\"\",\"heartbeat\":1,\"schedulable\":true,\"memory\":1}")"

    say "--- VM: the status of the VMs it hosts, and their handover"
    cell refused VM "create a VM on itself" "$(ins VM "{\"name\":\"vm-new\",\"node\":\"$ME\",\"mac\":\"0a:58:0a:00:00:03\",$vm}")"
    cell refused VM "create a VM on another node" "$(ins VM "{\"name\":\"vm-new\",\"node\":\"$OTHER\",\"mac\":\"0a:58:0a:00:00:03\",$vm}")"
    cell allowed VM "write the status of a VM it hosts" "$(upd VM "$(by name vm-me)" '{"status":["map",[["phase","Running"]]]}')"
    cell refused VM "change the spec of a VM it hosts (memory)" "$(upd VM "$(by name vm-me)" '{"memory":134217728}')"
    cell refused VM "change the labels of a VM it hosts" "$(upd VM "$(by name vm-me)" '{"labels":["map",[["a","b"]]]}')"
    cell refused VM "write the status of another node's VM" "$(upd VM "$(by name vm-other)" '{"status":["map",[["phase","Failed"]]]}')"
    cell refused VM "take another node's VM (node)" "$(upd VM "$(by name vm-other)" "{\"node\":\"$ME\"}")"
    cell refused VM "delete a VM it hosts" "$(del VM "$(by name vm-me)")"
    cell refused VM "delete another node's VM" "$(del VM "$(by name vm-other)")"
    cell allowed VM "hand a VM it hosts over (node)" "$(upd VM "$(by name vm-me)" "{\"node\":\"$OTHER\"}")"
    cell refused VM "take it back once handed over" "$(upd VM "$(by name vm-me)" "{\"node\":\"$ME\"}")"
    out=$(as_admin "$(upd VM "$(by name vm-me)" "{\"node\":\"$ME\"}")")
    grep -q '"count":1' <<<"$out" || fail "the administrator could not move vm-me back: $out"

    say "--- Migration: the progress of those it is party to"
    cell refused Migration "request a migration" "$(ins Migration "{\"uid\":\"m-new\",\"vm\":\"vm-me\",\"source_node\":\"$ME\",\"phase\":\"Pending\",$m}")"
    cell allowed Migration "move one it is the source of (phase, target)" "$(upd Migration "$(by uid m-src)" "{\"phase\":\"Scheduled\",\"target_node\":\"$OTHER\",\"start_time\":5,\"policy\":\"p-rbac\"}")"
    cell allowed Migration "record the settings it resolved for one (external_ids)" "$(upd Migration "$(by uid m-src)" '{"external_ids":["map",[["tls","true"],["progressTimeout","150"]]]}')"
    cell allowed Migration "report one's progress" "$(mut Migration "$(by uid m-src)" '["progress","insert",["map",[["total",1]]]]')"
    cell allowed Migration "end one it is the source of" "$(upd Migration "$(by uid m-src)" '{"phase":"Failed","failed":true,"failure_reason":"test","end_time":6,"abort_status":"Succeeded","mode":"PreCopy"}')"
    cell allowed Migration "move one it is the target of (TargetReady, address)" "$(upd Migration "$(by uid m-dst)" '{"phase":"TargetReady","target_address":"172.31.253.7:49152"}')"
    cell refused Migration "move one it is not party to" "$(upd Migration "$(by uid m-none)" '{"phase":"Failed"}')"
    cell refused Migration "report progress of one it is not party to" "$(mut Migration "$(by uid m-none)" '["progress","insert",["map",[["total",1]]]]')"
    cell refused Migration "change the source of one (source_node)" "$(upd Migration "$(by uid m-src)" "{\"source_node\":\"$OTHER\"}")"
    cell refused Migration "change which VM one moves (vm)" "$(upd Migration "$(by uid m-src)" '{"vm":"vm-other"}')"
    cell refused Migration "change one's uid or request time" "$(upd Migration "$(by uid m-src)" '{"uid":"m-x","requested":9}')"
    cell refused Migration "delete one it is party to" "$(del Migration "$(by uid m-src)")"

    say "--- the cluster's configuration and policies: nothing"
    cell refused Config "change the liveMigrationConfig" "$(upd Config '' '{"live_migration":["map",[["parallelMigrationsPerCluster","50"]]]}')"
    cell refused Config "change the listeners (connections)" "$(upd Config '' '{"connections":["set",[]]}')"
    cell refused Config "delete it" "$(del Config '')"
    cell refused Migration_Policy "create a policy" "$(ins Migration_Policy '{"name":"p-me"}')"
    cell refused Migration_Policy "change a policy" "$(upd Migration_Policy "$(by name p-rbac)" '{"allow_post_copy":true}')"
    cell refused Migration_Policy "delete a policy" "$(del Migration_Policy "$(by name p-rbac)")"
    cell refused Namespace "create a namespace" "$(ins Namespace '{"name":"ns-me"}')"
    cell refused Namespace "label a namespace" "$(upd Namespace "$(by name rbac)" '{"labels":["map",[["a","b"]]]}')"
    cell refused Namespace "delete a namespace" "$(del Namespace "$(by name rbac)")"
    cell refused Connection "drop its listener's role" "$(upd Connection '' '{"role":""}')"
    cell refused Connection "add a listener" "$(ins Connection '{"target":"ptcp:6699"}')"
    cell refused Connection "delete a listener" "$(del Connection '')"
    cell refused RBAC_Role "rewrite its role" "$(upd RBAC_Role "$(by name ovnmig-node)" '{"permissions":["map",[]]}')"
    cell refused RBAC_Role "make a role" "$(ins RBAC_Role '{"name":"mine"}')"
    cell refused RBAC_Role "delete its role" "$(del RBAC_Role "$(by name ovnmig-node)")"
    cell refused RBAC_Permission "grant itself a column" "$(mut RBAC_Permission "$(by table Node)" '["update","insert",["set",["schedulable"]]]')"
    cell refused RBAC_Permission "make a permission" "$(ins RBAC_Permission '{"table":"Config","insert_delete":true}')"
    cell refused RBAC_Permission "delete a permission" "$(del RBAC_Permission "$(by table VM)")"

    say "--- ovnmigctl with a node's certificate: refused, exit 1"
    rbac_vm_yaml vm-ctl >"$tmp/vm.yaml"
    cat >"$tmp/policy.yaml" <<EOF
apiVersion: migrations.kubevirt.io/v1alpha1
kind: MigrationPolicy
metadata:
  name: p-ctl
spec:
  allowPostCopy: true
EOF
    ctl_refused "change the cluster's configuration" config set parallelMigrationsPerCluster=50
    ctl_refused "create a policy" policy create -f "$tmp/policy.yaml"
    ctl_refused "delete a policy" policy delete p-rbac
    ctl_refused "label a namespace" namespace label rbac team=a
    ctl_refused "create a VM on another node" vm create -f "$tmp/vm.yaml" --node "$OTHER" --ip 10.99.0.9/24
    ctl_refused "create a VM on itself" vm create -f "$tmp/vm.yaml" --node "$ME" --ip 10.99.0.9/24
    ctl_refused "delete another node's VM" vm delete vm-other --namespace rbac
    ctl_refused "migrate a VM" vm migrate vm-me --namespace rbac --to "$OTHER"
    ctl_refused "cancel a migration" migration cancel m-none
    ctl_refused "drain (cordon) another node" node drain "$OTHER" --force
    out=$(as_admin "$(upd Node "$(by name "$ME")" '{"schedulable":false}')")
    grep -q '"count":1' <<<"$out" || fail "the administrator could not cordon $ME: $out"
    ctl_refused "uncordon itself once cordoned" node uncordon "$ME"
    ctl_refused "install the roles" rbac install
    ctl_refused "change the listeners" connection set ptcp:6699

    say "--- the administrator: everything"
    ctl_allowed "label a namespace" namespace label rbac team=a
    ctl_allowed "create a policy" policy create -f "$tmp/policy.yaml"
    ctl_allowed "uncordon a node" node uncordon "$ME"
    ctl_allowed "cancel a migration" migration cancel m-none
    ctl_allowed "delete a VM" vm delete vm-other --namespace rbac
    ctl_allowed "install the roles again" rbac install
    rm -rf "$tmp"
    say "ok: $RBAC_CELLS cells of the cluster DB's RBAC table"
}
