#!/bin/bash
# drain-lab -- a real node drain in the lab, for "make bench-drain" beside
# drain-sim's simulated one: BENCH_DRAIN_VMS (4) idle 128 MiB test guests
# (TCG) with evictionStrategy LiveMigrate leave hv1 of a 3-node lab under
# the default limits (parallelMigrationsPerCluster 5,
# parallelOutboundMigrationsPerNode 2) and bandwidthPerMigration
# BENCH_DRAIN_BANDWIDTH (16Mi: a cap the guests' copy reaches, so that the
# bound means something).  Needs root; about a minute and a half.
#
# Prints each migration (from the records: start and end timestamps, the
# bytes QEMU sent, its total time and downtime), the makespan (first start
# to last end, and the "node drain --wait" command's own time), how many
# ran at once, and the bound drain-sim uses:
#
#     bound = guest memory / (parallelOutboundMigrationsPerNode x bandwidth)
#
# An idle guest's zero pages cost QEMU almost nothing to send, so
# "vs-sent" also compares the makespan with the bytes actually sent at
# that rate.  With DRAIN_SIM_OUT naming drain-sim's output, its RESULT
# line is printed next to this one at the end.
#
#   BENCH_DRAIN_VMS=4 BENCH_DRAIN_BANDWIDTH=16Mi

if [ "$(id -u)" != 0 ]; then
    echo "drain-lab: skipped: the real drain needs root (network namespaces, QEMU)"
    exit 0
fi
. "$(dirname "$0")/../lab/lib.sh"
. "$top_srcdir/tests/lab/drain-lib.sh"
. "$top_srcdir/tests/lab/migrate-lib.sh"     # print_accel
require_vm_lab

N=${BENCH_DRAIN_VMS:-4}
BW=${BENCH_DRAIN_BANDWIDTH:-16Mi}

lab_prefix P b
lab "$P" up --nodes 3 >/dev/null || fail "lab up"
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"

"$ctl" config set "bandwidthPerMigration=$BW" >/dev/null \
    || fail "config set bandwidthPerMigration=$BW"
vms=()
for ((i = 1; i <= N; i++)); do
    guest_vm_yaml "b$i" LiveMigrate "" >"$LAB_TMP/b$i.yaml"
    lab "$P" vm start "b$i" --node hv1 -f "$LAB_TMP/b$i.yaml" \
        --ip "10.100.0.$((49 + i))/24" >/dev/null || fail "vm start b$i"
    vms+=("b$i")
done
drain_wait_leases hv1 $((60 + 30 * N)) "${vms[@]}" \
    || fail "the guests did not boot"
accel=$(print_accel b1)
accel=${accel#accelerator: }

t0=$(now_ms)
"$ctl" -t 300 node drain hv1 --wait >"$LAB_TMP/drain.log" 2>&1 \
    || { cat "$LAB_TMP/drain.log"; fail "node drain hv1 --wait"; }
t1=$(now_ms)
mapfile -t uids < <(drain_uids)
drain_migs "${uids[@]}" >"$LAB_TMP/migs"
read -r limit < <("$ctl" --json config get | python3 -c 'import json,sys
print(json.load(sys.stdin).get("parallelOutboundMigrationsPerNode", 2))' 2>/dev/null \
    || echo 2)

python3 - "$LAB_TMP/migs" "$N" "$BW" "$limit" "$((t1 - t0))" "${DRAIN_SIM_OUT:-}" "$accel" <<'EOF'
import sys
path, n, bw_text, limit, cmd_ms, sim_out, accel = sys.argv[1:8]
n, limit, cmd_ms = int(n), int(limit), int(cmd_ms)
units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
bw = int(bw_text[:-2]) * units[bw_text[-2:]] if bw_text[-2:] in units else int(bw_text)
rows = [l.split() for l in open(path)]
MIB = 2**20
t0 = min(int(r[4]) for r in rows)
print("drain-lab: %d idle 128Mi guests (accelerator: %s) leave hv1 of a 3-node lab; "
      "limits: parallelMigrationsPerCluster 5, parallelOutboundMigrationsPerNode %d; "
      "bandwidthPerMigration %s" % (n, accel, limit, bw_text))
print("  %-4s %-11s %-9s %7s %7s %8s %8s %9s %7s %9s" % (
    "vm", "move", "phase", "start", "end", "time", "qemu", "sent", "MiB/s",
    "downtime"))
sent = 0
busy = 0
for vm, src, dst, phase, start, end, pol, b, xfer, qms, down in rows:
    start, end, xfer, qms = int(start), int(end), int(xfer), int(qms)
    sent += xfer
    busy += end - start
    print("  %-4s %-11s %-9s %6.2fs %6.2fs %7.2fs %7.2fs %6.1fMiB %7.1f %7sms" % (
        vm, src + "->" + dst, phase, (start - t0) / 1e3, (end - t0) / 1e3,
        (end - start) / 1e3, qms / 1e3, xfer / MIB,
        xfer / MIB / (qms / 1e3) if qms else 0, down))
events = sorted([(int(r[4]), 1) for r in rows] + [(int(r[5]), -1) for r in rows],
                key=lambda e: (e[0], e[1]))
cur = peak = 0
for _, d in events:
    cur += d
    peak = max(peak, cur)
makespan = (max(int(r[5]) for r in rows) - t0) / 1e3
memory = n * 128 * MIB
bound = memory / (limit * bw)
sent_bound = sent / (limit * bw)
ok = all(r[3] == "Succeeded" for r in rows)
print("makespan %.2f s (first start to last end); node drain --wait %.2f s; "
      "%s" % (makespan, cmd_ms / 1e3, "all Succeeded" if ok else "NOT all Succeeded"))
print("at most %d at once (limit %d); slots busy %.0f %% of limit x makespan; "
      "per migration %.2f s mean" % (peak, limit,
                                     100 * busy / 1e3 / (limit * makespan),
                                     busy / 1e3 / len(rows)))
print("bound = guest memory / (%d x %s/s) = %.2f s; ratio = makespan / bound = %.3f"
      % (limit, bw_text, bound, makespan / bound))
print("sent %.1f MiB of %d MiB (zero pages cost nearly nothing): "
      "vs-sent = makespan / (sent / (%d x %s/s)) = %.2f / %.2f = %.3f"
      % (sent / MIB, memory // MIB, limit, bw_text, makespan, sent_bound,
         makespan / sent_bound))
result = ("RESULT lab vms=%d bandwidth=%s makespan=%.1fs bound=%.1fs "
          "ratio=%.3f vs-sent=%.3f max-at-once=%d"
          % (n, bw_text, makespan, bound, makespan / bound,
             makespan / sent_bound, peak))
print()
if sim_out:
    for line in open(sim_out):
        if line.startswith("RESULT"):
            print("simulated: " + line.rstrip())
    print("lab:       " + result)
else:
    print(result)
sys.exit(0 if ok and peak <= limit else 1)
EOF
