#!/bin/sh
# SPDX-License-Identifier: MIT
# mailroom activity preview on messages written here: JSON keys and values, limits, the readable form, errors.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3

M=$T_DIR/m1.eml
printf '%s\r\n' \
	'From: =?utf-8?q?J=C3=B6rg?= <joerg@example.org>' \
	'To: Team: a@example.org, b@example.org;, c@example.org' \
	'Cc: d@example.org' \
	'Subject: =?utf-8?b?w4ls?= report' \
	'Date: Tue, 1 Jul 2003 10:52:37 +0200' \
	'Message-ID: <m1@example.org>' \
	'MIME-Version: 1.0' \
	'Content-Type: multipart/mixed; boundary=B' \
	'' \
	'--B' \
	'Content-Type: text/html; charset=utf-8' \
	'' \
	'<p>Hello <b>there</b> &amp; bye</p>' \
	'--B' \
	'Content-Type: application/octet-stream' \
	"Content-Disposition: attachment; filename*=utf-8''..%2F..%2Fetc%2Fpasswd" \
	'Content-Transfer-Encoding: base64' \
	'' \
	'cm9vdDp4OjA6MAo=' \
	'--B' \
	'Content-Type: image/png; name=big.png' \
	'Content-Transfer-Encoding: base64' \
	'' \
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' \
	'--B--' > "$M"

"$MAILROOM" activity preview --json "$M" > "$T_DIR/out.json" 2> "$T_DIR/err"
check_eq "preview --json exits 0" $? 0
/usr/bin/python3 - "$T_DIR/out.json" "$M" > "$T_DIR/check" 2>&1 <<'EOF'
import hashlib, json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 1, lines
d = json.loads(lines[0])
want = {
    "file": sys.argv[2],
    "from": ["joerg@example.org"],
    "to": ["a@example.org", "b@example.org", "c@example.org"],
    "cc": ["d@example.org"],
    "subject": "\u00c9l report",
    "date": "2003-07-01T10:52:37+02:00",
    "message_id": "<m1@example.org>",
    "text": "Hello there & bye",
}
for k, v in want.items():
    if d.get(k) != v:
        print("%s: got %r want %r" % (k, d.get(k), v))
a = d["attachments"]
if [(x["filename"], x["content_type"], x["size"]) for x in a] != [
        ("../../etc/passwd", "application/octet-stream", 11), ("big.png", "image/png", 70)]:
    print("attachments:", a)
elif a[0]["safe_name"] != "passwd" or a[0]["sha256"] != hashlib.sha256(b"root:x:0:0\n").hexdigest():
    print("attachment 1:", a[0])
EOF
check_eq "JSON: addresses, decoded subject, date, text from HTML, attachments with sizes and SHA-256" \
	"$(cat "$T_DIR/check")" ""

"$MAILROOM" activity preview --json --max-attachments 1 --max-attachment-size 50 "$M" > "$T_DIR/lim.json"
/usr/bin/python3 -c '
import json, sys
a = json.loads(open(sys.argv[1]).read())["attachments"]
print(" ".join("%s:%s" % (x["filename"], x["skipped"]) for x in a))' "$T_DIR/lim.json" > "$T_DIR/lim"
check_eq "limits: over the size is recorded as skipped, not dropped" "$(cat "$T_DIR/lim")" \
	"../../etc/passwd:None big.png:over max_attachment_size"

printf 'From: "Evil\033[31m" <e@example.org>\nSubject: x\n\nhi\033]0;t\007 there\n' > "$T_DIR/esc.eml"
"$MAILROOM" activity preview "$T_DIR/esc.eml" > "$T_DIR/esc.out"
check_eq "readable form: no escape character reaches the terminal" \
	"$(tr -d '\n' < "$T_DIR/esc.out" | tr -cd '\033\007' | wc -c)" 0
check_grep "readable form names the sender" 'Evil?\[31m <e@example.org>' "$T_DIR/esc.out"
check_grep "readable form shows the text" 'hi?]0;t? there' "$T_DIR/esc.out"

"$MAILROOM" activity preview --json "$T_DIR/none.eml" "$M" > "$T_DIR/two.json" 2> "$T_DIR/two.err"
rc=$?
check_eq "a missing file: EX_NOINPUT" "$rc" 66
check_eq "... and the other file is still read" "$(wc -l < "$T_DIR/two.json")" 1
check_grep "... the error names the file" "none.eml" "$T_DIR/two.err"

"$MAILROOM" activity > /dev/null 2>&1
check_eq "no subcommand: usage (EX_USAGE)" $? 64

done_testing
