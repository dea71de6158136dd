#!/bin/bash
# SPDX-License-Identifier: MIT
# Every command and subcommand answers --help (exit 0, usage on stdout), mailroom help COMMAND says the same, and every option a command's parser accepts is in its help.
. "$MR_SRCDIR/tests/lib.sh"
M="$MAILROOM --config /nonexistent/mailroom.ini"
cmds=$($MAILROOM help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
check "mailroom help lists the commands" test "$(echo "$cmds" | wc -w)" -ge 15
check_grep "mailroom --help points to help COMMAND" "help COMMAND" <($MAILROOM --help)
# each command, then each command with a subcommand word before --help
for c in $cmds; do
	$M "$c" --help > "$T_DIR/h.out" 2> "$T_DIR/h.err"
	rc=$?
	check_eq "$c --help exits 0" "$rc" 0
	check_grep "$c --help: usage on stdout" "^usage: mailroom .*$c" "$T_DIR/h.out"
	check "$c --help: nothing on stderr" test ! -s "$T_DIR/h.err"
	$M help "$c" > "$T_DIR/help.out" 2>&1
	check "help $c is $c --help" cmp -s "$T_DIR/h.out" "$T_DIR/help.out"
	cp "$T_DIR/h.out" "$T_DIR/help-$c"
done
# the words of each command's usage line that are subcommands, and -h
while read -r c sub; do
	$M $c $sub --help > "$T_DIR/s.out" 2> "$T_DIR/s.err"
	rc=$?
	check_eq "$c $sub --help exits 0 (was 64/66)" "$rc" 0
	check "$c $sub --help: usage on stdout, nothing on stderr" \
		cmp -s "$T_DIR/s.out" "$T_DIR/help-$c"
	check "$c $sub --help: stderr empty" test ! -s "$T_DIR/s.err"
done <<'LIST'
config check
config dump
job list
job run
job log
bounce classify
bounce stats
spool list
spool show
spool purge
activity preview
activity list
activity show
activity attachment
user add
user passwd
user list
account list
account test
account fetch
contact import
contact list
contact show
group add
group list
group members
mailing create
mailing list
mailing stats
mailing schedule
LIST
$M cron -h > "$T_DIR/short.out" 2>&1
check_eq "cron -h exits 0" "$?" 0
$M help nosuch > /dev/null 2> "$T_DIR/nosuch.err"
check_eq "help of an unknown command exits 64" "$?" 64
check_grep "help of an unknown command says so" "unknown command 'nosuch'" "$T_DIR/nosuch.err"
$M job log -- --help > /dev/null 2>&1
check "after --, --help is an argument, not a request for help" test "$?" -ne 0

# Every option the parsers accept, read from the sources, is in its command's help.
/usr/bin/python3 - "$MR_SRCDIR/core/cli" "$T_DIR" "$MAILROOM" "$T_N" <<'PY'
import os, re, subprocess, sys
src, tdir, mailroom = sys.argv[1:4]
start = n = int(sys.argv[4])
failed = 0
# which commands' help each source file's options belong to
files = {
    'activity-filed.c': ['activity'], 'cmd-bounce-stats.c': ['bounce'],
    'cron-identity.c': ['cron', 'job'], 'identity.c': ['cron', 'job'],
    'password.c': ['user'], 'cmd-contact.c': ['contact', 'group'],
    'contact-manage.c': ['contact', 'group'], 'contact-export.c': ['contact'],
    'cmd-mailing-test.c': ['mailing'], 'cmd-mailing-edit.c': ['mailing'],
    'mailing-form.c': ['mailing'], 'cmd-mailing-approve.c': ['mailing'],
    'cmd-mailing-variant.c': ['mailing'], 'cmd-mailing-ab.c': ['mailing'],
    'main.c': [None],
}
# accepted by a parser only to be refused with an explanation
refused = {'--password'}
def out(ok, what):
    global n, failed
    n += 1
    failed += 0 if ok else 1
    print('%sok %d - %s' % ('' if ok else 'not ', n, what))
def help_of(cmd):
    if cmd is None:
        return subprocess.run([mailroom, '--help'], capture_output=True, text=True).stdout
    return open(os.path.join(tdir, 'help-' + cmd)).read()
for f in sorted(os.listdir(src)):
    if not f.endswith('.c') or f in ('commands.c', 'csv.c'):
        continue
    text = open(os.path.join(src, f)).read()
    cmds = files.get(f)
    if cmds is None:
        m = re.match(r'cmd-([a-z-]+)\.c$', f)
        if not m:
            continue
        cmds = [m.group(1)]
    opts = set(re.findall(r'str(?:n)?cmp\([^,()]+,\s*"(--?[a-zA-Z][a-z0-9-]*)=?"', text))
    opts |= {'--' + o for o in re.findall(r'\{\s*"([a-z][a-z0-9-]*)",\s*(?:required|no|optional)_argument', text)}
    if f != 'main.c' and re.search(r'cli_take_json|cli_open_subcommand', text):
        opts.add('--json')
    for o in sorted(opts - refused):
        if o == '--':
            continue
        helps = [help_of(c) for c in cmds]
        ok = any(re.search(r'(^|[\s\[|,(])%s\b' % re.escape(o), h) for h in helps)
        out(ok, '%s: %s is in the help of %s' % (f, o, ' or '.join(c or 'mailroom' for c in cmds)))
print('# %d options checked' % (n - start))
open(os.path.join(tdir, 'n'), 'w').write('%d %d' % (n, failed))
PY
read -r T_N py_failed < "$T_DIR/n"
T_FAILED=$((T_FAILED + py_failed))
done_testing
