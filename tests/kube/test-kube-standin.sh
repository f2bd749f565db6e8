#!/bin/bash
# The Kubernetes API stand-in (tests/kube/kube-standin) speaks what real
# clients speak: the real kubectl applies a virt-launcher pod, a VMI, a
# VMIM, a Lease and an Event from YAML, reads them back as JSON, patches
# them three ways (strategic, merge, JSON patch), sees a change arrive on
# "get -w", pages a list, and deletes them.  On the way it checks the
# real server's rules that ovnmig's client relies on: status
# subresources as KubeVirt's CRDs have them, label and field selectors
# (and the refusal of a field the server does not index), conflicts on a
# stale resourceVersion, events.k8s.io/v1 and core/v1 views of one Event,
# graceful deletion of a pod on a node.  No real kube-apiserver can run on
# this machine: this is the stand-in, and it says so.
#
# KUBECTL names the kubectl to drive (default: the one on PATH, e.g.
# Debian's kubernetes-client).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
KUBECTL=${KUBECTL:-kubectl}

fail() { echo "FAIL: test-kube-standin: $*"; exit 1; }
ok() { echo "ok: $*"; }
command -v python3 >/dev/null || { echo "SKIP: python3 not found (apt-get install python3)"; exit 77; }
command -v "$KUBECTL" >/dev/null || { echo "SKIP: kubectl not found (apt-get install kubernetes-client)"; exit 77; }

. "$top_srcdir/tests/kube/standin-lib.sh"
dir=$(mktemp -d /tmp/test-kube-standin.XXXXXX) || fail "mktemp"
WATCH_PID=
cleanup() {
    [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
    standin_stop
    rm -rf "$dir"
}
trap cleanup EXIT
echo "kube-standin: a stand-in for the Kubernetes API server (no real one runs here)"
standin_start "$dir" || fail "the stand-in did not start"
echo "stand-in at $STANDIN_URL"

# No kubeconfig of the machine's user may leak in.
export KUBECONFIG=$dir/no-kubeconfig
k() { "$KUBECTL" --server="$STANDIN_URL" --cache-dir="$dir/cache" --request-timeout=20s "$@"; }
# jget FILE EXPR: EXPR evaluated in Python with the JSON of FILE as o.
jget() { "$PYTHON" -c 'import json, sys; o = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# wait_for WHAT CMD...: up to 10 s for CMD to succeed.
wait_for() {
    local what=$1 i
    shift
    for i in $(seq 100); do
        "$@" && return 0
        sleep 0.1
    done
    fail "timed out waiting for $what"
}

k version >"$dir/version" 2>&1 || { cat "$dir/version"; fail "kubectl version"; }
cat "$dir/version"
grep -q 'v1.28.0' "$dir/version" || fail "kubectl did not see the server's version"
ok "kubectl talks to the stand-in"

cat >"$dir/pod.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: virt-launcher-vm1-abcde
  namespace: default
  labels:
    kubevirt.io: virt-launcher
    kubevirt.io/created-by: 6a1d6f2c-0000-4000-8000-000000000001
  annotations:
    kubevirt.io/domain: vm1
    kubevirt.io/allow-pod-bridge-network-live-migration: ""
spec:
  nodeName: node1
  containers:
  - name: compute
    image: quay.io/kubevirt/virt-launcher:v1.2.0
EOF
cat >"$dir/vmi.yaml" <<'EOF'
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: vm1
  namespace: default
  labels:
    kubevirt.io/nodeName: node1
  annotations:
    kubevirt.io/allow-pod-bridge-network-live-migration: ""
spec:
  domain:
    devices: {}
    resources:
      requests:
        memory: 128Mi
status:
  nodeName: node1
  phase: Running
EOF
cat >"$dir/vmim.yaml" <<'EOF'
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstanceMigration
metadata:
  name: vm1-migration
  namespace: default
spec:
  vmiName: vm1
status:
  phase: Succeeded
EOF

out=$(k apply -f "$dir/pod.yaml" -f "$dir/vmi.yaml" -f "$dir/vmim.yaml" 2>&1) || { echo "$out"; fail "apply"; }
echo "$out"
[ "$(echo "$out" | grep -c created)" = 3 ] || fail "apply did not create the three objects"
k get pod virt-launcher-vm1-abcde -o json >"$dir/pod.json" || fail "get pod"
[ "$(jget "$dir/pod.json" 'o["status"]["phase"]')" = Pending ] || fail "a new pod's status is not the server's Pending"
[ -n "$(jget "$dir/pod.json" 'o["metadata"]["uid"]')" ] || fail "no uid"
jget "$dir/pod.json" 'o["metadata"]["resourceVersion"]' | grep -qE '^[0-9]+$' || fail "resourceVersion"
k get vmi vm1 -o json >"$dir/vmi.json" || fail "get vmi"
[ "$(jget "$dir/vmi.json" 'o["status"]["nodeName"]')" = node1 ] || fail "a VMI (no status subresource) lost its status"
[ "$(jget "$dir/vmi.json" 'o["metadata"]["generation"]')" = 1 ] || fail "a CRD's generation"
k get vmim vm1-migration -o json >"$dir/vmim.json" || fail "get vmim"
[ "$(jget "$dir/vmim.json" '"status" in o')" = False ] || fail "a VMIM (status subresource) kept a status given on create"
ok "apply and get -o json, with KubeVirt's status subresources"

[ "$(k get pods --field-selector spec.nodeName=node1 -o name)" = pod/virt-launcher-vm1-abcde ] || fail "field selector spec.nodeName=node1"
[ -z "$(k get pods --field-selector spec.nodeName=node2 -o name 2>/dev/null)" ] || fail "field selector spec.nodeName=node2"
[ "$(k get pods -l 'kubevirt.io=virt-launcher,kubevirt.io/created-by' -o name)" = pod/virt-launcher-vm1-abcde ] || fail "label selector"
[ "$(k get vmi -l 'kubevirt.io/nodeName in (node0,node1)' -o name)" = virtualmachineinstance.kubevirt.io/vm1 ] || fail "label selector in (...)"
out=$(k get vmi --field-selector status.nodeName=node1 2>&1) && fail "a field selector on a CRD's status was served"
echo "$out" | grep -q 'field label not supported' || { echo "$out"; fail "the refusal does not say why"; }
ok "label and field selectors, and the fields the real server does not index"

# (No --request-timeout: it would end the watch.)
"$KUBECTL" --server="$STANDIN_URL" --cache-dir="$dir/cache" get vmi vm1 -w \
    --output-watch-events -o json >"$dir/watch.out" 2>"$dir/watch.err" &
WATCH_PID=$!
watching() { standin_ctl GET /standin/watches | grep -q virtualmachineinstances; }
wait_for "kubectl's watch" watching
k patch vmi vm1 --type=merge -p '{"metadata":{"labels":{"kubevirt.io/migrationTargetNodeName":"node2"}}}' || fail "merge patch"
# watch_events FILE: the type and migration target label of each event.
watch_events() {
    "$PYTHON" - "$1" <<'EOF'
import json, sys
text, dec, i = open(sys.argv[1]).read(), json.JSONDecoder(), 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    try:
        ev, i = dec.raw_decode(text, i)
    except ValueError:
        break
    labels = ev["object"]["metadata"].get("labels", {})
    print(ev["type"], labels.get("kubevirt.io/migrationTargetNodeName", "-"))
EOF
}
saw() { watch_events "$dir/watch.out" | grep -qx "$1"; }
wait_for "the change on get -w" saw "MODIFIED node2"
[ "$(watch_events "$dir/watch.out" | head -1)" = "ADDED -" ] || fail "get -w did not start with the object"
ok "get -w sees the merge patch"

k patch pod virt-launcher-vm1-abcde -p '{"metadata":{"labels":{"ovnmig.io/seen":"yes"}}}' || fail "strategic merge patch"
k patch pod virt-launcher-vm1-abcde --type=json -p '[{"op":"add","path":"/metadata/annotations/ovnmig.io~1network","value":"vm1.default on node1"}]' || fail "JSON patch"
k patch pod virt-launcher-vm1-abcde --type=merge -p '{"metadata":{"labels":{"ovnmig.io/seen":null}}}' || fail "merge patch removing a label"
k get pod virt-launcher-vm1-abcde -o json >"$dir/pod.json"
[ "$(jget "$dir/pod.json" 'o["metadata"]["annotations"]["ovnmig.io/network"]')" = "vm1.default on node1" ] || fail "JSON patch result"
[ "$(jget "$dir/pod.json" '"ovnmig.io/seen" in o["metadata"]["labels"]')" = False ] || fail "merge patch null did not remove"
out=$(k patch pod virt-launcher-vm1-abcde --type=merge -p '{"spec":{"nodeName":"node2"}}' 2>&1) && fail "a pod's nodeName changed by a patch"
echo "$out" | grep -q 'Forbidden' || { echo "$out"; fail "the refusal of a nodeName change"; }
ok "patch: strategic, JSON, merge; a pod's node is immutable"

k get vmi vm1 -o json >"$dir/stale.json"
k patch vmi vm1 --type=merge -p '{"metadata":{"annotations":{"x":"1"}}}' >/dev/null || fail "patch"
out=$(k replace -f "$dir/stale.json" 2>&1) && fail "a stale update was accepted"
echo "$out" | grep -q 'the object has been modified' || { echo "$out"; fail "the conflict's message"; }
ok "a stale resourceVersion is a conflict"

for i in 1 2 3; do
    k run "pod$i" --image=busybox --restart=Never --overrides='{"apiVersion":"v1","spec":{"nodeName":"node2"}}' >/dev/null || fail "kubectl run"
done
standin_ctl DELETE /standin/requests >/dev/null
[ "$(k get pods --chunk-size=2 -o name | wc -l)" = 4 ] || fail "a paged list"
standin_ctl GET /standin/requests | grep -q 'continue=' || fail "kubectl did not page (no continue)"
ok "limit and continue"

cat >"$dir/event.yaml" <<'EOF'
apiVersion: events.k8s.io/v1
kind: Event
metadata:
  name: vm1.ovnmig.1
  namespace: default
eventTime: "2024-01-01T00:00:00.000000Z"
reportingController: ovnmig.io/ovnmigd
reportingInstance: ovnmigd-node2
action: Activate
reason: PortActivated
type: Normal
regarding:
  apiVersion: kubevirt.io/v1
  kind: VirtualMachineInstance
  name: vm1
  namespace: default
note: port vm1.default active on node2
EOF
k create -f "$dir/event.yaml" || fail "create an events.k8s.io/v1 Event"
k get --raw /api/v1/namespaces/default/events >"$dir/events.json" || fail "core/v1 events"
[ "$(jget "$dir/events.json" 'o["items"][0]["message"]')" = "port vm1.default active on node2" ] || fail "core/v1 view of the event"
[ "$(jget "$dir/events.json" 'o["items"][0]["involvedObject"]["name"]')" = vm1 ] || fail "core/v1 involvedObject"
sed '/^action:/d; s/vm1.ovnmig.1/vm1.ovnmig.2/' "$dir/event.yaml" >"$dir/bad-event.yaml"
out=$(k create -f "$dir/bad-event.yaml" 2>&1) && fail "an events.k8s.io/v1 Event without action was accepted"
echo "$out" | grep -q 'is invalid' || { echo "$out"; fail "the refusal of an invalid Event"; }
cat >"$dir/lease.yaml" <<'EOF'
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: ovnmigd-node1
  namespace: kube-node-lease
spec:
  holderIdentity: node1
  leaseDurationSeconds: 40
  renewTime: "2024-01-01T00:00:00.000000Z"
EOF
k apply -f "$dir/lease.yaml" >/dev/null || fail "apply a Lease"
[ "$(k get lease -n kube-node-lease ovnmigd-node1 -o jsonpath='{.spec.holderIdentity}')" = node1 ] || fail "get the Lease"
ok "Events in both views, Leases"

k delete pod virt-launcher-vm1-abcde || fail "delete a pod"
out=$(k get pod virt-launcher-vm1-abcde 2>&1) && fail "the pod outlived its deletion"
echo "$out" | grep -q NotFound || { echo "$out"; fail "a deleted pod is not NotFound"; }
k delete vmi vm1 || fail "delete the VMI"
wait_for "DELETED on get -w" saw "DELETED node2"
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
WATCH_PID=
ok "delete, seen by get -w"
echo "PASS: test-kube-standin"
