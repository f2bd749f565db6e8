# dhcpd/ -- the guest's DHCPv4 server: a pure core (dhcp-server,
# dhcp-options), the I/O glue over lib/pktio (dhcp-io) and the standalone
# tool ovnmig-dhcpd; and the DHCPv6 server's pure core (dhcp6-server).
# See docs/ovnmig-dhcpd.8.
noinst_LIBRARIES += dhcpd/libdhcpd.a
DHCPD_CORE_SOURCES = \
	dhcpd/dhcp-options.c \
	dhcpd/dhcp-options.h \
	dhcpd/dhcp-server.c \
	dhcpd/dhcp-server.h
dhcpd_libdhcpd_a_SOURCES = $(DHCPD_CORE_SOURCES) \
	dhcpd/dhcp6-server.c \
	dhcpd/dhcp6-server.h \
	dhcpd/dhcp6-io.c \
	dhcpd/dhcp6-io.h \
	dhcpd/dhcp-io.c \
	dhcpd/dhcp-io.h

sbin_PROGRAMS += dhcpd/ovnmig-dhcpd
dhcpd_ovnmig_dhcpd_SOURCES = dhcpd/ovnmig-dhcpd.c
dhcpd_ovnmig_dhcpd_LDADD = dhcpd/libdhcpd.a lib/libovnmig.a \
	$(PCAP_LIBS) $(NL_LIBS) $(EVENT_LIBS) $(OVS_LIBS)

# Unit tests, and their second build under ASan/UBSan.
check_PROGRAMS += tests/test-dhcp-server tests/test-dhcp-server-asan
UNIT_TESTS += tests/test-dhcp-server tests/test-dhcp-server-asan
tests_test_dhcp_server_SOURCES = tests/test-dhcp-server.c \
	$(dhcpd_libdhcpd_a_SOURCES) lib/dns-name.c lib/dns-name.h lib/packet.c \
	lib/packet.h lib/pktio.c lib/pktio.h
tests_test_dhcp_server_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(NL_CFLAGS)
tests_test_dhcp_server_LDADD = $(CMOCKA_LIBS) $(PCAP_LIBS) $(NL_LIBS) \
	$(EVENT_LIBS) $(OVS_LIBS)
tests_test_dhcp_server_asan_SOURCES = $(tests_test_dhcp_server_SOURCES)
tests_test_dhcp_server_asan_CFLAGS = $(tests_test_dhcp_server_CFLAGS) \
	$(SAN_CFLAGS)
tests_test_dhcp_server_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_dhcp_server_asan_LDADD = $(tests_test_dhcp_server_LDADD)

# Fuzzing: the corpus replayed under ASan/UBSan by make check, and the
# libFuzzer binary for make fuzz.
FUZZ_TARGETS += dhcp
FUZZ_DHCP_SOURCES = tests/fuzz/fuzz-dhcp.c $(DHCPD_CORE_SOURCES) \
	lib/dns-name.c lib/dns-name.h lib/packet.c lib/packet.h
check_PROGRAMS += tests/fuzz/dhcp-corpus-run
UNIT_TESTS += tests/fuzz/dhcp-corpus-run
tests_fuzz_dhcp_corpus_run_SOURCES = tests/fuzz/standalone.c \
	$(FUZZ_DHCP_SOURCES)
tests_fuzz_dhcp_corpus_run_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/dhcp"'
tests_fuzz_dhcp_corpus_run_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_fuzz_dhcp_corpus_run_LDFLAGS = $(SAN_CFLAGS)
tests_fuzz_dhcp_corpus_run_LDADD = $(OVS_LIBS)
tests/fuzz/dhcp-fuzzer: $(FUZZ_DHCP_SOURCES)
	$(AM_V_CC)$(FUZZ_COMPILE) -o $@ $(srcdir)/tests/fuzz/fuzz-dhcp.c \
	  $(srcdir)/dhcpd/dhcp-options.c $(srcdir)/dhcpd/dhcp-server.c \
	  $(srcdir)/lib/dns-name.c $(srcdir)/lib/packet.c $(OVS_LIBS)
EXTRA_DIST += tests/fuzz/dhcp-corpus.py

# The DHCPv6 core: unit tests and their ASan/UBSan twin, and its fuzz
# target with the seed corpus that tests/fuzz/dhcp6-corpus.py writes.
check_PROGRAMS += tests/test-dhcp6-server tests/test-dhcp6-server-asan
UNIT_TESTS += tests/test-dhcp6-server tests/test-dhcp6-server-asan
tests_test_dhcp6_server_SOURCES = tests/test-dhcp6-server.c \
	tests/dhcp6-test.c tests/dhcp6-test.h \
	dhcpd/dhcp6-server.c dhcpd/dhcp6-server.h lib/dns-name.c \
	lib/dns-name.h lib/packet.c lib/packet.h
tests_test_dhcp6_server_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_dhcp6_server_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_dhcp6_server_asan_SOURCES = $(tests_test_dhcp6_server_SOURCES)
tests_test_dhcp6_server_asan_CFLAGS = $(tests_test_dhcp6_server_CFLAGS) \
	$(SAN_CFLAGS)
tests_test_dhcp6_server_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_dhcp6_server_asan_LDADD = $(tests_test_dhcp6_server_LDADD)

FUZZ_TARGETS += dhcp6
DHCP6_FUZZ_SOURCES = tests/fuzz/fuzz-dhcp6.c dhcpd/dhcp6-server.c \
	lib/dns-name.c lib/packet.c
check_PROGRAMS += tests/fuzz/dhcp6-corpus-run
UNIT_TESTS += tests/fuzz/dhcp6-corpus-run
tests_fuzz_dhcp6_corpus_run_SOURCES = tests/fuzz/standalone.c \
	$(DHCP6_FUZZ_SOURCES)
tests_fuzz_dhcp6_corpus_run_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/dhcp6"'
tests_fuzz_dhcp6_corpus_run_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_fuzz_dhcp6_corpus_run_LDFLAGS = $(SAN_CFLAGS)
tests_fuzz_dhcp6_corpus_run_LDADD = $(OVS_LIBS)
tests/fuzz/dhcp6-fuzzer: $(DHCP6_FUZZ_SOURCES)
	$(AM_V_CC)$(FUZZ_COMPILE) -o $@ $(DHCP6_FUZZ_SOURCES:%=$(srcdir)/%) \
		$(OVS_LIBS)
EXTRA_DIST += tests/fuzz/dhcp6-corpus.py

# Lab tests (root, network namespaces, real DHCP clients).
LAB_TESTS += \
	tests/lab/dhcp-udhcpc.sh \
	tests/lab/dhcp-dhclient.sh
EXTRA_DIST += tests/lab/dhcp-lib.sh

# make bench-dhcp: ovnmig-dhcpd against kea-dhcp4 and dnsmasq, perfdhcp
# with 10,000 clients, on the same veth pair.
EXTRA_DIST += tests/bench/bench-dhcp.sh
BENCHES += bench-dhcp
bench-dhcp: dhcpd/ovnmig-dhcpd
	@top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	  $(SHELL) $(top_srcdir)/tests/bench/bench-dhcp.sh

dist_man_MANS += docs/ovnmig-dhcpd.8
