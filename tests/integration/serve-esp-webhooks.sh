#!/bin/bash
# SPDX-License-Identifier: MIT
# SendGrid and Postmark webhooks against a real `mailroom serve`: mailings rendered with [mailroom] esp = sendgrid / postmark carry our signed id in X-SMTPAPI unique_args / X-PM-Metadata-mailroom-id; SendGrid batches signed with an ECDSA key the test makes (openssl ecparam) and Postmark posts with basic auth from a file become bounces, opt-outs and unsubscribes through the one bounce model; one byte changed, unsigned, stale, replayed, wrong credentials, events without our signed id or naming another address, and unknown events change nothing and are logged.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl openssl base64

. "$MR_SRCDIR/tests/servers/serve.sh"
printf 'postmark:pm-pass-%s\n' "$RANDOM" > "$T_DIR/postmark.auth"
chmod 600 "$T_DIR/postmark.auth"
openssl ecparam -name prime256v1 -genkey -noout -out "$T_DIR/sg.key" 2> /dev/null
openssl ec -in "$T_DIR/sg.key" -pubout -outform DER 2> /dev/null | base64 -w0 > "$T_DIR/sg.pub"
openssl ecparam -name prime256v1 -genkey -noout -out "$T_DIR/other.key" 2> /dev/null
site() { # site FILE ESP
	serve_site esptest mailroom "esp = $2" http "base_url = $BASE
rate_limit = 0
sendgrid_public_key_file = $T_DIR/sg.pub
postmark_credentials_file = $T_DIR/postmark.auth" > "$1"
}
site "$T_DIR/sendgrid.ini" sendgrid
site "$T_DIR/postmark.ini" postmark
export MAILROOM_BOUNCE_RULES=$MR_SRCDIR/etc/bounce-rules.conf
{
	echo "email,first_name,last_name,groups"
	for i in 1 2 3 4 5 6 7; do echo "u$i@example.net,F$i,L$i,news"; done
} > "$T_DIR/contacts.csv"
"$MAILROOM" --config "$T_DIR/sendgrid.ini" contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
for esp in sendgrid postmark; do
	"$MAILROOM" --config "$T_DIR/$esp.ini" mailing create --name "$esp" --subject "via $esp" \
		--text "$T_DIR/t.txt" --include-group news --schedule now > /dev/null
	"$MAILROOM" --config "$T_DIR/$esp.ini" job run mailing > "$T_DIR/send-$esp.out" 2>&1
done
check_eq "both mailings were spooled (14 messages)" "$(q "SELECT count(*) FROM mail_spool")" 14
verp() { q "SELECT sender FROM mail_spool WHERE recipient = 'u$1@example.net' AND subject = 'via $2'"; }
headers() { q "SELECT headers FROM mail_spool WHERE recipient = 'u$1@example.net' AND subject = 'via $2'" | tr -d '\r'; }
check_grep "SendGrid mailings carry our signed id in X-SMTPAPI unique_args" "^X-SMTPAPI: {\"unique_args\":{\"mailroom_id\":\"$(verp 1 sendgrid)\"}}$" <(headers 1 sendgrid)
check_grep "Postmark mailings carry it in X-PM-Metadata-mailroom-id" "^X-PM-Metadata-mailroom-id: $(verp 1 postmark)$" <(headers 1 postmark)
check "and not the other ESP's header" sh -c "! grep -q 'X-PM-Metadata' <<EOF
$(headers 1 sendgrid)
EOF"

check "mailroom serve listens" serve_start "$T_DIR/sendgrid.ini"

optout() { q "SELECT c.is_opt_out FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'u$1@example.net'"; }
member() { q "SELECT m.status FROM group_contact m JOIN emails e ON e.contact_id = m.contact_id WHERE e.email = 'u$1@example.net'"; }
events() { q "SELECT count(*) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u$1@example.net' AND ev.event_type = '$2'"; }
state() { for i in 1 2 3 4 5 6 7; do printf '%s/%s/%s/%s ' "$(events $i bounce)" "$(optout $i)" "$(member $i)" "$(events $i unsubscribe)"; done; }
# sg_post FILE [TIMESTAMP [KEY]]: POST FILE signed as SendGrid signs (ECDSA over timestamp || body)
sg_post() {
	local ts=${2:-$(date +%s)} key=${3:-$T_DIR/sg.key}
	local sig
	sig=$({ printf '%s' "$ts"; cat "$1"; } | openssl dgst -sha256 -sign "$key" | base64 -w0)
	curl -s -o "$T_DIR/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		-H "X-Twilio-Email-Event-Webhook-Signature: $sig" \
		-H "X-Twilio-Email-Event-Webhook-Timestamp: $ts" --data-binary @"$1" "$BASE/webhook/sendgrid"
}
now=$(date +%s)
cat > "$T_DIR/sg.json" <<EOF
[{"email":"u1@example.net","timestamp":$now,"event":"bounce","type":"bounce","status":"5.1.1","reason":"550 5.1.1 The email account that you tried to reach does not exist","sg_event_id":"ev-1","mailroom_id":"$(verp 1 sendgrid)"},
 {"email":"u2@example.net","timestamp":$now,"event":"spamreport","sg_event_id":"ev-2","mailroom_id":"$(verp 2 sendgrid)"},
 {"email":"u3@example.net","timestamp":$now,"event":"unsubscribe","sg_event_id":"ev-3","mailroom_id":"$(verp 3 sendgrid)"},
 {"email":"u4@example.net","timestamp":$now,"event":"bounce","type":"bounce","status":"5.1.1","reason":"550 no such user","sg_event_id":"ev-4"},
 {"email":"u5@example.net","timestamp":$now,"event":"bounce","type":"bounce","status":"5.1.1","reason":"550 no such user","sg_event_id":"ev-5","mailroom_id":"$(verp 6 sendgrid)"},
 {"email":"u6@example.net","timestamp":$now,"event":"delivered","sg_event_id":"ev-6","mailroom_id":"$(verp 6 sendgrid)"},
 {"email":"u7@example.net","timestamp":$now,"event":"weird","sg_event_id":"ev-7","mailroom_id":"$(verp 7 sendgrid)"}]
EOF
before=$(state)
# the same batch with one byte changed (u1 -> u7 in the first address)
sed '0,/u1@example.net/s//u7@example.net/' "$T_DIR/sg.json" > "$T_DIR/sg-changed.json"
changed_sig() { # the original's signature, sent with the changed body
	local sig
	sig=$({ printf '%s' "$now"; cat "$T_DIR/sg.json"; } | openssl dgst -sha256 -sign "$T_DIR/sg.key" | base64 -w0)
	curl -s -o /dev/null -w '%{http_code}' -H "X-Twilio-Email-Event-Webhook-Signature: $sig" \
		-H "X-Twilio-Email-Event-Webhook-Timestamp: $now" --data-binary @"$T_DIR/sg-changed.json" "$BASE/webhook/sendgrid"; }
check_eq "SendGrid: the batch with one byte changed after signing: 403" "$(changed_sig)" 403
check_eq "SendGrid: unsigned: 403" "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T_DIR/sg.json" "$BASE/webhook/sendgrid")" 403
check_eq "SendGrid: signed by another key: 403" "$(sg_post "$T_DIR/sg.json" "$now" "$T_DIR/other.key")" 403
check_eq "SendGrid: signed, but an hour old: 403" "$(sg_post "$T_DIR/sg.json" $((now - 3600)))" 403
check_eq "nothing changed by the refused requests" "$(state)" "$before"
check_eq "SendGrid: the signed batch: 200" "$(sg_post "$T_DIR/sg.json" "$now")" 200
check_eq "3 applied, 1 ignored (delivered), 3 refused (no id, another address, unknown event)" "$(cat "$T_DIR/body")" "ok: 3 applied, 1 ignored, 3 refused"
check_eq "u1: one bounce" "$(events 1 bounce)" 1
check_eq "its type is Invalid, through the one classifier" "$(q "SELECT bt.name FROM events ev JOIN bounce_types bt ON bt.id = ev.bounce_type_id JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u1@example.net'")" Invalid
check_eq "u2's spam report opted them out" "$(optout 2)" 1
check_eq "u3's unsubscribe removed them from the group" "$(member 3)" Removed
check_eq "recorded as web events" "$(q "SELECT count(*) FROM events WHERE details LIKE '%\"via\":\"web\"%SendGrid unsubscribe%'")" 1
check_eq "u4 (no signed id) and u5 (u6's id) unchanged, u7 (unknown event) too" "$(events 4 bounce)$(events 5 bounce)$(events 6 bounce)$(optout 7)$(member 7)" "0000Added"
check_grep "the refusals are logged" 'SendGrid: refused a bounce event: no valid signed id of ours' "$T_DIR/serve.log"
check_grep "the unknown event is logged" 'SendGrid: refused an unknown event' "$T_DIR/serve.log"
after=$(state)
check_eq "SendGrid: the same batch replayed: 200" "$(sg_post "$T_DIR/sg.json" "$now")" 200
check_eq "its events are ignored, not counted twice" "$(state)" "$after"

# ---- Postmark
pm() { curl -s -o "$T_DIR/body" -w '%{http_code}' -H 'Content-Type: application/json' "$@" "$BASE/webhook/postmark"; }
AUTH=$(cat "$T_DIR/postmark.auth")
pm_bounce() { printf '{"RecordType":"Bounce","ID":%s,"Type":"%s","TypeCode":1,"Email":"%s","Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist","Description":"The server was unable to deliver your message","Metadata":{%s}}' "$@"; }
check_eq "Postmark: no credentials: 401" "$(pm --data-raw "$(pm_bounce 1 HardBounce u4@example.net "\"mailroom-id\":\"$(verp 4 postmark)\"")")" 401
check_eq "Postmark: a wrong password: 401" "$(pm -u "postmark:wrong" --data-raw "$(pm_bounce 1 HardBounce u4@example.net "\"mailroom-id\":\"$(verp 4 postmark)\"")")" 401
check_eq "nothing changed" "$(events 4 bounce)" 0
check_eq "Postmark: a hard bounce with our id: 200" "$(pm -u "$AUTH" --data-raw "$(pm_bounce 11 HardBounce u4@example.net "\"mailroom-id\":\"$(verp 4 postmark)\"")")" 200
check_eq "applied" "$(cat "$T_DIR/body")" "ok: 1 applied, 0 ignored, 0 refused"
check_eq "u4: one bounce, of type Invalid" "$(events 4 bounce) $(q "SELECT bt.name FROM events ev JOIN bounce_types bt ON bt.id = ev.bounce_type_id JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u4@example.net'")" "1 Invalid"
check_eq "Postmark: the same bounce again (same ID) is not counted twice" "$(pm -u "$AUTH" --data-raw "$(pm_bounce 11 HardBounce u4@example.net "\"mailroom-id\":\"$(verp 4 postmark)\"")") $(events 4 bounce)" "200 1"
check_eq "Postmark: a hard bounce without our id: refused (200, nothing changed)" "$(pm -u "$AUTH" --data-raw "$(pm_bounce 12 HardBounce u5@example.net "")") $(cat "$T_DIR/body") $(events 5 bounce)" "200 ok: 0 applied, 0 ignored, 1 refused 0"
check_eq "Postmark: a soft bounce is ignored" "$(pm -u "$AUTH" --data-raw "$(pm_bounce 13 SoftBounce u5@example.net "\"mailroom-id\":\"$(verp 5 postmark)\"")") $(cat "$T_DIR/body") $(events 5 bounce)" "200 ok: 0 applied, 1 ignored, 0 refused 0"
check_eq "Postmark: a spam complaint with our id" "$(pm -u "$AUTH" --data-raw "{\"RecordType\":\"SpamComplaint\",\"ID\":14,\"Type\":\"SpamComplaint\",\"Email\":\"u5@example.net\",\"Metadata\":{\"mailroom-id\":\"$(verp 5 postmark)\"}}") $(optout 5)" "200 1"
check_eq "Postmark: an unsubscribe (ManualSuppression) with our id" "$(pm -u "$AUTH" --data-raw "{\"RecordType\":\"SubscriptionChange\",\"Recipient\":\"u6@example.net\",\"SuppressSending\":true,\"SuppressionReason\":\"ManualSuppression\",\"Metadata\":{\"mailroom-id\":\"$(verp 6 postmark)\"}}") $(member 6)" "200 Removed"
check_eq "Postmark: a complaint naming another address than its id's: nothing changed" "$(pm -u "$AUTH" --data-raw "{\"RecordType\":\"SpamComplaint\",\"ID\":15,\"Email\":\"u7@example.net\",\"Metadata\":{\"mailroom-id\":\"$(verp 6 postmark)\"}}") $(optout 7)" "200 0"
check_eq "Postmark: an unknown RecordType: 400" "$(pm -u "$AUTH" --data-raw '{"RecordType":"Weird"}')" 400
check_eq "Postmark: not JSON: 400" "$(pm -u "$AUTH" --data-raw 'nope')" 400
check_grep "the refusals are logged" 'Postmark: refused a bounce event: no valid signed id of ours' "$T_DIR/serve.log"
check "no credentials reach the log" sh -c "! grep -q '${AUTH#*:}' '$T_DIR/serve.log'"

serve_stop; rc=$?
check_eq "SIGTERM stops serve with exit 0" "$rc" 0
done_testing
