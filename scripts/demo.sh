#!/bin/bash
# SPDX-License-Identifier: MIT
# The quick start: installs the packages (as root), builds and installs mailroom
# into ./_demo/prefix, and runs the demo site of etc/mailroom.ini on its
# embedded defaults: SQLite, the spool transport, nothing leaves the machine.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
if [ "$(id -u)" = 0 ]; then
	bash scripts/deps.sh
fi
./autogen.sh >/dev/null
mkdir -p _demo/build _demo/site
cd _demo/build
"$top/configure" --prefix="$top/_demo/prefix" --sysconfdir="$top/_demo/site" >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
cd "$top"
site=$top/_demo/site
[ -e "$site/mailroom.ini" ] || cp etc/mailroom.ini "$site/mailroom.ini"
# the site secret that signs VERP addresses, in a file only its owner can
# read, named by the demo's config: `mailroom cron` works by hand too
if [ ! -s "$site/secret" ]; then
	(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$site/secret")
fi
chmod 600 "$site/secret"
if ! grep -q '^secret_file' "$site/mailroom.ini"; then
	sed -i "s|^;secret_file = .*|secret_file = $site/secret|" "$site/mailroom.ini"
fi
# the Maildir of [account-demo-activities], read by every cron run
md=$site/demo-mail/Maildir
mkdir -p "$md/new" "$md/cur" "$md/tmp"
export MAILROOM_CONFIG=$site/mailroom.ini
mr=$top/_demo/prefix/bin/mailroom
run() { echo; echo "\$ mailroom $*"; "$mr" "$@"; }
run config check
run plugins
run send-test --subject "Grüße from the mailroom demo" someone@example.org
run spool list
id=$("$mr" spool list --json | head -1 | sed 's/^{"id":\([0-9]*\).*/\1/')
run spool show "$id"
# a mass mailing: contacts from a CSV file (one bad row is reported and
# skipped), a mailing with tokens, and the scheduled job sending it
run contact import examples/mailing/contacts.csv || true
run group list
id=$("$mr" mailing create --name "Spring newsletter" \
	--subject "Spring news for {contact.first_name|you}" \
	--text examples/mailing/newsletter.txt --html examples/mailing/newsletter.html \
	--include-group newsletter --exclude-group volunteers --schedule now |
	sed -n 's/^mailing \([0-9]*\) created.*/\1/p')
run mailing list
run cron
run mailing stats "$id"
mid=$("$mr" spool list --json | head -1 | sed 's/^{"id":\([0-9]*\).*/\1/')
run spool show "$mid"
# email-to-activity: sample messages dropped into the demo's Maildir (the
# Bcc mailbox of [account-demo-activities]) are filed by the next cron run
i=0
for f in examples/activity/*.eml; do
	i=$((i + 1))
	cp "$f" "$md/new/$(date +%s).demo$i.$(hostname)"
done
run cron
run activity list
aid=$("$mr" activity list --json | grep -m1 '"filename"' | sed 's/^{"id":\([0-9]*\).*/\1/')
run activity show "$aid"
echo
echo "\$ mailroom activity attachment $aid 1 > minutes.txt"
"$mr" activity attachment "$aid" 1 > "$top/_demo/minutes.txt"
cat "$top/_demo/minutes.txt"
echo
echo "The demo site is $site/mailroom.ini; its database is $site/mailroom.db."
echo "Run more commands with: MAILROOM_CONFIG=$site/mailroom.ini $mr --help"
