#!/bin/bash
# SPDX-License-Identifier: MIT
# Files every message of the corpus from a local Maildir with the
# fetch-activities job: no message crashes or hangs the run, each is filed
# (or recognised as a repeated Message-ID) or ignored with a reason in the
# log, every one is moved, and what is filed matches what `activity
# preview` reads from the same file (subject, attachments with SHA-256).
. "$MR_SRCDIR/tests/lib.sh"

CORPUS=${MR_CORPUS:-}/messages
[ -n "${MR_CORPUS:-}" ] && [ -f "$CORPUS/expected.jsonl" ] ||
	skip_all "no message corpus at '$CORPUS' (set MR_CORPUS)"
needs /usr/bin/python3 timeout sqlite3

MD=$T_DIR/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
DB=$T_DIR/mailroom.db
cat > "$T_DIR/site.ini" <<EOF2
[mailroom]
store = sqlite
transport = spool
from = office@example.org
lock_dir = $T_DIR
[store-sqlite]
path = $DB
[account-corpus]
fetch = maildir
used_for = activity
source = $MD
max_attachments = 50
max_attachment_size = 1000000
[job-fetch-activities]
EOF2
M="$MAILROOM --config $T_DIR/site.ini"

# each corpus file as one Maildir message; the name maps back to the file
cd "$CORPUS" || exit 1
find . -type f ! -name README.md ! -name expected.jsonl | sed 's|^\./||' | LC_ALL=C sort \
	> "$T_DIR/files"
n=$(wc -l < "$T_DIR/files")
i=0
while IFS= read -r f; do
	i=$((i + 1))
	cp "$f" "$MD/new/1700000000.M${i}P1.corpus"
	printf '%s\t%s\n' "1700000000.M${i}P1.corpus" "$f" >> "$T_DIR/map"
done < "$T_DIR/files"
cd "$T_DIR" || exit 1
check "the corpus has messages ($n)" test "$n" -gt 0

timeout 300 $M --quiet job run fetch-activities > "$T_DIR/run.out" 2> "$T_DIR/run.err"
rc=$?
check_eq "the run over all $n messages ends normally (no crash, no hang)" "$rc" 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$T_DIR/run.err" | tail -5
diag "$(cat "$T_DIR/run.out")"
processed=$(find "$MD/.processed/new" "$MD/.processed/cur" -type f 2>/dev/null | wc -l)
ignored=$(find "$MD/.ignored/new" "$MD/.ignored/cur" -type f 2>/dev/null | wc -l)
check_eq "every message is moved: processed + ignored = $n" "$((processed + ignored))" "$n"
check_eq "none is left" "$(find "$MD/new" "$MD/cur" -type f | wc -l)" 0
reasons=$(grep -c 'ignored: ' "$T_DIR/run.err")
check_eq "each ignored message has a reason in the log ($ignored)" "$reasons" "$ignored"
for f in $(find "$MD/.ignored/new" "$MD/.ignored/cur" -type f -printf '%f\n' 2>/dev/null | sed 's/:2,.*//'); do
	diag "ignored $(grep "^$f	" "$T_DIR/map" | cut -f2): $(grep -m1 "$f ignored:" "$T_DIR/run.err" | sed 's/.*ignored: //')"
done
filed=$(sqlite3 "$DB" 'SELECT count(*) FROM activities')
dups=$(grep -c 'was filed before as activity' "$T_DIR/run.err")
check_eq "processed = filed + repeated Message-IDs ($filed + $dups)" "$((filed + dups))" "$processed"

# what was filed agrees with what preview reads from the same file
sqlite3 -separator '	' "$DB" "SELECT a.message_id, a.subject, (SELECT group_concat(sha256, ',') FROM (SELECT sha256 FROM activity_attachments t WHERE t.activity_id = a.id ORDER BY t.id)) FROM activities a" \
	> "$T_DIR/filed.tsv"
: > "$T_DIR/preview.jsonl"
while IFS= read -r f; do
	timeout 20 $M activity preview --json --max-attachments 50 --max-attachment-size 1000000 \
		"$CORPUS/$f" >> "$T_DIR/preview.jsonl" 2>/dev/null
done < "$T_DIR/files"
/usr/bin/python3 - "$T_DIR/filed.tsv" "$T_DIR/preview.jsonl" > "$T_DIR/agree.out" <<'PY'
import json, sys
filed = {}
for line in open(sys.argv[1], encoding='utf-8', errors='replace'):
    parts = line.rstrip('\n').split('\t')
    while len(parts) < 3:
        parts.append('')
    filed.setdefault(parts[0], []).append(parts)
previews = [json.loads(line) for line in open(sys.argv[2], encoding='utf-8', errors='replace')]
count = {}
for p in previews:
    count[p.get('message_id')] = count.get(p.get('message_id'), 0) + 1
seen = agree = 0
for p in previews:
    mid = p.get('message_id')
    # a Message-ID in several files was filed once: compare unique ones only
    if not mid or count[mid] != 1 or mid not in filed or len(filed[mid]) != 1:
        continue
    seen += 1
    f = filed[mid][0]
    shas = ','.join(a['sha256'] for a in p['attachments'])
    if (p.get('subject') or '') == f[1] and shas == f[2]:
        agree += 1
    else:
        print('# differs: %s' % mid)
print('%d %d' % (seen, agree))
PY
read -r seen agree < <(tail -1 "$T_DIR/agree.out")
grep '^#' "$T_DIR/agree.out" | head -10
check "filed messages were compared with preview ($seen)" test "$seen" -gt 30
check_eq "each filed subject and attachment list (SHA-256) is what preview reads" "$agree" "$seen"
done_testing
