#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom user add/list/grant/revoke/passwd/delete on a real SQLite site, the
# password file checks, --json, and the cron identity (require_user = yes):
# a wrong password, a missing permission and a missing --user are refused and
# logged, and the job does not run.
. "$MR_SRCDIR/tests/lib.sh"

probe_dir=$MR_BUILDDIR/tests/unit/plugins/.libs
cfg=$T_DIR/site.ini
cat > "$cfg" <<INI
[mailroom]
site = usertest
transport = spool
lock_dir = $T_DIR/locks
plugin_path = $probe_dir
[store-sqlite]
path = $T_DIR/mailroom.db
INI
mkdir -p "$T_DIR/locks"
mr() { "$MAILROOM" --config "$cfg" "$@"; }
unset MAILROOM_PASSWORD

pw=$T_DIR/pw
printf 'Corr3ct horse\n' > "$pw"
chmod 600 "$pw"
mr user add cron --grant send-mail,view-contacts --password-file "$pw" > "$T_DIR/out" 2>&1
check_eq "user add exits 0" "$?" 0
check_grep "user add says what it did" '^added user cron with permissions: send-mail,view-contacts$' "$T_DIR/out"
mr user list > "$T_DIR/out"
check_grep "user list has a header" '^NAME  *CREATED  *PERMISSIONS$' "$T_DIR/out"
check_grep "user list shows the user and permissions" '^cron  *[0-9-]* [0-9:]*  send-mail,view-contacts$' "$T_DIR/out"
check "user list never shows the hash" sh -c "! grep -q pbkdf2 '$T_DIR/out'"
mr user list --json > "$T_DIR/json"
check_grep "user list --json is one object per user" '^{"name":"cron","permissions":\["send-mail","view-contacts"\],"created":"[0-9-]* [0-9:]*","created_unix":[0-9]*}$' "$T_DIR/json"
/usr/bin/python3 - "$T_DIR/json" <<'PY' && ok "user list --json parses as JSON lines" || not_ok "user list --json parses as JSON lines"
import json, sys, time
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1 and rows[0]['name'] == 'cron', rows
assert abs(rows[0]['created_unix'] - time.time()) < 120, rows
assert 'pwhash' not in rows[0]
PY

# the hash in the store: salted PBKDF2-HMAC-SHA256, recomputed here with Python
/usr/bin/python3 - "$T_DIR/mailroom.db" <<'PY' && ok "the stored hash is PBKDF2-HMAC-SHA256 of the password with its salt" || not_ok "the stored hash is PBKDF2-HMAC-SHA256 of the password with its salt"
import base64, hashlib, sqlite3, sys
(h,) = sqlite3.connect(sys.argv[1]).execute("SELECT pwhash FROM users WHERE name='cron'").fetchone()
scheme, it, salt, want = h.split('$')
assert scheme == 'pbkdf2-sha256' and int(it) >= 200000, h
salt = base64.b64decode(salt); want = base64.b64decode(want)
assert len(salt) >= 16, len(salt)
assert hashlib.pbkdf2_hmac('sha256', b'Corr3ct horse', salt, int(it), len(want)) == want
PY

mr user add cron --password-file "$pw" > /dev/null 2> "$T_DIR/err"
check_eq "adding an existing user exits EX_CANTCREAT" "$?" 73
check_grep "and says so" "user 'cron' exists" "$T_DIR/err"

# password sources
open=$T_DIR/open-pw
printf 'secret\n' > "$open"
chmod 644 "$open"
mr user add web --password-file "$open" > /dev/null 2> "$T_DIR/err"
check_eq "a 644 password file is refused with EX_CONFIG" "$?" 78
check_grep "with a message that says why and how to fix it" "password file $open can be read by group or others (mode 644); refused: run chmod 600 $open" "$T_DIR/err"
mr user list > "$T_DIR/out"
check "and no user was added" sh -c "! grep -q '^web ' '$T_DIR/out'"
mr user add web < /dev/null > /dev/null 2> "$T_DIR/err"
check_eq "no password at all exits EX_USAGE" "$?" 64
check_grep "and names the sources" 'give --password-file FILE or set MAILROOM_PASSWORD' "$T_DIR/err"
mr user add web --password secret > /dev/null 2> "$T_DIR/err"
check_eq "--password on the command line is refused" "$?" 64
check_grep "and the message says why" 'never taken from the command line' "$T_DIR/err"
MAILROOM_PASSWORD=from-env mr user add web --grant all > "$T_DIR/out" 2>&1
check_eq "MAILROOM_PASSWORD gives the password" "$?" 0
check_grep "--grant all grants everything" 'added user web with permissions: send-mail,process-mail,view-contacts' "$T_DIR/out"
mr user add 'bad name' --password-file "$pw" > /dev/null 2> "$T_DIR/err"
check_eq "a bad user name exits EX_USAGE" "$?" 64

# grant and revoke
mr user grant cron process-mail > "$T_DIR/out" 2>&1
check_grep "grant adds a permission" '^cron now has permissions: send-mail,process-mail,view-contacts$' "$T_DIR/out"
mr user revoke cron view-contacts send_mail > "$T_DIR/out" 2>&1
check_grep "revoke removes several" '^cron now has permissions: process-mail$' "$T_DIR/out"
mr user grant cron root > /dev/null 2> "$T_DIR/err"
check_eq "an unknown permission exits EX_USAGE" "$?" 64
check_grep "and lists the known ones" "unknown permission 'root' (known: send-mail, process-mail, view-contacts, all)" "$T_DIR/err"
mr user grant nobody send-mail > /dev/null 2> "$T_DIR/err"
check_eq "granting to an unknown user exits EX_NOINPUT" "$?" 66

# passwd: the old password stops working, permissions stay
old_hash=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT pwhash FROM users WHERE name='cron'\").fetchone()[0])" "$T_DIR/mailroom.db")
pw2=$T_DIR/pw2
printf 'n3w password\n' > "$pw2"
chmod 400 "$pw2"
mr user passwd cron --password-file "$pw2" > "$T_DIR/out" 2>&1
check_eq "user passwd exits 0" "$?" 0
new_hash=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT pwhash FROM users WHERE name='cron'\").fetchone()[0])" "$T_DIR/mailroom.db")
if [ -n "$new_hash" ] && [ "$new_hash" != "$old_hash" ]; then ok "passwd stores a new hash"; else not_ok "passwd stores a new hash"; fi
mr user list --json > "$T_DIR/json"
check_grep "passwd keeps the permissions" '"name":"cron","permissions":\["process-mail"\]' "$T_DIR/json"

# the cron identity, with the probe job (it needs send-mail)
cat >> "$cfg" <<INI
[job-probe]
file = $T_DIR/probe.txt
[job-probe2]
plugin = probe
file = $T_DIR/probe2.txt
INI
mr cron > /dev/null 2>&1
check_eq "without require_user cron runs the job without --user" "$(grep -c '^end' "$T_DIR/probe.txt")" 1
sed -i 's/^site = usertest/site = usertest\nrequire_user = yes/' "$cfg"
mr config check > /dev/null 2>&1
check_eq "require_user is a known key" "$?" 0
mr cron > /dev/null 2> "$T_DIR/err"
check "cron without --user fails" test "$?" -ne 0
check_grep "and says --user is needed" 'require_user = yes: job probe needs --user NAME' "$T_DIR/err"
mr cron --user cron --password-file "$pw" > /dev/null 2> "$T_DIR/err"
check "cron with the old password fails" test "$?" -ne 0
check_grep "and says wrong password" "unknown user or wrong password for 'cron'" "$T_DIR/err"
mr cron --user nobody --password-file "$pw2" > /dev/null 2> "$T_DIR/err"
check_grep "an unknown user gets the same message" "unknown user or wrong password for 'nobody'" "$T_DIR/err"
mr cron --user cron --password-file "$pw2" > /dev/null 2> "$T_DIR/err"
check "cron as a user without send-mail fails" test "$?" -ne 0
check_grep "and names the permission and the job" "user 'cron' lacks the permission 'send-mail' needed by job probe" "$T_DIR/err"
mr cron --user cron --password-file "$open" > /dev/null 2> "$T_DIR/err"
check_grep "a readable password file is refused by cron too" "can be read by group or others (mode 644); refused: run chmod 600" "$T_DIR/err"
check_eq "the refused job never ran" "$(grep -c '^end' "$T_DIR/probe.txt")" 1
mr job log probe --json > "$T_DIR/log" 2>&1
check_grep "the refusal is in the job log" "lacks the permission 'send-mail'" "$T_DIR/log"
check "no password is in the job log" sh -c "! grep -q -e 'n3w password' -e 'Corr3ct' '$T_DIR/log'"
mr user grant cron send-mail > /dev/null
mr cron --user cron --password-file "$pw2" > "$T_DIR/out" 2>&1
check_eq "with the right password and permission cron runs the job" "$?" 0
check_eq "the job ran" "$(grep -c '^end' "$T_DIR/probe.txt")" 2
MAILROOM_PASSWORD='n3w password' mr cron --user cron > "$T_DIR/out" 2>&1
check_eq "MAILROOM_PASSWORD works for cron" "$?" 0
check_eq "the job ran again" "$(grep -c '^end' "$T_DIR/probe.txt")" 3
check_eq "and so did the second job, with the password read once" "$(grep -c '^end' "$T_DIR/probe2.txt")" 3

# on a terminal the password is asked twice, without echo
cat > "$T_DIR/pty.py" <<'PY'
import os, select, sys, time
# pty.py ANSWER1 ANSWER2 CMD...: runs CMD on a terminal, answering its two prompts
answers, cmd = [sys.argv[1], sys.argv[2]], sys.argv[3:]
pid, fd = os.forkpty()
if pid == 0:
    os.execv(cmd[0], cmd)
out, deadline = b'', time.time() + 20
while time.time() < deadline:
    if not select.select([fd], [], [], 0.5)[0]:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if answers and out.rstrip().endswith(b':'):
        time.sleep(0.1)
        os.write(fd, (answers.pop(0) + '\n').encode())
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
PY
/usr/bin/python3 "$T_DIR/pty.py" 'typed pw 1' 'typed pw 1' "$MAILROOM" --config "$cfg" user add typist > "$T_DIR/tty" 2>&1
check_eq "user add on a terminal prompts and exits 0" "$?" 0
check_grep "it asks for the password" '^New password for typist:' "$T_DIR/tty"
check_grep "and asks again" '^Repeat the password:' "$T_DIR/tty"
check "the typed password is not echoed" sh -c "! grep -q 'typed pw' '$T_DIR/tty'"
/usr/bin/python3 - "$T_DIR/mailroom.db" <<'PY' && ok "the typed password is the one stored" || not_ok "the typed password is the one stored"
import base64, hashlib, sqlite3, sys
(h,) = sqlite3.connect(sys.argv[1]).execute("SELECT pwhash FROM users WHERE name='typist'").fetchone()
_, it, salt, want = h.split('$')
want = base64.b64decode(want)
assert hashlib.pbkdf2_hmac('sha256', b'typed pw 1', base64.b64decode(salt), int(it), len(want)) == want
PY
/usr/bin/python3 "$T_DIR/pty.py" 'one' 'other' "$MAILROOM" --config "$cfg" user add typist2 > "$T_DIR/tty" 2>&1
check_eq "two different typed passwords exit EX_USAGE" "$?" 64
check_grep "and say so" 'the two passwords differ; nothing changed' "$T_DIR/tty"
mr user delete typist > /dev/null

# delete
mr user delete web > "$T_DIR/out" 2>&1
check_grep "user delete says so" '^deleted user web$' "$T_DIR/out"
mr user delete web > /dev/null 2> "$T_DIR/err"
check_eq "deleting it again exits EX_NOINPUT" "$?" 66
check_grep "naming the user" "no user 'web'" "$T_DIR/err"
mr user list --json > "$T_DIR/json"
check_eq "one user is left" "$(wc -l < "$T_DIR/json")" 1
mr user frob > /dev/null 2>&1
check_eq "an unknown subcommand exits EX_USAGE" "$?" 64
done_testing
