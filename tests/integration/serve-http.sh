#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom serve's [http] keys and its running, against real clients: several listen addresses, trusted_proxies and X-Forwarded-For in the request log, rate_limit per client address (429), timeout closing idle connections, max_connections holding the next client back, a request in flight at SIGTERM finished and written while new connections are refused, HTTPS with tls_cert_file and tls_key_file (a key others can read refused), systemd socket activation, and the README's nginx snippet in front of it.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl openssl nginx systemd-socket-activate
. "$MR_SRCDIR/tests/servers/serve.sh"

PORT2=$(free_port)
serve_site httptest http "listen = 127.0.0.1:$PORT, 127.0.0.1:$PORT2
base_url = $BASE
trusted_proxies = 127.0.0.1
rate_limit = 5
timeout = 2s
max_connections = 3
threads = 1" > "$T_DIR/site.ini"
printf 'email,first_name,groups\nu1@example.net,Ann,news\nu2@example.net,Bob,news\n' > "$T_DIR/c.csv"
mr contact import "$T_DIR/c.csv" > /dev/null 2>&1
printf '<html><body><p>Hello {contact.first_name}</p></body></html>\n' > "$T_DIR/t.html"
mr mailing create --name Http --subject Http --html "$T_DIR/t.html" --include-group news \
	--track-opens --schedule now > /dev/null
mr job run mailing > "$T_DIR/send.out" 2>&1
check_eq "the mailing was spooled to 2 recipients" "$(q "SELECT count(*) FROM mail_spool")" 2
url() { q "SELECT headers FROM mail_spool WHERE recipient = '$1'" | tr -d '\r' |
	sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g' | sed -n 's/^List-Unsubscribe: .*<\(http[^>]*\)>.*/\1/p'; }
pixel() { q "SELECT body FROM mail_spool WHERE recipient = '$1'" | tr -d '\r' |
	sed -e ':a' -e 'N' -e '$!ba' -e 's/=\n//g' -e 's/=3D/=/g' | grep -o 'http://[^"]*/o?mr=[^"]*'; }
member() { q "SELECT m.status FROM group_contact m JOIN emails e ON e.contact_id = m.contact_id WHERE e.email = '$1'"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# ---- listen: several addresses
check "mailroom serve listens on the first address" serve_start
check_eq "and answers on the second" "$(curl -s "http://127.0.0.1:$PORT2/healthz")" ok
check_grep "it logs both addresses" "listening on 127.0.0.1:$PORT2" "$T_DIR/serve.log"

# ---- trusted_proxies: the last X-Forwarded-For hop names the client
code -H 'X-Forwarded-For: 203.0.113.5, 198.51.100.7' "$BASE/healthz" > /dev/null
check_grep "from a trusted proxy the log names the forwarded client" ' 198\.51\.100\.7 GET /healthz 200 ' "$T_DIR/serve.log"
code --interface 127.0.0.2 -H 'X-Forwarded-For: 198.51.100.8' "$BASE/healthz" > /dev/null
check_grep "from another address X-Forwarded-For is ignored" ' 127\.0\.0\.2 GET /healthz 200 ' "$T_DIR/serve.log"
check "and the address it claimed is not logged" sh -c "! grep -q '198\.51\.100\.8' '$T_DIR/serve.log'"

# ---- rate_limit = 5: bursts of 10 per client address, then 429
burst() { # burst XFF N: the statuses of N GETs on one connection, as a client behind the proxy
	/usr/bin/python3 - "$PORT" "$1" "$2" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
out = []
for _ in range(int(sys.argv[3])):
    c.request("GET", "/healthz", headers={"X-Forwarded-For": sys.argv[2]})
    r = c.getresponse(); r.read(); out.append(str(r.status))
print(" ".join(out))
EOF
}
got=$(burst 198.51.100.20 20)
diag "20 quick requests: $got"
check "the first 10 are answered 200" grep -q '^\(200 \)\{10\}' <<< "$got"
check "then 429 Too Many Requests" grep -q '429 429 429' <<< "$got"
check_eq "another client address is not held back" "$(burst 198.51.100.21 3)" "200 200 200"

# ---- timeout = 2s: an idle connection is closed
idle=$(/usr/bin/python3 - "$PORT" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
t = time.time()
print(s.recv(10) == b"" and round(time.time() - t))
EOF
)
check "an idle connection is closed after about 2 s (after $idle s)" test "$idle" -ge 1 -a "$idle" -le 5

# ---- max_connections = 3: a fourth client waits until one closes
held=$(/usr/bin/python3 - "$PORT" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
time.sleep(0.2)
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(0.8)
s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
try:
    first = "answered" if s.recv(12) else "closed"
except socket.timeout:
    first = "waited"
for h in held:
    h.close()
s.settimeout(5)
print(first, s.recv(12).decode())
EOF
)
check_eq "with 3 connections open a fourth waits, and is answered once they close" "$held" "waited HTTP/1.1 200"

# ---- SIGTERM: the request in flight finishes and is written, new ones are refused
u1=$(url u1@example.net)
/usr/bin/python3 - "$PORT" "${u1#http://127.0.0.1:$PORT}" "$T_DIR/inflight" > "$T_DIR/inflight.out" 2>&1 <<'EOF' &
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
body = b"List-Unsubscribe=One-Click"
s.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (sys.argv[2].encode(), len(body)))
open(sys.argv[3], "w").close()
time.sleep(1)
s.sendall(body)
s.settimeout(10)
print(s.recv(12).decode())
EOF
CPID=$!
started $CPID
for _ in $(seq 1 50); do [ -e "$T_DIR/inflight" ] && break; sleep 0.1; done
kill -TERM "$SPID"
for _ in $(seq 1 50); do grep -q 'finishing the requests in flight' "$T_DIR/serve.log" && break; sleep 0.1; done
curl -s -m 2 -o /dev/null "$BASE/healthz"; newconn=$?
wait $CPID; stopped $CPID
wait "$SPID"; rc=$?; stopped "$SPID"
check_eq "a new connection during the stop is refused at once (curl exit 7)" "$newconn" 7
check_eq "the POST in flight at SIGTERM is answered 200" "$(cat "$T_DIR/inflight.out")" "HTTP/1.1 200"
check_eq "and u1 is unsubscribed" "$(member u1@example.net)" Removed
check_eq "serve exits 0" "$rc" 0

# ---- HTTPS: tls_cert_file and tls_key_file
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T_DIR/tls.key" -out "$T_DIR/tls.pem" -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" > /dev/null 2>&1
chmod 600 "$T_DIR/tls.key"
serve_site httptest http "tls_cert_file = $T_DIR/tls.pem
tls_key_file = $T_DIR/tls.key" > "$T_DIR/tls.ini"
check "serve listens with TLS" serve_start "$T_DIR/tls.ini" "$T_DIR/tls.log"
check_eq "GET https://127.0.0.1:PORT/healthz verifies against the certificate" \
	"$(curl -s --cacert "$T_DIR/tls.pem" "https://127.0.0.1:$PORT/healthz")" ok
check "plain HTTP to it gets no answer" sh -c "! curl -s -m 3 'http://127.0.0.1:$PORT/healthz' | grep -q ok"
check_grep "the log says https" "listening on 127.0.0.1:$PORT (https)" "$T_DIR/tls.log"
serve_stop; rc=$?
check_eq "serve with TLS exits 0 on SIGTERM" "$rc" 0
chmod 644 "$T_DIR/tls.key"
"$MAILROOM" --config "$T_DIR/tls.ini" serve > "$T_DIR/tls2.log" 2>&1; rc=$?
check_eq "a TLS key others can read is refused (EX_CONFIG)" "$rc" 78
check_grep "saying so" "tls.key: a private key readable by group or others is refused" "$T_DIR/tls2.log"

# ---- systemd socket activation: LISTEN_FDS replaces [http] listen
PORT3=$(free_port)
systemd-socket-activate -l "127.0.0.1:$PORT3" -E MAILROOM_PLUGIN_PATH -E MAILROOM_PLUGIN_PATH_ONLY \
	-E MAILROOM_BOUNCE_RULES "$MAILROOM" --config "$T_DIR/site.ini" serve > "$T_DIR/sa.log" 2>&1 &
SPID=$!
started $SPID
wait_port "$PORT3" 10
check_eq "under socket activation the first connection starts serve and is answered" \
	"$(curl -s -m 10 "http://127.0.0.1:$PORT3/healthz")" ok
check_grep "it serves systemd's socket" "listening on 1 socket from systemd" "$T_DIR/sa.log"
check "and does not listen on [http] listen" sh -c "! curl -s -m 2 '$BASE/healthz'"
serve_stop; rc=$?
check_eq "socket-activated serve exits 0 on SIGTERM" "$rc" 0

# ---- the README's nginx snippet in front of serve
NPORT=$(free_port)
mkdir -p "$T_DIR/nginx"
{
	printf 'pid %s/nginx.pid;\nerror_log %s/error.log;\nevents { worker_connections 64; }\n' "$T_DIR/nginx" "$T_DIR/nginx"
	printf 'http {\n  access_log off;\n'
	printf '  client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s;\n' "$T_DIR/nginx" "$T_DIR/nginx" "$T_DIR/nginx"
	printf '  uwsgi_temp_path %s; scgi_temp_path %s;\n' "$T_DIR/nginx" "$T_DIR/nginx"
	printf '  server {\n    listen 127.0.0.1:%s;\n' "$NPORT"
	sed -n '/nginx, in the server block of/,/^Apache/p' "$MR_SRCDIR/README.md" | sed -n '/^    location /,/^    }$/p'
	printf '  }\n}\n'
} > "$T_DIR/nginx/nginx.conf"
check "the README has an nginx location block" grep -q 'proxy_pass http://127.0.0.1:8025;' "$T_DIR/nginx/nginx.conf"
sed -i "s/127\.0\.0\.1:8025/127.0.0.1:$PORT/" "$T_DIR/nginx/nginx.conf"
nginx -c "$T_DIR/nginx/nginx.conf" -p "$T_DIR/nginx" -g 'daemon off;' > "$T_DIR/nginx.out" 2>&1 &
NGPID=$!
started $NGPID
wait_port "$NPORT" 10
check "mailroom serve listens again" serve_start "$T_DIR/site.ini" "$T_DIR/serve2.log"
u2=$(url u2@example.net); p2=$(pixel u2@example.net)
check_eq "through nginx: the one-click POST answers 200" "$(code --interface 127.0.0.3 -X POST \
	--data-raw List-Unsubscribe=One-Click "http://127.0.0.1:$NPORT${u2#"$BASE"}")" 200
check_eq "and u2 is unsubscribed" "$(member u2@example.net)" Removed
check_eq "through nginx: the open pixel answers 200" "$(code --interface 127.0.0.3 "http://127.0.0.1:$NPORT${p2#"$BASE"}")" 200
check_grep "serve logs the client nginx forwarded for" ' 127\.0\.0\.3 POST /u 200 ' "$T_DIR/serve2.log"
serve_stop
kill "$NGPID"; wait "$NGPID" 2> /dev/null; stopped $NGPID
check_eq "the pixel hit was recorded" "$(q "SELECT count(*) FROM track_hits WHERE kind = 1")" 1
done_testing
