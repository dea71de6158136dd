#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom doctor's http-base-url check both ways: [http] base_url with no `mailroom serve` behind it fails with a clear message, a running serve (also under a /PREFIX) answers GET /healthz "ok", another HTTP server that is not mailroom serve fails, no base_url warns; the one-click check follows base_url.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 curl

. "$MR_SRCDIR/tests/servers/serve.sh"
DNS=$(free_port) # nothing listens there: the DNS checks fail fast, this test reads only the web ones
site() { # site NAME BASE_URL: a site config whose [http] base_url is BASE_URL ("" for none)
	serve_site doctorhttp mailroom "resolver = 127.0.0.1:$DNS" http "rate_limit = 0${2:+
base_url = $2}" > "$T_DIR/$1.ini"
}
# check_of NAME CHECK: "verdict|detail|fix" of one check of `doctor --json`
check_of() {
	timeout 120 "$MAILROOM" --config "$T_DIR/$1.ini" doctor --json 2> "$T_DIR/$1.err" |
		/usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
c = [c for c in d["checks"] if c["check"] == sys.argv[1]]
print("%s|%s|%s" % (c[0]["verdict"], c[0]["detail"], c[0].get("fix") or "") if len(c) == 1 else "missing")' "$2"
}
verdict_has() { # verdict_has RESULT VERDICT TEXT: the verdict, TEXT in the detail, a fix unless ok
	local v=${1%%|*} rest=${1#*|}
	[ "$v" = "$2" ] && [[ "${rest%%|*}" == *"$3"* ]] && { [ "$2" = ok ] || [ -n "${rest#*|}" ]; }
}

site plain "http://127.0.0.1:$PORT/"
r=$(check_of plain http-base-url)
diag "$r"
check "no serve running: http-base-url fails, saying the URL does not answer" verdict_has "$r" fail "does not answer: GET http://127.0.0.1:$PORT/healthz"
check "and it names the file and line of base_url" verdict_has "$r" fail "$T_DIR/plain.ini:$(grep -n '^base_url' "$T_DIR/plain.ini" | cut -d: -f1)"

check "mailroom serve listens" serve_start "$T_DIR/plain.ini"
r=$(check_of plain http-base-url)
diag "$r"
check "serve running: http-base-url is ok" verdict_has "$r" ok "GET http://127.0.0.1:$PORT/healthz answered ok"
r=$(check_of plain list-unsubscribe)
check "the one-click check reads base_url/u when unsubscribe_url is unset" verdict_has "$r" warn "<http://127.0.0.1:$PORT/u> is not one-click"
serve_stop

site prefixed "http://127.0.0.1:$PORT/mail/"
serve_start "$T_DIR/prefixed.ini" "$T_DIR/serve2.log"
check_eq "serve answers /PREFIX/healthz" "$(curl -s "http://127.0.0.1:$PORT/mail/healthz")" ok
r=$(check_of prefixed http-base-url)
check "a base_url with a /PREFIX: ok" verdict_has "$r" ok "GET http://127.0.0.1:$PORT/mail/healthz answered ok"
serve_stop

# another web server at base_url: it answers, but not as mailroom serve
mkdir -p "$T_DIR/www"
(cd "$T_DIR/www" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$PORT") > "$T_DIR/www.log" 2>&1 &
WPID=$!
started $WPID
wait_port "$PORT" 10
r=$(check_of plain http-base-url)
diag "$r"
check "a web server that is not mailroom serve: fail, with its HTTP status" verdict_has "$r" fail "answered HTTP 404"
kill $WPID; wait $WPID 2> /dev/null; stopped $WPID

site none ""
r=$(check_of none http-base-url)
check "no base_url: warn" verdict_has "$r" warn "no [http] base_url"
done_testing
