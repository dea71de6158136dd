#!/bin/bash
# SPDX-License-Identifier: MIT
# Custom fields of contacts (issue 20, item 2): field add|list|delete with every type, bad definitions, contact add --field, CSV columns type-checked with line and column, an unknown column naming the nearest field, and {contact.NAME|fallback} rendered into real spooled mail.
. "$MR_SRCDIR/tests/lib.sh"
needs sqlite3 python3
contact_site fields

mr field list --json > "$T_DIR/f.json"
check_grep "preferred_language is built in" '"name":"preferred_language","type":"text","choices":"","builtin":true' "$T_DIR/f.json"
for spec in "member_no int" "joined date" "volunteer bool" "tshirt choice:S,M,L" "city text"; do
	set -- $spec
	mr field add "$1" --type "$2" > /dev/null
	check_eq "field add $1 --type $2" "$?" 0
done
check_eq "field list --json: one line per field" "$(mr field list --json | wc -l)" 6
mr field list > "$T_DIR/f.txt"
check_grep "field list: a header names every column" '^NAME  *TYPE  *KIND  *CHOICES$' "$T_DIR/f.txt"
check_grep "field list: a custom field is custom, with its choices" '^tshirt  *choice  *custom  *S,M,L$' "$T_DIR/f.txt"
mr field add city --type text > /dev/null 2> "$T_DIR/err"
check_eq "a taken name: exit 65" "$?" 65
mr field add Bad-Name --type text > /dev/null 2> "$T_DIR/err"
check_eq "a bad name: exit 64" "$?" 64
check_grep "it says what a name is" "a lower-case letter, then letters, digits or _" "$T_DIR/err"
mr field add colour --type colour > /dev/null 2> "$T_DIR/err"
check_eq "a bad type: exit 64" "$?" 64
check_grep "it lists the types" "text, int, date, bool or choice:A,B,C" "$T_DIR/err"
mr field add size --type choice:S,,L > /dev/null 2> "$T_DIR/err"
check_eq "an empty choice: exit 64" "$?" 64
mr field add email --type text > /dev/null 2> "$T_DIR/err"
check_eq "a contact column's name: exit 64" "$?" 64
mr field delete preferred_language > /dev/null 2> "$T_DIR/err"
check_eq "the built-in field cannot be deleted: exit 65" "$?" 65
mr field delete nosuch > /dev/null 2> "$T_DIR/err"
check_eq "deleting an unknown field: exit 66" "$?" 66

mr group add news > /dev/null
mr contact add ann@example.org --first-name Ann --group news --field member_no=007 \
	--field tshirt=M --field preferred_language=de > /dev/null
check_eq "contact add --field stores the values (int in its decimal form)" \
	"$(q "SELECT group_concat(f.name || '=' || v.value, ' ') FROM (SELECT * FROM contact_values ORDER BY field_id) v JOIN custom_fields f ON f.id = v.field_id")" \
	"preferred_language=de member_no=7 tshirt=M"
mr contact edit ann@example.org --field tshirt=XL > /dev/null 2> "$T_DIR/err"
check_eq "a value not among the choices: exit 65" "$?" 65
check_grep "it names the field, value and choices" "tshirt=XL: not one of S,M,L" "$T_DIR/err"
mr contact edit ann@example.org --field tshrt=M > /dev/null 2> "$T_DIR/err"
check_eq "an unknown field: exit 65" "$?" 65
check_grep "it names the nearest" "tshrt: no such custom field (did you mean 'tshirt'?)" "$T_DIR/err"
mr contact edit ann@example.org --field tshirt= > /dev/null
check_eq "an empty value clears it" "$(q "SELECT count(*) FROM contact_values v JOIN custom_fields f ON f.id = v.field_id WHERE f.name = 'tshirt'")" 0
mr contact show ann@example.org --json > "$T_DIR/show.json"
check_grep "contact show has the fields" '"fields":{"member_no":"7","preferred_language":"de"}' "$T_DIR/show.json"

# CSV: custom columns, each value checked
cat > "$T_DIR/in.csv" <<'CSV'
email,first_name,member_no,joined,volunteer,tshirt,city,groups
bo@example.org,Bo,12,2024-02-29,yes,L,"Köln, ""Altstadt""",news
cy@example.org,Cy,twelve,2024-01-01,no,S,Bonn,news
di@example.org,Di,3,2023-02-29,no,S,Bonn,news
ed@example.org,Ed,4,2024-01-01,maybe,S,Bonn,news
fa@example.org,Fa,5,2024-01-01,0,XXL,Bonn,news
ga@example.org,Ga,,,,,,news
CSV
mr contact import "$T_DIR/in.csv" > "$T_DIR/imp.out" 2> "$T_DIR/imp.err"
check_eq "bad rows: exit 65" "$?" 65
check_grep "a bad int names line, column and field" "in.csv:3: column 3 (member_no): \"twelve\" is not a whole number: skipped" "$T_DIR/imp.err"
check_grep "a bad date" "in.csv:4: column 4 (joined): \"2023-02-29\" is not a date (YYYY-MM-DD): skipped" "$T_DIR/imp.err"
check_grep "a bad bool" "in.csv:5: column 5 (volunteer): \"maybe\" is not yes or no: skipped" "$T_DIR/imp.err"
check_grep "a bad choice" "in.csv:6: column 6 (tshirt): \"XXL\" is not one of S,M,L: skipped" "$T_DIR/imp.err"
check_grep "the good rows are imported" "imported 2 rows .* 2 new contacts, 0 updated, 4 skipped" "$T_DIR/imp.out"
check_eq "bo's values, quoted CSV included" \
	"$(q "SELECT group_concat(f.name || '=' || v.value, '|') FROM (SELECT * FROM contact_values ORDER BY field_id) v JOIN custom_fields f ON f.id = v.field_id JOIN emails e ON e.contact_id = v.contact_id WHERE e.email = 'bo@example.org'")" \
	'member_no=12|joined=2024-02-29|volunteer=1|tshirt=L|city=Köln, "Altstadt"'
printf 'email,first_name,member_nr\nx@example.org,X,1\n' > "$T_DIR/bad.csv"
mr contact import "$T_DIR/bad.csv" > /dev/null 2> "$T_DIR/err"
check_eq "an unknown column: exit 65" "$?" 65
check_grep "it names the column and the nearest field" "bad.csv:1: unknown column 3 \"member_nr\": did you mean 'member_no'?" "$T_DIR/err"
printf 'email,frist_name\nx@example.org,X\n' > "$T_DIR/bad2.csv"
mr contact import "$T_DIR/bad2.csv" > /dev/null 2> "$T_DIR/err"
check_grep "the nearest may be a contact column" "did you mean 'first_name'?" "$T_DIR/err"

# {contact.NAME|fallback} in a real mailing: mailing create knows the
# store's fields, and still refuses one that does not exist
printf 'No {contact.member_no|none} from {contact.city|nowhere} lang {contact.preferred_language|en}\n' > "$T_DIR/body.txt"
printf 'hello {contact.shoe_size}\n' > "$T_DIR/bad-body.txt"
mr mailing create --name X --subject S --from news@example.org --text "$T_DIR/bad-body.txt" \
	--include-group news > /dev/null 2> "$T_DIR/err"
check_eq "a token naming no field: exit 65" "$?" 65
check_grep "and the error names it" "shoe_size" "$T_DIR/err"
mr mailing create --name M --subject S --from news@example.org --text "$T_DIR/body.txt" \
	--include-group news > "$T_DIR/m.out" 2>&1
check_eq "mailing create takes the custom-field tokens" "$?" 0
mid=$(q "SELECT max(id) FROM mailings")
mr mailing schedule "$mid" now > /dev/null
mr job run mailing > "$T_DIR/job.out" 2>&1
check_eq "the job ran" "$?" 0
body_of() { q "SELECT body FROM mail_spool WHERE recipient = '$1'" | tr -d '\r'; }
check_grep "ann: her values, fallbacks for the empty ones" "^No 7 from nowhere lang de$" <(body_of ann@example.org)
check_grep "bo: quoted-printable aside, his city" "^No 12 from K=C3=B6ln, \"Altstadt\" lang en$" <(body_of bo@example.org)
check_grep "ga: every fallback" "^No none from nowhere lang en$" <(body_of ga@example.org)
mr field delete city > /dev/null
check_eq "field delete removes the values" "$(q "SELECT count(*) FROM contact_values WHERE field_id NOT IN (SELECT id FROM custom_fields)")" 0
done_testing
