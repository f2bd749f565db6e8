#!/bin/bash
# arp-many-ports-userspace: arp-many-ports.sh with the ARP proxy's kernel fast path off
# (--no-kernel-fast-path): the same checks, every reply sent from userspace.
#
# SPDX-License-Identifier: Apache-2.0
ARP_FAST_PATH=off exec bash "$(dirname "$0")/arp-many-ports.sh"
