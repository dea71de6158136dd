#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom serve's pages in a real browser: headless Chromium opens a mailing's unsubscribe link, clicks the button (a POST form), the store changes and the confirmation shows; then the resubscribe button on it; screenshots kept as test artifacts in the build tree.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 chromium
/usr/bin/python3 -c 'import websocket' 2>/dev/null || needs python3-websocket-module

. "$MR_SRCDIR/tests/servers/serve.sh"
CDP=$(free_port)
ART=${MR_BUILDDIR:-.}/tests/integration/serve-browser-artifacts
mkdir -p "$ART"
serve_site browsertest mailroom "unsubscribe_url = $BASE/u" > "$T_DIR/site.ini"
printf 'email,first_name,groups\nann@example.net,Ann,news\nbob@example.net,Bob,news\n' > "$T_DIR/c.csv"
mr contact import "$T_DIR/c.csv" > /dev/null 2>&1
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
mr mailing create --name "December news" --subject Dec --text "$T_DIR/t.txt" --include-group news --schedule now > /dev/null
mr job run mailing > /dev/null 2>&1
url() { q "SELECT headers FROM mail_spool WHERE recipient = '$1'" | tr -d '\r' |
	sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g' | sed -n 's/^List-Unsubscribe: .*<\(http[^>]*\)>.*/\1/p'; }
member() { q "SELECT m.status FROM group_contact m JOIN emails e ON e.contact_id = m.contact_id WHERE e.email = '$1'"; }
optout() { q "SELECT c.is_opt_out FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = '$1'"; }
check "the mailing has a one-click link" test -n "$(url ann@example.net)"

check "mailroom serve listens" serve_start

browse() { # browse URL BUTTON NAME: a fresh headless Chromium clicks button BUTTON of URL
	chromium --headless=new --no-sandbox --disable-gpu --no-first-run --window-size=800,600 \
		--user-data-dir="$T_DIR/chrome-$3" --remote-debugging-port="$CDP" about:blank \
		> "$T_DIR/chrome-$3.log" 2>&1 &
	local cpid=$!; started $cpid
	timeout 60 /usr/bin/python3 "$MR_SRCDIR/tests/integration/serve-browser.py" "$CDP" "$1" "$2" \
		"$ART/$3-1.png" "$ART/$3-2.png" > "$T_DIR/$3.out" 2>&1
	local rc=$?
	kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; stopped $cpid
	return $rc
}
# ann: the unsubscribe button (the first), then the resubscribe button on the confirmation
check "Chromium opened ann's link and clicked Unsubscribe" browse "$(url ann@example.net)" 0 unsubscribe
check_grep "the first page had two buttons" 'buttons: 2' "$T_DIR/unsubscribe.out"
check_grep "the confirmation page shows" 'You are unsubscribed' "$T_DIR/unsubscribe.out"
check_grep "it names the address" 'ann@example.net' "$T_DIR/unsubscribe.out"
check_eq "the store changed: ann is Removed from news" "$(member ann@example.net)" Removed
check_eq "bob is untouched" "$(member bob@example.net)" Added
check "screenshots were kept ($ART)" test -s "$ART/unsubscribe-1.png" -a -s "$ART/unsubscribe-2.png"
# bob: the opt-out button (the second); the browser's own Sec-Fetch-Site passes the CSRF check
check "Chromium clicked Opt out on bob's page" browse "$(url bob@example.net)" 1 optout
check_grep "the opt-out confirmation shows" 'You are opted out' "$T_DIR/optout.out"
check_eq "bob is opted out" "$(optout bob@example.net)" 1
check_eq "the events were recorded via web" "$(q "SELECT group_concat(event_type || '/' || json_extract(details, '\$.via'), ',') FROM (SELECT * FROM events WHERE event_type <> 'delivered' ORDER BY id)")" "unsubscribe/web,opt-out/web"
serve_stop; rc=$?
check_eq "serve stopped cleanly" "$rc" 0
done_testing
