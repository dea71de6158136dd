#!/bin/bash
# SPDX-License-Identifier: MIT
# Requests per second of `mailroom serve` (RFC 8058 one-click POSTs and open-pixel hits on SQLite, and its lightest GET) against nginx serving a static 1x1 GIF, with ab from apache2-utils, in the same run on 127.0.0.1.
# Usage: bench/serve.sh BUILD_DIR [REQUESTS] [CONCURRENCY]
set -eu
B=$(cd "$1" && pwd); N=${2:-20000}; C=${3:-16}
SRC=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d /tmp/mr-bench-serve.XXXXXX); chmod 755 "$D"
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$D"; }
trap cleanup EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
waitp() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
P=$(port); NP=$(port)
export MAILROOM_PLUGIN_PATH=$(ls -d "$B"/plugins/*/.libs | tr '\n' ':')
export MAILROOM_BOUNCE_RULES=$SRC/etc/bounce-rules.conf
mkdir -p "$D/db" "$D/md/new" "$D/md/cur" "$D/md/tmp" "$D/www" "$D/nginx"
printf 'bench-secret-%s\n' "$RANDOM" > "$D/secret"; chmod 600 "$D/secret"
cat > "$D/site.ini" <<EOF
[mailroom]
store = sqlite
transport = spool
from = news@example.org
secret_file = $D/secret
lock_dir = $D
unsubscribe_url = http://127.0.0.1:$P/u
[store-sqlite]
path = $D/db/m.db
[account-bounce]
fetch = maildir
used_for = bounce
source = $D/md
localpart = return+
domain = bounce.example.org
[job-mailing]
plugin = process-mailing
[http]
listen = 127.0.0.1:$P
base_url = http://127.0.0.1:$P
threads = 2
rate_limit = 0
EOF
mr() { "$B/mailroom" --config "$D/site.ini" "$@"; }
printf 'email,groups\n' > "$D/c.csv"; for i in $(seq 1 100); do echo "u$i@example.net,news"; done >> "$D/c.csv"
mr contact import "$D/c.csv" > /dev/null 2>&1
printf '<html><body>Hi</body></html>\n' > "$D/t.html"
mr mailing create --name B --subject B --html "$D/t.html" --include-group news --track-opens \
	--schedule now > /dev/null
mr job run mailing > /dev/null 2>&1
URL=$(sqlite3 "$D/db/m.db" "SELECT headers FROM mail_spool LIMIT 1" | tr -d '\r' |
	sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g' | sed -n 's/^List-Unsubscribe: .*<\(http[^>]*\)>.*/\1/p')
PIX=$(sqlite3 "$D/db/m.db" "SELECT body FROM mail_spool LIMIT 1" | tr -d '\r' |
	sed -e ':a' -e 'N' -e '$!ba' -e 's/=\n//g' -e 's/=3D/=/g' | grep -o 'http://[^"]*/o?mr=[^"]*')
printf 'List-Unsubscribe=One-Click' > "$D/post"
printf 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7' | base64 -d > "$D/www/p.gif"
cat > "$D/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $D/nginx/pid;
error_log $D/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $D/nginx; proxy_temp_path $D/nginx; fastcgi_temp_path $D/nginx;
  uwsgi_temp_path $D/nginx; scgi_temp_path $D/nginx;
  server { listen 127.0.0.1:$NP; root $D/www;
    location = /p.gif { add_header Cache-Control "no-store"; } }
}
EOF
nginx -c "$D/nginx/nginx.conf" -p "$D/nginx" -g 'daemon off;' & PIDS="$PIDS $!"
"$B/mailroom" --config "$D/site.ini" serve --no-request-log 2> "$D/serve.log" & SPID=$!; PIDS="$PIDS $SPID"
waitp "$NP"; waitp "$P"
rate() { ab -q -k -n "$N" -c "$C" "$@" 2>&1 | awk '/Requests per second/ {print $4} /Failed requests/ {f=$3} /Non-2xx/ {x=$3} END {if (f+x) print "FAILED " f+0 " non2xx " x+0 > "/dev/stderr"}'; }
echo "ab -k -n $N -c $C, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for round in 1 2; do
	g=$(rate "http://127.0.0.1:$NP/p.gif")
	h=$(rate "http://127.0.0.1:$P/healthz")
	before=$(sqlite3 "$D/db/m.db" "SELECT count(*) FROM events WHERE event_type = 'unsubscribe'")
	u=$(rate -p "$D/post" -T application/x-www-form-urlencoded "$URL")
	after=$(sqlite3 "$D/db/m.db" "SELECT count(*) FROM events WHERE event_type = 'unsubscribe'")
	px=$(rate "$PIX")
	echo "round $round: nginx static GIF $g req/s | mailroom serve GET /healthz $h req/s ($(/usr/bin/python3 -c "print('%.0f%%' % (100*$h/$g))") of nginx) | pixel $px req/s ($(/usr/bin/python3 -c "print('%.0f%%' % (100*$px/$g))") of nginx) | one-click POST $u req/s, events recorded $((after - before)) of $N"
done
kill -TERM $SPID; wait $SPID || true
echo "pixel hits recorded: $(sqlite3 "$D/db/m.db" "SELECT count(*) FROM track_hits WHERE kind = 1") of $((2 * N))"
