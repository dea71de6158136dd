# SPDX-License-Identifier: MIT
# The site every `mailroom serve` test starts from: a free port, a secret, a
# Maildir and an SQLite store under $T_DIR, the site INI with extra lines per
# section, mr and q, and starting and stopping serve.
# Source it after tests/lib.sh: . "$MR_SRCDIR/tests/servers/serve.sh"
# It sets PORT (where serve listens) and BASE (http://127.0.0.1:PORT).

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
mkdir -p "$T_DIR/db" "$T_DIR/Maildir/new" "$T_DIR/Maildir/cur" "$T_DIR/Maildir/tmp"
printf 'serve-test-secret-%s\n' "$RANDOM$RANDOM" > "$T_DIR/secret"
chmod 600 "$T_DIR/secret"

# serve_site SITE [SECTION LINES]...: prints the INI of site SITE: spool
# transport, the SQLite store $T_DIR/db/m.db, the bounce account on
# $T_DIR/Maildir, the mailing job, [http] listening on PORT; each SECTION's
# LINES (newline-separated KEY = VALUE) are added to it (a KEY of them
# replaces the one above), a SECTION not among those is added after them
serve_site() {
	local site=$1 s line
	shift
	local -A more=()
	local added=()
	while [ $# -ge 2 ]; do
		case " mailroom store-sqlite account-bounce job-mailing http ${added[*]} " in
		*" $1 "*) ;;
		*) added+=("$1") ;;
		esac
		more[$1]+="$2"$'\n'
		shift 2
	done
	if [ $# -ne 0 ]; then echo "serve_site: section [$1] has no lines" >&2; return 64; fi
	for s in mailroom store-sqlite account-bounce job-mailing http "${added[@]}"; do
		echo "[$s]"
		case $s in
		mailroom) printf '%s\n' "site = $site" "store = sqlite" "transport = spool" \
			"from = news@example.org" "secret_file = $T_DIR/secret" "lock_dir = $T_DIR" ;;
		store-sqlite) echo "path = $T_DIR/db/m.db" ;;
		account-bounce) printf '%s\n' "fetch = maildir" "used_for = bounce" \
			"source = $T_DIR/Maildir" "localpart = return+" "domain = bounce.example.org" ;;
		job-mailing) echo "plugin = process-mailing" ;;
		http) echo "listen = 127.0.0.1:$PORT" ;;
		esac | while IFS= read -r line; do
			grep -q "^${line%% = *} = " <<< "${more[$s]:-}" || printf '%s\n' "$line"
		done
		printf '%s' "${more[$s]:-}"
	done
}

# mr ARGS...: the built mailroom on $T_DIR/site.ini
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
# q SQL: a query on the site's store
q() { sqlite3 "$T_DIR/db/m.db" "$@"; }

# serve_start [INI [LOG [SERVE-ARGS...]]]: `mailroom serve` in the background
# (PID in SPID; default $T_DIR/site.ini, log $T_DIR/serve.log); succeeds once
# it listens on PORT (10 s at most)
serve_start() {
	local ini=${1:-$T_DIR/site.ini} log=${2:-$T_DIR/serve.log}
	shift $(($# < 2 ? $# : 2))
	"$MAILROOM" --config "$ini" serve "$@" > "$log" 2>&1 &
	SPID=$!
	started $SPID
	wait_port "$PORT" 10
}

# serve_stop: SIGTERM to serve, waits for it; returns its exit status
serve_stop() {
	local rc
	kill -TERM "$SPID"
	wait "$SPID"
	rc=$?
	stopped "$SPID"
	return $rc
}
