#!/bin/bash
# SPDX-License-Identifier: MIT
# Open and click tracking end to end: a mailing rendered with [http] base_url and --track-opens --track-clicks, its pixel and click links hit with curl against a real `mailroom serve`, open redirects and forged tokens refused, hits counted by `mailing stats`, and a SIGTERM during a burst of pixel hits loses none.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl xargs

. "$MR_SRCDIR/tests/servers/serve.sh"
PIXELS=${SERVE_TRACK_PIXELS:-10000}
serve_site tracktest http "base_url = $BASE/
rate_limit = 0" mailing "track_opens = no" > "$T_DIR/site.ini"
{
	echo "email,first_name,last_name,groups"
	for i in 1 2 3 4 5; do echo "u$i@example.net,F$i,L$i,news"; done
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
cat > "$T_DIR/t.html" <<'EOF'
<html><body><p>Hello {contact.first_name}</p>
<p><a href="https://example.org/a?x=1&amp;y=2">first</a>
<a class="x" href='http://example.org/b'>second</a>
<a href=https://example.org/c>third</a>
<a href="https://example.org/who?e={contact.email}">personal (not tracked)</a>
<a href="mailto:news@example.org">mail (not tracked)</a>
<a href="{action.unsubscribeUrl}">unsubscribe</a></p>
</BODY></html>
EOF
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
mid=$(mr mailing create --name "Tracked" --subject "Tracked news" --text "$T_DIR/t.txt" \
	--html "$T_DIR/t.html" --include-group news --track-opens --track-clicks --schedule now |
	sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "a tracked mailing was created" test -n "$mid"
plain=$(mr mailing create --name "Plain" --subject "Plain news" --text "$T_DIR/t.txt" \
	--html "$T_DIR/t.html" --include-group news | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check_eq "mailing create stored the flags" "$(q "SELECT flags FROM mailing_tracking WHERE mailing_id = $mid"),$(q "SELECT flags FROM mailing_tracking WHERE mailing_id = $plain")" "3,0"
mr job run mailing > "$T_DIR/send.out" 2>&1
check_eq "the mailing was spooled to 5 recipients" "$(q "SELECT count(*) FROM mail_spool")" 5

# html N: the decoded HTML part of u N's message
html() { q "SELECT headers || char(13,10) || body FROM mail_spool WHERE recipient = 'u$1@example.net'" |
	python3 -c 'import sys, email
m = email.message_from_bytes(sys.stdin.buffer.read())
for p in m.walk():
    if p.get_content_type() == "text/html":
        sys.stdout.write(p.get_payload(decode=True).decode())'; }
hrefs() { html "$1" | grep -o "href=[\"']\?[^\"' >]*" | sed "s/^href=[\"']\?//"; }
html 1 > "$T_DIR/u1.html"
hrefs 1 > "$T_DIR/u1.hrefs"
diag "$(cat "$T_DIR/u1.hrefs")"
check_eq "three links rewritten to signed click URLs" "$(grep -c "^$BASE/c?mr=c\.[0-9]*\.[0-9]*\.[0-2]\.[0-9a-f]\{16\}$" "$T_DIR/u1.hrefs")" 3
check_grep "a link with a token is left as it is" '^https://example.org/who?e=u1@example.net$' "$T_DIR/u1.hrefs"
check_grep "mailto is left as it is" '^mailto:news@example.org$' "$T_DIR/u1.hrefs"
check_grep "the unsubscribe link defaults to base_url/u" "^$BASE/u?mr=u\." "$T_DIR/u1.hrefs"
check_grep "List-Unsubscribe uses base_url/u" "<$BASE/u?mr=u\." <(q "SELECT headers FROM mail_spool WHERE recipient = 'u1@example.net'" | tr -d '\r\n')
check_grep "the open pixel is in, before </BODY>" "<img src=\"$BASE/o?mr=o\.[0-9]*\.[0-9]*\.[0-9a-f]\{16\}\" width=\"1\" height=\"1\" alt=\"\"[^>]*></BODY>" "$T_DIR/u1.html"
check "the text part is untouched" sh -c "! q() { :; }; sqlite3 '$T_DIR/db/m.db' \"SELECT body FROM mail_spool WHERE recipient = 'u1@example.net'\" | grep -q '/c?mr='"

check "mailroom serve listens" serve_start
code() { curl -s -o "$T_DIR/body" -D "$T_DIR/head" -w '%{http_code}' "$@"; }
pixel() { html "$1" | grep -o "$BASE/o?mr=[^\"]*"; }
click() { hrefs "$1" | grep "/c?mr=" | sed -n "$(( $2 + 1 ))p"; }

p1=$(pixel 1)
check_eq "the pixel answers 200" "$(code "$p1")" 200
check_grep "as image/gif" '^Content-Type: image/gif' <(tr -d '\r' < "$T_DIR/head")
check_grep "with no-store" '^Cache-Control: no-store' <(tr -d '\r' < "$T_DIR/head")
check_eq "a 1x1 GIF of 43 bytes" "$(head -c 6 "$T_DIR/body")/$(stat -c %s "$T_DIR/body")" "GIF89a/43"
code "$p1" > /dev/null; code "$(pixel 2)" > /dev/null

c0=$(click 1 0)
check_eq "a click redirects (302)" "$(code "$c0")" 302
check_grep "to the mailing's first link, &amp; decoded" '^Location: https://example.org/a?x=1&y=2$' <(tr -d '\r' < "$T_DIR/head")
code "$(click 1 1)" > /dev/null
check_grep "the second link (single quotes)" '^Location: http://example.org/b$' <(tr -d '\r' < "$T_DIR/head")
code "$(click 2 2)" > /dev/null
check_grep "the third link (unquoted)" '^Location: https://example.org/c$' <(tr -d '\r' < "$T_DIR/head")
code "$(click 2 2)" > /dev/null

# ---- no open redirect, no forgery
check_eq "a url= parameter added to a genuine link is ignored" "$(code "$c0&url=https://evil.example/")" 302
check_grep "and the target is still the signed one" '^Location: https://example.org/a?x=1&y=2$' <(tr -d '\r' < "$T_DIR/head")
tok=${c0#*mr=}; hash=${tok##*.}; flip=$(printf '%s' "$hash" | tr '0-9a-f' '1-9a-f0')
rest=${tok%.*}
check_eq "a click token with another link index is forged (403)" "$(code "$BASE/c?mr=${rest%.*}.2.$hash")" 403
check_eq "a link index beyond the mailing's links (signed elsewhere) is 403" "$(code "$BASE/c?mr=${rest%.*}.9.$hash")" 403
check_eq "a changed hash is 403" "$(code "$BASE/c?mr=$rest.$flip")" 403
check_eq "a truncated hash is 400" "$(code "$BASE/c?mr=${tok%?}")" 400
check_eq "a pixel token on /c is refused" "$(code "$BASE/c?mr=${p1#*mr=}")" 403
check_eq "an unsubscribe token on /o is refused" "$(code "$BASE/o?mr=$(hrefs 1 | grep '/u?mr=' | sed 's/.*mr=//')")" 400
check_eq "a click token on /o is refused" "$(code "$BASE/o?mr=$tok")" 403
check_eq "a click token of u1 with u2's row is 403" "$(code "$BASE/c?mr=$(printf '%s' "$(click 2 0)" | sed 's/.*mr=//' | cut -d. -f1-3).0.$hash")" 403
check_eq "no token is 400" "$(code "$BASE/c")" 400
check_eq "POST to /c is not a route (404)" "$(code -X POST --data-raw x=1 "$c0")" 404

# ---- stats (the writer flushes within 0.2 s)
sleep 1
mr mailing stats "$mid" > "$T_DIR/stats"
cat "$T_DIR/stats" | sed 's/^/# /'
check_grep "stats: 2 opened (3 opens)" '^  opened     2 (3 opens)$' "$T_DIR/stats"
check_grep "stats: 5 clicks" '^  clicks     5$' "$T_DIR/stats"
check_grep "stats: the first link, 2 clicks by 1" '^    2 (1 unique) https://example.org/a?x=1&y=2$' "$T_DIR/stats"
check_grep "stats: the third link, 2 clicks by 1" '^    2 (1 unique) https://example.org/c$' "$T_DIR/stats"
mr --json mailing stats "$mid" > "$T_DIR/stats.json" 2>&1 || mr mailing stats "$mid" --json > "$T_DIR/stats.json"
check_eq "stats --json has opens and clicks" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["opens"]["total"], d["opens"]["unique"], len(d["clicks"]))' "$T_DIR/stats.json")" "3 2 3"

# ---- SIGTERM during a burst of pixel hits: every answered hit is recorded
before=$(q "SELECT count(*) FROM track_hits WHERE kind = 1")
pixels=()
for i in 1 2 3 4 5; do pixels+=("$(pixel $i)"); done
for i in $(seq 1 "$PIXELS"); do echo "url = \"${pixels[$((i % 5))]}\""; echo "output = /dev/null"; echo 'write-out = "%{http_code}\n"'; done > "$T_DIR/burst.cfg"
# keep each chunk on whole 3-line records
python3 - "$T_DIR" "$PIXELS" <<'EOF'
import sys, os
d, n = sys.argv[1], int(sys.argv[2])
lines = open(os.path.join(d, "burst.cfg")).read().splitlines()
recs = [lines[i:i + 3] for i in range(0, len(lines), 3)]
for k in range(4):
    with open(os.path.join(d, "burst.%02d" % k), "w") as f:
        f.write("header = \"Connection: close\"\n")  # new connections: SIGTERM cuts the burst
        for r in recs[k::4]:
            f.write("\n".join(r) + "\n")
EOF
t0=$(date +%s.%N)
for k in 00 01 02 03; do curl -s -K "$T_DIR/burst.$k" > "$T_DIR/codes.$k" 2>/dev/null & done
sleep 0.5
serve_stop; rc=$?
wait
t1=$(date +%s.%N)
answered=$(cat "$T_DIR"/codes.* | grep -c '^200$')
after=$(q "SELECT count(*) FROM track_hits WHERE kind = 1")
diag "burst: $answered of $PIXELS pixel hits answered 200 before SIGTERM ($(python3 -c "print(round($t1 - $t0, 2))") s)"
check_eq "SIGTERM during the burst exits 0" "$rc" 0
check "some hits were answered during the burst" test "$answered" -gt 0
check_eq "every answered pixel hit was recorded, exactly once" "$((after - before))" "$answered"
check_grep "the writer said nothing was left unwritten" 'tracking: [0-9]* hits recorded' "$T_DIR/serve.log"
check "no SOME NOT WRITTEN" sh -c "! grep -q 'SOME NOT WRITTEN' '$T_DIR/serve.log'"
check "no token reaches the log" sh -c "! grep -q 'mr=\|$hash' '$T_DIR/serve.log'"
done_testing
