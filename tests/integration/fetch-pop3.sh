#!/bin/bash
# SPDX-License-Identifier: MIT
# fetch-pop3 against a real Dovecot started here: POP3S refused without
# ca_file and accepted with it, STLS, a wrong password, copies kept in dated
# local Maildirs before the server deletes, a crash between commit and
# disposal, a connection dropped mid-fetch, keep, 1,000 messages.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/dovecot.sh"
needs openssl /usr/sbin/dovecot /usr/bin/python3
dovecot_start

# a fixed clock: the date folders are predictable
export MAILROOM_FAKE_NOW=1795000000
DAY=$(date -d @$MAILROOM_FAKE_NOW +%Y-%m-%d)
M="$MAILROOM --config $T_DIR/site.ini"
U=$DC_USER
COPIES=$T_DIR/copies
dovecot_password_files
PROXY=$(free_port)
copies() { find "$COPIES/$1/$DAY/new" -type f 2>/dev/null | wc -l | tr -d ' '; }

# copying_account NAME [KEY=VALUE...]: a POP3 account keeping copies in $COPIES
copying_account() { dovecot_account "$1" pop3 "${@:2}" "processed_dir=$COPIES"; }
# write_config DROP_PORT: the site, the "drop" account pointing at DROP_PORT
write_config() {
	{
		spool_site
		copying_account pop3s used_for=bounce
		copying_account noca ca_file=
		copying_account stls server=localhost "port=$DC_POP3" tls=starttls
		copying_account badpass "password_file=$T_DIR/badpass"
		copying_account drop "port=$1" tls=none ca_file=
		dovecot_account keep pop3 username=other "password_file=$T_DIR/otherpass" dispose=keep
	} > "$T_DIR/site.ini"
}
write_config "$PROXY"

$M account test noca > "$T_DIR/noca.out" 2>&1
check_eq "POP3S: a self-signed certificate is refused without ca_file" "$?" 78
check_grep "with the reason" 'TLS: certificate of 127.0.0.1 not trusted' "$T_DIR/noca.out"
$M account test pop3s > "$T_DIR/ok.out" 2>&1
check_eq "accepted with ca_file" "$?" 0
check_grep "an empty mailbox" '0 messages waiting' "$T_DIR/ok.out"
$M account test stls > "$T_DIR/stls.out" 2>&1
check_eq "STLS, name localhost verified" "$?" 0
$M account test badpass > "$T_DIR/bad.out" 2>&1
check_eq "a wrong password is EX_CONFIG" "$?" 78
check_grep "named as auth" "auth: login as $U on 127.0.0.1 refused" "$T_DIR/bad.out"

# ---- fetch, copies, deletion
dovecot_put "$U" 5
printf 'Subject: no sender\n\nnot for us\n.a line with a leading dot\n..and two\n.\nend\n' \
	> "$T_DIR/nofrom.orig"
dovecot_put_raw "$U" 1700000000.M0P0.nofrom < "$T_DIR/nofrom.orig"
$M account fetch pop3s --dry-run > "$T_DIR/dry.out"
check_eq "dry run lists 6 by UIDL" "$(grep -c 'test message\|no sender' "$T_DIR/dry.out")" 6
check_eq "the dry run deleted nothing" "$(dovecot_count "$U" "")" 6
$M account fetch pop3s --spool --consume > "$T_DIR/run1.out" 2> "$T_DIR/run1.err"
check_eq "a run exits 0" "$?" 0
check_grep "5 processed, 1 ignored" '6 waiting, 5 processed, 1 ignored' "$T_DIR/run1.out"
check_eq "5 copies in processed/$DAY" "$(copies processed)" 5
check_eq "1 copy in ignored/$DAY" "$(copies ignored)" 1
check "the copy has the original bytes (dot-stuffed lines restored)" \
	cmp -s "$T_DIR/nofrom.orig" "$(ls "$COPIES/ignored/$DAY/new/"* | head -1)"
check_eq "deleted from the server after the copies" "$(dovecot_count "$U" "")" 0
$M spool show "$(spooled_id "test message 2")" | tr -d '\r' > "$T_DIR/show.out"
check "the copy holds the same bytes as the stored result" cmp -s "$T_DIR/show.out" \
	"$(grep -l 'test message 2$' "$COPIES/processed/$DAY/new/"* | head -1)"

# ---- a crash between commit and disposal
dovecot_put "$U" 6
MAILROOM_TEST_CRASH_AFTER_COMMIT=3 $M account fetch pop3s --spool --consume > /dev/null 2>&1
check_eq "the crash hook exits 75" "$?" 75
check_eq "without QUIT the server deleted nothing" "$(dovecot_count "$U" "")" 6
check_eq "3 results committed" "$(spooled)" 8
$M account fetch pop3s --spool --consume > "$T_DIR/after.out" 2>&1
check_grep "3 recognised by UIDL, 3 new" '6 waiting, 3 processed, 0 ignored, 3 already recorded' "$T_DIR/after.out"
check_eq "each counted once" "$(spooled)" 11
check_eq "one copy each (no duplicate copies)" "$(copies processed)" 11
check_eq "all deleted" "$(dovecot_count "$U" "")" 0

# ---- a connection dropped mid-fetch
dovecot_proxy "$PROXY" "$DC_POP3" --drop-after 150000
dovecot_put "$U" 300 "" 1000
before=$(spooled)
$M account fetch drop --spool --consume > "$T_DIR/drop.out" 2> "$T_DIR/drop.err"
check_eq "a dropped connection is EX_TEMPFAIL" "$?" 75
check_grep "that says so" 'connection to 127.0.0.1 lost during' "$T_DIR/drop.err"
got=$(( $(spooled) - before ))
check "some were done before the drop ($got)" test "$got" -gt 0 -a "$got" -lt 300
check_eq "the server still has all 300 (no QUIT)" "$(dovecot_count "$U" "")" 300
write_config "$DC_POP3"
$M account fetch drop --spool --consume > "$T_DIR/drop2.out" 2>&1
check_eq "the next run resumes" "$?" 0
check_grep "recognising those done" "300 waiting, $((300 - got)) processed, 0 ignored, $got already" "$T_DIR/drop2.out"
check_eq "nothing lost, nothing twice" "$(( $(spooled) - before ))" 300
check_eq "all deleted" "$(dovecot_count "$U" "")" 0

# ---- keep
dovecot_put other 2
$M account fetch keep --spool --consume > "$T_DIR/keep1.out" 2>&1
$M account fetch keep --spool --consume > "$T_DIR/keep2.out" 2>&1
check_grep "keep: processed once" '2 waiting, 2 processed' "$T_DIR/keep1.out"
check_grep "keep: then recognised by UIDL" '2 waiting, 0 processed, 0 ignored, 2 already' "$T_DIR/keep2.out"
check_eq "keep: left on the server" "$(dovecot_count other "")" 2

# ---- 1,000 in one run
dovecot_put "$U" 1000 "" 1500
before=$(spooled)
t0=$(date +%s.%N)
$M account fetch pop3s --spool --consume > "$T_DIR/big.out" 2>&1
t1=$(date +%s.%N)
check_grep "1,000 in one run" '1000 waiting, 1000 processed' "$T_DIR/big.out"
check_eq "1,000 results" "$(( $(spooled) - before ))" 1000
check_eq "the mailbox is empty" "$(dovecot_count "$U" "")" 0
diag "1,000 POP3 messages fetched, stored, copied and deleted in $(echo "$t1 - $t0" | bc 2>/dev/null || echo "?") s"

dovecot_stop
done_testing
