# SPDX-License-Identifier: MIT
# A throwaway Postfix instance for the tests (source it after tests/lib.sh):
# its own config, queue and data directories under $T_DIR/postfix, no network
# listener at all, default_transport = error so nothing can leave, and virtual
# delivery of @mailroom.test into Maildirs the test reads:
#   rcpt1@ -> $PF_MAIL/rcpt1/, rcpt2@ -> $PF_MAIL/rcpt2/, others -> $PF_MAIL/other/
# Postfix's sendmail finds it through MAIL_CONFIG=$PF_CONF.
# postfix_start: starts it and registers its master's PID with `started`.
# Tests that need a Postfix with an smtpd on a port (bounce-postfix.sh,
# transport-smtp-mtas.sh) use postfix_smtpd_setup and postfix_smtpd_launch,
# adding their own lines to its main.cf and master.cf.
PF_BASE=$T_DIR/postfix
PF_CONF=$PF_BASE/etc
PF_MAIL=$PF_BASE/mail
PF_LOG=$PF_BASE/maillog

postfix_start() {
	mkdir -p "$PF_CONF" "$PF_BASE/queue" "$PF_BASE/data" "$PF_MAIL"
	chmod 755 "$PF_BASE"
	chown postfix "$PF_BASE/data"
	chown nobody "$PF_MAIL"
	cat > "$PF_CONF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF_BASE/queue
data_directory = $PF_BASE/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mailroom-test.localdomain
mydomain = localdomain
myorigin = \$myhostname
mydestination =
relayhost =
default_transport = error:no mail leaves this test instance
relay_transport = error:no mail leaves this test instance
smtp_dns_support_level = disabled
virtual_mailbox_domains = mailroom.test
virtual_mailbox_base = $PF_MAIL
virtual_mailbox_maps = texthash:$PF_CONF/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_BASE
alias_maps =
alias_database =
biff = no
EOF
	printf 'rcpt1@mailroom.test rcpt1/\nrcpt2@mailroom.test rcpt2/\n@mailroom.test other/\n' \
		> "$PF_CONF/vmailbox"
	# only the internal services: no smtpd, nothing listens on the network
	postfix_services > "$PF_CONF/master.cf"
	postfix_launch "$PF_CONF"
}

# postfix_smtpd_setup OWNER: a throwaway Postfix with an smtpd on 127.0.0.1
# (a free port) under $T_DIR/postfix; sets PF, PF_CONF and PF_PORT.  $PF/mail
# (for virtual delivery) is owned by OWNER (user or user:group).  main.cf gets
# what every such instance needs (loopback only, nothing leaves, no DNS, its
# own log), master.cf the smtpd and the internal services: the caller appends
# its own lines to both, then calls postfix_smtpd_launch.
postfix_smtpd_setup() {
	PF=$T_DIR/postfix
	PF_CONF=$PF/etc
	PF_PORT=$(free_port)
	mkdir -p "$PF_CONF" "$PF/queue" "$PF/data" "$PF/mail"
	chmod 755 "$PF"
	chown postfix "$PF/data"
	chown "$1" "$PF/mail"
	cat > "$PF_CONF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
default_transport = error:no mail leaves this test instance
relay_transport = error:no mail leaves this test instance
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
alias_maps =
alias_database =
biff = no
EOF
	{
		echo "127.0.0.1:$PF_PORT inet n - n - - smtpd"
		postfix_services
		echo "anvil     unix  -       -       n       -       1       anvil"
		echo "scache    unix  -       -       n       -       1       scache"
	} > "$PF_CONF/master.cf"
}

# postfix_smtpd_launch: starts what postfix_smtpd_setup made (bails out when
# it does not start) and checks that its smtpd listens
postfix_smtpd_launch() {
	if ! postfix_launch "$PF_CONF"; then
		echo "Bail out! the private Postfix did not start"
		sed 's/^/# /' "$T_DIR/postfix-start.out"
		exit 1
	fi
	wait_port "$PF_PORT" 15
	check "Postfix listens on 127.0.0.1:$PF_PORT" wait_port "$PF_PORT" 1
}

# postfix_services: the master.cf lines of Postfix's internal services (no
# smtpd: add an "inet" line for one), for a private instance's master.cf
postfix_services() {
	cat <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# postfix_launch CONFDIR: checks and starts the Postfix of CONFDIR (its
# main.cf names queue_directory), waits up to 10 s for its master's PID file
# and registers that PID with `started`.  postfix's own output goes to
# $T_DIR/postfix-start.out.  Returns 1 when it did not start.
postfix_launch() {
	local queue i=0
	queue=$(/usr/sbin/postconf -c "$1" -h queue_directory) || return 1
	/usr/sbin/postfix -c "$1" check > "$T_DIR/postfix-start.out" 2>&1
	/usr/sbin/postfix -c "$1" start >> "$T_DIR/postfix-start.out" 2>&1 || return 1
	while [ $i -lt 100 ] && [ ! -s "$queue/pid/master.pid" ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$queue/pid/master.pid" ] || return 1
	started "$(tr -d ' ' < "$queue/pid/master.pid")"
}

# pf_wait_mail DIR COUNT [SECONDS]: until DIR/new has COUNT messages
pf_wait_mail() {
	local i=0 limit=$(( ${3:-20} * 10 ))
	while [ $i -lt $limit ]; do
		[ "$(ls "$1/new" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
