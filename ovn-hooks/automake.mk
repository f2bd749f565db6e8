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

noinst_LIBRARIES += ovn-hooks/libovnhooks.a
nodist_ovn_hooks_libovnhooks_a_SOURCES = $(OVN_IDL_FILES)
ovn_hooks_libovnhooks_a_CFLAGS = $(AM_CFLAGS) -Wno-missing-prototypes
