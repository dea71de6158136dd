#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmark: fetching and disposing of 10,000 messages over IMAPS from a private Dovecot, mailroom next to mbsync (isync) pulling the same mailbox into a Maildir, same run, same machine.
# usage: bench/fetch-imap.sh [MAILROOM]   (env: BENCH_N=10000, BENCH_SIZE=3000 bytes,
#        MAILROOM_PLUGIN_PATH as for the tests; run as root: Dovecot needs the vmail user)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
MAILROOM=${1:-${MAILROOM:-$here/../mailroom}}
N=${BENCH_N:-10000}
SIZE=${BENCH_SIZE:-3000}
MR_SRCDIR=${MR_SRCDIR:-$here/..}
[ -x "$MAILROOM" ] || { echo "no mailroom binary at $MAILROOM (give its path)" >&2; exit 2; }
command -v mbsync >/dev/null || { echo "needs mbsync (Debian's isync)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }
if [ -z "${MAILROOM_PLUGIN_PATH:-}" ] && [ -d "$here/../plugins" ]; then
	MAILROOM_PLUGIN_PATH=$(ls -d "$here"/../plugins/*/.libs 2>/dev/null | tr '\n' ':')
	export MAILROOM_PLUGIN_PATH
fi
# tests/lib.sh gives the private directory, free ports and the cleanup
. "$MR_SRCDIR/tests/lib.sh" > /dev/null
. "$MR_SRCDIR/tests/servers/dovecot.sh"
dovecot_start
U=$DC_USER
printf '%s' "$DC_PASS" > "$T_DIR/pass"; chmod 600 "$T_DIR/pass"
dovecot_put "$U" "$N" "" "$SIZE"
bytes=$(cat "$(dovecot_maildir "$U")"/new/* | wc -c)

cat > "$T_DIR/site.ini" <<EOF2
[mailroom]
store = sqlite
transport = spool
[store-sqlite]
path = $T_DIR/mailroom.db
[account-bench]
fetch = imap
used_for = bounce
server = localhost
port = $DC_IMAPS
ca_file = $DC_CA
username = $U
password_file = $T_DIR/pass
batch = $N
EOF2

# mbsync_conf FSYNC DIR: pull INBOX into the Maildir DIR, certificate checked
mbsync_conf() {
	cat <<EOF2
FSync $1

IMAPAccount bench
Host localhost
Port $DC_IMAPS
User $U
PassCmd "cat $T_DIR/pass"
SSLType IMAPS
CertificateFile $DC_CA

IMAPStore far
Account bench

MaildirStore near
Path $2/
Inbox $2/INBOX

Channel bench
Far :far:INBOX
Near :near:INBOX
Sync Pull
Create Near
SyncState *
EOF2
}

# warm up: Dovecot indexes the 10,000 files once, for both sides alike
"$MAILROOM" --config "$T_DIR/site.ini" account test bench > /dev/null 2>&1 || {
	echo "mailroom account test failed:" >&2
	"$MAILROOM" --config "$T_DIR/site.ini" account test bench >&2; exit 1; }

# TAG NAME CMD...: one table row (wall and CPU time, messages/s over the wall clock)
run() {
	local tag=$1 name=$2; shift 2
	bench_time "$T_DIR" "$name" "$@"
	/usr/bin/python3 -c "print('| %s | %.2f | %.2f | %.0f | %d MiB |' % ('$name', $secs, $user + $sys, $N / max($secs, 0.001), $rss // 1024))"
	echo "$secs" > "$T_DIR/secs.$tag"
}

echo "# $N messages of about $SIZE bytes ($((bytes / 1048576)) MiB), IMAPS to Dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1, $(nproc) cores, $(mbsync --version)"
echo "| client | wall s | CPU s (user+sys) | messages/s (wall) | peak RSS |"
echo "|---|---|---|---|---|"
# mbsync does not change the server (Sync Pull): it goes first, over the same mailbox
mbsync_conf yes "$T_DIR/mbsync-fsync" > "$T_DIR/mbsyncrc-fsync"
mbsync_conf no "$T_DIR/mbsync-nofsync" > "$T_DIR/mbsyncrc-nofsync"
mkdir -p "$T_DIR/mbsync-fsync" "$T_DIR/mbsync-nofsync"
run mbsync-fsync "mbsync -a (Sync Pull, FSync yes: its default)" mbsync -c "$T_DIR/mbsyncrc-fsync" -a
pulled=$(find "$T_DIR/mbsync-fsync/INBOX/new" "$T_DIR/mbsync-fsync/INBOX/cur" -type f | wc -l)
run mbsync-nofsync "mbsync -a (Sync Pull, FSync no)" mbsync -c "$T_DIR/mbsyncrc-nofsync" -a
# mailroom: fetch, store each message in the SQLite store with its record in one
# transaction, then UID MOVE it to INBOX.processed
run mailroom "mailroom account fetch --spool (store + UID MOVE)" \
	"$MAILROOM" --config "$T_DIR/site.ini" account fetch bench --spool
grep -q "$N waiting, $N processed" "$T_DIR/out" || { echo "mailroom did not process all:" >&2; cat "$T_DIR/out" >&2; exit 1; }
moved=$(dovecot_count "$U" processed)
echo
echo "# checks: mbsync pulled $pulled files; mailroom stored $N and moved $moved to INBOX.processed"
/usr/bin/python3 - "$T_DIR" <<'PY'
import sys
d = sys.argv[1]
s = lambda n: float(open(d + "/secs." + n).read())
mr = s("mailroom")
print("# messages/s, mailroom / mbsync: %.2fx against FSync yes, %.2fx against FSync no"
      % (s("mbsync-fsync") / mr, s("mbsync-nofsync") / mr))
PY
kill "$DC_PID" 2>/dev/null; for _ in $(seq 50); do kill -0 "$DC_PID" 2>/dev/null || break; sleep 0.1; done
