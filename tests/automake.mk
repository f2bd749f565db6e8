# tests/ -- the runner, the lab-level tests and the make targets of each
# level.  Unit tests and fuzz targets are declared by their component's
# fragment.
EXTRA_DIST += $(LAB_TESTS)

# Inside distcheck the lab tests report themselves skipped.
AM_DISTCHECK_CONFIGURE_FLAGS = --disable-lab-tests

RUN_TESTS = top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
	OVNMIG_LAB_TESTS=$(LAB_TESTS_ENABLED) \
	$(SHELL) $(top_srcdir)/tests/run-tests.sh

# make check = every level, one count line at the end.
check-local:
	@$(RUN_TESTS) --level all $(UNIT_TESTS) $(LAB_TESTS)
check-unit: $(check_PROGRAMS)
	@$(RUN_TESTS) --level unit $(UNIT_TESTS)
check-lab: all
	@$(RUN_TESTS) --level lab $(LAB_TESTS)
.PHONY: check-unit check-lab

clean-local:
	rm -rf tests/logs
