#!/bin/sh
# The cancel race of issue #12, against real QEMU under TCG: 20 rounds of a
# migration cancelled (by hand or by the completion timeout) followed at
# once by a migration of the same QEMU that must complete, with every other
# CPU kept busy by a spinning child (tests/test-migrate.c, --cancel-race).
# The driver must report each cancel's end only once QEMU has ended its
# migration: QEMU refuses the next one before ("There's a migration
# process in progress").  Skipped like test-migrate.
exec "${top_builddir:-.}/tests/test-migrate" --cancel-race 20
