#!/bin/bash
# SPDX-License-Identifier: MIT
# Store capabilities at load time: a job or transport that needs a capability the
# store lacks fails `mailroom config check` (exit 78) naming the section, the
# plugin and the capability; the same store passes with jobs it can serve; and
# mailroom-store-check skips, saying so, the cases of capabilities it lacks.
. "$MR_SRCDIR/tests/lib.sh"

probe_dir=$MR_BUILDDIR/tests/unit/plugins/.libs
cfg=$T_DIR/site.ini
write_site() {
	cat > "$cfg" <<INI
[mailroom]
site = capstest
store = noqueue
transport = $1
lock_dir = $T_DIR/locks
plugin_path = $probe_dir
[store-noqueue]
[job-cleanup]
plugin = cleanup
INI
}
mkdir -p "$T_DIR/locks"

# a store with the base table and a spool serves the spool transport and cleanup
write_site spool
"$MAILROOM" --config "$cfg" config check > "$T_DIR/out" 2>&1
check_eq "config check passes: spool and cleanup need no more than the store has" "$?" 0
sed 's/^/# /' "$T_DIR/out" | head -5

# process-mailing needs the mailing queue and contacts
cat >> "$cfg" <<INI
[job-mailing]
plugin = process-mailing
INI
"$MAILROOM" --config "$cfg" config check > "$T_DIR/out" 2>&1
check_eq "config check exits 78 (EX_CONFIG)" "$?" 78
check_grep "it names the job, the plugin and the mailing queue" \
	"\[job-mailing\] plugin process-mailing needs the store's mailing queue; store 'noqueue'" \
	"$T_DIR/out"
check_grep "and the contacts and groups" \
	"\[job-mailing\] plugin process-mailing needs the store's contacts and groups" "$T_DIR/out"
check "cleanup is not reported" sh -c "! grep -q 'job-cleanup' '$T_DIR/out'"

# fetch-bounces and reset-holds need bounces, fetch-activities activities
write_site spool
cat >> "$cfg" <<INI
[job-holds]
plugin = reset-holds
[job-activities]
plugin = fetch-activities
INI
"$MAILROOM" --config "$cfg" config check > "$T_DIR/out" 2>&1
check_eq "config check exits 78 for reset-holds and fetch-activities" "$?" 78
check_grep "reset-holds needs bounces" \
	"\[job-holds\] plugin reset-holds needs the store's bounces" "$T_DIR/out"
check_grep "fetch-activities needs activities" \
	"\[job-activities\] plugin fetch-activities needs the store's activities" "$T_DIR/out"

# the conformance program runs the base cases and skips the rest, saying so
# (the test store answers MR_EUNSUPPORTED, so the base cases fail: only the
# skip lines are checked here)
write_site spool
"$MR_BUILDDIR/mailroom-store-check" --config "$cfg" > "$T_DIR/tap" 2>&1
check_eq "mailroom-store-check fails against a store whose slots all fail" "$?" 1
check_grep "it says the mailing queue cases are skipped" \
	"^# skipping the mailing queue cases: the store 'noqueue' has no contacts and groups, mailing queue$" \
	"$T_DIR/tap"
check_grep "and the activity cases" \
	"^# skipping the activity cases: the store 'noqueue' has no contacts and groups, activities$" \
	"$T_DIR/tap"
check "it does not skip the spool cases" sh -c "! grep -q 'skipping the spool' '$T_DIR/tap'"
"$MR_BUILDDIR/mailroom-store-check" > /dev/null 2>&1
check_eq "mailroom-store-check without --config is a usage error" "$?" 64

done_testing
