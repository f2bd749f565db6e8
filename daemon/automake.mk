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

# The VM's bridge-binding network.
noinst_LIBRARIES += daemon/libplumbing.a
daemon_libplumbing_a_SOURCES = daemon/plumbing.c daemon/plumbing.h
daemon_libplumbing_a_CFLAGS = $(AM_CFLAGS) $(NL_CFLAGS)

check_PROGRAMS += tests/plumb-ctl
tests_plumb_ctl_SOURCES = tests/plumb-ctl.c
tests_plumb_ctl_LDADD = daemon/libplumbing.a $(NL_LIBS) $(OVS_LIBS)
LAB_TESTS += tests/lab/plumbing-vm.sh

# ovnmigd's configuration file.
dist_man_MANS += docs/ovnmigd.conf.5
noinst_LIBRARIES += daemon/libovnmigd.a
daemon_libovnmigd_a_SOURCES = daemon/config.c daemon/config.h

check_PROGRAMS += tests/test-config tests/test-config-asan
UNIT_TESTS += tests/test-config tests/test-config-asan
tests_test_config_SOURCES = tests/test-config.c daemon/config.c \
	daemon/config.h migrate/qemu-accel.c migrate/qemu-accel.h
tests_test_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_config_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_config_asan_SOURCES = $(tests_test_config_SOURCES)
tests_test_config_asan_CFLAGS = $(tests_test_config_CFLAGS) $(SAN_CFLAGS)
tests_test_config_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_config_asan_LDADD = $(tests_test_config_LDADD)

# ovnmigd, the node agent: the cluster DB client, the VM manager and the
# migration engine on a libevent loop, with the control socket
# (docs/ovnmigd.8).
sbin_PROGRAMS += daemon/ovnmigd
# ...and its systemd unit (docs/deploy.md), installed where systemd looks
# for a package's units; "make install systemdsystemunitdir=DIR" elsewhere.
systemdsystemunitdir = $(prefix)/lib/systemd/system
systemdsystemunit_DATA = daemon/ovnmigd.service
EXTRA_DIST += daemon/ovnmigd.service.in
CLEANFILES += daemon/ovnmigd.service
daemon/ovnmigd.service: daemon/ovnmigd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) daemon && sed -e 's|@sbindir[@]|$(sbindir)|g' \
	  -e 's|@sysconfdir[@]|$(sysconfdir)|g' $(srcdir)/daemon/ovnmigd.service.in >$@.tmp \
	  && mv $@.tmp $@
daemon_ovnmigd_SOURCES = \
	daemon/ovnmigd.c \
	daemon/cluster-db.c \
	daemon/cluster-db.h \
	daemon/cni-server.c \
	daemon/cni-server.h \
	daemon/control.c \
	daemon/control.h \
	daemon/kube-agent.c \
	daemon/kube-agent.h \
	daemon/metrics.c \
	daemon/metrics.h \
	daemon/migration.c \
	daemon/migration.h \
	daemon/migration-private.h \
	daemon/migration-source.c \
	daemon/migration-target.c \
	daemon/port-move.c \
	daemon/port-move.h \
	daemon/vm-life.c \
	daemon/vm-manager.c \
	daemon/vm-manager-private.h \
	daemon/vm-manager.h \
	daemon/vm-views.c
daemon_ovnmigd_CFLAGS = $(AM_CFLAGS) $(EVENT_CFLAGS)
daemon_ovnmigd_LDADD = daemon/libovnmigd.a daemon/libplumbing.a \
	daemon/libclusterdb.a migrate/libmigrate.a arpproxy/libarpproxy.a \
	dhcpd/libdhcpd.a kube/libkube.a lib/libovnmig.a $(OVNHOOKS_LIBS) \
	$(SSL_LIBS) $(YAML_LIBS) $(BPF_LIBS) \
	$(NL_LIBS) $(PCAP_LIBS) $(EVENT_LIBS) $(OVS_LIBS) -lpthread
dist_man_MANS += docs/ovnmigd.8
# The network half of a migration (daemon/port-move.h), against a recorder
# of OVN requests.
check_PROGRAMS += tests/test-port-move tests/test-port-move-asan
UNIT_TESTS += tests/test-port-move tests/test-port-move-asan
tests_test_port_move_SOURCES = tests/test-port-move.c daemon/port-move.c \
	daemon/port-move.h
tests_test_port_move_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_port_move_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS) -lpthread
tests_test_port_move_asan_SOURCES = $(tests_test_port_move_SOURCES)
tests_test_port_move_asan_CFLAGS = $(tests_test_port_move_CFLAGS) $(SAN_CFLAGS)
tests_test_port_move_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_port_move_asan_LDADD = $(tests_test_port_move_LDADD)
# Kubernetes mode (daemon/kube-agent.h) against the OVN lab and the API
# server stand-in: the port moves as KubeVirt's objects say.
LAB_TESTS += tests/lab/kube-port-move.sh
# A VM run by ovnmigd in the lab: lease, ARP, OVN port, restart, delete.
LAB_TESTS += tests/lab/ovnmigd-vm.sh tests/lab/accel-boot.sh \
	tests/lab/ipv6-vm.sh
# A dual-stack VM migrates hv1 -> hv2 -> hv1, pinged over both families.
LAB_TESTS += tests/lab/ipv6-migrate.sh
# "vm show": the port's OpenFlow flows on br-int (daemon/flows.h).
daemon_ovnmigd_SOURCES += daemon/flows.c daemon/flows.h
check_PROGRAMS += tests/test-flows tests/test-flows-asan
UNIT_TESTS += tests/test-flows tests/test-flows-asan
tests_test_flows_SOURCES = tests/test-flows.c daemon/flows.c daemon/flows.h
tests_test_flows_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_flows_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS) -lpthread
tests_test_flows_asan_SOURCES = $(tests_test_flows_SOURCES)
tests_test_flows_asan_CFLAGS = $(tests_test_flows_CFLAGS) $(SAN_CFLAGS)
tests_test_flows_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_flows_asan_LDADD = $(tests_test_flows_LDADD)
# Live migration between ovnmigds in the lab: four moves with pings, the
# guest's view, OVN and the old node checked after each.
LAB_TESTS += tests/lab/migrate-vm.sh
# Limits, node drain and policies with four guests in a 3-node lab.
LAB_TESTS += tests/lab/drain-limits.sh
EXTRA_DIST += tests/lab/drain-lib.sh
# Migrations that fail (bad certificate, cancel, target QEMU killed, no
# progress) and a non-converging one completed by auto-converge and by
# post-copy; the bandwidth cap measured.
LAB_TESTS += tests/lab/migrate-fail.sh
EXTRA_DIST += tests/lab/migrate-lib.sh
# Prometheus metrics (daemon/metrics.h): the exposition text, checked
# against the format's rules, and the HTTP server on a loopback port.
check_PROGRAMS += tests/test-metrics tests/test-metrics-asan
UNIT_TESTS += tests/test-metrics tests/test-metrics-asan
tests_test_metrics_SOURCES = tests/test-metrics.c daemon/metrics.c \
	daemon/metrics.h
tests_test_metrics_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(EVENT_CFLAGS)
tests_test_metrics_LDADD = migrate/libmigrate.a arpproxy/libarpproxy.a \
	dhcpd/libdhcpd.a lib/libovnmig.a $(CMOCKA_LIBS) $(BPF_LIBS) $(EVENT_LIBS) \
	$(OVS_LIBS) -lpthread
tests_test_metrics_asan_SOURCES = $(tests_test_metrics_SOURCES)
tests_test_metrics_asan_CFLAGS = $(tests_test_metrics_CFLAGS) $(SAN_CFLAGS)
tests_test_metrics_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_metrics_asan_LDADD = $(tests_test_metrics_LDADD)
# make bench-migrate: the outage a migrating guest sees with ovnmig's
# multi-chassis cutover against the naive one (ovnmigd's benchmark knob),
# next to QEMU's pause; the engine's total time against a bare
# QEMU-to-QEMU migration of the same guest (tests/bench/bare-migrate); a
# timeline of one migration (SVG).  Root; about 10 minutes.
noinst_PROGRAMS += tests/bench/bare-migrate
tests_bench_bare_migrate_SOURCES = tests/bench/bare-migrate.c
tests_bench_bare_migrate_CFLAGS = $(AM_CFLAGS) $(EVENT_CFLAGS)
tests_bench_bare_migrate_LDADD = migrate/libmigrate.a lib/libovnmig.a $(EVENT_LIBS) \
	$(OVS_LIBS)
EXTRA_DIST += tests/bench/bench-migrate.sh tests/bench/migrate-gaps.py \
	tests/bench/migrate-timeline.py
BENCHES += bench-migrate
bench-migrate: daemon/ovnmigd utilities/ovnmigctl tests/bench/bare-migrate guest
	@top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	  $(SHELL) $(top_srcdir)/tests/bench/bench-migrate.sh
# The crash matrix: five daemons killed at four phases of a migration.
LAB_TESTS += tests/lab/migrate-faults.sh
# The control plane of real hosts: "up --central 3" (Raft clusters over
# TLS), a migration, then each database's leader and the active
# ovn-northd killed, a migration after each.
LAB_TESTS += tests/lab/lab-central3.sh
# Least privilege there: every cell of the cluster DB's RBAC table, OVN's
# chassis role in the SB, other CAs and no certificate refused.
LAB_TESTS += tests/lab/lab-rbac.sh
# The Raft fault matrix: each database's leader killed at four phases of
# a migration, on "up --central 3".
LAB_TESTS += tests/lab/migrate-faults-raft.sh
# The partition matrix: the source or the target cut off from the
# database members (and from the migration network), in Running and after
# switchover, on "up --central 3": never two running copies.
LAB_TESTS += tests/lab/migrate-partition.sh
