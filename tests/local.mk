# SPDX-License-Identifier: MIT
# The test suite: every test speaks TAP; see tests/README.md.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
# Tests use the build tree's plugins only: MAILROOM_PLUGIN_PATH lists them, and
# MAILROOM_PLUGIN_PATH_ONLY=1 leaves plugin_dir ($(libdir)/mailroom/plugins by
# default) out of the search path.  First-wins alone would make the build
# tree's copies win over installed ones, but an installed plugin the build
# tree lacks (an old or removed one) would still be found and listed, so
# `make install && make check` in one tree could see other results.
AM_TESTS_ENVIRONMENT = \
	MAILROOM_PLUGIN_PATH=$$(ls -d $(abs_top_builddir)/plugins/*/.libs 2>/dev/null | tr '\n' ':'); \
	MAILROOM_PLUGIN_PATH_ONLY=1; \
	MAILROOM=$${MR_MAILROOM_WRAPPER:-$(abs_top_builddir)/mailroom}; \
	MR_CORPUS=$(MR_CORPUS); \
	MR_SRCDIR=$(abs_top_srcdir); MR_BUILDDIR=$(abs_top_builddir); \
	export MAILROOM_PLUGIN_PATH MAILROOM_PLUGIN_PATH_ONLY MAILROOM MR_CORPUS MR_SRCDIR MR_BUILDDIR;
EXTRA_DIST += tests/tap.h tests/lib.sh tests/README.md

include tests/unit/local.mk
include tests/integration/local.mk
include tests/store/local.mk
include tests/servers/local.mk
# sdk-example.sh and cron-systemd.sh run `make install` in this build tree,
# and libtool relinks the plugins in place while it installs them: a test
# that loads a plugin at that moment finds no file.  Those two run after
# every other test, one after the other.
tests/integration/cron-systemd.log: tests/integration/sdk-example.log
tests/integration/sdk-example.log: $(filter-out tests/integration/sdk-example.log tests/integration/cron-systemd.log,$(TEST_LOGS))
