# SPDX-License-Identifier: MIT
# Shell helpers for the integration tests: TAP output, a private temp dir,
# free loopback ports, stopping (by PID) only the processes a test started,
# a site that spools into $T_DIR/mailroom.db, and the tree's bounce rules.
# Source it: . "$MR_SRCDIR/tests/lib.sh"

set -u
T_N=0
T_FAILED=0
T_PIDS=""
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mailroom-test.XXXXXX")
chmod 0755 "$T_DIR"
: "${MAILROOM:=mailroom}"
# the bounce rules of the tree under test (process-mailing classifies refusals with them)
: "${MAILROOM_BOUNCE_RULES:=$MR_SRCDIR/etc/bounce-rules.conf}"
export MAILROOM_BOUNCE_RULES

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"; }
# skip REASON: one skipped test (TAP SKIP directive)
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
# check_eq DESCRIPTION GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3" | head -40; fi
}
# check_grep DESCRIPTION PATTERN FILE
check_grep() {
	if grep -q -e "$2" "$3"; then ok "$1"; else
		not_ok "$1"; echo "#   no '$2' in $3:"; sed 's/^/#   /' "$3" | head -20; fi
}
diag() { echo "# $*"; }
# skip WHY: one check skipped, with its reason (TAP "ok N # SKIP WHY")
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
# needs CMD...: skip the whole file (outside CI) when a tool is missing
needs() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 && continue
		[ -x "$c" ] && continue
		if [ "${CI:-}" = true ]; then echo "Bail out! $c is missing in CI"; exit 1; fi
		skip_all "$c is not installed"
	done
}
# free_port: a TCP port on 127.0.0.1 nobody listens on
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
# wait_port PORT [SECONDS]: until something listens on 127.0.0.1:PORT
wait_port() {
	local i=0 limit=$(( ${2:-10} * 10 ))
	while [ $i -lt $limit ]; do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# started PID: remember a process this test started, to stop it at the end
started() { T_PIDS="$T_PIDS $1"; }
# stopped PID: forget a process the test has already stopped and waited for,
# so the cleanup never signals its PID (which may have been reused)
stopped() { T_PIDS=$(for p in $T_PIDS; do [ "$p" = "$1" ] || printf ' %s' "$p"; done); }
t_cleanup() {
	for p in $T_PIDS; do kill "$p" 2>/dev/null; done
	for p in $T_PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	[ -n "${T_KEEP:-}" ] || rm -rf "$T_DIR"
}
trap t_cleanup EXIT
done_testing() { echo "1..$T_N"; [ "$T_FAILED" -eq 0 ]; }

# spool_site: the start of a site.ini whose SQLite store is $T_DIR/mailroom.db
# and whose transport spools
spool_site() {
	printf '[mailroom]\nstore = sqlite\ntransport = spool\n[store-sqlite]\npath = %s\n' \
		"$T_DIR/mailroom.db"
}
# contact_site NAME: $T_DIR/site.ini of a site NAME whose SQLite store is
# $T_DIR/mailroom.db, whose transport spools, with a site secret and a
# mailing job; defines mr (mailroom on that site) and q (SQL on its store)
contact_site() {
	printf '[mailroom]\nsite = %s\nfrom = news@example.org\ntransport = spool\nsecret_file = %s\nlock_dir = %s\n[store-sqlite]\npath = %s\n[job-mailing]\nplugin = process-mailing\n' \
		"$1" "$T_DIR/secret" "$T_DIR" "$T_DIR/mailroom.db" > "$T_DIR/site.ini"
	printf '%s-test-secret-0123456789\n' "$1" > "$T_DIR/secret"
	chmod 600 "$T_DIR/secret"
	mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
	q() { sqlite3 "$T_DIR/mailroom.db" "$1"; }
}
# mailing_keys NAME: the site secret ($T_DIR/secret) and a DKIM key pair
# ($T_DIR/rsa.key, its DNS record in $T_DIR/rsa.txt) of a mailing site
mailing_keys() {
	printf '%s-secret-%s\n' "$1" "$RANDOM$RANDOM" > "$T_DIR/secret"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T_DIR/rsa.key" 2>/dev/null
	chmod 600 "$T_DIR/secret" "$T_DIR/rsa.key"
	printf 'v=DKIM1; k=rsa; p=%s' "$(openssl pkey -in "$T_DIR/rsa.key" -pubout -outform DER | base64 -w0)" \
		> "$T_DIR/rsa.txt"
}
# mailing_site NAME TRANSPORT [LINE...]: $T_DIR/site.ini of a mailing site
# (SQLite store $T_DIR/m.db, a bounce account reading $T_DIR/bounces, the
# mailing job, DKIM with mailing_keys' key, the bounce job last: each LINE
# follows [job-bounces]); $MAILING_SITE_MAILROOM holds more [mailroom] lines
mailing_site() {
	local name=$1 transport=$2
	shift 2
	{
		cat <<INI
[mailroom]
site = $name
store = sqlite
transport = $transport
from = news@example.org
from_name = Example News
secret_file = $T_DIR/secret
unsubscribe_url = https://example.org/u
lock_dir = $T_DIR
${MAILING_SITE_MAILROOM:-}
[store-sqlite]
path = $T_DIR/m.db
[account-bounce]
fetch = localdir
used_for = bounce
source = $T_DIR/bounces
localpart = return+
domain = bounce.example.org
[job-mailing]
plugin = process-mailing
[dkim]
selector = s2026
domain = example.org
key_file = $T_DIR/rsa.key
[job-bounces]
plugin = fetch-bounces
INI
		for line in "$@"; do echo "$line"; done
	} > "$T_DIR/site.ini"
}
# spooled: how many messages the spool of the site $T_DIR/site.ini holds
spooled() { $MAILROOM --config "$T_DIR/site.ini" spool list --json | wc -l | tr -d ' '; }
# spooled_id SUBJECT: the spool id of the message with that Subject
spooled_id() {
	$MAILROOM --config "$T_DIR/site.ini" spool list --json |
		grep "\"subject\":\"$1\"" | sed 's/.*"id":\([0-9]*\).*/\1/'
}
