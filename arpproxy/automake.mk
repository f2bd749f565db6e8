# arpproxy/ -- the link-local gateway's ARP responder: the pure core
# (arp-proxy.c), its glue to the shared packet I/O (arp-proxy-io.c) and the
# standalone tool ovnmig-arpproxy.  See docs/architecture.md.
noinst_LIBRARIES += arpproxy/libarpproxy.a
arpproxy_libarpproxy_a_SOURCES = \
	arpproxy/arp-proxy.c \
	arpproxy/arp-proxy.h \
	arpproxy/arp-proxy-io.c \
	arpproxy/arp-proxy-io.h

sbin_PROGRAMS += arpproxy/ovnmig-arpproxy
arpproxy_ovnmig_arpproxy_SOURCES = arpproxy/ovnmig-arpproxy.c
arpproxy_ovnmig_arpproxy_LDADD = arpproxy/libarpproxy.a lib/libovnmig.a \
	$(PCAP_LIBS) $(NL_LIBS) $(EVENT_LIBS) $(OVS_LIBS)
dist_man_MANS += docs/ovnmig-arpproxy.8

# Unit tests of the core, and their second build under ASan/UBSan.
check_PROGRAMS += tests/test-arp-proxy tests/test-arp-proxy-asan
UNIT_TESTS += tests/test-arp-proxy tests/test-arp-proxy-asan
tests_test_arp_proxy_SOURCES = tests/test-arp-proxy.c \
	arpproxy/arp-proxy.c arpproxy/arp-proxy.h lib/packet.c lib/packet.h
tests_test_arp_proxy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_arp_proxy_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_arp_proxy_asan_SOURCES = $(tests_test_arp_proxy_SOURCES)
tests_test_arp_proxy_asan_CFLAGS = $(tests_test_arp_proxy_CFLAGS) $(SAN_CFLAGS)
tests_test_arp_proxy_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_arp_proxy_asan_LDADD = $(tests_test_arp_proxy_LDADD)

# Fuzzing the core: the corpus replayed under ASan/UBSan by make check,
# and the libFuzzer binary for make fuzz.
FUZZ_TARGETS += arp
ARP_FUZZ_SOURCES = tests/fuzz/fuzz-arp.c arpproxy/arp-proxy.c lib/packet.c
check_PROGRAMS += tests/fuzz/arp-corpus-run
UNIT_TESTS += tests/fuzz/arp-corpus-run
tests_fuzz_arp_corpus_run_SOURCES = tests/fuzz/standalone.c \
	$(ARP_FUZZ_SOURCES)
tests_fuzz_arp_corpus_run_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/arp"'
tests_fuzz_arp_corpus_run_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_fuzz_arp_corpus_run_LDFLAGS = $(SAN_CFLAGS)
tests_fuzz_arp_corpus_run_LDADD = $(OVS_LIBS)
tests/fuzz/arp-fuzzer: $(ARP_FUZZ_SOURCES)
	$(AM_V_CC)$(FUZZ_COMPILE) -o $@ $(ARP_FUZZ_SOURCES:%=$(srcdir)/%) \
		$(OVS_LIBS)

# Lab tests (root, network namespaces).
LAB_TESTS += \
	tests/lab/arp-basic.sh \
	tests/lab/arp-many-ports.sh
EXTRA_DIST += tests/lab/arp-lib.sh

# make bench-arp: ovnmig's proxy against the kernel's proxy_arp on the
# same veth pairs, with 1, 100 and 1,000 ports.
noinst_PROGRAMS += tests/bench/arp-loadgen
tests_bench_arp_loadgen_SOURCES = tests/bench/arp-loadgen.c
tests_bench_arp_loadgen_LDADD = lib/libovnmig.a $(PCAP_LIBS) $(NL_LIBS) \
	$(EVENT_LIBS) $(OVS_LIBS)
EXTRA_DIST += tests/bench/bench-arp.sh
BENCHES += bench-arp
bench-arp: arpproxy/ovnmig-arpproxy tests/bench/arp-loadgen
	@top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	  $(SHELL) $(top_srcdir)/tests/bench/bench-arp.sh
