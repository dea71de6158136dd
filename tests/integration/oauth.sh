#!/bin/bash
# SPDX-License-Identifier: MIT
# OAuth2 end to end against real servers on 127.0.0.1: the test's OAuth2 server (device, refresh and client-credentials grants, introspection), Dovecot with its oauth2 passdb (XOAUTH2 and OAUTHBEARER over IMAPS, IMAP STARTTLS and POP3S) and the test SMTP server checking tokens the same way: mailroom account authorize, refresh before expiry, one refresh for concurrent jobs, a revoked refresh token, a refused token, and no token in any output.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/dovecot.sh"
. "$MR_SRCDIR/tests/servers/smtp.sh"
needs openssl /usr/sbin/dovecot /usr/bin/python3 curl

# ---- the authorization server, slow enough (0.4 s a token request) that
# concurrent jobs overlap while one of them refreshes
OP=$(free_port)
mkdir -p "$T_DIR/oauth"
/usr/bin/python3 "$MR_SRCDIR/tests/servers/oauth-server.py" --port "$OP" --dir "$T_DIR/oauth" \
	--slow 0.4 > "$T_DIR/oauth.log" 2>&1 &
started $!
wait_port "$OP" 10 || { echo "Bail out! the OAuth2 server did not start"; exit 1; }
OURL=http://127.0.0.1:$OP
stat_of() { curl -s "$OURL/stats" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

DC_OAUTH_INTROSPECT=$OURL/introspect
dovecot_start
SP=$(free_port); SPT=$(free_port); XP=$(free_port); NODNS=$(free_port)
smtp_server_start "$T_DIR/smtp" "$SP" --tls-port "$SPT" --cert "$DC_DIR/cert.pem" \
	--key "$DC_DIR/key.pem" --oauth-introspect "$OURL/introspect" ||
	{ echo "Bail out! the SMTP server did not start"; exit 1; }
dovecot_proxy "$XP" "$DC_IMAP" --strip-cap AUTH=OAUTHBEARER
printf 'client-s3cret' > "$T_DIR/client-secret"; chmod 600 "$T_DIR/client-secret"

oauth_keys() { # NAME: an [oauth-NAME] of the test server with its own token file
	printf '[oauth-%s]\ntoken_url = %s/token\ndevice_url = %s/device\nclient_id = mailroom-test\n' \
		"$1" "$OURL" "$OURL"
	printf 'scope = mail offline_access\ntoken_file = %s/%s.token\n' "$T_DIR" "$1"
}
{
	printf '[mailroom]\nfrom = sender@example.org\ntransport = smtp\nlock_dir = %s\n' "$T_DIR"
	printf 'resolver = 127.0.0.1:%s\n' "$NODNS"
	printf '[store-sqlite]\npath = %s/mailroom.db\n' "$T_DIR"
	printf '[transport-smtp]\nhost = 127.0.0.1\nport = %s\ntls = implicit\nca_file = %s\n' "$SPT" "$DC_CA"
	printf 'username = %s\nauth = oauth2\noauth = m365\n' "$DC_USER"
	oauth_keys m365
	oauth_keys app
	printf 'grant = client_credentials\nclient_secret_file = %s/client-secret\n' "$T_DIR"
	dovecot_account imaps imap password_file= auth=oauth2 oauth=m365
	dovecot_account starttls imap password_file= auth=oauth2 oauth=m365 server=localhost \
		"port=$DC_IMAP" tls=starttls
	dovecot_account xoauth2 imap password_file= auth=oauth2 oauth=m365 "port=$XP" tls=none ca_file=
	dovecot_account pop3s pop3 password_file= auth=oauth2 oauth=m365 dispose=keep
	dovecot_account wronguser imap password_file= auth=oauth2 oauth=m365 username=other
	dovecot_account app imap password_file= auth=oauth2 oauth=app
} > "$T_DIR/site.ini"
M="$MAILROOM --config $T_DIR/site.ini"

# ---- never authorized
$M account test imaps > "$T_DIR/never.out" 2>&1
check_eq "not authorized yet: EX_CONFIG" "$?" 78
check_grep "and the error says to authorize" 'not authorized yet.*mailroom account authorize m365' "$T_DIR/never.out"

# ---- the device flow with the CLI: the "person" approves the code it prints
$M account authorize imaps > "$T_DIR/authorize.out" 2>&1 &
AUTH_PID=$!
started $AUTH_PID
code=
for _ in $(seq 100); do
	code=$(sed -n 's/^    \([0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]\)$/\1/p' "$T_DIR/authorize.out")
	[ -n "$code" ] && break
	sleep 0.1
done
check "authorize prints a user code" test -n "$code"
check_grep "and the verification URL" "open\$" "$T_DIR/authorize.out"
check_grep "the URL itself" "^    $OURL/verify" "$T_DIR/authorize.out"
sleep 1.5   # at least one poll answered authorization_pending
ps -eo args >> "$T_DIR/argv.out"  # argv, checked for secrets below
curl -s -d "user_code=$code" "$OURL/approve" > /dev/null
for _ in $(seq 100); do kill -0 $AUTH_PID 2>/dev/null || break; sleep 0.1; done
wait $AUTH_PID; rc=$?; stopped $AUTH_PID
check_eq "authorize ends with exit 0 once approved" "$rc" 0
check_grep "and says where the tokens are" "oauth-m365: authorized; tokens kept in $T_DIR/m365.token" "$T_DIR/authorize.out"
check_eq "the token file is mode 0600" "$(stat -c %a "$T_DIR/m365.token")" 600
check_grep "it holds a refresh token" '^refresh_token rt-' "$T_DIR/m365.token"
check_eq "the device grant was used once" "$(stat_of device_ok)" 1
timeout 60 $M doctor --json > "$T_DIR/doctor.out" 2>&1
check_grep "doctor shows the token's state" '{"check":"oauth-m365","verdict":"ok","detail":"access token valid until 20[0-9: -]*UTC; scopes: mail offline_access; refresh token kept"}' "$T_DIR/doctor.out"
check_grep "and that [oauth-app] was never authorized" '"check":"oauth-app","verdict":"fail".*not authorized yet.*"fix":"mailroom account authorize app"' "$T_DIR/doctor.out"

# ---- logging in with the token: IMAPS (OAUTHBEARER), STARTTLS, XOAUTH2, POP3S
dovecot_put "$DC_USER" 3
$M account test imaps > "$T_DIR/imaps.out" 2>&1
check_eq "IMAPS with OAUTHBEARER: account test exit 0" "$?" 0
check_grep "it logged in and saw the messages" 'logged in, opened INBOX: 3 messages waiting' "$T_DIR/imaps.out"
check_grep "account test shows the token's state" 'oauth-m365: access token valid (until 20[0-9-]* [0-9:]* UTC), refresh token kept, scopes: mail offline_access' "$T_DIR/imaps.out"
$M account test starttls > "$T_DIR/starttls.out" 2>&1
check_eq "IMAP with STARTTLS: exit 0" "$?" 0
$M account test xoauth2 > "$T_DIR/xoauth2.out" 2>&1
check_eq "a server offering only XOAUTH2: exit 0" "$?" 0
$M account test pop3s > "$T_DIR/pop3s.out" 2>&1
check_eq "POP3S: exit 0" "$?" 0
check_grep "POP3S saw the messages" '3 messages waiting' "$T_DIR/pop3s.out"
$M account fetch imaps --spool --consume > "$T_DIR/fetch.out" 2>&1
check_grep "fetching over OAuth2 processes the messages" '3 waiting, 3 processed' "$T_DIR/fetch.out"
check_eq "no refresh was needed so far" "$(stat_of refresh)" 0
check "Dovecot checked the tokens at the introspection endpoint" test "$(stat_of introspect_ok)" -ge 5

# ---- SMTP with the token
$M send-test st@example.net > "$T_DIR/send.out" 2>&1
check_eq "send-test over SMTP with OAuth2: exit 0" "$?" 0
j=$(ls "$T_DIR"/smtp/*.json 2>/dev/null | head -1)
check_grep "the SMTP server saw an OAuth2 login of the mailbox" "\"auth\": \"oauth:$DC_USER\"" "${j:-/dev/null}"

# ---- refresh before expiry: 55 minutes later (the token lives 60, margin 5)
NOW=$(date +%s)
MAILROOM_FAKE_NOW=$((NOW + 3200)) $M account test imaps > "$T_DIR/early.out" 2>&1
check_eq "at 53 of 60 minutes the token is still used: exit 0" "$?" 0
check_eq "and not refreshed" "$(stat_of refresh)" 0
old_exp=$(sed -n 's/^expires_at //p' "$T_DIR/m365.token")
MAILROOM_FAKE_NOW=$((NOW + 3400)) $M account test imaps > "$T_DIR/refresh.out" 2>&1
check_eq "within the margin: a new token, exit 0" "$?" 0
check_eq "one refresh" "$(stat_of refresh)" 1
new_exp=$(sed -n 's/^expires_at //p' "$T_DIR/m365.token")
check "the token file has the new expiry" test "$new_exp" -gt "$old_exp"
check_grep "the refresh token is kept when the server sends none" '^refresh_token rt-' "$T_DIR/m365.token"

# ---- four jobs needing a new token at the same moment refresh once
later=$((new_exp - 60))
pids=
for a in imaps starttls pop3s xoauth2; do
	MAILROOM_FAKE_NOW=$later $M account test $a > "$T_DIR/conc-$a.out" 2>&1 &
	started $!; pids="$pids $!"
done
# every process's argv while they log in: checked for tokens below
for _ in 1 2 3 4 5 6 7 8; do ps -eo args >> "$T_DIR/argv.out"; sleep 0.05; done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); stopped "$p"; done
check_eq "four concurrent jobs all log in" "$fails" 0
check_eq "and the token endpoint saw one refresh for them" "$(stat_of refresh)" 2

# ---- a token the mail server refuses: names the account and the reply
$M account test wronguser > "$T_DIR/wrong.out" 2>&1
check_eq "a refused token is EX_CONFIG" "$?" 78
check_grep "naming the account, the user and the server's reply" 'auth: account-wronguser: 127.0.0.1 refused the OAuth2 token (OAUTHBEARER) for other (server: NO \[AUTHENTICATIONFAILED\].*invalid_token' "$T_DIR/wrong.out"
check_eq "after one retry with a new token (one more refresh)" "$(stat_of refresh)" 3

# ---- nothing secret in argv, output or config dump
$M config dump > "$T_DIR/dump.out" 2>&1
at=$(sed -n 's/^access_token //p' "$T_DIR/m365.token"); rt=$(sed -n 's/^refresh_token //p' "$T_DIR/m365.token")
leaks=$(grep -l -e "$at" -e "$rt" -e client-s3cret "$T_DIR"/*.out "$T_DIR/smtp.log" "$DC_DIR/dovecot.log" 2>/dev/null | wc -l)
check_grep "argv was sampled while mailroom ran" "account authorize imaps" "$T_DIR/argv.out"
check_eq "no argv, output, log or config dump shows a token or the client secret" "$leaks" 0

# ---- revoked: the mail servers refuse the kept token, then refresh fails
$M account test imaps > "$T_DIR/before-revoke.out" 2>&1
check_eq "the token the refused one left behind is replaced: exit 0" "$?" 0
curl -s -X POST "$OURL/revoke" > /dev/null
$M send-test st2@example.net > "$T_DIR/send-revoked.out" 2>&1
check "SMTP with a revoked token fails" test "$?" -ne 0
check_grep "naming the transport and the server's 535" 'transport-smtp\] oauth = m365: 127.0.0.1:[0-9]* refused the OAuth2 token for civimail (server: 535 5.7.8' "$T_DIR/send-revoked.out"
$M account test imaps > "$T_DIR/revoked.out" 2>&1
check_eq "the refused token was forgotten; its refresh token is revoked too: EX_CONFIG" "$?" 78
check_grep "saying to authorize again" 'refused the refresh token (invalid_grant: the refresh token was revoked): authorize again with mailroom account authorize m365' "$T_DIR/revoked.out"

# ---- a failing token endpoint is a temporary failure
curl -s -d n=1 "$OURL/fail" > /dev/null
$M account authorize app > "$T_DIR/app-fail.out" 2>&1
check_eq "a 503 from the token endpoint is EX_TEMPFAIL" "$?" 75
check_grep "with the server's error" 'temporarily_unavailable: try again later' "$T_DIR/app-fail.out"

# ---- client credentials (app-only access)
$M account authorize app > "$T_DIR/app.out" 2>&1
check_eq "client credentials: authorize exit 0" "$?" 0
check "no refresh token is kept for it" sh -c "! grep -q '^refresh_token' '$T_DIR/app.token'"
$M account test app > "$T_DIR/app-test.out" 2>&1
check_eq "an app-only token logs in" "$?" 0
MAILROOM_FAKE_NOW=$((NOW + 7200)) $M account test app > "$T_DIR/app-renew.out" 2>&1
check_eq "an expired app-only token is renewed with the client credentials" "$?" 0
check_eq "client_credentials grants: 2 (+1 failed)" "$(stat_of client_credentials)" 2

# ---- a scheduled job fetching over OAuth2, and nothing secret in its log
dovecot_put "$DC_USER" 2
{
	sed -n '1,/^\[account-/p' "$T_DIR/site.ini" | sed '$d'
	dovecot_account app imap password_file= auth=oauth2 oauth=app
	printf '[job-fetch-activities]\n'
} > "$T_DIR/site2.ini"
$MAILROOM --config "$T_DIR/site2.ini" job run fetch-activities > "$T_DIR/job.out" 2>&1
check_eq "job fetch-activities over OAuth2: exit 0" "$?" 0
$MAILROOM --config "$T_DIR/site2.ini" job log --json > "$T_DIR/joblog.out" 2>&1
check_grep "the job log has the run" 'fetch-activities' "$T_DIR/joblog.out"
at=$(sed -n 's/^access_token //p' "$T_DIR/app.token")
check "the job's output and log do not show the token" sh -c "! grep -q -e '$at' -e client-s3cret '$T_DIR/job.out' '$T_DIR/joblog.out'"

# ---- a token endpoint slower than timeout is a temporary failure
curl -s -d s=3 "$OURL/slow" > /dev/null
sed -i '/^\[oauth-app\]$/a timeout = 1s' "$T_DIR/site2.ini"
MAILROOM_FAKE_NOW=$((NOW + 20000)) $MAILROOM --config "$T_DIR/site2.ini" account test app > "$T_DIR/slow.out" 2>&1
check_eq "a slow token endpoint: EX_TEMPFAIL" "$?" 75
check_grep "saying it timed out" '\[oauth-app\] http://127.0.0.1:[0-9]*/token: .*[Tt]imeout\|timed out' "$T_DIR/slow.out"

done_testing
