#!/usr/bin/env python3
# migrate-gaps -- where one migration's network outage went, for
# tests/bench/bench-migrate.sh.  Reads the pinger's log ("ping -D", 10 ms)
# and a capture of the VM's port on the target node (its veth in the node's
# namespace: "tcpdump -w", ICMP and RARP), and prints one line:
#
#   outage=MS cutover=MS resume=MS net=MS guest=MS sent=N got=N \
#       tgt_early=N src_late=N dups=N
#
#   outage   the longest gap between two replies, anywhere (the issue's
#            measure; it also catches stalls at the start of the copy)
#   cutover  the gap around the guest's resumption on the target: from the
#            last reply before its first RARP to the first reply after
#   resume   from that last reply to the first RARP on the target port:
#            the guest's real pause, as the network saw it (QEMU sends the
#            first RARP as it resumes the guest)
#   net      from the resumption until a request reached the port on the
#            target: 0 when one was already queued there (the port was
#            open before the guest ran)
#   guest    from then to the guest's first reply on that port
#
#   tgt_early  echo requests that reached the target's port before its
#            guest resumed there (the first RARP): copies of the guest's
#            traffic sent to a paused QEMU
#   src_late   echo requests that reached the source's port (--source) after
#            the guest resumed on the target: copies sent to a guest that
#            has left
#   dups     replies the pinger saw twice for one request (ping's "DUP!"):
#            a copy that reached the guest too
#
# A field is -1 when the capture does not tell (no RARP seen, or no
# capture given).
#
# --move T0 T1 (seconds since the epoch): when the move was asked for and
# when the caller saw it end.  A figure needs the guest to have answered at
# or before T0 and at or after T1; otherwise the script says why on stderr
# ("guest never answered: 0 of 333 pings") and exits 1.
#
# With --window T0 T1, only the replies and the captured frames between T0
# and T1 count, for a ping log and captures that span several migrations
# (the bare peer); "sent" is then the span of the replies' sequence numbers
# (a loss right at either edge of the window goes uncounted; ping's 16-bit
# sequence wraps after 11 minutes of 10 ms pings, longer than any window
# here).
#
#   migrate-gaps.py [--window T0 T1] [--source PCAP] --move T0 T1 \
#       PING-LOG [PCAP]
#
# SPDX-License-Identifier: Apache-2.0
import argparse
import subprocess
import sys

import pinglog

PROG = "migrate-gaps"


def main():
    ap = argparse.ArgumentParser(prog=PROG)
    ap.add_argument("--window", nargs=2, type=float, metavar=("T0", "T1"),
                   default=[0.0, float("inf")])
    ap.add_argument("--move", nargs=2, type=float, metavar=("T0", "T1"),
                   required=True)
    ap.add_argument("--source", metavar="PCAP",
                    help="a capture of the VM's port on the source node")
    ap.add_argument("ping_log")
    ap.add_argument("pcap", nargs="?")
    args = ap.parse_args()
    lo, hi = args.window
    try:
        pings, sent = pinglog.read(args.ping_log, lo, hi)
    except OSError as e:
        sys.exit("%s: %s: %s" % (PROG, args.ping_log, e.strerror))
    replies = [t for t, _, _ in pings]
    if hi != float("inf"):
        sent = pings[-1][1] - pings[0][1] + 1 if pings else 0
    pinglog.require_answered(PROG, replies, sent, *args.move)
    outage = max([b - a for a, b in zip(replies, replies[1:])] or [0])

    def read_pcap(path):
        if not path:
            return []
        try:
            return subprocess.run(["tcpdump", "-nn", "-tt", "-r", path],
                                  capture_output=True, text=True,
                                  check=False).stdout.splitlines()
        except OSError:
            return []
    text = read_pcap(args.pcap)
    src_text = read_pcap(args.source)
    def when(what, lines=None):
        times = (float(l.split()[0]) for l in (text if lines is None
                                                else lines) if what in l)
        return [t for t in times if lo <= t <= hi]
    rarps = when("Reverse Request")
    requests = when("echo request")
    answers = when("echo reply")

    cutover = resume = net = guest = -1.0
    if rarps and replies:
        t_resume = rarps[0]
        before = [t for t in replies if t <= t_resume]
        after = [t for t in replies if t > t_resume]
        if before and after:
            cutover = after[0] - before[-1]
            resume = t_resume - before[-1]
        queued = [t for t in requests if t <= t_resume]
        later = [t for t in requests if t > t_resume]
        t_in = t_resume if queued else (later[0] if later else None)
        if t_in is not None:
            net = t_in - t_resume
            first = [t for t in answers if t >= t_resume]
            if first:
                guest = max(0.0, first[0] - t_in)

    tgt_early = src_late = -1
    if rarps:
        tgt_early = len([t for t in requests if t < rarps[0]])
        if args.source:
            src_late = len([t for t in when("echo request", src_text)
                            if t > rarps[0]])
    seqs = [q for _, q, _ in pings]
    dups = len(seqs) - len(set(seqs))   # "got" counts each request once

    ms = lambda v: -1 if v < 0 else round(v * 1000)
    print("outage=%d cutover=%d resume=%d net=%d guest=%d sent=%d got=%d "
          "tgt_early=%d src_late=%d dups=%d"
          % (ms(outage), ms(cutover), ms(resume), ms(net), ms(guest), sent,
             len(set(seqs)), tgt_early, src_late, dups))


if __name__ == "__main__":
    main()
