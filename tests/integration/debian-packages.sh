#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the Debian packages from a copy of the tree (dpkg-buildpackage -b), checks each package's files, Depends, conffiles and lintian, then runs the README's demo with the extracted (not installed) binaries, with and without mailroom-smtp.
. "$MR_SRCDIR/tests/lib.sh"
[ -z "${MR_SANITIZE:-}" ] || skip_all "the packages are built, checked and installed by the normal run (they are not a sanitizer build)"
needs dpkg-buildpackage dh lintian fakeroot dpkg-deb
version=$(sed -n '1s/^mailroom (\([^)]*\)).*/\1/p' "$MR_SRCDIR/debian/changelog")
upstream=${version%-*}
src=$T_DIR/build/mailroom-$upstream
mkdir -p "$src"
# the tree as it is (committed or not), without build outputs
# (a git checkout's own top, not a tree nested in one such as make distcheck's)
if [ "$(git -C "$MR_SRCDIR" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$MR_SRCDIR" && pwd -P)" ]; then
	git -C "$MR_SRCDIR" ls-files -z --cached --others --exclude-standard |
		(cd "$MR_SRCDIR" && tar --null -T - -cf - 2>/dev/null) | tar -C "$src" -xf -
else
	tar -C "$MR_SRCDIR" --exclude=./_build --exclude=./_inst --exclude=./.git -cf - . |
		tar -C "$src" -xf -
fi
chmod -R u+w "$src" # make distcheck's source tree is read-only
check_eq "configure.ac's version is debian/changelog's upstream version" \
	"$(sed -n 's/^AC_INIT(\[mailroom\], \[\([^]]*\)\].*/\1/p' "$MR_SRCDIR/configure.ac")" "$upstream"
check_grep "NEWS has the release $upstream" "^$upstream " "$MR_SRCDIR/NEWS"
start=$(date +%s)
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
	> "$T_DIR/build.log" 2>&1
rc=$?
check_eq "dpkg-buildpackage -us -uc -b succeeds" "$rc" 0
[ "$rc" = 0 ] || tail -30 "$T_DIR/build.log" | sed 's/^/#   /'
diag "packages built in $(( $(date +%s) - start )) s"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb() { echo "$T_DIR/build/${1}_${version}_$arch.deb"; }
for p in mailroom mailroom-smtp mailroom-imap mailroom-mariadb libmailroom-mail0 libmailroom-dev \
	mailroom-dbgsym mailroom-smtp-dbgsym libmailroom-mail0-dbgsym; do
	check "package $p is built" test -s "$(deb $p)"
done
# what each package holds: PACKAGE PATH (a regex, anchored)
plugins=usr/lib/$ma/mailroom/plugins
while read -r p path; do
	if dpkg-deb -c "$(deb "$p")" 2>/dev/null | awk '{print $6}' | grep -qx "\./$path"; then
		ok "$p has /$path"
	else
		not_ok "$p has /$path"
	fi
done <<TABLE
mailroom usr/bin/mailroom
mailroom $plugins/store-sqlite.so
mailroom $plugins/transport-spool.so
mailroom $plugins/transport-disabled.so
mailroom $plugins/transport-sendmail.so
mailroom $plugins/transport-mail.so
mailroom $plugins/fetch-maildir.so
mailroom $plugins/fetch-localdir.so
mailroom $plugins/job-process-mailing.so
mailroom $plugins/job-fetch-bounces.so
mailroom $plugins/job-fetch-activities.so
mailroom $plugins/job-reset-holds.so
mailroom $plugins/job-cleanup.so
mailroom etc/mailroom/mailroom.ini
mailroom etc/mailroom/bounce-rules.conf
mailroom etc/cron.d/mailroom
mailroom lib/systemd/system/mailroom-cron.service
mailroom lib/systemd/system/mailroom-cron.timer
mailroom lib/systemd/system/mailroom-serve.service
mailroom lib/systemd/system/mailroom-serve.socket
mailroom usr/share/man/man1/mailroom.1.gz
mailroom usr/share/man/man5/mailroom.ini.5.gz
mailroom usr/share/doc/mailroom/copyright
mailroom-smtp $plugins/transport-smtp.so
mailroom-imap $plugins/fetch-imap.so
mailroom-imap $plugins/fetch-pop3.so
mailroom-mariadb $plugins/store-mariadb.so
mailroom usr/share/mailroom/plugin-packages
libmailroom-mail0 usr/lib/$ma/libmailroom-mail.so.0.0.0
libmailroom-mail0 usr/lib/$ma/libmailroom-mail.so.0
libmailroom-dev usr/lib/$ma/libmailroom-mail.so
libmailroom-dev usr/include/mailroom/plugin.h
libmailroom-dev usr/include/mailroom/store.h
libmailroom-dev usr/include/mailroom/mail.h
libmailroom-dev usr/lib/$ma/pkgconfig/mailroom-plugin.pc
libmailroom-dev usr/lib/$ma/pkgconfig/mailroom-mail.pc
libmailroom-dev usr/bin/mailroom-store-check
libmailroom-dev usr/share/man/man1/mailroom-store-check.1.gz
libmailroom-dev usr/share/man/man7/mailroom-plugin.7.gz
libmailroom-dev usr/share/doc/libmailroom-dev/examples/job-hello/job-hello.c
TABLE
# what the core package must not hold: the heavy plugins
for so in transport-smtp.so fetch-imap.so fetch-pop3.so; do
	got=$(dpkg-deb -c "$(deb mailroom)" | grep -c "/$so\$")
	check_eq "mailroom does not hold $so" "$got" 0
done
# Depends: PACKAGE and a regex its Depends must match
while read -r p want; do
	got=$(dpkg-deb -f "$(deb "$p")" Depends)
	if echo "$got" | grep -Eq "$want"; then ok "$p Depends matches $want"; else
		not_ok "$p Depends matches $want"; diag "  got: $got"; fi
done <<TABLE
mailroom (^|, )adduser(,|$)
mailroom libmailroom-mail0 \(>= $upstream\)
mailroom libsqlite3-0
mailroom-smtp (^|, )mailroom \(= $version\)
mailroom-smtp libcurl3-gnutls
mailroom-imap (^|, )mailroom \(= $version\)
mailroom-imap libetpan
mailroom-mariadb (^|, )mailroom \(= $version\)
mailroom-mariadb libmariadb3
libmailroom-dev libmailroom-mail0 \(= $version\)
TABLE
got=$(dpkg-deb -f "$(deb mailroom)" Depends)
# the command itself speaks HTTP for OAuth2 (account authorize, token
# refresh), so libcurl is the core's; the plugin families' libraries are not
check "mailroom does not depend on libetpan or libmariadb" \
	bash -c "! echo '$got' | grep -Eq 'libetpan|libmariadb'"
# conffiles and maintainer scripts
dpkg-deb -e "$(deb mailroom)" "$T_DIR/control"
for f in /etc/mailroom/mailroom.ini /etc/mailroom/bounce-rules.conf /etc/cron.d/mailroom; do
	check_grep "$f is a conffile" "^$f\$" "$T_DIR/control/conffiles"
done
check_grep "postinst creates the system user" "adduser --system" "$T_DIR/control/postinst"
check_grep "postinst creates /var/lib/mailroom" "/var/lib/mailroom" "$T_DIR/control/postinst"
check_grep "postrm purges /var/lib/mailroom" "rm -rf /var/lib/mailroom" "$T_DIR/control/postrm"
# dh_installsystemd --no-enable: the timer is enabled again only where the
# admin had enabled it (upgrades), never started by the package
check_eq "the package starts no unit" "$(grep -c 'deb-systemd-invoke' "$T_DIR/control/postinst")" 0
got=$(grep -B2 "deb-systemd-helper enable" "$T_DIR/control/postinst" | grep -c "was-enabled")
want=$(grep -c "deb-systemd-helper enable" "$T_DIR/control/postinst")
check "each unit (timer, serve service and socket) is enabled only where the admin had enabled it ($got of $want)" \
	test "$want" -ge 1 -a "$got" = "$want"
# lintian: no error, no warning left (each remaining one is overridden with a reason)
lintian --no-tag-display-limit "$T_DIR/build/mailroom_${version}_$arch.changes" \
	> "$T_DIR/lintian.out" 2>&1
check_eq "lintian reports no errors" "$(grep -c '^E:' "$T_DIR/lintian.out")" 0
check_eq "lintian reports no warnings" "$(grep -c '^W:' "$T_DIR/lintian.out")" 0
grep -E '^(E|W):' "$T_DIR/lintian.out" | head -20 | sed 's/^/#   /'
# The README's demo with the packaged binaries, extracted (never dpkg -i on a
# shared machine): core and library only, then with mailroom-smtp.
root=$T_DIR/root
for p in mailroom libmailroom-mail0; do dpkg-deb -x "$(deb $p)" "$root"; done
export LD_LIBRARY_PATH=$root/usr/lib/$ma
export MAILROOM_PLUGIN_PATH=$root/$plugins MAILROOM_PLUGIN_PATH_ONLY=1
mr=$root/usr/bin/mailroom
check_eq "the packaged mailroom says its version" "$("$mr" --version | awk '{print $2}')" "$upstream"
got=$("$mr" --config /nonexistent plugins --json | grep -c '"loadable":true')
check_eq "mailroom plugins lists the core package's 12 plugins" "$got" 12
site=$T_DIR/site
mkdir -p "$site/demo-mail/Maildir/new" "$site/demo-mail/Maildir/cur" "$site/demo-mail/Maildir/tmp"
cp "$MR_SRCDIR/etc/mailroom.ini" "$site/mailroom.ini"
# the site secret the mailing job needs, as scripts/demo.sh makes it
(umask 077; printf 'test-site-secret-0123456789\n' > "$site/secret")
sed -i "s|^;secret_file = .*|secret_file = $site/secret|" "$site/mailroom.ini"
export MAILROOM_CONFIG=$site/mailroom.ini MAILROOM_BOUNCE_RULES=$root/etc/mailroom/bounce-rules.conf
check "demo: config check" "$mr" config check
check "demo: send-test" "$mr" send-test someone@example.org
check_eq "demo: the spool holds the message" "$("$mr" spool list --json | wc -l)" 1
check "demo: cron runs the due jobs" "$mr" --quiet cron
# a site asking for smtp without mailroom-smtp installed
sed -e 's/^transport = spool$/transport = smtp/' "$site/mailroom.ini" > "$site/smtp.ini"
printf '\n[transport-smtp]\nhost = 127.0.0.1\n' >> "$site/smtp.ini"
"$mr" --config "$site/smtp.ini" config check > "$T_DIR/check.out" 2>&1
rc=$?
check_eq "config check fails without mailroom-smtp (EX_CONFIG or EX_UNAVAILABLE)" \
	"$([ $rc = 78 ] || [ $rc = 69 ] && echo failed || echo "exit $rc")" failed
check_grep "the message names the missing plugin" "transport plugin 'smtp' not found" "$T_DIR/check.out"
MAILROOM_PLUGIN_PACKAGES=$root/usr/share/mailroom/plugin-packages \
	"$mr" --config "$site/smtp.ini" config check > "$T_DIR/check.out" 2>&1
check_grep "and the package to install, from the packaged list" \
	"transport plugin 'smtp' not found; install the package mailroom-smtp, which has it" "$T_DIR/check.out"
dpkg-deb -x "$(deb mailroom-smtp)" "$root"
check "with mailroom-smtp extracted, config check passes" "$mr" --config "$site/smtp.ini" config check

# Installing into the machine itself, removing one plugin package and purging:
# only where the machine is the test's (CI, or MR_TEST_DPKG_INSTALL=1), never
# on a shared development machine; skipped when mailroom is already installed.
if [ "${CI:-}" = true ] || [ "${MR_TEST_DPKG_INSTALL:-}" = 1 ]; then
	if dpkg -s mailroom > /dev/null 2>&1; then
		skip "dpkg install: a mailroom package is already installed here"
	else
		unset LD_LIBRARY_PATH MAILROOM_PLUGIN_PATH MAILROOM_PLUGIN_PATH_ONLY MAILROOM_CONFIG \
			MAILROOM_BOUNCE_RULES
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			"$(deb libmailroom-mail0)" "$(deb mailroom)" "$(deb mailroom-smtp)" \
			> "$T_DIR/apt.out" 2>&1
		check_eq "apt installs the core and mailroom-smtp" "$?" 0
		tail -5 "$T_DIR/apt.out" | sed 's/^/#   /'
		check "the installed command runs" /usr/bin/mailroom --version
		check "the system user exists" id mailroom
		check "/var/lib/mailroom exists" test -d /var/lib/mailroom
		check_eq "the site secret is made, mode 600, owned by mailroom" \
			"$(stat -c '%a %U' /etc/mailroom/secret 2>&1)" "600 mailroom"
		check "the packaged site passes config check out of the box" \
			/usr/bin/mailroom --config /etc/mailroom/mailroom.ini config check
		/usr/bin/mailroom --config /etc/mailroom/mailroom.ini plugins --json > "$T_DIR/inst-plugins" 2>&1
		check_grep "mailroom plugins lists the installed smtp transport" '"name":"smtp"' "$T_DIR/inst-plugins"
		isite=$T_DIR/isite
		mkdir -p "$isite/demo-mail/Maildir/new" "$isite/demo-mail/Maildir/cur" "$isite/demo-mail/Maildir/tmp"
		sed -e 's/^transport = spool$/transport = smtp/' "$site/mailroom.ini" > "$isite/smtp.ini"
		printf '\n[transport-smtp]\nhost = 127.0.0.1\n' >> "$isite/smtp.ini"
		check "with mailroom-smtp installed, config check passes" \
			/usr/bin/mailroom --config "$isite/smtp.ini" config check
		dpkg -r mailroom-smtp > "$T_DIR/remove.out" 2>&1
		check_eq "mailroom-smtp is removed" "$?" 0
		/usr/bin/mailroom --config "$isite/smtp.ini" config check > "$T_DIR/check2.out" 2>&1
		check_eq "then config check fails (EX_CONFIG)" "$?" 78
		check_grep "and names the package to install" \
			"install the package mailroom-smtp, which has it" "$T_DIR/check2.out"
		dpkg --purge mailroom libmailroom-mail0 > "$T_DIR/purge.out" 2>&1
		check_eq "purge succeeds" "$?" 0
		check "purge leaves no /var/lib/mailroom" test ! -e /var/lib/mailroom
		check "purge leaves no /etc/mailroom (nor its secret)" test ! -e /etc/mailroom
		check "nor /usr/bin/mailroom" test ! -e /usr/bin/mailroom
		check "nor the plugin directory" sh -c "! ls -d /usr/lib/*/mailroom 2>/dev/null | grep -q ."
	fi
fi
done_testing
