#!/bin/bash
# SPDX-License-Identifier: MIT
# fetch-maildir and fetch-localdir against real local folders: dry run, fetch
# and dispose (folders created on demand), ignored messages, keep mode, a
# crash between commit and disposal (counted once), batches, 1,000 messages.
. "$MR_SRCDIR/tests/lib.sh"

M="$MAILROOM --config $T_DIR/site.ini"
MD=$T_DIR/Maildir
LD=$T_DIR/incoming
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp" "$LD"

# put_md DIR SUB FIRST LAST: messages FIRST..LAST into DIR/SUB (new or cur)
put_md() {
	i=$3
	while [ "$i" -le "$4" ]; do
		name="$((1700000000 + i)).M${i}P1.test"
		[ "$2" = cur ] && name="$name:2,S"
		printf 'From: Sender %d <s%d@example.org>\nTo: return@example.net\nSubject: message %d\nMessage-ID: <m%d.%s@example.org>\n\nbody of message %d\n' \
			"$i" "$i" "$i" "$i" "$1" "$i" > "$1/$2/$name"
		i=$((i + 1))
	done
}
count() { find "$@" -type f 2>/dev/null | wc -l | tr -d ' '; }

{
	spool_site
	cat <<EOF2
[account-md]
fetch = maildir
used_for = bounce
source = $MD
[account-ld]
fetch = localdir
used_for = activity
source = $LD
[account-sub]
fetch = maildir
used_for = activity
source = $MD/.CiviMail
[account-keep]
fetch = maildir
used_for = activity
source = $T_DIR/keep
dispose = keep
[account-gone]
fetch = localdir
used_for = activity
source = $T_DIR/no-such-dir
EOF2
} > "$T_DIR/site.ini"

# ---- maildir
put_md "$MD" new 1 5
printf 'Subject: no sender here\n\njust text\n' > "$MD/cur/1700000099.M99P1.test:2,S"
$M account fetch md --dry-run > "$T_DIR/dry.out" 2>&1
check_eq "maildir dry run lists every waiting message" "$(grep -c '^17000000' "$T_DIR/dry.out")" 6
check_grep "dry run shows From and Subject" 'Sender 3 <s3@example.org> *message 3' "$T_DIR/dry.out"
check_eq "dry run disposes of nothing" "$(count "$MD/new" "$MD/cur")" 6
$M account fetch md --dry-run --json > "$T_DIR/dry.json"
check_grep "dry run --json has key and size" '"key":"maildir:1700000001.M1P1.test","size":' "$T_DIR/dry.json"

$M account fetch md --spool --consume > "$T_DIR/run1.out" 2> "$T_DIR/run1.err"
check_eq "maildir run exits 0" "$?" 0
check_grep "5 processed, 1 ignored" '6 waiting, 5 processed, 1 ignored, 0 already' "$T_DIR/run1.out"
check_grep "the ignored message is logged with its reason" 'ignored: no From header' "$T_DIR/run1.err"
check_eq ".processed created and holds the 5" "$(count "$MD/.processed/new")" 5
check_eq ".ignored holds the unparsable one (kept in cur/)" "$(count "$MD/.ignored/cur")" 1
check "Maildir++ subfolders are marked" test -f "$MD/.processed/maildirfolder" -a -d "$MD/.ignored/tmp"
check_eq "the source is empty" "$(count "$MD/new" "$MD/cur")" 0
check_eq "5 results committed to the store" "$(spooled)" 5
$M spool show "$(spooled_id "message 2")" > "$T_DIR/show.out"
check "the stored bytes are the file's bytes" cmp -s "$T_DIR/show.out" "$MD/.processed/new/1700000002.M2P1.test"
$M account fetch md --spool --consume > "$T_DIR/run2.out" 2>&1
check_grep "an empty Maildir: nothing to do" '0 waiting, 0 processed' "$T_DIR/run2.out"

# ---- a crash between commit and disposal
put_md "$MD" new 11 16
MAILROOM_TEST_CRASH_AFTER_COMMIT=3 $M account fetch md --spool --consume > /dev/null 2> "$T_DIR/crash.err"
check_eq "the crash hook exits 75 after the 3rd commit" "$?" 75
check_eq "the 3 committed in one transaction were not moved yet" "$(count "$MD/.processed/new")" 5
check_eq "all 6 still in new/" "$(count "$MD/new")" 6
check_eq "3 more results in the store" "$(spooled)" 8
$M account fetch md --spool --consume > "$T_DIR/after.out" 2> "$T_DIR/after.err"
check_grep "the next run finds 3 recorded and processes the other 3" \
	'6 waiting, 3 processed, 0 ignored, 3 already recorded' "$T_DIR/after.out"
check_grep "and says so" 'recorded by an earlier run: disposing of it as processed' "$T_DIR/after.err"
check_eq "counted once: 11 results for 11 good messages" "$(spooled)" 11
check_eq "all 6 moved" "$(count "$MD/.processed/new")" 11

# ---- a crash after an ignored message was recorded: disposed of as ignored
printf 'Subject: still no sender\n\nx\n' > "$MD/new/1700009999.M9999P1.test"
MAILROOM_TEST_CRASH_AFTER_COMMIT=1 $M account fetch md --spool --consume > /dev/null 2>&1
check_eq "crash after recording an ignored message" "$?" 75
check_eq "it is still in new/" "$(count "$MD/new")" 1
$M account fetch md --spool --consume > "$T_DIR/ign.out" 2> "$T_DIR/ign.err"
check_grep "the next run disposes of it as it was recorded" \
	'message 1700009999.M9999P1.test was recorded by an earlier run: disposing of it as ignored' "$T_DIR/ign.err"
check "into .ignored, not .processed" test -f "$MD/.ignored/new/1700009999.M9999P1.test"

# ---- batch and 1,000 messages
put_md "$MD" new 1001 2000
$M account fetch md --spool --consume --batch 3 > "$T_DIR/batch.out"
check_grep "a run stops at its batch" '1000 waiting, 3 processed.*(batch reached)' "$T_DIR/batch.out"
t0=$(date +%s)
$M account fetch md --spool --consume > "$T_DIR/big.out"
check_grep "997 in one run (batch 1000)" '997 waiting, 997 processed, 0 ignored' "$T_DIR/big.out"
check_eq "1,011 moved in all" "$(count "$MD/.processed/new")" 1011
diag "1,000 maildir messages took about $(( $(date +%s) - t0 )) s"

# ---- a Maildir++ subfolder as the source: siblings .CiviMail.processed
mkdir -p "$MD/.CiviMail/new" "$MD/.CiviMail/cur" "$MD/.CiviMail/tmp"
touch "$MD/.CiviMail/maildirfolder"
put_md "$MD/.CiviMail" cur 3001 3002
$M account fetch sub --spool --consume > /dev/null 2>&1
check_eq "a subfolder source disposes into its sibling .CiviMail.processed" \
	"$(count "$MD/.CiviMail.processed/cur")" 2

# ---- keep
mkdir -p "$T_DIR/keep/new" "$T_DIR/keep/cur" "$T_DIR/keep/tmp"
put_md "$T_DIR/keep" new 4001 4002
$M account fetch keep --spool --consume > "$T_DIR/keep1.out" 2>&1
$M account fetch keep --spool --consume > "$T_DIR/keep2.out" 2>&1
check_grep "keep: processed the first time" '2 processed' "$T_DIR/keep1.out"
check_grep "keep: recognised, not processed again" '0 processed, 0 ignored, 2 already recorded' "$T_DIR/keep2.out"
check_eq "keep: the files stay" "$(count "$T_DIR/keep/new")" 2
check "keep: no folder made" test ! -e "$T_DIR/keep/.processed"

# ---- localdir
printf 'From: a@example.org\nSubject: first\nMessage-ID: <one@example.org>\n\nx\n' > "$LD/msg.1"
printf 'From: b@example.org\nSubject: second\n\ny\n' > "$LD/msg.2"
printf 'garbage without any header\n' > "$LD/msg.3"
mkdir -p "$LD/subdir-is-skipped"
before=$(spooled)
MAILROOM_FAKE_NOW=1795000000 $M account fetch ld --spool --consume > "$T_DIR/ld1.out" 2>&1
day=$(TZ=${TZ:-} date -d @1795000000 +%Y-%m-%d)
check_grep "localdir: 2 processed, 1 ignored" '3 waiting, 2 processed, 1 ignored' "$T_DIR/ld1.out"
check "moved into processed/DATE/" test -f "$LD/processed/$day/msg.1" -a -f "$LD/processed/$day/msg.2"
check "the unparsable one into ignored/DATE/" test -f "$LD/ignored/$day/msg.3"
check_eq "localdir: 2 more results" "$(spooled)" $((before + 2))
# the same name again (fetchmail reuses names): a different message
printf 'From: c@example.org\nSubject: third\nMessage-ID: <three@example.org>\n\nz\n' > "$LD/msg.1"
MAILROOM_FAKE_NOW=1795000000 MAILROOM_TEST_CRASH_AFTER_COMMIT=1 $M account fetch ld --spool --consume >/dev/null 2>&1
check_eq "localdir crash hook exits 75" "$?" 75
MAILROOM_FAKE_NOW=1795000000 $M account fetch ld --spool --consume > "$T_DIR/ld2.out" 2>&1
check_grep "a reused file name with a new Message-ID is new; after the crash it is recorded" \
	'1 waiting, 0 processed, 0 ignored, 1 already recorded' "$T_DIR/ld2.out"
check "a name taken in the date folder gets a suffix" test -f "$LD/processed/$day/msg.1.1"
check_eq "counted once" "$(spooled)" $((before + 3))

# ---- a missing source
$M account test gone > "$T_DIR/gone.out" 2>&1
check_eq "a missing directory is a configuration error (EX_CONFIG)" "$?" 78
check_grep "that names the step and the path" 'folder: cannot open directory .*no-such-dir' "$T_DIR/gone.out"

done_testing
