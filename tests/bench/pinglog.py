# pinglog -- the replies in a pinger's log ("ping -D"), and the rule every
# figure drawn from them obeys: the guest answered both before the move and
# after it.  A longest gap between replies from a guest that never
# answered, or that stopped answering as it moved, is 0 ms or a gap that
# ends nowhere: not a figure.  Shared by migrate-gaps.py and
# migrate-timeline.py.
#
# SPDX-License-Identifier: Apache-2.0
import re
import sys

REPLY = re.compile(r"^\[(\d+\.\d+)\] .*bytes from.*icmp_seq=(\d+)"
                   r"(?:.* time=([\d.]+) ms)?")
SENT = re.compile(r"^(\d+) packets transmitted")


def read(path, lo=0.0, hi=float("inf")):
    """(replies, sent): [(time, seq, rtt_ms)] of the replies stamped
    between lo and hi (seconds since the epoch), in the log's order, and
    the pings sent as ping counted them at its end (0 when it printed no
    summary).  Raises OSError when the log cannot be read."""
    replies, sent = [], 0
    with open(path, errors="replace") as f:
        for line in f:
            m = REPLY.match(line)
            if m and lo <= float(m.group(1)) <= hi:
                replies.append((float(m.group(1)), int(m.group(2)),
                                float(m.group(3) or -1)))
            m = SENT.match(line)
            if m:
                sent = int(m.group(1))
    return replies, sent


def not_answered(times, sent, start, end):
    """Why the replies at 'times' (seconds since the epoch, ascending) give
    no figure for a move from 'start' to 'end', or None when they do: the
    guest must have answered at or before the start and at or after the
    end."""
    of = "%d of %d pings" % (len(times), sent) if sent else \
        "%d pings" % len(times)
    if not times:
        return "guest never answered: %s" % (
            of if sent else "no reply to any ping")
    if times[0] > start:
        return ("guest never answered before the move: %s answered, the "
                "first %.3f s after the move began" % (of, times[0] - start))
    if times[-1] < end:
        return ("guest never answered after the move: %s answered, the "
                "last %.3f s before the move ended" % (of, end - times[-1]))
    return None


def require_answered(prog, times, sent, start, end):
    """Exits 1, saying why, unless not_answered() finds nothing."""
    why = not_answered(times, sent, start, end)
    if why:
        sys.exit("%s: %s" % (prog, why))
