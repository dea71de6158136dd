#!/bin/bash
# SPDX-License-Identifier: MIT
# Email-to-activity against a real Dovecot started here: messages dragged
# into an IMAP folder (INBOX.Filed) and sent to a Bcc mailbox are filed by
# the fetch-activities job and moved to processed; contacts matched (an
# existing Individual), created (with the decoded display name; a new
# Individual for an Organization's email), never for the site's own
# addresses, lookup only with create_contacts = no; a second copy of a
# Message-ID is not filed twice; a kill between commit and move files
# nothing twice; attachments come back byte-exact.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/dovecot.sh"
needs openssl /usr/sbin/dovecot /usr/bin/python3 sqlite3 cmp
dovecot_start

M="$MAILROOM --config $T_DIR/site.ini"
DB=$T_DIR/mailroom.db
q() { sqlite3 "$DB" "$1"; }
printf '%s' "$DC_PASS" > "$T_DIR/pass"; printf 'other-pass' > "$T_DIR/other.pass"
chmod 600 "$T_DIR/pass" "$T_DIR/other.pass"

imap_account() { # NAME USER PASSFILE FOLDER [EXTRA LINES]
	cat <<EOF2
[account-$1]
fetch = imap
used_for = activity
server = 127.0.0.1
port = $DC_IMAPS
ca_file = $DC_CA
username = $2
password_file = $3
source = $4
$5
EOF2
}
{
	cat <<EOF2
[mailroom]
store = sqlite
transport = spool
from = office@example.org
lock_dir = $T_DIR
reply_to = replies@example.org
[store-sqlite]
path = $DB
[account-bounce]
fetch = maildir
used_for = bounce
source = $T_DIR/bounce-md
localpart = return+
domain = example.org
[job-fetch-activities]
EOF2
	imap_account filed "$DC_USER" "$T_DIR/pass" INBOX.Filed "max_attachments = 2"
	imap_account bcc other "$T_DIR/other.pass" INBOX "localpart = activities
domain = example.org"
	imap_account lookup "$DC_USER" "$T_DIR/pass" INBOX.Lookup "create_contacts = no"
	imap_account crash "$DC_USER" "$T_DIR/pass" INBOX.Crash "activity_source = From
activity_targets = To
activity_assignees = Cc
activity_type = Inbound Email
activity_status = Scheduled"
} > "$T_DIR/site.ini"

# put USER FOLDER NAME: standard input as one message in USER's FOLDER ("" = INBOX)
put() {
	local md; md=$(dovecot_maildir "$1")
	[ -n "$2" ] && md="$md/.$2"
	mkdir -p "$md/new" "$md/cur" "$md/tmp"
	cat > "$md/tmp/$3"
	mv "$md/tmp/$3" "$md/new/$3.$(date +%s).mailroomtest"
	chown -R vmail:vmail "$DC_DIR/home/$1"
}
count() { dovecot_count "$1" "$2"; }

# existing contacts: an Individual and an Organization
cat > "$T_DIR/contacts.csv" <<'EOF2'
email,first_name,last_name,display_name,contact_type
known@example.com,Known,Person,Known Person,Individual
org@example.com,,,Acme Ltd,Organization
EOF2
$M contact import "$T_DIR/contacts.csv" > "$T_DIR/import.out" 2>&1
check_eq "two contacts imported" "$(q 'SELECT count(*) FROM contacts')" 2
known_id=$(q "SELECT contact_id FROM emails WHERE email = 'known@example.com'")
org_id=$(q "SELECT contact_id FROM emails WHERE email = 'org@example.com'")

# an attachment of every byte value, and more
/usr/bin/python3 -c 'import sys, os; sys.stdout.buffer.write(bytes(range(256)) * 40 + os.urandom(5000))' \
	> "$T_DIR/blob.bin"
b64=$(base64 -w 76 "$T_DIR/blob.bin")
# (the line break before a boundary belongs to the boundary)
printf 'second attachment' > "$T_DIR/two.txt"

# ---- INBOX.Filed: messages a member of staff dragged into the folder
put "$DC_USER" Filed f1 <<EOF2
From: "Known P." <known@example.com>
To: Office <office@example.org>
Cc: =?utf-8?q?Zo=C3=AB_N=C3=A9w?= <zoe@example.net>, replies@example.org
Subject: =?utf-8?q?Die_Gr=C3=BC=C3=9Fe?= with attachments
Date: Tue, 17 Mar 2026 08:02:11 +0000
Message-ID: <f1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Please find the files attached.
--b1
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9%2F..%2Fpasswd.bin
Content-Transfer-Encoding: base64

$b64
--b1
Content-Type: text/plain; name="two.txt"
Content-Disposition: attachment; filename="two.txt"

second attachment
--b1
Content-Type: text/plain; name="three.txt"
Content-Disposition: attachment; filename="three.txt"

over the limit of two
--b1--
EOF2
put "$DC_USER" Filed f2 <<'EOF2'
From: Acme Sales <org@example.com>
To: known@example.com
Subject: From an Organization's address
Date: Wed, 18 Mar 2026 09:00:00 +0000
Message-ID: <f2@example.com>
Content-Type: text/html; charset=utf-8

<html><body><p>Hello <b>Known</b>,</p><p>our offer.</p></body></html>
EOF2
put "$DC_USER" Filed f3 <<'EOF2'
From: office@example.org
To: return+b.1.2.abc@example.org, Replies <REPLIES@Example.ORG>
Subject: only the site's own addresses
Message-ID: <f3@example.org>

nobody to file this against
EOF2
# the same Message-ID dragged in twice
sed 's/^Subject: .*/Subject: a second copy/' "$(dovecot_maildir "$DC_USER")"/.Filed/new/f2.* |
	put "$DC_USER" Filed f2copy
# ---- the Bcc mailbox (user other): mail staff sent with a Bcc
put other "" b1 <<'EOF2'
From: Office <office@example.org>
To: =?utf-8?q?Zo=C3=AB_N=C3=A9w?= <zoe@example.net>
Bcc: activities@example.org
Subject: Your membership
Date: Thu, 19 Mar 2026 10:00:00 +0100
Message-ID: <b1@example.org>

Welcome, Zoe.
EOF2
put other "" b2 <<'EOF2'
From: Office <office@example.org>
To: "Brand New" <brand.new@example.net>
Bcc: activities@example.org
Subject: no date header here
Message-ID: <b2@example.org>

A message without a Date.
EOF2
# ---- create_contacts = no
put "$DC_USER" Lookup l1 <<'EOF2'
From: Stranger <stranger@example.net>
To: known@example.com
Subject: one known address
Date: Fri, 20 Mar 2026 10:00:00 +0000
Message-ID: <l1@example.net>

hello
EOF2
put "$DC_USER" Lookup l2 <<'EOF2'
From: Stranger <stranger@example.net>
To: Other Stranger <stranger2@example.net>
Subject: nobody known
Message-ID: <l2@example.net>

hello
EOF2

# the crash test's folder exists (empty) from the start
mkdir -p "$(dovecot_maildir "$DC_USER")"/.Crash/{new,cur,tmp}
chown -R vmail:vmail "$DC_DIR/home/$DC_USER"
$M job run fetch-activities > "$T_DIR/run1.out" 2> "$T_DIR/run1.err"
check_eq "the job run succeeds" "$?" 0
check_grep "it reports what it filed" '4 accounts: 5 filed, 1 already filed (same Message-ID), 2 ignored' \
	"$T_DIR/run1.out"
check_eq "INBOX.Filed.processed holds 3 (one a second copy)" "$(count "$DC_USER" Filed.processed)" 3
check_eq "INBOX.Filed.ignored holds the one with only site addresses" \
	"$(count "$DC_USER" Filed.ignored)" 1
check_eq "INBOX.Filed is empty" "$(count "$DC_USER" Filed)" 0
check_eq "the Bcc mailbox's INBOX.processed holds 2" "$(count other processed)" 2
check_eq "the Bcc mailbox's INBOX is empty" "$(count other "")" 0
check_eq "INBOX.Lookup: 1 processed, 1 ignored" \
	"$(count "$DC_USER" Lookup.processed)/$(count "$DC_USER" Lookup.ignored)" 1/1
check_grep "the site-only message is ignored with its reason" \
	'ignored: no contact to file it against (3 site addresses skipped, 0 unknown' "$T_DIR/run1.err"
check_grep "create_contacts = no: ignored with its reason" \
	'ignored: no contact to file it against (0 site addresses skipped, 2 unknown addresses with create_contacts = no)' \
	"$T_DIR/run1.err"
check_grep "the second copy is recognised" 'Message-ID <f2@example.com> was filed before as activity' \
	"$T_DIR/run1.err"
check_eq "5 activities" "$(q 'SELECT count(*) FROM activities')" 5

# contacts
check_eq "the existing Individual is matched, not duplicated" \
	"$(q "SELECT count(*) FROM emails WHERE lower(email) = 'known@example.com'")" 1
f1=$(q "SELECT id FROM activities WHERE message_id = '<f1@example.com>'")
check_eq "f1's source is the existing contact" \
	"$(q "SELECT contact_id FROM activity_contacts WHERE activity_id = $f1 AND role = 'source'")" "$known_id"
check_eq "an unknown address gets an Individual named from its decoded display name" \
	"$(q "SELECT c.contact_type || '|' || c.first_name || '|' || c.last_name || '|' || c.display_name FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'zoe@example.net'")" \
	"Individual|Zoë|Néw|Zoë Néw"
check_eq "f1's targets: zoe only (the site's From and Reply-To skipped)" \
	"$(q "SELECT group_concat(e.email) FROM activity_contacts ac JOIN emails e ON e.contact_id = ac.contact_id WHERE ac.activity_id = $f1 AND ac.role = 'target'")" \
	"zoe@example.net"
check_eq "no contact for any site address" \
	"$(q "SELECT count(*) FROM emails WHERE lower(email) IN ('office@example.org', 'replies@example.org', 'activities@example.org') OR email LIKE 'return+%'")" 0
check_eq "an Organization's email gets a new Individual with the same email" \
	"$(q "SELECT group_concat(c.contact_type || ':' || c.display_name, ',') FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'org@example.com' ORDER BY c.id")" \
	"Organization:Acme Ltd,Individual:Acme Sales"
f2=$(q "SELECT id FROM activities WHERE message_id = '<f2@example.com>'")
check "f2's source is that Individual, not the Organization" test \
	"$(q "SELECT contact_id FROM activity_contacts WHERE activity_id = $f2 AND role = 'source'")" != "$org_id"
check_eq "the Bcc message's target is the contact made from f1 (matched across accounts)" \
	"$(q "SELECT count(*) FROM emails WHERE email = 'zoe@example.net'")" 1
check_eq "create_contacts = no: the stranger was not created" \
	"$(q "SELECT count(*) FROM emails WHERE email LIKE 'stranger%'")" 0
l1=$(q "SELECT id FROM activities WHERE message_id = '<l1@example.net>'")
check_eq "create_contacts = no: filed against the known target only" \
	"$(q "SELECT group_concat(role || ':' || contact_id) FROM activity_contacts WHERE activity_id = $l1")" \
	"target:$known_id"

# the activity itself
check_eq "subject decoded, type, status and date from the Date header" \
	"$(q "SELECT subject || '|' || activity_type || '|' || status || '|' || activity_date FROM activities WHERE id = $f1")" \
	"Die Grüße with attachments|Email|Completed|$(date -d '2026-03-17 08:02:11 UTC' +%s)"
b2_date=$(q "SELECT activity_date FROM activities WHERE message_id = '<b2@example.org>'")
check "no Date header: the time it was fetched" test "$b2_date" -ge "$(($(date +%s) - 600))"
check_eq "an HTML-only message: text derived from the HTML, the HTML kept" \
	"$(q "SELECT details_text || '|' || (details_html LIKE '%<b>Known</b>%') FROM activities WHERE id = $f2" | tr -s '\n' ' ')" \
	"Hello Known, our offer.|1 "
check_eq "the account is recorded" "$(q "SELECT account FROM activities WHERE message_id = '<b1@example.org>'")" bcc

# attachments
check_eq "three attachments recorded (a path in a name dropped), the third over max_attachments" \
	"$(q "SELECT group_concat(filename || ':' || size || ':' || coalesce(skipped_reason, 'kept'), '|') FROM (SELECT * FROM activity_attachments WHERE activity_id = $f1 ORDER BY id)")" \
	"passwd.bin:$(stat -c %s "$T_DIR/blob.bin"):kept|two.txt:17:kept|three.txt:21:over max_attachments"
$M activity attachment "$f1" 1 > "$T_DIR/got.bin"
check_eq "activity attachment exits 0" "$?" 0
check "attachment 1 comes back byte-exact" cmp -s "$T_DIR/got.bin" "$T_DIR/blob.bin"
check_eq "its SHA-256 is recorded" "$(q "SELECT sha256 FROM activity_attachments WHERE activity_id = $f1 ORDER BY id LIMIT 1")" \
	"$(sha256sum < "$T_DIR/blob.bin" | cut -d' ' -f1)"
$M activity attachment "$f1" 2 > "$T_DIR/got2.txt"
check "attachment 2 byte-exact" cmp -s "$T_DIR/got2.txt" "$T_DIR/two.txt"
$M activity attachment "$f1" 3 > "$T_DIR/got3" 2> "$T_DIR/got3.err"
check_eq "a skipped attachment is refused (EX_DATAERR)" "$?" 65
check_grep "saying why" 'over max_attachments' "$T_DIR/got3.err"
$M activity attachment "$f1" 9 > /dev/null 2> "$T_DIR/got9.err"
check_eq "no such attachment (EX_UNAVAILABLE or EX_DATAERR, not 0)" "$([ $? -ne 0 ] && echo fail)" fail

# the CLI
$M activity list > "$T_DIR/list.out"
check_eq "activity list shows 5 (after its header row)" "$(tail -n +2 "$T_DIR/list.out" | grep -c .)" 5
$M activity list --contact KNOWN@example.com --json > "$T_DIR/known.json"
check_eq "--contact: the 3 with the known contact (f1, f2, l1)" "$(grep -c '"id"' "$T_DIR/known.json")" 3
$M activity list --since 2026-03-19 --json > "$T_DIR/since.json"
check_eq "--since: b1, l1 and b2 (no Date: fetched now)" "$(grep -c '"id"' "$T_DIR/since.json")" 3
$M activity show "$f1" > "$T_DIR/show.out"
check_grep "show: the header lines" '^Cc: Zoë Néw <zoe@example.net>, replies@example.org' "$T_DIR/show.out"
check_grep "show: the text" '^Please find the files attached.' "$T_DIR/show.out"
check_grep "show: the attachment list" '^Attachment 3: three.txt (text/plain, 21 bytes, skipped: over max_attachments)' \
	"$T_DIR/show.out"
$M activity show 999 > /dev/null 2>&1
check_eq "show of an unknown id is EX_NOINPUT" "$?" 66

# ---- a second run changes nothing
$M job run fetch-activities > "$T_DIR/run2.out" 2>&1
check_grep "a second run files nothing" '0 filed, 0 already filed' "$T_DIR/run2.out"
check_eq "still 5 activities" "$(q 'SELECT count(*) FROM activities')" 5

# ---- killed between commit and move
for i in 1 2 3; do
	put "$DC_USER" Crash "c$i" <<EOF2
From: Crash Sender $i <crash$i@example.net>
To: known@example.com
Cc: Assigned Person <assignee@example.net>
Subject: crash test $i
Date: Sat, 21 Mar 2026 10:00:0$i +0000
Message-ID: <c$i@example.net>

message $i
EOF2
done
MAILROOM_TEST_CRASH_AFTER_COMMIT=2 $M job run fetch-activities > "$T_DIR/crash.out" 2>&1
check_eq "the crash hook ends the run (exit 75)" "$?" 75
check_eq "2 were committed" "$(q "SELECT count(*) FROM activities WHERE account = 'crash'")" 2
check_eq "none was moved" "$(count "$DC_USER" Crash)" 3
$M job run fetch-activities > "$T_DIR/after.out" 2> "$T_DIR/after.err"
check_eq "the next run succeeds" "$?" 0
check_grep "it files the third only" '1 filed, 0 already filed' "$T_DIR/after.out"
check_grep "and only moves the two recorded" 'was recorded by an earlier run' "$T_DIR/after.err"
check_eq "each filed once: 3 activities of the crash account" \
	"$(q "SELECT count(*) || '/' || count(DISTINCT message_id) FROM activities WHERE account = 'crash'")" 3/3
check_eq "all 3 in INBOX.Crash.processed" "$(count "$DC_USER" Crash.processed)" 3
check_eq "the account's type and status" \
	"$(q "SELECT DISTINCT activity_type || '|' || status FROM activities WHERE account = 'crash'")" \
	"Inbound Email|Scheduled"
check_eq "the account's roles: Cc as assignee" \
	"$(q "SELECT group_concat(DISTINCT ac.role) FROM activity_contacts ac JOIN emails e ON e.contact_id = ac.contact_id WHERE e.email = 'assignee@example.net'")" \
	assignee

kill "$DC_PID" 2>/dev/null; for _ in $(seq 50); do kill -0 "$DC_PID" 2>/dev/null || break; sleep 0.1; done
done_testing
