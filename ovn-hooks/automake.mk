# ovn-hooks/ -- the OVSDB client of OVN's Northbound and Southbound.
#
# The nbrec_/sbrec_ IDL is generated at build time from the schemas the
# installed OVN ships, with the same ovsdb-idlc for .h and .c (OVS's python
# and Debian's order columns differently), and never committed.
OVN_IDLS = ovn-hooks/ovn-nb-idl ovn-hooks/ovn-sb-idl
OVN_IDL_FILES = $(OVN_IDLS:=.c) $(OVN_IDLS:=.h)
BUILT_SOURCES += $(OVN_IDL_FILES)
CLEANFILES += $(OVN_IDL_FILES) $(OVN_IDLS:=.ovsidl)
EXTRA_DIST += $(OVN_IDLS:=.ann)

ovn-hooks/ovn-nb-idl.ovsidl: $(OVN_SCHEMA_DIR)/ovn-nb.ovsschema \
		ovn-hooks/ovn-nb-idl.ann
	$(AM_V_GEN)$(MKDIR_P) ovn-hooks && $(OVSDB_IDLC) annotate \
	  $(OVN_SCHEMA_DIR)/ovn-nb.ovsschema $(srcdir)/ovn-hooks/ovn-nb-idl.ann \
	  > $@.tmp && mv $@.tmp $@
ovn-hooks/ovn-sb-idl.ovsidl: $(OVN_SCHEMA_DIR)/ovn-sb.ovsschema \
		ovn-hooks/ovn-sb-idl.ann
	$(AM_V_GEN)$(MKDIR_P) ovn-hooks && $(OVSDB_IDLC) annotate \
	  $(OVN_SCHEMA_DIR)/ovn-sb.ovsschema $(srcdir)/ovn-hooks/ovn-sb-idl.ann \
	  > $@.tmp && mv $@.tmp $@
SUFFIXES = .ovsidl
.ovsidl.c:
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-source $< > $@.tmp && mv $@.tmp $@
.ovsidl.h:
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-header $< > $@.tmp && mv $@.tmp $@

# The generated IDL, on its own: it needs -Wno-missing-prototypes.
noinst_LIBRARIES += ovn-hooks/libovnidl.a
nodist_ovn_hooks_libovnidl_a_SOURCES = $(OVN_IDL_FILES)
ovn_hooks_libovnidl_a_CFLAGS = $(AM_CFLAGS) -Wno-missing-prototypes

# The library: VM ports, port group and ACL, migration primitives, with the
# IDLs in a thread of their own (docs/ovn-hooks.md).  Link with
# $(OVNHOOKS_LIBS).
noinst_LIBRARIES += ovn-hooks/libovnhooks.a
ovn_hooks_libovnhooks_a_SOURCES = \
	ovn-hooks/ovn-hooks.c \
	ovn-hooks/ovn-hooks.h \
	ovn-hooks/ovn-hooks-idl.c \
	ovn-hooks/ovn-hooks-private.h
# The generated headers must exist before these compile.
ovn-hooks/ovn_hooks_libovnhooks_a-ovn-hooks.$(OBJEXT) \
ovn-hooks/ovn_hooks_libovnhooks_a-ovn-hooks-idl.$(OBJEXT): $(OVN_IDLS:=.h)
ovn_hooks_libovnhooks_a_CFLAGS = $(AM_CFLAGS)
OVNHOOKS_LIBS = ovn-hooks/libovnhooks.a ovn-hooks/libovnidl.a $(OVS_LIBS)
EXTRA_DIST += docs/ovn-hooks.md

# A command-line driver of the library, for the lab tests and benchmarks
# (and a small example of the libevent integration).
noinst_PROGRAMS += ovn-hooks/ovnmig-ovnhook-cli
ovn_hooks_ovnmig_ovnhook_cli_SOURCES = ovn-hooks/ovnmig-ovnhook-cli.c
ovn_hooks_ovnmig_ovnhook_cli_CFLAGS = $(AM_CFLAGS) $(EVENT_CFLAGS)
ovn_hooks_ovnmig_ovnhook_cli_LDADD = lib/libovnmig.a $(OVNHOOKS_LIBS) $(EVENT_LIBS) -lpthread

# Unit tests against a real ovsdb-server (skipped without one), and their
# second build under ASan/UBSan.
check_PROGRAMS += tests/test-ovn-hooks tests/test-ovn-hooks-asan
UNIT_TESTS += tests/test-ovn-hooks tests/test-ovn-hooks-asan
tests_test_ovn_hooks_SOURCES = tests/test-ovn-hooks.c
tests_test_ovn_hooks_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_ovn_hooks_LDADD = $(OVNHOOKS_LIBS) $(CMOCKA_LIBS) -lpthread
tests_test_ovn_hooks_asan_SOURCES = $(tests_test_ovn_hooks_SOURCES) \
	$(ovn_hooks_libovnhooks_a_SOURCES)
tests_test_ovn_hooks_asan_CFLAGS = $(tests_test_ovn_hooks_CFLAGS) $(SAN_CFLAGS)
tests_test_ovn_hooks_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_ovn_hooks_asan_LDADD = ovn-hooks/libovnidl.a $(OVS_LIBS) \
	$(CMOCKA_LIBS) -lpthread

# Lab test: the migration primitives on a real two-chassis OVN.
LAB_TESTS += tests/lab/ovn-hooks-migration.sh
EXTRA_DIST += tests/lab/ovn-hooks-common.sh

# make bench-ovn: ovn-hooks against one ovn-nbctl call per port, and the
# start -> SB latency in the lab (that part needs root).
BENCHES += bench-ovn
EXTRA_DIST += tests/bench/bench-ovn.sh
bench-ovn: ovn-hooks/ovnmig-ovnhook-cli
	@top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	  $(SHELL) $(top_srcdir)/tests/bench/bench-ovn.sh
