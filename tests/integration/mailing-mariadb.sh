#!/bin/bash
# SPDX-License-Identifier: MIT
# One mailing of MARIADB_MAILING_N (3,000; the issue's 20,000 with MARIADB_MAILING_N=20000) recipients on store-mariadb through transport-smtp to the aiosmtpd test server, sent by three "hosts" (host names, lock_dirs) sharing worker slots in the store and building the queue in parts of 400 emails as they send: one host SIGKILLed twice and restarted, the MariaDB server restarted mid-mailing; the received set is the recipient set, no address twice outside the in-doubt ones, lease owners and the job log name the host, and the server saw only READ COMMITTED transactions.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/smtp.sh"
. "$MR_SRCDIR/tests/servers/mariadb.sh"
needs /usr/bin/python3 mariadbd mariadb-install-db mariadb
N=${MARIADB_MAILING_N:-3000}

SD=$T_DIR/smtp
P=$(free_port)
smtp_server_start "$SD" "$P"
check "the aiosmtpd server listens on $P" test -f "$SD/ready"
mariadb_private site mr 'pw'
printf 'test-site-secret-%s\n' "$RANDOM$RANDOM" > "$T_DIR/secret"
chmod 600 "$T_DIR/secret"
for h in alpha beta gamma; do
	mkdir -p "$T_DIR/$h"
	cat > "$T_DIR/$h/site.ini" <<INI
[mailroom]
site = mailtest
store = mariadb
transport = smtp
from = news@example.org
secret_file = $T_DIR/secret
lock_dir = $T_DIR/$h
lock_lease = 3s
$(mariadb_store_section site mr "$T_DIR/pw")
build_part = 400
[transport-smtp]
host = 127.0.0.1
port = $P
tls = none
max_connections = 2
[job-mailing]
plugin = process-mailing
max_workers = 4
batch_size = 50
lease = 15s
INI
done
mr() { MAILROOM_HOSTNAME=alpha "$MAILROOM" --config "$T_DIR/alpha/site.ini" "$@"; }
q() { mariadb_root "USE site; $*"; }
received() { /usr/bin/python3 "$MR_SRCDIR/tests/integration/mailing-received.py" "$SD"; }

{
	echo "email,first_name,last_name,groups"
	for i in $(seq 1 "$N"); do echo "u$i@example.net,First$i,Last $i,all"; done
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > "$T_DIR/import.out" 2>&1
check_grep "the import made $N contacts" "$N new contacts" "$T_DIR/import.out"
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
m=$(mr mailing create --name M --subject "M for {contact.first_name}" --text "$T_DIR/t.txt" \
	--include-group all --schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "the mailing was created" test -n "$m"
status() { q "SELECT status FROM mailings WHERE id = $m" 2>/dev/null; }

# host_loop HOST: runs the mailing job again and again until the mailing is
# complete (a run fails while the server is down: it is run again)
host_loop() {
	local h=$1 i
	for i in $(seq 240); do
		[ "$(status)" = complete ] && return 0
		MAILROOM_HOSTNAME=$h "$MAILROOM" --config "$T_DIR/$h/site.ini" job run mailing \
			>> "$T_DIR/$h.out" 2>&1 || sleep 0.5
	done
	return 1
}
# the isolation level of every open InnoDB transaction of mailroom's connections
# (user mr: the test's own root queries are not mailroom's), and the lease owners, sampled
sample_isolation() {
	local i
	for i in $(seq 200); do
		mariadb_root "SELECT trx_isolation_level FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id IN (SELECT id FROM information_schema.PROCESSLIST WHERE user = 'mr')" \
			>> "$T_DIR/isolation" 2>/dev/null
		q "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED; SELECT DISTINCT lease_owner FROM mailing_recipients WHERE lease_owner IS NOT NULL" \
			>> "$T_DIR/owners" 2>/dev/null
		sleep 0.1
	done
}
sample_isolation &
sampler=$!
host_loop beta &
bl=$!
host_loop gamma &
gl=$!
kills=0
for _ in $(seq 30); do
	[ "$kills" -ge 2 ] && break
	MAILROOM_HOSTNAME=alpha "$MAILROOM" --config "$T_DIR/alpha/site.ini" job run mailing \
		>> "$T_DIR/alpha.out" 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 5 + 1))"
	if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; kills=$((kills + 1)); fi
	wait "$pid" 2>/dev/null
done
check_eq "host alpha was SIGKILLed twice mid-mailing" "$kills" 2
# the restart comes once sending has begun (the kills may come before the
# queue is built), not after the mailing is complete
for _ in $(seq 600); do
	before=$(q "SELECT COUNT(*) FROM mailing_recipients WHERE state = 'sent'")
	[ "${before:-0}" -gt 0 ] && break
	sleep 0.05
done
mariadb_stop TERM
diag "MariaDB stopped after $before sent; restarting"
sleep 1
mariadb_run_server
check "MariaDB came back" mariadb_wait 60
host_loop alpha
check "host alpha finished after the restart" test "$?" = 0
wait "$bl"; check_eq "host beta's runs ended with the mailing complete" "$?" 0
wait "$gl"; check_eq "host gamma's runs ended with the mailing complete" "$?" 0
wait "$sampler"
check_eq "the mailing is complete" "$(status)" complete
check "some runs hit the server restart" grep -q -i "MariaDB\|connect" "$T_DIR/alpha.out" "$T_DIR/beta.out" "$T_DIR/gamma.out"

total=$(q "SELECT COUNT(*) FROM mailing_recipients")
sent=$(q "SELECT COUNT(*) FROM mailing_recipients WHERE state = 'sent'")
doubt=$(q "SELECT COUNT(*) FROM mailing_recipients WHERE state = 'in_doubt'")
diag "$total recipients: $sent sent, $doubt in doubt"
check_eq "one queue row per contact" "$total" "$N"
check_eq "every recipient is sent or in doubt" "$((sent + doubt))" "$total"
received | grep '^M ' | sort > "$T_DIR/got"
q "SELECT CONCAT('M ', email) FROM mailing_recipients WHERE state = 'sent'" | sort > "$T_DIR/sent"
q "SELECT CONCAT('M ', email) FROM mailing_recipients WHERE state = 'in_doubt'" | sort > "$T_DIR/doubt"
check_eq "every recipient marked sent was received" "$(comm -23 "$T_DIR/sent" "$T_DIR/got" | wc -l)" 0
check_eq "whatever was received but not marked sent is in doubt" \
	"$(sort -u "$T_DIR/got" | comm -23 - "$T_DIR/sent" | comm -23 - "$T_DIR/doubt" | wc -l)" 0
check_eq "no address was received twice outside the in-doubt ones" \
	"$(uniq -d "$T_DIR/got" | comm -23 - "$T_DIR/doubt" | wc -l)" 0
check_eq "the received set is the recipient set (less in-doubt ones never received)" \
	"$(sort -u "$T_DIR/got" | wc -l)" "$(( sent + $(comm -12 "$T_DIR/doubt" <(sort -u "$T_DIR/got") | wc -l) ))"
hosts=$(q "SELECT COUNT(DISTINCT h.host) FROM job_log l JOIN mr_job_host h ON h.run_id = l.id WHERE l.job = 'mailing' AND l.outcome = 1")
check_eq "runs of all three hosts completed" "$hosts" 3
owners=$(sort -u "$T_DIR/owners" | tr '\n' ' ')
diag "lease owners seen: $owners"
check "lease owners were seen while the hosts sent" test -s "$T_DIR/owners"
check_eq "every lease owner names its worker slot and host" \
	"$(grep -cvE '^mailing/worker-[0-9]+/[a-z]@(alpha|beta|gamma)$' "$T_DIR/owners")" 0
mr job log mailing --json --limit 0 > "$T_DIR/joblog"
check_eq "job log names the three hosts" \
	"$(grep -o '"host":"[a-z]*"' "$T_DIR/joblog" | sort -u | tr '\n' ' ')" \
	'"host":"alpha" "host":"beta" "host":"gamma" '
seen=$(sort -u "$T_DIR/isolation" | tr '\n' ' ')
diag "isolation levels seen: $seen"
check_eq "every transaction seen ran at READ COMMITTED" "$seen" "READ COMMITTED "
done_testing
