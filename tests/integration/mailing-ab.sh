#!/bin/bash
# SPDX-License-Identifier: MIT
# A/B tests end to end through transport-spool: mailing ab-test splits a mailing's recipients
# in the stated fraction (each variant floor(N * PCT / 200), deterministic), the two tests go
# out, opens are counted by a real `mailroom serve`, mailroom cron picks the winner by opens
# after the set time (ab-pick A|B by hand), the winner's content goes to exactly the rest,
# nobody gets two messages, and mailing stats shows each variant (--json too).
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl
. "$MR_SRCDIR/tests/servers/serve.sh"
serve_site abtest http "base_url = $BASE/
rate_limit = 0" > "$T_DIR/site.ini"
{
	echo "email,first_name,last_name,groups"
	for i in $(seq 1 103); do echo "u$i@example.net,F$i,L$i,news"; done
	echo "gone@example.net,Gone,Away,news;left"
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
mr group add held > /dev/null
printf 'Hello {contact.first_name}, plain A\n' > "$T_DIR/a.txt"
printf '<p>Hello {contact.first_name}, this is A</p>\n' > "$T_DIR/a.html"
printf '<p>Hello {contact.first_name}, this is B</p>\n' > "$T_DIR/b.html"
mk() { mr mailing create --name "$1" --subject "Subject A" --text "$T_DIR/a.txt" --html "$T_DIR/a.html" \
	--include-group news --exclude-group left --track-opens | sed -n 's/^mailing \([0-9]*\) created.*/\1/p'; }
id=$(mk News)
# 103 recipients (gone@ is excluded): 20 % gives each variant floor(103 * 20 / 200) = 10
mr mailing ab-test "$id" --fraction 20 > /dev/null 2> "$T_DIR/err"
check_eq "ab-test without a variant B: exit 64" "$?" 64
mr mailing ab-test "$id" --fraction 1 --subject-b B > /dev/null 2>&1
check_eq "ab-test --fraction 1: exit 64" "$?" 64
mr mailing ab-test "$id" --fraction 20 --subject-b "Subject B" --html-b "$T_DIR/b.html" \
	--by opens --after 2 --schedule now > "$T_DIR/ab.out"
check_eq "ab-test: exit 0" "$?" 0
check_grep "and says how it splits" "A/B test of 103 recipients: mailing [0-9]* (A) to 10, mailing [0-9]* (B) to 10, the winner to the other 83" \
	"$T_DIR/ab.out"
ida=$(sed -n 's/.*: mailing \([0-9]*\) (A).*/\1/p' "$T_DIR/ab.out")
idb=$(sed -n 's/.*, mailing \([0-9]*\) (B).*/\1/p' "$T_DIR/ab.out")
gm() { q "SELECT count(*) FROM group_contact gc JOIN contact_groups g ON g.id = gc.group_id WHERE g.name = '$1' AND gc.status = 'Added'"; }
check_eq "group ab-$id-a holds 10" "$(gm "ab-$id-a")" 10
check_eq "group ab-$id-b holds 10" "$(gm "ab-$id-b")" 10
mr mailing ab-test "$id" --fraction 20 --subject-b again > /dev/null 2>&1
check_eq "a second ab-test of the same mailing: exit 65" "$?" 65
mr mailing ab-pick "$id" auto > /dev/null 2> "$T_DIR/err"
check_eq "ab-pick auto before the tests are sent: exit 75" "$?" 75
mr mailing schedule "$id" now > /dev/null 2> "$T_DIR/err"
check_eq "the mailing itself cannot be scheduled before a winner: exit 65" "$?" 65
check_grep "saying how" "ab-pick $id A|B|auto" "$T_DIR/err"

# the same split on a second store run: the split is deterministic
id2=$(mk Again)
mr mailing ab-test "$id2" --fraction 20 --subject-b "Subject B" > /dev/null
check_eq "a copy's split has the same size" "$(gm "ab-$id2-a"),$(gm "ab-$id2-b")" "10,10"

mr job run mailing > /dev/null 2>&1
sent() { q "SELECT count(*) FROM mail_spool WHERE subject = '$1'"; }
check_eq "the tests went out: 10 with subject A" "$(sent "Subject A")" 10
check_eq "and 10 with subject B" "$(sent "Subject B")" 10
check_eq "nobody else got anything yet" "$(q "SELECT count(*) FROM mail_spool")" 20
check_eq "A went to its group" "$(q "SELECT count(*) FROM mail_spool s JOIN emails e ON e.email = s.recipient JOIN group_contact gc ON gc.contact_id = e.contact_id JOIN contact_groups g ON g.id = gc.group_id AND g.name = 'ab-$id-a' WHERE s.subject = 'Subject A'")" 10
check "serve listens" serve_start
# opens: three B recipients and one A recipient open their message
html_of() { q "SELECT headers || char(13,10) || body FROM mail_spool WHERE id = $1" | python3 -c 'import sys, email
m = email.message_from_bytes(sys.stdin.buffer.read())
for p in m.walk():
    if p.get_content_type() == "text/html":
        sys.stdout.write(p.get_payload(decode=True).decode())'; }
open_n() { # open_n SUBJECT N: the first N recipients of SUBJECT open it
	for sid in $(q "SELECT id FROM mail_spool WHERE subject = '$1' ORDER BY id LIMIT $2"); do
		curl -s -o /dev/null "$(html_of "$sid" | grep -o "$BASE/o?mr=[^\"]*")"
	done
}
open_n "Subject B" 3
open_n "Subject A" 1
# serve records hits in batches: wait (10 s at most) until the four are in
for _ in $(seq 1 100); do [ "$(q "SELECT count(*) FROM track_hits")" -ge 4 ] && break; sleep 0.1; done
check_grep "B's HTML is its own" "this is B" <(html_of "$(q "SELECT id FROM mail_spool WHERE subject = 'Subject B' LIMIT 1")")
mr mailing stats "$id" --json > "$T_DIR/st.json"
check_grep "stats --json: each variant" '"ab": *{"a": *{"mailing": *'"$ida"', *"recipients": *10, *"sent": *10, *"delivered": *10, *"opened": *1, *"clicked": *0}, *"b": *{"mailing": *'"$idb"', *"recipients": *10, *"sent": *10, *"delivered": *10, *"opened": *3' "$T_DIR/st.json"
check_grep "no winner yet" '"winner": *null, *"by": *"opens", *"fraction": *20' "$T_DIR/st.json"
check_grep "stats: a line per variant" "^  A/B B      mailing $idb: 10 recipients, 10 sent, 10 delivered, 3 opened" <(mr mailing stats "$id")
sleep 2
# mailroom cron picks the winner once the set time has passed and its
# mailing job sends the rest in the same run
mr cron > "$T_DIR/pick.out" 2>&1
check_eq "cron after the set time: exit 0" "$?" 0
check_grep "B won by opens" '"winner": *"b"' <(mr mailing stats "$id" --json)
check_eq "the rest got the winner in that cron run: 83 more with subject B" "$(sent "Subject B")" 93
mr mailing ab-pick "$id" A > /dev/null 2>&1
check_eq "a second pick: exit 65" "$?" 65
mr job run mailing > /dev/null 2>&1
check_eq "nothing more for B" "$(sent "Subject B")" 93
check_eq "and no more with subject A" "$(sent "Subject A")" 10
check_eq "every recipient got exactly one message" \
	"$(q "SELECT count(*), count(DISTINCT recipient) FROM mail_spool WHERE recipient LIKE 'u%'")" "103|103"
check_eq "the excluded contact got none" "$(q "SELECT count(*) FROM mail_spool WHERE recipient = 'gone@example.net'")" 0
check_grep "the rest has B's HTML" "this is B" <(html_of "$(q "SELECT max(id) FROM mail_spool")")
check_grep "stats: the winner" '"winner": *"b"' <(mr mailing stats "$id" --json)

# by hand: A wins, the rest gets A's content
mr job run mailing > /dev/null 2>&1
before=$(sent "Subject A")
mr mailing ab-pick "$id2" a > "$T_DIR/pick2.out"
check_eq "ab-pick by hand: exit 0" "$?" 0
mr job run mailing > /dev/null 2>&1
check_eq "the rest of the second mailing got A" "$(( $(sent "Subject A") - before ))" 83
serve_stop
done_testing
