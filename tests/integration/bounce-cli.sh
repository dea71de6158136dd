#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom bounce classify end to end: text and JSON output, no config needed, VERP addresses signed by an independent HMAC (Python) found and checked, a forged one flagged, mbox and Maildir input, broken files.
. "$MR_SRCDIR/tests/lib.sh"
export MAILROOM_BOUNCE_RULES="$MR_SRCDIR/etc/bounce-rules.conf"
PY=/usr/bin/python3
cd "$T_DIR" || exit 1

# The site: a secret file, a bounce account with localpart/domain, separator '-'.
printf 'correct horse battery staple' > secret
chmod 600 secret
cat > site.ini <<EOF
[mailroom]
secret_file = $T_DIR/secret
[bounce]
verp_separator = -
[account-bounces]
fetch = maildir
used_for = bounce
localpart = return+
domain = bounce.example.org
EOF

# VERP addresses made by Python's hmac, not by mailroom.
verp() { # ACTION JOB QUEUE
	$PY -c 'import hmac, hashlib, sys
a, j, q = sys.argv[1:4]
h = hmac.new(open(sys.argv[4], "rb").read(), ("%s.%s.%s" % (a, j, q)).encode(), hashlib.sha256).hexdigest()[:16]
print("return+%s-%s-%s-%s@bounce.example.org" % (a, j, q, h))' "$1" "$2" "$3" "$T_DIR/secret"
}
GOOD=$(verp b 41 9001)
FORGED=$(echo "$GOOD" | sed 's/-9001-/-9002-/')

mkbounce() { # FILE TO RCPT STATUS TEXT
	cat > "$1" <<EOF
From: MAILER-DAEMON@mx.example.net
To: $2
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This is the mail system at host mx.example.net.

<$3>: host mx.example.com[192.0.2.1] said: $5 (in reply to RCPT TO command)

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; $3
Action: failed
Status: $4
Diagnostic-Code: smtp; $5

--b1
Content-Type: text/rfc822-headers

Return-Path: <$2>
From: news@example.org
To: $3
X-Mailroom-Id: 41.9001

--b1--
EOF
}
mkbounce good.eml "$GOOD" alice@example.com 5.1.1 "550 5.1.1 <alice@example.com>: Recipient address rejected: User unknown in local recipient table"
mkbounce forged.eml "$FORGED" bob@example.com 5.2.2 "552 5.2.2 Mailbox full"
sed 's/\r\?$/\r/' good.eml > good-crlf.eml

# No config at all: classifies, VERP not checked.
"$MAILROOM" --config /nonexistent.ini bounce classify --json good.eml > noconf.json 2> noconf.err
check_eq "no config: exit 0" "$?" 0
check_eq "no config: the JSON line" "$(cat noconf.json)" \
	'{"file":"good.eml","msgidx":0,"recipient":"alice@example.com","reason":"userunknown","hardsoft":"hard","status":"5.1.1","type":"Invalid","verp_found_in":null}'

# With the site: VERP found in To, hash good; the forged one is flagged in text output.
"$MAILROOM" --config site.ini bounce classify --json good.eml forged.eml good-crlf.eml > site.json 2> site.err
check_eq "site: exit 0" "$?" 0
check_eq "site: three records" "$(wc -l < site.json)" 3
check_grep "good: VERP found in To" '"file":"good.eml".*"verp_found_in":"To"' site.json
check_grep "CRLF copy: same record" '"file":"good-crlf.eml","msgidx":0,"recipient":"alice@example.com","reason":"userunknown","hardsoft":"hard","status":"5.1.1","type":"Invalid","verp_found_in":"To"' site.json
check_grep "forged: mailboxfull, soft, Quota" '"file":"forged.eml","msgidx":0,"recipient":"bob@example.com","reason":"mailboxfull","hardsoft":"soft","status":"5.2.2","type":"Quota"' site.json
"$MAILROOM" --config site.ini bounce classify good.eml forged.eml > site.txt
check_grep "text output: hash ok for the good one" "^good.eml	0	alice@example.com	userunknown	hard	5.1.1	Invalid	To (hash ok)$" site.txt
check_grep "text output: forged hash flagged" "^forged.eml	0	bob@example.com	mailboxfull	soft	5.2.2	Quota	To (forged hash)$" site.txt
"$MAILROOM" --config /nonexistent.ini bounce classify good.eml > noconf.txt
check_eq "text output without a site: - where nothing was found" "$(cat noconf.txt)" \
	"good.eml	0	alice@example.com	userunknown	hard	5.1.1	Invalid	-"

# Only the returned original carries the address: found there.
sed "s/^To: $GOOD/To: someone@example.org/" good.eml > orig.eml
"$MAILROOM" --config site.ini bounce classify --json orig.eml > orig.json
check_grep "VERP found in the original's Return-Path" '"verp_found_in":"original Return-Path"' orig.json

# An mbox of three messages (the middle one no bounce) and a Maildir.
{ echo "From MAILER-DAEMON Thu Jan  1 00:00:00 2026"; cat good.eml
  echo "From someone Thu Jan  1 00:00:00 2026"; printf 'From: a@example.org\nSubject: hi\n\nhello\n'
  echo "From MAILER-DAEMON Thu Jan  1 00:00:00 2026"; cat forged.eml; } > box.mbox
"$MAILROOM" --config site.ini bounce classify --json box.mbox > box.json
check_eq "mbox: msgidx of the records" "$($PY -c 'import json,sys; print(" ".join("%d:%s" % (o["msgidx"], o["recipient"]) for o in map(json.loads, open(sys.argv[1]))))' box.json)" \
	"0:alice@example.com 2:bob@example.com"
mkdir -p md/cur md/new md/tmp
cp good.eml md/new/1.eml
cp forged.eml md/cur/2.eml
"$MAILROOM" --config site.ini bounce classify --json md > md.json
check_eq "Maildir: both messages" "$(wc -l < md.json)" 2

# Broken input never stops a run: garbage, empty, truncated; a missing file is named.
head -c 3000 /dev/urandom > garbage.eml
: > empty.eml
head -c 700 good.eml > truncated.eml
"$MAILROOM" --config site.ini bounce classify --json garbage.eml empty.eml truncated.eml missing.eml good.eml > broken.json 2> broken.err
check_eq "a missing file gives exit 66" "$?" 66
check_grep "the missing file is named" "missing.eml: No such file" broken.err
check_grep "the good file after broken ones is still classified" '"file":"good.eml"' broken.json

# [bounce] rules_file, relative to the config file, is the rules used.
mkdir -p conf
printf '[reason userunknown]\nhardsoft = soft\ntype = Custom\nmatch = user unknown\n' | cat - "$MAILROOM_BOUNCE_RULES" > conf/first.conf
sed "s|^verp_separator = -|verp_separator = -\nrules_file = first.conf|" site.ini > conf/site.ini
(unset MAILROOM_BOUNCE_RULES; "$MAILROOM" --config conf/site.ini bounce classify good.eml) > custom.txt 2>&1
check_grep "rules_file relative to the config is used" "	userunknown	soft	5.1.1	Custom	" custom.txt

# A rules file with an error is refused with its line number.
printf '[reason x]\nbogus = 1\n' > bad.rules
"$MAILROOM" --config site.ini bounce classify --rules bad.rules good.eml > /dev/null 2> rules.err
check_eq "bad rules: exit 78" "$?" 78
check_grep "bad rules: file and line named" "bad.rules:2:" rules.err

# --explain: the rule that decided, in text and in JSON (extra keys only with --explain),
# and what the job would do about the VERP address.
"$MAILROOM" --config site.ini bounce classify --explain good.eml forged.eml > explain.txt
check_eq "--explain exits 0" "$?" 0
check_grep "--explain names the deciding rule of the good one" $'^\trule: \\[userunknown\\] ' explain.txt
check_grep "--explain says the forged one would be ignored" $'^\tVERP: forged VERP (hash does not match)' explain.txt
"$MAILROOM" --config site.ini bounce classify --explain --json good.eml > explain.json
check_eq "--explain --json: rule, verp and verp_damage keys" \
	"$(/usr/bin/python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).readline()); print(o["rule"].split("]")[0] + "]", o["verp"], o["verp_damage"])' explain.json)" \
	"[userunknown] signed None"
# --explain says when the type holds: Invalid at once, a problem of the sender (type Sender) never
check_grep "--explain: Invalid holds after 1" $'^\thold: after 1 bounce of type Invalid' explain.txt
mkbounce blocked.eml "$GOOD" carol@example.com 5.7.1 "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"
"$MAILROOM" --config site.ini bounce classify --explain blocked.eml > blocked.txt
check_grep "a blocklist refusal is blocked, soft, type Sender" $'carol@example.com\tblocked\tsoft\t5.7.1\tSender' blocked.txt
check_grep "--explain: type Sender never holds" $'^\thold: never (type Sender' blocked.txt
"$MAILROOM" --config site.ini bounce classify --explain --json blocked.eml > blocked.json
check_eq "--explain --json: hold_after never" \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["hold_after"])' blocked.json)" never
done_testing
