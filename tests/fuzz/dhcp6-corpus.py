#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# dhcp6-corpus.py -- writes the named seed corpus of tests/fuzz/fuzz-dhcp6.c
# into tests/fuzz/corpus/dhcp6/ (or the folder given).  One file per
# scenario: a flags byte (see fuzz-dhcp6.c), then a DHCPv6 message (or a
# whole frame with RAW).  Crashes the fuzzer finds are added to that folder
# by hand, named crash-<what>, and never regenerated.
import struct

import seedlib
from seedlib import a6

RAW, UNICAST, OTHER_SRC, NO_BINDING, BIG, NO_RAPID = 1, 2, 4, 8, 16, 32
VM_MAC = bytes.fromhex("525400123456")
G = bytes.fromhex("0a58a9fe0101")
VM_LLA = "fe80::5054:ff:fe12:3456"
VM_IP = "fd00:10:100::5"
OTHER_IP = "fd00:10:100::9"
(SOLICIT, ADVERTISE, REQUEST, CONFIRM, RENEW, REBIND, REPLY, RELEASE,
 DECLINE, RECONFIGURE, INFO_REQUEST, RELAY_FORW, RELAY_REPL) = range(1, 14)


def opt(code, value=b""):
    return struct.pack("!HH", code, len(value)) + value


CLIENT_ID = opt(1, bytes.fromhex("00010001 2a2b2c2d") + VM_MAC)
SERVER_ID = opt(2, bytes.fromhex("00030001") + G)
OTHER_SERVER_ID = opt(2, bytes.fromhex("00030001 0a58a9fe0102"))
ORO = opt(6, struct.pack("!HHH", 23, 24, 32))
RAPID = opt(14)
ELAPSED = opt(8, b"\0\0")


def iaaddr(addr, preferred=0, valid=0):
    return opt(5, a6(addr) + struct.pack("!II", preferred, valid))


def ia_na(iaid=0x0a0b0c0d, *addrs):
    return opt(3, struct.pack("!III", iaid, 0, 0)
               + b"".join(iaaddr(a) for a in addrs))


def ia_ta(iaid, *addrs):
    return opt(4, struct.pack("!I", iaid) + b"".join(iaaddr(a) for a in addrs))


def ia_pd(iaid, prefix=None):
    body = struct.pack("!III", iaid, 0, 0)
    if prefix:
        body += opt(26, struct.pack("!IIB", 0, 0, 56) + a6(prefix))
    return opt(25, body)


def msg(kind, *opts):
    return struct.pack("!I", kind << 24 | 0x123456) + b"".join(opts)


def raw(eth_src, src, dst, sport, dport, payload, csum=None):
    l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return seedlib.ipv6_frame(seedlib.mcast_mac(dst), eth_src, src, dst, 17,
                              l4, 6, hop=1, csum=csum)


SOLICIT_MSG = msg(SOLICIT, CLIENT_ID, ELAPSED, ia_na(), ORO)

SCENARIOS = {
    "solicit": (0, SOLICIT_MSG),
    "solicit-rapid": (0, msg(SOLICIT, CLIENT_ID, RAPID, ia_na(), ORO)),
    "solicit-rapid-server-declines": (NO_RAPID, msg(SOLICIT, CLIENT_ID,
                                                    RAPID, ia_na(), ORO)),
    "solicit-hint": (0, msg(SOLICIT, CLIENT_ID, ia_na(1, OTHER_IP))),
    "solicit-ia-ta-pd": (0, msg(SOLICIT, CLIENT_ID, ia_na(), ia_na(2),
                                ia_ta(3), ia_pd(4, "fd00:99::"))),
    "solicit-pd-only": (0, msg(SOLICIT, CLIENT_ID, ia_pd(4))),
    "solicit-no-oro-big-binding": (BIG, msg(SOLICIT, CLIENT_ID, ia_na())),
    "solicit-no-binding": (NO_BINDING, SOLICIT_MSG),
    "solicit-foreign-mac": (OTHER_SRC, SOLICIT_MSG),
    "solicit-unicast": (UNICAST, SOLICIT_MSG),
    "solicit-with-server-id": (0, msg(SOLICIT, CLIENT_ID, SERVER_ID,
                                      ia_na())),
    "solicit-no-client-id": (0, msg(SOLICIT, ia_na())),
    "request": (0, msg(REQUEST, CLIENT_ID, SERVER_ID, ia_na(1, VM_IP), ORO)),
    "request-not-on-link": (0, msg(REQUEST, CLIENT_ID, SERVER_ID,
                                   ia_na(1, VM_IP, OTHER_IP))),
    "request-other-server": (0, msg(REQUEST, CLIENT_ID, OTHER_SERVER_ID,
                                    ia_na(1, VM_IP))),
    "request-no-server-id": (0, msg(REQUEST, CLIENT_ID, ia_na(1, VM_IP))),
    "request-unicast": (UNICAST, msg(REQUEST, CLIENT_ID, SERVER_ID,
                                     ia_na(1, VM_IP))),
    "request-no-binding": (NO_BINDING, msg(REQUEST, CLIENT_ID, SERVER_ID,
                                           ia_na(1, VM_IP))),
    "renew": (0, msg(RENEW, CLIENT_ID, SERVER_ID, ia_na(1, VM_IP), ORO)),
    "renew-foreign-address": (0, msg(RENEW, CLIENT_ID, SERVER_ID,
                                     ia_na(1, OTHER_IP),
                                     ia_na(2, VM_IP, "fd00::7"), ia_pd(3))),
    "renew-other-server": (0, msg(RENEW, CLIENT_ID, OTHER_SERVER_ID,
                                  ia_na(1, VM_IP))),
    "renew-unicast": (UNICAST, msg(RENEW, CLIENT_ID, SERVER_ID,
                                   ia_na(1, VM_IP))),
    "renew-no-binding": (NO_BINDING, msg(RENEW, CLIENT_ID, SERVER_ID,
                                         ia_na(1, VM_IP))),
    "rebind": (0, msg(REBIND, CLIENT_ID, ia_na(1, VM_IP), ORO)),
    "rebind-with-server-id": (0, msg(REBIND, CLIENT_ID, SERVER_ID,
                                     ia_na(1, VM_IP))),
    "rebind-no-binding": (NO_BINDING, msg(REBIND, CLIENT_ID,
                                          ia_na(1, VM_IP))),
    "confirm": (0, msg(CONFIRM, CLIENT_ID, ia_na(1, VM_IP))),
    "confirm-not-on-link": (0, msg(CONFIRM, CLIENT_ID, ia_ta(1, OTHER_IP))),
    "confirm-no-address": (0, msg(CONFIRM, CLIENT_ID, ia_na(1))),
    "release": (0, msg(RELEASE, CLIENT_ID, SERVER_ID, ia_na(1, VM_IP),
                       ia_na(2, OTHER_IP))),
    "decline": (0, msg(DECLINE, CLIENT_ID, SERVER_ID, ia_na(1, VM_IP))),
    "decline-unicast": (UNICAST, msg(DECLINE, CLIENT_ID, SERVER_ID,
                                     ia_na(1, VM_IP))),
    "information-request": (0, msg(INFO_REQUEST, CLIENT_ID, ORO)),
    "information-request-anonymous": (0, msg(INFO_REQUEST)),
    "information-request-with-ia": (0, msg(INFO_REQUEST, ia_na())),
    "information-request-no-binding": (NO_BINDING, msg(INFO_REQUEST,
                                                       CLIENT_ID)),
    "relay-forw": (0, msg(RELAY_FORW, CLIENT_ID)),
    "advertise": (0, msg(ADVERTISE, SERVER_ID, CLIENT_ID)),
    "reconfigure": (0, msg(RECONFIGURE, SERVER_ID, CLIENT_ID)),
    "bad-message-type": (0, msg(200, CLIENT_ID)),
    "bad-truncated": (0, b"\x01\x12\x34"),
    "bad-option-overrun": (0, msg(SOLICIT, CLIENT_ID) + b"\x00\x06\x00\x04"),
    "bad-ia-overrun": (0, msg(SOLICIT, CLIENT_ID,
                              opt(3, struct.pack("!III", 1, 0, 0)
                                  + b"\x00\x05\x00\x18"))),
    "bad-iaaddr-overrun": (0, msg(SOLICIT, CLIENT_ID, opt(
        3, struct.pack("!III", 1, 0, 0)
        + opt(5, a6(VM_IP) + b"\0" * 8 + b"\x00\x0d\x00\x09")))),
    "bad-client-id-length": (0, msg(SOLICIT, opt(1, b"\0\1"), ia_na())),
    "bad-rapid-commit-length": (0, msg(SOLICIT, CLIENT_ID, opt(14, b"\1"))),
    "bad-oro-odd": (0, msg(SOLICIT, CLIENT_ID, opt(6, b"\0\x17\0"))),
    "bad-duplicate-client-id": (0, msg(SOLICIT, CLIENT_ID, CLIENT_ID)),
    "bad-too-many-ias": (0, msg(SOLICIT, CLIENT_ID,
                                *[ia_na(i) for i in range(5)])),
    "bad-too-many-addresses": (0, msg(SOLICIT, CLIENT_ID, ia_na(
        1, *["fd00::%x" % i for i in range(1, 10)]))),
    "raw-solicit": (RAW, raw(VM_MAC, VM_LLA, "ff02::1:2", 546, 547,
                             SOLICIT_MSG)),
    "raw-bad-udp-checksum": (RAW, raw(VM_MAC, VM_LLA, "ff02::1:2", 546, 547,
                                      SOLICIT_MSG, csum=0x1234)),
    "raw-not-for-us": (RAW, raw(VM_MAC, VM_LLA, "ff05::1:3", 546, 547,
                                SOLICIT_MSG)),
    "raw-source-unspecified": (RAW, raw(VM_MAC, "::", "ff02::1:2", 546, 547,
                                        SOLICIT_MSG)),
    "raw-to-client-port": (RAW, raw(VM_MAC, VM_LLA, "ff02::1:2", 547, 546,
                                    SOLICIT_MSG)),
    "raw-router-solicitation": (RAW, seedlib.ipv6_frame(
        seedlib.mcast_mac("ff02::2"), VM_MAC, VM_LLA, "ff02::2", 58,
        bytes([133, 0, 0, 0, 0, 0, 0, 0]), 2)),
}

if __name__ == "__main__":
    seedlib.write("dhcp6", SCENARIOS)
