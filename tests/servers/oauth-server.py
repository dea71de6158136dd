#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A small OAuth 2.0 authorization server for the OAuth2 tests, on 127.0.0.1:
# the device authorization grant (RFC 8628), refresh and client-credentials
# grants, token introspection (RFC 7662, for Dovecot's oauth2 passdb and the
# test SMTP server), expiry, revocation, and slow or failing answers.
#
# usage: oauth-server.py --port P --dir DIR [--user NAME] [--client-id ID]
#                        [--client-secret S] [--expires-in N] [--interval N]
#                        [--slow S]
# Endpoints (POST, form-encoded, JSON answers):
#   /device      client_id, scope -> device_code, user_code, verification_uri
#   /token       grant_type = device_code | refresh_token | client_credentials
#   /introspect  token -> {"active": true, "username": NAME, "scope": ...}
# Test controls (POST):
#   /approve     user_code: the person approves      /deny  user_code
#   /revoke      revokes every refresh token and access token issued so far
#   /fail        n: the next n token requests get 503
#   /slow        s: token requests answer after s seconds from now on
#   /stats       (GET) the counts of each grant, as JSON
# Writes DIR/ready when listening; each request is logged to DIR/requests.log
# (grant types only, never a token).
import argparse
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {
    "devices": {},      # device_code -> {"user_code", "state", "scope", "expires"}
    "refresh": {},      # refresh token -> {"scope"}
    "access": {},       # access token -> {"expires", "scope"}
    "stats": {"device": 0, "device_ok": 0, "refresh": 0, "client_credentials": 0,
              "introspect": 0, "introspect_ok": 0, "refused": 0},
    "fail": 0,
}


def new_access(opts, scope):
    tok = "at-" + secrets.token_urlsafe(24)
    STATE["access"][tok] = {"expires": time.time() + opts.expires_in, "scope": scope}
    return tok


class Handler(BaseHTTPRequestHandler):
    opts = None

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 65536:
            return {}
        raw = self.rfile.read(n).decode("utf-8", "replace")
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def note(self, what):
        with open(os.path.join(self.opts.dir, "requests.log"), "a") as f:
            f.write("%.3f %s\n" % (time.time(), what))

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                return self.answer(200, STATE["stats"])
        self.answer(404, {"error": "not_found"})

    def do_POST(self):
        o = self.opts
        f = self.form()
        path = self.path.split("?", 1)[0]
        if path == "/device":
            if f.get("client_id") != o.client_id:
                return self.answer(401, {"error": "invalid_client"})
            code = secrets.token_urlsafe(24)
            user_code = "%04d-%04d" % (secrets.randbelow(10000), secrets.randbelow(10000))
            with LOCK:
                STATE["devices"][code] = {"user_code": user_code, "state": "pending",
                                          "scope": f.get("scope", ""),
                                          "expires": time.time() + 600}
            self.note("device")
            return self.answer(200, {
                "device_code": code, "user_code": user_code,
                "verification_uri": "http://127.0.0.1:%d/verify" % o.port,
                "verification_uri_complete": "http://127.0.0.1:%d/verify?code=%s" % (o.port, user_code),
                "expires_in": 600, "interval": o.interval})
        if path in ("/approve", "/deny"):
            with LOCK:
                for d in STATE["devices"].values():
                    if d["user_code"] == f.get("user_code"):
                        d["state"] = "approved" if path == "/approve" else "denied"
                        return self.answer(200, {"ok": True})
            return self.answer(404, {"error": "no such code"})
        if path == "/revoke":
            with LOCK:
                STATE["refresh"].clear()
                STATE["access"].clear()
            return self.answer(200, {"ok": True})
        if path == "/slow":
            o.slow = float(f.get("s", "0"))
            return self.answer(200, {"ok": True})
        if path == "/fail":
            with LOCK:
                STATE["fail"] = int(f.get("n", "1"))
            return self.answer(200, {"ok": True})
        if path == "/introspect":
            with LOCK:
                STATE["stats"]["introspect"] += 1
                a = STATE["access"].get(f.get("token", ""))
                if not a or a["expires"] < time.time():
                    STATE["stats"]["refused"] += 1
                    return self.answer(200, {"active": False})
                STATE["stats"]["introspect_ok"] += 1
            return self.answer(200, {"active": True, "username": o.user, "scope": a["scope"],
                                     "exp": int(a["expires"])})
        if path == "/token":
            if o.slow:
                time.sleep(o.slow)
            grant = f.get("grant_type", "")
            self.note("token " + grant)
            with LOCK:
                if STATE["fail"] > 0:
                    STATE["fail"] -= 1
                    return self.answer(503, {"error": "temporarily_unavailable",
                                             "error_description": "try again later"})
            if f.get("client_id") != o.client_id:
                return self.answer(401, {"error": "invalid_client"})
            with LOCK:
                if grant == "urn:ietf:params:oauth:grant-type:device_code":
                    d = STATE["devices"].get(f.get("device_code", ""))
                    if not d:
                        return self.answer(400, {"error": "invalid_grant"})
                    if d["state"] == "pending":
                        return self.answer(400, {"error": "authorization_pending"})
                    if d["state"] == "denied":
                        return self.answer(400, {"error": "access_denied",
                                                 "error_description": "the user declined"})
                    del STATE["devices"][f["device_code"]]
                    STATE["stats"]["device_ok"] += 1
                    rt = "rt-" + secrets.token_urlsafe(24)
                    STATE["refresh"][rt] = {"scope": d["scope"]}
                    return self.answer(200, {"access_token": new_access(o, d["scope"]),
                                             "token_type": "Bearer", "expires_in": o.expires_in,
                                             "refresh_token": rt, "scope": d["scope"]})
                if grant == "refresh_token":
                    STATE["stats"]["refresh"] += 1
                    r = STATE["refresh"].get(f.get("refresh_token", ""))
                    if not r:
                        return self.answer(400, {"error": "invalid_grant",
                                                 "error_description": "the refresh token was revoked"})
                    return self.answer(200, {"access_token": new_access(o, r["scope"]),
                                             "token_type": "Bearer", "expires_in": o.expires_in,
                                             "scope": r["scope"]})
                if grant == "client_credentials":
                    STATE["stats"]["client_credentials"] += 1
                    if f.get("client_secret") != o.client_secret:
                        return self.answer(401, {"error": "invalid_client",
                                                 "error_description": "bad client secret"})
                    scope = f.get("scope", "")
                    return self.answer(200, {"access_token": new_access(o, scope),
                                             "token_type": "Bearer", "expires_in": o.expires_in})
            return self.answer(400, {"error": "unsupported_grant_type"})
        self.answer(404, {"error": "not_found"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--user", default="civimail")
    ap.add_argument("--client-id", default="mailroom-test")
    ap.add_argument("--client-secret", default="client-s3cret")
    ap.add_argument("--expires-in", type=int, default=3600)
    ap.add_argument("--interval", type=int, default=1)
    ap.add_argument("--slow", type=float, default=0)
    a = ap.parse_args()
    Handler.opts = a
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    with open(os.path.join(a.dir, "ready"), "w") as f:
        f.write("%d\n" % os.getpid())
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
