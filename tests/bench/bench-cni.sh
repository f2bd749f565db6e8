#!/bin/bash
# make bench-cni: CNI ADD and DEL through podman 4.3 (CNI backend) for N
# containers on one node (BENCH_CNI_N, default 100), ovnmig-cni against
# the reference "bridge" plugin with "host-local" IPAM, in the same run,
# with the ratio of the medians; and for ovnmig-cni, when the pod's port
# is up in the Southbound, after ADD returned.
#
# Each plugin is timed by a wrapper around it, in the directory podman
# takes plugins from (bash's EPOCHREALTIME, no fork): the time from the
# plugin's start to its exit, as the runtime waits for it (bridge's
# includes host-local, which it runs).  The SB time comes from
# "ovn-sbctl wait-until Port_Binding LSP up=true", started as ADD returns.
# podman runs as in tests/lab/cni-podman.sh (private configuration and
# storage, unshare -m), inside a network namespace of the lab, where the
# bridge plugin makes its bridge.  Root; about 5 minutes.
set -u -o pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
N=${BENCH_CNI_N:-100}
LAB=$top_srcdir/utilities/ovnmig-lab
CNI=$top_builddir/cni/ovnmig-cni
say() { echo "[bench-cni] $*"; }
die() { echo "FAIL: bench-cni: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
for t in podman unshare nsenter python3 ovn-sbctl; do
    command -v "$t" >/dev/null || die "$t not found"
done
[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] \
    || die "the reference plugins are missing (apt-get install containernetworking-plugins)"
[ -x "$CNI" ] || die "$CNI is not built"

P=bcni$$
P=${P:0:6}
T=$(mktemp -d /tmp/bench-cni.XXXXXX)
. "$top_srcdir/tests/podman-lib.sh"
cleanup() {
    "$LAB" --prefix "$P" down >/dev/null 2>&1
    podman_drop_caches
    rm -rf "$T"
}
trap cleanup EXIT
say "machine: $(nproc) CPUs; load average: $(cut -d' ' -f1-3 /proc/loadavg); $(podman --version)"
"$LAB" --prefix "$P" up --nodes 1 >/dev/null || die "lab up"
D=/run/ovnmig-lab/$P
eval "$("$LAB" --prefix "$P" env hv1)"
ovsdb-client transact "$OVNMIG_DB" '["OVN_Migration",
    {"op": "insert", "table": "Config", "row": {"external_ids": ["map", [["ovnmig-pod-subnet", "10.100.0.0/24"]]]}}]' \
    >/dev/null || die "cannot set the pod subnet"
ip netns add "$P-bench" || die "ip netns add"
ip -n "$P-bench" link set lo up
trap 'ip netns del "$P-bench" 2>/dev/null; cleanup' EXIT

podman_private "$T" sleep
mkdir -p "$T/ipam"
# wrap NAME REAL [SB]: a timing wrapper for plugin NAME.
wrap() {
    cat >"$T/cni-bin/$1" <<EOF
#!/bin/bash
s=\$EPOCHREALTIME
"$2"
rc=\$?
e=\$EPOCHREALTIME
echo "$1 \$CNI_COMMAND \${CNI_CONTAINERID:--} \$s \$e \$rc" >>"$T/times"
if [ -n "${3:-}" ] && [ "\$CNI_COMMAND" = ADD ] && [ \$rc = 0 ]; then
    pod=\$(printf '%s' "\$CNI_ARGS" | tr ';' '\n' | sed -n 's/^K8S_POD_NAME=//p')
    ( ovn-sbctl --timeout=30 wait-until Port_Binding "\$pod.ovnmig" up=true \\
      && echo "sb \$pod \$e \$EPOCHREALTIME" >>"$T/times" ) </dev/null >/dev/null 2>&1 &
fi
exit \$rc
EOF
    chmod +x "$T/cni-bin/$1"
}
wrap ovnmig-cni "$CNI" sb
wrap bridge /usr/lib/cni/bridge
ln -s /usr/lib/cni/host-local "$T/cni-bin/host-local"
ln -s /usr/lib/cni/loopback "$T/cni-bin/loopback"
cat >"$T/net.d/ovnmig.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "ovnmig",
 "plugins": [{"type": "ovnmig-cni", "socket": "$D/hv1/ovnmigd.ctl"}]}
EOF
cat >"$T/net.d/bench-bridge.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "bench-bridge",
 "plugins": [{"type": "bridge", "bridge": "cnibench0", "isGateway": true,
              "ipam": {"type": "host-local", "dataDir": "$T/ipam",
                       "ranges": [[{"subnet": "10.89.0.0/24"}]],
                       "routes": [{"dst": "0.0.0.0/0"}]}}]}
EOF
cat >"$T/inner.sh" <<'EOF'
set -eu
T=$1 P=$2 N=$3
export CONTAINERS_CONF=$T/containers.conf CONTAINERS_STORAGE_CONF=$T/storage.conf
export CONTAINERS_REGISTRIES_CONF=$T/registries.conf TMPDIR=$T/tmp
umount /sys/fs/cgroup/unified 2>/dev/null || true
pm() { podman --cgroup-manager cgroupfs "$@"; }
LIMITS="--ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
tar -C "$T/rootfs" -c . | pm import - localhost/ovnmig-busybox:bench >/dev/null
# Interleaved, so that both see the same machine.
for i in $(seq "$N"); do
    pm run -d --name "o$i" --network ovnmig $LIMITS localhost/ovnmig-busybox:bench sleep 3600 >/dev/null
    pm run -d --name "b$i" --network bench-bridge $LIMITS localhost/ovnmig-busybox:bench sleep 3600 >/dev/null
done
for i in $(seq "$N"); do
    pm rm -f -t 0 "o$i" "b$i" >/dev/null
done
pm rmi -f localhost/ovnmig-busybox:bench >/dev/null
EOF
say "$N containers on each network, one node"
nsenter --net="/run/netns/$P-bench" unshare -m bash "$T/inner.sh" "$T" "$P" "$N" \
    >"$T/inner.log" 2>&1 || { tail -5 "$T/inner.log"; die "podman"; }
sleep 2     # the last wait-until
python3 - "$T/times" "$N" <<'EOF'
import statistics, sys
lines = [l.split() for l in open(sys.argv[1])]
def ms(name, cmd):
    v = [(float(e) - float(s)) * 1000 for n, c, _, s, e, rc in
         (l for l in lines if l[0] != "sb") if n == name and c == cmd and rc == "0"]
    return v
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
res = {}
for name in ("ovnmig-cni", "bridge"):
    for cmd in ("ADD", "DEL"):
        v = ms(name, cmd)
        res[name, cmd] = v
        print(f"[bench-cni] {name:10s} {cmd}: n {len(v):3d}  p50 {q(v, .5):6.1f} ms  "
              f"p90 {q(v, .9):6.1f} ms  max {max(v):6.1f} ms" if v else
              f"[bench-cni] {name} {cmd}: none")
for cmd in ("ADD", "DEL"):
    a, b = res["ovnmig-cni", cmd], res["bridge", cmd]
    if a and b:
        r = statistics.median(a) / statistics.median(b)
        goal = "  (goal: within 2x)" if cmd == "ADD" else ""
        print(f"[bench-cni] ratio {cmd} p50 ovnmig-cni / bridge+host-local: {r:.2f}x{goal}")
sb = [(float(u) - float(e)) * 1000 for t, _, e, u in (l for l in lines if l[0] == "sb")]
if sb:
    print(f"[bench-cni] LSP up in the SB after ovnmig-cni's ADD returned: n {len(sb)}  "
          f"p50 {q(sb, .5):.1f} ms  p90 {q(sb, .9):.1f} ms  max {max(sb):.1f} ms")
ok = all(len(res[k]) == int(sys.argv[2]) for k in res)
sys.exit(0 if ok else 1)
EOF
