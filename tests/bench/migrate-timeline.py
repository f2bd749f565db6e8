#!/usr/bin/env python3
# migrate-timeline -- one live migration on a timeline, as SVG on stdout
# (for tests/bench/bench-migrate.sh; no plotting library needed):
#   - the record's phases, as "ovnmigctl --json migration watch" saw them
#     (each line prefixed with the wall clock by the bench);
#   - bytes remaining, from the record's progress (written once a second);
#   - each ping reply (10 ms pings, "ping -D"), by its round-trip time
#     (none drawn, exit 1, unless the guest answered before the request
#     and after the last line of the watch: tests/bench/pinglog.py);
#   - the daemons' own log lines about the migration (source and target).
#
#   migrate-timeline.py --watch FILE --ping FILE [--log NODE=FILE]...
#                       --uid UID --t0 EPOCH [--pause MS] [--title TEXT]
#
# SPDX-License-Identifier: Apache-2.0
import argparse
import calendar
import json
import re
import sys
import time
from xml.sax.saxutils import escape

import pinglog

PHASE_COLOURS = {
    "Pending": "#d9d9d9", "Scheduling": "#c6dbef", "Scheduled": "#9ecae1",
    "PreparingTarget": "#fdd0a2", "TargetReady": "#fdae6b",
    "Running": "#a1d99b", "Succeeded": "#74c476", "Failed": "#fb6a4a",
}
# What the daemons log about a migration, shortened for the plot.
EVENTS = [
    (r"target ready, listening", "target ready"),
    (r"SB shows .* bound", "SB: target bound (blocked)"),
    (r"naive cutover", "naive: no multi-chassis"),
    (r"QEMU receives", "target QEMU receives"),
    (r"succeeded, now on", "Succeeded, LSP on target"),
]


def parse_args():
    a = argparse.ArgumentParser()
    a.add_argument("--watch", required=True)
    a.add_argument("--ping", required=True)
    a.add_argument("--log", action="append", default=[])
    a.add_argument("--uid", required=True)
    a.add_argument("--t0", type=float, required=True)
    a.add_argument("--pause", type=float, default=-1)
    a.add_argument("--title", default="Live migration")
    return a.parse_args()


def read_watch(path):
    """[(time, record)] for each line of the watch log."""
    out = []
    for line in open(path):
        stamp, _, text = line.partition(" ")
        try:
            out.append((float(stamp), json.loads(text)))
        except ValueError:
            continue
    return out


def read_pings(path):
    """[(time, rtt_ms)] of the replies, and the pings sent."""
    try:
        replies, sent = pinglog.read(path)
    except OSError as e:
        sys.exit("migrate-timeline: %s: %s" % (path, e.strerror))
    return [(t, rtt) for t, _, rtt in replies], sent


def read_log(node, path, uid):
    """[(time, label)] of the daemon's lines about migration 'uid'."""
    out = []
    if not uid:
        return out
    try:
        lines = open(path, errors="replace").readlines()
    except OSError:
        return out
    for line in lines:
        if uid not in line:
            continue
        stamp = line.split("|", 1)[0]
        try:
            t = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"))
            t += float("0" + stamp[19:].rstrip("Z"))
        except ValueError:
            continue
        for rx, label in EVENTS:
            if re.search(rx, line):
                out.append((t, "%s: %s" % (node, label)))
    return out


def main():
    a = parse_args()
    watch = read_watch(a.watch)
    pings, sent = read_pings(a.ping)
    events = []
    for spec in a.log:
        node, _, path = spec.partition("=")
        events += read_log(node, path, a.uid)
    if not watch:
        sys.exit("migrate-timeline: nothing in %s" % a.watch)
    pinglog.require_answered("migrate-timeline", [t for t, _ in pings], sent,
                             a.t0, watch[-1][0])
    t0 = a.t0
    t_end = max([t for t, _ in watch] + [t for t, _ in pings[-1:]]) - t0
    t_start = min([0.0] + [t - t0 for t, _ in pings[:1]])

    W, H = 1000, 620
    L, R = 90, 30                       # plot margins
    x = lambda t: L + (t - t_start) / (t_end - t_start) * (W - L - R)
    svg = []
    add = svg.append
    add('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
        'font-family="sans-serif" font-size="11">' % (W, H))
    add('<rect width="100%" height="100%" fill="white"/>')
    add('<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>'
        % (L, escape(a.title)))

    # Phases: one band each, from the first line that showed it.
    y0, h = 40, 26
    add('<text x="%d" y="%d" text-anchor="end">phase</text>'
        % (L - 6, y0 + 17))
    spans = []
    for t, rec in watch:
        if not spans or spans[-1][1] != rec["phase"]:
            spans.append((t - t0, rec["phase"]))
    for i, (t, ph) in enumerate(spans):
        t2 = spans[i + 1][0] if i + 1 < len(spans) else t_end
        add('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" '
            'stroke="white"/>' % (x(t), y0, max(1, x(t2) - x(t)), h,
                                   PHASE_COLOURS.get(ph, "#eeeeee")))
        add('<text x="%.1f" y="%d" transform="rotate(-20 %.1f %d)">%s</text>'
            % (x(t) + 2, y0 + h + 12, x(t) + 2, y0 + h + 12, escape(ph)))

    # Bytes remaining (MiB), a step line through the record's samples.
    y1, h1 = 110, 170
    samples = [(t - t0, rec["progress"]["remaining"] / 1048576.0)
               for t, rec in watch if "remaining" in rec.get("progress", {})]
    top = max([v for _, v in samples] + [1.0])
    ymap = lambda v: y1 + h1 - v / top * h1
    add('<text x="%d" y="%d" text-anchor="end">remaining</text>'
        % (L - 6, y1 + 10))
    add('<text x="%d" y="%d" text-anchor="end">%.0f MiB</text>'
        % (L - 6, y1 + 24, top))
    add('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>'
        % (L, y1 + h1, W - R, y1 + h1))
    if samples:
        pts = []
        for i, (t, v) in enumerate(samples):
            if i:
                pts.append("%.1f,%.1f" % (x(t), ymap(samples[i - 1][1])))
            pts.append("%.1f,%.1f" % (x(t), ymap(v)))
        add('<polyline points="%s" fill="none" stroke="#3182bd" '
            'stroke-width="2"/>' % " ".join(pts))
        for t, v in samples:
            add('<circle cx="%.1f" cy="%.1f" r="3" fill="#3182bd"/>'
                % (x(t), ymap(v)))

    # Ping replies: one dot per reply, by round-trip time (log scale).
    import math
    y2, h2 = 320, 200
    rtts = [r for _, r in pings] or [1.0]
    lo, hi = 0.1, max(10.0, max(rtts))
    ylog = lambda v: y2 + h2 - (math.log10(max(v, lo)) - math.log10(lo)) \
        / (math.log10(hi) - math.log10(lo)) * h2
    add('<text x="%d" y="%d" text-anchor="end">ping replies</text>'
        % (L - 6, y2 + 10))
    add('<text x="%d" y="%d" text-anchor="end">RTT (log)</text>'
        % (L - 6, y2 + 24))
    for v in (0.1, 1, 10, 100, 1000):
        if v <= hi:
            add('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>'
                % (L, ylog(v), W - R, ylog(v)))
            add('<text x="%d" y="%.1f" text-anchor="end" fill="#777">%g ms'
                '</text>' % (L - 6, ylog(v) + 4, v))
    for t, r in pings:
        add('<circle cx="%.1f" cy="%.1f" r="1.5" fill="#636363"/>'
            % (x(t - t0), ylog(r)))
    # The longest gap between replies, marked.
    gap, g0 = 0.0, None
    for (ta, _), (tb, _) in zip(pings, pings[1:]):
        if tb - ta > gap:
            gap, g0 = tb - ta, ta
    if g0 is not None:
        add('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#e6550d" '
            'fill-opacity="0.25"/>' % (x(g0 - t0), y2, x(g0 + gap - t0)
                                       - x(g0 - t0), h2))
        text = "longest gap %.0f ms" % (gap * 1000)
        if a.pause >= 0:
            text += " (QEMU pause %.0f ms)" % a.pause
        add('<text x="%.1f" y="%d" fill="#e6550d">%s</text>'
            % (x(g0 - t0) + 4, y2 - 4, text))

    # The daemons' events, as vertical lines across every panel.
    events = [(t, l) for t, l in events if t_start <= t - t0 <= t_end]
    for i, (t, label) in enumerate(sorted(events)):
        xx = x(t - t0)
        add('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#756bb1" '
            'stroke-dasharray="3,3"/>' % (xx, y0, xx, y2 + h2))
        add('<text x="%.1f" y="%d" fill="#756bb1" font-size="10">%s</text>'
            % (xx + 3, y1 + 40 + 13 * i, escape(label)))

    # Time axis, seconds after the request.
    ya = y2 + h2
    add('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
        % (L, ya, W - R, ya))
    step = 0.5 if t_end - t_start < 6 else 1 if t_end - t_start < 15 else 5
    t = math.ceil(t_start / step) * step
    while t <= t_end:
        add('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>'
            % (x(t), ya, x(t), ya + 5))
        add('<text x="%.1f" y="%d" text-anchor="middle">%g</text>'
            % (x(t), ya + 18, t))
        t += step
    add('<text x="%d" y="%d" text-anchor="middle">seconds after '
        '"ovnmigctl vm migrate"</text>' % ((L + W - R) // 2, ya + 36))
    add('</svg>')
    print("\n".join(svg))


if __name__ == "__main__":
    main()
