#!/bin/bash
# kube-port-move: ovnmigd in Kubernetes mode (mode = kubernetes) moves a
# VM's OVN port as a KubeVirt cluster's objects say, against the real OVN
# lab and the in-tree API server STAND-IN (tests/kube/kube-standin: no
# real kube-apiserver runs on these machines).  No guest: this test plays
# KubeVirt's controllers and posts their objects in KubeVirt's order; the
# VM's port is a lab pod on hv1, and the target's copy a second plug of
# the same port on hv2 (what virt-launcher's pod has there).  Checked:
#   - the running VM is left alone (one chassis, no migration recorded);
#   - the target pod before it has a node moves nothing (kube-ovn #6823);
#     bound to hv2, while still Pending (kube-ovn #7416), it makes hv2 the
#     port's additional chassis with activation-strategy=rarp and the
#     VMIM's UID recorded on the port, and the SB binds the copy there;
#   - every watch ended by a 410 with its history compacted just as
#     migrationState says completed (the nodes list again): the port on
#     hv2 alone, no activation strategy, no UID;
#   - both ovnmigds restarted with the old, Succeeded VMIM replayed: the
#     port is left as it is (kube-ovn #7419);
#   - the finished source pod deleted: the port and its port group stay
#     (kube-ovn #6665);
#   - a second migration (hv2 -> hv1) aborted by deleting its VMIM, with
#     abortStatus Succeeded: back on hv2 alone;
#   - a VMI without the opt-in annotation: its port is never touched;
#   - the Events on the VMI (TargetNetworkPrepared, PortActivated,
#     PortRolledBack with its reason), the annotation on the pod where the
#     port is bound, each node's Lease;
#   - ovnmigd never wrote a VMI or a VMIM (the stand-in's request log).
#
# SPDX-License-Identifier: Apache-2.0

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovn-hooks-common.sh"

require_root
require_lab_tools
require_tool python3 python3
require_tool socat socat
[ -x "$OVNHOOK_CLI" ] || fail "$OVNHOOK_CLI not built (make)"
. "$top_srcdir/tests/kube/standin-lib.sh"

T=$LAB_TMP
lab_prefix P k
say "lab prefix $P"

# The stand-in listens on the host's loopback; each node's ovnmigd runs in
# its node's network namespace, with a loopback of its own: a relay there
# (socat, through a UNIX socket) brings the same port to the stand-in.
standin_start "$T" --verbose || fail "the stand-in did not start"
LAB_BG_PIDS+=("$STANDIN_PID")
KPORT=${STANDIN_URL##*:}
socat UNIX-LISTEN:"$T/standin.sock",fork,mode=600 TCP:127.0.0.1:"$KPORT" \
    </dev/null >/dev/null 2>&1 &
LAB_BG_PIDS+=("$!")
cat >"$T/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: standin
  cluster:
    server: http://127.0.0.1:$KPORT
users:
- name: ovnmigd
  user: {}
contexts:
- name: standin
  context: {cluster: standin, user: ovnmigd}
current-context: standin
EOF

check "lab up: 2 nodes, ovnmigd in Kubernetes mode" \
    lab "$P" up --nodes 2 --ovnmigd-conf "mode = kubernetes" \
    --ovnmigd-conf "kubeconfig = $T/kubeconfig"
for node in hv1 hv2; do
    ip netns exec "$P-$node" socat \
        TCP-LISTEN:"$KPORT",bind=127.0.0.1,fork,reuseaddr \
        UNIX-CONNECT:"$T/standin.sock" </dev/null >/dev/null 2>&1 &
    LAB_BG_PIDS+=("$!")
done
D=$(lab_dir "$P")
eval "$(lab "$P" env central)"

# kapi METHOD PATH [JSON [CONTENT-TYPE]]: one request to the stand-in;
# the reply's JSON on stdout.
kapi() {
    "$PYTHON" - "$1" "$STANDIN_URL$2" "${3:-}" "${4:-application/json}" <<'PY'
import sys, urllib.request, urllib.error
method, url, body, ctype = sys.argv[1:5]
req = urllib.request.Request(url, method=method,
                             data=body.encode() if body else None,
                             headers={"Content-Type": ctype})
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stderr.write("%s %s: %s\n" % (method, url, e.read().decode()))
    sys.exit(1)
PY
}
# jget FIELD: a field of the JSON on stdin (dotted path).
jget() {
    "$PYTHON" -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}
merge() { kapi PATCH "$1" "$2" application/merge-patch+json >/dev/null; }
VMIS=/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstances
VMIMS=/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstancemigrations
PODS=/api/v1/namespaces/default/pods
OPTIN='"kubevirt.io/allow-pod-bridge-network-live-migration": ""'

# lsp FIELD: the LSP's options or external_ids key (empty if unset).
lsp_opt() { ovn-nbctl --bare get Logical_Switch_Port "$PORT" "options:$1" 2>/dev/null || true; }
lsp_ext() { ovn-nbctl --bare get Logical_Switch_Port "$PORT" "external_ids:\"$1\"" 2>/dev/null || true; }
lsp_state() { echo "rc=$(lsp_opt requested-chassis) act=$(lsp_opt activation-strategy) uid=$(lsp_ext ovnmig:migration-uid)" | tr -d '"'; }
# wait_lsp DESCRIPTION EXPECTED SECONDS: until lsp_state says EXPECTED.
wait_lsp() {
    local i state
    for i in $(seq $(( $3 * 10 ))); do
        state=$(lsp_state)
        [ "$state" = "$2" ] && { say "ok: $1 ($state)"; return 0; }
        sleep 0.1
    done
    for node in hv1 hv2; do
        echo "--- $node kube/list"
        ovs-appctl -t "$D/$node/ovnmigd.ctl" kube/list 2>&1 | sed 's/^/    | /'
        grep -i 'kube' "$D/$node/ovnmigd.log" | tail -n 8 | sed 's/^/    | /'
    done
    fail "$1: the LSP says \"$state\", not \"$2\""
}
# stays_lsp DESCRIPTION EXPECTED SECONDS: the LSP keeps EXPECTED that long.
stays_lsp() {
    local i state
    for i in $(seq $(( $3 * 10 ))); do
        state=$(lsp_state)
        [ "$state" = "$2" ] || fail "$1: the LSP went to \"$state\""
        sleep 0.1
    done
    say "ok: $1 ($state for $3 s)"
}
appctl() { ovs-appctl -t "$D/$1/ovnmigd.ctl" "${@:2}"; }

# ---------------------------------------------------------------- a VM on hv1

PORT=vm1.default MAC=0a:58:0a:64:00:32 IP=10.100.0.50
check "the VM's pod network on hv1 (its LSP)" \
    lab "$P" pod add "$PORT" --node hv1 --ip "$IP/24" --mac "$MAC"
out=$(hook_cli "$P" hv1 port-set vm1 default "$MAC" "$IP" hv1) \
    || fail "port-set: $out"
OTHER=vm2.default
check "a VM without the annotation, on hv1" \
    lab "$P" pod add "$OTHER" --node hv1 --ip 10.100.0.51/24
out=$(hook_cli "$P" hv1 port-set vm2 default 0a:58:0a:64:00:33 10.100.0.51 hv1) \
    || fail "port-set: $out"

vmi_uid=$(kapi POST "$VMIS" '{"apiVersion": "kubevirt.io/v1",
  "kind": "VirtualMachineInstance",
  "metadata": {"name": "vm1", "annotations": {'"$OPTIN"'},
               "labels": {"kubevirt.io/nodeName": "hv1"}},
  "spec": {"domain": {"devices": {}}},
  "status": {"phase": "Running", "nodeName": "hv1"}}' | jget metadata.uid) \
    || fail "create the VMI"
launcher_pod() {    # launcher_pod NAME NODE|- PHASE [MIGRATION-UID]
    local labels='"kubevirt.io": "virt-launcher", "kubevirt.io/created-by": "'$vmi_uid'"'
    local node='"nodeName": "'$2'", '
    [ -z "${4:-}" ] || labels+=', "kubevirt.io/migrationJobUID": "'$4'"'
    [ "$2" != - ] || node=
    kapi POST "$PODS" '{"apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "'$1'", "labels": {'"$labels"'},
                   "annotations": {"kubevirt.io/domain": "vm1", '"$OPTIN"'}},
      "spec": {'"$node"'
               "containers": [{"name": "compute", "image": "virt-launcher"}]}}' \
        >/dev/null || fail "create pod $1"
    kapi PATCH "$PODS/$1/status" '{"status": {"phase": "'$3'"}}' \
        application/merge-patch+json >/dev/null || fail "pod $1 $3"
}
launcher_pod virt-launcher-vm1-src hv1 Running
kapi POST "$VMIS" '{"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
  "metadata": {"name": "vm2", "labels": {"kubevirt.io/nodeName": "hv1"}},
  "spec": {"domain": {"devices": {}}},
  "status": {"phase": "Running", "nodeName": "hv1"}}' >/dev/null \
    || fail "create VMI vm2"

wait_lsp "the running VM is left alone" "rc=hv1 act= uid=" 5
for i in $(seq 100); do
    appctl hv1 kube/list | grep -q "$PORT.*the VM runs here" && break
    sleep 0.1
done
assert_match "hv1 follows the VM" "$PORT +none .*the VM runs here" "$(appctl hv1 kube/list)"

# ---------------------------------------------------------------- migration 1

# new_vmim NAME: a VMIM of vm1, in phase Scheduling; its UID on stdout.
new_vmim() {
    local uid
    uid=$(kapi POST "$VMIMS" '{"apiVersion": "kubevirt.io/v1",
      "kind": "VirtualMachineInstanceMigration",
      "metadata": {"name": "'$1'"}, "spec": {"vmiName": "vm1"}}' | jget metadata.uid) \
        || return 1
    kapi PATCH "$VMIMS/$1/status" '{"status": {"phase": "Scheduling"}}' \
        application/merge-patch+json >/dev/null || return 1
    echo "$uid"
}
mig1=$(new_vmim mig1) || fail "create VMIM mig1"
# The target pod exists, Pending (hotplug volumes), already on hv2; its
# network is plugged there (the CNI's job).
check "the target's copy of the port on hv2" \
    plug_copy "$P" hv2 copy "$PORT" "$MAC" "$IP/24"
COPY=$P-pod-copy
# Before the scheduler gave it a node, no node acts on it (kube-ovn #6823).
launcher_pod virt-launcher-vm1-dst - Pending "$mig1"
stays_lsp "a target pod without a node moves nothing" "rc=hv1 act= uid=" 2
t0=$(now_ms)
kapi POST "$PODS/virt-launcher-vm1-dst/binding" '{"apiVersion": "v1",
  "kind": "Binding", "metadata": {"name": "virt-launcher-vm1-dst"},
  "target": {"kind": "Node", "name": "hv2"}}' >/dev/null \
    || fail "bind the target pod to hv2"
wait_lsp "a Pending target pod on hv2 adds hv2 as a chassis" \
    "rc=hv1,hv2 act=rarp uid=$mig1" 15
say "target pod to the LSP on both chassis: $(( $(now_ms) - t0 )) ms"
sb_additional() {
    local u
    for u in $(ovn-sbctl --bare get Port_Binding "$PORT" additional_chassis | tr -d '[],'); do
        ovn-sbctl --bare get Chassis "$u" name
    done | xargs
}
for i in $(seq 100); do
    [ "$(sb_additional)" = hv2 ] && break
    sleep 0.1
done
assert_eq "the SB binds the copy on hv2 as additional chassis" hv2 "$(sb_additional)"

# KubeVirt's order: the VMI names its target, the migration runs.
merge "$VMIS/vm1" '{"metadata": {"labels": {"kubevirt.io/migrationTargetNodeName": "hv2"}},
  "status": {"migrationState": {"migrationUid": "'$mig1'", "sourceNode": "hv1",
                                "targetNode": "hv2"}}}' || fail "VMI target"
for phase in PreparingTarget TargetReady Running; do
    kapi PATCH "$VMIMS/mig1/status" '{"status": {"phase": "'$phase'"}}' \
        application/merge-patch+json >/dev/null || fail "mig1 $phase"
done
merge "$PODS/virt-launcher-vm1-dst" \
    '{"metadata": {"annotations": {"kubevirt.io/migration-target-ready-timestamp": "now"}}}'
kapi PATCH "$PODS/virt-launcher-vm1-dst/status" '{"status": {"phase": "Running"}}' \
    application/merge-patch+json >/dev/null
stays_lsp "under way, nothing moves before the end" "rc=hv1,hv2 act=rarp uid=$mig1" 2
# The guest resumes on hv2: QEMU's RARP activates the copy there (OVN).
send_rarp "$COPY" "$MAC" || fail "RARP from the copy"
# Every watch ends with 410 Expired, its history compacted (a relist),
# and the end comes meanwhile: virt-handler's status, then the
# controller's.
standin_ctl POST /standin/compact >/dev/null || fail "compact"
standin_ctl POST /standin/watches/expire >/dev/null || fail "expire the watches"
merge "$VMIS/vm1" '{"status": {"migrationState": {"completed": true}}}'
t0=$(now_ms)
wait_lsp "migrationState completed: the port on hv2 alone" "rc=hv2 act= uid=" 10
say "completed to the LSP on hv2 alone: $(( $(now_ms) - t0 )) ms"
kapi PATCH "$VMIMS/mig1/status" '{"status": {"phase": "Succeeded"}}' \
    application/merge-patch+json >/dev/null
merge "$VMIS/vm1" '{"metadata": {"labels": {"kubevirt.io/nodeName": "hv2",
  "kubevirt.io/migrationTargetNodeName": null}}, "status": {"nodeName": "hv2"}}'
kapi PATCH "$PODS/virt-launcher-vm1-src/status" '{"status": {"phase": "Succeeded"}}' \
    application/merge-patch+json >/dev/null
stays_lsp "the end, seen by both nodes" "rc=hv2 act= uid=" 2

# events_of VMI: "REASON: message" lines of the Events on that VMI.
events_of() {
    kapi GET /api/v1/namespaces/default/events | "$PYTHON" -c 'import json, sys
for e in json.load(sys.stdin)["items"]:
    if e["involvedObject"]["name"] == sys.argv[1]:
        print("%s %s: %s" % (e["type"], e["reason"], e["message"]))' "$1"
}
# wait_event VMI REASON: until that Event is written (5 s).
wait_event() {
    local i
    for i in $(seq 50); do
        events_of "$1" | grep -q " $2: " && return 0
        sleep 0.1
    done
    events_of "$1" | sed 's/^/    | /'
    fail "no $2 Event on VMI $1"
}
wait_event vm1 TargetNetworkPrepared
wait_event vm1 PortActivated
ev=$(events_of vm1)
say "Events on vm1:"
sed 's/^/    | /' <<<"$ev"
assert_match "TargetNetworkPrepared names hv2 and the migration" \
    "Normal TargetNetworkPrepared: .*hv2 .*$PORT .*$mig1.*bound [0-9]+ ms" "$ev"
assert_match "PortActivated: on hv2 alone" "Normal PortActivated: .*$PORT on hv2 alone" "$ev"
assert_eq "one PortActivated (one move, one Event)" 1 "$(grep -c PortActivated <<<"$ev")"
pod_note() {
    kapi GET "$PODS/$1" | "$PYTHON" -c 'import json, sys
print(json.load(sys.stdin)["metadata"].get("annotations", {}).get("ovnmig.io/port", ""))'
}
for i in $(seq 50); do
    [ "$(pod_note virt-launcher-vm1-dst)" = "$PORT on hv2" ] && break
    sleep 0.1
done
assert_eq "the target pod's annotation" "$PORT on hv2" "$(pod_note virt-launcher-vm1-dst)"

# ---------------------------------------------------------------- restarts

for node in hv1 hv2; do
    check "kill ovnmigd on $node" lab "$P" kill ovnmigd "$node"
done
for node in hv1 hv2; do
    check "start ovnmigd on $node (lists the old VMIM again)" lab "$P" start ovnmigd "$node"
done
for i in $(seq 100); do
    appctl hv2 kube/list 2>/dev/null | grep -q "$PORT" && break
    sleep 0.1
done
assert_match "hv2 follows the VM after its restart" "$PORT" "$(appctl hv2 kube/list)"
stays_lsp "the old, Succeeded VMIM replayed changes nothing" "rc=hv2 act= uid=" 3

kapi DELETE "$PODS/virt-launcher-vm1-src" >/dev/null || fail "delete the source pod"
stays_lsp "the finished source pod deleted: the port stays" "rc=hv2 act= uid=" 2
pg=$(ovn-nbctl --bare --columns=ports find Port_Group name=ovnmig_vms)
lsp_uuid=$(ovn-nbctl --bare --columns=_uuid find Logical_Switch_Port name="$PORT")
assert_match "the port is still in the port group ovnmig_vms" "$lsp_uuid" "$pg"

# ---------------------------------------------------------------- migration 2, aborted

mig2=$(new_vmim mig2) || fail "create VMIM mig2"
launcher_pod virt-launcher-vm1-back hv1 Pending "$mig2"
wait_lsp "a second migration: hv1 added" "rc=hv2,hv1 act=rarp uid=$mig2" 15
merge "$VMIS/vm1" '{"metadata": {"labels": {"kubevirt.io/migrationTargetNodeName": "hv1"}},
  "status": {"migrationState": {"migrationUid": "'$mig2'", "sourceNode": "hv2",
                                "targetNode": "hv1", "completed": false}}}'
kapi DELETE "$VMIMS/mig2" >/dev/null || fail "delete VMIM mig2 (abort)"
merge "$VMIS/vm1" '{"status": {"migrationState": {"abortStatus": "Succeeded",
  "failed": true, "completed": true}}}'
wait_lsp "aborted: back on hv2 alone" "rc=hv2 act= uid=" 10
wait_event vm1 PortRolledBack
assert_match "PortRolledBack: a warning with its reason" \
    "Warning PortRolledBack: .*$PORT back on hv2 alone .*$mig2.*: the migration failed or was aborted" \
    "$(events_of vm1)"
kapi DELETE "$PODS/virt-launcher-vm1-back" >/dev/null
stays_lsp "the aborted target pod gone: nothing moves" "rc=hv2 act= uid=" 2

# ---------------------------------------------------------------- the rest

PORT=$OTHER
assert_eq "the VM without the annotation: untouched" "rc=hv1 act= uid=" "$(lsp_state)"
for node in hv1 hv2; do
    holder=$(kapi GET "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/ovnmigd-$node" \
             | jget spec.holderIdentity) || fail "no Lease for $node"
    assert_eq "$node's Lease" "$node" "$holder"
    c=$(appctl "$node" counters/show)
    assert_match "$node: its lists are done" "synced 1" "$c"
    say "$node: $(grep -E '^kube-' <<<"$c" | xargs)"
done
# The stand-in logs every request: ovnmigd only reads (and watches).
reqs=$(standin_ctl GET /standin/requests) || fail "the stand-in's request log"
summary=$("$PYTHON" -c 'import json, sys
reqs = [r for r in json.load(sys.stdin)["requests"]
        if r["agent"].startswith("ovnmigd/")]
writes = [r for r in reqs if r["method"] != "GET"
          and "/apis/kubevirt.io/" in r["path"]]
print(len(reqs), len([r for r in reqs if "watch=1" in r["query"]]), len(writes))
for r in writes:
    print(r["method"], r["path"])' <<<"$reqs")
say "ovnmigd's requests to the stand-in: total, watches, KubeVirt writes: $(head -n1 <<<"$summary")"
assert_match "ovnmigd read and watched" '^[1-9][0-9]* [1-9][0-9]* ' "$summary"
assert_eq "ovnmigd wrote no VMI or VMIM" 0 "$(head -n1 <<<"$summary" | cut -d' ' -f3)"
pass
