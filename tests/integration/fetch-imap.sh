#!/bin/bash
# SPDX-License-Identifier: MIT
# fetch-imap against a real Dovecot started here: certificates (refused
# without ca_file, accepted with it), IMAPS and STARTTLS, each failing step
# named (DNS, TCP, TLS, auth, folder), fetch and dispose into folders made on
# demand, MOVE and the COPY/EXPUNGE fallback, keep, a crash between commit and
# disposal, a server dropping the connection mid-fetch, 1,000 messages.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/dovecot.sh"
needs openssl /usr/sbin/dovecot /usr/bin/python3
dovecot_start

M="$MAILROOM --config $T_DIR/site.ini"
U=$DC_USER
dovecot_password_files
PROXY_DROP=$(free_port); PROXY_NOMOVE=$(free_port); CLOSED=$(free_port)

# write_config DROP_PORT: the site, the "drop" account pointing at DROP_PORT
write_config() {
	{
		spool_site
		dovecot_account imaps imap used_for=bounce
		dovecot_account noca imap ca_file=
		dovecot_account starttls imap server=localhost "port=$DC_IMAP" tls=starttls
		dovecot_account badpass imap "password_file=$T_DIR/badpass"
		dovecot_account nofolder imap source=INBOX.NoSuchFolder
		dovecot_account closed imap "port=$CLOSED" tls=none ca_file=
		dovecot_account dns imap server=no-such-host.invalid port= ca_file=
		dovecot_account nomove imap "port=$PROXY_NOMOVE" tls=none ca_file=
		dovecot_account drop imap "port=$1" tls=none ca_file=
		dovecot_account keep imap source=INBOX.Keep dispose=keep
		dovecot_account civi imap source=INBOX/CiviMail
		dovecot_account intl imap "source=INBOX/Gelöschte Elemente" \
			"processed_folder=INBOX/Корзина"
		dovecot_account intlmissing imap "source=INBOX.Несуществующая & Co"
	} > "$T_DIR/site.ini"
}
write_config "$PROXY_DROP"

# ---- certificates and each failing step
$M account test noca > "$T_DIR/noca.out" 2>&1
check_eq "a self-signed certificate is refused without ca_file (EX_CONFIG)" "$?" 78
check_grep "with the reason" 'TLS: certificate of 127.0.0.1 not trusted: self-signed' "$T_DIR/noca.out"
check_grep "and no password was sent" 'disconnected before auth\|no auth attempts' "$DC_DIR/dovecot.log"
$M account test imaps > "$T_DIR/imaps.out" 2>&1
check_eq "accepted with ca_file" "$?" 0
check_grep "an empty mailbox: 0 waiting" 'logged in, opened INBOX: 0 messages waiting' "$T_DIR/imaps.out"
$M account fetch imaps --spool --consume > "$T_DIR/empty.out" 2>&1
check_grep "fetching an empty mailbox does nothing" '0 waiting, 0 processed' "$T_DIR/empty.out"
$M account test starttls > "$T_DIR/starttls.out" 2>&1
check_eq "STARTTLS with the name localhost verified" "$?" 0
$M account test badpass > "$T_DIR/badpass.out" 2>&1
check_eq "a wrong password is a configuration error (EX_CONFIG)" "$?" 78
check_grep "named as auth" "auth: login as $U on 127.0.0.1 refused (server: .*[Aa]uthentication failed" "$T_DIR/badpass.out"
$M account test nofolder > "$T_DIR/nofolder.out" 2>&1
check_eq "a missing folder is EX_CONFIG" "$?" 78
check_grep "named as folder" 'folder: cannot open INBOX.NoSuchFolder' "$T_DIR/nofolder.out"
$M account test closed > "$T_DIR/closed.out" 2>&1
check_eq "a closed port is a temporary failure (EX_TEMPFAIL)" "$?" 75
check_grep "named as TCP" "TCP: cannot connect to 127.0.0.1 port $CLOSED: Connection refused" "$T_DIR/closed.out"
$M account test dns > "$T_DIR/dns.out" 2>&1
rc=$?
check "an unknown host fails (EX_CONFIG or EX_TEMPFAIL)" test "$rc" = 78 -o "$rc" = 75
check_grep "named as DNS" 'DNS: cannot resolve no-such-host.invalid' "$T_DIR/dns.out"

# ---- fetch and dispose
dovecot_put "$U" 5
md=$(dovecot_maildir "$U")
printf 'Subject: no sender\r\n\r\nnot parsable for us\r\n' | dovecot_put_raw "$U" 1700000000.M0P0.nofrom
$M account fetch imaps --dry-run > "$T_DIR/dry.out"
check_eq "dry run lists all 6 by UID" "$(grep -c '^UID [0-9]' "$T_DIR/dry.out")" 6
check_grep "with From, Subject and size" '^UID [0-9]* *[0-9][0-9][0-9] *Sender 3 <sender3@example.org> *test message 3' "$T_DIR/dry.out"
$M account fetch imaps --dry-run --json > "$T_DIR/dry.json"
check_grep "keys carry UIDVALIDITY and UID" '"key":"imap:[0-9]*:[0-9]*"' "$T_DIR/dry.json"
check_eq "the dry run disposed of nothing" "$(dovecot_count "$U" "")" 6
$M account fetch imaps --spool --consume > "$T_DIR/run1.out" 2> "$T_DIR/run1.err"
check_eq "a run exits 0" "$?" 0
check_grep "5 processed, 1 ignored" '6 waiting, 5 processed, 1 ignored' "$T_DIR/run1.out"
check_grep "the reason is logged" 'ignored: no From header' "$T_DIR/run1.err"
check_eq "INBOX.processed was created and holds 5" "$(dovecot_count "$U" processed)" 5
check_eq "INBOX.ignored holds 1" "$(dovecot_count "$U" ignored)" 1
check_eq "INBOX is empty" "$(dovecot_count "$U" "")" 0
$M spool show "$(spooled_id "test message 4")" | tr -d '\r' > "$T_DIR/show.out"
check "the stored message is the server's bytes" cmp -s "$T_DIR/show.out" \
	"$(grep -l 'test message 4' "$md"/.processed/*/* | head -1)"

# ---- a crash between commit and disposal
dovecot_put "$U" 6
MAILROOM_TEST_CRASH_AFTER_COMMIT=3 $M account fetch imaps --spool --consume > /dev/null 2>&1
check_eq "the crash hook exits 75" "$?" 75
check_eq "3 results committed" "$(spooled)" 8
check_eq "nothing moved yet" "$(dovecot_count "$U" "")" 6
$M account fetch imaps --spool --consume > "$T_DIR/after.out" 2>&1
check_grep "the next run finds 3 recorded and processes 3" '6 waiting, 3 processed, 0 ignored, 3 already recorded' "$T_DIR/after.out"
check_eq "each counted once" "$(spooled)" 11
check_eq "all 11 in INBOX.processed" "$(dovecot_count "$U" processed)" 11

# ---- STARTTLS fetch
dovecot_put "$U" 2
$M account fetch starttls --spool --consume > "$T_DIR/st.out" 2>&1
check_grep "fetch over STARTTLS" '2 waiting, 2 processed' "$T_DIR/st.out"

# ---- a server without MOVE: UID COPY, \Deleted, UID EXPUNGE
dovecot_proxy "$PROXY_NOMOVE" "$DC_IMAP" --strip-cap MOVE
dovecot_put "$U" 3
$M account fetch nomove --spool --consume > "$T_DIR/nomove.out" 2>&1
check_grep "without MOVE: 3 processed" '3 waiting, 3 processed' "$T_DIR/nomove.out"
check_eq "moved by COPY + EXPUNGE" "$(dovecot_count "$U" processed)" 16
check_grep "Dovecot saw the expunge" 'expunged=3' "$DC_DIR/dovecot.log"
check_eq "INBOX empty again" "$(dovecot_count "$U" "")" 0

# ---- a server dropping the connection mid-fetch
dovecot_proxy "$PROXY_DROP" "$DC_IMAP" --drop-after 350000
dovecot_put "$U" 500 "" 1000
before=$(spooled)
$M account fetch drop --spool --consume > "$T_DIR/drop.out" 2> "$T_DIR/drop.err"
check_eq "a dropped connection is a temporary failure" "$?" 75
check_grep "that says so" 'connection to 127.0.0.1 lost during' "$T_DIR/drop.err"
got=$(( $(spooled) - before ))
check "some messages were done before the drop ($got)" test "$got" -gt 0 -a "$got" -lt 500
write_config "$DC_IMAP"
$M account fetch drop --spool --consume > "$T_DIR/drop2.out" 2>&1
check_eq "the next run resumes" "$?" 0
check_eq "nothing lost, nothing twice: 500 results" "$(( $(spooled) - before ))" 500
check_eq "all 500 moved" "$(dovecot_count "$U" processed)" 516
check_eq "INBOX empty" "$(dovecot_count "$U" "")" 0

# ---- keep
dovecot_put "$U" 2 Keep
$M account fetch keep --spool --consume > "$T_DIR/keep1.out" 2>&1
$M account fetch keep --spool --consume > "$T_DIR/keep2.out" 2>&1
check_grep "keep: processed once" '2 waiting, 2 processed' "$T_DIR/keep1.out"
check_grep "keep: then recognised" '2 waiting, 0 processed, 0 ignored, 2 already recorded' "$T_DIR/keep2.out"
check_eq "keep: still in INBOX.Keep" "$(dovecot_count "$U" Keep)" 2
check "keep: no folder created" test ! -d "$md/.Keep.processed"

# ---- 1,000 messages in one run, source written with '/'
dovecot_put "$U" 1000 CiviMail 1500
before=$(spooled)
t0=$(date +%s.%N)
$M account fetch civi --spool --consume > "$T_DIR/big.out" 2>&1
t1=$(date +%s.%N)
check_grep "1,000 in one run" '1000 waiting, 1000 processed, 0 ignored' "$T_DIR/big.out"
check_eq "1,000 results" "$(( $(spooled) - before ))" 1000
check_eq "into INBOX.CiviMail.processed (the server's separator)" "$(dovecot_count "$U" CiviMail.processed)" 1000
check_eq "INBOX.CiviMail is empty" "$(dovecot_count "$U" CiviMail)" 0
diag "1,000 IMAP messages fetched, stored and moved in $(echo "$t1 - $t0" | bc 2>/dev/null || echo "?") s"

# ---- folder names outside ASCII (modified UTF-7, RFC 3501 5.1.3): Dovecot
# keeps them on disk in that form, so the paths below check our encoding
dovecot_put "$U" 3 'Gel&APY-schte Elemente'
printf 'Subject: no sender\r\n\r\nnot parsable for us\r\n' > \
	"$md/.Gel&APY-schte Elemente/new/1700000001.M1P1.nofrom"
chown vmail:vmail "$md/.Gel&APY-schte Elemente/new/1700000001.M1P1.nofrom"
$M account fetch intl --dry-run > "$T_DIR/intl-dry.out" 2>&1
check_eq "a source named 'INBOX/Gelöschte Elemente' opens: exit 0" "$?" 0
check_grep "and lists its 4 messages" '4 message.* listed, 4 waiting' "$T_DIR/intl-dry.out"
$M account fetch intl --spool --consume > "$T_DIR/intl.out" 2>&1
check_eq "fetching it: exit 0" "$?" 0
check_grep "3 processed, 1 ignored" '4 waiting, 3 processed, 1 ignored' "$T_DIR/intl.out"
check_eq "processed into 'INBOX.Корзина' (&BBoEPgRABDcEOAQ9BDA- on disk)" \
	"$(dovecot_count "$U" '&BBoEPgRABDcEOAQ9BDA-')" 3
check_eq "ignored into 'INBOX.Gelöschte Elemente.ignored'" \
	"$(dovecot_count "$U" 'Gel&APY-schte Elemente.ignored')" 1
check_eq "the source is empty" "$(dovecot_count "$U" 'Gel&APY-schte Elemente')" 0
check "no folder was made with raw UTF-8 in its name" \
	sh -c "! ls -a '$md' | grep -q 'Корзина\|Gelöschte'"
dovecot_put "$U" 2 'Gel&APY-schte Elemente'
$M account fetch intl --spool --consume > "$T_DIR/intl2.out" 2>&1
check_grep "a second run finds the existing folders (LIST decoded)" '2 waiting, 2 processed' "$T_DIR/intl2.out"
check_eq "and adds to 'INBOX.Корзина'" "$(dovecot_count "$U" '&BBoEPgRABDcEOAQ9BDA-')" 5
check "without creating it again" sh -c "! grep -q 'created folder INBOX.Корзина' '$T_DIR/intl2.out'"
$M account test intlmissing > "$T_DIR/intlmissing.out" 2>&1
check_eq "a missing folder 'INBOX.Несуществующая & Co': exit 78" "$?" 78
check_grep "the error names it in UTF-8" 'folder: cannot open INBOX.Несуществующая & Co on' "$T_DIR/intlmissing.out"

dovecot_stop
done_testing
