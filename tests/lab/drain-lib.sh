# tests/lab/drain-lib.sh -- helpers for node drains with real guests
# (tests/lab/drain-limits.sh, tests/bench/drain-lab.sh); sourced after
# lib.sh and require_vm_lab.  The functions want D (the lab's directory).
# shellcheck shell=bash

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
