#!/bin/bash
# SPDX-License-Identifier: MIT
# fetch-bounces' auto-reply (auto_reply_file): a reply to a mailing gets the site's auto-reply
# through the site's transport (transport-spool), signed with DKIM (dkimpy verifies it),
# Auto-Submitted: auto-replied with a null envelope sender, at most once per address and
# auto_reply_period, and never to an automatic or bulk message or a null Return-Path (RFC 3834).
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 openssl

mailing_keys auto
printf 'Thank you for writing to us.\nWe read every reply; someone will answer within a week.\n— Example News\n' \
	> "$T_DIR/auto.txt"
MAILING_SITE_MAILROOM="log_level = info"
site() { mailing_site auto spool "forward_replies = no" "$@"; } # site [more [job-bounces] lines]
site "auto_reply_file = $T_DIR/auto.txt" "auto_reply_period = 1h" "auto_reply_subject = Merci — thanks"
mkdir -p "$T_DIR/bounces"
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
q() { sqlite3 "$T_DIR/m.db" "$@"; }
autos() { q "SELECT count(*) FROM mail_spool WHERE recipient = '$1' AND CAST(headers AS TEXT) LIKE '%Auto-Submitted: auto-replied%'"; }

mr group add all > /dev/null
for who in ann bob cy; do mr contact add "$who@example.net" --first-name "$who" --group all > /dev/null 2>&1; done
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
id=$(mr mailing create --name Replies --subject "Replies" --text "$T_DIR/t.txt" --include-group all \
	--reply-to verp | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr mailing schedule "$id" now > /dev/null
mr job run mailing > /dev/null 2>&1
check_eq "the mailing went to three" "$(q "SELECT count(*) FROM mail_spool")" 3
verp() { # the VERP reply address of the message to $1
	mr spool show "$(mr spool list --json | grep "\"recipient\":\"$1\",\"subject\":\"Replies\"" |
		sed -n 's/^{"id":\([0-9]*\).*/\1/p')" |
		sed -n 's/^Reply-To: .*<\(return+r\.[0-9]*\.[0-9]*\.[0-9a-f]*@bounce\.example\.org\)>.$/\1/p'
}
n=0
reply() { # reply FROM-ADDRESS [HEADER LINE...]: a reply of FROM-ADDRESS into the bounce account
	local from=$1 to
	shift
	to=$(verp "$from")
	n=$((n + 1))
	{
		printf 'Return-Path: <%s>\n' "$from"
		for h in "$@"; do printf '%s\n' "$h"; done
		printf 'From: <%s>\nTo: %s\nSubject: Re: Replies\nMessage-ID: <re%d@example.net>\n\nCount me in!\n' \
			"$from" "$to" "$n"
	} > "$T_DIR/bounces/reply.$n"
}

reply ann@example.net
mr job run bounces > "$T_DIR/r1.out" 2>&1
check_eq "ann's reply gets one auto-reply" "$(autos ann@example.net)" 1
check_grep "the job counts it" "1 auto-replies" "$T_DIR/r1.out"
aid=$(q "SELECT id FROM mail_spool WHERE recipient = 'ann@example.net' AND CAST(headers AS TEXT) LIKE '%Auto-Submitted%'")
mr spool show "$aid" > "$T_DIR/auto.eml"
check_grep "From the site's address" '^From: Example News <news@example.org>' "$T_DIR/auto.eml"
check_grep "with the subject, RFC 2047 encoded" '^Subject: =?UTF-8?B?' "$T_DIR/auto.eml"
check_grep "In-Reply-To the reply" '^In-Reply-To: <re1@example.net>' "$T_DIR/auto.eml"
check_grep "the text of auto_reply_file" 'We read every reply' <(python3 -c '
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(str(email.header.make_header(email.header.decode_header(m["Subject"]))))
print(m.get_payload(decode=True).decode())' "$T_DIR/auto.eml")
check_eq "its envelope sender is null (RFC 3834)" \
	"$(mr spool list --json | grep "\"id\":$aid," | grep -c '"sender":""')" 1
check "dkimpy verifies it" /usr/bin/python3 "$MR_SRCDIR/tests/unit/dkim-verify.py" "$T_DIR/auto.eml" "$T_DIR/rsa.txt"

reply ann@example.net
mr job run bounces > "$T_DIR/r2.out" 2>&1
check_eq "ann's second reply within the period: no second auto-reply" "$(autos ann@example.net)" 1
check_grep "though it is recorded as a reply" "1 actions" "$T_DIR/r2.out"
check_grep "and the log says why" "no auto-reply: ann@example.net had one within auto_reply_period" "$T_DIR/r2.out"

reply bob@example.net "Auto-Submitted: auto-replied"
reply bob@example.net "Auto-Submitted: auto-generated"
reply bob@example.net "Precedence: bulk"
reply bob@example.net "Precedence: list"
reply bob@example.net "List-Id: <talk.example.net>"
reply bob@example.net "X-Auto-Response-Suppress: All"
reply bob@example.net "Precedence: auto_reply"
reply bob@example.net "X-Autoreply: yes"
reply bob@example.net "X-Autorespond: Away until Monday"
reply bob@example.net "X-Apple-Action: VACATION"
mr job run bounces > "$T_DIR/r3.out" 2>&1
check_eq "no auto-reply to an auto-reply, bulk or list message" "$(autos bob@example.net)" 0
check_grep "the log says why" "no auto-reply: Precedence: bulk" "$T_DIR/r3.out"
check_eq "every auto-responder's mark (Auto-Submitted: auto-replied, Precedence: auto_reply, X-Autoreply, X-Autorespond, X-Apple-Action: VACATION) makes it an auto-reply, which gets no reply" \
	"$(grep -c "ignored: an auto-reply to the 'r' address of bob@example.net" "$T_DIR/r3.out")" 5
printf 'Return-Path: <>\nFrom: <bob@example.net>\nTo: %s\nSubject: Re: Replies\nMessage-ID: <null@example.net>\n\nhi\n' \
	"$(verp bob@example.net)" > "$T_DIR/bounces/null"
printf 'From: <bob@example.net>\nTo: %s\nSubject: Re: Replies\nMessage-ID: <norp@example.net>\n\nhi\n' \
	"$(verp bob@example.net)" > "$T_DIR/bounces/norp"
mr job run bounces > "$T_DIR/r4.out" 2>&1
check_eq "none to a null or missing Return-Path" "$(autos bob@example.net)" 0
check_grep "the log says so" "its Return-Path is null" "$T_DIR/r4.out"
reply bob@example.net "Auto-Submitted: no"
mr job run bounces > /dev/null 2>&1
check_eq "Auto-Submitted: no is a person: bob gets one" "$(autos bob@example.net)" 1
mr job run bounces > /dev/null 2>&1
check_eq "a run with nothing new sends nothing" "$(q "SELECT count(*) FROM mail_spool WHERE CAST(headers AS TEXT) LIKE '%Auto-Submitted%'")" 2

mr contact opt-out cy@example.net > /dev/null 2>&1 || q "UPDATE contacts SET is_opt_out = 1 WHERE id = (SELECT contact_id FROM emails WHERE email = 'cy@example.net')"
reply cy@example.net
mr job run bounces > /dev/null 2>&1
check_eq "no auto-reply to an opted-out contact" "$(autos cy@example.net)" 0

site "auto_reply_file = $T_DIR/auto.txt" "auto_reply_period = 2s"
sleep 2
reply ann@example.net
mr job run bounces > /dev/null 2>&1
check_eq "once the period has passed, ann gets another" "$(autos ann@example.net)" 2

site "auto_reply_file = $T_DIR/nosuch.txt"
reply ann@example.net
mr job run bounces > "$T_DIR/bad.out" 2>&1
check "an unreadable auto_reply_file fails the run" test "$(grep -c 'auto_reply_file .*nosuch.txt: cannot be read' "$T_DIR/bad.out")" -ge 1
site
mr job run bounces > /dev/null 2>&1
check_eq "without auto_reply_file there is none" "$(autos ann@example.net)" 2
done_testing
