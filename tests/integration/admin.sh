#!/bin/bash
# SPDX-License-Identifier: MIT
# What a site admin trips over (issue 18, and the INI part of issue 17): duplicate keys, empty and environment secrets, config dump of every section, what config check must refuse, quiet cron, account fetch that changes nothing unless asked, and documented settings that must be honoured when sending.
. "$MR_SRCDIR/tests/lib.sh"
ini=$T_DIR/site.ini
mr() { "$MAILROOM" --config "$ini" "$@"; }
printf 'admin-test-secret-0123456789\n' > "$T_DIR/secret"
chmod 600 "$T_DIR/secret"
mkdir -p "$T_DIR/bounce/new" "$T_DIR/bounce/cur" "$T_DIR/bounce/tmp"
# base [SECTION-LINES...]: a spool site with a bounce Maildir and the mailing job
base() {
	cat > "$ini" <<INI
[mailroom]
site = admintest
transport = spool
lock_dir = $T_DIR
$MAIN
[store-sqlite]
path = $T_DIR/mailroom.db
[account-bounce]
fetch = maildir
used_for = bounce
source = $T_DIR/bounce
localpart = return+
domain = example.org
$ACCT
[job-process-mailing]
INI
	for l in "$@"; do echo "$l" >> "$ini"; done
}

# ---- INI: a key or section given twice names both lines
MAIN="from = news@example.org
secret_file = $T_DIR/secret" ACCT="" base
cp "$ini" "$T_DIR/good.ini"
printf '[job-process-mailing]\nbatch_size = 5\n' >> "$ini"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "a section given twice: exit 78" "$?" 78
l1=$(grep -n '^\[job-process-mailing\]' "$ini" | head -1 | cut -d: -f1)
l2=$(grep -n '^\[job-process-mailing\]' "$ini" | tail -1 | cut -d: -f1)
check_grep "it names both lines" "site.ini:$l2: section \[job-process-mailing\] is given twice (first at line $l1)" "$T_DIR/err"
cp "$T_DIR/good.ini" "$ini"
sed -i 's/^site = admintest$/site = admintest\nlog_level = info\nsite = other/' "$ini"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "a key given twice: exit 78" "$?" 78
check_grep "it names both lines" "site.ini:4: \[mailroom\] site is given twice (first at line 2)" "$T_DIR/err"

# ---- an empty secret file fails config check, not the first run
cp "$T_DIR/good.ini" "$ini"
: > "$T_DIR/empty"; chmod 600 "$T_DIR/empty"
sed -i "s|^secret_file = .*|secret_file = $T_DIR/empty|" "$ini"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "an empty secret file: config check exits 78" "$?" 78
check_grep "it says the file is empty" "secret_file: secret file $T_DIR/empty is empty" "$T_DIR/err"

# ---- a mailing job with no secret: config check names it, cron refuses before building a queue
sed -i '/^secret_file = /d' "$ini"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "no secret, mailing job enabled: config check exits 78 (was ok)" "$?" 78
check_grep "it names the job and what it needs" \
	"\[job-process-mailing\] (plugin process-mailing) needs the site secret, which is not set" "$T_DIR/err"
printf 'email,first_name,groups\na@example.net,A,news\nb@example.net,Bé,news\n' > "$T_DIR/c.csv"
mr contact import "$T_DIR/c.csv" > /dev/null
echo 'Hello {contact.first_name}' > "$T_DIR/t.txt"
mid=$(mr mailing create --name one --subject One --text "$T_DIR/t.txt" --include-group news \
	--schedule now | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr cron > /dev/null 2> "$T_DIR/err"
check_eq "cron with no secret exits 78 (was 70)" "$?" 78
check_grep "and names the missing secret" "needs the site secret" "$T_DIR/err"
check_grep "the mailing was not started" '"status":"scheduled"' <(mr mailing list --json)
MAILROOM_MAILROOM_SECRET=env-secret-0123456789 mr config check > "$T_DIR/out" 2>&1
check_eq "the secret in the environment: config check ok" "$?" 0
MAILROOM_MAILROOM_SECRET=env-secret-0123456789 mr config dump > "$T_DIR/dump"
check_grep "config dump shows an environment secret as set, masked, and where from" \
	'^secret = \*\*\*\*\*\*\*\*    ; set, from the environment, MAILROOM_MAILROOM_SECRET$' "$T_DIR/dump"
mr config dump > "$T_DIR/dump"
check_grep "and an unset one as not set" '^; secret is not set$' "$T_DIR/dump"

# ---- quiet cron: nothing on success without a terminal or with --quiet
cp "$T_DIR/good.ini" "$ini"
mr cron > "$T_DIR/cron.out" 2> "$T_DIR/cron.err"
check_eq "cron (no terminal) sends the mailing: exit 0" "$?" 0
check_eq "cron (no terminal) prints nothing on stdout" "$(cat "$T_DIR/cron.out")" ""
check_eq "cron (no terminal) prints nothing on stderr (was a notice per mailing)" "$(cat "$T_DIR/cron.err")" ""
check_eq "both recipients spooled" "$(mr spool list --json | wc -l)" 2
mr mailing create --name two --subject Two --text "$T_DIR/t.txt" --include-group news --schedule now > /dev/null
script -qec "$MAILROOM --config $ini --quiet cron" /dev/null > "$T_DIR/tty.out" 2>&1
check_eq "--quiet cron on a terminal prints nothing either" "$(tr -d '\r\n' < "$T_DIR/tty.out")" ""
check_eq "and sent the second mailing" "$(mr spool list --json | wc -l)" 4
mr mailing create --name three --subject Three --text "$T_DIR/t.txt" --include-group news --schedule now > /dev/null
script -qec "$MAILROOM --config $ini cron" /dev/null > "$T_DIR/tty.out" 2>&1
check_grep "on a terminal without --quiet cron reports its jobs" "job process-mailing: ok" "$T_DIR/tty.out"

# ---- config dump: every section, the keys of a transport not in use as written
cp "$T_DIR/good.ini" "$ini"
printf '[transport-smtp]\nhost = 127.0.0.1\nport = 2525\npassword_file = %s\n' "$T_DIR/secret" >> "$ini"
for t in spool sendmail mail disabled; do
	sed -i "s/^transport = .*/transport = $t/" "$ini"
	mr config dump > "$T_DIR/dump" 2> "$T_DIR/err"
	check_eq "config dump with [transport-smtp] while transport = $t: exit 0" "$?" 0
	check_grep "and it shows [transport-smtp]'s keys" '^port = 2525 .*not in use' "$T_DIR/dump"
done
mr config dump --json > "$T_DIR/dump.json"
check "config dump --json is valid JSON with [transport-smtp]" /usr/bin/python3 -c \
	'import json,sys; d=json.load(open(sys.argv[1])); assert d["transport-smtp"]["host"] == "127.0.0.1"' "$T_DIR/dump.json"

# ---- two accounts reading one mailbox are refused
cp "$T_DIR/good.ini" "$ini"
printf '[account-act]\nfetch = maildir\nused_for = activity\nsource = %s\n' "$T_DIR/bounce" >> "$ini"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "one mailbox for a bounce and an activity account, but no jobs reading both: ok" "$?" 0
printf '[job-fetch-bounces]\n[job-fetch-activities]\n' >> "$ini"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "bounce and activity account on one mailbox, both jobs on: exit 78" "$?" 78
check_grep "it names both accounts" "\[account-act\] (used_for = activity) reads the same mailbox as \[account-bounce\]" "$T_DIR/err"

# ---- a mistyped job plugin gets a did-you-mean
cp "$T_DIR/good.ini" "$ini"
printf '[job-x]\nplugin = proces-mailing\n' >> "$ini"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "a mistyped job plugin: exit 78" "$?" 78
check_grep "it suggests the right one" "did you mean 'process-mailing'" "$T_DIR/err"

# ---- from as a name-addr
cp "$T_DIR/good.ini" "$ini"
sed -i 's/^from = .*/from = "News, Inc. <news@example.org>"/' "$ini"
mr config check > "$T_DIR/out" 2>&1
check_eq "from = \"News, Inc. <news@example.org>\" is accepted (was: not an address)" "$?" 0
mr send-test --subject nameaddr a@example.net > /dev/null 2>&1
mr spool show "$(spooled_id nameaddr)" > "$T_DIR/msg"
check_grep "and the message is From the name and the address" '^From: .*News, Inc.*<news@example.org>' "$T_DIR/msg"
sed -i 's/^from = .*/from = News <news@example.org>/' "$ini"
mr config check > "$T_DIR/out" 2>&1
check_eq "from = News <news@example.org>, unquoted, is accepted" "$?" 0
printf 'from_name = Other\n' > "$T_DIR/fn"; sed -i "/^from = /r $T_DIR/fn" "$ini"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "a display name in from and from_name too: exit 78" "$?" 78

# ---- sending honours verp_separator, return_path and an http unsubscribe_url
# mailing MAIN ACCT BOUNCE: a fresh store, one mailing sent; prints the message of a@
mailing() {
	rm -f "$T_DIR/mailroom.db"
	MAIN="from = news@example.org
secret_file = $T_DIR/secret
$1" ACCT="$2" base
	[ -n "$3" ] && printf '[bounce]\n%s\n' "$3" >> "$ini"
	mr contact import "$T_DIR/c.csv" > /dev/null
	mr mailing create --name m --subject M --text "$T_DIR/t.txt" --include-group news --schedule now > /dev/null
	mr cron > /dev/null 2>&1
	mr spool show "$(mr spool list --json | grep '"recipient":"a@example.net"' | sed 's/^{"id":\([0-9]*\).*/\1/')"
}
mailing "unsubscribe_url = http://example.org/u" "" "verp_separator = -" > "$T_DIR/m1"
check_grep "verp_separator = - is used when sending (was .)" '^X-Mailroom-Id: <return+b-[0-9]*-[0-9]*-[0-9a-f]*@example.org>' "$T_DIR/m1"
check_grep "an http unsubscribe_url is in List-Unsubscribe" '<http://example.org/u?mr=' "$T_DIR/m1"
check "but gets no one-click List-Unsubscribe-Post (RFC 8058 needs https)" \
	sh -c "! grep -q '^List-Unsubscribe-Post' '$T_DIR/m1'"
# the unsubscribe address of that message, mailed back, opts the contact out
unsub=$(grep -o '<mailto:return+u-[^>]*>' "$T_DIR/m1" | sed 's/<mailto:\(.*\)>/\1/')
printf 'From: a@example.net\nTo: %s\nSubject: unsubscribe\nMessage-ID: <u1@example.net>\n\nplease\n' "$unsub" \
	> "$T_DIR/bounce/new/1.unsub"
printf '[job-fetch-bounces]\n' >> "$ini"
mr cron > /dev/null 2> "$T_DIR/fb.err"
check_eq "the unsubscribe mailed to the very address sent takes a@ out of the group (was: not a VERP address of ours)" \
	"$(mr group members news --json | grep -o '"email":"[a-z]*@example.net"' | tr '\n' ' ')" '"email":"b@example.net" '

mailing "unsubscribe_url = https://example.org/u" "return_path = bounces@mail.example.org" "" > "$T_DIR/m2"
check_grep "return_path gives the VERP address (was ignored)" '^X-Mailroom-Id: <bounces+b\.[0-9]*\.[0-9]*\.[0-9a-f]*@mail.example.org>' "$T_DIR/m2"
check_grep "an https unsubscribe_url gets one-click" '^List-Unsubscribe-Post: List-Unsubscribe=One-Click' "$T_DIR/m2"

# ---- account fetch changes nothing unless asked
cp "$T_DIR/good.ini" "$ini"
rm -f "$T_DIR"/bounce/new/* "$T_DIR"/bounce/cur/*
printf 'From: MAILER-DAEMON@example.net\nTo: return+x@example.org\nSubject: bounce\n\nx\n' > "$T_DIR/bounce/new/2.b"
mr account fetch bounce > "$T_DIR/out" 2>&1
check_eq "account fetch NAME with no option: exit 0" "$?" 0
check_eq "and the message stays where it was" "$(ls "$T_DIR/bounce/new" | wc -l)" 1
mr account fetch bounce --spool > /dev/null 2> "$T_DIR/err"
check_eq "--spool on a used_for = bounce account without --consume: exit 64" "$?" 64
check_grep "it says why" "used_for = bounce: --spool would move its messages" "$T_DIR/err"
check_eq "and the message stays" "$(ls "$T_DIR/bounce/new" | wc -l)" 1
mr account fetch bounce --spool --consume > /dev/null 2>&1
check_eq "--spool --consume moves it" "$(ls "$T_DIR/bounce/new" | wc -l)" 0

# ---- bounce classify: a complaint report has no status or hard/soft: "-", never "null"
cat > "$T_DIR/arf.eml" <<'ARF'
From: abuse@isp.example
To: return+x@example.org
Subject: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b"

--b
Content-Type: text/plain

This is an abuse report.
--b
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: test/1.0
Version: 1
Original-Rcpt-To: <c@example.net>

--b
Content-Type: message/rfc822

From: news@example.org
To: c@example.net
Subject: News

hello
--b--
ARF
"$MAILROOM" --config /nonexistent bounce classify "$T_DIR/arf.eml" > "$T_DIR/arf.out" 2>/dev/null
check_grep "bounce classify reads the complaint" 'c@example.net' "$T_DIR/arf.out"
check "and its text output has no null (was: null null)" sh -c "! grep -q null '$T_DIR/arf.out'"

# ---- --json output is valid UTF-8 whatever the message holds: invalid bytes become U+FFFD
# (table: the bytes in a Received hop's from, and the string JSON must carry)
while IFS='|' read -r what bytes want; do
	printf "Received: from $bytes (h [192.0.2.1]) by mx.example.org with ESMTP; Mon, 7 Dec 2026 00:00:00 +0000\nFrom: x@example.net\nSubject: s\n\nbody\n" > "$T_DIR/u.eml"
	"$MAILROOM" --config /nonexistent inspect "$T_DIR/u.eml" --json > "$T_DIR/u.json" 2>/dev/null
	got=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))["received"][0]["from"].encode("unicode_escape").decode())' "$T_DIR/u.json" 2>&1 | tail -1)
	check_eq "inspect --json, $what: valid UTF-8 JSON" "$got" "$want"
done <<'TABLE'
a lone 0xff byte|b\xffd.example|b\ufffdd.example
Latin-1 é|h\xe9llo.example|h\ufffdllo.example
an overlong /|a\xc0\xafb|a\ufffd\ufffdb
a UTF-16 surrogate|a\xed\xa0\x80b|a\ufffd\ufffd\ufffdb
a cut sequence|a\xe2\x9cb|a\ufffd\ufffdb
valid UTF-8 kept|gr\xc3\xbc\xc3\x9fe\xe2\x9c\x93|gr\xfc\xdfe\u2713
TABLE

# ---- lists have a header row, and columns line up by display width, not bytes
cp "$T_DIR/good.ini" "$ini"
rm -f "$T_DIR/mailroom.db"
printf 'email,first_name,last_name,groups\nascii@example.net,Anna,Smith,w\numlaut@example.net,Jürgen,Größe,w\ncjk@example.net,山田,太郎,w\ncyr@example.net,Ольга,Петрова,w\n' > "$T_DIR/w.csv"
mr contact import "$T_DIR/w.csv" > /dev/null
mr group add "Grüße-群" --title "wide" > /dev/null
mr mailing create --name "Frühling 春" --subject S --text "$T_DIR/t.txt" --include-group w > /dev/null
mr contact list > "$T_DIR/cl.txt"; mr group list > "$T_DIR/gl.txt"; mr mailing list > "$T_DIR/ml.txt"
mr activity list > "$T_DIR/al.txt"; mr group members w > "$T_DIR/gm.txt"
for f in cl gl ml al gm; do
	check_grep "$f: a header row first" '^ID ' <(head -1 "$T_DIR/$f.txt")
done
# the display column where each of the first columns starts is the same on every row
/usr/bin/python3 - "$T_DIR/cl.txt" "$T_DIR/gm.txt" "$T_DIR/gl.txt" "$T_DIR/ml.txt" > "$T_DIR/cols" <<'PY'
import sys, unicodedata
def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in s)
for f in sys.argv[1:]:
    lines = open(f, encoding='utf-8').read().splitlines()
    # start columns of the fields, by display width
    starts = []
    for l in lines:
        cols, w, prev = [], 0, ' '
        for c in l:
            if c != ' ' and prev == ' ':
                cols.append(w)
            w += width(c); prev = c
        # group list: MEMBERS is right-aligned, so its start is not compared
        pick = [0, 1, 3] if f.endswith('gl.txt') else [0, 1, 2, 3]
        starts.append(tuple(cols[i] if i < len(cols) else None for i in pick))
    print(f.rsplit('/', 1)[1], 'aligned' if len(set(starts)) == 1 else 'NOT aligned: %s' % starts)
PY
check_eq "contact list, group members, group list, mailing list: columns line up with non-ASCII names" \
	"$(cut -d' ' -f2- "$T_DIR/cols" | sort -u)" "aligned"

# ---- every key of the core tables (jobs included) is documented in etc/mailroom.ini
"$MAILROOM" --config "$MR_SRCDIR/etc/mailroom.ini" config dump --json > "$T_DIR/shipped.json" 2> "$T_DIR/err"
check_eq "the shipped etc/mailroom.ini dumps" "$?" 0
/usr/bin/python3 - "$MR_SRCDIR/etc/mailroom.ini" "$T_DIR/shipped.json" "$T_N" "$T_DIR/n" <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding='utf-8').read()
dump = json.load(open(sys.argv[2]))
n = int(sys.argv[3]); failed = 0
for sec, keys in dump.items():
    if not sec.startswith('job-'):
        continue
    for k in keys:
        n += 1
        ok = re.search(r'^\s*;?\s*%s\s*=' % re.escape(k), text, re.M) is not None
        failed += not ok
        print('%sok %d - etc/mailroom.ini documents [%s] %s' % ('' if ok else 'not ', n, sec, k))
open(sys.argv[4], 'w').write('%d %d' % (n, failed))
PY
read -r T_N py_failed < "$T_DIR/n"
T_FAILED=$((T_FAILED + py_failed))
done_testing
