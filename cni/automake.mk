# cni/ -- ovnmig-cni, the CNI plugin (CNI spec 0.3.0 to 1.0.0) that wires a
# pod into OVN through the node's ovnmigd: the pure parsers and writers of
# the CNI environment, network configuration, results and errors (cni.c),
# and the thin plugin that asks ovnmigd over its control socket
# (ovnmig-cni.c).  See docs/ovnmig-cni.8.
noinst_LIBRARIES += cni/libcni.a
cni_libcni_a_SOURCES = cni/cni.c cni/cni.h

# The plugin goes where runtimes look for CNI plugins: Debian's
# containernetworking-plugins use /usr/lib/cni, most clusters /opt/cni/bin
# ("make install cnibindir=/opt/cni/bin").  The network configuration's
# "type" names the binary: "ovnmig-cni", or "ovnmig" (a link to it).
cnibindir = $(libdir)/cni
cnibin_PROGRAMS = cni/ovnmig-cni
cni_ovnmig_cni_SOURCES = cni/ovnmig-cni.c
cni_ovnmig_cni_LDADD = cni/libcni.a $(OVS_LIBS)
dist_man_MANS += docs/ovnmig-cni.8
# (Installed with the data: automake puts a directory without "exec" in its
# name there.)
install-data-hook: install-cni-link
install-cni-link:
	cd $(DESTDIR)$(cnibindir) && rm -f ovnmig && ln -s ovnmig-cni ovnmig
uninstall-hook: uninstall-cni-link
uninstall-cni-link:
	rm -f $(DESTDIR)$(cnibindir)/ovnmig
.PHONY: install-cni-link uninstall-cni-link

# The parsers, and their second build under ASan/UBSan.
check_PROGRAMS += tests/test-cni tests/test-cni-asan
UNIT_TESTS += tests/test-cni tests/test-cni-asan
tests_test_cni_SOURCES = tests/test-cni.c cni/cni.c cni/cni.h
tests_test_cni_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_cni_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_cni_asan_SOURCES = $(tests_test_cni_SOURCES)
tests_test_cni_asan_CFLAGS = $(tests_test_cni_CFLAGS) $(SAN_CFLAGS)
tests_test_cni_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_cni_asan_LDADD = $(tests_test_cni_LDADD)

# The plugin binary without ovnmigd: VERSION, and the spec's error codes
# for bad input and for a node where ovnmigd does not run (no root).
UNIT_TESTS += tests/test-cni-plugin.sh
EXTRA_DIST += tests/test-cni-plugin.sh
check-unit: cni/ovnmig-cni

# Fuzzing: the network configuration (with its prevResult) for each
# command, ovnmigd's answers, and the CNI_ARGS parser, on arbitrary bytes.
FUZZ_TARGETS += cni
CNI_FUZZ_SOURCES = tests/fuzz/fuzz-cni.c cni/cni.c
check_PROGRAMS += tests/fuzz/cni-corpus-run
UNIT_TESTS += tests/fuzz/cni-corpus-run
tests_fuzz_cni_corpus_run_SOURCES = tests/fuzz/standalone.c \
	$(CNI_FUZZ_SOURCES)
tests_fuzz_cni_corpus_run_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/cni"'
tests_fuzz_cni_corpus_run_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_fuzz_cni_corpus_run_LDFLAGS = $(SAN_CFLAGS)
tests_fuzz_cni_corpus_run_LDADD = $(OVS_LIBS)
tests/fuzz/cni-fuzzer: $(CNI_FUZZ_SOURCES)
	$(AM_V_CC)$(FUZZ_COMPILE) -o $@ $(CNI_FUZZ_SOURCES:%=$(srcdir)/%) \
	  $(OVS_LIBS)

# In the lab: the plugin against each node's ovnmigd as a runtime runs it
# (addresses, ping through OVN, ARP, DHCP, CHECK, DEL leaves nothing), and
# under podman 4.3's CNI backend (skips without podman).
LAB_TESTS += tests/lab/cni-pods.sh tests/lab/cni-podman.sh

# make bench-cni: ADD and DEL through podman for 100 containers on one
# node, ovnmig-cni against the reference bridge + host-local in the same
# run (ratios), and when the pod's port is up in the SB after ADD.  Root.
EXTRA_DIST += tests/bench/bench-cni.sh tests/podman-lib.sh
BENCHES += bench-cni
bench-cni: cni/ovnmig-cni daemon/ovnmigd
	@top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	  $(SHELL) $(top_srcdir)/tests/bench/bench-cni.sh
