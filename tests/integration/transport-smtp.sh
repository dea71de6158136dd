#!/bin/bash
# SPDX-License-Identifier: MIT
# transport-smtp against real servers on 127.0.0.1: the aiosmtpd script in
# tests/servers/ (STARTTLS, implicit TLS, AUTH, scripted 4xx/5xx/drops) and
# Postfix's smtp-sink with its fault options.  Checks per-recipient results,
# certificate refusal and ca_file, connection reuse, and the bytes that arrive.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/smtp.sh"
needs openssl /usr/bin/python3 /usr/sbin/smtp-sink
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || needs aiosmtpd-python-module
BLAST=$MR_BUILDDIR/bench/mr-blast
[ -x "$BLAST" ] || { echo "Bail out! $BLAST is not built"; exit 1; }

# ---- a self-signed certificate for 127.0.0.1, and the server
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" >/dev/null 2>&1
check "openssl made a self-signed certificate" test -s "$T_DIR/cert.pem"
SD=$T_DIR/srv
P=$(free_port)
PT=$(free_port)
smtp_server_start "$SD" "$P" --tls-port "$PT" --cert "$T_DIR/cert.pem" --key "$T_DIR/key.pem" \
	--user alice:'s3cret pass'
wait_port "$PT" 1
check "the aiosmtpd server listens on $P (STARTTLS) and $PT (implicit TLS)" test -f "$SD/ready"

printf 's3cret pass\n' > "$T_DIR/password"
chmod 600 "$T_DIR/password"
# site KEY=VALUE...: writes $T_DIR/site.ini for transport-smtp with these keys
site() {
	{
		printf '[mailroom]\nfrom = sender@example.org\ntransport = smtp\n'
		printf '[store-sqlite]\npath = %s/db.sqlite\n[transport-smtp]\n' "$T_DIR"
		for kv in "$@"; do printf '%s\n' "$kv"; done
	} > "$T_DIR/site.ini"
}
blast() { "$BLAST" -c "$T_DIR/site.ini" "$@"; }
count() { ls "$SD"/*.eml 2>/dev/null | wc -l; }
last() { ls "$SD"/*."$1" | tail -1; }
json() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

printf 'From: sender@example.org\nTo: x@example.net\nSubject: t\n\nhello\n' > "$T_DIR/m1.eml"
TLSKEYS=("host = 127.0.0.1" "port = $P" "username = alice" "password_file = $T_DIR/password")

# ---- TLS: a self-signed certificate is refused by default
site "${TLSKEYS[@]}"
blast -f sender@example.org -t a@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "an unverifiable certificate: exit 75 (temporary)" "$?" 75
check_grep "the result is tempfail, naming the certificate" 'tempfail 0 4.4.[12] .*[Cc]ertificate\|tempfail 0 4.4.[12] .*SSL\|tempfail 0 4.4.[12] .*issuer' "$T_DIR/out"
check_eq "nothing reached the mailbox" "$(count)" 0

# ---- with ca_file: STARTTLS + AUTH, two recipients, one transaction
site "${TLSKEYS[@]}" "ca_file = $T_DIR/cert.pem" "helo_name = client.example.org"
blast -f sender@example.org -t a@example.net -t b@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "ca_file trusts the certificate: exit 0" "$?" 0
check_grep "first recipient: ok 250 2.0.0" 'rcpt a@example.net: ok 250 2.0.0 OK queued as' "$T_DIR/out"
check_grep "second recipient: ok 250 2.0.0" 'rcpt b@example.net: ok 250 2.0.0 OK queued as' "$T_DIR/out"
check_eq "one message stored for both recipients" "$(count)" 1
J=$(last json)
check_eq "envelope sender" "$(json "$J" mail_from)" "sender@example.org"
check_eq "envelope recipients" "$(json "$J" rcpt_tos)" "['a@example.net', 'b@example.net']"
check_eq "the session used TLS" "$(json "$J" tls)" "True"
check_eq "the session was authenticated as alice" "$(json "$J" auth)" "alice"
check_eq "EHLO used helo_name" "$(json "$J" helo)" "client.example.org"
printf 'From: sender@example.org\r\nTo: x@example.net\r\nSubject: t\r\n\r\nhello\r\n' > "$T_DIR/m1.crlf"
check "the message arrived byte for byte (LF turned into CRLF)" cmp -s "$(last eml)" "$T_DIR/m1.crlf"

# ---- a wrong password: a configuration error (not retried for days), nothing sent;
# each recipient stays temporary (not the recipient's fault)
printf 'wrong\n' > "$T_DIR/badpw"; chmod 600 "$T_DIR/badpw"
site "host = 127.0.0.1" "port = $P" "username = alice" "password_file = $T_DIR/badpw" \
	"ca_file = $T_DIR/cert.pem"
blast -f sender@example.org -t a@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check "a refused login: no recipient gets a result (none is tried)" sh -c "! grep -q '^msg 0 rcpt' '$T_DIR/out'"
check_grep "the send fails as a configuration error naming the user" "mr-blast: send: \[transport-smtp\] 127.0.0.1:$P: the server refused the login of user 'alice': 535" "$T_DIR/out"
"$MAILROOM" --config "$T_DIR/site.ini" send-test a@example.net > "$T_DIR/out" 2>&1
check_eq "send-test with a wrong password: exit 78 (was 75)" "$?" 78
check_grep "it names the account, the server and its reply" \
	"transport smtp: \[transport-smtp\] 127.0.0.1:$P: the server refused the login of user 'alice': 535 5.7.8" "$T_DIR/out"
check "and shows no internal smtp:// URL" sh -c "! grep -q 'smtps\?://' '$T_DIR/out'"
# the mailing job with that password: an error in its log, and its recipient is not bounced
printf 'mailing-secret-0123456789\n' > "$T_DIR/secret"; chmod 600 "$T_DIR/secret"
sed -i "s|^from = sender@example.org$|from = sender@example.org\nsecret_file = $T_DIR/secret\nlock_dir = $T_DIR|" "$T_DIR/site.ini"
printf '[job-mailing]\nplugin = process-mailing\n' >> "$T_DIR/site.ini"
printf 'email,groups\nm1@example.net,g\n' > "$T_DIR/m.csv"
"$MAILROOM" --config "$T_DIR/site.ini" contact import "$T_DIR/m.csv" > /dev/null
echo hello > "$T_DIR/m.txt"
mid=$("$MAILROOM" --config "$T_DIR/site.ini" mailing create --name m --subject m --text "$T_DIR/m.txt" \
	--include-group g --schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
"$MAILROOM" --config "$T_DIR/site.ini" job run mailing > "$T_DIR/out" 2>&1
check_grep "the mailing job logs the refused login as an error, naming the user and the reply" \
	"error: transport smtp: \[transport-smtp\] 127.0.0.1:$P: the server refused the login of user 'alice': 535" "$T_DIR/out"
check_grep "the recipient is not counted as bounced" '"bounced":0' \
	<("$MAILROOM" --config "$T_DIR/site.ini" mailing stats "$mid" --json)
check_eq "nothing more stored" "$(count)" 1
# the refused login fails the run (exit 78, was 0) and leaves the queue as it was
stat_of() { "$MAILROOM" --config "$T_DIR/site.ini" mailing stats "$mid" --json |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
"$MAILROOM" --config "$T_DIR/site.ini" job run mailing > "$T_DIR/out" 2>&1
check_eq "job run mailing with a refused login: exit 78 (was 0)" "$?" 78
check_grep "its error names the transport and the server's reply" \
	"job mailing failed (run [0-9]*): transport smtp: \[transport-smtp\] 127.0.0.1:$P: the server refused the login of user 'alice': 535 5.7.8" "$T_DIR/out"
check_eq "the recipient is still queued (not marked for retry)" "$(stat_of queued)/$(stat_of retrying)/$(stat_of sending)" "1/0/0"
"$MAILROOM" --config "$T_DIR/site.ini" --quiet cron > "$T_DIR/out" 2>&1
check_eq "cron with a refused login: exit 78 (was 0)" "$?" 78
check_grep "cron says why" "refused the login of user 'alice': 535" "$T_DIR/out"
check_eq "still queued after cron" "$(stat_of queued)/$(stat_of retrying)" "1/0"
check_grep "the mailing is still running (not failed, not complete)" '"status":"running"' \
	<("$MAILROOM" --config "$T_DIR/site.ini" mailing show "$mid" --json)
# the password mended: the next run sends it
sed -i "s|^password_file = .*|password_file = $T_DIR/password|" "$T_DIR/site.ini"
"$MAILROOM" --config "$T_DIR/site.ini" job run mailing > "$T_DIR/out" 2>&1
check_eq "with the right password the job runs: exit 0" "$?" 0
check_eq "the recipient got the message" "$(count)" 2
check_eq "and counts as sent once" "$(stat_of sent)/$(stat_of queued)/$(stat_of retrying)" "1/0/0"

# ---- implicit TLS
site "host = 127.0.0.1" "port = $PT" "tls = implicit" "ca_file = $T_DIR/cert.pem" \
	"username = alice" "password_file = $T_DIR/password"
blast -f sender@example.org -t c@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "implicit TLS: exit 0" "$?" 0
check_eq "implicit TLS: stored, over TLS" "$(json "$(last json)" tls)" "True"

# ---- tls = none (only when set): clear text, no AUTH
site "host = 127.0.0.1" "port = $P" "tls = none"
blast -f sender@example.org -t d@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "tls = none: exit 0" "$?" 0
check_eq "tls = none: stored without TLS" "$(json "$(last json)" tls)" "False"

# the remaining cases on the STARTTLS port with AUTH
site "${TLSKEYS[@]}" "ca_file = $T_DIR/cert.pem" "max_connections = 2"
n0=$(count)

# ---- per-recipient results in one transaction
blast -f sender@example.org -t ok1@example.net -t temp-rcpt@example.net \
	-t perm-rcpt@example.net -t ok2@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "ok1: ok" 'rcpt ok1@example.net: ok 250 2.0.0' "$T_DIR/out"
check_grep "temp-rcpt: tempfail 451 4.2.1 with the server's text" 'rcpt temp-rcpt@example.net: tempfail 451 4.2.1 <temp-rcpt@example.net>: mailbox busy' "$T_DIR/out"
check_grep "perm-rcpt: permfail 550 5.1.1" 'rcpt perm-rcpt@example.net: permfail 550 5.1.1 <perm-rcpt@example.net>: no such user' "$T_DIR/out"
check_grep "ok2: ok" 'rcpt ok2@example.net: ok 250 2.0.0' "$T_DIR/out"
check_eq "stored once" "$(count)" $((n0 + 1))
check_eq "for the accepted recipients only" "$(json "$(last json)" rcpt_tos)" "['ok1@example.net', 'ok2@example.net']"

# ---- failures after DATA and at MAIL
blast -f sender@example.org -t temp-data@example.net -t x@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "452 after DATA is temporary for every recipient" 'rcpt x@example.net: tempfail 452 4.3.1 insufficient system storage' "$T_DIR/out"
blast -f sender@example.org -t perm-data@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "554 after DATA is permanent" 'rcpt perm-data@example.net: permfail 554 5.6.0 message content refused' "$T_DIR/out"
blast -f temp-mail@example.org -t x@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "451 at MAIL is temporary" 'rcpt x@example.net: tempfail 451 4.3.2' "$T_DIR/out"
blast -f perm-mail@example.org -t x@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "553 at MAIL is permanent" 'rcpt x@example.net: permfail 553 5.1.8' "$T_DIR/out"
check_eq "none of these was stored" "$(count)" $((n0 + 1))

# ---- a connection dropped before the final reply, in the middle of a batch
n0=$(count)
for k in 1 2 3 4 5; do printf 'Subject: m%s\n\nbody %s\n' "$k" "$k" > "$T_DIR/b$k.eml"; done
{
	printf 'sender@example.org\tb1@example.net\t%s/b1.eml\n' "$T_DIR"
	printf 'sender@example.org\tdrop-data@example.net\t%s/b2.eml\n' "$T_DIR"
	printf 'sender@example.org\tb3@example.net\t%s/b3.eml\n' "$T_DIR"
	printf 'sender@example.org\tb4@example.net,perm-rcpt@example.net\t%s/b4.eml\n' "$T_DIR"
	printf '<>\tb5@example.net\t%s/b5.eml\n' "$T_DIR"
} > "$T_DIR/list"
blast -l "$T_DIR/list" > "$T_DIR/out" 2>&1
check_grep "the dropped message is temporary: connection lost" 'msg 1 rcpt drop-data@example.net: tempfail 0 4.4.2 connection lost before the final reply' "$T_DIR/out"
for k in 1 3 4 5; do
	check_grep "batch message b$k still sent" "rcpt b$k@example.net: ok 250 2.0.0" "$T_DIR/out"
done
check_grep "and its other recipient refused on its own" 'msg 3 rcpt perm-rcpt@example.net: permfail 550' "$T_DIR/out"
check_eq "four of five stored" "$(count)" $((n0 + 4))
check_eq "done was called once per message" "$(grep -c 'done was called' "$T_DIR/out")" 0
check_eq "the null sender went as MAIL FROM:<>" "$(json "$(grep -l b5@example.net "$SD"/*.json)" mail_from)" "<>"

# ---- refused before anything is sent: CR/LF in envelope addresses
n0=$(count)
blast -f sender@example.org -t $'x@example.net\r\nRSET' -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "a recipient with CR LF is a permanent local refusal" 'permfail 0 5.1.3 refused before sending' "$T_DIR/out"
blast -f $'s@example.org>\nRCPT TO:<evil@example.net' -t x@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "a sender with LF is refused" 'permfail 0 5.1.7 refused before sending' "$T_DIR/out"
check_eq "nothing was sent for them" "$(count)" "$n0"

# ---- bytes: dot-stuffing, 8-bit, a long line, CRLF kept, no final newline
long=$(head -c 2000 /dev/zero | tr '\0' 'L')
printf 'From: sender@example.org\nSubject: bytes\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n.\n..\n.hidden line\nGr\xc3\xbc\xc3\x9fe \xe2\x9c\x93 \xff\xfe raw\n%s\nmixed\r\nends without newline' "$long" > "$T_DIR/bytes.eml"
/usr/bin/python3 -c '
import sys, re
d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(re.sub(rb"(?<!\r)\n", b"\r\n", d) + b"\r\n")' "$T_DIR/bytes.eml" > "$T_DIR/bytes.want"
blast -f sender@example.org -t bytes@example.net -m "$T_DIR/bytes.eml" > "$T_DIR/out" 2>&1
check_eq "the byte test message is accepted" "$?" 0
if cmp "$(last eml)" "$T_DIR/bytes.want" > "$T_DIR/cmp" 2>&1; then
	ok "dots, 8-bit bytes, a 2000-byte line arrive exactly (CRLF, final CRLF added)"
else
	not_ok "dots, 8-bit bytes, a 2000-byte line arrive exactly"; sed 's/^/#   /' "$T_DIR/cmp"
fi

# ---- send-test through transport-smtp
if [ -x "$MAILROOM" ]; then
	site "${TLSKEYS[@]}" "ca_file = $T_DIR/cert.pem"
	"$MAILROOM" --config "$T_DIR/site.ini" send-test st@example.net > "$T_DIR/out" 2>&1
	check_eq "send-test via smtp: exit 0" "$?" 0
	check_grep "send-test via smtp: prints the server's reply" '^reply: 250 2.0.0 OK queued as' "$T_DIR/out"
	msgid=$(sed -n 's/^sent \(<[^>]*>\).*/\1/p' "$T_DIR/out")
	check_grep "send-test via smtp: the stored message has that Message-ID" "^Message-I[Dd]: $msgid" "$(grep -l "$msgid" "$SD"/*.eml | head -1)"
	site "${TLSKEYS[@]}"
	"$MAILROOM" --config "$T_DIR/site.ini" send-test st@example.net > "$T_DIR/out" 2>&1
	check_eq "send-test via smtp, certificate not trusted: exit 75" "$?" 75
	check_grep "send-test via smtp: the reason is printed" 'temporary failure for st@example.net via smtp: 0 4.4.1 no mail transaction' "$T_DIR/out"
else
	not_ok "mailroom is built ($MAILROOM)"
fi

# ---- connection reuse and the pool
n0=$(count)
site "${TLSKEYS[@]}" "ca_file = $T_DIR/cert.pem" "max_connections = 1"
blast -f sender@example.org -t r@example.net -m "$T_DIR/m1.eml" -k 20 > "$T_DIR/out" 2>&1
check_eq "20 copies on one connection: exit 0" "$?" 0
conns=$(cd "$SD" && ls *.json | tail -20 | xargs cat | /usr/bin/python3 -c '
import sys, json, re
ids = {json.loads(x)["conn"] for x in re.findall(r"\{[^}]*\}", sys.stdin.read())}
print(len(ids))')
check_eq "max_connections = 1: all 20 on one reused connection" "$conns" 1
site "${TLSKEYS[@]}" "ca_file = $T_DIR/cert.pem" "max_connections = 4"
blast -f sender@example.org -t r@example.net -m "$T_DIR/m1.eml" -k 40 > "$T_DIR/out" 2>&1
check_eq "40 copies over the pool: exit 0" "$?" 0
check_eq "all 40 stored" "$(count)" $((n0 + 60))
conns=$(cd "$SD" && ls *.json | tail -40 | xargs cat | /usr/bin/python3 -c '
import sys, json, re
ids = {json.loads(x)["conn"] for x in re.findall(r"\{[^}]*\}", sys.stdin.read())}
print(len(ids))')
if [ "$conns" -ge 2 ] && [ "$conns" -le 4 ]; then ok "max_connections = 4: spread over $conns connections (2 to 4)"
else not_ok "max_connections = 4: spread over 2 to 4 connections (got $conns)"; fi

# ---- the same failures when the server offers PIPELINING (MAIL, RCPTs and
# DATA go as one group; each reply must still reach its own recipient)
PD=$T_DIR/pipe
PP=$(free_port)
smtp_server_start "$PD" "$PP" --pipelining
site "host = 127.0.0.1" "port = $PP" "tls = none" "max_connections = 2"
pcount() { ls "$PD"/*.eml 2>/dev/null | wc -l; }
blast -f sender@example.org -t ok1@example.net -t temp-rcpt@example.net \
	-t perm-rcpt@example.net -t ok2@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "pipelined: ok1 ok" 'rcpt ok1@example.net: ok 250 2.0.0' "$T_DIR/out"
check_grep "pipelined: temp-rcpt 451" 'rcpt temp-rcpt@example.net: tempfail 451 4.2.1' "$T_DIR/out"
check_grep "pipelined: perm-rcpt 550" 'rcpt perm-rcpt@example.net: permfail 550 5.1.1' "$T_DIR/out"
check_grep "pipelined: ok2 ok" 'rcpt ok2@example.net: ok 250 2.0.0' "$T_DIR/out"
check_eq "pipelined: stored for ok1 and ok2" "$(json "$(ls "$PD"/*.json | tail -1)" rcpt_tos)" "['ok1@example.net', 'ok2@example.net']"
blast -f perm-mail@example.org -t x@example.net -t y@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "pipelined: 553 at MAIL is every recipient's result" "$(grep -c 'permfail 553 5.1.8' "$T_DIR/out")" 2
blast -f sender@example.org -t perm-rcpt@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "pipelined: the only recipient refused: its 550, no data sent" 'rcpt perm-rcpt@example.net: permfail 550 5.1.1' "$T_DIR/out"
blast -f sender@example.org -t temp-data@example.net -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_grep "pipelined: 452 after the data is temporary" 'tempfail 452 4.3.1' "$T_DIR/out"
n0=$(pcount)
blast -l "$T_DIR/list" > "$T_DIR/out" 2>&1
check_grep "pipelined: the dropped message is temporary" 'msg 1 rcpt drop-data@example.net: tempfail 0 4.4.2 connection lost' "$T_DIR/out"
check_eq "pipelined: the other four of the batch stored" "$(pcount)" $((n0 + 4))
blast -f sender@example.org -t bytes@example.net -m "$T_DIR/bytes.eml" > "$T_DIR/out" 2>&1
check "pipelined: the byte test message arrives exactly" cmp -s "$(ls "$PD"/*.eml | tail -1)" "$T_DIR/bytes.want"
check_eq "pipelined: 8-bit data went with BODY=8BITMIME" "$(json "$(ls "$PD"/*.json | tail -1)" mail_options)" "['BODY=8BITMIME']"
# 150 recipients: more than one safe pipelined group, sent in lockstep
rl=; for k in $(seq 150); do rl="$rl -t r$k@example.net"; done
blast -f sender@example.org $rl -m "$T_DIR/m1.eml" > "$T_DIR/out" 2>&1
check_eq "150 recipients: 150 ok results" "$(grep -c ': ok 250 2.0.0' "$T_DIR/out")" 150

# ---- the next message's envelope rides with the data (RFC 2920 lets message
# content begin a pipelined group): one round trip per message
site "host = 127.0.0.1" "port = $PP" "tls = none" "max_connections = 1"
blast -f sender@example.org -t slow-data@example.net -m "$T_DIR/m1.eml" -k 3 > "$T_DIR/out" 2>&1
check_eq "ride: three messages on one connection, exit 0" "$?" 0
aheads=$(for j in $(ls "$PD"/*.json | tail -3); do json "$j" ahead; done | tr '\n' '|')
check_eq "ride: the next MAIL was waiting after the first two ends of data, nothing after the last" \
	"$aheads" "MAIL FROM|MAIL FROM||"
# a refused message does not take the one that rode with it along
n0=$(pcount)
{
	printf 'sender@example.org\tperm-data@example.net\t%s/m1.eml\n' "$T_DIR"
	printf 'sender@example.org\tafter-refused@example.net\t%s/m1.eml\n' "$T_DIR"
	printf 'sender@example.org\ttemp-data@example.net\t%s/m1.eml\n' "$T_DIR"
	printf 'sender@example.org\tafter-deferred@example.net\t%s/m1.eml\n' "$T_DIR"
	printf 'sender@example.org\tperm-rcpt@example.net\t%s/m1.eml\n' "$T_DIR"
} > "$T_DIR/list-ride"
blast -l "$T_DIR/list-ride" > "$T_DIR/out" 2>&1
check_grep "ride: the refused message is permfail 554" 'rcpt perm-data@example.net: permfail 554 5.6.0' "$T_DIR/out"
check_grep "ride: the message after it is sent" 'rcpt after-refused@example.net: ok 250 2.0.0' "$T_DIR/out"
check_grep "ride: the deferred message is tempfail 452" 'rcpt temp-data@example.net: tempfail 452 4.3.1' "$T_DIR/out"
check_grep "ride: the message after the deferred one is sent" 'rcpt after-deferred@example.net: ok 250 2.0.0' "$T_DIR/out"
check_eq "ride: two stored" "$(pcount)" $((n0 + 2))
check_eq "ride: the content hook came once for each message whose data went out, not for the refused recipient's" \
	"$(grep '^msg [0-9]* offered' "$T_DIR/out" | tr '\n' '|')" \
	"msg 0 offered 1 content 1|msg 1 offered 1 content 1|msg 2 offered 1 content 1|msg 3 offered 1 content 1|msg 4 offered 1 content 0|"
# the server accepts a message and closes the connection before answering the
# envelope that rode with it: that message is sent again on a new connection
n0=$(pcount)
{
	printf 'sender@example.org\tclose-after@example.net\t%s/m1.eml\n' "$T_DIR"
	printf 'sender@example.org\tnext@example.net\t%s/m1.eml\n' "$T_DIR"
} > "$T_DIR/list-close"
blast -l "$T_DIR/list-close" > "$T_DIR/out" 2>&1
check_eq "ride, closed after a message: exit 0" "$?" 0
check_grep "ride, closed: the accepted message is ok" 'rcpt close-after@example.net: ok 250 2.0.0' "$T_DIR/out"
check_grep "ride, closed: the next one is ok too" 'rcpt next@example.net: ok 250 2.0.0' "$T_DIR/out"
check_eq "ride, closed: each stored once" "$(pcount)" $((n0 + 2))
check_grep "ride, closed: the next one was offered twice (ahead, then on the new connection), its content sent once" \
	'^msg 1 offered 2 content 1$' "$T_DIR/out"
check_eq "ride, closed: the next one on another connection" \
	"$(json "$(ls "$PD"/*.json | tail -1)" conn)" "$(( $(json "$(ls "$PD"/*.json | tail -2 | head -1)" conn) + 1 ))"

# ---- a kept connection the server closed while idle (421, as Postfix does)
ID=$T_DIR/idle
PI=$(free_port)
smtp_server_start "$ID" "$PI" --idle-timeout 1
site "host = 127.0.0.1" "port = $PI" "tls = none" "max_connections = 1"
blast -n 4 -b 2 -w 3 > "$T_DIR/out" 2>&1
check_eq "two batches 3 s apart, server idle timeout 1 s: exit 0" "$?" 0
check_grep "all four sent" 'messages 4 ok 4 tempfail 0 permfail 0' "$T_DIR/out"
conns=$(cat "$ID"/*.json | /usr/bin/python3 -c '
import sys, json, re
print(len({json.loads(x)["conn"] for x in re.findall(r"\{[^}]*\}", sys.stdin.read())}))')
check_eq "the second batch went on a new connection" "$conns" 2

# ---- the server goes away: every message gets a temporary result
site "host = 127.0.0.1" "port = $(free_port)" "tls = none" "connect_timeout = 5s"
blast -f sender@example.org -t r@example.net -m "$T_DIR/m1.eml" -k 3 > "$T_DIR/out" 2>&1
check_eq "nobody listening: exit 75" "$?" 75
check_eq "all three messages tempfail" "$(grep -c 'tempfail 0 4.4.1' "$T_DIR/out")" 3

# ---- Postfix's smtp-sink and its fault options
# sink OPTIONS...: (re)starts smtp-sink on port $SP with these options
sink() {
	smtp_sink_stop
	SP=$(free_port)
	smtp_sink_start "$SP" "$@"
}
sinksite() { site "host = 127.0.0.1" "port = $SP" "tls = none" "max_connections = ${1:-2}"; }

sink
sinksite
blast -f sender@example.org -t a@example.net -t b@example.net -m "$T_DIR/m1.eml" -k 10 > "$T_DIR/out" 2>&1
check_eq "smtp-sink: 10 messages, exit 0" "$?" 0
check_eq "smtp-sink: 20 recipient results ok 250" "$(grep -c ': ok 250' "$T_DIR/out")" 20

sink -r rcpt
sinksite
blast -f sender@example.org -t a@example.net -m "$T_DIR/m1.eml" -k 3 > "$T_DIR/out" 2>&1
check_eq "smtp-sink -r rcpt (soft reject): exit 75" "$?" 75
check_eq "smtp-sink -r rcpt: 3 tempfail 4xx" "$(grep -c 'tempfail 4[0-9][0-9] ' "$T_DIR/out")" 3

sink -f rcpt
sinksite
blast -f sender@example.org -t a@example.net -m "$T_DIR/m1.eml" -k 3 > "$T_DIR/out" 2>&1
check_eq "smtp-sink -f rcpt (hard reject): 3 permfail 5xx" "$(grep -c 'permfail 5[0-9][0-9] ' "$T_DIR/out")" 3

sink -f .
sinksite
blast -f sender@example.org -t a@example.net -m "$T_DIR/m1.eml" -k 3 > "$T_DIR/out" 2>&1
check_eq "smtp-sink -f . (hard reject after the data): 3 permfail 5xx" "$(grep -c 'permfail 5[0-9][0-9] ' "$T_DIR/out")" 3

sink -r .
sinksite
blast -f sender@example.org -t a@example.net -m "$T_DIR/m1.eml" -k 3 > "$T_DIR/out" 2>&1
check_eq "smtp-sink -r . (soft reject after the data): 3 tempfail 4xx" "$(grep -c 'tempfail 4[0-9][0-9] ' "$T_DIR/out")" 3

sink -q .
sinksite 1
blast -f sender@example.org -t a@example.net -m "$T_DIR/m1.eml" -k 4 > "$T_DIR/out" 2>&1
check_eq "smtp-sink -q . (hang up after the data): exit 75" "$?" 75
check_eq "smtp-sink -q .: every message tempfail, connection lost" "$(grep -c 'tempfail 0 4.4.2 connection lost' "$T_DIR/out")" 4
check_eq "smtp-sink -q .: none reported sent" "$(grep -c ': ok ' "$T_DIR/out")" 0

sink -q rcpt
sinksite 1
blast -f sender@example.org -t a@example.net -m "$T_DIR/m1.eml" -k 2 > "$T_DIR/out" 2>&1
check_eq "smtp-sink -q rcpt (hang up at RCPT): every message tempfail" "$(grep -c 'tempfail 0 4.4.[12] ' "$T_DIR/out")" 2

done_testing
