#!/bin/bash
# SPDX-License-Identifier: MIT
# Double opt-in end to end through transport-spool and a running `mailroom serve` driven by curl: contact subscribe and the web form record pending contacts and spool a confirmation mail holding a signed link; forged, altered and cross-site requests change nothing; GET only shows, POST confirms; only the confirmed are members and mailed; expired requests are refused and removed by the cleanup job.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl

. "$MR_SRCDIR/tests/servers/serve.sh"
serve_site optintest http "base_url = $BASE" optin "web_groups = news
expire = 2h" job-cleanup "plugin = cleanup" > "$T_DIR/site.ini"
mr group add news --title "Monthly <News>" > /dev/null
mr group add secret > /dev/null
mr group add vips --where "first_name = 'Vip'" > /dev/null
mr contact add old@example.net --group news > /dev/null

# body RCPT: the decoded text of the confirmation mail spooled to RCPT
body() { mr spool show "$(q "SELECT max(id) FROM mail_spool WHERE recipient = '$1'")" |
	python3 -c 'import sys, email; m = email.message_from_bytes(sys.stdin.buffer.read()); print(m.get_payload(decode=True).decode())'; }
link() { body "$1" | grep -o "$BASE/confirm?t=[A-Za-z0-9.]*" | head -1; }
status() { q "SELECT g.status FROM group_contact g JOIN emails e ON e.contact_id = g.contact_id JOIN contact_groups cg ON cg.id = g.group_id WHERE e.email = '$1' AND cg.name = '$2'"; }
pending() { q "SELECT count(*) FROM optin_pending p JOIN emails e ON e.contact_id = p.contact_id WHERE e.email = '$1'"; }
code() { curl -s -o "$T_DIR/body" -D "$T_DIR/head" -w '%{http_code}' "$@"; }

# ---- contact subscribe: pending, and a mail with the link
mr contact subscribe ann@example.net --group news --first-name Ann > "$T_DIR/out" 2>&1
check_eq "contact subscribe succeeds ($(cat "$T_DIR/out"))" "$?" 0
check_grep "it says the contact is pending" "ann@example.net is pending in news until" "$T_DIR/out"
check_eq "ann is pending" "$(pending ann@example.net)" 1
check_eq "ann is no member of news" "$(status ann@example.net news)" ""
check_eq "one confirmation mail was spooled to ann" \
	"$(q "SELECT count(*) FROM mail_spool WHERE recipient = 'ann@example.net'")" 1
check_eq "its subject is the default one" \
	"$(q "SELECT subject FROM mail_spool WHERE recipient = 'ann@example.net'")" \
	"Please confirm your subscription"
ann=$(link ann@example.net)
check "the mail holds the signed link ($ann)" grep -q "confirm?t=s\.[0-9]*\.[0-9]*\.[0-9]*\.[0-9a-f]\{16\}$" <<< "$ann"
body ann@example.net > "$T_DIR/mail.txt"
check_grep "the mail names the group by its title" "Monthly <News>" "$T_DIR/mail.txt"
mr contact subscribe ann@example.net --group news > "$T_DIR/again.out"
check_grep "asking again at once says so" "no second confirmation sent" "$T_DIR/again.out"
check_eq "... and sends no second mail (resend_after)" \
	"$(q "SELECT count(*) FROM mail_spool WHERE recipient = 'ann@example.net'")" 1
mr contact subscribe --json old@example.net --group news > "$T_DIR/old.json"
check_grep "a member asking again is told so, no mail" '"status":"member"' "$T_DIR/old.json"
check_eq "... and none was spooled" \
	"$(q "SELECT count(*) FROM mail_spool WHERE recipient = 'old@example.net'")" 0
mr contact subscribe x@example.net --group vips 2> "$T_DIR/err"
check_eq "a smart group takes no subscription (EX_DATAERR)" "$?" 65
check_grep "... saying why" "smart group" "$T_DIR/err"
mr contact subscribe x@example.net --group nosuch 2> "$T_DIR/err"
check_eq "an unknown group is EX_NOINPUT" "$?" 66
check_grep "... naming it" "nosuch" "$T_DIR/err"
mr contact subscribe 'not an address' --group news 2> "$T_DIR/err"
check_eq "a bad address is EX_DATAERR" "$?" 65
mr contact subscribe y@example.net 2> /dev/null
check_eq "--group is required (EX_USAGE)" "$?" 64

check "mailroom serve listens on 127.0.0.1:$PORT" serve_start

# ---- the web subscribe form
check_eq "GET /subscribe?group=news shows the form" "$(code "$BASE/subscribe?group=news")" 200
check_grep "... a POST form" '<form method="post" action="/subscribe">' "$T_DIR/body"
check_eq "a group not in web_groups has no form" "$(code "$BASE/subscribe?group=secret")" 404
check_eq "a cross-site POST is refused" "$(code -H "Origin: http://evil.example" \
	--data 'email=eve@example.net&group=news' "$BASE/subscribe")" 403
check_eq "... and records nothing" "$(pending eve@example.net)" 0
check_eq "a POST to a group not in web_groups is refused" "$(code -H "Origin: $BASE" \
	--data 'email=eve@example.net&group=secret' "$BASE/subscribe")" 404
check_eq "a POST with a bad address is refused" "$(code -H "Origin: $BASE" \
	--data 'email=eve&group=news' "$BASE/subscribe")" 400
check_eq "a same-site POST subscribes bob" "$(code -H "Origin: $BASE" \
	--data 'email=bob%40example.net&group=news&first_name=Bob' "$BASE/subscribe")" 200
check_grep "... answering check your inbox" 'data-action="subscribe"' "$T_DIR/body"
check_eq "bob is pending" "$(pending bob@example.net)" 1
for i in 1 2 3; do
	code -H "Origin: $BASE" --data 'email=bob%40example.net&group=news' "$BASE/subscribe" > /dev/null
done
check_eq "three more POSTs for bob send no more mail" \
	"$(q "SELECT count(*) FROM mail_spool WHERE recipient = 'bob@example.net'")" 1
bob=$(link bob@example.net)
check "bob's mail holds a link" test -n "$bob"
check_eq "the form's first name is kept" \
	"$(q "SELECT first_name FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'bob@example.net'")" Bob
check_eq "a form's first name with an escape and invalid UTF-8: still subscribed" "$(code -H "Origin: $BASE" \
	--data 'email=dan%40example.net&group=news&first_name=Ca%FF%1B%5B31mrl%C3%A9' "$BASE/subscribe")" 200
check_eq "and the name is stored as valid text, the bad bytes as '?'" \
	"$(q "SELECT first_name FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'dan@example.net'")" 'Ca??[31mrlé'
q "DELETE FROM optin_pending WHERE contact_id = (SELECT contact_id FROM emails WHERE email = 'dan@example.net')"

# ---- forged links change nothing
tok=${ann#*t=}
forged="$BASE/confirm?t=${tok%?}$( [ "${tok: -1}" = 0 ] && echo 1 || echo 0)"
check_eq "a link with an altered hash is refused (403)" "$(code "$forged")" 403
IFS=. read -r _ cid gid exp hash <<< "$tok"
check_eq "ann's hash on bob's contact id is refused (403)" \
	"$(code "$BASE/confirm?t=s.$((cid + 1)).$gid.$exp.$hash")" 403
check_eq "a later expiry with the same hash is refused (403)" \
	"$(code "$BASE/confirm?t=s.$cid.$gid.$((exp + 86400)).$hash")" 403
check_eq "a cut link is refused (400)" "$(code "$BASE/confirm?t=s.$cid.$gid")" 400
check_eq "no link at all is refused (400)" "$(code "$BASE/confirm")" 400
check_eq "ann is still pending, no member" "$(pending ann@example.net)/$(status ann@example.net news)" "1/"

# ---- GET shows, POST confirms
check_eq "GET of the link shows a page" "$(code "$ann")" 200
check_grep "... naming the group, escaped" 'Monthly &lt;News&gt;' "$T_DIR/body"
check_grep "... with a POST button" '<form method="post" action="/confirm?t=' "$T_DIR/body"
check_eq "a GET confirms nothing (link scanners)" "$(status ann@example.net news)" ""
check_eq "a POST without confirm=1 is refused" "$(code -X POST "$ann")" 400
check_eq "a cross-site POST is refused" \
	"$(code -H "Origin: http://evil.example" --data confirm=1 "$ann")" 403
check_eq "... and confirms nothing" "$(status ann@example.net news)" ""
check_eq "the page's POST confirms" "$(code -H "Sec-Fetch-Site: same-origin" --data confirm=1 "$ann")" 200
check_grep "... saying so" 'data-action="confirm"' "$T_DIR/body"
check_eq "ann is a member (Added)" "$(status ann@example.net news)" Added
check_eq "... and pending no more" "$(pending ann@example.net)" 0
check_eq "a second click is fine" "$(code --data confirm=1 "$ann")" 200
mr contact show --json ann@example.net > "$T_DIR/ann.json"
check_grep "contact show: news Added" '"group":"news","title":"Monthly <News>","status":"Added"' "$T_DIR/ann.json"
check_grep "contact show: the request event" '"action":"subscribe-requested","details":"news (cli)"' "$T_DIR/ann.json"
check_grep "contact show: the confirmation event" '"who":"web","action":"group-added","details":"news (confirmed, web from 127.0.0.1)"' "$T_DIR/ann.json"
mr contact show --json bob@example.net > "$T_DIR/bob.json"
check_grep "contact show: bob's request is Pending with its expiry" '"group":"news","title":"Monthly <News>","status":"Pending","requested":[0-9]*,"expires":[0-9]*' "$T_DIR/bob.json"

# ---- a mailing reaches the confirmed only
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
mr mailing create --name N --subject "News" --text "$T_DIR/t.txt" --include-group news \
	--schedule now > /dev/null
mr job run mailing > /dev/null 2>&1
check_eq "the mailing went to old and ann, not to the pending bob" \
	"$(q "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM mail_spool WHERE subject = 'News' ORDER BY recipient)")" \
	"ann@example.net old@example.net"

# ---- expiry: a genuine but expired link, and the cleanup job
secret=$(head -n1 "$T_DIR/secret")
IFS=. read -r _ bcid bgid bexp _ <<< "${bob#*t=}"
old_exp=$(( $(date +%s) - 10 ))
expired=$(python3 -c 'import hmac, hashlib, sys
k, c, g, e = sys.argv[1:]
print("s.%s.%s.%s.%s" % (c, g, e, hmac.new(k.encode(), ("optin-confirm.%s.%s.%s" % (c, g, e)).encode(), hashlib.sha256).hexdigest()[:16]))' "$secret" "$bcid" "$bgid" "$old_exp")
check_eq "a genuine link past its expiry is refused (410)" \
	"$(code --data confirm=1 "$BASE/confirm?t=$expired")" 410
check_grep "... saying it expired" 'expired' "$T_DIR/body"
q "UPDATE optin_pending SET expires = $old_exp"
check_eq "a request expired in the store is refused even with a live link (410)" \
	"$(code --data confirm=1 "$bob")" 410
check_eq "bob is no member" "$(status bob@example.net news)" ""
mr job run cleanup > "$T_DIR/cleanup.out" 2>&1
check_grep "the cleanup job removed the expired request" "1 expired subscription requests" "$T_DIR/cleanup.out"
check_eq "... from the store" "$(pending bob@example.net)" 0

check "serve stops cleanly" serve_stop

# ---- a confirmation mail the transport cannot send leaves no request behind
dead=$(free_port)
serve_site optintest mailroom "transport = smtp" transport-smtp "host = 127.0.0.1
port = $dead
tls = none
connect_timeout = 5s" http "base_url = $BASE" > "$T_DIR/dead.ini"
"$MAILROOM" --config "$T_DIR/dead.ini" contact subscribe carl@example.net --group news \
	> /dev/null 2> "$T_DIR/dead.err"
check_eq "an unsendable confirmation is EX_TEMPFAIL" "$?" 75
check_grep "... naming the address" "carl@example.net" "$T_DIR/dead.err"
mr contact show --json carl@example.net > "$T_DIR/carl.json"
check "... and carl has no pending request" sh -c "! grep -q Pending '$T_DIR/carl.json'"
check "... nor a subscribe-requested event" sh -c "! grep -q subscribe-requested '$T_DIR/carl.json'"
mr contact subscribe carl@example.net --group news > /dev/null
check_eq "asking again at once sends the mail (no resend_after wait)" \
	"$(q "SELECT count(*) FROM mail_spool WHERE recipient = 'carl@example.net'")" 1

# ---- a slow relay holds up no other request: serve lets the store go while
# the confirmation mail is sent (smtp-sink waits 4 s before answering DATA)
. "$MR_SRCDIR/tests/servers/smtp.sh"
slow=$(free_port)
check "smtp-sink with a slow DATA listens" smtp_sink_start "$slow" -w 4
serve_site optintest mailroom "transport = smtp" transport-smtp "host = 127.0.0.1
port = $slow
tls = none" http "base_url = $BASE" optin "web_groups = news" > "$T_DIR/slow.ini"
check "mailroom serve with the slow relay listens" serve_start "$T_DIR/slow.ini" "$T_DIR/slow.log"
start=$(date +%s%N)
curl -s -o "$T_DIR/slow-sub" -w '%{http_code}' -H "Origin: $BASE" \
	--data 'email=fay%40example.net&group=news' "$BASE/subscribe" > "$T_DIR/slow-code" &
sub=$!
sleep 0.5
# the confirmation page of ann's link reads the store (the group's title)
other=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 "$ann")
wait $sub
took=$((($(date +%s%N) - start) / 1000000))
check_eq "the subscribe through the slow relay is answered (after ${took} ms)" \
	"$(cat "$T_DIR/slow-code")" 200
check "... and took the relay's 4 s" test "$took" -ge 3500
check "a request that reads the store meanwhile is answered at once (${other})" \
	awk -v c="${other% *}" -v t="${other#* }" 'BEGIN { exit !(c == 200 && t < 2) }'
check_eq "fay is pending after the slow send" "$(pending fay@example.net)" 1
check "serve stops cleanly" serve_stop
smtp_sink_stop
done_testing
