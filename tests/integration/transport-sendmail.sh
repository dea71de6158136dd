#!/bin/bash
# SPDX-License-Identifier: MIT
# transport-sendmail and transport-mail against real programs: a throwaway
# Postfix instance (its sendmail, found through MAIL_CONFIG) delivering into
# Maildirs the test reads, a private Exim (Debian's binary, its own -C
# configuration) doing the same through its sendmail interface, and msmtp relaying to the aiosmtpd test server for
# the SMTP-side failures.  Checks the envelope (Return-Path, recipients from
# the arguments or from the headers with -t), the bytes delivered, how exits
# map (a quoted SMTP reply decides, else 65/67/68/77 permanent and the rest
# temporary), the timeout, and send-test through both.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/postfix-local.sh"
. "$MR_SRCDIR/tests/servers/smtp.sh"
. "$MR_SRCDIR/tests/servers/exim.sh"
needs /usr/sbin/postfix /usr/sbin/sendmail /usr/bin/msmtp /usr/bin/python3 /usr/sbin/smtp-sink
BLAST=$MR_BUILDDIR/bench/mr-blast
[ -x "$BLAST" ] || { echo "Bail out! $BLAST is not built"; exit 1; }
[ "$(id -u)" = 0 ] || skip_all "a private Postfix instance needs root here"

postfix_start
check "a private Postfix instance started (config $PF_CONF)" test -s "$PF_BASE/queue/pid/master.pid"
export MAIL_CONFIG=$PF_CONF

# site TRANSPORT KEY=VALUE...: writes $T_DIR/site.ini
site() {
	local tr=$1; shift
	{
		printf '[mailroom]\nfrom = sender@example.org\ntransport = %s\n' "$tr"
		printf '[store-sqlite]\npath = %s/db.sqlite\n[transport-%s]\n' "$T_DIR" "$tr"
		for kv in "$@"; do printf '%s\n' "$kv"; done
	} > "$T_DIR/site.ini"
}
blast() { "$BLAST" -c "$T_DIR/site.ini" "$@"; }
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
# body FILE: the delivered message from our first header on (Postfix prepends
# Return-Path, X-Original-To, Delivered-To and Received)
body() { sed -n '/^From: /,$p' "$1"; }
newest() { ls -t "$1"/new/* | head -1; }

# ---- transport-sendmail: envelope recipients from the arguments, exact bytes
long=$(head -c 990 /dev/zero | tr '\0' 'L')
printf 'From: Sender <sender@example.org>\r\nTo: list@example.org\r\nSubject: sendmail bytes\r\nMessage-ID: <sm1@example.org>\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n.\r\n..\r\n.leading dot\r\nGr\xc3\xbc\xc3\x9fe \xe2\x9c\x93\r\n%s\r\nlast line\r\n' "$long" > "$T_DIR/m1.eml"
tr -d '\r' < "$T_DIR/m1.eml" > "$T_DIR/m1.lf"
site sendmail "path = /usr/sbin/sendmail"
blast -f bounce+x@example.org -t rcpt1@mailroom.test -t rcpt2@mailroom.test -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "sendmail: Postfix's sendmail accepts: exit 0" "$?" 0
check_grep "sendmail: result ok with exit status 0" 'rcpt rcpt1@mailroom.test: ok 0 2.0.0 accepted by /usr/sbin/sendmail (exit 0)' "$T_DIR/out"
pf_wait_mail "$PF_MAIL/rcpt1" 1 && pf_wait_mail "$PF_MAIL/rcpt2" 1
check "sendmail: delivered to both envelope recipients (not to the To: header)" test -n "$(ls "$PF_MAIL/rcpt2/new")"
check_eq "sendmail: nothing went to the header's address" "$(ls "$PF_MAIL/other/new" 2>/dev/null | wc -l)" 0
M=$(newest "$PF_MAIL/rcpt1")
check_grep "sendmail: Return-Path is the envelope sender" '^Return-Path: <bounce+x@example.org>$' "$M"
check_grep "sendmail: X-Original-To is the envelope recipient" '^X-Original-To: rcpt1@mailroom.test$' "$M"
body "$M" > "$T_DIR/got"
if cmp -s "$T_DIR/got" "$T_DIR/m1.lf"; then ok "sendmail: headers, lone dots, 8-bit and a 990-byte line delivered exactly"
else not_ok "sendmail: the message delivered exactly"; diff <(od -c "$T_DIR/m1.lf") <(od -c "$T_DIR/got") | head -10 | sed 's/^/#   /'; fi

# null sender
blast -f '' -t rcpt1@mailroom.test -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
pf_wait_mail "$PF_MAIL/rcpt1" 2
check_grep "sendmail: a null sender becomes Return-Path: <>" '^Return-Path: <>$' "$(newest "$PF_MAIL/rcpt1")"

# Postfix's sendmail exits 75 when its queue is unusable: temporary
mkdir -p "$T_DIR/broken"
sed "s|^queue_directory = .*|queue_directory = $T_DIR/broken/none|" "$PF_CONF/main.cf" > "$T_DIR/broken/main.cf"
MAIL_CONFIG=$T_DIR/broken blast -f sender@example.org -t rcpt1@mailroom.test -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "sendmail: a broken queue: exit 75" "$?" 75
check_grep "sendmail: exit 75 is tempfail, with Postfix's own words" 'tempfail 75 - /usr/sbin/sendmail exited with 75 (EX_TEMPFAIL): sendmail: fatal: chdir' "$T_DIR/out"

# ---- msmtp as the sendmail program, relaying to the aiosmtpd server
SD=$T_DIR/srv
P=$(free_port)
smtp_server_start "$SD" "$P"
MSMTP_ARGS="--host=127.0.0.1 --port=$P --tls=off --auth=off"
site sendmail "path = /usr/bin/msmtp" "args = $MSMTP_ARGS"
blast -f sender@example.org -t ok@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "msmtp: accepted, exit 0" "$?" 0
check "msmtp: the server stored the message" test -n "$(ls "$SD"/*.eml 2>/dev/null)"
blast -f sender@example.org -t perm-rcpt@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "msmtp: a 550 at RCPT makes msmtp exit 65: permfail with its stderr" 'permfail 65 - /usr/bin/msmtp exited with 65 (EX_DATAERR): .*550 5.1.1' "$T_DIR/out"
# msmtp itself exits 69 for an SMTP 4xx too (only network errors give 75):
# the transport follows the program's exit status, as documented
blast -f sender@example.org -t temp-rcpt@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "msmtp: a 451 at RCPT: msmtp exits 69, tempfail from the 451 it quotes" 'tempfail 69 - .*451 4.2.1' "$T_DIR/out"
site sendmail "path = /usr/bin/msmtp" "args = --host=127.0.0.1 --port=$(free_port) --tls=off --auth=off"
blast -f sender@example.org -t ok@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "msmtp: nobody listening: exit 75" "$?" 75
check_grep "msmtp: nobody listening: msmtp exits 75, tempfail" 'tempfail 75 - /usr/bin/msmtp exited with 75 (EX_TEMPFAIL): msmtp: cannot connect' "$T_DIR/out"

# a server that stalls: the program is killed after the timeout, temporary
SP=$(free_port)
smtp_sink_start "$SP" -w 60
site sendmail "path = /usr/bin/msmtp" "args = --host=127.0.0.1 --port=$SP --tls=off --auth=off --timeout=600" "timeout = 2s"
t0=$(date +%s)
blast -f sender@example.org -t x@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
rc=$?
t1=$(date +%s)
check_eq "a stalled program: exit 75" "$rc" 75
check_grep "a stalled program: killed after the timeout, tempfail" 'tempfail 0 - /usr/bin/msmtp was killed after the 2s timeout' "$T_DIR/out"
check "a stalled program: the run ended within 8 seconds ($((t1 - t0))s)" test $((t1 - t0)) -le 8
check_eq "a stalled program: no msmtp left running" "$(pgrep -f -- "--port=$SP" | wc -l)" 0

# ---- transport-mail: the machine's MTA, recipients from the headers (-t)
site mail
printf 'From: sender@example.org\nTo: rcpt2@mailroom.test\nCc: rcpt1@mailroom.test\nBcc: hidden@mailroom.test\nSubject: mail() style\nMessage-ID: <mail1@example.org>\n\n.\nbody\n' > "$T_DIR/m2.eml"
n1=$(ls "$PF_MAIL/rcpt1/new" | wc -l); n2=$(ls "$PF_MAIL/rcpt2/new" | wc -l)
blast -f bounce@example.org -t rcpt2@mailroom.test -m "$T_DIR/m2.eml" > "$T_DIR/out" 2>&1
check_eq "mail: zero configuration, exit 0" "$?" 0
check_grep "mail: the result names /usr/sbin/sendmail" 'ok 0 2.0.0 accepted by /usr/sbin/sendmail (exit 0)' "$T_DIR/out"
pf_wait_mail "$PF_MAIL/rcpt2" $((n2 + 1)); pf_wait_mail "$PF_MAIL/rcpt1" $((n1 + 1)); pf_wait_mail "$PF_MAIL/other" 1
check_grep "mail: To: got it" '^Message-ID: <mail1@example.org>' "$(newest "$PF_MAIL/rcpt2")"
check_grep "mail: Cc: got it" '^Message-ID: <mail1@example.org>' "$(newest "$PF_MAIL/rcpt1")"
check_grep "mail: Bcc: got it" '^Message-ID: <mail1@example.org>' "$(newest "$PF_MAIL/other")"
check_grep "mail: Return-Path is the envelope sender (-f)" '^Return-Path: <bounce@example.org>$' "$(newest "$PF_MAIL/rcpt2")"
if grep -q '^Bcc:' "$(newest "$PF_MAIL/rcpt2")"; then not_ok "mail: the Bcc header is removed"; else ok "mail: the Bcc header is removed"; fi
body "$(newest "$PF_MAIL/rcpt2")" | sed -n '/^$/,$p' > "$T_DIR/got"
check_eq "mail: a lone dot line survives (-i)" "$(cat "$T_DIR/got" | tr '\n' '|')" "|.|body|"

# no MTA: a clear error
site mail "path = $T_DIR/no/sendmail"
blast -f sender@example.org -t rcpt1@mailroom.test -m "$T_DIR/m2.eml" > "$T_DIR/out" 2>&1
check_eq "mail without an MTA: exit 78 (configuration)" "$?" 78
check_grep "mail without an MTA: says so" "no mail transfer agent is installed: $T_DIR/no/sendmail does not exist" "$T_DIR/out"

# ---- send-test through both
if [ -x "$MAILROOM" ]; then
	site mail
	n1=$(ls "$PF_MAIL/rcpt1/new" | wc -l)
	mr send-test rcpt1@mailroom.test > "$T_DIR/out" 2>&1
	check_eq "send-test via mail: exit 0" "$?" 0
	check_grep "send-test via mail: prints the Message-ID" '^sent <[^>]*> to rcpt1@mailroom.test via mail' "$T_DIR/out"
	check_grep "send-test via mail: prints the program's exit status" '^reply: 0 2.0.0 accepted by /usr/sbin/sendmail (exit 0)' "$T_DIR/out"
	msgid=$(sed -n 's/^sent \(<[^>]*>\).*/\1/p' "$T_DIR/out")
	pf_wait_mail "$PF_MAIL/rcpt1" $((n1 + 1))
	check_grep "send-test via mail: that Message-ID is in the mailbox" "^Message-I[Dd]: $msgid" "$(newest "$PF_MAIL/rcpt1")"
	site sendmail "path = /usr/sbin/sendmail"
	n2=$(ls "$PF_MAIL/rcpt2/new" | wc -l)
	mr send-test rcpt2@mailroom.test > "$T_DIR/out" 2>&1
	check_eq "send-test via sendmail: exit 0" "$?" 0
	msgid=$(sed -n 's/^sent \(<[^>]*>\).*/\1/p' "$T_DIR/out")
	pf_wait_mail "$PF_MAIL/rcpt2" $((n2 + 1))
	check_grep "send-test via sendmail: that Message-ID is in the mailbox" "^Message-I[Dd]: $msgid" "$(newest "$PF_MAIL/rcpt2")"
	check_grep "send-test via sendmail: Return-Path is the From address" '^Return-Path: <sender@example.org>$' "$(newest "$PF_MAIL/rcpt2")"
	site mail "path = $T_DIR/no/sendmail"
	mr send-test rcpt1@mailroom.test > "$T_DIR/out" 2>&1
	check_eq "send-test without an MTA: exit 78" "$?" 78
	check_grep "send-test without an MTA: a clear error" 'no mail transfer agent is installed' "$T_DIR/out"
else
	not_ok "mailroom is built ($MAILROOM)"
fi

# ---- Exim's sendmail interface (a private Exim: tests/servers/exim.sh)
if exim_setup; then
	EXARGS=$(exim_args)
	site sendmail "path = $EXIM" "args = $EXARGS"
	blast -f bounce+x@example.org -t rcpt1@mailroom.test -t rcpt2@mailroom.test -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
	check_eq "exim: Exim's sendmail accepts: exit 0" "$?" 0
	check_grep "exim: result ok with exit status 0" "rcpt rcpt2@mailroom.test: ok 0 2.0.0 accepted by $EXIM (exit 0)" "$T_DIR/out"
	check_eq "exim: delivered to both envelope recipients" "$(exim_count rcpt1)/$(exim_count rcpt2)" "1/1"
	M=$(newest "$EX_MAIL/rcpt1")
	check_grep "exim: Return-path is the envelope sender" '^Return-path: <bounce+x@example.org>$' "$M"
	check_grep "exim: Envelope-to is the envelope recipient" '^Envelope-to: rcpt1@mailroom.test$' "$M"
	body "$M" > "$T_DIR/got"
	if cmp -s "$T_DIR/got" "$T_DIR/m1.lf"; then ok "exim: headers, lone dots, 8-bit and a 990-byte line delivered exactly"
	else not_ok "exim: the message delivered exactly"; diff <(od -c "$T_DIR/m1.lf") <(od -c "$T_DIR/got") | head -10 | sed 's/^/#   /'; fi
	# a recipient Exim refuses while routing: it accepts the message (exit 0)
	# and reports the refusal by mail to the envelope sender, as Postfix does
	blast -f bounce@mailroom.test -t rcpt3@mailroom.test -t refused@mailroom.test -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
	check_eq "exim: a refused recipient: exit 0 (the refusal comes as a DSN)" "$?" 0
	check_eq "exim: the other recipient got it" "$(exim_count rcpt3)" 1
	check_grep "exim: the DSN to the envelope sender names the refused recipient" '^X-Failed-Recipients: refused@mailroom.test' "$(newest "$EX_MAIL/bounce")"
	check_grep "exim: and Exim's reason" 'no such user here' "$(newest "$EX_MAIL/bounce")"
	# an address Exim cannot parse: exit 1, which also means a spool it cannot
	# write (below), so it is retried, not bounced
	blast -f bounce@mailroom.test -t 'bad@@mailroom.test' -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
	check_grep "exim: an address it cannot parse: exit 1, tempfail" "rcpt bad@@mailroom.test: tempfail 1 - $EXIM exited with 1" "$T_DIR/out"
	check_eq "exim: and it mails its error to the envelope sender too (-oem, its default)" "$(exim_count bounce)" 2
	# Exim exits 1, not 75, when its spool is unusable: the recipient is kept
	# for a later try, never bounced for the sender's own trouble
	chmod 000 "$EX_BASE/spool"; chown root "$EX_BASE/spool"
	blast -f bounce@mailroom.test -t rcpt3@mailroom.test -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
	check_grep "exim: an unusable spool: exit 1 is tempfail, with Exim's reason" "tempfail 1 - $EXIM exited with 1.*Failed to create spool file" "$T_DIR/out"
	chmod 755 "$EX_BASE/spool"; chown Debian-exim "$EX_BASE/spool"
	# send-test and a mailing through Exim
	if [ -x "$MAILROOM" ]; then
		mr send-test rcpt3@mailroom.test > "$T_DIR/out" 2>&1
		check_eq "exim: send-test: exit 0" "$?" 0
		msgid=$(sed -n 's/^sent \(<[^>]*>\).*/\1/p' "$T_DIR/out")
		check_grep "exim: send-test's Message-ID is in the mailbox" "^Message-I[Dd]: $msgid" "$(newest "$EX_MAIL/rcpt3")"
		printf 'mailing-secret-0123456789\n' > "$T_DIR/secret"; chmod 600 "$T_DIR/secret"
		sed -i "s|^from = sender@example.org$|from = sender@example.org\nsecret_file = $T_DIR/secret\nlock_dir = $T_DIR|" "$T_DIR/site.ini"
		printf '[job-mailing]\nplugin = process-mailing\n' >> "$T_DIR/site.ini"
		printf 'email,groups\nrcpt1@mailroom.test,g\nrcpt2@mailroom.test,g\nrefused@mailroom.test,g\n' > "$T_DIR/m.csv"
		mr contact import "$T_DIR/m.csv" > /dev/null
		echo "hello {contact.email}" > "$T_DIR/m.txt"
		mid=$(mr mailing create --name ex --subject "via exim" --text "$T_DIR/m.txt" --include-group g \
			--schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
		mr job run mailing > "$T_DIR/out" 2>&1
		check_eq "exim: a mailing of three through Exim: exit 0" "$?" 0
		check_eq "exim: both deliverable recipients got it" "$(exim_count rcpt1)/$(exim_count rcpt2)" "2/2"
		check_grep "exim: with the VERP Return-path" '^Return-path: <[^>]*@' "$(newest "$EX_MAIL/rcpt2")"
		check_grep "exim: the mailing counts three handed over (refusals come back as DSNs)" '"sent":3' \
			<(mr mailing stats "$mid" --json)
	fi
else
	skip "Exim's binary or its user is missing (scripts/deps.sh unpacks exim4-daemon-light into $MR_EXIM_ROOT)"
fi

done_testing
