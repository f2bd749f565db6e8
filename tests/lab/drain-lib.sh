# tests/lab/drain-lib.sh -- helpers for node drains with real guests
# (tests/lab/drain-limits.sh, tests/bench/drain-lab.sh); sourced after
# lib.sh.  The functions after drain_require want D (the lab's directory).
# shellcheck shell=bash

# drain_require: skip unless the lab's tools and QEMU are there; fail unless
# ovnmigd and ovnmigctl are built; build the test guest.  Sets ctl (the
# ovnmigctl to run) and guest (the guest's directory).
drain_require() {
    require_lab_tools
    require_tool qemu-system-x86 qemu-system-x86_64
    require_tool busybox-static busybox
    require_tool openssl openssl
    ctl=$top_builddir/utilities/ovnmigctl
    [ -x "$top_builddir/daemon/ovnmigd" ] || fail "daemon/ovnmigd is not built"
    [ -x "$ctl" ] || fail "utilities/ovnmigctl is not built"
    guest=$top_builddir/tests/guest/out
    "$top_srcdir/tests/guest/build-guest.sh" "$guest" >/dev/null \
        || fail "cannot build the test guest"
    export OVNMIG_GUEST_DIR=$guest
}

# drain_vm_yaml NAME EVICTION-STRATEGY LABELS: a 128 MiB test guest in
# namespace default; LABELS in YAML flow style ("bw: low", or "").
drain_vm_yaml() {
    cat <<EOF
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: $1
  namespace: default
spec:
  template:
    metadata:
      labels: {$3}
      annotations:
        kubevirt.io/allow-pod-bridge-network-live-migration: ""
    spec:
      evictionStrategy: $2
      domain:
        resources:
          requests:
            memory: 128Mi
        devices:
          interfaces:
          - name: default
            bridge: {}
        firmware:
          kernelBoot:
            kernelArgs: console=ttyS0 panic=-1
            container:
              kernelPath: $guest/vmlinuz
              initrdPath: $guest/initramfs.gz
      networks:
      - name: default
        pod: {}
EOF
}

# drain_wait_leases NODE SECONDS VM...: until each guest on NODE has its
# DHCP lease (it has booted), in SECONDS in all.
drain_wait_leases() {
    local node=$1 deadline=$(( $(now_ms) + $2 * 1000 )) vm log
    shift 2
    for vm in "$@"; do
        log=$D/$node/ovnmigd/vms/$vm.default/console.log
        until grep -aq "OVNMIG-LEASE event=bound" "$log" 2>/dev/null; do
            [ "$(now_ms)" -lt "$deadline" ] || return 1
            sleep 0.1
        done
    done
}

# drain_migs UID...: those migrations, a line each, in start order:
# VM SOURCE TARGET PHASE START-MS END-MS POLICY BANDWIDTH SENT-BYTES
# QEMU-TOTAL-MS DOWNTIME-MS (POLICY "-" for none).
drain_migs() {
    "$ctl" --json migration list | python3 -c '
import json, sys
want = set(sys.argv[1:])
rows = [m for m in json.load(sys.stdin) if m["uid"] in want]
for m in sorted(rows, key=lambda m: (m["startTimestamp"], m["uid"])):
    p, s = m["progress"], m["settings"]
    print(m["vm"], m["sourceNode"], m["targetNode"] or "-", m["phase"],
          m["startTimestamp"], m["endTimestamp"], m["policy"] or "-",
          s.get("bandwidth", "-"), p.get("transferred", 0),
          p.get("totalMs", 0), p.get("downtimeMs", -1))
' "$@"
}

# drain_uids: the uids of every migration in the cluster database.
drain_uids() {
    "$ctl" --json migration list \
        | python3 -c 'import json,sys; [print(m["uid"]) for m in json.load(sys.stdin)]'
}
