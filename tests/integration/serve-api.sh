#!/bin/bash
# SPDX-License-Identifier: MIT
# The read-only JSON API of a real `mailroom serve`: bearer tokens from `mailroom token create` (kept hashed), a user's permissions checked per request, mailings with their report and a contact with its groups and holds as JSON; wrong, missing and revoked tokens and writes refused.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl

. "$MR_SRCDIR/tests/servers/serve.sh"
serve_site apitest http "base_url = $BASE
rate_limit = 0
api_tokens_file = $T_DIR/tokens" > "$T_DIR/site.ini"
{
	echo "email,first_name,last_name,groups"
	echo "ann@example.net,Ann,\"O'Neil \"\"the <b>\"\"\",news"
	echo "bob@example.net,Bob,B,news"
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
mid=$(mr mailing create --name 'Dec "news"' --subject "December" --text "$T_DIR/t.txt" --include-group news \
	--schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr job run mailing > "$T_DIR/send.out" 2>&1
MAILROOM_PASSWORD=pw-reader-1 mr user add reader --grant view-contacts > /dev/null 2>&1
MAILROOM_PASSWORD=pw-sender-1 mr user add sender --grant send-mail > /dev/null 2>&1
check "token create for an unknown user fails" sh -c "! '$MAILROOM' --config '$T_DIR/site.ini' token create --user nobody 2>/dev/null"
tok=$(mr token create --user reader 2> "$T_DIR/token.err")
stok=$(mr token create --user sender 2> /dev/null)
check "token create prints a token" grep -q '^mrt_[A-Za-z0-9_-]\{43\}$' <<< "$tok"
check_eq "the tokens file is mode 600" "$(stat -c %a "$T_DIR/tokens")" 600
check "the tokens file keeps only hashes" sh -c "! grep -q '${tok#mrt_}' '$T_DIR/tokens' && grep -q '^[0-9a-f]\{64\} reader ' '$T_DIR/tokens'"

check "mailroom serve listens" serve_start
api() { local t=$1; shift; curl -s -o "$T_DIR/body" -D "$T_DIR/head" -w '%{http_code}' -H "Authorization: Bearer $t" "$@"; }
js() { python3 -c "import json,sys; d=json.load(open('$T_DIR/body')); print($1)"; }

check_eq "GET /api/v1/mailings with the token: 200" "$(api "$tok" "$BASE/api/v1/mailings")" 200
check_grep "as application/json" '^Content-Type: application/json' <(tr -d '\r' < "$T_DIR/head")
check_eq "the mailing is listed, its name JSON-escaped intact" "$(js 'd["mailings"][0]["name"], d["mailings"][0]["status"]')" "Dec \"news\" complete"
check_eq "GET /api/v1/mailings/ID: 200" "$(api "$tok" "$BASE/api/v1/mailings/$mid")" 200
check_eq "its report: 2 recipients, 2 delivered" "$(js 'd["report"]["total"], d["report"]["delivered"], d["report"]["include_groups"] if False else d["include_groups"]')" "2 2 ['news']"
check_eq "an unknown mailing is 404" "$(api "$tok" "$BASE/api/v1/mailings/999")" 404
check_eq "a contact by email: 200" "$(api "$tok" "$BASE/api/v1/contacts?email=ann@example.net")" 200
check_eq "with its name, groups and holds" "$(js 'd["contact"]["last_name"], d["contact"]["groups"], d["contact"]["on_hold"], d["contact"]["is_opt_out"]')" "O'Neil \"the <b>\" ['news'] 0 False"
check_eq "an unknown contact is 404" "$(api "$tok" "$BASE/api/v1/contacts?email=zed@example.net")" 404
check_eq "no token: 401" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/mailings")" 401
check_grep "with WWW-Authenticate: Bearer" '^WWW-Authenticate: Bearer' <(curl -s -D - -o /dev/null "$BASE/api/v1/mailings" | tr -d '\r')
check_eq "a wrong token: 401" "$(api "mrt_${tok:4:42}x" "$BASE/api/v1/mailings")" 401
check_eq "a truncated token: 401" "$(api "${tok%?}" "$BASE/api/v1/mailings")" 401
check_eq "a user without view-contacts: 403" "$(api "$stok" "$BASE/api/v1/mailings")" 403
check_eq "POST is refused (read-only)" "$(api "$tok" -X POST --data-raw '{}' "$BASE/api/v1/mailings")" 405
mr user revoke reader view-contacts > /dev/null 2>&1
check_eq "after revoking view-contacts the token is refused at once" "$(api "$tok" "$BASE/api/v1/mailings")" 403
mr user delete reader > /dev/null 2>&1
check_eq "after deleting the user the token is refused" "$(api "$tok" "$BASE/api/v1/mailings")" 401
check "no token reaches the log" sh -c "! grep -q '${tok#mrt_}\|${stok#mrt_}' '$T_DIR/serve.log'"
serve_stop; rc=$?
check_eq "SIGTERM stops it with exit 0" "$rc" 0
done_testing
