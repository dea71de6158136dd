#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs the fuzz targets of a build directory: replays every corpus (fuzz/corpus/TARGET,
# and the shared corpus for the message targets) and, with libFuzzer targets, fuzzes
# each for SECONDS.  Usage: fuzz/run.sh BUILDDIR [SECONDS]   Prints one line per target.
set -u
build=$1
secs=${2:-0}
src=$(cd "$(dirname "$0")/.." && pwd)
corpus=${MR_CORPUS:-$src/../shared/corpus}
fail=0
for t in bounce activity message text verp dkim csv ini received smtp-reply track form; do
	prog=$build/fuzz/fuzz-$t
	[ -x "$prog" ] || { echo "FAIL: fuzz-$t: not built (make fuzz)"; fail=1; continue; }
	seeds=("$src/fuzz/corpus/$t")
	case $t in
	bounce) [ -d "$corpus/bounces" ] && seeds+=("$corpus/bounces") ;;
	activity|message|text) [ -d "$corpus/messages" ] && seeds+=("$corpus/messages") ;;
	esac
	dict=$src/fuzz/mime.dict
	case $t in csv|ini) dict=$src/fuzz/ini.dict ;; received|smtp-reply|track|form) dict=$src/fuzz/$t.dict ;; esac
	if "$prog" -help=1 2>&1 | grep -q libFuzzer; then
		# libFuzzer: replay the seeds, then fuzz into a scratch corpus
		work=$(mktemp -d)
		if [ "$secs" -gt 0 ]; then
			out=$("$prog" -dict="$dict" -max_total_time="$secs" -max_len=65536 -timeout=10 \
				-rss_limit_mb=2048 -print_final_stats=1 "$work" "${seeds[@]}" 2>&1)
		else
			out=$("$prog" -runs=0 "${seeds[@]}" 2>&1)
		fi
		rc=$?
		rm -rf "$work"
		stats=$(printf '%s\n' "$out" | grep -E 'stat::number_of_executed_units|cov: ' | tail -2 | tr '\n' ' ')
	else
		out=$("$prog" "${seeds[@]}" 2>&1)
		rc=$?
		stats=$(printf '%s\n' "$out" | tail -1)
	fi
	if [ $rc -eq 0 ]; then
		echo "PASS: fuzz-$t $stats"
	else
		printf '%s\n' "$out" | tail -30
		echo "FAIL: fuzz-$t (exit $rc)"
		fail=1
	fi
done
exit $fail
