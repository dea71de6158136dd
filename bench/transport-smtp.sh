#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmark of transport-smtp against Postfix's smtp-sink on 127.0.0.1, side by
# side in one run with Postfix's smtp-source (the reference) at the same
# session counts and with a Python smtplib loop on one reused connection.
# Prints a Markdown table: messages/second, ratio to smtp-source, peak RSS,
# and mailroom's peak RSS at a small and a large count (memory must be flat).
# smtp-source does not pipeline, so transport-smtp is also measured against a
# second smtp-sink started with -p (no PIPELINING offered): the same protocol
# work per message as smtp-source.
#
# usage: bench/transport-smtp.sh BUILDDIR [COUNT] [SIZE]
#   COUNT messages per run (default 50000), SIZE bytes per message (default 1024)
#   Each measurement is taken twice, interleaved, and the better run is shown.
set -u
B=${1:?usage: bench/transport-smtp.sh BUILDDIR [COUNT] [SIZE]}
N=${2:-50000}
SIZE=${3:-1024}
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd)
make -C "$B" -s bench/mr-blast plugins/transport-smtp/transport-smtp.la \
	plugins/store-sqlite/store-sqlite.la >/dev/null || exit 1
export MAILROOM_PLUGIN_PATH=$(ls -d "$B"/plugins/*/.libs | tr '\n' ':')
W=$(mktemp -d "${TMPDIR:-/tmp}/mr-bench.XXXXXX")
SINK=
SINK2=
cleanup() {
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null
	[ -n "$SINK2" ] && kill "$SINK2" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
user=; [ "$(id -u)" = 0 ] && user="-u nobody"
# smtp-sink without -d (no dumping): a fast discard server
/usr/sbin/smtp-sink $user 127.0.0.1:"$port" 1024 &
SINK=$!
port2=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
/usr/sbin/smtp-sink $user -p 127.0.0.1:"$port2" 1024 &
SINK2=$!
for p in "$port" "$port2"; do
	for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null && break; sleep 0.1; done
done

site() { # site CONNECTIONS [PORT]
	cat > "$W/site.ini" <<EOF
[mailroom]
from = bench@mailroom.test
transport = smtp
[store-sqlite]
path = $W/db.sqlite
[transport-smtp]
host = 127.0.0.1
port = ${2:-$port}
tls = none
max_connections = $1
EOF
}

# source S: messages/second of smtp-source with S reused sessions; RSS in KB
source_run() {
	/usr/bin/time -f '%e %M' -o "$W/time" /usr/sbin/smtp-source -d -s "$1" -m "$N" -l "$SIZE" \
		-f bench@mailroom.test -t sink@mailroom.test 127.0.0.1:"$port" >/dev/null 2>&1
	read -r el rss < "$W/time"
	/usr/bin/python3 -c "print('%.0f %s' % ($N / $el, '$rss'))"
}
# blast S [COUNT [PORT]]: messages/second of transport-smtp with S connections; RSS in KB
blast_run() {
	site "$1" "${3:-$port}"
	"$B/bench/mr-blast" -c "$W/site.ini" -n "${2:-$N}" -s "$SIZE" -b 1000 > "$W/blast" 2>&1
	if ! grep -q "ok ${2:-$N} tempfail 0 permfail 0" "$W/blast"; then
		echo "mr-blast failed: $(cat "$W/blast")" >&2
		echo "0 0"
		return
	fi
	sed -n 's/.* rate \([0-9]*\) maxrss_kb \([0-9]*\).*/\1 \2/p' "$W/blast"
}
smtplib_run() {
	/usr/bin/python3 - "$port" "$N" "$SIZE" <<'PY'
import resource, smtplib, sys, time
port, n, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
head = b"From: <bench@mailroom.test>\r\nTo: <sink@mailroom.test>\r\nSubject: bench\r\n\r\n"
body = (b"x" * 70 + b"\r\n") * ((size - len(head)) // 72 + 1)
msg = (head + body)[:size - 2] + b"\r\n"
s = smtplib.SMTP("127.0.0.1", port)
s.ehlo("bench.mailroom.test")
t = time.monotonic()
for i in range(n):
    s.sendmail("bench@mailroom.test", ["sink@mailroom.test"], msg)
el = time.monotonic() - t
s.quit()
print("%.0f %d" % (n / el, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
PY
}
best() { # best "R1 RSS1" "R2 RSS2": the line with the higher rate
	if [ "${1%% *}" -ge "${2%% *}" ]; then echo "$1"; else echo "$2"; fi
}

echo "## transport-smtp vs smtp-source, $N messages of $SIZE bytes, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)." \
	"libcurl $(pkg-config --modversion libcurl 2>/dev/null), Postfix $(postconf -h mail_version 2>/dev/null)."
echo
echo "| sessions | smtp-source msg/s | transport-smtp msg/s (PIPELINING) | ratio | transport-smtp msg/s (sink -p, no PIPELINING) | ratio | smtp-source peak RSS | mailroom peak RSS |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for s in 1 4 16; do
	a1=$(source_run "$s"); b1=$(blast_run "$s"); c1=$(blast_run "$s" "$N" "$port2")
	a2=$(source_run "$s"); b2=$(blast_run "$s"); c2=$(blast_run "$s" "$N" "$port2")
	a=$(best "$a1" "$a2"); b=$(best "$b1" "$b2"); c=$(best "$c1" "$c2")
	rb=$(/usr/bin/python3 -c "print('%.0f%%' % (100.0 * ${b%% *} / max(1, ${a%% *})))")
	rc=$(/usr/bin/python3 -c "print('%.0f%%' % (100.0 * ${c%% *} / max(1, ${a%% *})))")
	echo "| $s | ${a%% *} | ${b%% *} | $rb | ${c%% *} | $rc | ${a##* } KB | ${b##* } KB |"
done
p=$(smtplib_run)
echo
echo "Python smtplib, one reused connection: ${p%% *} msg/s (peak RSS ${p##* } KB)."
small=$((N / 5))
m1=$(blast_run 4 "$small"); m2=$(blast_run 4 "$N")
echo
echo "mailroom peak RSS with 4 connections: ${m1##* } KB for $small messages, ${m2##* } KB for $N."
