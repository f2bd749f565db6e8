# utilities/ -- ovnmigctl (the CLI) and ovnmig-lab (the local OVN lab).
dist_sbin_SCRIPTS += utilities/ovnmig-lab utilities/ovnmig-pki
EXTRA_DIST += utilities/ovnmig-demo
dist_man_MANS += docs/ovnmig-lab.8 docs/ovnmig-pki.8

# ovnmigctl: the cluster database through the omrec_ IDL, and a node's
# ovnmigd through its control socket (docs/ovnmigctl.8).
bin_PROGRAMS += utilities/ovnmigctl
utilities_ovnmigctl_SOURCES = utilities/ovnmigctl.c utilities/ovnmigctl.h \
	utilities/ovnmigctl-policy.c utilities/ovnmigctl-migration.c \
	utilities/ovnmigctl-conn.c utilities/ovnmigctl-rbac.c
utilities_ovnmigctl_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
utilities_ovnmigctl_LDADD = daemon/libclusterdb.a migrate/libmigrate.a \
	lib/libovnmig.a $(YAML_LIBS) $(OVS_LIBS)
dist_man_MANS += docs/ovnmigctl.8

# ovnmigctl against a private ovsdb-server (no root): the bad vm.yaml
# files, exit codes, config checks.
UNIT_TESTS += tests/test-ovnmigctl.sh
EXTRA_DIST += tests/test-ovnmigctl.sh tests/ovnmigctl-lib.sh
# policy and namespace commands, the same way.
UNIT_TESTS += tests/test-ovnmigctl-policy.sh
EXTRA_DIST += tests/test-ovnmigctl-policy.sh
# TLS with identity (ovnmig-pki, -p/-c/-C, OVNMIG_SSL_*, OVNMIGCTL_CONF)
# against a private ovsdb-server on 127.0.0.1.
UNIT_TESTS += tests/test-ovnmigctl-ssl.sh
EXTRA_DIST += tests/test-ovnmigctl-ssl.sh
# Every cell of the cluster DB's RBAC table (ovnmigctl rbac install) with a
# node's certificate; the lab runs the same cells (tests/lab/lab-rbac.sh).
UNIT_TESTS += tests/test-ovnmigctl-rbac.sh
EXTRA_DIST += tests/test-ovnmigctl-rbac.sh tests/rbac-cells.sh
check-unit: utilities/ovnmigctl
