#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A tiny TCP proxy for the fetch tests: forwards 127.0.0.1:LISTEN to
# 127.0.0.1:TARGET (each connection in its own thread), and can cut a
# connection after N bytes from the server (--drop-after N: the server
# "drops" mid-fetch; only the first connection) or remove a capability word
# from the server's lines (--strip-cap MOVE: a server without MOVE).
import argparse, select, socket, threading

ap = argparse.ArgumentParser()
ap.add_argument("listen", type=int)
ap.add_argument("target", type=int)
ap.add_argument("--drop-after", type=int, default=0)
ap.add_argument("--strip-cap", default="")
ap.add_argument("--max-conns", type=int, default=100)
a = ap.parse_args()

def rewrite(data):
    if not a.strip_cap:
        return data
    word = a.strip_cap.encode()
    out = []
    for line in data.split(b"\n"):
        if b"CAPABILITY" in line.upper():
            line = line.replace(b" " + word + b" ", b" ").replace(b" " + word + b"]", b"]")
            if line.endswith(b" " + word + b"\r"):
                line = line[: -len(word) - 2] + b"\r"
        out.append(line)
    return b"\n".join(out)

def serve(cli, drop_after):
    up = socket.create_connection(("127.0.0.1", a.target))
    sent = 0
    buf = b""
    live = True
    while live:
        r, _, _ = select.select([cli, up], [], [], 120)
        if not r:
            break
        for s in r:
            data = s.recv(65536)
            if not data:
                live = False
                break
            if s is up:
                if a.strip_cap:
                    # keep whole lines so a capability word is never split
                    buf += data
                    cut = buf.rfind(b"\n") + 1
                    data, buf = rewrite(buf[:cut]), buf[cut:]
                if drop_after and sent + len(data) >= drop_after:
                    cli.sendall(data[: max(0, drop_after - sent)])
                    live = False
                    break
                sent += len(data)
                cli.sendall(data)
            else:
                up.sendall(data)
    cli.close()
    up.close()

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", a.listen))
srv.listen(8)
print("ready", flush=True)
dropped = False
for _ in range(a.max_conns):
    cli, _addr = srv.accept()
    # wait_port's probe sends nothing and closes: it must not use up the drop
    r, _, _ = select.select([cli], [], [], 0.3)
    probe = False
    if r:
        try:
            probe = cli.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            probe = True
    drop = a.drop_after if not dropped and not probe else 0
    if drop:
        dropped = True
    threading.Thread(target=serve, args=(cli, drop), daemon=True).start()
