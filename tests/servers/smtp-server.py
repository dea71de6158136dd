#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A scriptable SMTP server for the transport tests (aiosmtpd): STARTTLS and
# implicit TLS with a given certificate, AUTH PLAIN/LOGIN for one user, every
# accepted message stored byte for byte with its envelope, and failures chosen
# by the recipient's (or sender's) local part:
#   temp-rcpt*  451 4.2.1 at RCPT        perm-rcpt*  550 5.1.1 at RCPT
#   unknown-rcpt*  550 5.1.1 <addr>: user unknown at RCPT (as Postfix words it)
#   temp-data*  452 4.3.1 after DATA     perm-data*  554 5.6.0 after DATA
#   drop-data*  the connection is dropped after the data, before any reply
#   slow-data*  accepted, but 300 ms after the data (a slow server)
#   close-after*  accepted; the connection is then closed at the next MAIL,
#                 before any reply to it
#   temp-mail*  (sender) 451 4.3.2 at MAIL   perm-mail* (sender) 553 5.1.8 at MAIL
#
# usage: smtp-server.py --dir DIR --port P [--tls-port P] [--cert F --key F]
#                       [--user NAME:PASSWORD] [--require-auth] [--idle-timeout S]
#                       [--pipelining] [--oauth-introspect URL]
# --oauth-introspect offers AUTH XOAUTH2 and OAUTHBEARER (RFC 7628) and checks
# each bearer token at that RFC 7662 introspection URL (tests/servers/
# oauth-server.py); a refused token gets the JSON error challenge, then 535.
# --pipelining offers PIPELINING (RFC 2920) in the EHLO reply; aiosmtpd reads
# commands in order from the stream, so pipelined groups work.
# After S idle seconds a connection gets "421 4.4.2 ... timeout" and is closed,
# as Postfix's smtpd does.
# Writes DIR/ready when listening.  DIR/NNNNNNNN.eml is a message as received
# (after dot-unstuffing), DIR/NNNNNNNN.json its envelope and connection, and
# "ahead": the first bytes the client had sent after the end of data before
# the server answered it (a pipelined next MAIL shows there).
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
import base64
import urllib.parse
import urllib.request


class Store:
    def __init__(self, directory):
        self.dir = directory
        self.n = 0

    def save(self, envelope, session, server):
        self.n += 1
        base = os.path.join(self.dir, "%08d" % self.n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "helo": session.host_name,
            "tls": session.ssl is not None or
            server.transport.get_extra_info("ssl_object") is not None,
            "auth": session.auth_data.decode() if isinstance(session.auth_data, bytes)
            else session.auth_data,
            "conn": server.conn_id,
            # asyncio's StreamReader keeps what was read and not yet parsed
            "ahead": bytes(server._reader._buffer[:9]).decode("latin-1"),
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        os.rename(base + ".eml.tmp", base + ".eml")


class Handler:
    def __init__(self, store, pipelining=False):
        self.store = store
        self.pipelining = pipelining

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if getattr(session, "close_next", False):
            server.transport.abort()
            return "421 4.4.2 closed (never seen by the client)"
        local = address.split("@")[0]
        if local.startswith("temp-mail"):
            return "451 4.3.2 temp-mail: sender refused for now (scripted)"
        if local.startswith("perm-mail"):
            return "553 5.1.8 perm-mail: sender refused (scripted)"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("temp-rcpt"):
            return "451 4.2.1 <%s>: mailbox busy (scripted)" % address
        if local.startswith("unknown-rcpt"):
            return "550 5.1.1 <%s>: user unknown" % address
        if local.startswith("perm-rcpt"):
            return "550 5.1.1 <%s>: no such user (scripted)" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        locals_ = [a.split("@")[0] for a in envelope.rcpt_tos]
        if any(l.startswith("drop-data") for l in locals_):
            server.transport.abort()
            return "421 4.4.2 dropped (never seen by the client)"
        if any(l.startswith("temp-data") for l in locals_):
            return "452 4.3.1 insufficient system storage (scripted)"
        if any(l.startswith("perm-data") for l in locals_):
            return "554 5.6.0 message content refused (scripted)"
        if any(l.startswith("slow-data") for l in locals_):
            await asyncio.sleep(0.3)
        if any(l.startswith("close-after") for l in locals_):
            session.close_next = True
        self.store.save(envelope, session, server)
        return "250 2.0.0 OK queued as %05d" % self.store.n


class OAuthHandler(Handler):
    """Handler with the OAuth2 SASL mechanisms, tokens checked by introspection."""
    introspect = None

    def check(self, user, token):
        data = urllib.parse.urlencode({"token": token}).encode()
        with urllib.request.urlopen(self.introspect, data=data, timeout=10) as r:
            ans = json.loads(r.read().decode())
        return ans.get("active") is True and ans.get("username") == user

    async def oauth(self, server, args, bearer):
        if len(args) < 2:
            blob = await server.challenge_auth("")
            if not isinstance(blob, bytes):
                return AuthResult(success=False)
        else:
            try:
                blob = base64.b64decode(args[1].encode(), validate=True)
            except Exception:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        fields = blob.split(b"\x01")
        user = token = None
        if bearer:
            gs2 = fields[0].split(b",")
            if len(gs2) >= 2 and gs2[1].startswith(b"a="):
                user = gs2[1][2:].replace(b"=2C", b",").replace(b"=3D", b"=").decode()
        for f in fields:
            if f.startswith(b"user="):
                user = f[5:].decode()
            elif f.lower().startswith(b"auth=bearer "):
                token = f[12:].decode()
        if user and token and self.check(user, token):
            return AuthResult(success=True, auth_data="oauth:" + user)
        # the error challenge of RFC 7628 3.2.2, then the failure
        await server.challenge_auth(json.dumps({"status": "invalid_token", "schemes": "bearer"}))
        return AuthResult(success=False, handled=False,
                          message="535 5.7.8 Username and Password not accepted "
                          "(invalid token for %s)" % (user or "?"))

    async def auth_XOAUTH2(self, server, args):
        return await self.oauth(server, args, False)

    async def auth_OAUTHBEARER(self, server, args):
        return await self.oauth(server, args, True)


class TestSMTP(SMTP):
    # long lines are the client's business here: accept them to check bytes
    line_length_limit = 100000
    conns = 0

    def _timeout_cb(self):
        # like Postfix's smtpd: say why, then hang up
        self.transport.write(b"421 4.4.2 mx.test Error: timeout exceeded\r\n")
        super()._timeout_cb()

    def connection_made(self, transport):
        TestSMTP.conns += 1
        self.conn_id = TestSMTP.conns
        super().connection_made(transport)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls-port", type=int)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user")
    ap.add_argument("--require-auth", action="store_true")
    ap.add_argument("--idle-timeout", type=float, default=300)
    ap.add_argument("--pipelining", action="store_true")
    ap.add_argument("--oauth-introspect")
    a = ap.parse_args()

    ctx = None
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)

    user, password = (a.user.split(":", 1) + [""])[:2] if a.user else (None, None)

    def authenticator(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword) and user is not None and
                auth_data.login.decode() == user and auth_data.password.decode() == password):
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    store = Store(a.dir)
    if a.oauth_introspect:
        OAuthHandler.introspect = a.oauth_introspect
        handler = OAuthHandler(store, a.pipelining)
        if user is None:
            user, password = "", None
    else:
        handler = Handler(store, a.pipelining)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory(implicit):
        kw = dict(hostname="mx.test", ident="mailroom-test-smtp", data_size_limit=0,
                  timeout=a.idle_timeout,
                  decode_data=False, enable_SMTPUTF8=True, loop=loop)
        if user is not None:
            kw.update(authenticator=authenticator, auth_required=a.require_auth,
                      auth_exclude_mechanism=["CRAM-MD5"])
        if implicit:
            kw["auth_require_tls"] = False
        elif ctx:
            kw["tls_context"] = ctx
        return lambda: TestSMTP(handler, **kw)

    servers = [loop.run_until_complete(
        loop.create_server(factory(False), "127.0.0.1", a.port))]
    if a.tls_port:
        servers.append(loop.run_until_complete(
            loop.create_server(factory(True), "127.0.0.1", a.tls_port, ssl=ctx)))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    with open(os.path.join(a.dir, "ready"), "w") as f:
        f.write("%d\n" % os.getpid())
    try:
        loop.run_forever()
    finally:
        for s in servers:
            s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
