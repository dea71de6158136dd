#!/bin/bash
# SPDX-License-Identifier: MIT
# The built man pages name every command of `mailroom --help-commands` and every key of the core and of each built plugin, and groff renders each without a warning.
. "$MR_SRCDIR/tests/lib.sh"
needs groff
man=$MR_BUILDDIR/doc/man
# every command, as a .SS heading of mailroom(1)
"$MAILROOM" --help-commands > "$T_DIR/commands.tsv"
check "the command table has commands" test -s "$T_DIR/commands.tsv"
while IFS=$'\t' read -r name usage help; do
	got=$(grep -c "^\.SS ${name//-/\\\\-}\$" "$man/mailroom.1")
	check_eq "mailroom(1) documents the command $name" "$got" 1
done < "$T_DIR/commands.tsv"
# every key of every built plugin, as a .TP entry of mailroom.ini(5)
"$MAILROOM" --config /nonexistent plugins --json > "$T_DIR/plugins.json"
/usr/bin/python3 - "$T_DIR/plugins.json" > "$T_DIR/keys" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    p = json.loads(line)
    if p.get('loadable') and '/tests/' not in p['path']:
        for k in p['keys']:
            print('%s-%s %s' % (p['kind'], p['name'], k['name'] + ('_file' if k['type'] == 'secret' else '')))
PY
n=0
while read -r plugin key; do
	n=$((n + 1))
	if grep -q "^\\\\fB${key//-/\\\\-}\\\\fR = " "$man/mailroom.ini.5"; then :; else
		not_ok "mailroom.ini(5) documents $key of $plugin"; fi
done < "$T_DIR/keys"
check "plugins declare keys" test "$n" -gt 20
ok "mailroom.ini(5) documents the $n keys of the built plugins"
# the core's own sections and keys (the ones etc/mailroom.ini shows uncommented or not)
for key in site plugin_dir plugin_path store transport from secret_file log_level lock_dir \
	selector key_file rules_file verp_separator fetch used_for batch enabled frequency \
	max_runtime max_workers; do
	check_grep "mailroom.ini(5) documents the core key $key" "^\\\\fB${key}\\\\fR = " "$man/mailroom.ini.5"
done
for s in mailroom dkim bounce; do
	check_grep "mailroom.ini(5) has the section [$s]" "^\.SH \"THE \[$s\] SECTION\"" "$man/mailroom.ini.5"
done
# the version of the build in every page's title line, groff -ww clean
version=$("$MAILROOM" --version | awk '{print $2}')
for page in mailroom.1 mailroom.ini.5 mailroom-plugin.7 mailroom-store-check.1; do
	check_grep "$page is of version $version" "^\.TH .*\"mailroom $version\"" "$man/$page"
	LC_ALL=C.UTF-8 groff -ww -man -Tutf8 -z "$man/$page" > "$T_DIR/groff.out" 2>&1
	check_eq "groff -ww renders $page without a warning" "$(cat "$T_DIR/groff.out")" ""
	LC_ALL=C.UTF-8 groff -man -Tutf8 "$man/$page" > "$T_DIR/page.txt" 2>/dev/null
	check "$page renders to more than 40 lines" test "$(wc -l < "$T_DIR/page.txt")" -gt 40
done
# the installation directories are filled in (configure substitutes @name@
# in Makefiles, so a sed there once matched nothing and the pages said
# "@sysconfdir@"), and written with a break point after each slash: a deep
# prefix (make distcheck's) wraps instead of making groff warn
check "no page keeps an @placeholder@" bash -c "! grep -n '@[a-z]*@' '$man'/*.[0-9]"
check_grep "mailroom.ini(5) names the configuration directory" \
	"^\.I /\\\\:.*/mailroom/mailroom\.ini\$" "$man/mailroom.ini.5"
check_grep "plugin_dir's default is a path with break points" \
	"^Default: \\\\fB/\\\\:.*/\\\\:plugins\\\\fR\.\$" "$man/mailroom.ini.5"
deep=/\\:a-much-deeper-installation-prefix/\\:like-the-one-of-make-distcheck/\\:
for page in mailroom.1 mailroom.ini.5 mailroom-plugin.7 mailroom-store-check.1; do
	sed "s|/\\\\:|$deep|g" "$man/$page" > "$T_DIR/deep.man"
	LC_ALL=C.UTF-8 groff -ww -man -Tutf8 -z "$T_DIR/deep.man" > "$T_DIR/groff.out" 2>&1
	check_eq "groff -ww renders $page under a 100-character prefix" "$(cat "$T_DIR/groff.out")" ""
done
check_grep "mailroom-plugin(7) names the ABI of the headers" "plugin ABI [0-9]*\.[0-9]*" "$man/mailroom-plugin.7"
done_testing
