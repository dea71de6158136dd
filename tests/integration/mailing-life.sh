#!/bin/bash
# SPDX-License-Identifier: MIT
# A mailing's life before and after sending: mailing test through transport-spool and
# transport-smtp to the test SMTP server (marked, DKIM verified by dkimpy, queue and stats
# untouched, counted apart), mailing preview equal to the sent bytes but for Message-ID, Date
# and DKIM-Signature, send-test signed with DKIM, mailing edit, copy and delete, tokens,
# List-Id, templates, approval, reply_to = verp and replies forwarded so that they pass DMARC.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/smtp.sh"
needs /usr/bin/python3 sqlite3 openssl

mailing_keys life
MAILING_SITE_MAILROOM="postal_address = Example Org, 1 Main Street <Springfield> & Co"
site() { mailing_site life "$@"; } # site TRANSPORT [more lines after [job-bounces]]
site spool
mkdir -p "$T_DIR/bounces"
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
q() { sqlite3 "$T_DIR/m.db" "$@"; }
not() { ! "$@" >/dev/null 2>&1; }
dkim_ok() { /usr/bin/python3 "$MR_SRCDIR/tests/unit/dkim-verify.py" "$1" "$T_DIR/rsa.txt" >/dev/null; }
# the message without the fields that must differ between two renderings
strip_varying() {
	/usr/bin/python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], 'rb').read()
head, sep, body = data.partition(b'\r\n\r\n')
fields = re.split(rb'\r\n(?![ \t])', head)
keep = [f for f in fields if not re.match(rb'(?i)(message-id|date|dkim-signature):', f)]
sys.stdout.buffer.write(b'\r\n'.join(keep) + sep + body)
PY
}

cat > "$T_DIR/c.csv" <<CSV
email,first_name,last_name,groups
ann@example.net,Ann,Alpha,"all;testers"
bob@example.net,Bob,Beta,"all;testers"
cy@example.net,Cy,Gamma,all
CSV
mr contact import "$T_DIR/c.csv" > /dev/null
printf 'Hello {contact.first_name|friend},\nunsubscribe: {action.unsubscribeUrl}\n' > "$T_DIR/t.txt"
printf '<p>Hello {contact.first_name} {contact.last_name} &amp; co</p>\n' > "$T_DIR/t.html"
id=$(mr mailing create --name Life --subject "Life for {contact.first_name}" --text "$T_DIR/t.txt" \
	--html "$T_DIR/t.html" --include-group all | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "a draft mailing is created" test -n "$id"

# ---- send-test signs with DKIM when [dkim] is set
mr send-test someone@example.net > "$T_DIR/st.out" 2>&1
check_eq "send-test exits 0" "$?" 0
mr spool show "$(sed -n '1s/^{"id":\([0-9]*\).*/\1/p' <(mr spool list --json))" > "$T_DIR/st.eml"
check_grep "send-test's message starts with a DKIM-Signature" "^DKIM-Signature: v=1; a=rsa-sha256;" \
	"$T_DIR/st.eml"
check "dkimpy verifies send-test's signature" dkim_ok "$T_DIR/st.eml"

# ---- mailing test through the spool
mr mailing test "$id" --to ann@example.net > "$T_DIR/t1.out" 2> "$T_DIR/t1.err"
check_eq "mailing test --to exits 0" "$?" 0
check_grep "and says where it went" "^test of mailing $id sent to ann@example.net (<mr\.0\.0\..*>) via spool" \
	"$T_DIR/t1.out"
sid=$(mr spool list --json | sed -n '1s/^{"id":\([0-9]*\).*/\1/p')
mr spool show "$sid" > "$T_DIR/test.eml"
check_grep "the test message is marked X-Mailroom-Test: yes" "^X-Mailroom-Test: yes" "$T_DIR/test.eml"
check_grep "its subject is the mailing's, untouched, tokens for the contact" "^Subject: Life for Ann" \
	"$T_DIR/test.eml"
check_grep "it has the VERP Return-Path id and List-Unsubscribe" "^List-Unsubscribe: <mailto:return+u\.0\.0\." \
	"$T_DIR/test.eml"
check "dkimpy verifies the test message's signature" dkim_ok "$T_DIR/test.eml"
mr mailing preview "$id" --contact ann@example.net > "$T_DIR/preview.eml"
check_eq "mailing preview exits 0" "$?" 0
check_eq "the preview equals the sent bytes but for Message-ID, Date and DKIM-Signature" \
	"$(strip_varying "$T_DIR/preview.eml" | md5sum)" "$(strip_varying "$T_DIR/test.eml" | md5sum)"
check "and those do differ from nothing: the preview is signed too" \
	grep -q "^DKIM-Signature:" "$T_DIR/preview.eml"
check_eq "preview --part text is the text part, tokens expanded" \
	"$(mr mailing preview "$id" --contact bob@example.net --part text | head -1)" "Hello Bob,"
check_eq "preview --part html is the HTML part, values escaped" \
	"$(mr mailing preview "$id" --contact bob@example.net --part html)" \
	"<p>Hello Bob Beta &amp; co</p>"
check_eq "preview without --contact uses a member of the first group" \
	"$(mr mailing preview "$id" --part text | head -1)" "Hello Ann,"
mr mailing preview "$id" --part pdf > /dev/null 2>&1
check_eq "preview --part pdf is a usage error" "$?" 64
mr mailing preview 999 > /dev/null 2> "$T_DIR/err"
check_eq "preview of an unknown mailing exits EX_NOINPUT" "$?" 66
check_grep "and names it" "no mailing 999" "$T_DIR/err"
mr mailing preview "$id" --contact nobody@example.net > /dev/null 2>&1
check_eq "preview for an unknown contact exits EX_NOINPUT" "$?" 66
mr mailing test "$id" > /dev/null 2>&1
check_eq "mailing test without --to or --group is a usage error" "$?" 64
mr mailing test "$id" --to not-an-address > /dev/null 2>&1
check_eq "mailing test --to a non-address exits EX_DATAERR" "$?" 65

# ---- tokens: the rendered subject, the mailing's name, resubscribe, the postal address
printf '{mailing.subject}|{mailing.name}|{action.resubscribeUrl}|{domain.address}\n' > "$T_DIR/tok.txt"
printf '<p>{domain.address}</p>\n' > "$T_DIR/tok.html"
tid=$(mr mailing create --name "Token test" --subject "News for {contact.first_name|you}" \
	--text "$T_DIR/tok.txt" --html "$T_DIR/tok.html" --include-group all | \
	sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
IFS='|' read -r t_subj t_name t_resub t_addr < <(mr mailing preview "$tid" --contact bob@example.net --part text)
check_eq "{mailing.subject} is the subject as rendered for the contact" "$t_subj" "News for Bob"
check_eq "{mailing.name} is the mailing's name" "$t_name" "Token test"
check "{action.resubscribeUrl} is the signed resubscribe link" \
	grep -qE '^https://example\.org/u\?mr=e\.0\.0\.[0-9a-f]{16}$' <<< "$t_resub"
check_eq "{domain.address} is [mailroom] postal_address" "$t_addr" "Example Org, 1 Main Street <Springfield> & Co"
check_eq "{domain.address} is escaped in HTML" "$(mr mailing preview "$tid" --contact bob@example.net --part html)" \
	"<p>Example Org, 1 Main Street &lt;Springfield&gt; &amp; Co</p>"

# ---- List-Id (RFC 2919) and Precedence: bulk, per mailing or the site's
lid=$(mr mailing create --name "Listed" --subject "Listed" --text "$T_DIR/t.txt" --include-group all \
	--list-id "Life News <life.example.org>" --precedence-bulk | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr mailing preview "$lid" --contact bob@example.net > "$T_DIR/l.eml"
check_grep "--list-id gives a List-Id header" '^List-Id: "Life News" <life\.example\.org>' "$T_DIR/l.eml"
check_grep "--precedence-bulk gives Precedence: bulk" '^Precedence: bulk' "$T_DIR/l.eml"
check_grep "the List-Id is signed" '^	t=[0-9]*; h=.*list-id' "$T_DIR/l.eml"
check "dkimpy verifies a message with List-Id" dkim_ok "$T_DIR/l.eml"
check_grep "mailing show lists the settings" '"settings":{"list_id":"Life News <life.example.org>","precedence":"bulk"}' \
	<(mr mailing show "$lid" --json)
mr mailing create --name Bad --subject Bad --text "$T_DIR/t.txt" --include-group all \
	--list-id "no dots here" > /dev/null 2> "$T_DIR/err"
check_eq "a --list-id that is no List-Id exits EX_DATAERR" "$?" 65
check_grep "and says what a List-Id is" 'RFC 2919' "$T_DIR/err"
check "a mailing without --list-id has no List-Id" not grep -q '^List-Id:' \
	<(mr mailing preview "$id" --contact bob@example.net)
cp "$T_DIR/site.ini" "$T_DIR/site.plain"
site spool "[mailing]" "list_id = news.example.org" "precedence_bulk = yes"
mr mailing preview "$id" --contact bob@example.net > "$T_DIR/s.eml"
check_grep "[mailing] list_id is the default List-Id" '^List-Id: <news\.example\.org>.$' "$T_DIR/s.eml"
check_grep "[mailing] precedence_bulk = yes adds Precedence: bulk" '^Precedence: bulk' "$T_DIR/s.eml"
mr mailing edit "$lid" --list-id "" --no-precedence-bulk > /dev/null
mr mailing preview "$lid" --contact bob@example.net > "$T_DIR/s2.eml"
check_grep "edit --list-id \"\" goes back to the site's List-Id" '^List-Id: <news\.example\.org>.$' "$T_DIR/s2.eml"
check "--no-precedence-bulk overrides the site's precedence_bulk" not grep -q '^Precedence:' "$T_DIR/s2.eml"
cp "$T_DIR/site.plain" "$T_DIR/site.ini"

mr mailing test "$id" --to me@example.org --contact bob@example.net > /dev/null
check_grep "--contact names whose tokens a test carries" "^Subject: Life for Bob" \
	<(mr spool show "$(mr spool list --json | sed -n '1s/^{"id":\([0-9]*\).*/\1/p')")
before=$(mr spool list --json | wc -l)
mr mailing test "$id" --group testers > "$T_DIR/g.out"
check_eq "mailing test --group sends one message per member" "$(grep -c '^test of mailing' "$T_DIR/g.out")" 2
check_eq "the spool holds two more" "$(mr spool list --json | wc -l)" "$((before + 2))"
check_grep "each member gets their own tokens" '"subject":"Life for Bob"' <(mr spool list --json)

# ---- nothing of the mailing moved
check_eq "the tests built no queue" "$(q "SELECT count(*) FROM mailing_recipients")" 0
check_eq "the mailing is still a draft" "$(mr mailing list --json | grep -c '"status":"draft"')" 3
check_grep "its stats count no recipient" '"total":0,"queued":0,"sending":0,"sent":0' \
	<(mr mailing stats "$id" --json)

check_grep "the tests are counted apart in the stats" '"tests_sent":4' <(mr mailing stats "$id" --json)
check_grep "and said in the stats as such" '^  tests      4 ' <(mr mailing stats "$id")

# ---- edit, copy, delete
printf '<p>New {contact.first_name}</p>\n' > "$T_DIR/new.html"
mr mailing edit "$id" --subject "Edited for {contact.first_name}" --html "$T_DIR/new.html" \
	--include-group testers > "$T_DIR/e.out"
check_eq "mailing edit of a draft exits 0" "$?" 0
check_grep "and says so" "^mailing $id edited" "$T_DIR/e.out"
mr mailing show "$id" --json > "$T_DIR/e.json"
check_grep "the subject is edited, the name kept" '"name":"Life","subject":"Edited for {contact.first_name}"' \
	"$T_DIR/e.json"
check_grep "the groups given replace the stored ones" '"include":\["testers"\]' "$T_DIR/e.json"
check_eq "the HTML part is replaced, the text part kept" \
	"$(mr mailing preview "$id" --contact bob@example.net --part html; mr mailing preview "$id" --contact bob@example.net --part text | head -1)" \
	"$(printf '<p>New Bob</p>\nHello Bob,')"
printf 'Hi {contact.nosuch}\n' > "$T_DIR/bad.txt"
mr mailing edit "$id" --text "$T_DIR/bad.txt" > /dev/null 2> "$T_DIR/err"
check_eq "edit with an unknown token exits EX_DATAERR" "$?" 65
check_grep "and names the token" "unknown token {contact.nosuch}" "$T_DIR/err"
mr mailing edit "$id" --include-group nosuch > /dev/null 2> "$T_DIR/err"
check "edit with an unknown group fails" test "$?" -ne 0
check_grep "and the mailing keeps its groups" '"include":\["testers"\]' <(mr mailing show "$id" --json)
mr mailing edit "$id" > /dev/null 2>&1
check_eq "edit with nothing to change is a usage error" "$?" 64
mr mailing copy "$id" > "$T_DIR/c.out"
check_eq "mailing copy exits 0" "$?" 0
cid=$(sed -n 's/^mailing \([0-9]*\) created (a draft copy of mailing '"$id"').*/\1/p' "$T_DIR/c.out")
check "mailing copy prints the new id" test -n "$cid"
mr mailing show "$cid" --json > "$T_DIR/c.json"
check_grep "the copy is a draft named Copy of Life with the same subject" \
	'"name":"Copy of Life","subject":"Edited for {contact.first_name}","status":"draft"' "$T_DIR/c.json"
check_eq "the copy renders the same HTML" "$(mr mailing preview "$cid" --contact bob@example.net --part html)" \
	"<p>New Bob</p>"
mr mailing edit "$cid" --schedule "@$(( $(date +%s) + 86400 ))" > /dev/null
check_grep "edit --schedule schedules a draft" '"status":"scheduled"' <(mr mailing show "$cid" --json)
mr mailing edit "$cid" --name "Scheduled copy" > /dev/null
check_eq "a scheduled mailing not yet started can be edited" "$?" 0
mr mailing delete "$cid" > /dev/null 2> "$T_DIR/err"
check_eq "delete of a scheduled mailing exits EX_DATAERR" "$?" 65
mr mailing cancel "$cid" > /dev/null
mr mailing delete "$cid" > "$T_DIR/d.out"
check_eq "a canceled mailing that sent nothing is deleted" "$?" 0
check_eq "it is gone" "$(mr mailing list --json | grep -c "\"id\":$cid,")" 0
mr mailing delete "$cid" > /dev/null 2>&1
check_eq "deleting it again exits EX_NOINPUT" "$?" 66
# a started mailing: edit refused, and once sent, delete refused
sent=$(mr mailing copy "$id" --name Sent | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr mailing schedule "$sent" now > /dev/null
mr job run mailing > /dev/null 2>&1
check_grep "the copy was sent to both testers" '"sent":2' <(mr mailing stats "$sent" --json)
mr mailing edit "$sent" --subject X > /dev/null 2> "$T_DIR/err"
check_eq "edit of a sent mailing exits EX_DATAERR" "$?" 65
check_grep "and says which mailings can be edited" "is complete: only a draft or a scheduled mailing not yet started" \
	"$T_DIR/err"
mr mailing delete "$sent" > /dev/null 2> "$T_DIR/err"
check_eq "delete of a sent mailing exits EX_DATAERR" "$?" 65
check_grep "a sent mailing is kept" "kept for its history" "$T_DIR/err"
check "the real send carries no X-Mailroom-Test" \
	not grep -q "^X-Mailroom-Test" <(mr spool show "$(mr spool list --json | sed -n '1s/^{"id":\([0-9]*\).*/\1/p')")

# ---- templates: layouts with a header and footer, filled by a mailing's content
cat > "$T_DIR/layout.html" <<'HTML'
<html><body><h1>Example News</h1>
{template.content}
<p><a href="{action.unsubscribeUrl}">Unsubscribe</a> | {domain.address}</p></body></html>
HTML
printf '{template.content}\n-- \nUnsubscribe: {action.unsubscribeUrl}\n{domain.address}\n' > "$T_DIR/layout.txt"
mr template add news --html "$T_DIR/layout.html" --text "$T_DIR/layout.txt" > "$T_DIR/ta.out" 2> "$T_DIR/ta.err"
check_eq "template add exits 0" "$?" 0
check_grep "and says it added it" "^template news added" "$T_DIR/ta.out"
check_eq "a layout with the unsubscribe and address tokens gives no warning" "$(wc -c < "$T_DIR/ta.err")" 0
printf '<div>{template.content}</div>\n' > "$T_DIR/bare.html"
mr template add bare --html "$T_DIR/bare.html" > /dev/null 2> "$T_DIR/tb.err"
check_eq "a bare layout is added" "$?" 0
check_grep "with a warning for the missing unsubscribe link" "warning: bare: the HTML layout has no {action.unsubscribeUrl}" "$T_DIR/tb.err"
check_grep "and for the missing postal address" "warning: bare: the HTML layout has no {domain.address}" "$T_DIR/tb.err"
printf '<p>no slot</p>\n' > "$T_DIR/noslot.html"
mr template add noslot --html "$T_DIR/noslot.html" > /dev/null 2> "$T_DIR/err"
check_eq "a layout without {template.content} exits EX_DATAERR" "$?" 65
check_grep "and says what it needs" "needs {template.content} exactly once" "$T_DIR/err"
mr template list --json > "$T_DIR/tl.json"
check_eq "template list --json lists both" "$(grep -c '"name":' "$T_DIR/tl.json")" 2
check_grep "with their layouts" '"name":"news".*"text":"{template.content}' "$T_DIR/tl.json"
check_grep "template list has a header" "^NAME  *CREATED  *HTML TEXT" <(mr template list)
check_grep "template show prints the layout" "^<html><body><h1>Example News</h1>" <(mr template show news)
mr template show nosuch > /dev/null 2>&1
check_eq "template show of an unknown one exits EX_NOINPUT" "$?" 66
mr template delete bare > /dev/null
check_eq "template delete removes it" "$(mr template list --json | grep -c '"name":"bare"')" 0
cat > "$T_DIR/content.html" <<'HTML'
<p>Dear {contact.first_name},</p>
<p>Read <a href="https://example.org/report?y=2026&amp;lang=en">our report</a>:</p>
<ul><li>Spring</li><li>Summer</li></ul>
HTML
tm=$(mr mailing create --name Templated --subject "Templated" --template news --html "$T_DIR/content.html" \
	--include-group all | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check "mailing create --template makes a mailing" test -n "$tm"
mr mailing preview "$tm" --contact bob@example.net --part html > "$T_DIR/tm.html"
check_grep "the HTML has the template's header" "^<html><body><h1>Example News</h1>" "$T_DIR/tm.html"
check_grep "the content in its slot" "^<p>Dear Bob,</p>" "$T_DIR/tm.html"
check_grep "and the footer with the postal address" "Example Org, 1 Main Street &lt;Springfield&gt; &amp; Co</p></body></html>" "$T_DIR/tm.html"
mr mailing preview "$tm" --contact bob@example.net --part text > "$T_DIR/tm.txt"
check_grep "with only HTML content, the text part is made from the HTML" "^Dear Bob,$" "$T_DIR/tm.txt"
check_grep "links are written out after their text" "^Read our report <https://example.org/report?y=2026&lang=en>:$" "$T_DIR/tm.txt"
check_grep "list items are bulleted" "^- Summer$" "$T_DIR/tm.txt"
check_grep "the footer's unsubscribe link is written out" "^Unsubscribe <https://example.org/u?mr=u\.0\.0\.[0-9a-f]*> | Example Org" "$T_DIR/tm.txt"
check_eq "paragraphs are separated by a blank line" "$(sed -n '2,3p' "$T_DIR/tm.txt")" "$(printf '\nDear Bob,')"
check_grep "mailing show names the template" '"template":"news"' <(mr mailing show "$tm" --json)
printf '<p>Changed {contact.first_name}</p>\n' > "$T_DIR/changed.html"
mr mailing edit "$tm" --html "$T_DIR/changed.html" > /dev/null
check_eq "edit --html remakes a text part that was made from the HTML" \
	"$(mr mailing preview "$tm" --contact bob@example.net --part text)" "Changed Bob"
mr mailing create --name NoTpl --subject X --template nosuch --html "$T_DIR/content.html" \
	--include-group all > /dev/null 2> "$T_DIR/err"
check_eq "--template of an unknown template exits EX_NOINPUT" "$?" 66

# ---- approval: [mailing] require_approval = yes
cp "$T_DIR/site.ini" "$T_DIR/site.plain"
site spool "[mailing]" "require_approval = yes"
printf 'alice-password\n' > "$T_DIR/alice.pw"
printf 'wrong-password\n' > "$T_DIR/wrong.pw"
printf 'carol-password\n' > "$T_DIR/carol.pw"
chmod 600 "$T_DIR/alice.pw" "$T_DIR/wrong.pw" "$T_DIR/carol.pw"
mr user add alice --grant send-mail --password-file "$T_DIR/alice.pw" > /dev/null
mr user add carol --grant view-contacts --password-file "$T_DIR/carol.pw" > /dev/null
mr mailing create --name Unapproved --subject U --text "$T_DIR/t.txt" --include-group all \
	--schedule now > /dev/null 2> "$T_DIR/err"
check_eq "create --schedule without approval exits EX_DATAERR" "$?" 65
check_grep "and says how to get it approved" "create the mailing as a draft, have it approved" "$T_DIR/err"
ap=$(mr mailing create --name Approval --subject A --text "$T_DIR/t.txt" --include-group testers | \
	sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
mr mailing schedule "$ap" now > /dev/null 2> "$T_DIR/err"
check_eq "scheduling an unapproved mailing exits EX_DATAERR" "$?" 65
check_grep "and names the command to approve it" "mailing $ap is not approved: mailroom mailing approve $ap --user NAME" "$T_DIR/err"
mr mailing approve "$ap" --user alice --password-file "$T_DIR/wrong.pw" > /dev/null 2> "$T_DIR/err"
check_eq "approve with a wrong password exits EX_NOPERM" "$?" 77
mr mailing approve "$ap" --user carol --password-file "$T_DIR/carol.pw" > /dev/null 2> "$T_DIR/err"
check_eq "approve by a user without send-mail exits EX_NOPERM" "$?" 77
check_grep "and says which permission" "send-mail" "$T_DIR/err"
mr mailing approve "$ap" --user alice --password-file "$T_DIR/alice.pw" > "$T_DIR/ap.out"
check_eq "approve by alice exits 0" "$?" 0
check_grep "and says who approved it" "^mailing $ap approved by alice" "$T_DIR/ap.out"
check_grep "mailing show says who approved it" '"approved_by":"alice"' <(mr mailing show "$ap" --json)
mr mailing schedule "$ap" "@$(( $(date +%s) + 86400 ))" > /dev/null
check_eq "an approved mailing is scheduled" "$?" 0
mr mailing edit "$ap" --subject "A2" > /dev/null 2> "$T_DIR/err"
check_grep "an edit withdraws the approval" "changed after alice approved it: it needs approving again" "$T_DIR/err"
check_grep "and pauses what was scheduled" '"status":"paused"' <(mr mailing show "$ap" --json)
mr mailing schedule "$ap" now > /dev/null 2>&1
check_eq "it cannot be scheduled again unapproved" "$?" 65
MAILROOM_PASSWORD=alice-password mr mailing approve "$ap" --user alice > /dev/null
mr mailing schedule "$ap" now > /dev/null
check_eq "approved again (password from MAILROOM_PASSWORD), it is scheduled" "$?" 0
mr job run mailing > /dev/null 2>&1
check_grep "and sent" '"sent":2' <(mr mailing stats "$ap" --json)
cp "$T_DIR/site.plain" "$T_DIR/site.ini"

# ---- reply_to = verp: replies counted against their recipient, then forwarded
rv=$(mr mailing create --name Replies --subject "Replies" --text "$T_DIR/t.txt" --include-group testers \
	--reply-to verp --reply-to replies@example.org | sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
check_grep "--reply-to verp puts the VERP reply address in Reply-To, with the From name" \
	'^Reply-To: "Example News" <return+r\.0\.0\.[0-9a-f]\{16\}@bounce\.example\.org>' \
	<(mr mailing preview "$rv" --contact bob@example.net)
mr mailing schedule "$rv" now > /dev/null
mr job run mailing > /dev/null 2>&1
sid=$(mr spool list --json | grep '"recipient":"bob@example.net","subject":"Replies"' | sed -n 's/^{"id":\([0-9]*\).*/\1/p')
reply=$(mr spool show "$sid" | sed -n 's/^Reply-To: .*<\(return+r\.[0-9]*\.[0-9]*\.[0-9a-f]*@bounce\.example\.org\)>.$/\1/p')
check "the sent message's Reply-To is its recipient's reply address" test -n "$reply"
printf 'From: Bob <bob@example.net>\nTo: %s\nSubject: Re: Replies\nMessage-ID: <re1@example.net>\n\nCount me in!\n' \
	"$reply" > "$T_DIR/bounces/reply.1"
mr job run bounces > "$T_DIR/rb.out" 2>&1
check_eq "the reply is counted as a reply event of bob's queue row" \
	"$(q "SELECT count(*) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = $rv AND r.email = 'bob@example.net' AND ev.event_type = 'reply'")" 1
check_eq "and forwarded to the mailing's other --reply-to address" \
	"$(q "SELECT count(*) FROM mail_spool WHERE recipient = 'replies@example.org' AND CAST(body AS TEXT) LIKE '%Count me in!%'")" 1
fid=$(q "SELECT id FROM mail_spool WHERE recipient = 'replies@example.org' ORDER BY id DESC LIMIT 1")
mr spool show "$fid" > "$T_DIR/fwd.eml"
check_grep "the forwarded reply is From the site's address, naming the replier" \
	'^From: "Bob via Example News" <news@example.org>' "$T_DIR/fwd.eml"
check_grep "with the replier in Reply-To" '^Reply-To: Bob <bob@example.net>' "$T_DIR/fwd.eml"
check_grep "and Resent-From, Resent-To" '^Resent-To: <replies@example.org>' "$T_DIR/fwd.eml"
check_grep "its envelope sender is the site's address" '"sender":"news@example.org"' \
	<(mr spool list --json | grep "\"id\":$fid,")
check "dkimpy verifies the forwarded reply" dkim_ok "$T_DIR/fwd.eml"
/usr/bin/python3 - "$T_DIR/fwd.eml" "$T_DIR/rsa.txt" <<'PY' && ok "the forwarded reply passes DMARC: a verifying DKIM signature aligned with From" || not_ok "the forwarded reply passes DMARC: a verifying DKIM signature aligned with From"
import sys, dkim, email, email.utils
msg = open(sys.argv[1], 'rb').read()
rec = open(sys.argv[2], 'rb').read().strip()
m = email.message_from_bytes(msg)
from_dom = email.utils.parseaddr(m['From'])[1].rsplit('@', 1)[1].lower()
sig = dict(kv.strip().split('=', 1) for kv in m['DKIM-Signature'].replace('\r\n', '').split(';') if '=' in kv)
d = sig['d'].strip().lower()
aligned = from_dom == d or from_dom.endswith('.' + d)
assert aligned, (from_dom, d)
assert dkim.verify(msg, dnsfunc=lambda name, timeout=5: rec)
PY
cp "$T_DIR/site.ini" "$T_DIR/site.plain"
site spool "[mailing]" "reply_to = verp"
check_grep "[mailing] reply_to = verp gives every mailing a VERP Reply-To" '^Reply-To: "Example News" <return+r\.0\.0\.' \
	<(mr mailing preview "$id" --contact bob@example.net)
cp "$T_DIR/site.plain" "$T_DIR/site.ini"

# ---- mailing test through transport-smtp to the test SMTP server
SD=$T_DIR/smtp
P=$(free_port)
smtp_server_start "$SD" "$P"
check "the test SMTP server listens on $P" test -f "$SD/ready"
site smtp "[transport-smtp]" "host = 127.0.0.1" "port = $P" "tls = none"
mr mailing test "$id" --to tester@example.com > "$T_DIR/s.out" 2>&1
check_eq "mailing test through transport-smtp exits 0" "$?" 0
check_grep "and reports the server's answer" "^test of mailing $id sent to tester@example.com .* via smtp: 250" \
	"$T_DIR/s.out"
f=$(grep -rl --include='*.json' '"tester@example.com"' "$SD" | head -1)
eml=${f%.json}.eml
check_grep "the server received it marked as a test" "^X-Mailroom-Test: yes" "$eml"
check_grep "with the VERP envelope sender" '"mail_from": *"return+b\.0\.0\.[0-9a-f]*@bounce\.example\.org"' "$f"
check "dkimpy verifies the bytes the server received" dkim_ok "$eml"
check_eq "no queue row of the tested mailing after the SMTP test" \
	"$(q "SELECT count(*) FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = $id")" 0

done_testing
