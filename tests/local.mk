# SPDX-License-Identifier: MIT
# The test suite: every test speaks TAP; see tests/README.md.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = \
	MAILROOM_PLUGIN_PATH=$$(ls -d $(abs_top_builddir)/plugins/*/.libs 2>/dev/null | tr '\n' ':'); \
	MAILROOM=$(abs_top_builddir)/mailroom; \
	MR_CORPUS=$(MR_CORPUS); \
	MR_SRCDIR=$(abs_top_srcdir); MR_BUILDDIR=$(abs_top_builddir); \
	export MAILROOM_PLUGIN_PATH MAILROOM MR_CORPUS MR_SRCDIR MR_BUILDDIR;
EXTRA_DIST += tests/tap.h tests/lib.sh tests/README.md

include tests/unit/local.mk
include tests/integration/local.mk
include tests/store/local.mk
include tests/servers/local.mk
