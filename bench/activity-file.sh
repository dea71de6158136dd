#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: filing 10,000 messages with attachments from a Maildir into SQLite with the fetch-activities job, next to Python's email parser only reading the same files, same run.
# usage: bench/activity-file.sh [MAILROOM]   (env: BENCH_N=10000, MR_CORPUS=/work/shared/corpus,
#        MAILROOM_PLUGIN_PATH: where the built plugins are; default: the build tree's)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
MAILROOM=${1:-${MAILROOM:-$here/../mailroom}}
N=${BENCH_N:-10000}
CORPUS=${MR_CORPUS:-/work/shared/corpus}/messages
PY=/usr/bin/python3
[ -x "$MAILROOM" ] || { echo "no mailroom binary at $MAILROOM (give its path)" >&2; exit 2; }
[ -f "$CORPUS/expected.jsonl" ] || { echo "no corpus at $CORPUS" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }
build=$(cd "$(dirname "$MAILROOM")" && pwd)
: "${MAILROOM_PLUGIN_PATH:=$(ls -d "$build"/plugins/*/.libs 2>/dev/null | tr '\n' ':')}"
export MAILROOM_PLUGIN_PATH

W=$(mktemp -d "${TMPDIR:-/tmp}/mr-bench-file.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/Maildir/cur" "$W/Maildir/new" "$W/Maildir/tmp"

# the corpus messages that have attachments (per the oracle), repeated to N
# files, each copy with a Message-ID of its own (else all but the first copy
# would be recognised as filed already and cost nothing)
$PY - "$CORPUS" "$W/Maildir/cur" "$N" > "$W/list" <<'PYEOF'
import json, os, re, sys
corpus, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
srcs = []
for line in open(corpus + "/expected.jsonl", encoding="utf-8"):
    d = json.loads(line)
    if d["attachments"]:
        srcs.append(open(corpus + "/" + d["file"], "rb").read())
for i in range(n):
    data = srcs[i % len(srcs)]
    end = data.find(b"\n\n")
    end = len(data) if end < 0 else end
    head, body = data[:end], data[end:]
    mid = b"<bench-%d@mailroom.invalid>" % i
    head, k = re.subn(rb"(?im)^message-id:[^\n]*(\n[ \t][^\n]*)*", b"Message-ID: " + mid, head, 1)
    if not k:
        head = b"Message-ID: " + mid + b"\n" + head
    path = "%s/1700000000.M%dP1.bench:2,S" % (out, i)
    with open(path, "wb") as f:
        f.write(head + body)
    print(path)
PYEOF
n_src=$($PY -c "import json; print(sum(1 for l in open('$CORPUS/expected.jsonl') if json.loads(l)['attachments']))")
bytes=$(tr '\n' '\0' < "$W/list" | xargs -0 cat | wc -c)
echo "# $N messages (each its own Message-ID) from $n_src corpus files with attachments, $((bytes / 1048576)) MiB, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

cat > "$W/site.ini" <<EOF
[mailroom]
store = sqlite
transport = spool
from = office@example.org
log_level = warning
lock_dir = $W
[store-sqlite]
path = $W/mailroom.db
[account-bench]
fetch = maildir
used_for = activity
source = $W/Maildir
batch = $N
[job-fetch-activities]
EOF

# warm the page cache so both sides read from memory
tr '\n' '\0' < "$W/list" | xargs -0 cat > /dev/null

# NAME CMD...: one table row.  messages/s over CPU time (user + system) is
# disturbed less by other load on the machine than over the wall clock.
run() {
	name=$1; shift
	bench_time "$W" "$name" "$@"
	row=$(bench_rates "$N" 1)
	printf '| %s | %s | %s MiB |\n' "$name" "$row" "$((rss / 1024))"
}

echo "| filing / reading | wall s | CPU s | messages/s (CPU) | messages/s (wall) | peak RSS |"
echo "|---|---|---|---|---|---|"
# Python first: mailroom moves the files into .processed as it files them
run "Python email BytesParser(policy.default): parse + walk parts (no store)" \
	$PY "$here/activity-parse.py" "$W/list"
run "Python email: parse + walk + decode every leaf payload (no store)" \
	$PY "$here/activity-parse.py" "$W/list" --decode
run "mailroom job run fetch-activities: parse, contacts, activity + attachments into SQLite, move" \
	"$MAILROOM" --config "$W/site.ini" job run fetch-activities
grep -o '[0-9]* filed, [0-9]* already filed[^,]*, [0-9]* ignored' "$W/out" | sed 's/^/# /'
filed=$(sqlite3 "$W/mailroom.db" 'SELECT count(*) FROM activities' 2>/dev/null || echo "?")
atts=$(sqlite3 "$W/mailroom.db" "SELECT count(*) || ' attachments, ' || (sum(length(content)) / 1048576) || ' MiB of content' FROM activity_attachments" 2>/dev/null || echo "?")
moved=$(find "$W/Maildir/.processed" "$W/Maildir/.ignored" -type f -name '*bench*' 2>/dev/null | wc -l)
echo "# $filed activities with $atts in $(du -m "$W/mailroom.db" | cut -f1) MiB of SQLite; $moved files moved"
[ "$filed" = "$N" ] || { echo "filed $filed of $N" >&2; exit 1; }
