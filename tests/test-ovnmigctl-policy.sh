#!/bin/bash
# ovnmigctl policy and namespace commands against a private ovsdb-server
# serving the cluster schema (no root needed): a MigrationPolicy from YAML
# lands in Migration_Policy; bad policies and labels are refused with a
# message naming the problem, exit 1, and the database unchanged; usage
# errors exit 2; "policy show" names the VMs a policy governs, by the
# source documents' example and their tie-break; --json output parses.
set -u
. "${top_srcdir:-.}/tests/ovnmigctl-lib.sh"

dump() { ovsdb-client dump "$OVNMIG_DB" OVN_Migration; }
json() {   # json FILE PYTHON-EXPR-ON-d: asserts it
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $2, d" "$1" \
        || fail "json check $2: $(cat "$1")"
}

# VMs to select (ovnmigctl vm create is tested elsewhere; here by hand).
vm() {   # vm NAME NAMESPACE LABELS-AS-OVSDB-MAP N (the MAC's last digit)
    ovsdb-client transact "$OVNMIG_DB" "[\"OVN_Migration\", {\"op\": \"insert\",
      \"table\": \"VM\", \"row\": {\"name\": \"$1\", \"namespace\": \"$2\",
      \"labels\": $3, \"node\": \"hv1\", \"memory\": 268435456, \"cpus\": 1,
      \"mac\": \"0a:58:00:00:00:0$4\", \"eviction_strategy\": \"LiveMigrate\"}}]" \
      >/dev/null || fail "insert VM $1"
}
vm db1 hpc '["map", [["kubevirt.io/environment", "production"]]]' 1
vm web1 hpc '["map", [["kubevirt.io/environment", "staging"]]]' 2
vm db2 plain '["map", [["kubevirt.io/environment", "production"]]]' 3

# The source documents' example: namespaces labelled hpc-workloads "True"
# and xyz-workloads-type "", VMs labelled kubevirt.io/environment:
# production.
cat >"$dir/example.yaml" <<'YAML'
apiVersion: migrations.kubevirt.io/v1alpha1
kind: MigrationPolicy
metadata:
  name: hpc-production
spec:
  allowAutoConverge: true
  bandwidthPerMigration: 64Mi
  completionTimeoutPerGiB: 23
  allowPostCopy: false
  selectors:
    namespaceSelector:
      hpc-workloads: "True"
      xyz-workloads-type: ""
    virtualMachineInstanceSelector:
      kubevirt.io/environment: production
  futureKnob: 1
YAML
run 0 "$dir/out" "$ctl" policy create -f "$dir/example.yaml"
grep -q "policy hpc-production created" "$dir/out" || fail "create said: $(cat "$dir/out")"
grep -q "warning: .*spec.futureKnob" "$dir/out" || fail "unknown field not reported: $(cat "$dir/out")"
run 0 "$dir/out" "$ctl" --json policy list
json "$dir/out" 'len(d) == 1 and d[0]["name"] == "hpc-production"'
json "$dir/out" 'd[0]["selectors"]["namespaceSelector"] == {"hpc-workloads": "True", "xyz-workloads-type": ""}'
json "$dir/out" 'd[0]["selectors"]["virtualMachineInstanceSelector"] == {"kubevirt.io/environment": "production"}'
json "$dir/out" 'd[0]["allowAutoConverge"] is True and d[0]["allowPostCopy"] is False'
json "$dir/out" 'd[0]["bandwidthPerMigration"] == "64Mi" and d[0]["completionTimeoutPerGiB"] == 23'
echo "ok: policy create writes the row"

# Until the namespace carries both labels, the policy governs nobody.
run 0 "$dir/out" "$ctl" policy show hpc-production --json
json "$dir/out" 'd["appliesTo"] == []'
run 0 "$dir/out" "$ctl" namespace label hpc hpc-workloads=True
run 0 "$dir/out" "$ctl" policy show hpc-production --json
json "$dir/out" 'd["appliesTo"] == []'
run 0 "$dir/out" "$ctl" namespace label hpc xyz-workloads-type= team=a
run 0 "$dir/out" "$ctl" policy show hpc-production --json
json "$dir/out" 'd["appliesTo"] == ["hpc/db1"]'
run 0 "$dir/out" "$ctl" policy show hpc-production
grep -q "applies to: hpc/db1$" "$dir/out" || fail "policy show: $(cat "$dir/out")"
echo "ok: the documented example selects hpc/db1 only"

# Tie-break: two policies matching two labels each; the one whose sorted
# matching keys come first wins ("hpc-workloads" < "team").
policy() {   # policy NAME NS-SELECTOR-YAML VMI-SELECTOR-YAML
    printf 'apiVersion: migrations.kubevirt.io/v1alpha1\nkind: MigrationPolicy\nmetadata:\n  name: %s\nspec:\n  allowPostCopy: true\n  selectors:\n    namespaceSelector: %s\n    virtualMachineInstanceSelector: %s\n' "$1" "$2" "$3"
}
policy by-team '{team: a}' '{kubevirt.io/environment: production}' >"$dir/team.yaml"
run 0 "$dir/out" "$ctl" policy create -f "$dir/team.yaml"
policy by-hpc '{hpc-workloads: "True"}' '{kubevirt.io/environment: production}' >"$dir/hpc.yaml"
run 0 "$dir/out" "$ctl" policy create -f "$dir/hpc.yaml"
run 0 "$dir/out" "$ctl" policy show hpc-production --json
json "$dir/out" 'd["appliesTo"] == ["hpc/db1"]'   # Three labels beat two.
run 0 "$dir/out" "$ctl" policy delete hpc-production
run 0 "$dir/out" "$ctl" policy show by-hpc --json
json "$dir/out" 'd["appliesTo"] == ["hpc/db1"]'
run 0 "$dir/out" "$ctl" policy show by-team --json
json "$dir/out" 'd["appliesTo"] == []'
echo "ok: most labels win, then the first matching keys in order"

# Refused: exit 1, message naming the problem, nothing written.
before=$(dump)
bad() {   # bad WHAT PATTERN CMD...
    local what=$1 pattern=$2; shift 2
    run 1 "$dir/out" "$@"
    grep -Eqi -- "$pattern" "$dir/out" || fail "$what: message not clear: $(cat "$dir/out")"
    [ "$(dump)" = "$before" ] || fail "$what: the database changed"
    echo "ok: $what refused: $(head -n 1 "$dir/out")"
}
bad "existing policy" "already exists" "$ctl" policy create -f "$dir/team.yaml"
sed 's/allowPostCopy: true/allowPostCopy: "true"/' "$dir/team.yaml" >"$dir/bad.yaml"
bad "quoted boolean" "allowPostCopy" "$ctl" policy create -f "$dir/bad.yaml"
policy bad '{team: a}' '{"bad key": x}' >"$dir/bad.yaml"
bad "bad label key" "label key" "$ctl" policy create -f "$dir/bad.yaml"
printf 'apiVersion: migrations.kubevirt.io/v1alpha1\nkind: MigrationPolicy\nspec: {bandwidthPerMigration: fast}\nmetadata: {name: x}\n' >"$dir/bad.yaml"
bad "bad bandwidth" "bandwidthPerMigration" "$ctl" policy create -f "$dir/bad.yaml"
printf 'kind: MigrationPolicy\nmetadata: [unclosed\n' >"$dir/bad.yaml"
bad "broken YAML" "yaml|line" "$ctl" policy create -f "$dir/bad.yaml"
bad "missing file" "no such file" "$ctl" policy create -f "$dir/none.yaml"
bad "unknown policy" "no policy nope" "$ctl" policy show nope
bad "delete unknown" "no policy nope" "$ctl" policy delete nope
bad "bad namespace name" "namespace name" "$ctl" namespace label Bad_NS a=b
bad "bad label value" "label value" "$ctl" namespace label hpc team=a,b
bad "bad label key" "label key" "$ctl" namespace label hpc /x=1

# Usage errors: exit 2.
for args in "policy" "policy frob" "policy create" "policy show" \
            "policy list extra" "namespace" "namespace label hpc" \
            "namespace label hpc team" "namespace list extra"; do
    # shellcheck disable=SC2086
    run 2 "$dir/out" "$ctl" $args
done
[ "$(dump)" = "$before" ] || fail "usage errors changed the database"
echo "ok: usage errors exit 2"

# namespace list, and removing a label with KEY-.
run 0 "$dir/out" "$ctl" namespace label hpc team-
run 0 "$dir/out" "$ctl" namespace list --json
json "$dir/out" 'd == [{"name": "hpc", "labels": {"hpc-workloads": "True", "xyz-workloads-type": ""}, "vms": 2}]'
run 0 "$dir/out" "$ctl" namespace list
grep -q "^hpc .* 2 .*hpc-workloads=True,xyz-workloads-type=$" "$dir/out" || fail "namespace list: $(cat "$dir/out")"
echo "ok: namespace label and list"

run 0 "$dir/out" "$ctl" policy list
grep -q "^by-hpc .*hpc-workloads=True .*kubevirt.io/environment=production .*allowPostCopy=true" "$dir/out" \
    || fail "policy list: $(cat "$dir/out")"
run 0 "$dir/out" "$ctl" policy delete by-team
run 0 "$dir/out" "$ctl" policy delete by-team --if-exists
run 0 "$dir/out" "$ctl" policy delete by-hpc
run 0 "$dir/out" "$ctl" --json policy list
[ "$(tr -d ' \n' <"$dir/out")" = "[]" ] || fail "policy delete left a row: $(cat "$dir/out")"
echo "ok: policy delete"
echo "PASS"
