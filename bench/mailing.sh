#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmark of a whole mass mailing: N contacts on SQLite, one mailing with
# personalised text + HTML, VERP and List-Unsubscribe, sent by the
# process-mailing job through transport-smtp (16 connections) to Postfix's
# smtp-sink on 127.0.0.1, without DKIM, with RSA-2048 and with Ed25519; side by
# side in the same run with smtp-source at 16 sessions sending pre-built
# messages of the same size.  Also the peak RSS of the job at several recipient
# counts (it must not grow with the mailing).  Prints Markdown.
#
# usage: bench/mailing.sh BUILDDIR [N] [RSS_COUNTS]
#   N recipients (default 100000); RSS_COUNTS e.g. "10000 100000" (default)
#   RSS_ONLY=1 in the environment skips the rate table (for RSS_COUNTS of 1000000)
#   ALGS="off rsa-sha256 ed25519-sha256" (the default) chooses the DKIM runs
set -u
B=${1:?usage: bench/mailing.sh BUILDDIR [N] [RSS_COUNTS]}
N=${2:-100000}
RSS_COUNTS=${3:-"10000 100000"}
B=$(cd "$B" && pwd)
make -C "$B" -s mailroom plugins/transport-smtp/transport-smtp.la \
	plugins/store-sqlite/store-sqlite.la plugins/job-process-mailing/job-process-mailing.la \
	plugins/transport-spool/transport-spool.la >/dev/null || exit 1
export MAILROOM_PLUGIN_PATH=$(ls -d "$B"/plugins/*/.libs | tr '\n' ':') MAILROOM_PLUGIN_PATH_ONLY=1
# process-mailing classifies refusals with the rules file (not installed from a build dir)
export MAILROOM_BOUNCE_RULES=$(cd "$(dirname "$0")/.." && pwd)/etc/bounce-rules.conf
W=$(mktemp -d "${TMPDIR:-/tmp}/mr-bench-mailing.XXXXXX")
SINK=
cleanup() {
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
user=; [ "$(id -u)" = 0 ] && user="-u nobody"
/usr/sbin/smtp-sink $user 127.0.0.1:"$port" 1024 &
SINK=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done

printf 'bench-site-secret-0123456789abcdef\n' > "$W/secret"
chmod 600 "$W/secret"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/rsa.key" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$W/ed.key" 2>/dev/null
chmod 600 "$W/rsa.key" "$W/ed.key"

site() { # site DB [DKIM_ALGORITHM]
	{
		echo "[mailroom]"
		echo "site = bench"
		echo "from = news@mailroom.test"
		echo "from_name = Mailroom Bench"
		echo "transport = smtp"
		echo "secret_file = $W/secret"
		echo "lock_dir = $W"
		echo "unsubscribe_url = https://mailroom.test/unsubscribe"
		echo "[store-sqlite]"
		echo "path = $1"
		echo "[transport-smtp]"
		echo "host = 127.0.0.1"
		echo "port = $port"
		echo "tls = none"
		echo "max_connections = 16"
		echo "[transport-spool]"
		echo "[job-mailing]"
		echo "plugin = process-mailing"
		echo "batch_size = 512"
		echo "batch_limit = 100000000"
		echo "max_runtime = 2h"
		if [ -n "${2:-}" ]; then
			local key=$W/rsa.key
			[ "$2" = ed25519-sha256 ] && key=$W/ed.key
			echo "[dkim]"
			echo "selector = bench"
			echo "domain = mailroom.test"
			echo "key_file = $key"
			echo "algorithm = $2"
		fi
	} > "$W/site.ini"
}
mr() { "$B/mailroom" --config "$W/site.ini" "$@"; }

printf '%s\n' 'Dear {contact.first_name|friend},' '' \
	'Spring is here, and so is our newsletter. This season our volunteers planted' \
	'1,200 trees, and {contact.display_name|you} helped make that happen.' '' \
	'Read more at https://mailroom.test/news/spring and tell us what you think.' '' \
	'Unsubscribe: {action.unsubscribeUrl}' > "$W/t.txt"
printf '%s\n' '<html><body><p>Dear {contact.first_name|friend} {contact.last_name},</p>' \
	'<p>Spring is here, and so is our newsletter. This season our volunteers planted' \
	'<b>1,200 trees</b>, and {contact.display_name|you} helped make that happen.</p>' \
	'<p><a href="https://mailroom.test/news/spring">Read more</a></p>' \
	'<p><a href="{action.unsubscribeUrl}">Unsubscribe</a></p></body></html>' > "$W/t.html"

create_mailing() {
	mr mailing create --name bench --subject "Spring news for {contact.first_name}" \
		--text "$W/t.txt" --html "$W/t.html" --include-group all --schedule now >/dev/null
}

make_db() { # make_db COUNT DB: COUNT contacts in group "all"
	[ -e "$2" ] && return
	site "$2"
	/usr/bin/python3 -c '
import sys
n = int(sys.argv[1])
out = sys.stdout
out.write("email,first_name,last_name,groups\n")
for i in range(1, n + 1):
    out.write("user%d@sink%d.mailroom.test,First%d,Last%d,all\n" % (i, i % 97, i, i))
' "$1" > "$W/c.csv"
	/usr/bin/time -f '%e %M' -o "$W/import.time" "$B/mailroom" --config "$W/site.ini" \
		contact import "$W/c.csv" > /dev/null
}

send() { # send DB [DKIM]: prints "RATE RSS_KB SECONDS SENT"
	cp "$1" "$W/run.db"
	rm -f "$W/run.db-wal" "$W/run.db-shm" "$W"/mailroom-bench-*mailing.rate
	site "$W/run.db" "${2:-}"
	create_mailing
	/usr/bin/time -f '%e %M' -o "$W/send.time" "$B/mailroom" --config "$W/site.ini" \
		job run mailing > "$W/send.out" 2>&1
	read -r el rss < "$W/send.time"
	sent=$(mr mailing stats 1 --json | sed -n 's/.*"sent":\([0-9]*\).*/\1/p')
	/usr/bin/python3 -c "print('%.0f %s %.1f %s' % (${sent:-0} / $el, '$rss', $el, '${sent:-0}'))"
}

msg_size() { # the size of one rendered message (through the spool)
	site "$W/size.db"
	printf 'email,first_name,last_name,groups\nuser1@sink1.mailroom.test,First1,Last1,all\n' \
		> "$W/one.csv"
	mr contact import "$W/one.csv" >/dev/null
	create_mailing
	sed -i 's/^transport = smtp/transport = spool/' "$W/site.ini"
	mr job run mailing >/dev/null 2>&1
	mr spool show 1 | wc -c
}

source_run() { # source_run SIZE: messages/second of smtp-source, 16 sessions
	/usr/bin/time -f '%e %M' -o "$W/time" /usr/sbin/smtp-source -d -s 16 -m "$N" -l "$1" \
		-f bench@mailroom.test -t sink@mailroom.test 127.0.0.1:"$port" >/dev/null 2>&1
	read -r el rss < "$W/time"
	/usr/bin/python3 -c "print('%.0f %s' % ($N / $el, '$rss'))"
}

SIZE=$(msg_size)
make_db "$N" "$W/n.db"
read -r imp_el imp_rss < "$W/import.time"
echo "## Mass mailing: $N recipients through the process-mailing job, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)." \
	"SQLite $(sqlite3 --version | cut -d' ' -f1), OpenSSL $(openssl version | cut -d' ' -f2)," \
	"Postfix $(postconf -h mail_version 2>/dev/null). Messages of $SIZE bytes (without" \
	"DKIM-Signature): text + HTML in quoted-printable, VERP envelope sender, X-Mailroom-Id," \
	"List-Unsubscribe with one-click, to smtp-sink on 127.0.0.1 over 16 reused connections;" \
	"batch_size 512; each run starts from a copy of the same database and includes building" \
	"the queue."
echo
speed=$(openssl speed -seconds 2 rsa2048 ed25519 2>/dev/null |
	awk '/^rsa 2048/ {r=$6} /Ed25519/ {e=$(NF-1)} END {printf "%.0f RSA-2048 and %.0f Ed25519", r, e}')
both=$(openssl speed -multi "$(nproc)" -seconds 2 rsa2048 2>/dev/null |
	awk '/^rsa 2048/ {printf "%.0f", $6}')
echo "One core signs $speed signatures/s now (openssl speed, same run); all $(nproc) cores" \
	"together sign ${both:-?} RSA-2048 signatures/s (openssl speed -multi $(nproc)), the ceiling" \
	"of any DKIM RSA-2048 sender on this machine."
echo
echo "Import of the $N contacts (mailroom contact import, CSV, one group): $imp_el s," \
	"peak RSS $imp_rss KB."
echo
# RSS_ONLY=1: only the peak-RSS table (for very large counts)
if [ -z "${RSS_ONLY:-}" ]; then
echo "| sender | msg/s | ratio to smtp-source | wall s | peak RSS |"
echo "|---|---:|---:|---:|---:|"
src=$(source_run "$SIZE")
echo "| smtp-source, 16 sessions, pre-built $SIZE-byte messages | ${src%% *} | 100% | | ${src##* } KB |"
for alg in ${ALGS:-off rsa-sha256 ed25519-sha256}; do
	[ "$alg" = off ] && alg=
	r=$(send "$W/n.db" "$alg")
	set -- $r
	ratio=$(/usr/bin/python3 -c "print('%.0f%%' % (100.0 * $1 / max(1, ${src%% *})))")
	echo "| mailroom process-mailing, DKIM ${alg:-off} ($4 sent) | $1 | $ratio | $3 | $2 KB |"
done
fi
echo
echo "Peak RSS of the job by mailing size (DKIM off):"
echo
echo "| recipients | msg/s | peak RSS |"
echo "|---:|---:|---:|"
for c in $RSS_COUNTS; do
	if [ "$c" = "$N" ]; then db=$W/n.db; else db=$W/rss-$c.db; make_db "$c" "$db"; fi
	r=$(send "$db")
	set -- $r
	echo "| $c | $1 | $2 KB |"
done
