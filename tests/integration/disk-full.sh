#!/bin/bash
# SPDX-License-Identifier: MIT
# A full disk under the SQLite store: contact import, mailing create and the
# mailing job all exit 75 (EX_TEMPFAIL, try again later) with one message,
# "the disk is full", on an 8 MiB tmpfs that the test mounts (root only).
. "$MR_SRCDIR/tests/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "mounting a small tmpfs needs root"
needs /usr/bin/python3 mount umount
SMALL=$T_DIR/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=8m,mode=0755 tmpfs "$SMALL" || skip_all "cannot mount a tmpfs here"
trap 'umount "$SMALL" 2>/dev/null; t_cleanup' EXIT
cat > "$T_DIR/site.ini" <<EOF2
[mailroom]
store = sqlite
transport = spool
from = news@example.org
lock_dir = $T_DIR
[store-sqlite]
path = $SMALL/m.db
[job-mailing]
plugin = process-mailing
EOF2
M="$MAILROOM --config $T_DIR/site.ini"
printf 'email,first_name\nfirst@example.net,F\n' > "$T_DIR/one.csv"
$M contact import "$T_DIR/one.csv" > /dev/null 2>&1
check_eq "the store works on the small disk" "$?" 0
printf 'Hello\n' > "$T_DIR/t.txt"
# fill the disk but for a few KiB
dd if=/dev/zero of="$SMALL/filler" bs=4k 2>/dev/null
rm -f "$SMALL/filler"
dd if=/dev/zero of="$SMALL/filler" bs=4k count=$(( $(df -k --output=avail "$SMALL" | tail -1) / 4 - 3 )) 2>/dev/null
/usr/bin/python3 -c '
import sys
print("email,first_name,groups")
for i in range(5000):
    print("user%d@example.net,%s,news" % (i, "x" * 60))' > "$T_DIR/big.csv"
$M contact import "$T_DIR/big.csv" > "$T_DIR/import.out" 2> "$T_DIR/import.err"
check_eq "contact import on a full disk: exit 75" "$?" 75
check_grep "contact import: the disk is full" 'the disk is full' "$T_DIR/import.err"
$M mailing create --name N --subject S --text "$T_DIR/t.txt" --schedule now > "$T_DIR/create.out" 2> "$T_DIR/create.err"
rc=$?
if [ $rc -eq 0 ]; then
	# the mailing fitted: the job that expands and sends it meets the full disk
	$M job run mailing > "$T_DIR/job.out" 2> "$T_DIR/job.err"
	check_eq "the mailing job on a full disk: exit 75" "$?" 75
	check_grep "the mailing job: the disk is full" 'the disk is full' "$T_DIR/job.err"
else
	check_eq "mailing create on a full disk: exit 75" "$rc" 75
	check_grep "mailing create: the disk is full" 'the disk is full' "$T_DIR/create.err"
fi
# the mailing job, with room for the mailing but not for its queue
rm -f "$SMALL/filler" "$SMALL/m.db"*
$M contact import "$T_DIR/big.csv" > /dev/null 2>&1
check_eq "with room again, the import works" "$?" 0
$M mailing create --name N2 --subject S2 --text "$T_DIR/t.txt" --include-group news --schedule now > /dev/null 2>&1
check_eq "mailing create works" "$?" 0
dd if=/dev/zero of="$SMALL/filler" bs=4k count=$(( $(df -k --output=avail "$SMALL" | tail -1) / 4 - 2 )) 2>/dev/null
$M job run mailing > "$T_DIR/job2.out" 2> "$T_DIR/job2.err"
check_eq "the mailing job on a full disk: exit 75 (was 70)" "$?" 75
check_grep "the mailing job: the disk is full" 'the disk is full' "$T_DIR/job2.err"
umount "$SMALL"
done_testing
