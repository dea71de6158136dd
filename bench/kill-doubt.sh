#!/bin/bash
# SPDX-License-Identifier: MIT
# Measures how many recipients a killed worker leaves in doubt: a mailing of N
# recipients through transport-smtp (4 connections) to the aiosmtpd test server,
# the process-mailing job killed with SIGKILL KILLS times (each after DELAY
# seconds of sending), then run to the end; prints the in-doubt count and how
# many of those the server had received (their answer was on its way, or was
# read and lost with the process).
#
# With PIPELINING=1 in the environment the server offers PIPELINING, and
# transport-smtp sends each next envelope with the data before it.
#
# usage: bench/kill-doubt.sh BUILDDIR [N] [KILLS] [DELAY]   (20000 5 1.5 by default)
set -u
B=$(cd "${1:?usage: bench/kill-doubt.sh BUILDDIR [N] [KILLS] [DELAY]}" && pwd)
N=${2:-20000}
KILLS=${3:-5}
DELAY=${4:-1.5}
MR_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
export MR_SRCDIR
export MAILROOM_PLUGIN_PATH=$(ls -d "$B"/plugins/*/.libs | tr '\n' ':')
MAILROOM=$B/mailroom
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/smtp.sh"
trap t_cleanup EXIT
SD=$T_DIR/smtp
P=$(free_port)
smtp_server_start "$SD" "$P" ${PIPELINING:+--pipelining} || { echo "the test SMTP server did not start" >&2; exit 1; }
printf 'kill-doubt-secret-0123456789\n' > "$T_DIR/secret"
chmod 600 "$T_DIR/secret"
cat > "$T_DIR/site.ini" <<INI
[mailroom]
site = killdoubt
store = sqlite
transport = smtp
from = news@example.org
secret_file = $T_DIR/secret
lock_dir = $T_DIR
[store-sqlite]
path = $T_DIR/m.db
[transport-smtp]
host = 127.0.0.1
port = $P
tls = none
max_connections = 4
[job-mailing]
plugin = process-mailing
batch_size = 256
INI
mr() { "$MAILROOM" --config "$T_DIR/site.ini" "$@"; }
q() { sqlite3 "$T_DIR/m.db" "$@"; }
/usr/bin/python3 -c '
import sys
print("email,first_name,groups")
for i in range(1, int(sys.argv[1]) + 1):
    print("k%d@example.net,K%d,all" % (i, i))' "$N" > "$T_DIR/c.csv"
mr contact import "$T_DIR/c.csv" > /dev/null
printf 'Hello {contact.first_name}\n' > "$T_DIR/t.txt"
mr mailing create --name KD --subject "KD for {contact.first_name}" --text "$T_DIR/t.txt" \
	--include-group all --schedule now > /dev/null
for k in $(seq "$KILLS"); do
	"$MAILROOM" --config "$T_DIR/site.ini" job run mailing > "$T_DIR/run-$k.out" 2>&1 &
	pid=$!
	sleep "$DELAY"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
mr job run mailing > "$T_DIR/last.out" 2>&1
sed "s/^/# last run: /" "$T_DIR/last.out"
grep -h 'recovered' "$T_DIR"/run-*.out "$T_DIR/last.out" | sed 's/^/# /'
/usr/bin/python3 "$MR_SRCDIR/tests/integration/mailing-received.py" "$SD" | awk '{print $2}' |
	sort > "$T_DIR/got"
q "SELECT email FROM mailing_recipients WHERE state = 'in_doubt'" | sort > "$T_DIR/doubt"
q "SELECT state, count(*) FROM mailing_recipients GROUP BY state" | tr '\n' ' '
echo
echo "received $(wc -l < "$T_DIR/got") (distinct $(uniq "$T_DIR/got" | wc -l))," \
	"in doubt $(wc -l < "$T_DIR/doubt"), of which received by the server" \
	"$(comm -12 "$T_DIR/doubt" "$T_DIR/got" | wc -l)"
