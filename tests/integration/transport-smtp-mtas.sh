#!/bin/bash
# SPDX-License-Identifier: MIT
# transport-smtp against the MTAs sites relay through, each a throwaway
# instance on 127.0.0.1 (own config and spool, nothing leaves): Postfix's
# smtpd enforcing RFC 2920's pipelining rules (smtpd_forbid_unauth_pipelining,
# reject_unauth_pipelining) and Exim's daemon (which drops a client that
# talks out of turn: "synchronization error").  Each next envelope goes in the
# same write as the data before it; every message is taken once, without a
# complaint.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/sbin/postfix
[ "$(id -u)" -eq 0 ] || skip_all "a private Postfix needs root to start"
. "$MR_SRCDIR/tests/servers/postfix-local.sh"
. "$MR_SRCDIR/tests/servers/exim.sh"
BLAST=$MR_BUILDDIR/bench/mr-blast
[ -x "$BLAST" ] || { echo "Bail out! $BLAST is not built"; exit 1; }

postfix_smtpd_setup nobody
cat >> "$PF_CONF/main.cf" <<CF
smtpd_forbid_unauth_pipelining = yes
smtpd_data_restrictions = reject_unauth_pipelining
virtual_mailbox_domains = example.test
virtual_mailbox_base = $PF/mail
virtual_mailbox_maps = texthash:$PF_CONF/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
CF
printf 'good@example.test good/\nother@example.test other/\n' > "$PF_CONF/vmailbox"
postfix_smtpd_launch

cat > "$T_DIR/site.ini" <<INI
[mailroom]
from = sender@example.org
transport = smtp
[store-sqlite]
path = $T_DIR/db.sqlite
[transport-smtp]
host = 127.0.0.1
port = $PF_PORT
tls = none
max_connections = 2
INI
"$BLAST" -c "$T_DIR/site.ini" -n 60 -s 2048 -b 60 -f sender@example.org -t good@example.test \
	> "$T_DIR/out" 2>&1
check_eq "60 messages in one batch over 2 connections: exit 0" "$?" 0
check_grep "every message accepted" 'messages 60 ok 60 tempfail 0 permfail 0' "$T_DIR/out"
pf_wait_mail "$PF/mail/good" 60 30
check_eq "Postfix delivered all 60, none twice" "$(ls "$PF/mail/good/new" | wc -l)" 60
check_eq "Postfix found no improper pipelining" "$(grep -c -i 'pipelining' "$PF/maillog")" 0
# (the port probes above connect and say nothing: "lost connection after CONNECT")
conns=$(( $(grep -c 'smtpd\[[0-9]*\]: connect from' "$PF/maillog") -
	$(grep -c 'lost connection after CONNECT' "$PF/maillog") ))
if [ "$conns" -ge 1 ] && [ "$conns" -le 2 ]; then ok "the 60 went over $conns kept connection(s)"
else not_ok "the 60 went over 1 or 2 kept connections (got $conns)"; fi
# a list: a message to an unknown user between two good ones (its RCPT is
# refused, no data), and the next envelope still rides with the data
{
	printf 'sender@example.org\tgood@example.test\t%s/m.eml\n' "$T_DIR"
	printf 'sender@example.org\tnobody@example.test\t%s/m.eml\n' "$T_DIR"
	printf 'sender@example.org\tother@example.test\t%s/m.eml\n' "$T_DIR"
	printf 'sender@example.org\tgood@example.test,other@example.test\t%s/m.eml\n' "$T_DIR"
} > "$T_DIR/list"
printf 'From: sender@example.org\nTo: good@example.test\nSubject: list\n\n.leading dot\nbody\n' \
	> "$T_DIR/m.eml"
"$BLAST" -c "$T_DIR/site.ini" -l "$T_DIR/list" > "$T_DIR/out" 2>&1
check_grep "the unknown user is refused at RCPT (5xx)" 'msg 1 rcpt nobody@example.test: permfail 550 5.1.1' "$T_DIR/out"
check_eq "the other four recipients are ok" "$(grep -c ': ok 250 2.0.0' "$T_DIR/out")" 4
pf_wait_mail "$PF/mail/other" 2 30
check_eq "delivered: good 62, other 2" "$(ls "$PF/mail/good/new" | wc -l) $(ls "$PF/mail/other/new" | wc -l)" "62 2"
check_grep "the leading dot arrived unstuffed" '^\.leading dot$' "$(ls -d "$PF"/mail/other/new/* | head -1)"
check_eq "still no pipelining complaint" "$(grep -c -i 'pipelining' "$PF/maillog")" 0

# ---- Exim's daemon (Debian's binary unpacked by scripts/deps.sh), queueing only
if exim_setup; then
	EX_PORT=$(free_port)
	{
		echo "local_interfaces = 127.0.0.1"
		echo "daemon_smtp_ports = $EX_PORT"
		echo "acl_smtp_rcpt = acl_rcpt"
		echo "queue_only = true"
		echo "begin acl"
		echo "acl_rcpt:"
		echo "  accept domains = +local_domains"
		echo "  deny message = relay not permitted"
		sed -n '/^begin routers/,$p' "$EX_CONF"
	} > "$EX_CONF.daemon"
	sed -n '1,/^begin routers/p' "$EX_CONF" | sed '$d' > "$EX_CONF.head"
	cat "$EX_CONF.head" "$EX_CONF.daemon" > "$EX_CONF"
	"$EXIM" -C "$EX_CONF" -bdf -oX "$EX_PORT" > "$T_DIR/exim-daemon.out" 2>&1 &
	started $!
	wait_port "$EX_PORT" 15
	check "Exim listens on 127.0.0.1:$EX_PORT" wait_port "$EX_PORT" 1
	sed -i "s/^port = .*/port = $EX_PORT/" "$T_DIR/site.ini"
	"$BLAST" -c "$T_DIR/site.ini" -n 60 -s 2048 -b 60 -f sender@example.org \
		-t rcpt1@mailroom.test > "$T_DIR/out" 2>&1
	check_eq "exim: 60 messages in one batch over 2 connections: exit 0" "$?" 0
	check_grep "exim: every message accepted" 'messages 60 ok 60 tempfail 0 permfail 0' "$T_DIR/out"
	check_eq "exim: 60 received, none twice" "$(grep -c ' <= sender@example.org ' "$EX_BASE/log/mainlog")" 60
	check_eq "exim: no synchronization error" \
		"$(cat "$EX_BASE"/log/*log | grep -c -i 'synchronization error')" 0
	{
		printf 'sender@example.org\trcpt1@mailroom.test\t%s/m.eml\n' "$T_DIR"
		printf 'sender@example.org\tnobody@example.test\t%s/m.eml\n' "$T_DIR"
		printf 'sender@example.org\trcpt2@mailroom.test\t%s/m.eml\n' "$T_DIR"
		printf 'sender@example.org\trcpt1@mailroom.test,rcpt2@mailroom.test\t%s/m.eml\n' "$T_DIR"
	} > "$T_DIR/list-exim"
	"$BLAST" -c "$T_DIR/site.ini" -l "$T_DIR/list-exim" > "$T_DIR/out" 2>&1
	check_grep "exim: a relay attempt is refused at RCPT" \
		'msg 1 rcpt nobody@example.test: permfail 550' "$T_DIR/out"
	check_eq "exim: the other four recipients are ok" "$(grep -c ': ok 250 ' "$T_DIR/out")" 4
	check_eq "exim: received, with the messages around it: 63" \
		"$(grep -c ' <= sender@example.org ' "$EX_BASE/log/mainlog")" 63
	check_eq "exim: still no synchronization error" \
		"$(cat "$EX_BASE"/log/*log | grep -c -i 'synchronization error')" 0
else
	not_ok "Exim is unpacked by scripts/deps.sh"
fi
done_testing
