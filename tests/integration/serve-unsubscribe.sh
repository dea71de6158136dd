#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom serve end to end: a mailing spooled with List-Unsubscribe pointing at a real `mailroom serve` on 127.0.0.1; curl posts exactly what Gmail posts for one-click, GETs only show pages, forged/truncated/wrong-purpose/other-recipient tokens change nothing, limits and headers hold, SIGTERM stops it cleanly.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl

. "$MR_SRCDIR/tests/servers/serve.sh"
serve_site servetest mailroom "unsubscribe_url = $BASE/u" http "max_body = 4096
rate_limit = ${SERVE_RATE:-0}" > "$T_DIR/site.ini"
{
	echo "email,first_name,last_name,groups"
	for i in 1 2 3 4 5 6 7; do echo "u$i@example.net,F$i,L$i,news"; done
	echo "evil<b>@example.net,X,Y,news"
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
mid=$(mr mailing create --name "Nov <news>" --subject "November news" --text "$T_DIR/t.txt" \
	--include-group news --schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "a mailing was created" test -n "$mid"
mr job run mailing > "$T_DIR/send.out" 2>&1
check_eq "the mailing was spooled to 7 recipients" "$(q 'SELECT count(*) FROM mail_spool')" 7

# url N: the https URL of u N's List-Unsubscribe header, as a mail client reads it
url() { q "SELECT headers FROM mail_spool WHERE recipient = 'u$1@example.net'" | tr -d '\r' |
	sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g' | sed -n 's/^List-Unsubscribe: .*<\(http[^>]*\)>.*/\1/p'; }
member() { q "SELECT m.status FROM group_contact m JOIN contacts c ON c.id = m.contact_id JOIN emails e ON e.contact_id = c.id WHERE e.email = 'u$1@example.net'"; }
optout() { q "SELECT c.is_opt_out FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'u$1@example.net'"; }
events() { q "SELECT count(*) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u$1@example.net' AND ev.event_type = '$2'"; }
check "the List-Unsubscribe URL points at mailroom serve ($(url 1))" grep -q "^http://127.0.0.1:$PORT/u?mr=u\.[0-9]*\.[0-9]*\.[0-9a-f]\{16\}$" <<< "$(url 1)"
# RFC 8058 one-click needs https: this plain-http test site gets the link only
# (a POST to it still works, as a client may send one)
check "an http List-Unsubscribe gets no List-Unsubscribe-Post" \
	sh -c "! grep -q 'List-Unsubscribe-Post' <<EOF
$(q "SELECT headers FROM mail_spool WHERE recipient = 'u1@example.net'")
EOF"

check "mailroom serve listens on 127.0.0.1:$PORT" serve_start

# code URL [curl args]: the HTTP status
code() { curl -s -o "$T_DIR/body" -D "$T_DIR/head" -w '%{http_code}' "$@"; }
# Gmail's one-click: POST, form-urlencoded, body List-Unsubscribe=One-Click, no cookie, no redirect follow
oneclick() { code -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-raw 'List-Unsubscribe=One-Click' "$@"; }

# ---- GET never acts
check_eq "GET of the one-click URL shows a page" "$(code "$(url 1)")" 200
check_grep "the page names the address" 'u1@example.net' "$T_DIR/body"
check_grep "the page names the mailing, HTML-escaped" 'Nov &lt;news&gt;' "$T_DIR/body"
check_grep "the page has a POST button" '<form method="post"' "$T_DIR/body"
check_grep "the page offers the opt-out" 'Opt out of all mailings' "$T_DIR/body"
check_eq "a GET changed nothing (still Added)" "$(member 1)" Added
check_eq "a GET recorded no event" "$(events 1 unsubscribe)" 0
for h in 'Content-Security-Policy: default-src' 'X-Content-Type-Options: nosniff' 'X-Frame-Options: DENY' 'Referrer-Policy: no-referrer' 'Cache-Control: no-store'; do
	check_grep "header $h" "$h" "$T_DIR/head"
done
check "no cookie is set" sh -c "! grep -qi '^Set-Cookie' '$T_DIR/head'"
check_eq "HEAD acts no more than GET" "$(code -I "$(url 1)"; member 1)" "200Added"

# ---- one-click POST acts at once: 200, no redirect
check_eq "one-click POST answers 200" "$(oneclick "$(url 1)")" 200
check "the answer is not a redirect" sh -c "! grep -qi '^Location:' '$T_DIR/head'"
check_eq "u1 is unsubscribed from the mailing's group" "$(member 1)" Removed
check_eq "u1 is not opted out of everything" "$(optout 1)" 0
check_eq "one unsubscribe event, channel web" "$(q "SELECT count(*), json_extract(ev.details, '$.via') FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u1@example.net' AND ev.event_type = 'unsubscribe'")" "1|web"
check_eq "a repeated one-click POST is harmless (200)" "$(oneclick "$(url 1)")" 200
check_eq "u1 is still Removed" "$(member 1)" Removed
check_eq "multipart/form-data one-click works too" "$(code -F 'List-Unsubscribe=One-Click' "$(url 2)")" 200
check_eq "u2 is unsubscribed" "$(member 2)" Removed

# ---- bad tokens: 4xx and nothing changes
u3=$(url 3); tok=${u3#*mr=}; base=${u3%%\?*}
hash=${tok##*.}; flip=$(printf '%s' "$hash" | tr '0-9a-f' '1-9a-f0')
forged="$base?mr=${tok%.*}.$flip"
truncated="$base?mr=${tok%?}"
u4=$(url 4); tok4=${u4#*mr=}
other="$base?mr=${tok%%.*}.${tok#*.}"; other="$base?mr=$(printf '%s' "$tok" | cut -d. -f1-2).$(printf '%s' "$tok4" | cut -d. -f3).${hash}"
bounce_tok="$base?mr=b.${tok#u.}"
u7=$(url 7); upper="${u7%%\?*}?mr=$(printf '%s' "${u7#*mr=}" | tr a-f A-F)"
while read -r what u want; do
	got=$(oneclick "$u")
	check_eq "$what is refused ($want)" "$got" "$want"
done <<EOF
forged-hash $forged 403
truncated $truncated 403
another-recipient's-row-with-this-hash $other 403
bounce-purpose(b) $bounce_tok 403
no-token $base 400
garbage $base?mr=%00%0d%0aX 400
EOF
check_eq "after the bad tokens u3 and u4 are unchanged" "$(member 3)$(member 4)" AddedAdded
check_eq "no event was recorded for them" "$(events 3 unsubscribe)$(events 4 unsubscribe)" 00
# hex compares case-insensitively: a genuine hash in upper case is ours
check_eq "a genuine hash in upper case is accepted" "$(oneclick "$upper")" 200
check_eq "and unsubscribes its recipient" "$(member 7)" Removed

# ---- body rules
check_eq "a POST without the one-click body is refused" "$(code -X POST --data-raw 'x=y' "$(url 3)")" 400
check_eq "a wrong one-click value is refused" "$(code -X POST --data-raw 'List-Unsubscribe=Yes' "$(url 3)")" 400
head -c 10000 /dev/zero | tr '\0' a > "$T_DIR/big"
check_eq "a body over max_body gets 413" "$(code -X POST --data-binary @"$T_DIR/big" "$(url 3)")" 413
check_eq "a chunked body over max_body gets 413" "$(code -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/big" "$(url 3)")" 413
check_eq "u3 is unchanged after them" "$(member 3)" Added
check_eq "PUT is not allowed" "$(code -X PUT "$(url 3)")" 405
check_eq "an unknown path is 404" "$(code "http://127.0.0.1:$PORT/nothing")" 404

# ---- opt-out and resubscribe through the page's forms (same-origin), CSRF refused
page_form() { # the action of the Nth form of the last body
	sed -n 's/.*<form method="post" action="\([^"]*\)".*/\1/p' "$T_DIR/body" | sed -n "${1}p"; }
code "$(url 5)" > /dev/null
opt=$(grep -o '<form method="post" action="[^"]*"' "$T_DIR/body" | sed -n '2s/.*action="\([^"]*\)"/\1/p' | sed 's/&amp;/\&/g')
check "the page's second form is the opt-out (o token)" grep -q 'mr=o\.' <<< "$opt"
check_eq "a cross-site opt-out form is refused" "$(code -X POST -H 'Sec-Fetch-Site: cross-site' --data-raw 'confirm=1&page=1' "http://127.0.0.1:$PORT$opt")" 403
check_eq "a foreign Origin is refused" "$(code -X POST -H 'Origin: https://evil.example' --data-raw 'confirm=1&page=1' "http://127.0.0.1:$PORT$opt")" 403
check_eq "u5 is not opted out after them" "$(optout 5)" 0
check_eq "the same-origin opt-out form acts" "$(code -X POST -H 'Sec-Fetch-Site: same-origin' --data-raw 'confirm=1&page=1' "http://127.0.0.1:$PORT$opt")" 200
check_eq "u5 is opted out" "$(optout 5)" 1
check_grep "the confirmation page says so" 'You are opted out' "$T_DIR/body"
resub=$(grep -o '<form method="post" action="[^"]*"' "$T_DIR/body" | sed -n '1s/.*action="\([^"]*\)"/\1/p' | sed 's/&amp;/\&/g')
check "the confirmation page has a resubscribe form (e token)" grep -q 'mr=e\.' <<< "$resub"
check_eq "a one-click body cannot resubscribe" "$(code -X POST --data-raw 'List-Unsubscribe=One-Click' "http://127.0.0.1:$PORT$resub")" 400
check_eq "resubscribe from the page" "$(code -X POST -H 'Sec-Fetch-Site: same-origin' --data-raw 'confirm=1&page=1' "http://127.0.0.1:$PORT$resub")" 200
check_eq "u5 is opted in again" "$(optout 5)" 0
check_eq "the events of u5: opt-out then resubscribe, via web" "$(q "SELECT group_concat(event_type || '/' || via, ',') FROM (SELECT ev.event_type, json_extract(ev.details, '$.via') AS via FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u5@example.net' AND ev.event_type IN ('opt-out','resubscribe') ORDER BY ev.id)")" "opt-out/web,resubscribe/web"

# ---- the log: one line per request, never a token
check_grep "the log has request lines" "POST /u 200" "$T_DIR/serve.log"
check "no token or query reaches the log" sh -c "! grep -q 'mr=\|$hash' '$T_DIR/serve.log'"

# ---- SIGTERM: stops, exit 0
serve_stop; rc=$?
check_eq "SIGTERM stops it with exit 0" "$rc" 0
check_grep "it said it stopped" "stopped" "$T_DIR/serve.log"
done_testing
