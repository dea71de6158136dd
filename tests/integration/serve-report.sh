#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom mailing report end to end: a tracked mailing spooled to six recipients, opens and clicks through a real `mailroom serve` with curl, a one-click unsubscribe, a VERP opt-out, a reply and a DSN bounce from a Maildir; the report's numbers asserted exactly as text, as --json and from /api/v1/mailings/ID/report (the same JSON).
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl

. "$MR_SRCDIR/tests/servers/serve.sh"
MD=$T_DIR/Maildir
serve_site reporttest http "base_url = $BASE/
rate_limit = 0
api_tokens_file = $T_DIR/tokens" job-bounces "plugin = fetch-bounces" > "$T_DIR/site.ini"
export MAILROOM_BOUNCE_RULES=$MR_SRCDIR/etc/bounce-rules.conf
export TZ=UTC
{
	echo "email,first_name,last_name,groups"
	for i in 1 2 3 4 5 6; do echo "u$i@example.net,F$i,L$i,news"; done
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
cat > "$T_DIR/t.html" <<'EOF'
<html><body><p>Hello {contact.first_name}</p>
<p><a href="https://example.org/a">first</a> <a href="https://example.org/b">second</a></p>
</body></html>
EOF
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
mid=$(mr mailing create --name "Reported" --subject "Report news" --text "$T_DIR/t.txt" \
	--html "$T_DIR/t.html" --include-group news --track-opens --track-clicks --schedule now |
	sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "a tracked mailing was created" test -n "$mid"
mr job run mailing > "$T_DIR/send.out" 2>&1
check_eq "the mailing was spooled to 6 recipients" "$(q "SELECT count(*) FROM mail_spool")" 6

html() { q "SELECT headers || char(13,10) || body FROM mail_spool WHERE recipient = 'u$1@example.net'" |
	/usr/bin/python3 -c 'import sys, email
m = email.message_from_bytes(sys.stdin.buffer.read())
for p in m.walk():
    if p.get_content_type() == "text/html":
        sys.stdout.write(p.get_payload(decode=True).decode())'; }
pixel() { html "$1" | grep -o "$BASE/o?mr=[^\"]*"; }
click() { html "$1" | grep -o "$BASE/c?mr=[^\"]*" | sed -n "$(( $2 + 1 ))p"; }
unsub() { q "SELECT headers FROM mail_spool WHERE recipient = 'u$1@example.net'" | tr -d '\r' |
	sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g' | sed -n 's/^List-Unsubscribe: .*<\(http[^>]*\)>.*/\1/p'; }
verp() { q "SELECT sender FROM mail_spool WHERE recipient = 'u$1@example.net'"; }
msgid() { q "SELECT headers FROM mail_spool WHERE recipient = 'u$1@example.net'" | sed -n 's/^Message-ID: \(<[^>]*>\).*/\1/p' | tr -d '\r'; }
action() { # action N LETTER: the VERP address of another action for u N
	verp "$1" | /usr/bin/python3 -c 'import hmac,hashlib,sys,re
key = open(sys.argv[2]).readline().rstrip("\r\n").encode()
m = re.match(r"return\+b\.(\d+)\.(\d+)\.", sys.stdin.read())
msg = "%s.%s.%s" % (sys.argv[1], m.group(1), m.group(2))
print("return+%s@bounce.example.org" % (msg + "." + hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()[:16]))' "$2" "$T_DIR/secret"
}
n_msg=0
put() { # put KIND key=value...: a new message in the Maildir
	n_msg=$((n_msg + 1))
	/usr/bin/python3 "$MR_SRCDIR/tests/integration/bounce-make.py" "$1" "$MD/tmp/m$n_msg" "${@:2}" &&
		mv "$MD/tmp/m$n_msg" "$MD/new/$((1790000000 + n_msg)).M${n_msg}P1.test"
}

check "mailroom serve listens" serve_start
hit() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# opens: u1 twice, u2 once; clicks: u1 the first link, u2 both links
check_eq "the pixel and click hits answer" "$(hit "$(pixel 1)") $(hit "$(pixel 1)") $(hit "$(pixel 2)") $(hit "$(click 1 0)") $(hit "$(click 2 0)") $(hit "$(click 2 1)")" "200 200 200 302 302 302"
check_eq "u3 unsubscribes with one click" "$(hit -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data-raw 'List-Unsubscribe=One-Click' "$(unsub 3)")" 200
# a VERP opt-out by u4, a DSN for u5, a reply by u6
put plain to="$(action 4 o)" rcpt=u4@example.net subject=optout
put dsn to="$(verp 5)" rcpt=u5@example.net status=5.1.1 msgid="$(msgid 5)"
put plain to="$(action 6 r)" rcpt=u6@example.net body="Thanks, see you there"
mr job run bounces > "$T_DIR/bounces.out" 2>&1
check_eq "the Maildir was processed" "$(ls "$MD/new" | wc -l)" 0
sleep 1 # the tracking writer flushes within 0.2 s

mr mailing report "$mid" > "$T_DIR/report.txt" 2> "$T_DIR/report.err"
check_eq "mailing report exits 0" "$?" 0
sed 's/^/# /' "$T_DIR/report.txt"
line() { check_grep "text: $1" "^$2\$" "$T_DIR/report.txt"; }
line "the heading" "mailing $mid: Reported"
line "6 recipients" "  recipients    6"
line "5 delivered" "  delivered     5"
line "none in doubt" "  in doubt      0"
line "1 bounced" "  bounced       1"
line "2 opened (3 opens)" "  opened        2 (3 opens)"
line "2 clicked (3 clicks)" "  clicked       2 (3 clicks)"
line "the first link: 2 clicks by 2" "    2 (2 unique) https://example.org/a"
line "the second link: 1 click" "    1 (1 unique) https://example.org/b"
line "1 unsubscribed" "  unsubscribed  1"
line "1 opted out" "  opted out     1"
line "1 replied" "  replied       1"
line "no complaints" "  complaints    0"
check "text: an hourly row with the counts" /usr/bin/python3 - "$T_DIR/report.txt" <<'EOF'
import re, sys
rows = [l.split() for l in open(sys.argv[1]) if re.match(r"^  \d{4}-\d\d-\d\d \d\d:00:00 ", l)]
sums = [sum(int(r[i]) for r in rows) for i in (2, 3, 4, 5)]
sys.exit(0 if rows and sums == [6, 3, 3, 1] else 1)
EOF

mr mailing report "$mid" --json > "$T_DIR/report.json" 2> "$T_DIR/report.err"
check "report --json is one JSON object" /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_DIR/report.json"
check_eq "JSON: the counts" "$(/usr/bin/python3 - "$T_DIR/report.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["id"], d["recipients"], d["delivered"], d["in_doubt"], d["bounced"], sorted(d["bounced_by_type"].values()),
      d["opened"], d["clicked"]["unique"], d["clicked"]["total"],
      [(u["url"], u["total"], u["unique"]) for u in d["clicked"]["by_url"]],
      d["unsubscribed"], d["opted_out"], d["replied"], d["complaints"], d["resubscribed"])
EOF
)" "$mid 6 5 0 1 [1] {'unique': 2, 'total': 3} 2 3 [('https://example.org/a', 2, 2), ('https://example.org/b', 1, 1)] 1 1 1 0 0"
check_eq "JSON: hourly buckets add up (delivered, opens, clicks, bounces)" "$(/usr/bin/python3 - "$T_DIR/report.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["over_time"]
rows = d["rows"]
ok = d["bucket"] == 3600 and all(r["start"] % 3600 == 0 for r in rows)
print(ok, [sum(r[k] for r in rows) for k in ("delivered", "opens", "clicks", "bounces")])
EOF
)" "True [6, 3, 3, 1]"

# the same JSON from the API
MAILROOM_PASSWORD=pw-reader-1 mr user add reader --grant view-contacts > /dev/null 2>&1
tok=$(mr token create --user reader 2> /dev/null)
check_eq "GET /api/v1/mailings/ID/report: 200" "$(curl -s -o "$T_DIR/api.json" -w '%{http_code}' -H "Authorization: Bearer $tok" "$BASE/api/v1/mailings/$mid/report")" 200
check_eq "the API's report is the CLI's" "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])))' "$T_DIR/api.json" "$T_DIR/report.json")" True
check_eq "the report of an unknown mailing is 404" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$BASE/api/v1/mailings/99999/report")" 404
check_eq "a bad id is 404" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$BASE/api/v1/mailings/x1/report")" 404
check_eq "no token is 401" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/mailings/$mid/report")" 401
check "report of an unknown mailing fails with EX_NOINPUT (66)" sh -c "'$MAILROOM' --config '$T_DIR/site.ini' mailing report 99999 2>/dev/null; [ \$? -eq 66 ]"
check "report without an id is a usage error (64)" sh -c "'$MAILROOM' --config '$T_DIR/site.ini' mailing report 2>/dev/null; [ \$? -eq 64 ]"

serve_stop; rc=$?
check_eq "SIGTERM stops serve with exit 0" "$rc" 0
done_testing
