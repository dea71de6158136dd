#!/bin/bash
# SPDX-License-Identifier: MIT
# contact import of hostile CSV: many groups in one row stay linear, a
# 200,000-group or 10 MB field is refused by the field cap, a NUL byte is an
# error naming the line, and no value is echoed whole or with its escapes.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 timeout
cat > "$T_DIR/site.ini" <<EOF2
[mailroom]
store = sqlite
transport = spool
from = news@example.org
lock_dir = $T_DIR
[store-sqlite]
path = $T_DIR/m.db
EOF2
M="$MAILROOM --config $T_DIR/site.ini"
py() { /usr/bin/python3 -c "$1" > "$2"; }
# 8,000 distinct groups in one row (just under the 64 KiB field cap)
py 'print("email,groups"); print("a@example.net," + ";".join("g%d" % i for i in range(8000)))' "$T_DIR/groups.csv"
start=$(date +%s%N)
timeout 120 $M contact import "$T_DIR/groups.csv" > "$T_DIR/g.out" 2> "$T_DIR/g.err"
check_eq "8,000 groups in one row: imported" "$?" 0
ms=$(( ($(date +%s%N) - start) / 1000000 ))
diag "8,000 groups in one row: $ms ms"
check_eq "8,000 groups made" "$(sqlite3 "$T_DIR/m.db" 'SELECT count(*) FROM contact_groups')" 8000
check_eq "the contact is in all of them" "$(sqlite3 "$T_DIR/m.db" 'SELECT count(*) FROM group_contact')" 8000
# 200,000 groups: over the field cap, refused at once
py 'print("email,groups"); print("b@example.net," + ";".join("g%d" % i for i in range(200000))); print("c@example.net,x")' "$T_DIR/many.csv"
start=$(date +%s%N)
timeout 60 $M contact import "$T_DIR/many.csv" > "$T_DIR/m.out" 2> "$T_DIR/m.err"
check_eq "200,000 groups: exit 65 (a row skipped)" "$?" 65
ms=$(( ($(date +%s%N) - start) / 1000000 ))
diag "200,000 groups in one row: $ms ms"
check_grep "200,000 groups: the cap named with the line" 'many.csv: line 2: a field longer than 65536 bytes: skipped' "$T_DIR/m.err"
check_eq "the next row is imported" "$(sqlite3 "$T_DIR/m.db" "SELECT count(*) FROM emails WHERE email = 'c@example.net'")" 1
# a 10 MB invalid address: refused, and stderr stays small
py 'print("email"); print("x" * 10000000); print("bad\x1b[31maddress\x07")' "$T_DIR/huge.csv"
timeout 60 $M contact import "$T_DIR/huge.csv" > "$T_DIR/h.out" 2> "$T_DIR/h.err"
check_eq "a 10 MB field: exit 65" "$?" 65
check "stderr is under 1 KB ($(wc -c < "$T_DIR/h.err") bytes)" test "$(wc -c < "$T_DIR/h.err")" -lt 1024
check_grep "an invalid address is echoed without its escapes" 'invalid email address "bad?\[31maddress?"' "$T_DIR/h.err"
check "no ESC or BEL reaches the terminal" test "$(tr -cd '\033\007' < "$T_DIR/h.err" | wc -c)" -eq 0
# a NUL byte
printf 'email,first_name\nn@example.net,A\0B\nm@example.net,M\n' > "$T_DIR/nul.csv"
$M contact import "$T_DIR/nul.csv" > "$T_DIR/n.out" 2> "$T_DIR/n.err"
check_eq "a NUL byte: exit 65" "$?" 65
check_grep "a NUL byte: the line named" 'nul.csv: line 2: a NUL byte' "$T_DIR/n.err"
check_eq "a NUL byte: that row is not imported cut short" "$(sqlite3 "$T_DIR/m.db" "SELECT count(*) FROM emails WHERE email = 'n@example.net'")" 0
check_eq "a NUL byte: the next row is" "$(sqlite3 "$T_DIR/m.db" "SELECT count(*) FROM emails WHERE email = 'm@example.net'")" 1
done_testing
