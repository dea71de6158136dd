#!/bin/bash
# SPDX-License-Identifier: MIT
# Smart groups on tracking (issue 20, item 3): `opened mailing ID` and `clicked mailing ID` after real pixel and click hits through a running `mailroom serve`, each group's members compared with the set worked out by hand from the hits made; combined with and/or/not and received mailing; defined before any tracking table exists; bad ones refused with their column.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl

. "$MR_SRCDIR/tests/servers/serve.sh"
serve_site tracksmart http "base_url = $BASE
rate_limit = 0" > "$T_DIR/site.ini"
# defined first, on a store without tracking tables yet: they are made then
mr group add early --where "opened mailing 1" > "$T_DIR/early.out" 2>&1
check_eq "a group on opens can be defined before any tracking ($(cat "$T_DIR/early.out"))" "$?" 0
check_eq "... and has no member" "$(mr group members early --json | wc -l)" 0
{
	echo "email,first_name,last_name,groups"
	for i in 1 2 3 4 5 6; do echo "u$i@example.net,F$i,L$i,news"; done
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
printf '<html><body><p>Hi {contact.first_name}</p><a href="https://example.org/x">x</a></body></html>\n' > "$T_DIR/t.html"
printf 'Hi {contact.first_name}\n' > "$T_DIR/t.txt"
made() { sed -n 's/^mailing \([0-9]*\) created.*/\1/p'; }
a=$(mr mailing create --name A --subject "A" --text "$T_DIR/t.txt" --html "$T_DIR/t.html" \
	--include-group news --track-opens --track-clicks --schedule now | made)
mr job run mailing > /dev/null 2>&1
b=$(mr mailing create --name B --subject "B" --text "$T_DIR/t.txt" --html "$T_DIR/t.html" \
	--include-group news --track-opens --track-clicks --schedule now | made)
mr job run mailing > /dev/null 2>&1
check_eq "both mailings went to the 6 contacts" "$(q "SELECT count(*) FROM mail_spool")" 12

# url N SUBJECT KIND: u N's pixel (o) or click (c) URL in mailing SUBJECT
url() { q "SELECT headers || char(13,10) || body FROM mail_spool WHERE recipient = 'u$1@example.net' AND subject = '$2'" |
	python3 -c 'import sys, email
m = email.message_from_bytes(sys.stdin.buffer.read())
for p in m.walk():
    if p.get_content_type() == "text/html":
        sys.stdout.write(p.get_payload(decode=True).decode())' |
	grep -o "$BASE/$3?mr=[A-Za-z0-9.]*" | head -1; }
hit() { curl -s -o /dev/null -w '%{http_code}' "$(url "$1" "$2" "$3")"; }

check "mailroom serve listens" serve_start
# the hits, by hand: A opened by 1, 2, 3 (2 twice); A clicked by 2 and 4 (4
# without loading images); B opened by 5; B clicked by 6
for h in "1 A o" "2 A o" "2 A o" "3 A o" "2 A c" "4 A c" "5 B o" "6 B c"; do
	set -- $h
	check_eq "hit: u$1 mailing $2 $3" "$(hit "$1" "$2" "$3")" "$([ "$3" = o ] && echo 200 || echo 302)"
done
check "serve stops (every hit written)" serve_stop
check_eq "8 hits recorded" "$(q "SELECT count(*) FROM track_hits")" 8

# members NAME EXPR: the emails of a new smart group, sorted, on one line
members() {
	mr group add "$1" --where "$2" > /dev/null || echo "group add $1 failed"
	mr group members "$1" --json | python3 -c 'import sys, json
print(" ".join(sorted(json.loads(l)["email"] for l in sys.stdin)))'
}
check_eq "opened mailing A" "$(members oa "opened mailing $a")" \
	"u1@example.net u2@example.net u3@example.net"
check_eq "clicked mailing A" "$(members ca "clicked mailing $a")" "u2@example.net u4@example.net"
check_eq "opened A and not clicked A" "$(members oanc "opened mailing $a and not clicked mailing $a")" \
	"u1@example.net u3@example.net"
check_eq "opened B or clicked A" "$(members oboca "opened mailing $b or clicked mailing $a")" \
	"u2@example.net u4@example.net u5@example.net"
check_eq "received A and not (opened A or clicked A)" \
	"$(members cold "received mailing $a and not (opened mailing $a or clicked mailing $a)")" \
	"u5@example.net u6@example.net"
check_eq "clicked B and a contact column" \
	"$(members cb "clicked mailing $b and first_name = 'F6'")" "u6@example.net"
check_eq "opened mailing of an unknown mailing: nobody" "$(members none "opened mailing 999")" ""
check_eq "the early group (mailing 1 is A) is evaluated again" \
	"$(mr group members early --json | wc -l)" "$([ "$a" = 1 ] && echo 3 || echo 0)"

# a mailing to a tracking group: its queue is evaluated at build time
mr mailing create --name C --subject "C" --text "$T_DIR/t.txt" --include-group ca \
	--schedule now > /dev/null
mr job run mailing > /dev/null 2>&1
check_eq "a mailing to 'clicked A' reached u2 and u4" \
	"$(q "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM mail_spool WHERE subject = 'C' ORDER BY recipient)")" \
	"u2@example.net u4@example.net"

bad() {
	mr group add bad --where "$1" > /dev/null 2> "$T_DIR/err"
	check_eq "bad: $1: exit 65" "$?" 65
	check_grep "bad: $1: $2" "$2" "$T_DIR/err"
}
bad "opened mailing x" "column 16: a mailing id expected after \"opened mailing\""
bad "clicked mailing" "column 16: a mailing id expected after \"clicked mailing\""
bad "opened $a" "column 8: \"mailing\" expected"
done_testing
