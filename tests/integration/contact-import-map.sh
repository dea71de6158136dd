#!/bin/bash
# SPDX-License-Identifier: MIT
# contact import, wider (issue 20, item 6): --map renames CSV headers, --map-file reads the CiviCRM export of examples/civicrm with its mapping file, "-" ignores a column, --dry-run reports what would change and changes nothing, and bad maps are refused with file and line.
. "$MR_SRCDIR/tests/lib.sh"
needs sqlite3
spool_site > "$T_DIR/site.ini"
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
q() { sqlite3 "$T_DIR/mailroom.db" "$1"; }
ex=$MR_SRCDIR/examples/civicrm

printf 'E-mail,Vorname,Nachname,Kundennummer\nanna@example.de,Anna,Schmidt,17\nbernd@example.de,Bernd,Meier,18\n' > "$T_DIR/de.csv"
mr contact import "$T_DIR/de.csv" > /dev/null 2> "$T_DIR/err"
check_eq "without a map the German headers are refused" "$?" 65
mr contact import --map "E-mail=email,Vorname=first_name,Nachname=last_name" "$T_DIR/de.csv" > /dev/null 2> "$T_DIR/err"
check_eq "a map leaving a column out: exit 65" "$?" 65
check_grep "the unknown column is named" 'unknown column 4 "Kundennummer"' "$T_DIR/err"
mr contact import --dry-run --map "E-mail=email,Vorname=first_name,Nachname=last_name,Kundennummer=-" \
	"$T_DIR/de.csv" > "$T_DIR/dry.out"
check_eq "--dry-run exits 0" "$?" 0
check_grep "it reports what would change" "^dry run: would import 2 rows from .*de.csv: 2 new contacts, 0 updated, 0 skipped, 0 groups named; nothing was changed$" "$T_DIR/dry.out"
check_eq "... and changed nothing" "$(q 'SELECT count(*) FROM contacts')" 0
mr contact import --map "E-mail=email,Vorname=first_name,Nachname=last_name,Kundennummer=-" \
	"$T_DIR/de.csv" > /dev/null
check_eq "--map imports" "$(q "SELECT group_concat(first_name || ' ' || last_name, ',') FROM (SELECT * FROM contacts ORDER BY id)")" "Anna Schmidt,Bernd Meier"
printf 'E-mail,Vorname\nanna@example.de,Anne\ncarl@example.de,Carl\n' > "$T_DIR/de2.csv"
mr contact import --dry-run --map "E-mail=email,Vorname=first_name" "$T_DIR/de2.csv" > "$T_DIR/dry2.out"
check_grep "a dry run tells new from updated" "2 rows .* 1 new contacts, 1 updated, 0 skipped" "$T_DIR/dry2.out"
check_eq "... and changed nothing" "$(q "SELECT first_name FROM contacts WHERE id = 1")" "Anna"

mr contact import --map-file "$ex/contacts.map" "$ex/civicrm-export.csv" > "$T_DIR/civi.out" 2> "$T_DIR/civi.err"
check_eq "the CiviCRM export imports with the shipped map" "$?" 0
check_grep "every row" "imported 4 rows .* 4 new contacts, 0 updated, 0 skipped" "$T_DIR/civi.out"
check_eq "names, types, languages" \
	"$(q "SELECT group_concat(c.contact_type || '/' || coalesce(c.display_name, '') || '/' || coalesce(v.value, ''), '|') FROM (SELECT * FROM contacts ORDER BY id) c LEFT JOIN contact_values v ON v.contact_id = c.id WHERE c.id > 2")" \
	"Individual/Ada Lovelace/en_GB|Individual/Dr. Grace Hopper/en_US|Organization/Analytical Engines Ltd/|Individual/Émilie du Châtelet/fr_FR"
check_eq "CiviCRM's comma-separated groups" "$(mr group list --json | tr '\n' ' ' | grep -o '"name":"[A-Za-z]*","title":"[A-Za-z]*","members":[0-9]*' | tr '\n' ' ')" \
	'"name":"Board","title":"Board","members":1 "name":"Newsletter","title":"Newsletter","members":3 '

printf '# a comment\n\nEmail=email\nbroken line\n' > "$T_DIR/bad.map"
mr contact import --map-file "$T_DIR/bad.map" "$ex/civicrm-export.csv" > /dev/null 2> "$T_DIR/err"
check_eq "a bad mapping file: exit 65" "$?" 65
check_grep "it names file and line" "bad.map:4: \"broken line\": HEADER=COLUMN" "$T_DIR/err"
mr contact import --map "Email=email,Email=first_name" "$ex/civicrm-export.csv" > /dev/null 2> "$T_DIR/err"
check_eq "a header mapped twice: exit 64" "$?" 64
mr contact import --map "E-mail=emial" "$T_DIR/de2.csv" > /dev/null 2> "$T_DIR/err"
check_grep "a misspelt target names the nearest" 'unknown column 1 "E-mail" (mapped to "emial"): did you mean .email.?' "$T_DIR/err"
done_testing
