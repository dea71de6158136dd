#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmark of the stores side by side in one run: N recipients through the process-mailing job and transport-smtp to Postfix's smtp-sink (DKIM off) with store-sqlite and one worker, store-mariadb with one worker and with two (its queue built in parts, the default) and with one worker building the whole queue at once (build_part = 0), each group at the same durability (SQLite's synchronous = normal and MariaDB's innodb_flush_log_at_trx_commit = 2: a commit survives the process, not the machine; synchronous = full and 1: it survives a power loss), and a contact import of IMPORT_N rows into each store; the peak RSS of the job and of mariadbd.  Prints Markdown.
#
# usage: bench/store.sh BUILDDIR [N] [IMPORT_N]   (defaults 100000 and 1000000)
set -u
B=${1:?usage: bench/store.sh BUILDDIR [N] [IMPORT_N]}
N=${2:-100000}
IMPORT_N=${3:-1000000}
B=$(cd "$B" && pwd)
S=$(cd "$(dirname "$0")/.." && pwd)
make -C "$B" -s mailroom plugins/transport-smtp/transport-smtp.la \
	plugins/store-sqlite/store-sqlite.la plugins/store-mariadb/store-mariadb.la \
	plugins/job-process-mailing/job-process-mailing.la >/dev/null || exit 1
export MAILROOM_PLUGIN_PATH=$(ls -d "$B"/plugins/*/.libs | tr '\n' ':') MAILROOM_PLUGIN_PATH_ONLY=1
export MAILROOM_BOUNCE_RULES=$S/etc/bounce-rules.conf
W=$(mktemp -d "${TMPDIR:-/tmp}/mr-bench-store.XXXXXX")
chmod 0755 "$W"
PIDS=
# the MariaDB starter registers what it starts with started (tests/lib.sh's name)
started() { PIDS="$PIDS $1"; }
stopped() { :; }
. "$S/tests/servers/mariadb.sh"
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
free() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port=$(free)
user=; [ "$(id -u)" = 0 ] && user="-u nobody"
/usr/sbin/smtp-sink $user 127.0.0.1:"$port" 1024 &
PIDS="$PIDS $!"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
mariadb_start "$W/mdb" "$(free)" || { echo "the private MariaDB did not start" >&2; exit 1; }
printf 'pw' > "$W/pw"; chmod 600 "$W/pw"
printf 'bench-site-secret-0123456789abcdef\n' > "$W/secret"; chmod 600 "$W/secret"

site() { # site NAME STORE WORKERS: $W/NAME.ini ($SYNC: store-sqlite's synchronous)
	{
		printf '[mailroom]\nsite = bench\nfrom = news@mailroom.test\ntransport = smtp\n'
		printf 'secret_file = %s\nlock_dir = %s\nstore = %s\n' "$W/secret" "$W" "$2"
		if [ "$2" = sqlite ]; then
			printf '[store-sqlite]\npath = %s\nsynchronous = %s\n' "$W/$1.db" "${SYNC:-normal}"
		else mariadb_create "$1" mr pw; mariadb_store_section "$1" mr "$W/pw"
			if [ -n "${BUILD_PART:-}" ]; then printf 'build_part = %s\n' "$BUILD_PART"; fi
		fi
		printf '[transport-smtp]\nhost = 127.0.0.1\nport = %s\ntls = none\nmax_connections = 16\n' "$port"
		printf '[job-mailing]\nplugin = process-mailing\nbatch_size = 512\nbatch_limit = 100000000\n'
		printf 'max_runtime = 2h\nmax_workers = %s\n' "$3"
	} > "$W/$1.ini"
}
csv() { # csv COUNT FILE
	/usr/bin/python3 -c '
import sys
print("email,first_name,last_name,groups")
for i in range(1, int(sys.argv[1]) + 1):
    print("user%d@sink%d.mailroom.test,First%d,Last%d,all" % (i, i % 97, i, i))' "$1" > "$2"
}
printf 'Dear {contact.first_name|friend},\n\nSpring news at https://mailroom.test/news.\n' > "$W/t.txt"
csv "$N" "$W/n.csv"
csv "$IMPORT_N" "$W/big.csv"
mdb_rss() { awk '/VmHWM/ {print $2}' "/proc/$MARIADB_PID/status"; }
# mdb_cpu: mariadbd's user+system CPU so far, in clock ticks
mdb_cpu() { awk '{print $14 + $15}' "/proc/$MARIADB_PID/stat"; }

# mailing NAME STORE WORKERS: "sent | msg/s | wall s | job CPU s | mariadbd CPU s | job peak RSS KB"
mailing() {
	site "$1" "$2" "$3"
	local mr="$B/mailroom --config $W/$1.ini"
	$mr contact import "$W/n.csv" > /dev/null
	$mr mailing create --name bench --subject "News for {contact.first_name}" --text "$W/t.txt" \
		--include-group all --schedule now > /dev/null
	local start=$(date +%s.%N) c0=$(mdb_cpu) k pids=
	for k in $(seq "$3"); do
		/usr/bin/time -f '%M %U %S' -o "$W/$1.$k.rss" $mr job run mailing > "$W/$1.$k.out" 2>&1 &
		pids="$pids $!"
	done
	wait $pids
	local end=$(date +%s.%N) c1=$(mdb_cpu)
	local sent=$($mr mailing stats 1 --json | sed -n 's/.*"sent":\([0-9]*\).*/\1/p')
	local rss=$(cut -d' ' -f1 "$W/$1".*.rss | sort -n | tail -1)
	local cpu=$(awk '{c += $2 + $3} END {print c}' "$W/$1".*.rss)
	/usr/bin/python3 -c "w = $end - $start; print('%s | %.0f | %.1f | %.1f | %.1f | %s' % ('${sent:-0}', ${sent:-0} / w, w, $cpu, ($c1 - $c0) / $(getconf CLK_TCK), '$rss'))"
}
# import NAME STORE: "wall s | rows/s | peak RSS KB"
import() {
	site "$1" "$2" 1
	/usr/bin/time -f '%e %M' -o "$W/$1.time" "$B/mailroom" --config "$W/$1.ini" \
		contact import "$W/big.csv" > "$W/$1.out" 2>&1
	read -r el rss < "$W/$1.time"
	/usr/bin/python3 -c "print('%.1f | %.0f | %s' % ($el, $IMPORT_N / $el, '$rss'))"
}

echo "## Stores side by side: $N recipients, $IMPORT_N-row import, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(nproc) cores shared with the database server, load average at start:" \
	"$(cut -d' ' -f1-3 /proc/loadavg). $(mariadbd --version | cut -d' ' -f2-4), SQLite" \
	"$(sqlite3 --version | cut -d' ' -f1). transport-smtp to smtp-sink on 127.0.0.1, 16" \
	"connections, DKIM off, batch_size 512; each run imports its contacts first (not timed)."
echo
# durable NAME: MariaDB's log flushed at each commit (1) or written to the
# OS (2), as store-sqlite's synchronous = full or normal
durable() { mariadb_root "SET GLOBAL innodb_flush_log_at_trx_commit = $1"; }
# store-mariadb builds a mailing's queue in parts (build_part, default
# 20000 emails) that sending starts on; "whole" is build_part = 0
echo "| store | durability | queue build | workers | sent | msg/s | wall s | job CPU s | mariadbd CPU s | job peak RSS KB |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
durable 2
echo "| sqlite | normal | whole | 1 | $(mailing s1 sqlite 1) |"
echo "| mariadb | trx_commit 2 | parts | 1 | $(mailing m1 mariadb 1) |"
echo "| mariadb | trx_commit 2 | parts | 2 | $(mailing m2 mariadb 2) |"
echo "| mariadb | trx_commit 2 | whole | 1 | $(BUILD_PART=0 mailing m1w mariadb 1) |"
durable 1
echo "| sqlite | full | whole | 1 | $(SYNC=full mailing s1f sqlite 1) |"
echo "| mariadb | trx_commit 1 | parts | 1 | $(mailing m1f mariadb 1) |"
echo "| mariadb | trx_commit 1 | parts | 2 | $(mailing m2f mariadb 2) |"
echo "| mariadb | trx_commit 1 | whole | 1 | $(BUILD_PART=0 mailing m1fw mariadb 1) |"
durable 2
echo
echo "| import of $IMPORT_N contacts (normal, trx_commit 2) | wall s | rows/s | peak RSS KB |"
echo "|---|---:|---:|---:|"
echo "| sqlite | $(import is sqlite) |"
echo "| mariadb | $(import im mariadb) |"
echo
echo "mariadbd peak RSS over the whole run: $(mdb_rss) KB (innodb_buffer_pool_size 128M)."
