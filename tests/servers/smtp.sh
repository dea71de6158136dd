# SPDX-License-Identifier: MIT
# Starts the SMTP servers of the transport and mailing tests on 127.0.0.1: the
# scriptable aiosmtpd server (tests/servers/smtp-server.py: STARTTLS, implicit
# TLS, AUTH, scripted failures) and Postfix's smtp-sink (a fast discard server
# with fault options).  Source it after tests/lib.sh; every server started
# here is registered with `started`, so the test's exit stops it by its PID.

# smtp_server_start DIR PORT [OPTION...]: smtp-server.py storing what it
# receives into DIR (created) and listening on 127.0.0.1:PORT, with the
# script's OPTIONs (--tls-port P --cert F --key F, --user NAME:PASSWORD,
# --require-auth, --idle-timeout S, --pipelining).  Its output goes to
# DIR.log.  Waits up to 15 s for DIR/ready (written once every listener is
# up); returns 1 when it did not come.  Sets SMTP_SERVER_PID.
smtp_server_start() {
	local dir=$1 port=$2 i=0
	shift 2
	mkdir -p "$dir"
	/usr/bin/python3 "$MR_SRCDIR/tests/servers/smtp-server.py" --dir "$dir" --port "$port" "$@" \
		>"$dir.log" 2>&1 &
	SMTP_SERVER_PID=$!
	started "$SMTP_SERVER_PID"
	while [ $i -lt 150 ] && [ ! -e "$dir/ready" ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$dir/ready" ] && wait_port "$port" 1
}

# smtp_sink_start PORT [OPTION...]: /usr/sbin/smtp-sink on 127.0.0.1:PORT
# running as nobody, with smtp-sink's OPTIONs (-r CMD 4xx, -f CMD 5xx, -q CMD
# hang up, -w N slow DATA, -p no PIPELINING, -d DIR dump each message; see
# smtp-sink(1)).  Output is appended to $T_DIR/smtp-sink.log.  Waits up to
# 10 s for the port; returns 1 when nothing listens.  Sets SMTP_SINK_PID.
smtp_sink_start() {
	local port=$1
	shift
	/usr/sbin/smtp-sink -u nobody "$@" 127.0.0.1:"$port" 64 >>"$T_DIR/smtp-sink.log" 2>&1 &
	SMTP_SINK_PID=$!
	started "$SMTP_SINK_PID"
	wait_port "$port" 10
}

# smtp_sink_stop: stops the smtp-sink of the last smtp_sink_start (by its
# PID) and waits for it to exit, so that the next one may take a new port
smtp_sink_stop() {
	[ -n "${SMTP_SINK_PID:-}" ] || return 0
	kill "$SMTP_SINK_PID" 2>/dev/null
	wait "$SMTP_SINK_PID" 2>/dev/null
	stopped "$SMTP_SINK_PID"
	SMTP_SINK_PID=
}
