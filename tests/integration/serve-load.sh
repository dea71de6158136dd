#!/bin/bash
# SPDX-License-Identifier: MIT
# Load on a real `mailroom serve`: SERVE_LOAD_N (default 20,000) distinct one-click POSTs and SERVE_LOAD_PIXEL_ROUNDS (default 5) open-pixel hits per recipient (100,000) from 4 parallel curl clients on 127.0.0.1, every one answered 200 and recorded exactly once; then SIGTERM in the middle of another burst of one-click POSTs: every answered one recorded once, none half-written.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3 curl

N=${SERVE_LOAD_N:-20000}
B=${SERVE_LOAD_BURST:-5000} # more recipients, for the SIGTERM burst
R=${SERVE_LOAD_PIXEL_ROUNDS:-5} # pixel hits per recipient
P=$((N * R))
. "$MR_SRCDIR/tests/servers/serve.sh"
serve_site loadtest store-sqlite "synchronous = normal" http "base_url = $BASE
rate_limit = 0
threads = 4" > "$T_DIR/site.ini"
{ echo "email,first_name,last_name,groups"; seq 1 "$((N + B))" | sed 's/.*/u&@example.net,F,L,news/'; } > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null 2>&1
printf '<html><body><p>Hello {contact.first_name}</p></body></html>\n' > "$T_DIR/t.html"
mr mailing create --name Load --subject Load --html "$T_DIR/t.html" --include-group news \
	--track-opens --schedule now > /dev/null
mr job run mailing > "$T_DIR/send.out" 2>&1
check_eq "the mailing was spooled to $((N + B)) recipients" "$(q "SELECT count(*) FROM mail_spool")" "$((N + B))"

# the one-click and pixel URLs of every message, in 4 curl config files each
python3 - "$T_DIR" "$N" "$R" <<'EOF'
import os, re, sqlite3, sys
d = sys.argv[1]
db = sqlite3.connect(os.path.join(d, "db", "m.db"))
unsub, pixel = [], []
for h, b in db.execute("SELECT headers, body FROM mail_spool"):
    h = h.decode() if isinstance(h, bytes) else h
    b = b.decode() if isinstance(b, bytes) else b
    m = re.search(r"<(http://[^>]*/u\?mr=[^>]*)>", h.replace("\r\n ", " "))
    unsub.append(m.group(1))
    b = b.replace("=\r\n", "").replace("=3D", "=")
    pixel.append(re.search(r'src="(http://[^"]*/o\?mr=[^"]*)"', b).group(1))
half = int(sys.argv[2])
for name, urls, extra in (("post", unsub[:half], 'data = "List-Unsubscribe=One-Click"\n'),
                          ("pixel", pixel[:half] * int(sys.argv[3]), ""),
                          ("post2", unsub[half:], 'data = "List-Unsubscribe=One-Click"\n'
                           'header = "Connection: close"\n')):
    for k in range(4):
        with open(os.path.join(d, "%s.%d" % (name, k)), "w") as f:
            f.write(extra)
            for u in urls[k::4]:
                f.write('url = "%s"\noutput = /dev/null\nwrite-out = "%%{http_code}\\n"\n' % u)
print(len(set(unsub)), len(set(pixel)))
EOF
check "mailroom serve listens" serve_start "$T_DIR/site.ini" "$T_DIR/serve.log" --no-request-log

run() { # run NAME: 4 parallel clients; prints the seconds taken
	local t0 t1
	t0=$(date +%s.%N)
	for k in 0 1 2 3; do curl -s -K "$T_DIR/$1.$k" > "$T_DIR/$1.codes.$k" & done
	wait
	t1=$(date +%s.%N)
	python3 -c "print(round($t1 - $t0, 2))"
}
H=$N
secs=$(run post)
ok200=$(cat "$T_DIR"/post.codes.* | grep -c '^200$')
diag "one-click POSTs: $H in $secs s ($(python3 -c "print(int($H / max($secs, 0.001)))")/s, 4 clients, SQLite)"
check_eq "all $H one-click POSTs answered 200" "$ok200" "$H"
check_eq "each of them has exactly one web unsubscribe event" "$(q "SELECT count(*), count(DISTINCT queue_id) FROM events WHERE event_type = 'unsubscribe' AND json_extract(details, '$.via') = 'web'")" "$H|$H"
check_eq "each member is Removed" "$(q "SELECT count(*) FROM group_contact WHERE status = 'Removed'")" "$H"

secs=$(run pixel)
ok200=$(cat "$T_DIR"/pixel.codes.* | grep -c '^200$')
diag "pixel hits: $P in $secs s ($(python3 -c "print(int($P / max($secs, 0.001)))")/s, 4 clients)"
check_eq "all $P pixel hits answered 200" "$ok200" "$P"
serve_stop; rc=$?
check_eq "SIGTERM stops it with exit 0" "$rc" 0
check_eq "every pixel hit recorded exactly once ($R per recipient)" "$(q "SELECT count(*), count(DISTINCT queue_id) FROM track_hits WHERE kind = 1")" "$P|$N"
check_eq "no recipient has more or fewer than $R" "$(q "SELECT count(*) FROM (SELECT queue_id FROM track_hits WHERE kind = 1 GROUP BY queue_id HAVING count(*) <> $R)")" 0

# ---- SIGTERM in the middle of a burst of one-click POSTs (new connections each)
check "mailroom serve listens again" serve_start "$T_DIR/site.ini" "$T_DIR/serve2.log" --no-request-log
for k in 0 1 2 3; do curl -s -K "$T_DIR/post2.$k" > "$T_DIR/post2.codes.$k" & done
sleep 0.4
serve_stop; rc=$?
wait
ok200=$(cat "$T_DIR"/post2.codes.* | grep -c '^200$')
diag "SIGTERM burst: $ok200 of $B one-click POSTs answered 200 before the stop"
check_eq "SIGTERM during the burst exits 0" "$rc" 0
check "some were answered, some refused after the stop" test "$ok200" -gt 0 -a "$ok200" -lt "$B"
check_eq "every answered POST is recorded exactly once, nothing more" "$(q "SELECT count(*), count(DISTINCT queue_id) FROM events WHERE event_type = 'unsubscribe' AND json_extract(details, '$.via') = 'web'")" "$((H + ok200))|$((H + ok200))"
check_eq "and nothing half-written: as many Removed members as events" "$(q "SELECT count(*) FROM group_contact WHERE status = 'Removed'")" "$((H + ok200))"
done_testing
