#!/bin/bash
# SPDX-License-Identifier: MIT
# View in browser end to end: {action.viewUrl} rendered into spooled mailings, GET /v of a real `mailroom serve` shows each recipient's HTML part as sent (tracking links included, under a no-script policy, checked in headless Chromium with a screenshot kept) or a text-only mailing escaped in <pre>; forged, truncated, other-recipient and other-purpose tokens refused.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl

. "$MR_SRCDIR/tests/servers/serve.sh"
serve_site viewtest http "base_url = $BASE/
rate_limit = 0" > "$T_DIR/site.ini"
{
	echo "email,first_name,last_name,groups"
	echo "u1@example.net,Ann,One,news"
	echo "u2@example.net,Bob <b>,Two,news"
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
cat > "$T_DIR/t.html" <<'EOF'
<html><body><p>Hello {contact.first_name}</p>
<script>document.documentElement.setAttribute("data-script", "ran")</script>
<p><a href="{action.viewUrl}">View in your browser</a> <a href="https://example.org/a">read more</a></p>
</body></html>
EOF
printf 'Hello {contact.first_name}\nview: {action.viewUrl}\n' > "$T_DIR/t.txt"
mid=$(mr mailing create --name "Viewed" --subject "View news" --text "$T_DIR/t.txt" \
	--html "$T_DIR/t.html" --include-group news --track-clicks --schedule now |
	sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "a mailing with {action.viewUrl} was created" test -n "$mid"
printf 'Plain for {contact.first_name}:\n  1 < 2 & "quotes"\nview: {action.viewUrl}\n' > "$T_DIR/plain.txt"
pid=$(mr mailing create --name "Plain" --subject "Plain news" --text "$T_DIR/plain.txt" \
	--include-group news --schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr job run mailing > "$T_DIR/send.out" 2>&1
check_eq "both mailings were spooled (4 messages)" "$(q "SELECT count(*) FROM mail_spool")" 4

part() { # part N SUBJECT TYPE: the decoded TYPE part of u N's message of that subject
	q "SELECT headers || char(13,10) || body FROM mail_spool WHERE recipient = 'u$1@example.net' AND subject = '$2'" |
	/usr/bin/python3 -c 'import sys, email
m = email.message_from_bytes(sys.stdin.buffer.read())
for p in m.walk():
    if p.get_content_type() == sys.argv[1]:
        sys.stdout.write(p.get_payload(decode=True).decode())' "$3"; }
view() { part "$1" "$2" "$3" | tr -d "\r" | grep -o "$BASE/v?mr=[^\"< ]*" | head -1; }
part 1 "View news" text/html > "$T_DIR/u1.html"
v1=$(view 1 "View news" text/html)
check "the HTML part links to a signed view URL ($v1)" grep -q "^$BASE/v?mr=v\.[0-9]*\.[0-9]*\.[0-9a-f]\{16\}$" <<< "$v1"
check_eq "the text part has the same URL" "$(view 1 "View news" text/plain)" "$v1"
check "the view link itself is not rewritten for click tracking" grep -q "href=\"$BASE/v?mr=" "$T_DIR/u1.html"

check "mailroom serve listens" serve_start
code() { curl -s -o "$T_DIR/body" -D "$T_DIR/head" -w '%{http_code}' "$@"; }
hdr() { tr -d '\r' < "$T_DIR/head" | sed -n "s/^$1: //Ip"; }

check_eq "GET of u1's view URL: 200" "$(code "$v1")" 200
check_eq "as text/html" "$(hdr Content-Type)" "text/html; charset=utf-8"
check_eq "the page is u1's HTML part as sent (CRLF as LF)" "$(tr -d "\r" < "$T_DIR/u1.html" | cmp -s "$T_DIR/body" - && echo same)" same
check_grep "with u1's name" "Hello Ann" "$T_DIR/body"
check_grep "and the click-tracked link as sent" "href=\"$BASE/c?mr=c\.[0-9]*\.[0-9]*\.0\.[0-9a-f]\{16\}\"" "$T_DIR/body"
csp=$(hdr Content-Security-Policy)
no_script() { case $csp in *script-src*) return 1 ;; "default-src 'none';"*) return 0 ;; esac; return 1; }
check "its policy runs no script ($csp)" no_script
check_eq "and it cannot be framed" "$(hdr X-Frame-Options)" DENY
v2=$(view 2 "View news" text/html)
check_eq "GET of u2's view URL: 200" "$(code "$v2")" 200
check_grep "u2's name HTML-escaped" "Hello Bob &lt;b&gt;" "$T_DIR/body"

p1=$(view 1 "Plain news" text/plain)
check_eq "a text-only mailing's view: 200" "$(code "$p1")" 200
check_grep "in a <pre>" "<pre>Plain for Ann:" "$T_DIR/body"
check_grep "escaped, lines kept" '^  1 &lt; 2 &amp; &quot;quotes&quot;$' "$T_DIR/body"

# ---- in a real browser: the message shows, its script does not run
if command -v chromium > /dev/null 2>&1; then
	ART=${MR_BUILDDIR:-.}/tests/integration/serve-browser-artifacts
	mkdir -p "$ART"
	chrome() { timeout 60 chromium --headless=new --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T_DIR/chrome" --window-size=800,600 "$@" 2>> "$T_DIR/chrome.log"; }
	chrome --dump-dom "$v1" > "$T_DIR/dom.html"
	check_grep "Chromium shows u1's message" "Hello Ann" "$T_DIR/dom.html"
	check "the mailing's own script did not run there" sh -c "grep -q '<html' '$T_DIR/dom.html' && ! grep -q 'data-script=\"ran\"' '$T_DIR/dom.html'"
	chrome --screenshot="$ART/view.png" "$v1" > /dev/null
	check "a screenshot was kept ($ART/view.png)" test -s "$ART/view.png"
elif [ "$CI" = true ]; then
	not_ok "chromium is missing (CI installs it)"
else
	skip "chromium is not installed: no browser check"
fi

# ---- refused tokens change and show nothing
tok=${v1#*mr=}; hash=${tok##*.}; rest=${tok%.*}
flip=$(printf '%s' "$hash" | tr '0-9a-f' '1-9a-f0')
check_eq "a changed hash: 403" "$(code "$BASE/v?mr=$rest.$flip")" 403
check_eq "a truncated token: 400" "$(code "$BASE/v?mr=${tok%?}")" 400
t2=${v2#*mr=}
check_eq "u1's hash on u2's row: 403" "$(code "$BASE/v?mr=${t2%.*}.$hash")" 403
click=$(grep -o "$BASE/c?mr=[^\"]*" "$T_DIR/u1.html" | head -1)
check_eq "a click token on /v: 403" "$(code "$BASE/v?mr=${click#*mr=}")" 403
check_eq "a view token on /o (the pixel): 403" "$(code "$BASE/o?mr=$tok")" 403
unsub=$(q "SELECT headers FROM mail_spool WHERE recipient = 'u1@example.net' AND subject = 'View news'" | tr -d '\r\n' | grep -o "$BASE/u?mr=[^>]*")
check_eq "an unsubscribe token on /v: 400" "$(code "$BASE/v?mr=${unsub#*mr=}")" 400
check_eq "a view token on /u changes nothing (4xx)" "$(code -X POST --data-raw 'List-Unsubscribe=One-Click' "$BASE/u?mr=$tok" | cut -c1)" 4
check_eq "no token: 400" "$(code "$BASE/v")" 400
check_eq "u1 is still subscribed" "$(q "SELECT count(*) FROM group_contact WHERE status = 'Added'")" 2
check "no token reaches the log" sh -c "! grep -q 'mr=\|$hash' '$T_DIR/serve.log'"

serve_stop; rc=$?
check_eq "SIGTERM stops serve with exit 0" "$rc" 0
done_testing
