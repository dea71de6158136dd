#!/bin/bash
# SPDX-License-Identifier: MIT
# job-fetch-bounces and job-reset-holds against a real SQLite store and a Maildir: a mailing
# sent through the spool transport gives the VERP addresses; DSNs, a qmail-style bounce, an
# ARF complaint, a vacation reply, VERP actions, a forged hash and a broken message are
# processed; counts, thresholds, holds, opt-outs and groups are checked in the database, and
# a run killed between commit and disposal counts its message once.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3

. "$MR_SRCDIR/tests/integration/bounce-site.sh"
bounce_site bouncetest "[job-reset]" "plugin = reset-holds" "clean_days = 30"
waiting() { find "$MD/new" "$MD/cur" -maxdepth 1 -type f | wc -l | tr -d ' '; }

{
	echo "email,first_name,last_name,groups"
	for i in 1 2 3 4 5 6 7 8 9; do echo "u$i@example.net,F$i,L$i,news"; done
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
mid=$(mr mailing create --name Nov --subject "November news" --text "$T_DIR/t.txt" \
	--include-group news --reply-to replies@example.org --schedule now |
	sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "a mailing was created" test -n "$mid"
mr job run mailing > "$T_DIR/send.out" 2>&1
check_eq "the mailing went to 9 recipients (spooled)" "$(q 'SELECT count(*) FROM mail_spool')" 9

# verp N: the envelope sender (VERP bounce address) of u N; msgid N: its Message-ID
msgid() { q "SELECT headers FROM mail_spool WHERE recipient = 'u$1@example.net'" | sed -n 's/^Message-ID: \(<[^>]*>\).*/\1/p' | tr -d '\r'; }
action() { # action N LETTER: the VERP address of another action for u N, signed as mailroom signs
	verp "$1" | /usr/bin/python3 -c 'import hmac,hashlib,sys,re
key = open(sys.argv[2]).readline().rstrip("\r\n").encode()
m = re.match(r"return\+b\.(\d+)\.(\d+)\.", sys.stdin.read())
msg = "%s.%s.%s" % (sys.argv[1], m.group(1), m.group(2))
print("return+%s@bounce.example.org" % (msg + "." + hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()[:16]))' "$2" "$T_DIR/secret"
}
hold() { q "SELECT on_hold FROM emails WHERE email = 'u$1@example.net'"; }
events() { q "SELECT count(*) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u$1@example.net' AND ev.event_type = '$2'"; }
check_eq "the test signs VERP addresses as mailroom does" "$(action 1 b)" "$(verp 1)"
check "VERP addresses look right ($(verp 1))" grep -q '^return+b\.[0-9]*\.[0-9]*\.[0-9a-f]\{16\}@bounce\.example\.org$' <<< "$(verp 1)"

# ---- run 1
put dsn to="$(verp 1)" rcpt=u1@example.net status=5.1.1 msgid="$(msgid 1)"
for _ in 1 2; do put dsn to="$(verp 2)" rcpt=u2@example.net status=5.2.2 \
	diag="552 5.2.2 <u2@example.net>: mailbox full, quota exceeded"; done
good=$(verp 3)
forged="${good%@*}"; h=${forged##*.}; forged="${forged%.*}.$(printf '%s' "$h" | tr '0-9a-f' '1-9a-f0')@${good#*@}"
put dsn to="$forged" rcpt=u3@example.net status=5.1.1
put arf to="$(verp 4)" rcpt=u4@example.net
put vacation to="$(verp 5)" rcpt=u5@example.net
put broken
put dsn to=postmaster@example.org return_path= rcpt=u6@example.net status=5.1.1 msgid="$(msgid 6)"
lu7=$(q "SELECT headers FROM mail_spool WHERE recipient = 'u7@example.net'" | sed -n 's/^List-Unsubscribe: <mailto:\([^>]*\)>.*/\1/p' | tr -d '\r')
check_eq "the List-Unsubscribe mailto is u7's signed 'u' address" "$lu7" "$(action 7 u)"
put plain to="$lu7" rcpt=u7@example.net subject=unsubscribe
put plain to="$(action 8 r)" rcpt=u8@example.net body="Please call me"
put qmail to="$(verp 9)" rcpt=u9@example.net diag="Sorry, no mailbox here by that name. (#5.1.1)"
put dsn to="$(verp 2)" rcpt=u2@example.net status=4.2.2 action=delayed \
	diag="452 4.2.2 mailbox full"
check_eq "12 messages wait" "$(waiting)" 12
mr job run bounces > "$T_DIR/run1.out" 2>&1
check_eq "the run succeeded" "$?" 0
sed 's/^/#   /' "$T_DIR/run1.out" | head -40
check_eq "every message was disposed of (none left in new/cur)" "$(waiting)" 0
check_eq "u1: Invalid (threshold 1) on hold" "$(hold 1)" 1
check_eq "u1: one bounce event of type Invalid, reason userunknown" \
	"$(q "SELECT bt.name || ',' || ev.bounce_reason || ',' || json_extract(ev.details, '\$.status') || ',' || json_extract(ev.details, '\$.confidence') FROM events ev JOIN bounce_types bt ON bt.id = ev.bounce_type_id JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u1@example.net'")" \
	"Invalid,userunknown,5.1.1,verp"
check_eq "u1: the queue row is bounced" "$(q "SELECT state FROM mailing_recipients WHERE email = 'u1@example.net'")" bounced
check_eq "u1: hold date set" "$(q "SELECT hold_date > 0 FROM emails WHERE email = 'u1@example.net'")" 1
check_eq "u2: two Quota bounces counted (the delay notice not)" "$(events 2 bounce)" 2
check_eq "u2: Quota threshold 3 not reached: not on hold" "$(hold 2)" 0
check_eq "u3: forged hash: no event" "$(q "SELECT count(*) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u3@example.net' AND ev.event_type <> 'delivered'")" 0
check_eq "u3: forged hash: not on hold" "$(hold 3)" 0
check_grep "the forged hash is logged" "forged VERP (hash does not match)" "$T_DIR/run1.out"
check_eq "u4: ARF complaint opts the contact out" "$(q "SELECT is_opt_out FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'u4@example.net'")" 1
check_eq "u4: the complaint is not a bounce" "$(events 4 bounce),$(hold 4)" "0,0"
check_eq "u5: a vacation reply is no bounce" "$(events 5 bounce),$(hold 5)" "0,0"
check_grep "the broken message is ignored with a reason" "ignored: " "$T_DIR/run1.out"
check_eq "u6: no signed id (match_by_address off): no event, not on hold" "$(events 6 bounce),$(hold 6)" "0,0"
check_grep "... ignored with its reason" "a bounce with no signed id of ours" "$T_DIR/run1.out"
check_eq "u7: unsubscribe mail: out of the mailing's group" \
	"$(q "SELECT gc.status FROM group_contact gc JOIN emails e ON e.contact_id = gc.contact_id WHERE e.email = 'u7@example.net'"),$(events 7 unsubscribe)" "Removed,1"
check_eq "u8: a reply event" "$(events 8 reply)" 1
check_eq "u8: the reply was forwarded to the mailing's reply-to" \
	"$(q "SELECT count(*) FROM mail_spool WHERE recipient = 'replies@example.org' AND CAST(body AS TEXT) LIKE '%Please call me%' AND CAST(headers AS TEXT) LIKE '%X-Mailroom-Reply-Of-Mailing: $mid%'")" 1
check_eq "u9: qmail-style bounce: Invalid, on hold" "$(events 9 bounce),$(hold 9)" "1,1"
check_grep "the job message summarises" "12 messages: 4 bounces counted (0 by address only), 2 holds, 3 actions, 5 ignored (1 forged, 1 unsigned), 1 replies forwarded" "$T_DIR/run1.out"
ls "$MD/.ignored/cur" "$MD/.ignored/new" 2>/dev/null | grep -c '^1790' > "$T_DIR/ign"
check_eq "5 messages moved to the ignored folder" "$(cat "$T_DIR/ign")" 5

# ---- opt-out and resubscribe addresses; an action address only quoted in a body is no action
put plain to="$(action 3 o)" rcpt=u3@example.net subject=optout
put plain to="$(action 7 e)" rcpt=u7@example.net subject=resubscribe
put plain to=someone@example.org rcpt=u5@example.net body="forwarded: $(action 5 u)"
mr job run bounces > "$T_DIR/run-actions.out" 2>&1
check_eq "u3: opted out by mail to its 'o' address" "$(q "SELECT is_opt_out FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'u3@example.net'"),$(events 3 opt-out)" "1,1"
check_eq "u7: resubscribed by mail to its 'e' address" \
	"$(q "SELECT gc.status FROM group_contact gc JOIN emails e ON e.contact_id = gc.contact_id WHERE e.email = 'u7@example.net'"),$(events 7 resubscribe)" "Added,1"
check_eq "u5: an unsubscribe address quoted in a body unsubscribes nobody" \
	"$(q "SELECT gc.status FROM group_contact gc JOIN emails e ON e.contact_id = gc.contact_id WHERE e.email = 'u5@example.net'"),$(events 5 unsubscribe)" "Added,0"
check_grep "... and is ignored with a reason" "is only quoted" "$T_DIR/run-actions.out"

# ---- the third Quota bounce puts u2 on hold; killed between commit and disposal, counted once
put dsn to="$(verp 2)" rcpt=u2@example.net status=5.2.2 diag="552 5.2.2 mailbox full"
MAILROOM_TEST_CRASH_AFTER_COMMIT=1 mr job run bounces > "$T_DIR/crash.out" 2>&1
check_eq "the run was killed after the commit: the message is still there" "$(waiting)" 1
check_eq "u2: third Quota bounce counted: on hold" "$(events 2 bounce),$(hold 2)" "3,1"
mr job run bounces > "$T_DIR/run2.out" 2>&1
check_eq "the next run disposes of it" "$(waiting)" 0
check_eq "u2: still three bounces (counted once)" "$(events 2 bounce)" 3

# ---- the rules file overrides a threshold: Invalid needs 2 here
sed 's/^Invalid = 1$/Invalid = 2/' "$MR_SRCDIR/etc/bounce-rules.conf" > "$T_DIR/rules.conf"
printf '[bounce]\nrules_file = %s\n' "$T_DIR/rules.conf" >> "$T_DIR/site.ini"
mr contact import /dev/stdin <<< $'email,first_name,last_name,groups\nu10@example.net,F,L,news2\nu11@example.net,F,L,news2' > /dev/null
mid2=$(mr mailing create --name Dec --subject "December" --text "$T_DIR/t.txt" \
	--include-group news2 --schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr job run mailing > /dev/null 2>&1
put dsn to="$(verp 10)" rcpt=u10@example.net status=5.1.1
mr job run bounces > "$T_DIR/run3.out" 2>&1
check_eq "u10: one Invalid bounce with the threshold at 2: not on hold" "$(hold 10)" 0
check_grep "the log names the count and the threshold" "u10@example.net bounced .*1 of 2 bounces" "$T_DIR/run3.out"

# ---- a problem of the sender (our IP on a blocklist) is recorded, never a hold (Sender = 0)
for _ in 1 2; do put dsn to="$(verp 11)" rcpt=u11@example.net status=5.7.1 \
	diag="554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"; done
mr job run bounces > "$T_DIR/run-sender.out" 2>&1
check_eq "u11: two blocklist DSNs recorded as blocked, type Sender" \
	"$(q "SELECT count(*) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id JOIN bounce_types t ON t.id = ev.bounce_type_id WHERE r.email = 'u11@example.net' AND ev.event_type = 'bounce' AND ev.bounce_reason = 'blocked' AND t.name = 'Sender'")" 2
check_eq "u11: the sender's problem never puts the recipient on hold" "$(hold 11)" 0
check_grep "the log says this type never holds" "u11@example.net bounced (blocked, soft, 5.7.1, type Sender): 2 bounces of this type since the reset date (this type never holds" "$T_DIR/run-sender.out"

# ---- bounce stats
mr bounce stats > "$T_DIR/stats.txt" 2>&1
check_eq "bounce stats exits 0" "$?" 0
mr bounce stats --json > "$T_DIR/stats.json"
check_grep "stats: Invalid bounces of mailing Nov" "\"mailing_id\":$mid,\"mailing\":\"Nov\",\"type\":\"Invalid\",\"bounces\":2" "$T_DIR/stats.json"
check_grep "stats: Quota bounces of mailing Nov" "\"type\":\"Quota\",\"bounces\":3,\"emails\":1" "$T_DIR/stats.json"
check_grep "stats: holds" '"on_hold":3' "$T_DIR/stats.json"
check_grep "stats text: by type" "Invalid" "$T_DIR/stats.txt"

# ---- reset-holds: u1 had a delivery after its bounce and 31 days passed
t_now=$(date +%s)
q "UPDATE mailing_recipients SET sent_at = $t_now + 10 WHERE email = 'u1@example.net'"
MAILROOM_FAKE_NOW=$((t_now + 31 * 86400)) mr job run reset > "$T_DIR/reset.out" 2>&1
check_eq "reset-holds: u1 released, reset_date set" "$(hold 1),$(q "SELECT reset_date = $((t_now + 31 * 86400)) FROM emails WHERE email = 'u1@example.net'")" "0,1"
check_eq "reset-holds: u9 (no delivery since) stays on hold" "$(hold 9)" 1
check_grep "reset-holds reports it" "released 1 bounce holds" "$T_DIR/reset.out"
# ---- without a site secret no hash can be checked: the job refuses to run and moves nothing
grep -v '^secret_file' "$T_DIR/site.ini" > "$T_DIR/nosecret.ini"
put dsn to="$(verp 5)" rcpt=u5@example.net status=5.1.1
"$MAILROOM" --config "$T_DIR/nosecret.ini" job run bounces > "$T_DIR/nosecret.out" 2>&1
check "without a secret the run fails" test "$?" -ne 0
check_grep "... saying why" "no site secret" "$T_DIR/nosecret.out"
check_eq "... and the message stays" "$(waiting)" 1
mr job run bounces > /dev/null 2>&1
check_eq "with the secret it is processed" "$(waiting),$(events 5 bounce)" "0,1"

# ---- matched by address (opt-in): the returned Message-ID picks the mailing, else the
# newest; recorded with low confidence, never holding
sed -i 's/^plugin = fetch-bounces$/&\nmatch_by_address = yes/' "$T_DIR/site.ini"
msgid8=$(msgid 8)
mr mailing create --name Jan --subject "January" --text "$T_DIR/t.txt" --include-group news \
	--schedule now > /dev/null
mr job run mailing > /dev/null 2>&1
check_eq "u8 was mailed twice (Nov, Jan)" "$(q "SELECT count(*) FROM mailing_recipients WHERE email = 'u8@example.net'")" 2
put dsn to=postmaster@example.org return_path= rcpt=u8@example.net status=5.2.2 msgid="$msgid8" \
	diag="552 5.2.2 mailbox full"
put dsn to=postmaster@example.org return_path= rcpt=u8@example.net status=5.2.2 msgid="<other@example.org>" \
	diag="552 5.2.2 mailbox full"
mr job run bounces > "$T_DIR/run-msgid.out" 2>&1
bymailing() { q "SELECT group_concat(m.name, ',') FROM (SELECT m.name FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id JOIN mailing_jobs j ON j.id = r.job_id JOIN mailings m ON m.id = j.mailing_id WHERE r.email = '$1' AND ev.event_type = 'bounce' ORDER BY ev.id) m"; }
check_eq "u8: the bounce returning Nov's Message-ID counts against Nov, the other against the newest (Jan)" "$(bymailing u8@example.net)" "Nov,Jan"
check_eq "u8: both low confidence" "$(q "SELECT group_concat(json_extract(ev.details, '\$.confidence')) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u8@example.net' AND ev.event_type = 'bounce'")" "low,low"
put dsn to=postmaster@example.org return_path= rcpt=u6@example.net status=5.1.1
mr job run bounces > "$T_DIR/run-low.out" 2>&1
check_eq "u6: an Invalid bounce matched by address is recorded (low) but does not hold (threshold 1)" \
	"$(q "SELECT json_extract(ev.details, '\$.confidence') FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u6@example.net' AND ev.event_type = 'bounce'"),$(hold 6)" "low,0"
put arf to=postmaster@example.org return_path= rcpt=u9@example.net
mr job run bounces > "$T_DIR/run-arf.out" 2>&1
check_eq "an unsigned complaint opts nobody out, even with match_by_address" \
	"$(q "SELECT is_opt_out FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'u9@example.net'"),$(events 9 opt-out)" "0,0"
check_grep "... and is ignored with its reason" "a complaint with no signed id of ours" "$T_DIR/run-arf.out"

# ---- the whole bounce corpus in one run: every recipient Sisimai found is a mailed contact;
# the bounces are matched by address (no VERP), nothing stops the run, every file is disposed of
if [ -d "${MR_CORPUS:-}/bounces/maildir" ]; then
	/usr/bin/python3 - "$MR_CORPUS/bounces/expected.jsonl" > "$T_DIR/corpus.csv" <<'PY'
import json, re, sys
seen = set()
print("email,first_name,last_name,groups")
for line in open(sys.argv[1]):
    for b in json.loads(line)["bounces"]:
        r = (b.get("recipient") or "").lower()
        if b.get("hardsoft") in ("hard", "soft") and re.fullmatch(r"[a-z0-9._+-]+@[a-z0-9.-]+\.[a-z]+", r) and r not in seen:
            seen.add(r)
            print("%s,C,Orpus,corpus" % r)
PY
	mr contact import "$T_DIR/corpus.csv" > /dev/null 2>&1
	mr mailing create --name Corpus --subject "Corpus" --text "$T_DIR/t.txt" \
		--include-group corpus --schedule now > /dev/null
	mr job run mailing > /dev/null 2>&1
	n_files=0
	for f in "$MR_CORPUS"/bounces/maildir/*/*; do
		[ -f "$f" ] || continue
		n_files=$((n_files + 1))
		cp "$f" "$MD/new/$((1800000000 + n_files)).C${n_files}P1.corpus"
	done
	start=$(date +%s.%N)
	mr job run bounces > "$T_DIR/corpus.out" 2>&1
	rc=$?
	end=$(date +%s.%N)
	diag "$(tail -1 "$T_DIR/corpus.out")"
	diag "$n_files corpus files in $(echo "$end - $start" | bc) s"
	check_eq "the corpus run succeeded" "$rc" 0
	check_eq "all $n_files corpus files were disposed of" "$(waiting)" 0
	check_grep "none was left for the next run" "$n_files messages: .* 0 left for the next run" "$T_DIR/corpus.out"
	low=$(q "SELECT count(*) FROM events WHERE event_type = 'bounce' AND json_extract(details, '\$.confidence') = 'low'")
	diag "$low corpus bounces matched by address (lower confidence)"
	check "most corpus bounces were matched to their mailed contact by address ($low)" test "$low" -ge 100
	check_eq "no corpus bounce (none signed) put a corpus contact on hold" \
		"$(q "SELECT count(*) FROM emails e JOIN contacts c ON c.id = e.contact_id WHERE c.last_name = 'Orpus' AND e.on_hold <> 0")" 0
fi
done_testing
