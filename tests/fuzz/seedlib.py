# SPDX-License-Identifier: Apache-2.0
#
# seedlib.py -- what the seed corpus generators (tests/fuzz/*-corpus.py)
# share: IPv6 frames with correct checksums, and writing the seeds.
import ipaddress
import os
import struct
import sys


def a6(s):
    """The 16 bytes of IPv6 address 's'."""
    return ipaddress.IPv6Address(s).packed


def mcast_mac(dst):
    """The Ethernet address of IPv6 multicast group 'dst' (RFC 2464 §7)."""
    return b"\x33\x33" + a6(dst)[12:]


def checksum(data):
    """The Internet checksum (RFC 1071) of 'data'."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv6_frame(eth_dst, eth_src, src, dst, nxt, l4, csum_at, hop=255,
               csum=None):
    """An Ethernet frame with an IPv6 header and the upper-layer message
    'l4' (protocol 'nxt'), whose 2-byte checksum at offset 'csum_at' is
    computed over the pseudo-header (RFC 8200 §8.1) unless 'csum' is
    given."""
    if csum is None:
        pseudo = a6(src) + a6(dst) + struct.pack("!I3xB", len(l4), nxt)
        zeroed = l4[:csum_at] + b"\0\0" + l4[csum_at + 2:]
        csum = checksum(pseudo + zeroed) or 0xffff
    l4 = l4[:csum_at] + struct.pack("!H", csum) + l4[csum_at + 2:]
    ip = struct.pack("!IHBB", 6 << 28, len(l4), nxt, hop) + a6(src) + a6(dst)
    return eth_dst + eth_src + b"\x86\xdd" + ip + l4


def write(target, scenarios):
    """Writes each scenario (name: (flags, data)) as a flags byte and the
    data, into tests/fuzz/corpus/TARGET or the folder given on the command
    line."""
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", target)
    os.makedirs(out, exist_ok=True)
    for name, (flags, data) in sorted(scenarios.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([flags]) + data)
    print(f"{len(scenarios)} seeds written to {out}")
