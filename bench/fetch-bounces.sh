#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: the fetch-bounces job end to end (N DSNs to the VERP addresses of N mailed contacts, from a Maildir into SQLite: parse, check the hash, count, hold, record, commit, move), next to Sisimai only parsing the same files, same run.
# usage: bench/fetch-bounces.sh [MAILROOM]   (env: BENCH_N=10000; MAILROOM_PLUGIN_PATH: the built
#        plugins, default the build tree's)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
MAILROOM=${1:-${MAILROOM:-$here/../mailroom}}
N=${BENCH_N:-10000}
PY=/usr/bin/python3
src=$(cd "$here/.." && pwd)
[ -f "$src/tests/integration/bounce-make.py" ] || src=$(cd "$here" && cd .. && pwd)
[ -x "$MAILROOM" ] || { echo "no mailroom binary at $MAILROOM (give its path)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }
perl -MSisimai -e 1 2>/dev/null || { echo "needs libsisimai-perl" >&2; exit 2; }
command -v sqlite3 > /dev/null || { echo "needs sqlite3" >&2; exit 2; }
build=$(cd "$(dirname "$MAILROOM")" && pwd)
: "${MAILROOM_PLUGIN_PATH:=$(ls -d "$build"/plugins/*/.libs 2>/dev/null | tr '\n' ':')}"
export MAILROOM_PLUGIN_PATH
rules=$(cd "$here/.." && pwd)/etc/bounce-rules.conf
export MAILROOM_BOUNCE_RULES=$rules

W=$(mktemp -d "${TMPDIR:-/tmp}/mr-bench-bounces.XXXXXX")
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$W"' EXIT
mkdir -p "$W/Maildir/cur" "$W/Maildir/new" "$W/Maildir/tmp" "$W/sis/cur" "$W/sis/new" "$W/sis/tmp"
printf 'bench-secret-%s\n' "$$" > "$W/secret"
chmod 600 "$W/secret"
cat > "$W/site.ini" <<EOF
[mailroom]
store = sqlite
transport = spool
from = news@example.org
secret_file = $W/secret
log_level = warning
lock_dir = $W
[store-sqlite]
path = $W/m.db
[account-bounce]
fetch = maildir
used_for = bounce
source = $W/Maildir
localpart = return+
domain = bounce.example.org
batch = 10000000
[job-mailing]
plugin = process-mailing
batch_size = 1000
[job-bounces]
plugin = fetch-bounces
max_runtime = 1h
EOF
mr() { "$MAILROOM" --config "$W/site.ini" "$@"; }
{
	echo "email,first_name,last_name,groups"
	i=1
	while [ "$i" -le "$N" ]; do echo "user$i@example.net,U,$i,all"; i=$((i + 1)); done
} > "$W/contacts.csv"
mr contact import "$W/contacts.csv" > /dev/null
printf 'Hello {contact.first_name}\n' > "$W/t.txt"
mr mailing create --name Bench --subject "Bench" --text "$W/t.txt" --include-group all \
	--schedule now > /dev/null
mr job run mailing > /dev/null 2>&1
# one DSN per recipient, to its VERP address; reasons in turn: unknown user (Invalid),
# mailbox full (Quota), host not found (Dns), spam refusal (Spam)
sqlite3 -separator ' ' "$W/m.db" "SELECT sender, recipient FROM mail_spool" |
	$PY -c '
import subprocess, sys
make, out = sys.argv[1], sys.argv[2]
diags = [("5.1.1", "550 5.1.1 <%s>: Recipient address rejected: User unknown in local recipient table"),
         ("5.2.2", "552 5.2.2 <%s>: mailbox full, quota exceeded"),
         ("5.4.4", "Host or domain name not found. Name service error for name=%s type=MX"),
         ("5.7.1", "550 5.7.1 <%s>: message refused as spam")]
src = open(make).read()
for n, line in enumerate(sys.stdin):
    verp, rcpt = line.split()
    st, d = diags[n % 4]
    argv = ["dsn", "%s/tmp/b%d" % (out, n), "to=" + verp, "rcpt=" + rcpt, "status=" + st, "diag=" + (d % rcpt)]
    sys.argv = ["bounce-make.py"] + argv
    exec(compile(src, "bounce-make.py", "exec"), {"__name__": "__main__"})
' "$src/tests/integration/bounce-make.py" "$W/Maildir"
i=0
for f in "$W"/Maildir/tmp/b*; do
	i=$((i + 1))
	cp "$f" "$W/sis/cur/1700000000.M${i}P1.bench:2,S"
	mv "$f" "$W/Maildir/cur/1700000000.M${i}P1.bench:2,S"
done
bytes=$(cat "$W"/Maildir/cur/* | wc -c)
echo "# $i DSNs to $N mailed contacts, $((bytes / 1048576)) MiB, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(perl -MSisimai -e 'print "Sisimai $Sisimai::VERSION"')"
cat "$W"/sis/cur/* > /dev/null

run() {
	tag=$1 name=$2; shift 2
	bench_time "$W" "$name" "$@"
	row=$(bench_rates "$N" 2)
	printf '| %s | %s | %s MiB |\n' "$name" "$row" "$((rss / 1024))"
	echo "$user $sys $secs" > "$W/$tag.cpu"
}
echo "| run | wall s | CPU s | messages/s (CPU) | messages/s (wall) | peak RSS |"
echo "|---|---|---|---|---|---|"
run sisimai "Sisimai->make(MAILDIR): parse and classify only" perl -MSisimai -e '
	my $v = Sisimai->make($ARGV[0]) || []; print scalar(@$v), "\n";' "$W/sis/cur"
[ -n "${BENCH_PERF:-}" ] && cp -a "$W/m.db" "$W/m.db.before" && cp -a "$W/Maildir" "$W/Maildir.before"
run mailroom "mailroom job run bounces: parse, VERP check, count, hold, commit, move" \
	"$MAILROOM" --config "$W/site.ini" job run bounces
cat "$W/out"
q() { sqlite3 "$W/m.db" "$@"; }
echo "# bounce events: $(q "SELECT count(*) FROM events WHERE event_type = 'bounce'"), on hold: $(q 'SELECT count(*) FROM emails WHERE on_hold = 1'), by type: $(q "SELECT group_concat(n, ' ') FROM (SELECT bt.name || '=' || count(*) AS n FROM events ev JOIN bounce_types bt ON bt.id = ev.bounce_type_id GROUP BY bt.name)"), left in the Maildir: $(find "$W/Maildir/cur" "$W/Maildir/new" -type f | wc -l)"
read -r mu ms mw < "$W/mailroom.cpu"
read -r su ss sw < "$W/sisimai.cpu"
$PY -c "
m = $mu + $ms; s = $su + $ss
print('ratio (CPU): mailroom job is %.1fx Sisimai parse-only; ratio (wall): %.1fx' % (s / max(m, 0.001), $sw / max($mw, 0.001)))
"
