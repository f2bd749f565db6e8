# lib/ -- code shared by every component.
noinst_LIBRARIES += lib/libovnmig.a
lib_libovnmig_a_SOURCES = \
	lib/dns-name.c \
	lib/dns-name.h \
	lib/packet.c \
	lib/packet.h \
	lib/kubevirt-yaml.c \
	lib/kubevirt-yaml.h \
	lib/ovsdb-ssl.c \
	lib/ovsdb-ssl.h \
	lib/pktio.c \
	lib/pktio.h \
	lib/quantity.c \
	lib/quantity.h \
	lib/tool.c \
	lib/tool.h \
	lib/yaml-doc.c \
	lib/yaml-doc.h
# pktio watches link notifications through libnl-3: every program that
# links it takes $(NL_LIBS).
lib_libovnmig_a_CPPFLAGS = $(AM_CPPFLAGS) $(NL_CFLAGS)

# Unit tests, and their second build under ASan/UBSan.
check_PROGRAMS += tests/test-packet tests/test-packet-asan
UNIT_TESTS += tests/test-packet tests/test-packet-asan
tests_test_packet_SOURCES = tests/test-packet.c lib/packet.c lib/packet.h
tests_test_packet_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_packet_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_packet_asan_SOURCES = $(tests_test_packet_SOURCES)
tests_test_packet_asan_CFLAGS = $(tests_test_packet_CFLAGS) $(SAN_CFLAGS)
tests_test_packet_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_packet_asan_LDADD = $(tests_test_packet_LDADD)

check_PROGRAMS += tests/test-kubevirt-yaml tests/test-kubevirt-yaml-asan
UNIT_TESTS += tests/test-kubevirt-yaml tests/test-kubevirt-yaml-asan
EXTRA_DIST += tests/data/vm1.yaml tests/data/policy1.yaml
tests_test_kubevirt_yaml_SOURCES = tests/test-kubevirt-yaml.c \
	lib/kubevirt-yaml.c lib/kubevirt-yaml.h lib/quantity.c lib/quantity.h \
	lib/yaml-doc.c lib/yaml-doc.h
tests_test_kubevirt_yaml_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_test_kubevirt_yaml_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(YAML_CFLAGS)
tests_test_kubevirt_yaml_LDADD = $(CMOCKA_LIBS) $(YAML_LIBS) $(OVS_LIBS)
tests_test_kubevirt_yaml_asan_SOURCES = $(tests_test_kubevirt_yaml_SOURCES)
tests_test_kubevirt_yaml_asan_CPPFLAGS = $(tests_test_kubevirt_yaml_CPPFLAGS)
tests_test_kubevirt_yaml_asan_CFLAGS = $(tests_test_kubevirt_yaml_CFLAGS) \
	$(SAN_CFLAGS)
tests_test_kubevirt_yaml_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_kubevirt_yaml_asan_LDADD = $(tests_test_kubevirt_yaml_LDADD)

FUZZ_TARGETS += kubevirt-yaml
KUBEVIRT_YAML_FUZZ_SOURCES = tests/fuzz/fuzz-kubevirt-yaml.c \
	lib/kubevirt-yaml.c lib/quantity.c lib/yaml-doc.c
check_PROGRAMS += tests/fuzz/kubevirt-yaml-corpus-run
UNIT_TESTS += tests/fuzz/kubevirt-yaml-corpus-run
tests_fuzz_kubevirt_yaml_corpus_run_SOURCES = tests/fuzz/standalone.c \
	$(KUBEVIRT_YAML_FUZZ_SOURCES)
tests_fuzz_kubevirt_yaml_corpus_run_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/kubevirt-yaml"'
tests_fuzz_kubevirt_yaml_corpus_run_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) \
	$(SAN_CFLAGS)
tests_fuzz_kubevirt_yaml_corpus_run_LDFLAGS = $(SAN_CFLAGS)
tests_fuzz_kubevirt_yaml_corpus_run_LDADD = $(YAML_LIBS) $(OVS_LIBS)
tests/fuzz/kubevirt-yaml-fuzzer: $(KUBEVIRT_YAML_FUZZ_SOURCES)
	$(AM_V_CC)$(FUZZ_COMPILE) -o $@ $(KUBEVIRT_YAML_FUZZ_SOURCES:%=$(srcdir)/%) \
	  $(YAML_LIBS) $(OVS_LIBS)
