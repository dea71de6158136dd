#!/bin/bash
# SPDX-License-Identifier: MIT
# The built mailroom on a temporary config: send-test through the spool transport and
# spool show returns the exact message; a mailing of many batches spooled whole; the
# disabled transport refuses; broken configs give the documented errors and exit codes.
. "$MR_SRCDIR/tests/lib.sh"

cfg=$T_DIR/site.ini
cat > "$cfg" <<INI
[mailroom]
site = test
from = sender@example.org
from_name = Test Sender
transport = spool
[store-sqlite]
path = db/mailroom.db
INI
mr() { "$MAILROOM" --config "$cfg" "$@"; }

mr config check > "$T_DIR/out" 2>&1
check_eq "config check passes on a good file" "$?" 0
mr send-test --subject "Grüße — test ✓" rcpt@example.net > "$T_DIR/out" 2>&1
check_eq "send-test through the spool exits 0" "$?" 0
check_grep "send-test prints the Message-ID" '^sent <.*@example.org> to rcpt@example.net via spool' "$T_DIR/out"
msgid=$(sed -n 's/^sent \(<[^>]*>\).*/\1/p' "$T_DIR/out")
mr spool list --json > "$T_DIR/list"
check_grep "spool list --json has the recipient" '"recipient":"rcpt@example.net"' "$T_DIR/list"
check_grep "spool list --json has the decoded subject" '"subject":"Grüße — test ✓"' "$T_DIR/list"
check_grep "spool list --json has the envelope sender" '"sender":"sender@example.org"' "$T_DIR/list"
id=$(sed -n '1s/^{"id":\([0-9]*\).*/\1/p' "$T_DIR/list")
mr spool show "$id" > "$T_DIR/msg"
check_grep "the stored message has its Message-ID" "^Message-Id: $msgid" "$T_DIR/msg"
check_grep "the stored message has From with the name" '^From: Test Sender <sender@example.org>' "$T_DIR/msg"
check_grep "a non-ASCII subject is RFC 2047 encoded" '^Subject: =?[Uu][Tt][Ff]-8?[BbQq]?' "$T_DIR/msg"
check_grep "MIME-Version is set" '^MIME-Version: 1.0' "$T_DIR/msg"
check_grep "the body is UTF-8 text" 'charset=utf-8' "$T_DIR/msg"
if grep -q $'\r$' "$T_DIR/msg" && ! grep -qv $'\r$' "$T_DIR/msg"; then ok "every stored line ends in CRLF"; else not_ok "every stored line ends in CRLF"; fi
/usr/bin/python3 - "$T_DIR/msg" <<'PY' && ok "the stored message parses and decodes back" || not_ok "the stored message parses and decodes back"
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
assert m['subject'] == 'Grüße — test ✓', m['subject']
assert 'Grüße, ½, ✓' in m.get_content(), m.get_content()
PY
mr spool show 999999 > /dev/null 2> "$T_DIR/err"
check_eq "spool show of an unknown id exits EX_NOINPUT" "$?" 66
check_grep "and says which id" 'no spooled message with id 999999' "$T_DIR/err"
mr spool purge --before 2000-01-01 > "$T_DIR/out"
check_grep "purge before an old date removes nothing" '^purged 0 spooled messages' "$T_DIR/out"
mr spool purge --before "@$(( $(date +%s) + 10 ))" > "$T_DIR/out"
check_grep "purge before the future removes the message" '^purged 1 spooled message$' "$T_DIR/out"

# a mailing of 24 batches through the spool, which writes to the store the job also
# uses: every recipient spooled once, every one sent
cat > "$T_DIR/mailing.ini" <<INI
[mailroom]
site = spooltest
from = news@example.org
transport = spool
secret_file = $T_DIR/secret
lock_dir = $T_DIR
[store-sqlite]
path = $T_DIR/mailing.db
[job-mailing]
plugin = process-mailing
batch_size = 25
INI
printf 'spool-test-secret-0123456789\n' > "$T_DIR/secret"
chmod 600 "$T_DIR/secret"
{ echo "email,first_name,groups"; for i in $(seq 1 600); do echo "s$i@example.net,S$i,all"; done; } \
	> "$T_DIR/600.csv"
mm() { "$MAILROOM" --config "$T_DIR/mailing.ini" "$@"; }
mm contact import "$T_DIR/600.csv" > /dev/null
echo 'Hello {contact.first_name}' > "$T_DIR/600.txt"
mm mailing create --name six --subject "Six hundred" --text "$T_DIR/600.txt" --include-group all \
	--schedule now > /dev/null
mm job run mailing > "$T_DIR/600.out" 2>&1
check_grep "a spooled mailing of 24 batches sends all 600" "600 sent, 0 to retry" "$T_DIR/600.out"
check_eq "the spool holds 600 messages" "$(mm spool list --json | grep -c '"recipient":"s[0-9]*@example.net"')" 600
check_eq "one per recipient" \
	"$(mm spool list --json | grep -o '"recipient":"s[0-9]*@example.net"' | sort -u | wc -l)" 600

# progress: on a terminal (script(1) gives the command one) long commands show a
# progress line; without one (cron) they do not
mm mailing create --name again --subject "Again" --text "$T_DIR/600.txt" --include-group all \
	--schedule now > /dev/null
script -qec "$MAILROOM --config $T_DIR/mailing.ini job run mailing" /dev/null > "$T_DIR/tty.out" 2>&1
check_grep "on a terminal the mailing job shows its progress" \
	'mailing [0-9]*: 600 of 600 (100%)' <(tr '\r' '\n' < "$T_DIR/tty.out")
script -qec "$MAILROOM --config $T_DIR/mailing.ini --quiet contact import $T_DIR/600.csv" \
	/dev/null > "$T_DIR/tty2.out" 2>&1
check_eq "--quiet silences it" "$(grep -c 'contact import:' "$T_DIR/tty2.out")" 0
script -qec "$MAILROOM --config $T_DIR/mailing.ini contact import $T_DIR/600.csv" /dev/null \
	> "$T_DIR/tty3.out" 2>&1
check_grep "contact import shows its progress on a terminal" '^contact import: [0-9]*, ' \
	<(tr '\r' '\n' < "$T_DIR/tty3.out")
check_eq "without a terminal (cron) nothing but the summary" \
	"$(grep -c $'\r' "$T_DIR/600.out")" 0

# the disabled transport refuses and nothing is spooled
sed -i 's/^transport = spool/transport = disabled/' "$cfg"
mr send-test rcpt@example.net > "$T_DIR/out" 2> "$T_DIR/err"
check_eq "send-test through disabled exits EX_UNAVAILABLE" "$?" 69
check_grep "and says outbound email is disabled" 'outbound email is disabled' "$T_DIR/err"
mr spool list --json > "$T_DIR/list"
check_eq "nothing was spooled or marked sent" "$(wc -l < "$T_DIR/list")" 0

# no From address: the error names the key to set
sed -i '/^from = /d; s/^transport = disabled/transport = spool/' "$cfg"
mr send-test rcpt@example.net > /dev/null 2> "$T_DIR/err"
check_eq "send-test without from exits EX_CONFIG" "$?" 78
check_grep "and tells which key to set" "set 'from = you@example.org' in the \[mailroom\] section" "$T_DIR/err"

# broken configs: every problem, with file, line and nearest key
bad=$T_DIR/bad.ini
cat > "$bad" <<INI
[mailroom]
form = x@example.org
transport = spool
log_level = loud
[store-sqlite]
path = db/mailroom.db
[transprot-smtp]
host = x
INI
"$MAILROOM" --config "$bad" config check > /dev/null 2> "$T_DIR/err"
check_eq "config check of a broken file exits EX_CONFIG" "$?" 78
check_grep "unknown key with line and suggestion" "bad.ini:2: \[mailroom\] unknown key 'form' (did you mean 'from'?)" "$T_DIR/err"
check_grep "bad enum value with line" "bad.ini:4: \[mailroom\] log_level = loud: must be one of" "$T_DIR/err"
check_grep "unknown section with suggestion" "bad.ini:7: unknown section \[transprot-smtp\] (did you mean \[transport-smtp\]?)" "$T_DIR/err"
check_grep "all problems counted" "3 configuration problems" "$T_DIR/err"
printf '[mailroom]\ntransport = nosuch\n' > "$bad"
"$MAILROOM" --config "$bad" config check > /dev/null 2> "$T_DIR/err"
check_eq "an unknown transport plugin exits EX_CONFIG" "$?" 78
check_grep "and names the plugin and where it was looked for" "transport plugin 'nosuch' not found (no transport-nosuch.so in" "$T_DIR/err"
"$MAILROOM" --config "$T_DIR/none.ini" config check > /dev/null 2> "$T_DIR/err"
check_eq "a missing config file exits EX_CONFIG" "$?" 78
MAILROOM_CONFIG=$cfg "$MAILROOM" config check > /dev/null 2>&1
check_eq "MAILROOM_CONFIG selects the file" "$?" 0
"$MAILROOM" frobnicate > /dev/null 2>&1
check_eq "an unknown command exits EX_USAGE" "$?" 64
"$MAILROOM" --version | grep -q '^mailroom .* (plugin ABI 1\.' 
check_eq "--version prints the version and ABI" "$?" 0
mr config dump > "$T_DIR/dump"
check_grep "config dump shows defaults" '^log_level = notice    ; default' "$T_DIR/dump"
"$MAILROOM" --config "$cfg" plugins > "$T_DIR/plugins"
check_grep "plugins lists store-sqlite as loadable" '^store  *sqlite .* loadable' "$T_DIR/plugins"
check_grep "plugins lists transport-spool as loadable" '^transport  *spool .* loadable' "$T_DIR/plugins"
check_grep "plugins lists transport-disabled as loadable" '^transport  *disabled .* loadable' "$T_DIR/plugins"
"$MAILROOM" --config "$cfg" plugins --json | head -1 | grep -q '^{"path":".*","kind":"' 
check_eq "plugins --json prints JSON lines" "$?" 0
done_testing
