#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: reading 10,000 messages with attachments from a Maildir, mailroom's parser next to Python's email parser, same files, same run.
# usage: bench/activity-parse.sh [MAILROOM]   (env: BENCH_N=10000, MR_CORPUS=/work/shared/corpus)
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

W=$(mktemp -d "${TMPDIR:-/tmp}/mr-bench-activity.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/Maildir/cur" "$W/Maildir/new" "$W/Maildir/tmp"

# the corpus messages that have attachments (per the oracle), repeated to N files
$PY - "$CORPUS" > "$W/sources" <<'PYEOF'
import json, sys
for line in open(sys.argv[1] + "/expected.jsonl", encoding="utf-8"):
    d = json.loads(line)
    if d["attachments"]:
        print(sys.argv[1] + "/" + d["file"])
PYEOF
n_src=$(wc -l < "$W/sources")
i=0
while [ $i -lt "$N" ]; do
	while IFS= read -r src && [ $i -lt "$N" ]; do
		dst="$W/Maildir/cur/1700000000.M${i}P1.bench:2,S"
		ln "$src" "$dst" 2>/dev/null || cp "$src" "$dst"
		i=$((i + 1))
	done < "$W/sources"
done
find "$W/Maildir/cur" -type f | LC_ALL=C sort > "$W/list"
bytes=$(tr '\n' '\0' < "$W/list" | xargs -0 cat | wc -c)
echo "# $N messages from $n_src corpus files with attachments, $((bytes / 1048576)) MiB, $(nproc) cores"

# warm the page cache so both sides read from memory
tr '\n' '\0' < "$W/list" | xargs -0 cat > /dev/null

# NAME CMD...: one table row.  messages/s is over CPU time (user + system),
# which other load on the machine disturbs less than the wall clock.
run() {
	name=$1; shift
	bench_time "$W" "$name" "$@"
	row=$(bench_rates "$N" 1)
	printf '| %s | %s | %s MiB |\n' "$name" "$row" "$((rss / 1024))"
}

echo "| reader | wall s | CPU s | messages/s (CPU) | messages/s (wall) | peak RSS |"
echo "|---|---|---|---|---|---|"
# mailroom: the whole activity reading (addresses, subject, date, text body or
# HTML to text, every attachment decoded with its SHA-256), JSON out
run "mailroom activity preview --json (full read, attachments decoded + SHA-256)" \
	sh -c 'tr "\n" "\0" < "$1" | xargs -0 "$2" activity preview --json' sh "$W/list" "$MAILROOM"
lines=$(tr '\n' '\0' < "$W/list" | xargs -0 "$MAILROOM" activity preview --json | wc -l)
[ "$lines" -eq "$N" ] || { echo "mailroom printed $lines results for $N files" >&2; exit 1; }
run "Python email BytesParser(policy.default): parse + walk parts" $PY "$here/activity-parse.py" "$W/list"
run "Python email: parse + walk + decode every leaf payload" $PY "$here/activity-parse.py" "$W/list" --decode
