#!/bin/bash
# SPDX-License-Identifier: MIT
# Bounce processing end to end against real servers on 127.0.0.1: mailings go through
# transport-smtp into a throwaway Postfix (own config and queue, loopback only, nothing leaves:
# default_transport = error, no DNS) that accepts unknown users and then bounces them, and whose
# full mailbox (a per-recipient size limit) makes delivery fail; Postfix itself writes the DSNs to
# the VERP addresses and delivers them (recipient_delimiter = +) into the Dovecot Maildir of the
# bounce account; `mailroom cron` fetches them over IMAP; the right emails end up on hold with the
# right types, and a DSN Postfix wrote to a VERP address with a forged hash changes nothing.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 /usr/sbin/postfix /usr/sbin/dovecot
[ "$(id -u)" -eq 0 ] || skip_all "a private Postfix needs root to start"
. "$MR_SRCDIR/tests/servers/dovecot.sh"
. "$MR_SRCDIR/tests/servers/postfix-local.sh"
dovecot_start
BOX=$(dovecot_maildir "$DC_USER")
VMAIL_UID=$(id -u vmail)
VMAIL_GID=$(id -g vmail)

# ---- the throwaway Postfix
postfix_smtpd_setup vmail:vmail
cat >> "$PF_CONF/main.cf" <<EOF
smtpd_reject_unlisted_recipient = no
recipient_delimiter = +
virtual_mailbox_domains = example.test bounce.example.test
virtual_mailbox_base = /
virtual_mailbox_maps = texthash:$PF_CONF/vmailbox
virtual_uid_maps = static:$VMAIL_UID
virtual_gid_maps = static:$VMAIL_GID
virtual_minimum_uid = 1
transport_maps = texthash:$PF_CONF/transport
maximal_queue_lifetime = 0
bounce_queue_lifetime = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
notify_classes =
EOF
cat > "$PF_CONF/vmailbox" <<EOF
return@bounce.example.test $BOX/
good@example.test $PF/mail/good/
victim@example.test $PF/mail/victim/
full@example.test $PF/mail/full.mbox
busy@example.test $PF/mail/busy/
EOF
# full@ is an mbox already at its size limit (a virtual(8) service of its own whose
# virtual_mailbox_limit it exceeds): every delivery to it fails with "mailbox full"
printf 'full@example.test fullbox:\n' > "$PF_CONF/transport"
head -c 19990 /dev/zero | tr '\0' 'x' | fold -w 78 | sed '1s/^/From old@example.org Sun Nov 29 00:00:00 2026\n/' > "$PF/mail/full.mbox"
chown vmail:vmail "$PF/mail/full.mbox"
# busy@'s Maildir cannot be written (a temporary error): Postfix defers it, and with
# maximal_queue_lifetime = 0 the first deferral becomes a bounce (Action: failed, 4.x.x)
mkdir -p "$PF/mail/busy" && chmod 0555 "$PF/mail/busy"
echo "fullbox   unix  -       n       n       -       -       virtual -o virtual_mailbox_limit=20000 -o message_size_limit=20000" \
	>> "$PF_CONF/master.cf"
postfix_smtpd_launch

# ---- the site
printf 'e2e-secret-%s\n' "$RANDOM$RANDOM$RANDOM" > "$T_DIR/secret"
chmod 600 "$T_DIR/secret"
printf '%s\n' "$DC_PASS" > "$T_DIR/imap-pass"
chmod 600 "$T_DIR/imap-pass"
cat > "$T_DIR/site.ini" <<EOF
[mailroom]
site = bouncee2e
store = sqlite
transport = smtp
from = news@example.org
domain = example.org
secret_file = $T_DIR/secret
lock_dir = $T_DIR
log_level = info
[store-sqlite]
path = $T_DIR/m.db
[transport-smtp]
host = 127.0.0.1
port = $PF_PORT
tls = none
[account-bounce]
fetch = imap
used_for = bounce
server = 127.0.0.1
port = $DC_IMAP
tls = none
username = $DC_USER
password_file = $T_DIR/imap-pass
localpart = return+
domain = bounce.example.test
[job-mailing]
plugin = process-mailing
[job-bounces]
plugin = fetch-bounces
EOF
export MAILROOM_BOUNCE_RULES=$MR_SRCDIR/etc/bounce-rules.conf
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
q() { sqlite3 "$T_DIR/m.db" "$@"; }
in_box() { find "$BOX/new" "$BOX/cur" -type f 2>/dev/null | wc -l | tr -d ' '; }
# wait_box N: until N messages wait in the bounce Maildir (20 s at most)
wait_box() {
	for _ in $(seq 1 200); do [ "$(in_box)" -ge "$1" ] && return 0; sleep 0.1; done
	return 1
}
hold() { q "SELECT on_hold FROM emails WHERE email = '$1'"; }
types() { q "SELECT group_concat(bt.name || ':' || coalesce(ev.bounce_reason, '-'), ' ') FROM events ev JOIN bounce_types bt ON bt.id = ev.bounce_type_id JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = '$1' AND ev.event_type = 'bounce'"; }

mr contact import /dev/stdin > /dev/null <<'CSV'
email,first_name,last_name,groups
good@example.test,Good,One,news
unknown@example.test,Unknown,One,news
full@example.test,Full,One,news
victim@example.test,Victim,One,news
busy@example.test,Busy,One,news
CSV
check_eq "5 contacts" "$(q 'SELECT count(*) FROM contacts')" 5
{ echo 'Hello {contact.first_name},'; for i in $(seq 1 40); do echo "line $i of the news, to make the message larger than the full mailbox allows"; done; } > "$T_DIR/t.txt"

# round N: a mailing to the group through Postfix, then `mailroom cron` fetches the DSNs
round() {
	local n=$1 want=$2 before
	before=$(in_box)
	mr mailing create --name "M$n" --subject "News $n" --text "$T_DIR/t.txt" \
		--include-group news --schedule now > /dev/null
	mr job run mailing > "$T_DIR/send$n.out" 2>&1
	wait_box $((before + want))
	mr cron > "$T_DIR/cron$n.out" 2>&1
}

round 1 3
check_eq "M1: Postfix accepted all 5 (sent)" "$(q "SELECT count(*) FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id JOIN mailings m ON m.id = j.mailing_id WHERE m.name = 'M1' AND r.state IN ('sent', 'bounced')")" 5
check "good@ got its message from Postfix" test "$(find "$PF/mail/good/new" -type f | wc -l)" -ge 1
check_grep "Postfix bounced unknown@ (user unknown)" "unknown@example.test.*status=bounced" "$PF/maillog"
check_grep "Postfix could not deliver to full@ (file too large)" "full@example.test.*status=bounced" "$PF/maillog"
check_grep "Postfix delivered its DSNs to the VERP address" "to=<return+b\.[0-9]*\.[0-9]*\.[0-9a-f]\{16\}@bounce.example.test>.*status=sent (delivered to maildir)" "$PF/maillog"
check_grep "Postfix deferred busy@ (4.2.0, Permission denied)" "busy@example.test.*dsn=4\.2\.0, status=deferred (.*Permission denied" "$PF/maillog"
check_eq "cron fetched the three DSNs over IMAP: the Maildir's inbox is empty" "$(in_box)" 0
sed 's/^/#   /' "$T_DIR/cron1.out" | grep -i "bounce" | head -12
check_eq "unknown@: Invalid (userunknown), on hold after one" "$(types unknown@example.test),$(hold unknown@example.test)" "Invalid:userunknown,1"
check "full@: counted as a Quota bounce ($(types full@example.test))" grep -q '^Quota:' <<< "$(types full@example.test)"
check_eq "full@: not yet on hold (Quota threshold 3)" "$(hold full@example.test)" 0
check "busy@: counted as a soft bounce ($(types busy@example.test))" test -n "$(types busy@example.test)"
check_eq "busy@: its DSN's status is 4.x.x" "$(q "SELECT substr(json_extract(ev.details, '\$.status'), 1, 2) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'busy@example.test'")" "4."
check_eq "busy@: not on hold after one" "$(hold busy@example.test)" 0
check_eq "good@: untouched" "$(types good@example.test),$(hold good@example.test)" ",0"

# a forged VERP address for victim@'s queue row: Postfix's DSN goes to it, and nothing happens
qid=$(q "SELECT r.id FROM mailing_recipients r WHERE r.email = 'victim@example.test' ORDER BY id LIMIT 1")
jid=$(q "SELECT job_id FROM mailing_recipients WHERE id = $qid")
forged="return+b.$jid.$qid.0123456789abcdef@bounce.example.test"
before=$(in_box)
/usr/bin/python3 - "$PF_PORT" "$forged" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
s.sendmail(sys.argv[2], ["nosuchuser@example.test"],
           "From: attacker@example.net\r\nTo: nosuchuser@example.test\r\nSubject: forged\r\n\r\nx\r\n")
s.quit()
PY
check "Postfix wrote a DSN to the forged VERP address" wait_box $((before + 1))
mr cron > "$T_DIR/cron-forged.out" 2>&1
check_grep "the forged hash is logged" "forged VERP: return+b.*(hash does not match, found in To)" "$T_DIR/cron-forged.out"
check_eq "victim@: untouched by the forged DSN" "$(types victim@example.test),$(hold victim@example.test)" ",0"
check "the forged DSN went to the ignored folder" test "$(find "$BOX/.ignored" -type f 2>/dev/null | wc -l)" -ge 1

# two more mailings: full@ reaches the Quota threshold; unknown@ (on hold) is no longer mailed
round 2 2
round 3 2
check_eq "unknown@ was not mailed again (on hold)" "$(q "SELECT count(*) FROM mailing_recipients WHERE email = 'unknown@example.test'")" 1
check_eq "full@: three Quota bounces, on hold" "$(q "SELECT count(*) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id JOIN bounce_types bt ON bt.id = ev.bounce_type_id WHERE r.email = 'full@example.test' AND bt.name = 'Quota'"),$(hold full@example.test)" "3,1"
check_eq "busy@: three soft Host bounces (Host threshold 3): on hold" "$(types busy@example.test),$(hold busy@example.test)" "Host:onhold Host:onhold Host:onhold,1"
check_eq "good@ and victim@: never on hold" "$(hold good@example.test),$(hold victim@example.test)" "0,0"
check_eq "every DSN was disposed of" "$(in_box)" 0
mr bounce stats --json > "$T_DIR/stats.json"
check_grep "bounce stats: 3 holds" '"on_hold":3' "$T_DIR/stats.json"
check_grep "bounce stats: Quota by type" '"Quota":3' "$T_DIR/stats.json"
done_testing
