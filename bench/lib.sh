# SPDX-License-Identifier: MIT
# Shared by the benchmark scripts: one timed run, and the rates of its table row.

# bench_time DIR NAME CMD...: runs CMD under /usr/bin/time with its output in DIR/out
# and DIR/err; sets secs, user, sys and rss (KiB).  A failing CMD ends the script.
bench_time() {
	local dir=$1 name=$2
	shift 2
	/usr/bin/time -f "%e %U %S %M" -o "$dir/time" "$@" > "$dir/out" 2> "$dir/err" || {
		echo "$name failed:" >&2; tail -5 "$dir/err" >&2; exit 1; }
	read -r secs user sys rss < "$dir/time"
}

# bench_rates N DECIMALS: "wall s | CPU s | N per CPU second | N per wall second" of the
# last bench_time.
bench_rates() {
	/usr/bin/python3 -c "c = $user + $sys; print('%.${2}f | %.${2}f | %.0f | %.0f' % ($secs, c, $1 / max(c, 0.001), $1 / max($secs, 0.001)))"
}
