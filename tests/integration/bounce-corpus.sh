#!/bin/bash
# SPDX-License-Identifier: MIT
# The bounce classifier against the real-bounce corpus: `mailroom bounce classify --json` over every file, scored against Sisimai's expected.jsonl.
. "$MR_SRCDIR/tests/lib.sh"

CORPUS=${MR_CORPUS:-}/bounces
if [ -z "${MR_CORPUS:-}" ] || [ ! -f "$CORPUS/expected.jsonl" ]; then
	if [ "${CI:-}" = true ]; then echo "Bail out! the bounce corpus is missing in CI"; exit 1; fi
	skip_all "no bounce corpus at ${MR_CORPUS:-(MR_CORPUS unset)}/bounces"
fi
export MAILROOM_BOUNCE_RULES="$MR_SRCDIR/etc/bounce-rules.conf"
PY=/usr/bin/python3

# Every file of the corpus, by its path relative to the corpus (as expected.jsonl names them).
(cd "$CORPUS" && find . -type f ! -name README.md ! -name expected.jsonl | sed 's|^\./||' | sort) > "$T_DIR/files"
n_files=$(wc -l < "$T_DIR/files")
check "corpus has files ($n_files)" test "$n_files" -gt 100

start=$(date +%s.%N)
(cd "$CORPUS" && xargs -d '\n' "$MAILROOM" --config /nonexistent/mailroom.ini bounce classify --json \
	< "$T_DIR/files") > "$T_DIR/ours.jsonl" 2> "$T_DIR/err"
rc=$?
end=$(date +%s.%N)
check_eq "classify exits 0 over the whole corpus" "$rc" 0
check_eq "no complaints on stderr" "$(head -c 300 "$T_DIR/err")" ""
diag "classified $n_files files in $(awk "BEGIN {print $end - $start}") s"

# Exactly one JSON object per line with exactly the documented keys.
$PY - "$T_DIR/ours.jsonl" > "$T_DIR/keys" 2>&1 <<'EOF'
import json, sys
want = ['file', 'msgidx', 'recipient', 'reason', 'hardsoft', 'status', 'type', 'verp_found_in']
bad = 0
for n, line in enumerate(open(sys.argv[1], encoding='utf-8'), 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        print('line %d: not JSON: %s' % (n, e)); bad += 1; continue
    if list(o) != want:
        print('line %d: keys %s' % (n, list(o))); bad += 1
    elif o['hardsoft'] not in ('hard', 'soft', None) or not isinstance(o['msgidx'], int):
        print('line %d: bad values %s' % (n, o)); bad += 1
print('bad lines: %d' % bad)
EOF
check_eq "every line is one JSON object with the 8 keys" "$(tail -1 "$T_DIR/keys")" "bad lines: 0"

# The mbox file gives msgidx > 0 for its later messages.
if grep -q '"file":"mailbox/' "$T_DIR/ours.jsonl"; then
	check "mbox messages are numbered" grep -q '"file":"mailbox/[^"]*","msgidx":[1-9]' "$T_DIR/ours.jsonl"
fi

# The same sample in LF, CRLF and bare-CR line endings gives the same records.
same=0; differ=0
for f in "$CORPUS"/maildir/dos/*.eml; do
	b=$(basename "$f")
	[ -f "$CORPUS/maildir/bsd/$b" ] && [ -f "$CORPUS/maildir/mac/$b" ] || continue
	strip() { grep "\"file\":\"maildir/$1/$b\"" "$T_DIR/ours.jsonl" | sed 's/"file":"[^"]*",//'; }
	if [ "$(strip bsd)" = "$(strip dos)" ] && [ "$(strip bsd)" = "$(strip mac)" ]; then
		same=$((same + 1))
	else
		differ=$((differ + 1)); diag "line endings change the result of $b"
	fi
done
check "LF, CRLF and CR copies agree ($same same, $differ differ)" test "$differ" -eq 0 -a "$same" -gt 0

$PY "$MR_SRCDIR/tests/integration/bounce-score.py" "$CORPUS/expected.jsonl" "$T_DIR/ours.jsonl" "$CORPUS" \
	--misses > "$T_DIR/score" 2>&1
rc=$?
sed -n '1,/^files where/p' "$T_DIR/score" | sed 's/^/# /'
awk '/^files where/ {p = 1; next} p && /^  / {print "# " $0; next} p {exit}' "$T_DIR/score"
check_eq "agreement with Sisimai: $(head -1 "$T_DIR/score")" "$rc" 0
# The held-out way of working: the fixed split of bounce-score.py (SHA-256 of the base
# name) into halves A and B; rules tuned looking at one half are measured on the other,
# and a difference of more than 3 points between the halves is reported as a sign of
# rules fitted to samples.
for h in A B; do
	$PY "$MR_SRCDIR/tests/integration/bounce-score.py" "$CORPUS/expected.jsonl" "$T_DIR/ours.jsonl" \
		"$CORPUS" --half=$h > "$T_DIR/score-$h" 2>&1
	diag "half $h: $(head -1 "$T_DIR/score-$h")"
done
fig() { sed -n "s|.*$2 agree [0-9]* (\\([0-9.]*\\)% of found.*|\\1|p" "$T_DIR/score-$1"; }
gap=$(awk -v a="$(fig A hard/soft)" -v b="$(fig B hard/soft)" -v c="$(fig A reason)" -v d="$(fig B reason)" \
	'BEGIN { x = a - b; if (x < 0) x = -x; y = c - d; if (y < 0) y = -y; printf "%.1f %.1f", x, y }')
diag "difference between the halves (hard/soft, reason): $gap points"
check "both halves were scored (hard/soft A $(fig A hard/soft)%, B $(fig B hard/soft)%)" \
	test -n "$(fig A hard/soft)" -a -n "$(fig B hard/soft)"
# Issue 16's goal, per half, with the documented disputed list left out (records where
# Sisimai is judged wrong, one reason each): recall >= 97%, hard/soft >= 95% and reason
# >= 88% of found.  Both halves meet it: half B held out in the first pass (tuned on
# A's misses), half A held out in the second (tuned on B's misses).
DISPUTED="$MR_SRCDIR/tests/integration/bounce-disputed.txt"
for h in A B; do
	$PY "$MR_SRCDIR/tests/integration/bounce-score.py" "$CORPUS/expected.jsonl" "$T_DIR/ours.jsonl" \
		"$CORPUS" --half=$h --disputed="$DISPUTED" > "$T_DIR/disp-$h" 2>&1
	diag "half $h without the disputed records: $(head -1 "$T_DIR/disp-$h")"
done
num() { sed -n "s|.*$2 [0-9]* (\([0-9.]*\)%.*|\1|p" "$T_DIR/disp-$1"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }
for h in A B; do
	check "half $h: recipient found $(num $h 'recipient found')% >= 97%" ge "$(num $h 'recipient found')" 97
	check "half $h: hard/soft $(num $h 'hard/soft agree')% >= 95%" ge "$(num $h 'hard/soft agree')" 95
	check "half $h: reason $(num $h 'reason agree')% >= 88%" ge "$(num $h 'reason agree')" 88
done
done_testing
