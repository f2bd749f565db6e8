# daemon/ -- ovnmigd, the node agent, and the cluster database it shares
# with every other node.
#
# ovnmig.ovsschema is the cluster DB (VMs, nodes, migrations, policies),
# served by an ovsdb-server (a Raft cluster in production).  Its omrec_
# IDL is generated at build time, like the OVN ones.
pkgdata_DATA = daemon/ovnmig.ovsschema
EXTRA_DIST += daemon/ovnmig.ovsschema daemon/ovnmig-idl.ann
OVNMIG_IDL_FILES = daemon/ovnmig-idl.c daemon/ovnmig-idl.h
BUILT_SOURCES += $(OVNMIG_IDL_FILES)
CLEANFILES += $(OVNMIG_IDL_FILES) daemon/ovnmig-idl.ovsidl

daemon/ovnmig-idl.ovsidl: daemon/ovnmig.ovsschema daemon/ovnmig-idl.ann
	$(AM_V_GEN)$(MKDIR_P) daemon && $(OVSDB_IDLC) annotate \
	  $(srcdir)/daemon/ovnmig.ovsschema $(srcdir)/daemon/ovnmig-idl.ann \
	  > $@.tmp && mv $@.tmp $@

noinst_LIBRARIES += daemon/libclusterdb.a
nodist_daemon_libclusterdb_a_SOURCES = $(OVNMIG_IDL_FILES)
daemon_libclusterdb_a_CFLAGS = $(AM_CFLAGS) -Wno-missing-prototypes

# The schema must load into a real ovsdb-server's tool and carry a version.
UNIT_TESTS += tests/test-schema.sh
EXTRA_DIST += tests/test-schema.sh
