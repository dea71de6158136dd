#!/bin/bash
# SPDX-License-Identifier: MIT
# Hostile activity mail: a message with thousands of addresses creates at most
# max_new_contacts contacts, is still filed against its existing contacts and
# the first new ones, and the log says how many addresses were left out.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 timeout

MD=$T_DIR/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
DB=$T_DIR/mailroom.db
site() {
	cat > "$T_DIR/site.ini" <<EOF2
[mailroom]
store = sqlite
transport = spool
from = office@example.org
lock_dir = $T_DIR
[store-sqlite]
path = $DB
[account-act]
fetch = maildir
used_for = activity
source = $MD
$1
[job-fetch-activities]
EOF2
}
M="$MAILROOM --config $T_DIR/site.ini"
site ""
# a known contact, listed last among 5,000 strangers
printf 'email,first_name,last_name\nknown@example.net,Kim,Known\n' > "$T_DIR/c.csv"
$M contact import "$T_DIR/c.csv" > /dev/null 2>&1
check_eq "one contact before" "$(sqlite3 "$DB" 'SELECT count(*) FROM contacts')" 1
/usr/bin/python3 - "$MD/new/1700000000.M1P1.many" 5000 <<'PY'
import sys
n = int(sys.argv[2])
to = ',\r\n '.join('u%d@stranger.test' % i for i in range(n))
open(sys.argv[1], 'w', newline='').write(
    'From: Spammer <spam@stranger.test>\r\nTo: %s,\r\n known@example.net\r\n'
    'Subject: many\r\nMessage-ID: <many@stranger.test>\r\n\r\nhello\r\n' % to)
PY
start=$(date +%s)
timeout 120 $M job run fetch-activities > "$T_DIR/run.out" 2> "$T_DIR/run.err"
check_eq "the run ends normally" "$?" 0
diag "$(cat "$T_DIR/run.out") in $(( $(date +%s) - start )) s"
# default max_new_contacts = 25: the sender and 24 strangers
check_eq "contacts created: the default max_new_contacts (25)" \
	"$(sqlite3 "$DB" 'SELECT count(*) FROM contacts')" 26
check_eq "the message is filed" "$(sqlite3 "$DB" 'SELECT count(*) FROM activities')" 1
check_eq "filed against the new contacts and the known one" \
	"$(sqlite3 "$DB" 'SELECT count(*) FROM activity_contacts')" 26
check_eq "the known contact (last address) is a target" \
	"$(sqlite3 "$DB" "SELECT ac.role FROM activity_contacts ac JOIN emails e ON e.contact_id = ac.contact_id WHERE e.email = 'known@example.net'")" target
check_grep "the log says what was left out" \
	'message .*: 4976 new addresses left out: max_new_contacts = 25 contacts created for one message' "$T_DIR/run.err"
cat "$T_DIR/run.out" "$T_DIR/run.err" > "$T_DIR/run.all"
check_grep "the summary counts them" '4976 new addresses left out (max_new_contacts)' "$T_DIR/run.all"

# a site's own limit
rm -f "$DB"
site "max_new_contacts = 3"
mkdir -p "$MD/new"
/usr/bin/python3 - "$MD/new/1700000001.M2P1.few" <<'PY'
import sys
open(sys.argv[1], 'w', newline='').write(
    'From: a@stranger.test\r\nTo: b@stranger.test, c@stranger.test, d@stranger.test\r\n'
    'Subject: few\r\nMessage-ID: <few@stranger.test>\r\n\r\nhello\r\n')
PY
timeout 60 $M job run fetch-activities > "$T_DIR/run2.out" 2> "$T_DIR/run2.err"
check_eq "max_new_contacts = 3: three contacts" "$(sqlite3 "$DB" 'SELECT count(*) FROM contacts')" 3
check_grep "max_new_contacts = 3: one address left out" 'message .*: 1 new address left out' "$T_DIR/run2.err"
check_eq "max_new_contacts = 3: the first three addresses are filed" \
	"$(sqlite3 "$DB" 'SELECT group_concat(e.email, " ") FROM (SELECT email FROM emails ORDER BY email) e')" \
	"a@stranger.test b@stranger.test c@stranger.test"
done_testing
