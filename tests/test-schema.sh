#!/bin/bash
# The cluster schema is valid for OVS's own tools, versioned, and a
# database made from it accepts a VM and a Migration row with the fields
# ovnmig relies on (and rejects a phase that is not one of KubeVirt's).
set -u
schema=${top_srcdir:-.}/daemon/ovnmig.ovsschema
if ! command -v ovsdb-tool >/dev/null; then
    echo "SKIP: ovsdb-tool missing (apt-get install openvswitch-common)"
    exit 77
fi
dir=$(mktemp -d /tmp/ovnmig-test-schema-XXXXXX)
trap 'rm -rf "$dir"' EXIT
set -e
version=$(ovsdb-tool schema-version "$schema")
echo "schema version $version"
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
ovsdb-tool create "$dir/db" "$schema"

txn() { ovsdb-tool transact "$dir/db" "[\"OVN_Migration\", $1]"; }
out=$(txn '{"op": "insert", "table": "VM", "row": {"name": "vm1",
  "namespace": "default", "node": "hv1", "memory": 268443648, "cpus": 1,
  "mac": "0a:58:0a:64:00:05", "ipv4": "10.100.0.5/24",
  "eviction_strategy": "LiveMigrate",
  "annotations": ["map", [["kubevirt.io/allow-pod-bridge-network-live-migration", ""]]]}}')
echo "$out"
grep -q '"uuid"' <<<"$out"
out=$(txn '{"op": "insert", "table": "Migration", "row": {"uid": "u1",
  "vm": "vm1", "namespace": "default", "source_node": "hv1",
  "phase": "Pending", "requested": 1, "completed": false, "failed": false,
  "mode": "PreCopy"}}')
grep -q '"uuid"' <<<"$out"
out=$(txn '{"op": "insert", "table": "Migration", "row": {"uid": "u2",
  "vm": "vm1", "namespace": "default", "source_node": "hv1",
  "phase": "Migrating", "requested": 2, "completed": false,
  "failed": false, "mode": "PreCopy"}}')
echo "$out"
grep -q 'constraint violation' <<<"$out"
echo "ok"
