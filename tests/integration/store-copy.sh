#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom store copy: a populated SQLite site (contacts, groups, a sent mailing with delivered, retried and bounced recipients, activities, spool, a user) copied to MariaDB and back to a fresh SQLite gives equal listings and statistics on every side; a non-empty target is refused; a copy stopped midway resumes.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/smtp.sh"
. "$MR_SRCDIR/tests/servers/mariadb.sh"
needs /usr/bin/python3 mariadbd mariadb-install-db mariadb sqlite3

SD=$T_DIR/smtp
P=$(free_port)
smtp_server_start "$SD" "$P"
check "the aiosmtpd server listens on $P" test -f "$SD/ready"
mariadb_private copy mr 'pw'
mariadb_create other mr 'pw'
printf 'test-site-secret-%s\n' "$RANDOM$RANDOM" > "$T_DIR/secret"
chmod 600 "$T_DIR/secret"
mkdir -p "$T_DIR/act/cur" "$T_DIR/act/new" "$T_DIR/act/tmp"
cp "$MR_SRCDIR"/examples/activity/*.eml "$T_DIR/act/new/"

# site NAME STORE-LINES: a site file whose store is given
site() {
	cat > "$T_DIR/$1.ini" <<INI
[mailroom]
site = copytest
store = $2
transport = smtp
from = news@example.org
secret_file = $T_DIR/secret
lock_dir = $T_DIR
$3
[transport-smtp]
host = 127.0.0.1
port = $P
tls = none
[account-act]
fetch = maildir
used_for = activity
source = $T_DIR/act
localpart = activities
domain = example.org
[job-mailing]
plugin = process-mailing
[job-act]
plugin = fetch-activities
INI
}
site a sqlite "$(printf '[store-sqlite]\npath = %s' "$T_DIR/a.db")"
site b mariadb "$(mariadb_store_section copy mr "$T_DIR/pw")"
site c sqlite "$(printf '[store-sqlite]\npath = %s' "$T_DIR/c.db")"
site d sqlite "$(printf '[store-sqlite]\npath = %s' "$T_DIR/d.db")"
site e mariadb "$(mariadb_store_section other mr "$T_DIR/pw")"
mr() { local s=$1; shift; "$MAILROOM" --config "$T_DIR/$s.ini" "$@"; }

# the source: 300 contacts in two groups, a few that bounce or are retried
{
	echo "email,first_name,last_name,groups"
	for i in $(seq 1 300); do
		case $((i % 50)) in
		10) a="perm-rcpt-$i@example.net" ;;
		8) a="temp-rcpt-$i@example.net" ;;
		*) a="u$i@example.net" ;;
		esac
		echo "$a,First$i,Lást $i,all;$([ $((i % 2)) = 0 ] && echo even || echo odd)"
	done
} > "$T_DIR/contacts.csv"
mr a contact import "$T_DIR/contacts.csv" > "$T_DIR/import.out" 2>&1
check_grep "the import made 300 contacts" "300 new contacts" "$T_DIR/import.out"
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
m=$(mr a mailing create --name M --subject "M for {contact.first_name}" --text "$T_DIR/t.txt" \
	--include-group all --exclude-group odd --schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "the mailing was created" test -n "$m"
MAILROOM_HOSTNAME=host-one mr a job run mailing > "$T_DIR/run.out" 2>&1
MAILROOM_HOSTNAME=host-two mr a job run act >> "$T_DIR/run.out" 2>&1
sed 's/^transport = smtp$/transport = spool/' "$T_DIR/a.ini" > "$T_DIR/a-spool.ini"
"$MAILROOM" --config "$T_DIR/a-spool.ini" send-test copy-test@example.net >> "$T_DIR/run.out" 2>&1
check_eq "the source spool holds a message" "$(mr a spool list --json | wc -l)" 1
MAILROOM_PASSWORD=secret-pw mr a user add cronuser --grant send_mail >> "$T_DIR/run.out" 2>&1
mr a mailing stats "$m" --json > "$T_DIR/a.stats"
check_grep "the source mailing has bounced recipients" '"bounced":[1-9]' "$T_DIR/a.stats"
check_grep "and delivered ones" '"sent":[1-9]' "$T_DIR/a.stats"
check "the source has activities" test "$(mr a activity list --json | wc -l)" -ge 2

# views SITE: every listing the comparison looks at, into $T_DIR/SITE.views
views() {
	{
		echo "== stats"; mr "$1" mailing stats "$m" --json
		echo "== mailings"; mr "$1" mailing list --json
		echo "== contacts"; mr "$1" contact list --limit 1000 --json
		echo "== groups"; mr "$1" group list --json
		echo "== members"; mr "$1" group members even --json
		echo "== bounces"; mr "$1" bounce stats --json
		echo "== activities"; mr "$1" activity list --json
		echo "== users"; mr "$1" user list --json
		echo "== job log"; mr "$1" job log --json | sed 's/"outcome":"crashed"/"outcome":"ok"/'
	} > "$T_DIR/$1.views" 2> "$T_DIR/$1.views.err"
}
views a
check_grep "the SQLite job log names the host of the mailing run" '"job":"mailing","host":"host-one"' "$T_DIR/a.views"
check_grep "and of the activity run" '"job":"act","host":"host-two"' "$T_DIR/a.views"
check_grep "the source's listings hold its contacts" '"email":"u2@example.net"' "$T_DIR/a.views"
check_grep "and its activities" '"subject":' "$T_DIR/a.views"
check_grep "and its bounces by type" '"type":"Invalid"' "$T_DIR/a.views"
check_eq "every listing ran" "$(cat "$T_DIR/a.views.err")" ""

# SQLite -> MariaDB
mr a store copy --to "$T_DIR/b.ini" --batch 37 > "$T_DIR/ab.out" 2> "$T_DIR/ab.err"
check_eq "store copy to MariaDB exits 0" "$?" 0
check_grep "it says every table's rows match" "every table's rows match" "$T_DIR/ab.out"
check_grep "the contacts (300 and 6 made by activities) are counted" '^contacts  *306  *306  *306  *ok' "$T_DIR/ab.out"
check_grep "the recipients are counted" '^mailing_recipients  *150  *150  *150  *ok' "$T_DIR/ab.out"
views b
check "the MariaDB site lists the same as the SQLite one" diff "$T_DIR/a.views" "$T_DIR/b.views"
check "the spooled/sent test message was not lost: same spool" \
	diff <(mr a spool list --json) <(mr b spool list --json)

# a second copy into the same target is refused and changes nothing
mr a store copy --to "$T_DIR/b.ini" > "$T_DIR/again.out" 2> "$T_DIR/again.err"
check_eq "a non-empty target is refused with exit 65" "$?" 65
check_grep "and the refusal names the table and --resume" "already holds .* rows in table .*--resume" "$T_DIR/again.err"
check_eq "nothing was printed as copied" "$(cat "$T_DIR/again.out")" ""
# --resume on a complete copy copies nothing and verifies
mr a store copy --to "$T_DIR/b.ini" --resume --json > "$T_DIR/resume.json" 2>&1
check_eq "--resume on a finished copy exits 0" "$?" 0
check_grep "and reports ok in JSON with nothing copied" '"ok":true' "$T_DIR/resume.json"
check "no table was copied twice (the seeded bounce types and fields are merged again)" sh -c \
	"sed 's/{\"table\":\"bounce_types\"[^}]*}//; s/{\"table\":\"custom_fields\"[^}]*}//' '$T_DIR/resume.json' | grep -vq '\"copied\":[1-9]'"

# MariaDB -> a fresh SQLite
mr b store copy --to "$T_DIR/c.ini" > "$T_DIR/bc.out" 2> "$T_DIR/bc.err"
check_eq "store copy back to SQLite exits 0" "$?" 0
views c
check "the SQLite copy of the MariaDB copy lists the same" diff "$T_DIR/a.views" "$T_DIR/c.views"
check "every row and column of the data tables came back unchanged" sh -c \
	"for t in contacts emails group_contact mailings mailing_jobs mailing_recipients events activities activity_attachments mail_spool users; do
		sqlite3 '$T_DIR/a.db' \"SELECT * FROM \$t ORDER BY 1\" > '$T_DIR/a.'\$t
		sqlite3 '$T_DIR/c.db' \"SELECT * FROM \$t ORDER BY 1\" > '$T_DIR/c.'\$t
		cmp -s '$T_DIR/a.'\$t '$T_DIR/c.'\$t || { echo \"table \$t differs\"; exit 1; }
	done"
# the copied site keeps working: a second mailing on the MariaDB copy
m2=$(mr b mailing create --name M2 --subject "again" --text "$T_DIR/t.txt" \
	--include-group even --schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr b job run mailing > "$T_DIR/run2.out" 2>&1
check_grep "a new mailing on the MariaDB copy is sent" '"sent":1[0-9][0-9]' <(mr b mailing stats "$m2" --json)

# a copy that stops midway (the target refuses a row) says so and resumes
sqlite3 "$T_DIR/d.db" "SELECT 1" >/dev/null
mr d contact list >/dev/null 2>&1 # creates the schema
sqlite3 "$T_DIR/d.db" "CREATE TRIGGER stop_copy BEFORE INSERT ON emails WHEN NEW.id = 150 BEGIN SELECT RAISE(ABORT, 'test stop'); END;"
mr a store copy --to "$T_DIR/d.ini" --batch 40 > "$T_DIR/ad.out" 2> "$T_DIR/ad.err"
rc=$?
check "a copy that fails midway exits non-zero" test "$rc" -ne 0
check_grep "and names the table, how far it got and --resume" "stopped in table emails after 120 rows.*--resume" "$T_DIR/ad.err"
check_eq "the target holds whole batches only" "$(sqlite3 "$T_DIR/d.db" 'SELECT count(*) FROM emails')" 120
sqlite3 "$T_DIR/d.db" "DROP TRIGGER stop_copy"
mr a store copy --to "$T_DIR/d.ini" --resume > "$T_DIR/ad2.out" 2> "$T_DIR/ad2.err"
check_eq "--resume finishes it" "$?" 0
check_grep "with every count matching" "every table's rows match" "$T_DIR/ad2.out"
views d
check "the resumed copy lists the same" diff "$T_DIR/a.views" "$T_DIR/d.views"

# a MariaDB target stopped midway: the server is killed during a copy of
# many rows; the copy says so, and --resume after a restart finishes it
{
	echo "email,first_name,last_name,groups"
	for i in $(seq 1 6000); do echo "bulk$i@example.com,B$i,L$i,bulk"; done
} > "$T_DIR/bulk.csv"
mr d contact import "$T_DIR/bulk.csv" > /dev/null 2>&1
mr d store copy --to "$T_DIR/e.ini" --batch 50 > "$T_DIR/de.out" 2> "$T_DIR/de.err" &
cp_pid=$!
started "$cp_pid"
for i in $(seq 100); do
	n=$(mariadb_root "SELECT count(*) FROM other.group_contact" 2>/dev/null)
	[ "${n:-0}" -gt 500 ] && break
	sleep 0.1
done
mariadb_stop KILL
wait "$cp_pid"
rc=$?
stopped "$cp_pid"
check "the copy with its server killed exits non-zero" test "$rc" -ne 0
check_grep "and says how to go on" "--resume" "$T_DIR/de.err"
mariadb_run_server
mariadb_wait || { echo "Bail out! the private MariaDB did not restart"; exit 1; }
mr d store copy --to "$T_DIR/e.ini" --resume > "$T_DIR/de2.out" 2> "$T_DIR/de2.err"
check_eq "--resume after the restart finishes it" "$?" 0
check_grep "with every count matching" "every table's rows match" "$T_DIR/de2.out"
check_eq "6306 contacts on the MariaDB side" "$(mariadb_root 'SELECT count(*) FROM other.contacts')" 6306
done_testing
