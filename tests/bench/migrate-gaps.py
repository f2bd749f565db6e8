#!/usr/bin/env python3
# migrate-gaps -- where one migration's network outage went, for
# tests/bench/bench-migrate.sh.  Reads the pinger's log ("ping -D", 10 ms)
# and a capture of the VM's port on the target node (its veth in the node's
# namespace: "tcpdump -w", ICMP and RARP), and prints one line:
#
#   outage=MS cutover=MS resume=MS net=MS guest=MS sent=N got=N
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
# A field is -1 when the capture does not tell (no RARP seen).
#
#   migrate-gaps.py PING-LOG PCAP
#
# SPDX-License-Identifier: Apache-2.0
import re
import subprocess
import sys


def main():
    ping_log, pcap = sys.argv[1:3]
    replies, sent = [], 0
    for line in open(ping_log, errors="replace"):
        m = re.match(r"^\[(\d+\.\d+)\] .*bytes from", line)
        if m:
            replies.append(float(m.group(1)))
        m = re.match(r"^(\d+) packets transmitted", line)
        if m:
            sent = int(m.group(1))
    outage = max([b - a for a, b in zip(replies, replies[1:])] or [0])

    try:
        text = subprocess.run(["tcpdump", "-nn", "-tt", "-r", pcap],
                              capture_output=True, text=True,
                              check=False).stdout.splitlines()
    except OSError:
        text = []
    rarps = [float(l.split()[0]) for l in text if "Reverse Request" in l]
    requests = [float(l.split()[0]) for l in text if "echo request" in l]
    answers = [float(l.split()[0]) for l in text if "echo reply" in l]

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

    ms = lambda v: -1 if v < 0 else round(v * 1000)
    print("outage=%d cutover=%d resume=%d net=%d guest=%d sent=%d got=%d"
          % (ms(outage), ms(cutover), ms(resume), ms(net), ms(guest), sent,
             len(replies)))


if __name__ == "__main__":
    main()
