# SPDX-License-Identifier: MIT
# A private Exim for transport-sendmail.sh (source it after tests/lib.sh):
# Debian's exim4-daemon-light binary unpacked by scripts/deps.sh into
# $MR_EXIM_ROOT (exim4-daemon-light conflicts with the installed postfix),
# run through its sendmail interface with its own configuration (-C): its
# spool and logs under $T_DIR/exim, no listener, no queue runner, delivery of
# @mailroom.test into Maildirs the test reads:
#   rcpt1@, rcpt2@, rcpt3@, bounce@ -> $EX_MAIL/LOCALPART/;
#   refused@ fails routing ("no such user here"); any other domain fails.
# Sets EXIM (the binary) and EX_CONF (the configuration); exim_args prints
# the arguments that select it.
MR_EXIM_ROOT=${MR_EXIM_ROOT:-/var/cache/mailroom-tests/exim/root}
EXIM=$MR_EXIM_ROOT/usr/sbin/exim4
EX_BASE=$T_DIR/exim
EX_CONF=$EX_BASE/exim.conf
EX_MAIL=$EX_BASE/mail

# exim_setup: writes the configuration and directories; returns 1 (with a
# diagnostic) when the binary or its Debian-exim user is missing
exim_setup() {
	[ -x "$EXIM" ] || { diag "no Exim binary at $EXIM (scripts/deps.sh unpacks it)"; return 1; }
	id Debian-exim >/dev/null 2>&1 || { diag "no Debian-exim user (scripts/deps.sh makes it)"; return 1; }
	mkdir -p "$EX_BASE/spool" "$EX_BASE/log" "$EX_MAIL"
	chmod 755 "$EX_BASE"
	chown Debian-exim "$EX_BASE/spool" "$EX_BASE/log"
	# deliveries run as Debian-exim (a -C config drops root)
	chown Debian-exim "$EX_MAIL"
	cat > "$EX_CONF" <<-EOF
	exim_path = $EXIM
	exim_user = Debian-exim
	spool_directory = $EX_BASE/spool
	log_file_path = $EX_BASE/log/%slog
	primary_hostname = exim.mailroom.test
	qualify_domain = mailroom.test
	domainlist local_domains = mailroom.test
	trusted_users = root
	keep_environment =
	begin routers
	refused:
	  driver = redirect
	  domains = +local_domains
	  local_parts = refused
	  allow_fail
	  data = :fail: no such user here
	local:
	  driver = accept
	  domains = +local_domains
	  local_parts = rcpt1 : rcpt2 : rcpt3 : bounce
	  transport = maildir
	elsewhere:
	  driver = redirect
	  allow_fail
	  data = :fail: not a local domain of this test
	begin transports
	maildir:
	  driver = appendfile
	  directory = $EX_MAIL/\${local_part_data}
	  maildir_format
	  create_directory
	  envelope_to_add
	  return_path_add
	EOF
}

# exim_args: the transport's args for this Exim (deliver before exiting)
exim_args() { echo "-C $EX_CONF -odi"; }

# exim_count LOCALPART: messages delivered to that mailbox
exim_count() { find "$EX_MAIL/$1/new" -type f 2>/dev/null | wc -l; }
