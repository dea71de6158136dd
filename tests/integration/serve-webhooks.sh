#!/bin/bash
# SPDX-License-Identifier: MIT
# ESP webhooks against a real `mailroom serve`: Amazon SES through SNS signed with a certificate the test makes (pinned with sns_cert_file) and Mailgun events signed with the test's key become bounces, holds and opt-outs through the one bounce model; the same payloads with one byte changed, unsigned, replayed, from another topic or certificate host, or naming a forged VERP id change nothing.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl openssl

. "$MR_SRCDIR/tests/servers/serve.sh"
TOPIC="arn:aws:sns:eu-west-1:123456789012:mailroom-ses"
PY="$MR_SRCDIR/tests/integration/serve-webhooks.py"
printf 'key-%s%s\n' "$RANDOM" "$RANDOM" > "$T_DIR/mailgun.key"
chmod 600 "$T_DIR/mailgun.key"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T_DIR/sns.key" -out "$T_DIR/sns.pem" \
	-days 2 -subj "/CN=sns.eu-west-1.amazonaws.com" > /dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T_DIR/other.key" -out "$T_DIR/other.pem" \
	-days 2 -subj "/CN=sns.eu-west-1.amazonaws.com" > /dev/null 2>&1
serve_site hooktest http "base_url = $BASE
rate_limit = 0
sns_topics = $TOPIC
sns_cert_file = $T_DIR/sns.pem
mailgun_signing_key_file = $T_DIR/mailgun.key" > "$T_DIR/site.ini"
{
	echo "email,first_name,last_name,groups"
	for i in 1 2 3 4 5 6; do echo "u$i@example.net,F$i,L$i,news"; done
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
mr mailing create --name "Hooks" --subject "News" --text "$T_DIR/t.txt" --include-group news \
	--schedule now > /dev/null
mr job run mailing > "$T_DIR/send.out" 2>&1
check_eq "the mailing was spooled to 6 recipients" "$(q "SELECT count(*) FROM mail_spool")" 6
verp() { q "SELECT sender FROM mail_spool WHERE recipient = 'u$1@example.net'"; }
hold() { q "SELECT on_hold FROM emails WHERE email = 'u$1@example.net'"; }
optout() { q "SELECT c.is_opt_out FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'u$1@example.net'"; }
bounces() { q "SELECT count(*) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u$1@example.net' AND ev.event_type = 'bounce'"; }
check "u1's Return-Path is a signed VERP address ($(verp 1))" grep -q '^return+b\.[0-9]*\.[0-9]*\.[0-9a-f]\{16\}@bounce.example.org$' <<< "$(verp 1)"

check "mailroom serve listens" serve_start
post() { # post PATH FILE [curl args]: the status
	local p=$1 f=$2; shift 2
	curl -s -o "$T_DIR/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@" \
		--data-binary @"$f" "$BASE$p"; }
sns() { post /webhook/ses "$1" -H "x-amz-sns-message-type: ${2:-Notification}"; }

# ---- SES through SNS
python3 "$PY" ses-bounce key="$T_DIR/sns.key" topic="$TOPIC" verp="$(verp 1)" email=u1@example.net id=m-1 > "$T_DIR/b1.json"
python3 "$PY" ses-bounce key="$T_DIR/sns.key" topic="$TOPIC" verp="$(verp 2)" email=u2@example.net tamper=1 > "$T_DIR/b2-tampered.json"
python3 "$PY" ses-bounce key="$T_DIR/sns.key" topic="$TOPIC" verp="$(verp 2)" email=u2@example.net unsigned=1 > "$T_DIR/b2-unsigned.json"
python3 "$PY" ses-bounce key="$T_DIR/other.key" topic="$TOPIC" verp="$(verp 2)" email=u2@example.net > "$T_DIR/b2-otherkey.json"
python3 "$PY" ses-bounce key="$T_DIR/sns.key" topic="${TOPIC}x" verp="$(verp 2)" email=u2@example.net > "$T_DIR/b2-topic.json"
python3 "$PY" ses-bounce key="$T_DIR/sns.key" topic="$TOPIC" verp="$(verp 2)" email=u2@example.net cert_url=https://sns.evil.example/x.pem > "$T_DIR/b2-host.json"
python3 "$PY" ses-bounce key="$T_DIR/sns.key" topic="$TOPIC" verp="$(verp 2)" email=u2@example.net cert_url=https://sns.eu-west-1.amazonaws.com.evil.example/x.pem > "$T_DIR/b2-host2.json"
v3=$(verp 3); forged="${v3%%@*}"; forged="${forged%?}0@${v3#*@}"; [ "$forged" = "$v3" ] && forged="${v3%%@*}"; forged="${forged%?}1@${v3#*@}"
python3 "$PY" ses-bounce key="$T_DIR/sns.key" topic="$TOPIC" verp="$forged" email=u3@example.net > "$T_DIR/b3-forged.json"
python3 "$PY" ses-bounce key="$T_DIR/sns.key" topic="$TOPIC" verp="$(verp 4)" email=u3@example.net > "$T_DIR/b3-otherrow.json"
python3 "$PY" ses-complaint key="$T_DIR/sns.key" topic="$TOPIC" verp="$(verp 2)" email=u2@example.net > "$T_DIR/c2.json"
python3 "$PY" sns-subscribe key="$T_DIR/sns.key" topic="$TOPIC" url="https://evil.example/confirm" > "$T_DIR/sub.json"

check_eq "a signed SES bounce (SNS) is taken" "$(sns "$T_DIR/b1.json")" 200
check_eq "u1 is on hold (550 5.1.1: Invalid, threshold 1)" "$(hold 1)" 1
check_eq "one bounce event for u1" "$(bounces 1)" 1
check_eq "its type is Invalid, through the one classifier" "$(q "SELECT bt.name FROM events ev JOIN bounce_types bt ON bt.id = ev.bounce_type_id JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u1@example.net'")" Invalid
check_eq "the same SNS message again (a replay) is harmless" "$(sns "$T_DIR/b1.json")" 200
check_eq "and counts once" "$(bounces 1)" 1
for f in tampered unsigned otherkey topic host host2; do
	check_eq "SNS bounce refused: $f" "$(sns "$T_DIR/b2-$f.json")" 403
done
check_eq "u2 has no bounce after them" "$(bounces 2)$(hold 2)" 00
check_eq "a mismatched x-amz-sns-message-type is refused" "$(sns "$T_DIR/b1.json" SubscriptionConfirmation)" 400
check_eq "a signed bounce naming a forged VERP id is answered" "$(sns "$T_DIR/b3-forged.json")" 200
check_eq "but changes nothing" "$(bounces 3)$(hold 3)" 00
check_eq "a signed bounce whose address is not its VERP row's is answered" "$(sns "$T_DIR/b3-otherrow.json")" 200
check_eq "but changes nothing for either" "$(bounces 3)$(bounces 4)$(hold 4)" 000
check_eq "a signed SES complaint is taken" "$(sns "$T_DIR/c2.json")" 200
check_eq "u2 is opted out" "$(optout 2)" 1
check_eq "a SubscriptionConfirmation whose SubscribeURL is not on AWS is refused" "$(sns "$T_DIR/sub.json" SubscriptionConfirmation)" 403
printf '{"Type":' > "$T_DIR/bad.json"
check_eq "malformed JSON is 400" "$(sns "$T_DIR/bad.json")" 400
check_eq "GET /webhook/ses is refused" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/webhook/ses")" 405

# ---- Mailgun
mg() { python3 "$PY" mailgun keyfile="$T_DIR/mailgun.key" "$@"; }
mg event=failed verp="$(verp 3)" email=u3@example.net token=t-3 > "$T_DIR/g3.json"
mg event=failed verp="$(verp 5)" email=u5@example.net bad_sig=1 > "$T_DIR/g5-sig.json"
mg event=failed verp="$(verp 5)" email=u5@example.net age=3600 > "$T_DIR/g5-old.json"
mg event=failed verp="$(verp 5)" email=u5@example.net severity=temporary > "$T_DIR/g5-temp.json"
mg event=stolen verp="$(verp 5)" email=u5@example.net > "$T_DIR/g5-unknown.json"
mg event=complained verp="$(verp 6)" email=u6@example.net > "$T_DIR/g6.json"
python3 - "$T_DIR/g3.json" "$T_DIR/g5-byte.json" "$(verp 5)" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
o["event-data"]["recipient"] = "u5@example.net"; o["event-data"]["envelope"]["sender"] = sys.argv[3]
t = o["signature"]["token"]; o["signature"]["token"] = t[:-1] + ("x" if t[-1] != "x" else "y")
json.dump(o, open(sys.argv[2], "w"))
EOF
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); del o["signature"]; print(json.dumps(o))' "$T_DIR/g3.json" > "$T_DIR/g5-unsigned.json"
check_eq "a signed Mailgun permanent failure is taken" "$(post /webhook/mailgun "$T_DIR/g3.json")" 200
check_eq "u3 is on hold" "$(hold 3)" 1
check_eq "the same token again (a replay) is refused" "$(post /webhook/mailgun "$T_DIR/g3.json")" 403
check_eq "and u3 has one bounce" "$(bounces 3)" 1
for f in sig old byte unsigned; do
	check_eq "Mailgun refused: $f" "$(post /webhook/mailgun "$T_DIR/g5-$f.json")" 403
done
check_eq "a temporary failure is answered" "$(post /webhook/mailgun "$T_DIR/g5-temp.json")" 200
check_eq "an unknown event gets 406" "$(post /webhook/mailgun "$T_DIR/g5-unknown.json")" 406
check_eq "u5 has no bounce after them" "$(bounces 5)$(hold 5)" 00
check_eq "a signed Mailgun complaint is taken" "$(post /webhook/mailgun "$T_DIR/g6.json")" 200
check_eq "u6 is opted out" "$(optout 6)" 1

# ---- the log
check_grep "refusals are logged with their reason" "refused a SNS webhook: bad signature" "$T_DIR/serve.log"
check_grep "Mailgun refusals too" "refused a Mailgun webhook: replayed token" "$T_DIR/serve.log"
check "no VERP hash or token reaches the log" sh -c "! grep -q '$(verp 1 | cut -d. -f4 | cut -d@ -f1)\|t-3' '$T_DIR/serve.log'"
serve_stop; rc=$?
check_eq "SIGTERM stops it with exit 0" "$rc" 0
done_testing
