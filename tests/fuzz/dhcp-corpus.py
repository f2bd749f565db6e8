#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# dhcp-corpus.py -- writes the named seed corpus of tests/fuzz/fuzz-dhcp.c
# into tests/fuzz/corpus/dhcp/ (or the folder given).  One file per
# scenario: a flags byte (see fuzz-dhcp.c), then a BOOTP message.
# Crashes the fuzzer finds are added to that folder by hand, named
# crash-<what>, and never regenerated.
import struct

import seedlib

RELAY, RAW, UNICAST, OTHER_SRC, BIG = 1, 2, 4, 8, 16
VM_MAC = bytes.fromhex("525400123456")
VM_IP = bytes([10, 100, 0, 5])
GW_IP = bytes([169, 254, 1, 1])


def opt(code, value):
    return bytes([code, len(value)]) + value


def bootp(msg_type=None, opts=b"", ciaddr=b"\0" * 4, giaddr=b"\0" * 4,
          flags=0, htype=1, hlen=6, op=1, sname=b"", file=b"",
          cookie=b"\x63\x82\x53\x63", end=True):
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, htype, hlen, 0,
                       0x12345678, 0, flags, ciaddr, b"\0" * 4, b"\0" * 4,
                       giaddr, VM_MAC, sname, file)
    body = b""
    if msg_type is not None:
        body += opt(53, bytes([msg_type]))
    body += opts
    if end:
        body += b"\xff"
    return head + cookie + body


PRL = opt(55, bytes([1, 3, 6, 12, 15, 26, 28, 42, 119, 121]))

SCENARIOS = {
    "discover-new": (0, bootp(1, PRL)),
    "discover-no-prl": (0, bootp(1)),
    "discover-broadcast-flag": (0, bootp(1, PRL, flags=0x8000)),
    "discover-client-id": (0, bootp(1, opt(61, b"\x01" + VM_MAC) + PRL)),
    "discover-prl-split-rfc3396": (
        0, bootp(1, opt(55, bytes([121, 3])) + opt(12, b"vm1")
                 + opt(55, bytes([119, 6])))),
    "discover-overload-file-sname": (
        0, bootp(1, opt(52, b"\x03"), file=opt(55, bytes([1, 119])) + b"\xff",
                 sname=opt(55, bytes([121])) + b"\xff")),
    "discover-max-size-1500-big-binding": (
        BIG, bootp(1, opt(57, struct.pack("!H", 1500)) + PRL)),
    "discover-default-size-big-binding": (BIG, bootp(1, PRL)),
    "request-selecting": (0, bootp(3, opt(54, GW_IP) + opt(50, VM_IP) + PRL)),
    "request-selecting-other-server": (
        0, bootp(3, opt(54, bytes([10, 0, 0, 1])) + opt(50, VM_IP))),
    "request-init-reboot": (0, bootp(3, opt(50, VM_IP) + PRL)),
    "request-init-reboot-wrong-addr": (
        0, bootp(3, opt(50, bytes([192, 168, 1, 7])) + PRL)),
    "request-renew": (UNICAST, bootp(3, PRL, ciaddr=VM_IP)),
    "request-renew-wrong-addr": (UNICAST,
                                 bootp(3, PRL, ciaddr=bytes([10, 1, 2, 3]))),
    "request-rebind": (0, bootp(3, PRL, ciaddr=VM_IP)),
    "request-no-address": (0, bootp(3, PRL)),
    "decline": (0, bootp(4, opt(54, GW_IP) + opt(50, VM_IP))),
    "decline-other-addr": (0, bootp(4, opt(54, GW_IP)
                                    + opt(50, bytes([10, 100, 0, 9])))),
    "release": (UNICAST, bootp(7, opt(54, GW_IP), ciaddr=VM_IP)),
    "inform": (0, bootp(8, PRL, ciaddr=VM_IP)),
    "relay-discover": (RELAY | UNICAST | OTHER_SRC,
                       bootp(1, PRL + opt(82, b"\x01\x03pod"),
                             giaddr=bytes([10, 100, 255, 254]))),
    "relay-request-nak": (RELAY | UNICAST | OTHER_SRC,
                          bootp(3, opt(50, bytes([10, 9, 9, 9])),
                                giaddr=bytes([10, 100, 255, 254]))),
    "relay-disabled": (UNICAST | OTHER_SRC,
                       bootp(1, PRL, giaddr=bytes([10, 100, 255, 254]))),
    "chaddr-mismatch": (OTHER_SRC, bootp(1, PRL)),
    "bad-truncated-header": (0, bootp(1, PRL)[:200]),
    "bad-truncated-before-cookie": (0, bootp(1, PRL)[:239]),
    "bad-magic-cookie": (0, bootp(1, PRL, cookie=b"\x63\x82\x53\x62")),
    "bad-option-overrun": (0, bootp(1, b"\x37\x28\x01\x03", end=False)),
    "bad-option-length-byte-at-end": (0, bootp(1, b"\x0c", end=False)),
    "bad-missing-end": (0, bootp(1, PRL, end=False)),
    "bad-overload-loop": (0, bootp(1, opt(52, b"\x01"),
                                   file=opt(52, b"\x01") + b"\xff")),
    "bad-overload-twice": (0, bootp(1, opt(52, b"\x01") + opt(52, b"\x01"),
                                    file=b"\xff")),
    "bad-overload-sname-no-end": (0, bootp(1, opt(52, b"\x02"))),
    "bad-oversized": (0, bootp(1, b"".join(opt(250, b"x" * 250)
                                           for _ in range(6)))),
    "bad-htype-ieee802": (0, bootp(1, PRL, htype=6)),
    "bad-hlen": (0, bootp(1, PRL, hlen=16)),
    "bad-op-bootreply": (0, bootp(2, PRL, op=2)),
    "bad-bootp-no-message-type": (0, bootp(None, PRL)),
    "bad-message-type-offer": (0, bootp(2, PRL)),
    "bad-message-type-length": (0, bootp(None, opt(53, b"\x01\x01"))),
    "bad-requested-ip-length": (0, bootp(3, opt(50, b"\x0a"))),
    "raw-arp-request": (RAW, bytes.fromhex(
        "ffffffffffff" "525400123456" "0806" "0001080006040001"
        "525400123456" "0a640005" "000000000000" "a9fe0101")),
    "raw-truncated-ipv4": (RAW, bytes.fromhex(
        "ffffffffffff" "525400123456" "0800" "4500")),
}


if __name__ == "__main__":
    seedlib.write("dhcp", SCENARIOS)
