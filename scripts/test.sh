#!/bin/bash
# SPDX-License-Identifier: MIT
# Sets up (packages as root), builds from ./autogen.sh with warnings as errors,
# installs it into a prefix of the build dir (so the tests run with an
# installed copy beside the build tree), runs the whole test suite, and ends with "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
top=$PWD
if [ "$(id -u)" = 0 ]; then
	bash scripts/deps.sh || { echo "installing packages failed"; echo "0 passed, 1 failed"; exit 1; }
else
	echo "not root: assuming the packages of scripts/deps.sh are installed" >&2
fi
build=${MR_BUILD_DIR:-$top/_build}
./autogen.sh >autogen.out 2>&1 || { tail -20 autogen.out; echo "autogen.sh failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$build"
cd "$build"
# installed into a prefix of the build dir before the tests run: the tests must
# use the build tree's plugins only, with installed copies on the search path
"$top/configure" --enable-werror --prefix="$build/_prefix" ${MR_CONFIGURE_FLAGS:-} >configure.out 2>&1 ||
	{ cat configure.out; echo "configure failed"; echo "0 passed, 1 failed"; exit 1; }
sed -n '/^mailroom /,$p' configure.out
make -j"$(nproc)" >make.out 2>&1 || { tail -50 make.out; echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
make install >install.out 2>&1 || { tail -30 install.out; echo "make install failed"; echo "0 passed, 1 failed"; exit 1; }
make -j"$(nproc)" check >check.out 2>&1
check_rc=$?
grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP):' check.out | grep -v '^PASS' | head -200
extra_pass=0
extra_fail=0
if [ "${MR_DISTCHECK:-yes}" = yes ]; then
	# the tarball's own test run: the 20,000-recipient mailing ran above
	# already, 2,000 show the tarball works
	if MAILING_TEST_N=2000 make distcheck >distcheck.out 2>&1; then
		echo "PASS: make distcheck"
		extra_pass=1
	else
		tail -40 distcheck.out
		echo "FAIL: make distcheck"
		extra_fail=1
	fi
fi
# one line per TAP result, from every test's .trs file
counts=$(find . -path './mailroom-*' -prune -o -name '*.trs' -print0 | xargs -0 cat 2>/dev/null |
	awk '/^:test-result: (PASS|XFAIL)/ {p++} /^:test-result: (FAIL|XPASS|ERROR)/ {f++}
	     /^:test-result: SKIP/ {s++} END {printf "%d %d %d", p, f, s}')
read -r passed failed skipped <<<"$counts"
passed=$((passed + extra_pass))
failed=$((failed + extra_fail))
if [ "$check_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	tail -30 check.out
	failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
