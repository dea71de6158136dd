#!/bin/bash
# SPDX-License-Identifier: MIT
# contact export (issue 20, item 5): RFC 4180 CSV that contact import reads back into the same store (names with commas, quotes, line breaks, non-ASCII, custom fields, groups), --group, --fields, --format json, and bad options.
. "$MR_SRCDIR/tests/lib.sh"
needs sqlite3 python3
site() { printf '[mailroom]\nstore = sqlite\ntransport = spool\n[store-sqlite]\npath = %s\n' "$T_DIR/$1.db" > "$T_DIR/$1.ini"; }
site a
site b
mra() { "$MAILROOM" --config "$T_DIR/a.ini" "$@"; }
mrb() { "$MAILROOM" --config "$T_DIR/b.ini" "$@"; }
for m in mra mrb; do
	$m field add age --type int > /dev/null
	$m field add joined --type date > /dev/null
	$m field add tshirt --type choice:S,M,L > /dev/null
done
python3 - "$T_DIR/in.csv" <<'PY'
import csv, sys
rows = [["email", "first_name", "last_name", "display_name", "contact_type", "groups", "age", "joined", "tshirt", "preferred_language"]]
rows.append(["quote@example.org", 'Ann "the" Ace', "O'Neil, Jr.", "line one\nline two", "Individual", "news;board", "41", "2024-02-29", "M", "de_DE"])
rows.append(["space@example.org", " leading", "trailing ", "", "Organization", "board", "-3", "", "", ""])
rows.append(["utf8@example.org", "Zoë", "Łukasz 漢字", "😀", "Individual", "", "", "1999-12-31", "L", "pl"])
for i in range(200):
    rows.append(["p%d@example.org" % i, "P%d" % i, "Last,%d" % i, "", "Individual", "news" if i % 2 else "board;news", str(i), "", "S", ""])
w = csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\r\n")
w.writerows(rows)
PY
mra contact import "$T_DIR/in.csv" > /dev/null
check_eq "the source store imports every row" "$?" 0
mra contact export > "$T_DIR/a.csv"
check_eq "contact export exits 0" "$?" 0
check_eq "a header and one record per contact" "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline="")))))' "$T_DIR/a.csv")" 204
check_eq "the header" "$(head -1 "$T_DIR/a.csv" | tr -d '\r')" "email,first_name,last_name,display_name,contact_type,groups,age,joined,preferred_language,tshirt"
check_grep "quotes doubled, a comma quoted" '^quote@example.org,"Ann ""the"" Ace","O'"'"'Neil, Jr.","line one$' "$T_DIR/a.csv"
check_grep "leading and trailing spaces quoted" '^space@example.org," leading","trailing ",,Organization,board,-3,,,$' <(tr -d '\r' < "$T_DIR/a.csv")
mrb contact import "$T_DIR/a.csv" > "$T_DIR/b.out"
check_eq "contact import reads the export back" "$?" 0
check_grep "every row, none skipped" "imported 203 rows .* 203 new contacts, 0 updated, 0 skipped" "$T_DIR/b.out"
mrb contact export > "$T_DIR/b.csv"
check "export, import, export: the same bytes" cmp "$T_DIR/a.csv" "$T_DIR/b.csv"
# the same store: contacts, values, memberships compared table by table
dump() {
	sqlite3 "$T_DIR/$1.db" "SELECT e.email, c.contact_type, c.first_name, c.last_name, c.display_name FROM contacts c JOIN emails e ON e.contact_id = c.id ORDER BY e.email;
		SELECT e.email, f.name, v.value FROM contact_values v JOIN custom_fields f ON f.id = v.field_id JOIN emails e ON e.contact_id = v.contact_id ORDER BY 1, 2;
		SELECT e.email, g.name, gc.status FROM group_contact gc JOIN contact_groups g ON g.id = gc.group_id JOIN emails e ON e.contact_id = gc.contact_id ORDER BY 1, 2;"
}
check "the second store holds the same contacts, values and memberships" cmp <(dump a) <(dump b)
check_eq "(and they are not empty)" "$(dump a | wc -l)" "$((203 + 1 + 4 + 1 + 3 + 400 + 3 + 300))" # contacts (a name spans 2 lines), values, memberships

mra contact export --group board --fields email,age,groups > "$T_DIR/board.csv"
check_eq "--group and --fields" "$(tr -d '\r' < "$T_DIR/board.csv" | head -3 | tr '\n' ' ')" "email,age,groups quote@example.org,41,board;news space@example.org,-3,board "
check_eq "--group: only its members" "$(($(wc -l < "$T_DIR/board.csv") - 1))" 102
mra contact export --format json --fields email,tshirt,preferred_language > "$T_DIR/a.json"
check_grep "--format json: one object per line" '^{"email": *"utf8@example.org", *"tshirt": *"L", *"preferred_language": *"pl"}$' "$T_DIR/a.json"
check_eq "... for every contact" "$(wc -l < "$T_DIR/a.json")" 203
mra contact delete p0@example.org > /dev/null
check_eq "a deleted contact is not exported" "$(mra contact export | grep -c p0@example.org)" 0

mra contact export --fields email,agee > /dev/null 2> "$T_DIR/err"
check_eq "an unknown column: exit 64" "$?" 64
check_grep "it names the nearest" "unknown column \"agee\" (did you mean 'age'?)" "$T_DIR/err"
mra contact export --format xml > /dev/null 2> "$T_DIR/err"
check_eq "an unknown format: exit 64" "$?" 64
mra contact export --group nosuch > /dev/null 2> "$T_DIR/err"
check_eq "an unknown group: exit 66" "$?" 66
check_grep "it names the group" "no group named 'nosuch'" "$T_DIR/err"
done_testing
