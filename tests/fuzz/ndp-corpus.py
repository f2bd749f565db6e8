#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# ndp-corpus.py -- writes the named seed corpus of tests/fuzz/fuzz-ndp.c
# into tests/fuzz/corpus/ndp/ (or the folder given).  One file per
# scenario: a flags byte (see fuzz-ndp.c), then an Ethernet frame with a
# correct ICMPv6 checksum unless the scenario is about a bad one.  Crashes
# the fuzzer finds are added to that folder by hand, named crash-<what>,
# and never regenerated.
import struct

import seedlib
from seedlib import a6, mcast_mac

KEEP_CSUM, ACTIVE, NO_VM_IPS, ONE_GATEWAY = 1, 2, 4, 8
VM_MAC = bytes.fromhex("525400123456")
OTHER_MAC = bytes.fromhex("525400999999")
G = bytes.fromhex("0a58a9fe0101")
VM_LLA = "fe80::5054:ff:fe12:3456"
VM_IP = "fd00:10:100::5"
ROUTER = "fe80::1"
SUBNET_GW = "fd00:10:100::1"
RS, RA, NS, NA = 133, 134, 135, 136


def frame(msg, src, dst, eth_dst=None, eth_src=VM_MAC, hop=255, csum=None,
          nxt=58):
    """An Ethernet frame with an IPv6 header and the ICMPv6 message 'msg',
    whose checksum is computed unless 'csum' is given (or 'nxt' says the
    message is something else)."""
    if eth_dst is None:
        eth_dst = mcast_mac(dst) if dst.startswith("ff") else G
    if nxt != 58 and csum is None:
        csum = 0
    return seedlib.ipv6_frame(eth_dst, eth_src, src, dst, nxt, msg, 2, hop,
                              csum)


def opt_lla(kind, mac):
    return bytes([kind, 1]) + mac


def rs(opts=b"", code=0):
    return bytes([RS, code, 0, 0]) + b"\0" * 4 + opts


def nd(kind, target, flags=0, opts=b"", code=0):
    return (bytes([kind, code, 0, 0]) + struct.pack("!I", flags) + a6(target)
            + opts)


SLLA = opt_lla(1, VM_MAC)
RSO = 0xe0000000

SCENARIOS = {
    "rs-basic": (0, frame(rs(SLLA), VM_LLA, "ff02::2")),
    "rs-active-port": (ACTIVE, frame(rs(SLLA), VM_LLA, "ff02::2")),
    "rs-no-slla": (0, frame(rs(), VM_LLA, "ff02::2")),
    "rs-unspecified": (0, frame(rs(), "::", "ff02::2")),
    "rs-unicast": (0, frame(rs(SLLA), VM_LLA, ROUTER)),
    "rs-unspecified-with-slla": (0, frame(rs(SLLA), "::", "ff02::2")),
    "rs-hop-limit-64": (0, frame(rs(SLLA), VM_LLA, "ff02::2", hop=64)),
    "rs-foreign-mac": (0, frame(rs(SLLA), VM_LLA, "ff02::2",
                                eth_src=OTHER_MAC)),
    "rs-short": (0, frame(bytes([RS, 0, 0, 0, 0, 0]), VM_LLA, "ff02::2")),
    "ns-multicast": (0, frame(nd(NS, ROUTER, opts=SLLA), VM_LLA,
                              "ff02::1:ff00:1")),
    "ns-nud": (0, frame(nd(NS, ROUTER), VM_LLA, ROUTER)),
    "ns-nud-with-slla": (0, frame(nd(NS, ROUTER, opts=SLLA), VM_LLA,
                                  ROUTER)),
    "ns-global-gateway": (0, frame(nd(NS, SUBNET_GW, opts=SLLA), VM_IP,
                                   "ff02::1:ff00:1")),
    "ns-global-gateway-not-configured": (
        ONE_GATEWAY, frame(nd(NS, SUBNET_GW, opts=SLLA), VM_IP,
                           "ff02::1:ff00:1")),
    "ns-stable-privacy-source": (0, frame(nd(NS, ROUTER, opts=SLLA),
                                          "fe80::32d2:10d4:f5ed:3064",
                                          "ff02::1:ff00:1")),
    "ns-nonce-option": (0, frame(nd(NS, ROUTER, opts=SLLA + bytes([14, 1])
                                    + b"\1" * 6), VM_LLA, "ff02::1:ff00:1")),
    "ns-dad": (0, frame(nd(NS, VM_IP), "::", "ff02::1:ff00:5")),
    "ns-dad-for-router": (0, frame(nd(NS, ROUTER), "::", "ff02::1:ff00:1")),
    "ns-hop-limit-64": (0, frame(nd(NS, ROUTER, opts=SLLA), VM_LLA,
                                 "ff02::1:ff00:1", hop=64)),
    "ns-code-1": (0, frame(nd(NS, ROUTER, opts=SLLA, code=1), VM_LLA,
                           "ff02::1:ff00:1")),
    "ns-bad-checksum": (KEEP_CSUM, frame(nd(NS, ROUTER, opts=SLLA), VM_LLA,
                                         "ff02::1:ff00:1", csum=0x1234)),
    "ns-multicast-target": (0, frame(nd(NS, "ff02::1", opts=SLLA), VM_LLA,
                                     ROUTER)),
    "ns-not-gateway": (0, frame(nd(NS, "fd00:10:100::9", opts=SLLA), VM_LLA,
                                "ff02::1:ff00:9")),
    "ns-option-length-zero": (0, frame(nd(NS, ROUTER, opts=bytes([1, 0])
                                          + VM_MAC), VM_LLA,
                                       "ff02::1:ff00:1")),
    "ns-option-truncated": (0, frame(nd(NS, ROUTER, opts=bytes([1, 2])
                                        + VM_MAC), VM_LLA,
                                     "ff02::1:ff00:1")),
    "ns-slla-16-bytes": (0, frame(nd(NS, ROUTER, opts=bytes([1, 2]) + VM_MAC
                                     + b"\0" * 8), VM_LLA,
                                  "ff02::1:ff00:1")),
    "ns-foreign-slla": (0, frame(nd(NS, ROUTER, opts=opt_lla(1, OTHER_MAC)),
                                 VM_LLA, "ff02::1:ff00:1")),
    "ns-foreign-source": (0, frame(nd(NS, ROUTER), "fd00:10:100::9",
                                   ROUTER)),
    "ns-foreign-source-no-vm-ips": (NO_VM_IPS, frame(nd(NS, ROUTER), VM_IP,
                                                     ROUTER)),
    "ns-gateway-source": (0, frame(nd(NS, SUBNET_GW), ROUTER, SUBNET_GW)),
    "ns-multicast-source": (0, frame(nd(NS, ROUTER), "ff02::1", ROUTER)),
    "ns-wrong-destination": (0, frame(nd(NS, ROUTER, opts=SLLA), VM_LLA,
                                      "ff02::1")),
    "ns-wrong-destination-mac": (0, frame(nd(NS, ROUTER, opts=SLLA), VM_LLA,
                                          "ff02::1:ff00:1",
                                          eth_dst=OTHER_MAC)),
    "ns-short": (0, frame(nd(NS, ROUTER)[:20], VM_LLA, ROUTER)),
    "ns-padded": (0, frame(nd(NS, ROUTER, opts=SLLA), VM_LLA,
                           "ff02::1:ff00:1") + b"\0" * 20),
    "na-for-gateway": (0, frame(nd(NA, ROUTER, 0x20000000,
                                   opt_lla(2, VM_MAC)), VM_LLA, "ff02::1")),
    "na-own-address": (0, frame(nd(NA, VM_IP, 0x20000000,
                                   opt_lla(2, VM_MAC)), VM_IP, "ff02::1")),
    "na-solicited-to-router": (0, frame(nd(NA, VM_IP, RSO,
                                           opt_lla(2, VM_MAC)), VM_LLA,
                                        ROUTER)),
    "ra-guest": (0, frame(bytes([RA, 0, 0, 0, 64, 0xc0, 0xff, 0xff])
                          + b"\0" * 8 + opt_lla(1, VM_MAC)
                          + bytes([3, 4, 64, 0xc0]) + b"\xff" * 8 + b"\0" * 4
                          + a6("fd00:bad::"), VM_LLA, "ff02::1")),
    "ra-guest-hop-limit-64": (0, frame(bytes([RA, 0, 0, 0]) + b"\0" * 12,
                                       VM_LLA, "ff02::1", hop=64)),
    "echo-request": (0, frame(bytes([128, 0, 0, 0, 0, 1, 0, 1]), VM_LLA,
                              ROUTER)),
    "redirect": (0, frame(bytes([137, 0, 0, 0]) + b"\0" * 36, VM_LLA,
                          ROUTER)),
    "hop-by-hop-header": (0, frame(nd(NS, ROUTER), VM_LLA, ROUTER, nxt=0)),
    "truncated-ipv6": (0, frame(nd(NS, ROUTER), VM_LLA, ROUTER)[:50]),
    "payload-length-too-long": (
        KEEP_CSUM, frame(nd(NS, ROUTER), VM_LLA, ROUTER)[:-4]),
    "vlan-tagged": (0, G + VM_MAC + b"\x81\x00\x00\x64\x86\xdd"
                    + frame(nd(NS, ROUTER), VM_LLA, ROUTER)[14:]),
    "arp-request": (0, b"\xff" * 6 + VM_MAC + b"\x08\x06"
                    + bytes.fromhex("0001080006040001") + VM_MAC
                    + bytes([10, 100, 0, 5]) + b"\0" * 6
                    + bytes([169, 254, 1, 1])),
    "empty": (0, b""),
}


if __name__ == "__main__":
    seedlib.write("ndp", SCENARIOS)
