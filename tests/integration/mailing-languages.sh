#!/bin/bash
# SPDX-License-Identifier: MIT
# A mailing's language variants: mailing variant add|list|remove, each contact gets the variant
# of its preferred_language (exactly, else by primary subtag) or the mailing's own, with its
# subject and tokens, through transport-spool (process-mailing) and to the test SMTP server
# (mailing test), and mailing preview --contact shows the contact's variant.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/smtp.sh"
needs /usr/bin/python3 sqlite3 openssl

mailing_keys lang
site() { mailing_site lang "$@"; } # site TRANSPORT [more lines after [job-bounces]]
site spool
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
q() { sqlite3 "$T_DIR/m.db" "$@"; }
# the decoded text part of the spooled message to $1
spooled_text() {
	local sid
	sid=$(mr spool list --json | grep "\"recipient\":\"$1\"" | sed -n 's/^{"id":\([0-9]*\).*/\1/p')
	mr spool show "$sid" | /usr/bin/python3 -c '
import email, sys
m = email.message_from_binary_file(sys.stdin.buffer)
print("Subject:", str(email.header.make_header(email.header.decode_header(m["Subject"]))))
for p in m.walk():
    if p.get_content_type() == "text/plain":
        print(p.get_payload(decode=True).decode())'
}

mr group add all > /dev/null
mr contact add de@example.net --first-name Dora --group all --field preferred_language=de > /dev/null
mr contact add fr@example.net --first-name Fred --group all --field preferred_language=fr-CA > /dev/null
mr contact add none@example.net --first-name Nina --group all > /dev/null
mr contact add es@example.net --first-name Eva --group all --field preferred_language=es > /dev/null
printf 'Hello {contact.first_name}\n' > "$T_DIR/en.txt"
printf 'Hallo {contact.first_name}, auf Deutsch\n' > "$T_DIR/de.txt"
printf '<p>Hallo <b>{contact.first_name}</b></p>\n' > "$T_DIR/de.html"
printf 'Bonjour {contact.first_name}\n' > "$T_DIR/fr.txt"
printf 'Hola {contact.nosuch}\n' > "$T_DIR/bad.txt"
id=$(mr mailing create --name Multi --subject "News for {contact.first_name}" --text "$T_DIR/en.txt" \
	--include-group all | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "a mailing is created" test -n "$id"

# ---- variant add, list, remove
mr mailing variant add "$id" --lang de --subject "Neues für {contact.first_name}" \
	--text "$T_DIR/de.txt" --html "$T_DIR/de.html" > "$T_DIR/out"
check_eq "variant add de: exit 0" "$?" 0
check_grep "and says so" "^mailing $id: variant de set" "$T_DIR/out"
mr mailing variant add "$id" --lang FR --subject "Nouvelles" --text "$T_DIR/fr.txt" > /dev/null
check_eq "variant add FR (stored as fr): exit 0" "$?" 0
mr mailing variant add "$id" --lang es --subject "Noticias" > /dev/null
check_eq "a variant with a subject only: exit 0" "$?" 0
mr mailing variant add "$id" --lang x1 --subject S > /dev/null 2> "$T_DIR/err"
check_eq "a bad language tag: exit 64" "$?" 64
mr mailing variant add "$id" --lang it > /dev/null 2> "$T_DIR/err"
check_eq "a variant without content: exit 64" "$?" 64
mr mailing variant add "$id" --lang it --text "$T_DIR/bad.txt" > /dev/null 2> "$T_DIR/err"
check_eq "a variant with an unknown token: exit 65" "$?" 65
check_grep "naming the token" "nosuch" "$T_DIR/err"
mr mailing variant add "$id" --lang it --subject S --include-group all > /dev/null 2>&1
check_eq "a variant refuses options other than --subject, --text and --html: exit 64" "$?" 64
mr mailing variant add 999 --lang it --subject S > /dev/null 2> "$T_DIR/err"
check_eq "a variant of an unknown mailing: exit 66" "$?" 66
mr mailing variant list "$id" --json > "$T_DIR/list.json"
check_eq "variant list --json: three variants" "$(wc -l < "$T_DIR/list.json")" 3
check_grep "de with its subject and both parts" \
	'^{"lang": *"de", *"subject": *"Neues für {contact.first_name}", *"text": *true, *"html": *true' "$T_DIR/list.json"
check_grep "es with its subject only" '^{"lang": *"es", *"subject": *"Noticias", *"text": *false, *"html": *false, *"own_body": *false' \
	"$T_DIR/list.json"
check_grep "variant list: a table" "^fr  *yes  *no  *Nouvelles$" <(mr mailing variant list "$id")
mr mailing variant add "$id" --lang pt-BR --subject "Notícias" > /dev/null
mr mailing variant remove "$id" --lang pt_br > /dev/null
check_eq "variant remove: exit 0" "$?" 0
check_eq "and its settings are gone" "$(q "SELECT count(*) FROM mailing_settings WHERE name LIKE 'lang_pt%'")" 0
mr mailing variant remove "$id" --lang pt-BR > /dev/null 2>&1
check_eq "removing a variant that is not there: exit 66" "$?" 66
check_grep "mailing show lists the variant's settings" "^setting:   lang_de_subject = Neues" \
	<(mr mailing show "$id")

# ---- preview per contact
check_grep "preview --contact of a de contact: the German subject" "^Subject: =?UTF-8?" \
	<(mr mailing preview "$id" --contact de@example.net)
check_grep "preview --part text: the German text with its token" "^Hallo Dora, auf Deutsch" \
	<(mr mailing preview "$id" --contact de@example.net --part text)
check_grep "preview --part html: the German HTML" "<b>Dora</b>" \
	<(mr mailing preview "$id" --contact de@example.net --part html)
check_grep "preview of an fr-CA contact: the fr variant" "^Bonjour Fred" \
	<(mr mailing preview "$id" --contact fr@example.net --part text)
check_grep "preview of a contact without a language: the mailing's own" "^Hello Nina" \
	<(mr mailing preview "$id" --contact none@example.net --part text)
check_grep "preview of an es contact: the es subject" "^Subject: Noticias" \
	<(mr mailing preview "$id" --contact es@example.net)
check_grep "with the mailing's text" "^Hello Eva" \
	<(mr mailing preview "$id" --contact es@example.net --part text)

# ---- sent through transport-spool by process-mailing
mr mailing schedule "$id" now > /dev/null
mr job run mailing > /dev/null 2>&1
check_eq "process-mailing spooled one message per contact" "$(mr spool list --json | wc -l)" 4
check_grep "de: the German subject with its token" "^Subject: Neues für Dora" <(spooled_text de@example.net)
check_grep "de: the German text" "^Hallo Dora, auf Deutsch" <(spooled_text de@example.net)
check_grep "de: with its HTML part" "<b>Dora</b>" \
	<(mr spool show "$(mr spool list --json | grep '"recipient":"de@example.net"' | sed -n 's/^{"id":\([0-9]*\).*/\1/p')" | tr -d '=\r\n')
check_grep "fr-CA: the fr variant" "^Bonjour Fred" <(spooled_text fr@example.net)
check_grep "fr-CA: its subject" "^Subject: Nouvelles" <(spooled_text fr@example.net)
check_grep "no language: the mailing's own subject" "^Subject: News for Nina" <(spooled_text none@example.net)
check_grep "no language: the mailing's own text" "^Hello Nina" <(spooled_text none@example.net)
check_grep "es: its subject, the mailing's text" "^Subject: Noticias" <(spooled_text es@example.net)
mr mailing variant add "$id" --lang it --subject S > /dev/null 2> "$T_DIR/err"
check_eq "a started mailing's variants stay: exit 65" "$?" 65

# ---- mailing test to the test SMTP server
SD=$T_DIR/smtp
P=$(free_port)
smtp_server_start "$SD" "$P"
check "the test SMTP server listens on $P" test -f "$SD/ready"
site smtp "[transport-smtp]" "host = 127.0.0.1" "port = $P" "tls = none"
mr mailing test "$id" --to tester@example.com --contact de@example.net > "$T_DIR/s.out" 2>&1
check_eq "mailing test --contact de through transport-smtp: exit 0" "$?" 0
f=$(grep -rl --include='*.json' '"tester@example.com"' "$SD" | head -1)
check "the server received it" test -n "$f"
check_grep "in German" "Hallo Dora, auf Deutsch" "${f%.json}.eml"
check_grep "with the German subject" "^Subject: =?UTF-8?" "${f%.json}.eml"

done_testing
