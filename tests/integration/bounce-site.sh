# SPDX-License-Identifier: MIT
# Sourced by the bounce job's tests after tests/lib.sh: bounce_site NAME [LINE...]
# writes $T_DIR/site.ini of a site whose SQLite store is $T_DIR/db/m.db, whose
# transport spools and whose bounce account is the Maildir $MD ($T_DIR/Maildir),
# with the mailing and bounce jobs (each LINE follows [job-bounces]), and
# defines mr, q, put KIND key=value... (a message of bounce-make.py into the
# Maildir) and verp N (the envelope sender mailed to uN@example.net).
MD=$T_DIR/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp" "$T_DIR/db"
export MAILROOM_BOUNCE_RULES=$MR_SRCDIR/etc/bounce-rules.conf
bounce_site() {
	local name=$1
	shift
	printf '%s-test-secret-%s\n' "$name" "$RANDOM$RANDOM" > "$T_DIR/secret"
	chmod 600 "$T_DIR/secret"
	{
		cat <<INI
[mailroom]
site = $name
store = sqlite
transport = spool
from = news@example.org
secret_file = $T_DIR/secret
lock_dir = $T_DIR
log_level = info
[store-sqlite]
path = $T_DIR/db/m.db
[account-bounce]
fetch = maildir
used_for = bounce
source = $MD
localpart = return+
domain = bounce.example.org
[job-mailing]
plugin = process-mailing
[job-bounces]
plugin = fetch-bounces
INI
		for line in "$@"; do echo "$line"; done
	} > "$T_DIR/site.ini"
}
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
q() { sqlite3 "$T_DIR/db/m.db" "$@"; }
n_msg=0
put() {
	n_msg=$((n_msg + 1))
	/usr/bin/python3 "$MR_SRCDIR/tests/integration/bounce-make.py" "$1" "$MD/tmp/m$n_msg" "${@:2}" &&
		mv "$MD/tmp/m$n_msg" "$MD/new/$((1790000000 + n_msg)).M${n_msg}P1.test"
}
verp() { q "SELECT sender FROM mail_spool WHERE recipient = 'u$1@example.net'"; }
