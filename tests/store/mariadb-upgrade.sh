#!/bin/bash
# SPDX-License-Identifier: MIT
# store-mariadb's schema steps 10 and 11 on a queue in the middle of a mailing: the table is taken back to version 9's shape (state and lease-owner indexes, no queue key, a VARCHAR state and lease owner, dynamic rows, a delivered event per sent row, a row leased by a long owner), the next run upgrades it, due retries go out before queued rows, the row in doubt stays in doubt, deliveries are counted from the rows, and the mailing ends with every recipient in the spool once.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/mariadb.sh"
needs mariadbd mariadb-install-db mariadb
mariadb_private up mru 'pw-upgrade'
printf 'upgrade-site-secret-%s\n' "$RANDOM$RANDOM" > "$T_DIR/secret"
chmod 0600 "$T_DIR/secret"
cat > "$T_DIR/site.ini" <<INI
[mailroom]
site = upgrade
store = mariadb
transport = spool
from = news@example.org
secret_file = $T_DIR/secret
lock_dir = $T_DIR
$(mariadb_store_section up mru "$T_DIR/pw")
[job-mailing]
plugin = process-mailing
batch_size = 50
batch_limit = 120
INI
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
q() { mariadb_root "USE up; $*"; }
{ echo "email,first_name,last_name,groups"
  for i in $(seq 300); do echo "u$i@example.net,F$i,L$i,all"; done; } > "$T_DIR/c.csv"
mr contact import "$T_DIR/c.csv" > /dev/null 2>&1
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
m=$(mr mailing create --name U --subject S --text "$T_DIR/t.txt" --include-group all \
	--schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr job run mailing > /dev/null 2>&1
check_eq "the first run sent its batch_limit" "$(q "SELECT count(*) FROM mailing_recipients WHERE state = 'sent'")" 120
# version 9's table, as a mailroom of that version left it mid-mailing: two
# sent rows due for a retry and one in doubt
q "ALTER TABLE mailing_recipients DROP INDEX mailing_recipients_queue, DROP COLUMN queue_key,
	MODIFY state VARCHAR(16) NOT NULL DEFAULT 'queued', ROW_FORMAT=DYNAMIC,
	MODIFY lease_owner VARCHAR(191), DROP COLUMN reply_room,
	ADD INDEX mailing_recipients_state (state, job_id, next_attempt),
	ADD INDEX mailing_recipients_lease_owner (lease_owner, lease_expires);
	INSERT INTO events(queue_id, event_type, time) SELECT id, 'delivered', sent_at FROM mailing_recipients WHERE state = 'sent';
	DELETE FROM schema_version WHERE version >= 10;
	UPDATE mailing_recipients SET state = 'retry', next_attempt = 0 WHERE state = 'sent' ORDER BY id DESC LIMIT 2;
	UPDATE mailing_recipients SET state = 'in_doubt' WHERE state = 'sent' ORDER BY id LIMIT 1"
# a row leased by an owner too long for version 11's column: the worker of
# this job on a host with a long name, its lease still running for a day
long_host="$(printf 'h%.0s' $(seq 48)).example.org" # 60 bytes: a host name's most is 63
long_owner="mailing/worker-0/a@$long_host"
q "UPDATE mailing_recipients SET state = 'leased', lease_owner = '$long_owner',
	lease_expires = UNIX_TIMESTAMP() + 86400 WHERE state = 'queued' ORDER BY id DESC LIMIT 1"
leased_id=$(q "SELECT id FROM mailing_recipients WHERE state = 'leased'")
retry_ids=$(q "SELECT group_concat(id ORDER BY id) FROM mailing_recipients WHERE state = 'retry'")
spooled=$(q "SELECT count(*) FROM mail_spool")
# any command upgrades; the job run on that host then knows the lease as its
# own (the store's digest of the owner is the upgrade's) and takes it back
mr mailing stats "$m" > /dev/null 2>&1
check_eq "the upgrade holds the long owner as ~ and the first 63 hex digits of its SHA-256" \
	"$(q "SELECT lease_owner FROM mailing_recipients WHERE id = $leased_id")" \
	"~$(printf '%s' "$long_owner" | sha256sum | cut -c1-63)"
MAILROOM_HOSTNAME=$long_host mr job run mailing > "$T_DIR/run2" 2>&1
check_eq "the run after the downgrade succeeds" "$?" 0
check_eq "and took the row of its own lease back" \
	"$(q "SELECT count(*) FROM mailing_recipients WHERE id = $leased_id AND lease_owner IS NULL AND state IN ('queued', 'sent')")" 1
check_eq "it upgraded the schema to version 11" "$(q "SELECT max(version) FROM schema_version")" 11
check_eq "version 11 took the delivered events away" "$(q "SELECT count(*) FROM events WHERE event_type = 'delivered'")" 0
check_grep "lease owners are a CHAR(64) of ASCII" "\`lease_owner\` char(64) CHARACTER SET ascii" \
	<(q "SHOW CREATE TABLE mailing_recipients")
check_eq "rows waiting keep room for the reply, done rows none" \
	"$(q "SELECT count(*) FROM mailing_recipients WHERE (state IN ('queued', 'retry') AND reply_room IS NULL) OR (state IN ('sent', 'in_doubt', 'bounced') AND reply_room IS NOT NULL)")" 0
check_grep "the state is an ENUM now" "enum('queued'" <(q "SHOW CREATE TABLE mailing_recipients")
check_grep "the rows are REDUNDANT" "ROW_FORMAT=REDUNDANT" <(q "SHOW CREATE TABLE mailing_recipients")
check_eq "the old state and lease-owner indexes are gone" \
	"$(q "SELECT count(*) FROM information_schema.statistics WHERE table_schema = 'up' AND index_name IN ('mailing_recipients_state', 'mailing_recipients_lease_owner')")" 0
check_eq "the due retries went out in that run, first" \
	"$(q "SELECT group_concat(id ORDER BY id) FROM mailing_recipients WHERE id IN ($retry_ids) AND state = 'sent'")" "$retry_ids"
check_eq "that run sent its batch_limit" "$(( $(q "SELECT count(*) FROM mail_spool") - spooled ))" 120
check_eq "no row is in the queue index under a wrong key" \
	"$(q "SELECT count(*) FROM mailing_recipients WHERE (state = 'queued') <> (queue_key IS NOT NULL AND queue_key > 0 AND queue_key < 4611686018427387904)")" 0
for _ in $(seq 10); do
	[ "$(q "SELECT status FROM mailings WHERE id = $m")" = complete ] && break
	mr job run mailing > /dev/null 2>&1
done
check_eq "the mailing completed" "$(q "SELECT status FROM mailings WHERE id = $m")" complete
check_eq "the row in doubt stayed in doubt" "$(q "SELECT count(*) FROM mailing_recipients WHERE state = 'in_doubt'")" 1
check_eq "every other recipient is sent" "$(q "SELECT count(*) FROM mailing_recipients WHERE state = 'sent'")" 299
check_eq "the spool has each recipient once (the retried ones twice)" \
	"$(q "SELECT count(*) - count(DISTINCT recipient) FROM mail_spool")" 2
check_eq "and all 300" "$(q "SELECT count(DISTINCT recipient) FROM mail_spool")" 300
check_grep "the report counts the deliveries from before and after the upgrade" '"delivered": *299' <(mr mailing report "$m" --json)
done_testing
