#!/bin/bash
# SPDX-License-Identifier: MIT
# A mailing's queue holds an address once, on store-sqlite and (when built) store-mariadb: contacts that a CRM wrote with the same address (the domain in another case) get one message, sent to the lowest eligible email; a local part in another case is another address; a duplicate whose first owner may not be mailed (opted out) is still mailed once; an address on hold on one contact's email is held for all.  On store-mariadb the same with the queue built in parts of one email, and across parts: an address queued in an earlier part is not queued again when its first owner opts out before the later part is built; a half-built queue is not copied, a pause keeps its build, a cancel ends it, the progress line grows with the parts.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/mariadb.sh"
printf 'dedup-site-secret-%s\n' "$RANDOM$RANDOM" > "$T_DIR/secret"
chmod 600 "$T_DIR/secret"
{ echo "email,first_name,last_name,groups"
  echo "a@example.org,A,One,all"
  echo "B@example.org,B,Two,all"
  echo "c@example.org,C,Three,all"; } > "$T_DIR/c.csv"
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"

# dedup STORE: the site of STORE ($T_DIR/STORE.ini), the CRM's extra
# contacts written with SQL through q, one mailing, its queue checked
dedup() {
	local store=$1 now
	mr() { "$MAILROOM" --config "$T_DIR/$store.ini" "$@"; }
	mr contact import "$T_DIR/c.csv" > /dev/null 2>&1
	check_eq "$store: three contacts imported" "$(q "SELECT count(*) FROM contacts")" 3
	crm_contacts
	local m
	m=$(mr mailing create --name D --subject S --text "$T_DIR/t.txt" --include-group all \
		--schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
	mr job run mailing > "$T_DIR/$store.run" 2>&1
	check_eq "$store: the mailing ran" "$?" 0
	check_queue "$store" "$m"
}

# crm_contacts: the contacts a CRM wrote beside the import, with SQL
crm_contacts() {
	local now
	now=$(date +%s)
	# D: A's address with the domain in capitals; E: B's with a small b; F: C's, C opted out;
	# G and H: one address in two cases, on hold on G's email
	local who email
	for who in D:a@EXAMPLE.org E:b@example.org F:c@Example.Org G:held@example.org H:Held@EXAMPLE.org; do
		email=${who#*:}
		q "INSERT INTO contacts(contact_type, first_name, last_name, display_name, created, modified)
			VALUES('Individual', '${who%%:*}', 'Crm', '${who%%:*} Crm', $now, $now)"
		q "INSERT INTO emails(contact_id, email, is_primary)
			SELECT max(id), '$email', 1 FROM contacts"
		q "INSERT INTO group_contact(group_id, contact_id, status, added_date)
			SELECT g.id, (SELECT max(id) FROM contacts), 'Added', $now
			FROM contact_groups g WHERE g.name = 'all'"
	done
	q "UPDATE contacts SET is_opt_out = 1 WHERE first_name = 'C'"
	q "UPDATE emails SET on_hold = 1 WHERE contact_id = (SELECT id FROM contacts WHERE first_name = 'G')"
}

# check_queue LABEL MAILING: its queue and the spool hold the four
check_queue() {
	local store=$1 m=$2
	check_eq "$store: four recipients: a, B, b and F's c" \
		"$(q "SELECT count(*) FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = $m")" 4
	check_eq "$store: A's address went to A (the lowest email), not to D" \
		"$(q "SELECT c.first_name FROM mailing_recipients r JOIN contacts c ON c.id = r.contact_id WHERE lower(r.email) = 'a@example.org'")" A
	check_eq "$store: B@ and b@ are two addresses" \
		"$(q "SELECT count(*) FROM mailing_recipients WHERE lower(email) = 'b@example.org'")" 2
	check_eq "$store: C is opted out, so its address goes to F" \
		"$(q "SELECT c.first_name FROM mailing_recipients r JOIN contacts c ON c.id = r.contact_id WHERE lower(r.email) = 'c@example.org'")" F
	check_eq "$store: the address held on G's email goes to neither G nor H" \
		"$(q "SELECT count(*) FROM mailing_recipients WHERE lower(email) = 'held@example.org'")" 0
	check_eq "$store: the spool has each of the four once" \
		"$(mr spool list --json | grep -o '"recipient":"[^"]*"' | sort -u | wc -l | tr -d ' ')" 4
}

site() { # site LABEL STORE STORE-SECTION: $T_DIR/LABEL.ini
	cat > "$T_DIR/$1.ini" <<INI
[mailroom]
site = dedup
store = $2
transport = spool
from = news@example.org
secret_file = $T_DIR/secret
lock_dir = $T_DIR
$3
[job-mailing]
plugin = process-mailing
INI
}

site sqlite sqlite "$(printf '[store-sqlite]\npath = %s' "$T_DIR/m.db")"
q() { sqlite3 "$T_DIR/m.db" "$*"; }
needs sqlite3
dedup sqlite

if [ -e "$MR_BUILDDIR/plugins/store-mariadb/.libs/store-mariadb.so" ]; then
	needs mariadbd mariadb-install-db mariadb
	mariadb_private dd mrd 'pw-dedup'
	site mariadb mariadb "$(mariadb_store_section dd mrd "$T_DIR/pw")"
	q() { mariadb_root "USE dd; $*"; }
	dedup mariadb
	# the same with a part for each email
	mariadb_create dd1 mrd 'pw-dedup'
	site parts mariadb "$(mariadb_store_section dd1 mrd "$T_DIR/pw"; echo 'build_part = 1')"
	q() { mariadb_root "USE dd1; $*"; }
	dedup parts
	check_eq "parts: the build is over" "$(q "SELECT max(job_offset) FROM mailing_jobs")" 0
	# across parts: A's address is queued in the first part; A opts out
	# before the part of D's email (the same address) is built
	mariadb_create dd2 mrd 'pw-dedup'
	site across mariadb "$(mariadb_store_section dd2 mrd "$T_DIR/pw"; echo 'build_part = 1')"
	site copy sqlite "$(printf '[store-sqlite]\npath = %s' "$T_DIR/copy.db")"
	q() { mariadb_root "USE dd2; $*"; }
	mr() { "$MAILROOM" --config "$T_DIR/across.ini" "$@"; }
	# one message a run ([job-mailing] is the file's last section)
	{ cat "$T_DIR/across.ini"; echo 'batch_limit = 1'; } > "$T_DIR/one.ini"
	mr contact import "$T_DIR/c.csv" > /dev/null 2>&1
	crm_contacts
	local m
	m=$(mr mailing create --name D --subject S --text "$T_DIR/t.txt" --include-group all \
		--schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
	"$MAILROOM" --config "$T_DIR/one.ini" job run mailing > "$T_DIR/across.run" 2>&1
	check_eq "across: the first run sent one message" \
		"$(q "SELECT count(*) FROM mailing_recipients WHERE state = 'sent'")" 1
	check_eq "across: ... to A, the first part" \
		"$(q "SELECT count(*) FROM mailing_recipients r JOIN contacts c ON c.id = r.contact_id AND c.first_name = 'A'")" 1
	check_eq "across: the rest is not built yet" \
		"$(q "SELECT count(*) FROM mailing_recipients")" 1
	mr store copy --to "$T_DIR/copy.ini" > "$T_DIR/copy.out" 2>&1
	check_eq "across: a half-built queue is not copied" "$?" 65
	check_grep "across: ... which the error says" "still being built in parts" "$T_DIR/copy.out"
	mr mailing pause "$m" > /dev/null
	mr job run mailing > "$T_DIR/across.run2" 2>&1
	check_eq "across: a paused mailing's build waits" "$(q "SELECT count(*) FROM mailing_recipients")" 1
	mr mailing resume "$m" > /dev/null
	q "UPDATE contacts SET is_opt_out = 1 WHERE first_name = 'A'"
	# on a terminal (script(1)), the progress line counts the parts built as it sends
	script -qec "$MAILROOM --config $T_DIR/across.ini job run mailing" /dev/null \
		> "$T_DIR/across.run3" 2>&1
	check_eq "across: the rest ran" "$?" 0
	check_eq "across: its progress ends at the three built after the first run" \
		"$(tr '\r' '\n' < "$T_DIR/across.run3" | grep -o "mailing $m: [0-9]* of [0-9]* ([0-9]*%)" | tail -1)" \
		"mailing $m: 3 of 3 (100%)"
	check_queue across "$m"
	check_eq "across: the mailing is complete" \
		"$(mr mailing stats "$m" --json | grep -c '"queued":0,')" 1
	# a cancel ends a build
	m=$(mr mailing create --name E --subject S --text "$T_DIR/t.txt" --include-group all \
		--schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
	"$MAILROOM" --config "$T_DIR/one.ini" job run mailing > "$T_DIR/across.run4" 2>&1
	mr mailing cancel "$m" > /dev/null
	check_eq "across: a canceled mailing's build is over" \
		"$(q "SELECT max(job_offset) FROM mailing_jobs WHERE mailing_id = $m")" 0
	mr job run mailing > "$T_DIR/across.run5" 2>&1
	check_eq "across: ... and nothing more is built or sent" \
		"$(q "SELECT count(*) FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = $m")" 1
else
	skip "store-mariadb is not built"
fi
done_testing
