#!/bin/bash
# ovnmigctl against a private ovsdb-server serving the cluster schema (no
# root needed): a VM created from KubeVirt YAML lands in the database with
# what ovnmig relies on; every bad vm.yaml (missing name, bad MAC, bad
# memory quantity, unknown binding ...) is refused with a message naming the
# problem and the value, exit 1, and the database unchanged; usage errors
# exit 2; config set/unset are checked; every read command's --json output
# parses (vm list, vm show, node list, config get).
set -u
. "${top_srcdir:-.}/tests/ovnmigctl-lib.sh"

# A node to place VMs on (ovnmigd registers itself; here by hand).
ovsdb-client transact "$OVNMIG_DB" '["OVN_Migration", {"op": "insert",
  "table": "Node", "row": {"name": "hv1", "chassis": "hv1",
  "migration_address": "", "heartbeat": 1, "schedulable": true,
  "memory": 1}}]' >/dev/null || fail "insert Node"

dump() { ovsdb-client dump "$OVNMIG_DB" OVN_Migration VM; }

good() {   # good NAME MAC MEMORY BINDING: a VirtualMachine
    cat <<YAML
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: $1
  namespace: team-a
spec:
  template:
    metadata:
      annotations:
        kubevirt.io/allow-pod-bridge-network-live-migration: ""
    spec:
      domain:
        resources:
          requests:
            memory: $3
        devices:
          interfaces:
          - name: default
            $4: {}
            macAddress: $2
        firmware:
          kernelBoot:
            kernelArgs: console=ttyS0
            container:
              kernelPath: /boot/vmlinuz
              initrdPath: /boot/initrd.img
      networks:
      - name: default
        pod: {}
      volumes:
      - name: scratch
        emptyDisk:
          capacity: 1Gi
YAML
}

good vm1 0a:58:0a:64:00:05 262152Ki bridge >"$dir/vm1.yaml"
run 0 "$dir/out" "$ctl" vm create -f "$dir/vm1.yaml" --node hv1 --ip 10.100.0.5/24 \
    --ipv6 FD00:10:0::5
grep -q "vm vm1 created in namespace team-a on node hv1" "$dir/out" || fail "create said: $(cat "$dir/out")"
grep -q "warning: .*spec.template.spec.volumes" "$dir/out" || fail "unknown field not reported: $(cat "$dir/out")"
run 0 "$dir/json" "$ctl" --json vm list
python3 - "$dir/json" <<'PY' || fail "vm list --json: $(cat "$dir/json")"
import json, sys
vms = json.load(open(sys.argv[1]))
assert len(vms) == 1, vms
v = vms[0]
assert (v["name"], v["namespace"], v["node"]) == ("vm1", "team-a", "hv1"), v
assert v["mac"] == "0a:58:0a:64:00:05" and v["ipv4"] == "10.100.0.5/24", v
assert v["ipv6"] == "fd00:10::5", v
assert v["memory"] == 262152 * 1024 and v["cpus"] == 1, v
assert v["boot"] == {"kernel": "/boot/vmlinuz", "initrd": "/boot/initrd.img",
                     "cmdline": "console=ttyS0"}, v
assert "kubevirt.io/allow-pod-bridge-network-live-migration" in v["annotations"]
PY
echo "ok: vm create writes the row"

before=$(dump)
# bad FILE-CONTENT-FUNC... EXPECTED-MESSAGE: refused, nothing changed.
bad() {
    local what=$1 pattern=$2 extra=${3:-}
    # shellcheck disable=SC2086
    run 1 "$dir/out" "$ctl" vm create -f "$dir/bad.yaml" --node hv1 --ip 10.100.0.9/24 $extra
    grep -Eqi -- "$pattern" "$dir/out" || fail "$what: message not clear: $(cat "$dir/out")"
    [ "$(dump)" = "$before" ] || fail "$what: the database changed"
    echo "ok: $what refused: $(head -n 1 "$dir/out")"
}
good vm1 0a:58:0a:64:00:05 262152Ki bridge | sed '/^  name: vm1/d' >"$dir/bad.yaml"
bad "missing name" 'metadata\.name: missing'
good vm9 0a:58:zz:64:00:05 262152Ki bridge >"$dir/bad.yaml"
bad "bad MAC" 'macAddress: "0a:58:zz:64:00:05" is not a unicast MAC'
good vm9 0a:58:0a:64:00:09 12XYZ bridge >"$dir/bad.yaml"
bad "bad memory quantity" 'memory: "12XYZ" is not a memory quantity'
good vm9 0a:58:0a:64:00:09 262152Ki masquerade >"$dir/bad.yaml"
bad "unknown binding" 'binding "masquerade" is not supported'
printf 'apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: [unclosed\n' >"$dir/bad.yaml"
bad "broken YAML" 'YAML error at line 4'
good vm1 0a:58:0a:64:00:09 262152Ki bridge >"$dir/bad.yaml"
bad "existing VM" "already exists"
good vm9 0a:58:0a:64:00:05 262152Ki bridge >"$dir/bad.yaml"
bad "MAC in use" "already the MAC"
good vm9 0a:58:0a:64:00:09 262152Ki bridge >"$dir/bad.yaml"
bad "link-local IPv6 address" "--ipv6 fe80::9: not a global or unique local" "--ipv6 fe80::9"
bad "bad IPv6 address" "--ipv6 fd00::zz: not a global or unique local" "--ipv6 fd00::zz"
bad "IPv6 address in use" "fd00:10::5 is already the address of VM vm1" "--ipv6 fd00:10::5"
good vm9 0a:58:0a:64:00:09 262152Ki bridge >"$dir/bad.yaml"
run 1 "$dir/out" "$ctl" vm create -f "$dir/bad.yaml" --node hv7 --ip 10.100.0.9/24
grep -q 'no node "hv7"' "$dir/out" || fail "unknown node: $(cat "$dir/out")"
run 1 "$dir/out" "$ctl" vm create -f "$dir/bad.yaml" --node hv1 --ip 10.100.0.5/24
grep -q "already the address" "$dir/out" || fail "address in use: $(cat "$dir/out")"
[ "$(dump)" = "$before" ] || fail "refused creates changed the database"

# Usage errors: exit 2.
run 2 "$dir/out" "$ctl" vm create -f "$dir/vm1.yaml" --node hv1
run 2 "$dir/out" "$ctl" frobnicate
run 2 "$dir/out" "$ctl" vm show
echo "ok: usage errors exit 2"

# show, delete.
run 0 "$dir/out" "$ctl" vm show vm1 --namespace team-a
grep -q "vm vm1 (namespace team-a) on node hv1" "$dir/out" || fail "vm show: $(cat "$dir/out")"
run 1 "$dir/out" "$ctl" vm show vm1
grep -q "no VM vm1 in namespace default" "$dir/out" || fail "vm show default ns: $(cat "$dir/out")"
run 0 "$dir/out" "$ctl" --json vm show vm1 -n team-a
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["vm"]["name"]=="vm1" and d["node"] is None' "$dir/out" \
    || fail "vm show --json: $(cat "$dir/out")"

# node list.
run 0 "$dir/out" "$ctl" node list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["name"]=="hv1" and d[0]["vms"]==1' "$dir/out" \
    || fail "node list --json: $(cat "$dir/out")"

# config: checked as a whole, unset restores the default.
run 0 "$dir/out" "$ctl" config set parallelMigrationsPerCluster=3 bandwidthPerMigration=64Mi
run 1 "$dir/out" "$ctl" config set progressTimeout=soon
grep -q "progressTimeout" "$dir/out" || fail "config set bad value: $(cat "$dir/out")"
run 0 "$dir/out" "$ctl" config get parallelMigrationsPerCluster
[ "$(cat "$dir/out")" = 3 ] || fail "config get: $(cat "$dir/out")"
run 1 "$dir/out" "$ctl" config get progressTimeout
run 0 "$dir/out" "$ctl" config unset parallelMigrationsPerCluster
run 0 "$dir/out" "$ctl" config get
[ "$(cat "$dir/out")" = "bandwidthPerMigration=64Mi" ] || fail "config after unset: $(cat "$dir/out")"
run 0 "$dir/out" "$ctl" --json config get
python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == {"bandwidthPerMigration": "64Mi"}' "$dir/out" \
    || fail "config get --json: $(cat "$dir/out")"
run 0 "$dir/out" "$ctl" config get bandwidthPerMigration --json
python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == {"bandwidthPerMigration": "64Mi"}' "$dir/out" \
    || fail "config get KEY --json: $(cat "$dir/out")"
echo "ok: config get/set/unset"

# migration show: the guest's pause, as the target wrote it, or from the
# two nodes' timestamps, or -1.
migration() {   # migration UID PROGRESS-PAIRS
    ovsdb-client transact "$OVNMIG_DB" '["OVN_Migration", {"op": "insert",
      "table": "Migration", "row": {"uid": "'"$1"'", "vm": "vm1",
      "namespace": "team-a", "source_node": "hv1", "phase": "Succeeded",
      "requested": 1, "completed": true, "failed": false, "mode": "PreCopy",
      "progress": ["map", '"$2"']}}]' >/dev/null || fail "insert Migration $1"
}
pause_of() {
    run 0 "$dir/out" "$ctl" --json migration show "$1"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["progress"]["pauseMs"])' "$dir/out"
}
migration 11111111-aaaa '[["stoppedAt", 1000], ["resumedAt", 1140], ["downtimeMs", 12]]'
migration 22222222-bbbb '[["stoppedAt", 1000], ["resumedAt", 1140], ["pauseMs", 150]]'
migration 33333333-cccc '[["stoppedAt", 1000], ["downtimeMs", 12]]'
[ "$(pause_of 11111111-aaaa)" = 140 ] || fail "pauseMs from the timestamps: $(cat "$dir/out")"
[ "$(pause_of 22222222-bbbb)" = 150 ] || fail "pauseMs as recorded: $(cat "$dir/out")"
[ "$(pause_of 33333333-cccc)" = -1 ] || fail "pauseMs unknown: $(cat "$dir/out")"
run 0 "$dir/out" "$ctl" migration show 11111111-aaaa
grep -q "Guest Pause: *140 ms (QEMU downtime 12 ms)" "$dir/out" \
    || fail "migration show: no pause line: $(cat "$dir/out")"
echo "ok: migration show: the guest's pause"

run 0 "$dir/out" "$ctl" vm delete vm1 --namespace team-a
run 1 "$dir/out" "$ctl" vm delete vm1 --namespace team-a
run 0 "$dir/out" "$ctl" vm delete vm1 --namespace team-a --if-exists
run 0 "$dir/out" "$ctl" vm list --json
[ "$(tr -d ' \n' <"$dir/out")" = "[]" ] || fail "vm delete left a row: $(cat "$dir/out")"
echo "ok: vm delete"
echo "PASS"
