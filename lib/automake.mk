# lib/ -- code shared by every component.
noinst_LIBRARIES += lib/libovnmig.a
lib_libovnmig_a_SOURCES = \
	lib/packet.c \
	lib/packet.h \
	lib/pktio.c \
	lib/pktio.h

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
