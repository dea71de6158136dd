#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom cron on three "hosts" (three host names, three lock_dirs, one private MariaDB): every due job runs once per period, a job never overlaps itself or its lock group across hosts, worker slots are shared, and a SIGKILLed holder's lock expires after the lease.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/mariadb.sh"
needs mariadbd mariadb-install-db mariadb

seconds=${MR_CRON_SECONDS:-20}
probe_dir=$MR_BUILDDIR/tests/unit/plugins/.libs
mariadb_private site mr 'pw'

# host_cfg HOST [VICTIM_MS]: the site as host HOST sees it
host_cfg() {
	mkdir -p "$T_DIR/$1/locks"
	cat > "$T_DIR/$1/site.ini" <<INI
[mailroom]
site = crontest
from = sender@example.org
store = mariadb
transport = spool
lock_dir = $T_DIR/$1/locks
lock_lease = 3s
plugin_path = $probe_dir
$(mariadb_store_section site mr "$T_DIR/pw")
[job-daily]
plugin = probe
frequency = daily
file = $T_DIR/daily.txt
[job-hourly]
plugin = probe
frequency = hourly
file = $T_DIR/hourly.txt
[job-g1]
plugin = probe
frequency = hourly
lock_group = shared
sleep_ms = 1500
file = $T_DIR/group.txt
[job-g2]
plugin = probe
frequency = hourly
lock_group = shared
sleep_ms = 1500
file = $T_DIR/group.txt
[job-long]
plugin = probe
sleep_ms = 5000
file = $T_DIR/long.txt
[job-pool]
plugin = probe
max_workers = 2
sleep_ms = 2500
file = $T_DIR/pool.txt
[job-victim]
plugin = probe
enabled = no
sleep_ms = ${2:-100}
file = $T_DIR/victim.txt
INI
}
for h in alpha beta gamma; do host_cfg $h; done
on() { local h=$1; shift; MAILROOM_HOSTNAME=$h "$MAILROOM" --config "$T_DIR/$h/site.ini" "$@"; }

# the most processes between a job's start and end lines at once
most_at_once() {
	awk '$1 == "start" { n++; if (n > m) m = n } $1 == "end" || $1 == "stopped" { n-- } END { print m + 0 }' "$1"
}

# a fixed "now" in the middle of an hour, so that the hourly and daily jobs
# have exactly one due time during the test
export MAILROOM_FAKE_NOW=$(( $(date +%s) / 3600 * 3600 + 1800 ))
pids=""
for _ in $(seq "$seconds"); do
	for h in alpha beta gamma; do
		on $h cron >> "$T_DIR/$h.out" 2>&1 &
		pids="$pids $!"
	done
	sleep 1
done
for p in $pids; do wait "$p"; done
unset MAILROOM_FAKE_NOW

check_eq "the daily job ran once on three hosts in ${seconds}s" "$(grep -c '^start' "$T_DIR/daily.txt")" 1
check_eq "the hourly job ran once" "$(grep -c '^start' "$T_DIR/hourly.txt")" 1
check_eq "both jobs of the lock group ran once each" "$(grep -c '^end' "$T_DIR/group.txt")" 2
check_eq "the lock group's jobs never overlapped across hosts" "$(most_at_once "$T_DIR/group.txt")" 1
long=$(grep -c '^end' "$T_DIR/long.txt")
check "the 5 s job ran again and again ($long times)" test "$long" -ge $(( seconds / 7 ))
check_eq "the 5 s job never overlapped itself (lease 3 s: the heartbeat renewed it)" \
	"$(most_at_once "$T_DIR/long.txt")" 1
check_eq "the 2-worker job ran at most 2 at once on three hosts" "$(most_at_once "$T_DIR/pool.txt")" 2
check_eq "every run of the 2-worker job ended" "$(grep -c '^start' "$T_DIR/pool.txt")" \
	"$(grep -c '^end' "$T_DIR/pool.txt")"
hosts=$(mariadb_root "SELECT COUNT(DISTINCT host) FROM site.mr_job_host")
check_eq "the job log names the three hosts" "$hosts" 3
check_eq "no lock is left held" "$(mariadb_root "SELECT COUNT(*) FROM site.mr_locks")" 0
daily_runs=$(mariadb_root "SELECT COUNT(*) FROM site.job_log WHERE job = 'daily' AND outcome IN (1, 2, 4)")
check_eq "the job log has one real run of the daily job" "$daily_runs" 1

# a holder killed with SIGKILL keeps its lock until the lease runs out
host_cfg alpha 30000
MAILROOM_HOSTNAME=alpha "$MAILROOM" --config "$T_DIR/alpha/site.ini" job run victim > /dev/null 2>&1 &
victim=$!
for _ in $(seq 100); do grep -q '^start' "$T_DIR/victim.txt" 2>/dev/null && break; sleep 0.1; done
owner=$(mariadb_root "SELECT owner FROM site.mr_locks WHERE name = 'job-victim'")
check_eq "the lock row names host and pid" "$owner" "alpha:$victim"
sleep 4 # longer than the lease: the heartbeat keeps it
on beta job run victim > "$T_DIR/beta1" 2>&1
check_eq "while the holder lives, another host is refused (exit 75)" "$?" 75
check_grep "the refusal names the holder" "victim is locked by another mailroom (alpha:$victim" "$T_DIR/beta1"
kill -9 "$victim"
wait "$victim" 2>/dev/null
on beta job run victim > "$T_DIR/beta2" 2>&1
check_eq "right after the SIGKILL the lock is still held" "$?" 75
sleep 4
on beta job run victim > "$T_DIR/beta3" 2>&1
check_eq "after the lease the other host takes the job over" "$?" 0
check_eq "the victim's job ran to its end once" "$(grep -c '^end' "$T_DIR/victim.txt")" 1
on beta job log victim --json > "$T_DIR/log"
check_grep "the killed run is recorded as crashed" '"outcome":"crashed"' "$T_DIR/log"
check_grep "job log names the host of the killed run" "\"host\":\"alpha\",\"worker\":0,\"pid\":$victim," "$T_DIR/log"
check_grep "and of the run that took over" '"host":"beta"' "$T_DIR/log"
on beta job log victim > "$T_DIR/log.txt"
check_grep "the table has a HOST column" '^RUN  *JOB  *HOST ' "$T_DIR/log.txt"
check_grep "with the host of each run" "^[0-9]*  *victim  *alpha " "$T_DIR/log.txt"

# locks = local keeps flock in lock_dir: two hosts then do not see each other
sed -i 's/^lock_lease = 3s$/lock_lease = 3s\nlocks = local/' "$T_DIR/alpha/site.ini" "$T_DIR/beta/site.ini"
sed -i "s|^sleep_ms = 30000\$|sleep_ms = 60000\nrelease_file = $T_DIR/victim.go|" "$T_DIR/alpha/site.ini"
: > "$T_DIR/victim.txt"
on alpha job run victim > /dev/null 2>&1 &
a=$!
for _ in $(seq 300); do grep -q '^start' "$T_DIR/victim.txt" 2>/dev/null && break; sleep 0.1; done
on beta job run victim > /dev/null 2>&1
touch "$T_DIR/victim.go"
wait $a
check_eq "with locks = local, two hosts run the same job at once" "$(most_at_once "$T_DIR/victim.txt")" 2
cat > "$T_DIR/sqlite.ini" <<INI
[mailroom]
from = a@example.org
store = sqlite
transport = spool
locks = store
lock_dir = $T_DIR
plugin_path = $probe_dir
[store-sqlite]
path = $T_DIR/x.db
[job-p]
plugin = probe
file = $T_DIR/p.txt
INI
"$MAILROOM" --config "$T_DIR/sqlite.ini" job run p > "$T_DIR/sq" 2>&1
check_eq "locks = store on SQLite is a configuration error (exit 78)" "$?" 78
check_grep "it says why" "has no shared locks" "$T_DIR/sq"
done_testing
