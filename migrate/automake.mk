# migrate/ -- the migration engine and the QEMU driver it shares with
# ovnmigd's VM lifecycle.
noinst_LIBRARIES += migrate/libmigrate.a
migrate_libmigrate_a_SOURCES = \
	migrate/driver.c \
	migrate/driver.h \
	migrate/monitor.c \
	migrate/monitor.h \
	migrate/policy.c \
	migrate/policy.h \
	migrate/qemu-accel.c \
	migrate/qemu-accel.h \
	migrate/qemu-vm.c \
	migrate/qemu-vm.h \
	migrate/qmp.c \
	migrate/qmp.h \
	migrate/scheduler.c \
	migrate/scheduler.h

check_PROGRAMS += tests/test-qmp tests/test-qmp-asan
UNIT_TESTS += tests/test-qmp tests/test-qmp-asan
tests_test_qmp_SOURCES = tests/test-qmp.c migrate/qmp.c migrate/qmp.h
tests_test_qmp_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(EVENT_CFLAGS)
tests_test_qmp_LDADD = $(CMOCKA_LIBS) $(EVENT_LIBS) $(OVS_LIBS)
tests_test_qmp_asan_SOURCES = $(tests_test_qmp_SOURCES)
tests_test_qmp_asan_CFLAGS = $(tests_test_qmp_CFLAGS) $(SAN_CFLAGS)
tests_test_qmp_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_qmp_asan_LDADD = $(tests_test_qmp_LDADD)

check_PROGRAMS += tests/test-policy tests/test-policy-asan
UNIT_TESTS += tests/test-policy tests/test-policy-asan
tests_test_policy_SOURCES = tests/test-policy.c migrate/policy.c \
	migrate/policy.h lib/quantity.c lib/quantity.h
tests_test_policy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_policy_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_policy_asan_SOURCES = $(tests_test_policy_SOURCES)
tests_test_policy_asan_CFLAGS = $(tests_test_policy_CFLAGS) $(SAN_CFLAGS)
tests_test_policy_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_policy_asan_LDADD = $(tests_test_policy_LDADD)

check_PROGRAMS += tests/test-qemu-vm tests/test-qemu-vm-asan tests/vm-ctl
UNIT_TESTS += tests/test-qemu-vm tests/test-qemu-vm-asan
tests_test_qemu_vm_SOURCES = tests/test-qemu-vm.c migrate/qemu-vm.c \
	migrate/qemu-vm.h migrate/qemu-accel.c migrate/qemu-accel.h
tests_test_qemu_vm_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_qemu_vm_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_qemu_vm_asan_SOURCES = $(tests_test_qemu_vm_SOURCES)
tests_test_qemu_vm_asan_CFLAGS = $(tests_test_qemu_vm_CFLAGS) $(SAN_CFLAGS)
tests_test_qemu_vm_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_qemu_vm_asan_LDADD = $(tests_test_qemu_vm_LDADD)
tests_vm_ctl_SOURCES = tests/vm-ctl.c
tests_vm_ctl_LDADD = migrate/libmigrate.a $(EVENT_LIBS) $(OVS_LIBS)

# The accelerator's probe and decision: the probe's guest is booted for
# real under TCG (no privileges, no KVM needed).
check_PROGRAMS += tests/test-qemu-accel tests/test-qemu-accel-asan
UNIT_TESTS += tests/test-qemu-accel tests/test-qemu-accel-asan
tests_test_qemu_accel_SOURCES = tests/test-qemu-accel.c migrate/qemu-accel.c \
	migrate/qemu-accel.h
tests_test_qemu_accel_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_qemu_accel_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_qemu_accel_asan_SOURCES = $(tests_test_qemu_accel_SOURCES)
tests_test_qemu_accel_asan_CFLAGS = $(tests_test_qemu_accel_CFLAGS) $(SAN_CFLAGS)
tests_test_qemu_accel_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_qemu_accel_asan_LDADD = $(tests_test_qemu_accel_LDADD)

check_PROGRAMS += tests/test-monitor tests/test-monitor-asan
UNIT_TESTS += tests/test-monitor tests/test-monitor-asan
tests_test_monitor_SOURCES = tests/test-monitor.c migrate/monitor.c \
	migrate/monitor.h migrate/policy.c lib/quantity.c
tests_test_monitor_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_monitor_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_monitor_asan_SOURCES = $(tests_test_monitor_SOURCES)
tests_test_monitor_asan_CFLAGS = $(tests_test_monitor_CFLAGS) $(SAN_CFLAGS)
tests_test_monitor_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_monitor_asan_LDADD = $(tests_test_monitor_LDADD)

# The driver against real QEMU (no network, no privileges).
check_PROGRAMS += tests/test-migrate
UNIT_TESTS += tests/test-migrate
tests_test_migrate_SOURCES = tests/test-migrate.c migrate/driver.c \
	migrate/driver.h migrate/monitor.c migrate/policy.c migrate/qmp.c \
	migrate/qemu-vm.c migrate/qemu-accel.c lib/quantity.c
tests_test_migrate_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"' -DTOP_BUILDDIR='"$(abs_top_builddir)"'
tests_test_migrate_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(EVENT_CFLAGS)
tests_test_migrate_LDADD = $(CMOCKA_LIBS) $(EVENT_LIBS) $(OVS_LIBS)
# The same program, a cancel followed at once by a migration, 20 times
# with the other CPUs busy (about 90 s on 2 CPUs).
UNIT_TESTS += tests/test-migrate-race.sh
EXTRA_DIST += tests/test-migrate-race.sh

# The driver against a scripted QMP peer (no QEMU needed).
check_PROGRAMS += tests/test-driver tests/test-driver-asan
UNIT_TESTS += tests/test-driver tests/test-driver-asan
tests_test_driver_SOURCES = tests/test-driver.c migrate/driver.c \
	migrate/driver.h migrate/monitor.c migrate/policy.c migrate/qmp.c \
	lib/quantity.c
tests_test_driver_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(EVENT_CFLAGS)
tests_test_driver_LDADD = $(CMOCKA_LIBS) $(EVENT_LIBS) $(OVS_LIBS)
tests_test_driver_asan_SOURCES = $(tests_test_driver_SOURCES)
tests_test_driver_asan_CFLAGS = $(tests_test_driver_CFLAGS) $(SAN_CFLAGS)
tests_test_driver_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_driver_asan_LDADD = $(tests_test_driver_LDADD)

check_PROGRAMS += tests/test-scheduler tests/test-scheduler-asan
UNIT_TESTS += tests/test-scheduler tests/test-scheduler-asan
tests_test_scheduler_SOURCES = tests/test-scheduler.c migrate/scheduler.c \
	migrate/scheduler.h migrate/policy.c lib/quantity.c
tests_test_scheduler_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_scheduler_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_scheduler_asan_SOURCES = $(tests_test_scheduler_SOURCES)
tests_test_scheduler_asan_CFLAGS = $(tests_test_scheduler_CFLAGS) $(SAN_CFLAGS)
tests_test_scheduler_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_scheduler_asan_LDADD = $(tests_test_scheduler_LDADD)

# make bench-drain: a simulated drain of 200 VMs through the real
# scheduler and monitor, against the bound total memory / (per-node
# outbound limit x bandwidth per migration); then, as root, a real drain
# of 4 small guests in the lab (tests/bench/drain-lab.sh), its figures
# printed next to the simulation's.
noinst_PROGRAMS += tests/bench/drain-sim
tests_bench_drain_sim_SOURCES = tests/bench/drain-sim.c migrate/scheduler.c \
	migrate/monitor.c migrate/policy.c lib/quantity.c
tests_bench_drain_sim_LDADD = $(OVS_LIBS) -lm
BENCHES += bench-drain
EXTRA_DIST += tests/bench/drain-lab.sh
bench-drain: tests/bench/drain-sim daemon/ovnmigd utilities/ovnmigctl
	@out=$$(mktemp) && tests/bench/drain-sim >"$$out" && cat "$$out" && \
	  echo && top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	  DRAIN_SIM_OUT="$$out" $(SHELL) $(top_srcdir)/tests/bench/drain-lab.sh; \
	  rc=$$?; rm -f "$$out"; exit $$rc
