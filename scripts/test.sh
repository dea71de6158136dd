#!/bin/bash
# SPDX-License-Identifier: MIT
# Sets up (packages as root), builds from ./autogen.sh with warnings as errors,
# installs it into a prefix of the build dir (so the tests run with an
# installed copy beside the build tree), runs the whole test suite, and ends with "N passed, N failed, N skipped".
# MR_TEST_MODE selects the run: normal (check, fuzz replay, a clang build, distcheck),
# sanitize (an ASan+UBSan build, -fno-sanitize-recover=undefined: the whole suite
# and the fuzz replay; no distcheck), valgrind (the CLI integration tests with
# every mailroom run under valgrind), ci (the default, what CI runs: normal,
# then sanitize in its own build directory, with the time of each).
set -u
cd "$(dirname "$0")/.."
top=$PWD
if [ "$(id -u)" = 0 ] && [ -n "${MR_DEPS_DONE:-}" ]; then
	: # the packages were installed by the ci run that started this one
elif [ "$(id -u)" = 0 ]; then
	bash scripts/deps.sh || { echo "installing packages failed"; echo "0 passed, 1 failed"; exit 1; }
	export MR_DEPS_DONE=1
else
	echo "not root: assuming the packages of scripts/deps.sh are installed" >&2
fi
mode=${MR_TEST_MODE:-ci}
if [ "$mode" = ci ]; then
	# both runs, each in its own build directory; one summary line at the end
	tmp=${TMPDIR:-/tmp}/mr-ci.$$
	t0=$(date +%s)
	MR_TEST_MODE=normal bash "$top/scripts/test.sh" > "$tmp.normal" 2>&1
	rc1=$?
	t1=$(date +%s)
	MR_TEST_MODE=sanitize MR_BUILD_DIR=${MR_SAN_BUILD_DIR:-$top/_build-san} \
		bash "$top/scripts/test.sh" > "$tmp.san" 2>&1
	rc2=$?
	t2=$(date +%s)
	sed '$d' "$tmp.normal"
	echo "normal run: $(tail -1 "$tmp.normal") in $((t1 - t0)) s"
	sed '$d' "$tmp.san"
	echo "sanitizer run: $(tail -1 "$tmp.san") in $((t2 - t1)) s"
	sum=$(cat "$tmp.normal" "$tmp.san" |
		sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' |
		awk '{p += $1; f += $2; s += $3} END {printf "%d %d %d", p, f, s}')
	rm -f "$tmp.normal" "$tmp.san"
	read -r p f s <<<"$sum"
	if { [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ]; } && [ "$f" -eq 0 ]; then f=1; fi
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
	exit
fi
case $mode in
normal|sanitize|valgrind) ;;
*) echo "MR_TEST_MODE=$mode: want normal, sanitize, valgrind or ci"; echo "0 passed, 1 failed, 0 skipped"; exit 64 ;;
esac
build=${MR_BUILD_DIR:-$top/_build}
extra_flags=
configure_env=()
if [ "$mode" = sanitize ]; then
	extra_flags=--enable-sanitizers
	# every finding fails its test (UBSan: -fno-sanitize-recover=undefined)
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	# tests read MR_SANITIZE to scale benchmark-sized cases down and to skip
	# the few checks that measure what ASan changes (memory use), saying so
	export MR_SANITIZE=1
	# the 20,000-recipient mailing ran in the normal run: 2,000 under ASan
	export MAILING_TEST_N=${MAILING_TEST_N:-2000}
	# -O1, as ASan recommends: faster to build, readable stacks (given to
	# configure only, so that what the tests build keeps its own flags)
	configure_env=("CFLAGS=${CFLAGS:--g -O1}")
	MR_DISTCHECK=no
fi
./autogen.sh >autogen.out 2>&1 || { tail -20 autogen.out; echo "autogen.sh failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$build"
cd "$build"
# installed into a prefix of the build dir before the tests run: the tests must
# use the build tree's plugins only, with installed copies on the search path
"$top/configure" --enable-werror $extra_flags --prefix="$build/_prefix" ${MR_CONFIGURE_FLAGS:-} \
	${configure_env[@]+"${configure_env[@]}"} >configure.out 2>&1 ||
	{ cat configure.out; echo "configure failed"; echo "0 passed, 1 failed"; exit 1; }
sed -n '/^mailroom /,$p' configure.out
make -j"$(nproc)" >make.out 2>&1 || { tail -50 make.out; echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
make install >install.out 2>&1 || { tail -30 install.out; echo "make install failed"; echo "0 passed, 1 failed"; exit 1; }
extra_pass=0
extra_fail=0
extra_skip=0
if [ "$mode" = valgrind ]; then
	# the CLI integration tests, each mailroom run under valgrind (an error
	# exits 99, so the test's exit-code checks fail)
	printf '#!/bin/sh\nexec "%s/libtool" --mode=execute valgrind -q --error-exitcode=99 --suppressions="%s/scripts/valgrind.supp" "%s/mailroom" "$@"\n' \
		"$build" "$top" "$build" > "$build/valgrind-mailroom"
	chmod 755 "$build/valgrind-mailroom"
	vg_tests=${MR_VALGRIND_TESTS:-"tests/integration/inspect.sh tests/integration/bounce-cli.sh tests/integration/csv-hostile.sh tests/integration/cli-user.sh tests/integration/cli-spool.sh tests/integration/activity-preview.sh"}
	MR_MAILROOM_WRAPPER=$build/valgrind-mailroom make check TESTS="$vg_tests" >check.out 2>&1
	check_rc=$?
else
	make -j"$(nproc)" check >check.out 2>&1
	check_rc=$?
	# the fuzz targets, built as replay programs, over every seed corpus
	if make -j"$(nproc)" fuzz >fuzz-build.out 2>&1 && bash "$top/fuzz/run.sh" "$build" >fuzz.out 2>&1; then
		extra_pass=$((extra_pass + 1))
		echo "PASS: fuzz replay ($(grep -c '^PASS' fuzz.out) targets)"
	else
		tail -30 fuzz-build.out fuzz.out 2>/dev/null
		echo "FAIL: fuzz replay"
		extra_fail=$((extra_fail + 1))
	fi
fi
if [ "$mode" = normal ]; then
	# the whole tree with clang and warnings as errors, in its own build
	# directory (configured once, then rebuilt as make sees fit): programs,
	# plugins, check programs and fuzz targets; a warning of the link fails too
	cbuild=${MR_CLANG_BUILD_DIR:-$top/_build-clang}
	if ! command -v clang >/dev/null 2>&1 && [ -z "${CI:-}" ]; then
		echo "SKIP: clang build (clang is not installed; scripts/deps.sh installs it)"
		extra_skip=$((extra_skip + 1))
	elif mkdir -p "$cbuild" && (cd "$cbuild" &&
		{ [ -f Makefile ] || "$top/configure" CC=clang --enable-werror >configure.out 2>&1; } &&
		make -j"$(nproc)" >make.out 2>&1 && make -j"$(nproc)" check TESTS= >>make.out 2>&1 &&
		make -j"$(nproc)" fuzz >>make.out 2>&1 && ! grep -E 'warning:|error:' make.out); then
		echo "PASS: clang build"
		extra_pass=$((extra_pass + 1))
	else
		tail -30 "$cbuild/configure.out" "$cbuild/make.out" 2>/dev/null
		echo "FAIL: clang build"
		extra_fail=$((extra_fail + 1))
	fi
fi
grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP):' check.out | grep -v '^PASS' | head -200
# the end of each failed test's log (at most five)
find . -path './mailroom-*' -prune -o -name '*.trs' -print 2>/dev/null |
	xargs grep -lE '^:test-result: (FAIL|ERROR|XPASS)' 2>/dev/null | head -5 |
	while read -r trs; do
		echo "--- ${trs%.trs}.log (last 40 lines)"
		tail -40 "${trs%.trs}.log"
	done
if [ "${MR_DISTCHECK:-yes}" = yes ] && [ "$mode" = normal ]; then
	# the tarball's own test run: the 20,000-recipient mailing ran above
	# already, 2,000 show the tarball works
	if MAILING_TEST_N=2000 make distcheck >distcheck.out 2>&1; then
		echo "PASS: make distcheck"
		extra_pass=$((extra_pass + 1))
	else
		# what failed, and the end of each failed test's log, so that a
		# failure on a machine nobody can log into can still be read
		grep -E '^(FAIL|ERROR|XPASS):' distcheck.out | head -50
		find mailroom-*/ -name '*.log' ! -name test-suite.log 2>/dev/null |
			while read -r log; do
				trs=${log%.log}.trs
				if [ -f "$trs" ] && grep -qE '^:test-result: (FAIL|ERROR|XPASS)' "$trs"; then
					echo "--- $log (last 60 lines)"
					tail -60 "$log"
				fi
			done
		tail -40 distcheck.out
		echo "FAIL: make distcheck"
		extra_fail=$((extra_fail + 1))
	fi
fi
# one line per TAP result, from every test's .trs file
counts=$(find . -path './mailroom-*' -prune -o -name '*.trs' -print0 | xargs -0 cat 2>/dev/null |
	awk '/^:test-result: (PASS|XFAIL)/ {p++} /^:test-result: (FAIL|XPASS|ERROR)/ {f++}
	     /^:test-result: SKIP/ {s++} END {printf "%d %d %d", p, f, s}')
read -r passed failed skipped <<<"$counts"
passed=$((passed + extra_pass))
failed=$((failed + extra_fail))
skipped=$((skipped + extra_skip))
if [ "$check_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	tail -30 check.out
	failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
