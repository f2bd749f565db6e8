# tests/ -- the runner, the lab-level tests and the make targets of each
# level.  Unit tests and fuzz targets are declared by their component's
# fragment.
LAB_TESTS += \
	tests/lab/lab-two-node.sh \
	tests/lab/lab-down-clean.sh \
	tests/lab/lab-errors.sh \
	tests/lab/lab-two-labs.sh \
	tests/lab/lab-dual-stack.sh
EXTRA_DIST += $(LAB_TESTS) tests/lab/lib.sh tests/kvm-ns.sh

# A migration's outage figure needs a guest that answered before and after
# the move: tests/bench/migrate-gaps.py (the demo's, bench-migrate's and the
# lab's computation) and migrate-timeline.py refuse crafted ping logs where
# it did not (no root).
UNIT_TESTS += tests/test-migrate-gaps.sh
EXTRA_DIST += tests/test-migrate-gaps.sh tests/bench/pinglog.py

# The Kubernetes API stand-in (no real kube-apiserver runs on these
# machines): its pure parts, then the real kubectl against it (skips
# without kubectl).
UNIT_TESTS += tests/kube/test-kubeapi.py tests/kube/test-kube-standin.sh
EXTRA_DIST += tests/kube/test-kubeapi.py tests/kube/test-kube-standin.sh \
	tests/kube/kube-standin tests/kube/kubeapi.py tests/kube/standin-lib.sh

# Inside distcheck the lab tests report themselves skipped.
AM_DISTCHECK_CONFIGURE_FLAGS = --disable-lab-tests

RUN_TESTS = top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	OVNMIG_LAB_TESTS=$(LAB_TESTS_ENABLED) \
	$(SHELL) $(top_srcdir)/tests/run-tests.sh

# make check = every level, one count line at the end.
check-local:
	@$(RUN_TESTS) --level all $(UNIT_TESTS) $(LAB_TESTS)
check-unit: $(check_PROGRAMS)
	@$(RUN_TESTS) --level unit $(UNIT_TESTS)
check-lab: all
	@$(RUN_TESTS) --level lab $(LAB_TESTS)
.PHONY: check-unit check-lab

clean-local:
	rm -rf tests/logs

# Fuzzing.  Each parser has a libFuzzer target tests/fuzz/fuzz-NAME.c with a
# seed corpus in tests/fuzz/corpus/NAME/ (files named by scenario, plus
# every crash found, kept as a regression).  make check replays the corpus
# through tests/fuzz/standalone.c under ASan/UBSan (NAME-corpus-run, built
# by the component's fragment); "make fuzz" builds the real libFuzzer
# binaries with clang (tests/fuzz/NAME-fuzzer) and "make fuzz-run" runs each
# for FUZZ_SECONDS.
EXTRA_DIST += tests/fuzz/standalone.c tests/fuzz/seedlib.py tests/fuzz/corpus
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS = 60
FUZZ_COMPILE = $(FUZZ_CC) $(FUZZ_CFLAGS) $(DEFS) -I$(top_builddir) \
	$(AM_CPPFLAGS) $(CPPFLAGS)
fuzz: $(FUZZ_TARGETS:%=tests/fuzz/%-fuzzer)
fuzz-run: fuzz
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p tests/fuzz/work/$$t; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  tests/fuzz/$$t-fuzzer -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=tests/fuzz/work/$$t/ \
	    tests/fuzz/work/$$t $(srcdir)/tests/fuzz/corpus/$$t || exit 1; \
	done
.PHONY: fuzz fuzz-run
CLEANFILES += $(FUZZ_TARGETS:%=tests/fuzz/%-fuzzer)
clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/work

# Benchmarks: make bench runs every bench-* target a component declares
# in BENCHES; each compares against a named peer in the same run.
bench: $(BENCHES)
.PHONY: bench $(BENCHES)

# The test guest: Debian's cloud kernel and a busybox initramfs, built at
# test time into the build tree (never committed).
EXTRA_DIST += tests/guest/build-guest.sh tests/guest/init \
	tests/guest/udhcpc.script tests/guest/dhclient6.script
guest: tests/guest/out/initramfs.gz
tests/guest/out/initramfs.gz: $(srcdir)/tests/guest/init \
		$(srcdir)/tests/guest/udhcpc.script \
		$(srcdir)/tests/guest/dhclient6.script
	$(AM_V_GEN)$(srcdir)/tests/guest/build-guest.sh tests/guest/out
clean-local: clean-guest
clean-guest:
	rm -rf tests/guest/out
.PHONY: guest clean-guest clean-fuzz
