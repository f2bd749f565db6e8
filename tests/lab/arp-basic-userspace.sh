#!/bin/bash
# arp-basic-userspace: arp-basic.sh with the ARP proxy's kernel fast path off
# (--no-kernel-fast-path): the same checks, every reply sent from userspace.
#
# SPDX-License-Identifier: Apache-2.0
ARP_FAST_PATH=off exec bash "$(dirname "$0")/arp-basic.sh"
