#!/bin/bash
# SPDX-License-Identifier: MIT
# Mass mailing end to end through transport-smtp to the aiosmtpd test server on 127.0.0.1:
# CSV import, queue rules, scripted 4xx/5xx, retries, bytes as received, a worker killed with
# SIGKILL and restarted (nothing lost, nothing sent twice outside the in-doubt rows), two
# workers at once, pause/resume, cancel, the global rate limit, and a 5.1.1 at RCPT putting the
# email on hold as a 5.1.1 DSN does (the next mailing leaves it out).
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/smtp.sh"
needs /usr/bin/python3 sqlite3
N=${MAILING_TEST_N:-20000}

SD=$T_DIR/smtp
P=$(free_port)
smtp_server_start "$SD" "$P"
check "the aiosmtpd server listens on $P" test -f "$SD/ready"

mailing_keys test-site
site() { # site [job keys...]
	{
		cat <<INI
[mailroom]
site = mailtest
store = sqlite
transport = smtp
from = news@example.org
from_name = Example News
secret_file = $T_DIR/secret
lock_dir = $T_DIR
[store-sqlite]
path = $T_DIR/db/m.db
[transport-smtp]
host = 127.0.0.1
port = $P
tls = none
max_connections = 4
[account-bounce]
fetch = localdir
used_for = bounce
source = $T_DIR/bounces
localpart = return+
domain = bounce.example.org
[job-mailing]
plugin = process-mailing
retry_for = 1h
retry_delay = 1h
INI
		# a key given twice is an error: batch_size 50 unless the caller sets it
		case "$*" in *"batch_size = "*) ;; *) echo "batch_size = 50" ;; esac
		for kv in "$@"; do echo "$kv"; done
	} > "$T_DIR/site.ini"
}
site
mkdir -p "$T_DIR/bounces"
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
q() { sqlite3 "$T_DIR/db/m.db" "$@"; }
received() { /usr/bin/python3 "$MR_SRCDIR/tests/integration/mailing-received.py" "$SD"; }
not() { ! "$@" >/dev/null 2>&1; }

# ---- contacts: N good ones, scripted failures, held, opted-out, excluded
{
	echo "email,first_name,last_name,groups"
	for i in $(seq 1 "$N"); do
		case $((i % 100)) in
		7) a="temp-rcpt-$i@example.net" ;;
		8) a="perm-rcpt-$i@example.net" ;;
		9) a="perm-data-$i@example.net" ;;
		*) a="u$i@example.net" ;;
		esac
		g="all"
		[ $((i % 100)) -eq 11 ] && g="all;vip"
		[ $((i % 100)) -ge 20 ] && [ $((i % 100)) -lt 25 ] && g="all;good"
		[ $((i % 100)) -ge 25 ] && [ $((i % 100)) -lt 30 ] && g="all;good"
		echo "$a,First$i,Last $i,\"$g\""
	done
	echo "not-an-address,X,Y,all"
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > "$T_DIR/import.out" 2> "$T_DIR/import.err"
check_eq "import: a bad row makes exit 65 (EX_DATAERR)" "$?" 65
check_grep "import names the bad row's line" "contacts.csv:$((N + 2)): invalid email address" \
	"$T_DIR/import.err"
check_grep "import counts rows" "imported $N rows .*: $N new contacts, 0 updated, 1 skipped" \
	"$T_DIR/import.out"
mr contact import "$T_DIR/contacts.csv" > "$T_DIR/import2.out" 2>/dev/null
check_grep "re-import updates instead of duplicating" "0 new contacts, $N updated" \
	"$T_DIR/import2.out"
check_eq "one contact per address" "$(q 'SELECT count(*) FROM contacts')" "$N"
mr contact hold u1@example.net >/dev/null
mr contact optout u2@example.net >/dev/null
mr contact show U3@EXAMPLE.NET --json > "$T_DIR/show.json"
check_grep "contact show is case-insensitive" '"email":"u3@example.net","first_name":"First3"' \
	"$T_DIR/show.json"
mr contact list --limit abc > /dev/null 2> "$T_DIR/limit.err"
check_eq "contact list --limit with a non-number exits EX_USAGE" "$?" 64
check_grep "and says what --limit takes" 'contact list: --limit "abc": a positive number' \
	"$T_DIR/limit.err"
check_eq "contact list --limit 3 lists 3" "$(mr contact list --limit 3 --json | wc -l)" 3

printf 'Hello {contact.first_name|friend},\nunsubscribe: {action.unsubscribeUrl}\n' > "$T_DIR/t.txt"
printf '<p>Hello {contact.first_name} {contact.last_name}</p>\n' > "$T_DIR/t.html"
mk() { # mk TAG GROUP [extra args]: creates a scheduled mailing, prints its id
	local tag=$1 group=$2
	shift 2
	mr mailing create --name "$tag" --subject "$tag for {contact.first_name}" \
		--text "$T_DIR/t.txt" --html "$T_DIR/t.html" --include-group "$group" \
		--schedule now "$@" | sed -n 's/^mailing \([0-9]*\) created.*/\1/p'
}
m1=$(mk M1 all --exclude-group vip)
check "mailing M1 created" test -n "$m1"

# ---- M1: one run sends everything
mr job run mailing > "$T_DIR/run1.out" 2>&1
check_grep "the job run reports what it sent" "sent" "$T_DIR/run1.out"
expect_good=$(for i in $(seq 1 "$N"); do
	r=$((i % 100))
	[ "$i" -le 2 ] && continue       # on hold, opted out
	[ "$r" -eq 11 ] && continue      # excluded (vip)
	[ "$r" -ge 7 ] && [ "$r" -le 9 ] && continue
	echo "M1 u$i@example.net"
done | sort)
received | grep '^M1 ' | sort > "$T_DIR/got1"
check_eq "M1: the server received exactly the deliverable recipients, once each" \
	"$(md5sum < "$T_DIR/got1")" "$(echo "$expect_good" | md5sum)"
n_good=$(echo "$expect_good" | wc -l)
mr mailing stats "$m1" --json > "$T_DIR/stats1.json"
n_temp=$(grep -c '^temp-rcpt' <(cut -d, -f1 "$T_DIR/contacts.csv"))
n_perm=$(( $(grep -c '^perm-' <(cut -d, -f1 "$T_DIR/contacts.csv")) ))
check_grep "M1 stats: sent = delivered = $n_good" "\"sent\":$n_good,\"delivered\":$n_good," \
	"$T_DIR/stats1.json"
check_grep "M1 stats: $n_temp retrying after 451" "\"retrying\":$n_temp," "$T_DIR/stats1.json"
check_grep "M1 stats: $n_perm bounced" "\"bounced\":$n_perm," "$T_DIR/stats1.json"
check_grep "M1 stats: 554 after DATA counts as Syntax" "\"Syntax\":$((n_perm / 2))" "$T_DIR/stats1.json"
n_invalid=$(grep -c '^perm-rcpt' <(cut -d, -f1 "$T_DIR/contacts.csv"))
check_grep "M1 stats: 550 5.1.1 counts as Invalid" "\"Invalid\":$n_invalid" "$T_DIR/stats1.json"
# two hours pass for the retries: their next attempt is due, retry_for (1 h) is over
q "UPDATE mailing_recipients SET next_attempt = 0, first_attempt = first_attempt - 7200 WHERE state = 'retry'"
mr job run mailing > "$T_DIR/run2.out" 2>&1
mr mailing stats "$m1" --json > "$T_DIR/stats2.json"
check_grep "M1: temporary failures retried, then bounced after retry_for" \
	"\"retrying\":0,\"bounced\":$((n_perm + n_temp))," "$T_DIR/stats2.json"
check_eq "M1 is complete" "$(q "SELECT status FROM mailings WHERE id = $m1")" complete
check_eq "each temp-rcpt recipient was tried twice" \
	"$(q "SELECT min(attempts) || ',' || max(attempts) FROM mailing_recipients WHERE email LIKE 'temp-rcpt%' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m1)")" "2,2"
# refusals count towards holds like DSNs: 550 5.1.1 (Invalid, threshold 1) at once,
# 451 4.2.1 (mailbox disabled: Inactive, threshold 1) once it bounced after retry_for
check_eq "M1: every perm-rcpt address (550 5.1.1 at RCPT) is on hold" \
	"$(q "SELECT count(*) FROM emails WHERE email LIKE 'perm-rcpt%' AND on_hold = 1")" "$n_invalid"
check_eq "M1: every temp-rcpt address (451 4.2.1, bounced after retry_for) is on hold" \
	"$(q "SELECT count(*) FROM emails WHERE email LIKE 'temp-rcpt%' AND on_hold = 1")" "$n_temp"
check_eq "M1: a 554 5.6.0 after DATA (Syntax, threshold 3) holds nobody yet" \
	"$(q "SELECT count(*) FROM emails WHERE email LIKE 'perm-data%' AND on_hold = 1")" 0

# ---- bytes as received
f=$(grep -rl --include='*.json' '"u3@example.net"' "$SD" | sort | head -1)
eml=${f%.json}.eml
check_grep "To carries the contact's name" '^To: "First3 Last 3" <u3@example.net>' "$eml"
check_grep "Subject with the token expanded" '^Subject: M1 for First3' "$eml"
check_grep "List-Unsubscribe with the VERP mailto" '^List-Unsubscribe: <mailto:return+u\.' "$eml"
mf=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mail_from"])' "$f")
qid=$(q "SELECT id FROM mailing_recipients WHERE email = 'u3@example.net' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m1)")
jid=$(q "SELECT job_id FROM mailing_recipients WHERE id = $qid")
check "the envelope sender is the VERP address of job $jid, queue $qid ($mf)" \
	grep -q "^return+b\.$jid\.$qid\.[0-9a-f]\{16\}@bounce\.example\.org$" <<< "$mf"
check_grep "X-Mailroom-Id is the same address" "^X-Mailroom-Id: <$mf>" "$eml"

# ---- M2: the worker killed with SIGKILL at random moments, then restarted
mr group add killtest > /dev/null
q "INSERT INTO group_contact(group_id, contact_id) SELECT (SELECT id FROM contact_groups WHERE name = 'killtest'), contact_id FROM emails WHERE email LIKE 'u%'"
m2=$(mk M2 killtest)
site "batch_size = 20"
kills=0
for k in 1 2 3 4 5; do
	"$MAILROOM" --config "$T_DIR/site.ini" job run mailing > "$T_DIR/kill$k.out" 2>&1 &
	pid=$!
	# 0.1-0.9 s into a run of the full mailing; a small one (make distcheck's
	# 2,000) is sent in well under a second, so it is killed 20-100 ms in
	if [ "$N" -ge 10000 ]; then sleep "0.$((RANDOM % 9 + 1))"; else sleep "0.0$((RANDOM % 9 + 2))"; fi
	if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; kills=$((kills + 1)); fi
	wait "$pid" 2>/dev/null
done
diag "killed the worker $kills times"
check "the worker was killed at least 3 times mid-mailing" test "$kills" -ge 3
for _ in 1 2 3; do mr job run mailing > "$T_DIR/after-kill.out" 2>&1; done
mr mailing stats "$m2" --json > "$T_DIR/stats-m2.json"
total2=$(q "SELECT count(*) FROM mailing_recipients WHERE job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m2)")
doubt2=$(q "SELECT count(*) FROM mailing_recipients WHERE state = 'in_doubt' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m2)")
sent2=$(q "SELECT count(*) FROM mailing_recipients WHERE state = 'sent' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m2)")
diag "M2: $total2 recipients, $sent2 sent, $doubt2 in doubt after $kills kills"
check_eq "M2: every recipient is sent or in doubt" "$((sent2 + doubt2))" "$total2"
check_grep "M2 stats report the in-doubt ones" "\"in_doubt\":$doubt2," "$T_DIR/stats-m2.json"
received | grep '^M2 ' | sort > "$T_DIR/got2"
check_eq "M2: no address received twice" "$(uniq -d "$T_DIR/got2" | wc -l)" 0
q "SELECT 'M2 ' || email FROM mailing_recipients WHERE state = 'sent' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m2)" | sort > "$T_DIR/sent2"
check_eq "M2: every recipient marked sent was received" \
	"$(comm -23 "$T_DIR/sent2" "$T_DIR/got2" | wc -l)" 0
q "SELECT 'M2 ' || email FROM mailing_recipients WHERE state = 'in_doubt' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m2)" | sort > "$T_DIR/doubt2"
check_eq "M2: whatever was received but not marked sent is in doubt" \
	"$(comm -23 "$T_DIR/got2" "$T_DIR/sent2" | comm -23 - "$T_DIR/doubt2" | wc -l)" 0
# resend_in_doubt = yes: the in-doubt ones go out again; afterwards everyone has it
site "batch_size = 20" "resend_in_doubt = yes"
q "UPDATE mailings SET status = 'running' WHERE id = $m2"
q "UPDATE mailing_jobs SET status = 'running' WHERE mailing_id = $m2"
mr job run mailing > "$T_DIR/resend.out" 2>&1
received | grep '^M2 ' | sort -u > "$T_DIR/got2u"
q "SELECT 'M2 ' || email FROM mailing_recipients WHERE job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m2)" | sort > "$T_DIR/all2"
check_eq "M2 with resend_in_doubt: the received set equals the recipient set" \
	"$(md5sum < "$T_DIR/got2u")" "$(md5sum < "$T_DIR/all2")"
received | grep '^M2 ' | sort | uniq -d > "$T_DIR/dup2"
check_eq "M2: duplicates only among the in-doubt ones" \
	"$(comm -23 "$T_DIR/dup2" "$T_DIR/doubt2" | wc -l)" 0

# ---- M3: two workers at once
site "batch_size = 10" "max_workers = 2"
m3=$(mk M3 killtest)
"$MAILROOM" --config "$T_DIR/site.ini" job run mailing > "$T_DIR/w1.out" 2>&1 &
w1=$!
"$MAILROOM" --config "$T_DIR/site.ini" job run mailing > "$T_DIR/w2.out" 2>&1 &
w2=$!
wait "$w1"; wait "$w2"
mr job run mailing > /dev/null 2>&1
received | grep '^M3 ' | sort > "$T_DIR/got3"
q "SELECT 'M3 ' || email FROM mailing_recipients WHERE job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m3)" | sort > "$T_DIR/all3"
check_eq "M3, two workers: the received set equals the recipient set, no duplicate" \
	"$(md5sum < "$T_DIR/got3")" "$(md5sum < "$T_DIR/all3")"
workers=$(q "SELECT count(DISTINCT worker) FROM job_log WHERE job = 'mailing' AND worker > 0 AND message LIKE '%mailings: %' AND message NOT LIKE '%: 0 sent%'")
check_eq "M3: both workers sent part of it" "$workers" 2

# ---- M4: pause, resume, cancel
site "batch_size = 10" "batch_limit = 100"
m4=$(mk M4 killtest)
mr job run mailing > /dev/null 2>&1
check_eq "M4: a run with batch_limit 100 sends 100" "$(received | grep -c '^M4 ')" 100
mr mailing pause "$m4" > /dev/null
mr job run mailing > /dev/null 2>&1
check_eq "M4: nothing is sent while paused" "$(received | grep -c '^M4 ')" 100
mr mailing resume "$m4" > /dev/null
mr job run mailing > /dev/null 2>&1
check_eq "M4: resumed, the next 100 go out" "$(received | grep -c '^M4 ')" 200
mr mailing cancel "$m4" > /dev/null
mr job run mailing > /dev/null 2>&1
check_eq "M4: nothing is sent after cancel" "$(received | grep -c '^M4 ')" 200
mr mailing stats "$m4" --json > "$T_DIR/stats4.json"
check_grep "M4 stats: the rest is canceled" "\"sent\":200,.*\"canceled\":$(( $(wc -l < "$T_DIR/all3") - 200 ))" \
	"$T_DIR/stats4.json"
check_grep "mailing list shows it canceled" "\"status\":\"canceled\"" \
	<(mr mailing list --json | grep "\"id\":$m4,")

# ---- M5: the rate limit holds across runs: 60 messages at 30/s take >= 1 s
site "batch_size = 10" "batch_limit = 60" "rate = 30/s"
m5=$(mk M5 killtest)
rm -f "$T_DIR"/mailroom-mailtest-*-mailing.rate
t0=$(date +%s%N)
mr job run mailing > /dev/null 2>&1
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
diag "60 messages at 30/s took $ms ms"
check_eq "M5: 60 messages sent" "$(received | grep -c '^M5 ')" 60
check "M5: 60 messages at rate 30/s (burst 30) take at least 900 ms" test "$ms" -ge 900
check "M5: the token bucket is in the site's lock namespace (site name and config digest)" \
	ls "$T_DIR"/mailroom-mailtest-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-mailing.rate

# ---- M6/M7: DKIM from the site's [dkim] section, checked by dkimpy on the bytes received
mr group add dkim > /dev/null
q "INSERT INTO group_contact(group_id, contact_id) SELECT (SELECT id FROM contact_groups WHERE name = 'dkim'), contact_id FROM emails WHERE email IN ('u3@example.net', 'u4@example.net')"
# the RSA key is mailing_keys'
openssl genpkey -algorithm ED25519 -out "$T_DIR/ed.key" 2>/dev/null
chmod 600 "$T_DIR/ed.key"
printf 'v=DKIM1; k=ed25519; p=%s' \
	"$(openssl pkey -in "$T_DIR/ed.key" -pubout -outform DER | tail -c 32 | base64 -w0)" > "$T_DIR/ed.txt"
for alg in rsa-sha256 ed25519-sha256; do
	tag=M6; key=rsa
	[ "$alg" = ed25519-sha256 ] && tag=M7 && key=ed
	site "[dkim]" "selector = s2026" "domain = example.org" "key_file = $T_DIR/$key.key" \
		"algorithm = $alg"
	sed -i 's/^\[mailroom\]$/[mailroom]\nunsubscribe_url = https:\/\/example.org\/u/' "$T_DIR/site.ini"
	printf 'Grüße {contact.first_name},   \n\ttrailing and 8-bit text  \n%s\n' \
		"$(printf 'x%.0s' $(seq 1 1200))" > "$T_DIR/d.txt"
	mr mailing create --name "$tag" --subject "$tag Grüße {contact.first_name}" \
		--text "$T_DIR/d.txt" --html "$T_DIR/t.html" --include-group dkim --schedule now > /dev/null
	mr job run mailing > "$T_DIR/$tag.out" 2>&1
	f=$(grep -rl --include='*.json' '"u4@example.net"' "$SD" | sort | tail -1)
	eml=${f%.json}.eml
	check_grep "$tag: the message as received starts with a DKIM-Signature ($alg)" \
		"^DKIM-Signature: v=1; a=$alg; c=relaxed/relaxed; d=example.org; s=s2026;" "$eml"
	check "$tag: dkimpy verifies the $alg signature of the bytes the server received" \
		/usr/bin/python3 "$MR_SRCDIR/tests/unit/dkim-verify.py" "$eml" "$T_DIR/$key.txt"
	check_grep "$tag: List-Unsubscribe-Post with an https unsubscribe_url" \
		"^List-Unsubscribe-Post: List-Unsubscribe=One-Click" "$eml"
	sed 's/trailing and 8-bit/trailing and 9-bit/' "$eml" > "$T_DIR/changed.eml"
	check "$tag: one changed body word fails dkimpy" \
		not /usr/bin/python3 "$MR_SRCDIR/tests/unit/dkim-verify.py" "$T_DIR/changed.eml" \
		"$T_DIR/$key.txt"
done

# ---- M8: killed while a slow server takes 300 ms per message: only the messages
# offered to it whose answer never came can be in doubt (the sending journal holds
# every answer as it arrives), the rest of the batch goes back to the queue
{
	echo "email,first_name,groups"
	for i in $(seq 1 40); do echo "slow-data-$i@example.net,Slow$i,slow"; done
} > "$T_DIR/slow.csv"
mr contact import "$T_DIR/slow.csv" > /dev/null
m8=$(mk M8 slow)
site "batch_size = 40"
files0=$(ls "$SD" | wc -l)
"$MAILROOM" --config "$T_DIR/site.ini" job run mailing > "$T_DIR/m8-kill.out" 2>&1 &
pid=$!
# bounded wait until the server holds 5 of the 40 (an .eml and a .json each), then the kill
for _ in $(seq 100); do
	[ $(($(ls "$SD" | wc -l) - files0)) -ge 10 ] && break
	sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
got8=$(received | grep -c '^M8 ')
check "M8: the worker was killed mid-batch ($got8 of 40 received)" test "$got8" -lt 40
mr job run mailing > "$T_DIR/m8-after.out" 2>&1
check_grep "M8: the rows never offered went back to the queue" \
	"recovered [0-9]* recipients of an earlier run ([1-9][0-9]* back in the queue" "$T_DIR/m8-after.out"
doubt8=$(q "SELECT count(*) FROM mailing_recipients WHERE state = 'in_doubt' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m8)")
sent8=$(q "SELECT count(*) FROM mailing_recipients WHERE state = 'sent' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m8)")
diag "M8: $sent8 sent, $doubt8 in doubt after one kill ($got8 received at the kill)"
check "M8: at most the 4 connections' messages in transaction are in doubt" \
	test "$doubt8" -le 4
check_eq "M8: every recipient is sent or in doubt" "$((sent8 + doubt8))" 40
received | grep '^M8 ' | sort > "$T_DIR/got8"
check_eq "M8: no address received twice" "$(uniq -d "$T_DIR/got8" | wc -l)" 0
q "SELECT 'M8 ' || email FROM mailing_recipients WHERE state = 'sent' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m8)" | sort > "$T_DIR/sent8"
q "SELECT 'M8 ' || email FROM mailing_recipients WHERE state = 'in_doubt' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m8)" | sort > "$T_DIR/doubt8"
check_eq "M8: every recipient marked sent was received" \
	"$(comm -23 "$T_DIR/sent8" "$T_DIR/got8" | wc -l)" 0
# the server saves a message, then answers: a row it holds and the worker never
# heard about had its 250 on the wire at the kill (one per connection at most);
# every other row it holds was answered, so it is sent, not in doubt
check_eq "M8: every received recipient is sent or in doubt" \
	"$(sort -m "$T_DIR/sent8" "$T_DIR/doubt8" | comm -23 "$T_DIR/got8" - | wc -l)" 0
both8=$(comm -12 "$T_DIR/doubt8" "$T_DIR/got8" | wc -l)
diag "M8: $both8 of the $doubt8 in doubt were received (their answer was on its way)"
check "M8: the in-doubt rows the server holds are only answers in flight at the kill" \
	test "$both8" -le 4

# ---- M9: a pause during a run takes effect within the batch being sent (the
# batches claimed and rendered ahead are given back, not sent)
m9=$(mk M9 killtest)
site "batch_size = 10"
json0=$(ls "$SD" | grep -c '\.json$')
"$MAILROOM" --config "$T_DIR/site.ini" job run mailing > "$T_DIR/m9.out" 2>&1 &
pid=$!
for _ in $(seq 200); do
	[ $(($(ls "$SD" | grep -c '\.json$') - json0)) -ge 30 ] && break
	sleep 0.05
done
mr mailing pause "$m9" > /dev/null
at_pause=$(($(ls "$SD" | grep -c '\.json$') - json0))
for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
check "M9: the run ends after the pause" not kill -0 "$pid"
wait "$pid" 2>/dev/null
after=$(($(ls "$SD" | grep -c '\.json$') - json0))
diag "M9: $at_pause received when the pause returned, $after when the run ended"
# the batch being pushed, and what the transport held of the one before it:
# max_connections in transaction and as many queued
check "M9: at most one batch (10) and the transport's 2 x 4 went out after the pause" \
	test $((after - at_pause)) -le 18
check_eq "M9: every sent one was received, and nothing else" \
	"$(q "SELECT count(*) FROM mailing_recipients WHERE state = 'sent' AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m9)")" "$after"
mr mailing cancel "$m9" > /dev/null

# ---- M10/M11: "550 5.1.1 <addr>: user unknown" at RCPT holds the email like a 5.1.1
# DSN would (one classifier, one count): the next mailing to the group leaves it out
printf 'email,first_name,groups\nunknown-rcpt-1@example.net,Gone,rcpt\nrcpt-ok-1@example.net,Here,rcpt\n' \
	> "$T_DIR/rcpt.csv"
mr contact import "$T_DIR/rcpt.csv" > /dev/null
site
sed -i 's/^\[mailroom\]$/[mailroom]\nlog_level = info/' "$T_DIR/site.ini"
m10=$(mk M10 rcpt)
mr job run mailing > "$T_DIR/m10.out" 2>&1
check_eq "M10: the good address was received" "$(received | grep -c '^M10 ')" 1
mr contact show unknown-rcpt-1@example.net --json > "$T_DIR/m10-contact.json"
check_grep "M10: the address refused with 550 5.1.1 at RCPT is on hold" '"on_hold":1' \
	"$T_DIR/m10-contact.json"
check_eq "M10: its hold date is set" \
	"$(q "SELECT hold_date > 0 FROM emails WHERE email = 'unknown-rcpt-1@example.net'")" 1
mr mailing stats "$m10" --json > "$T_DIR/stats10.json"
check_grep "M10 stats: one bounced" '"bounced":1,' "$T_DIR/stats10.json"
check_grep "M10 stats: counted as Invalid" '"Invalid":1' "$T_DIR/stats10.json"
check_eq "M10: the bounce event has the DSN's reason, status and type" \
	"$(q "SELECT bt.name || ',' || ev.bounce_reason || ',' || json_extract(ev.details, '\$.status') || ',' || json_extract(ev.details, '\$.confidence') FROM events ev JOIN bounce_types bt ON bt.id = ev.bounce_type_id JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'unknown-rcpt-1@example.net'")" \
	"Invalid,userunknown,5.1.1,smtp"
check_grep "M10: the run logs the refusal as classified" \
	"refused: 550 5.1.1 .*user unknown (userunknown, hard, 5.1.1, type Invalid)" "$T_DIR/m10.out"
m11=$(mk M11 rcpt)
mr job run mailing > "$T_DIR/m11.out" 2>&1
check_eq "M11: the next mailing to the group does not queue the held address" \
	"$(q "SELECT group_concat(email) FROM mailing_recipients WHERE job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = $m11)")" \
	"rcpt-ok-1@example.net"
check_eq "M11: only the good address was received" "$(received | grep -c '^M11 ')" 1

done_testing
