#!/bin/sh
# SPDX-License-Identifier: MIT
# Reads every message of the corpus with `mailroom activity preview --json` and scores it against the oracle (Python's email package).
. "$MR_SRCDIR/tests/lib.sh"

CORPUS=${MR_CORPUS:-}/messages
[ -n "${MR_CORPUS:-}" ] && [ -f "$CORPUS/expected.jsonl" ] ||
	skip_all "no message corpus at '$CORPUS' (set MR_CORPUS)"
needs /usr/bin/python3 timeout
PER_FILE_TIMEOUT=${MR_ACTIVITY_TIMEOUT:-20}

cd "$CORPUS" || exit 1
find . -type f ! -name README.md ! -name expected.jsonl | sed 's|^\./||' | LC_ALL=C sort \
	> "$T_DIR/files"
n_files=$(wc -l < "$T_DIR/files")
[ "$n_files" -gt 0 ] || { echo "Bail out! no message files in $CORPUS"; exit 1; }

# one process per file, each bounded in time: a crash or hang names its file
: > "$T_DIR/got.jsonl"
bad=0
while IFS= read -r f; do
	timeout "$PER_FILE_TIMEOUT" "$MAILROOM" activity preview --json "$f" \
		> "$T_DIR/one.json" 2> "$T_DIR/one.err"
	rc=$?
	if [ $rc -eq 124 ]; then
		diag "HANG (> ${PER_FILE_TIMEOUT}s): $f"; bad=$((bad + 1))
	elif [ $rc -ge 128 ] || [ $rc -eq 70 ]; then
		diag "CRASH (exit $rc): $f"; sed 's/^/#   /' "$T_DIR/one.err" | head -5; bad=$((bad + 1))
	elif [ "$(wc -l < "$T_DIR/one.json")" -ne 1 ]; then
		diag "no single JSON line (exit $rc): $f"; bad=$((bad + 1))
	fi
	cat "$T_DIR/one.json" >> "$T_DIR/got.jsonl"
done < "$T_DIR/files"
check_eq "no message crashes or hangs ($n_files files, ${PER_FILE_TIMEOUT}s each)" "$bad" 0

# every line is JSON with the documented keys
/usr/bin/python3 - "$T_DIR/got.jsonl" > "$T_DIR/keys.out" 2>&1 <<'EOF'
import json, sys
need = {"file", "from", "to", "cc", "subject", "date", "message_id", "text", "attachments"}
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    miss = need - d.keys()
    if miss:
        print(d.get("file"), "lacks", sorted(miss))
    for a in d.get("attachments", []):
        if not {"filename", "content_type", "size"} <= a.keys():
            print(d["file"], "attachment lacks keys", a)
EOF
check_eq "every line is JSON with file, from, to, cc, subject, date, message_id, text, attachments" \
	"$(cat "$T_DIR/keys.out")" ""

# the scores, one TAP line per measure
/usr/bin/python3 "$MR_SRCDIR/tests/integration/activity-score.py" expected.jsonl \
	"$T_DIR/got.jsonl" --markdown "$T_DIR/diffs.md" > "$T_DIR/score.out"
for m in addresses subject text attachments; do
	line=$(grep "^$m " "$T_DIR/score.out")
	case $line in
	"") not_ok "$m: no score";;
	*FAILED*) not_ok "$line";;
	*) ok "$line";;
	esac
done
grep -E "^(date|attach-items) " "$T_DIR/score.out" | sed 's/^/# /'
grep -A2 "^DIFF" "$T_DIR/score.out" | sed 's/^/# /'
[ -n "${MR_ACTIVITY_DIFFS:-}" ] && cp "$T_DIR/diffs.md" "$MR_ACTIVITY_DIFFS"

# once under valgrind: no invalid access in our code or GMime, nothing definitely lost
# (not in the sanitizer run: valgrind cannot run an ASan program, and ASan has
# checked every access of the corpus run above; the normal run does this)
if [ -n "${MR_SANITIZE:-}" ]; then
	skip "valgrind over the whole corpus: not under ASan (MR_SANITIZE); ASan checked the run above"
elif command -v valgrind >/dev/null 2>&1; then
	tr '\n' '\0' < "$T_DIR/files" | timeout 600 xargs -0 valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite --log-file="$T_DIR/vg.%p" \
		"$MAILROOM" activity preview --json > /dev/null 2>&1
	# glibc's own loader reports (dl-load while iconv opens its modules) are not ours
	/usr/bin/python3 - "$T_DIR" > "$T_DIR/vg.out" <<'EOF'
import glob, re, sys
for path in glob.glob(sys.argv[1] + "/vg.*"):
    for block in re.split(r"\n==\d+== \n", open(path, errors="replace").read()):
        if not block.strip() or "dl-load.c" in block or "dl-open.c" in block:
            continue
        if re.search(r"Invalid|uninitialised|definitely lost|Mismatched|overlap", block):
            print(block[:1500])
EOF
	check_eq "valgrind over the whole corpus: no errors, no leaks" "$(head -c 3000 "$T_DIR/vg.out")" ""
else
	[ "${CI:-}" = true ] && { echo "Bail out! valgrind is missing in CI"; exit 1; }
	diag "valgrind not installed: memory check skipped"
fi

done_testing
