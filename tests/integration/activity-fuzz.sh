#!/bin/sh
# SPDX-License-Identifier: MIT
# Broken messages made from the corpus (cut, spliced, bytes flipped, MIME tokens inserted; fixed seed): activity preview never crashes or hangs.
. "$MR_SRCDIR/tests/lib.sh"

CORPUS=${MR_CORPUS:-}/messages
[ -n "${MR_CORPUS:-}" ] && [ -d "$CORPUS" ] || skip_all "no message corpus at '$CORPUS' (set MR_CORPUS)"
needs /usr/bin/python3 timeout
COUNT=${MR_FUZZ_COUNT:-400}
SEED=${MR_FUZZ_SEED:-20261129}

find "$CORPUS" -type f ! -name README.md ! -name expected.jsonl | LC_ALL=C sort > "$T_DIR/src"
mkdir "$T_DIR/m"
/usr/bin/python3 - "$T_DIR/src" "$T_DIR/m" "$SEED" "$COUNT" > "$T_DIR/readable" <<'EOF'
import os, random, re, sys
src, out, seed, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
files = [l.rstrip("\n") for l in open(src)]
tokens = [b"--", b"\r\n", b"\n", b"\n\n", b"=?utf-8?b?", b"=?x?q?", b"?=", b"\x00", b"\xff\xfe",
          b"Content-Type: multipart/mixed; boundary=x\n", b"boundary=", b"--x\n", b"--x--",
          b"<", b">", b"\"", b"(", b")", b":", b";", b",", b"=", b"%", b"*0*=", b"filename*=",
          b"&#", b"&#x110000;", b"<script>", b"<!--", b"begin 644 x\n", b"=\n", b"\t", b"@"]
for i in range(count):
    d = bytearray(open(rnd.choice(files), "rb").read()[:300000])
    for _ in range(rnd.randint(1, 25)):
        p = rnd.randrange(len(d) + 1)
        op = rnd.random()
        if op < 0.25 and d:
            del d[p:p + rnd.randint(1, 60)]
        elif op < 0.55:
            d[p:p] = rnd.choice(tokens)
        elif op < 0.75 and d:
            d[min(p, len(d) - 1)] = rnd.randrange(256)
        elif op < 0.9:
            q = rnd.randrange(len(d) + 1)
            d[p:p] = d[q:q + rnd.randint(1, 500)]
        else:
            del d[p:]  # cut anywhere
    with open(os.path.join(out, "m%04d.eml" % i), "wb") as f:
        f.write(d)
    # readable: some line among the first 64 starts like a header field
    if any(re.match(rb"[!-9;-~]+[ \t]*:", l) for l in bytes(d).split(b"\n")[:64]):
        print("m%04d.eml" % i)
EOF
n=$(ls "$T_DIR/m" | wc -l)
check_eq "$COUNT broken messages made (seed $SEED)" "$n" "$COUNT"

crashed=0 hung=0 refused=0 lost=0
mkdir "$T_DIR/o"
for f in "$T_DIR"/m/*.eml; do
	b=$(basename "$f" .eml)
	timeout 10 "$MAILROOM" activity preview --json "$f" > "$T_DIR/o/$b.json" 2> /dev/null
	rc=$?
	case $rc in
	0) ;;
	65) refused=$((refused + 1)); rm -f "$T_DIR/o/$b.json"
	    grep -qx "$b.eml" "$T_DIR/readable" && { lost=$((lost + 1)); diag "refused: $b.eml"; } ;;
	124) hung=$((hung + 1)); diag "HANG: $b.eml" ;;
	*) crashed=$((crashed + 1)); diag "exit $rc: $b.eml" ;;
	esac
done
/usr/bin/python3 - "$T_DIR/o" > "$T_DIR/nojson" <<'EOF'
import glob, json, sys
for p in sorted(glob.glob(sys.argv[1] + "/*.json")):
    try:
        lines = open(p, encoding="utf-8").read().splitlines()
        assert len(lines) == 1
        json.loads(lines[0])
    except Exception as e:
        print(p.rsplit("/", 1)[1], type(e).__name__)
EOF
nojson=$(wc -l < "$T_DIR/nojson")
sed 's/^/# not one JSON line: /' "$T_DIR/nojson" | head -10
check_eq "no crash" "$crashed" 0
check_eq "no hang (10 s each)" "$hung" 0
check_eq "every answer is one valid JSON object" "$nojson" 0
diag "$refused of $COUNT refused as no message at all (EX_DATAERR): no line looks like a header field"
check_eq "every message with a header field somewhere in its first 64 lines is read" "$lost" 0

done_testing
