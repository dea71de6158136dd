# SPDX-License-Identifier: MIT
# Starts a private Dovecot for the fetch tests: IMAP, IMAPS, POP3 and POP3S on
# free 127.0.0.1 ports, passwd-file users, Maildirs owned by the vmail user,
# a self-signed certificate made here.  Source it after tests/lib.sh, then
# call dovecot_start.  Sets DC_DIR, DC_IMAP, DC_IMAPS, DC_POP3, DC_POP3S,
# DC_CA (the certificate, to trust as ca_file), DC_USER, DC_PASS; also
# password files, [account-] sections and proxies for the fetch tests.

DC_USER=civimail
DC_PASS='s3cret-Pass'

# dovecot_user: the system user owning the Maildirs (created when missing)
dovecot_user() {
	if ! id vmail >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin vmail >/dev/null 2>&1 || return 1
	fi
}

# dovecot_maildir USER: the Maildir of a test user
dovecot_maildir() { echo "$DC_DIR/home/$1/Maildir"; }

# dovecot_put USER COUNT [FOLDER] [SIZE]: writes COUNT messages straight into
# the Maildir (new/), numbered on from what is there, each about SIZE bytes
dovecot_put() {
	local user=$1 count=$2 folder=${3:-} size=${4:-600}
	local md; md=$(dovecot_maildir "$user")
	[ -n "$folder" ] && md="$md/.$folder"
	mkdir -p "$md/new" "$md/cur" "$md/tmp"
	/usr/bin/python3 - "$md" "$count" "$size" <<'PY'
import os, sys, time
md, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
start = len(os.listdir(md + "/new")) + len(os.listdir(md + "/cur"))
now = int(time.time())
for i in range(start + 1, start + count + 1):
    head = ("From: Sender %d <sender%d@example.org>\nTo: return+%d@example.net\n"
            "Subject: test message %d\nMessage-ID: <t%d.%d@example.org>\n"
            "Date: Sun, 29 Nov 2026 12:00:00 +0000\n\n" % (i, i, i, i, i, now))
    body = ("line %d of message %d\n" % (0, i))
    while len(head) + len(body) < size:
        body += "filler text to make the message about its size %d\n" % len(body)
    name = "%d.M%dP%d.mailroomtest,S=%d" % (now, i, os.getpid(), len(head) + len(body))
    with open(os.path.join(md, "tmp", name), "w") as f:
        f.write(head + body)
    os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
PY
	chown -R vmail:vmail "$DC_DIR/home/$user"
}

# dovecot_put_raw USER NAME: standard input as the message file NAME in the
# new/ of USER's INBOX
dovecot_put_raw() {
	local file; file=$(dovecot_maildir "$1")/new/$2
	cat > "$file"
	chown vmail:vmail "$file"
}

# dovecot_count USER FOLDER: messages in a folder ("" for INBOX), on disk
dovecot_count() {
	local md; md=$(dovecot_maildir "$1")
	[ -n "$2" ] && md="$md/.$2"
	if [ -d "$md" ]; then find "$md/new" "$md/cur" -type f | wc -l; else echo 0; fi
}

# dovecot_password_files: $T_DIR/pass holds DC_PASS, $T_DIR/badpass a wrong
# password and $T_DIR/otherpass the password of the user "other" (mode 0600)
dovecot_password_files() {
	printf '%s' "$DC_PASS" > "$T_DIR/pass"; printf 'wrong' > "$T_DIR/badpass"
	printf 'other-pass' > "$T_DIR/otherpass"
	chmod 600 "$T_DIR/pass" "$T_DIR/badpass" "$T_DIR/otherpass"
}

# dovecot_account NAME FETCH [KEY=VALUE...]: an [account-NAME] section that
# fetches (FETCH: imap or pop3) DC_USER's mail for activities from 127.0.0.1
# on the IMAPS or POP3S port, DC_CA trusted, the password in $T_DIR/pass.
# A KEY=VALUE sets the line of that key (tls comes after port) or is added
# at the end; KEY= leaves the key out.
dovecot_account() {
	local name=$1 fetch=$2 port=$DC_IMAPS setting i replaced; shift 2
	[ "$fetch" = pop3 ] && port=$DC_POP3S
	local lines=("fetch=$fetch" used_for=activity server=127.0.0.1 "port=$port" tls= \
		"ca_file=$DC_CA" "username=$DC_USER" "password_file=$T_DIR/pass")
	for setting in "$@"; do
		replaced=
		for i in "${!lines[@]}"; do
			[ "${lines[i]%%=*}" = "${setting%%=*}" ] && { lines[i]=$setting; replaced=1; }
		done
		[ -n "$replaced" ] || lines+=("$setting")
	done
	echo "[account-$name]"
	for setting in "${lines[@]}"; do
		[ -n "${setting#*=}" ] && echo "${setting%%=*} = ${setting#*=}"
	done
	return 0
}

# dovecot_proxy PORT DOVECOT_PORT [OPTION...]: tests/servers/tcp-proxy.py
# from 127.0.0.1:PORT to Dovecot (OPTION: --strip-cap CAP, --drop-after BYTES)
dovecot_proxy() {
	/usr/bin/python3 "$MR_SRCDIR/tests/servers/tcp-proxy.py" "$@" \
		> "$T_DIR/proxy-$1.out" 2>&1 &
	started $!
	wait_port "$1" 5
}

# dovecot_stop: stops the Dovecot of dovecot_start, waiting up to 5 s for it
dovecot_stop() {
	kill "$DC_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$DC_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$DC_PID" 2>/dev/null || stopped "$DC_PID"
}

# DC_OAUTH_INTROSPECT=URL before dovecot_start: Dovecot also offers XOAUTH2
# and OAUTHBEARER, checking tokens with its oauth2 passdb at that RFC 7662
# introspection URL (tests/servers/oauth-server.py)
dovecot_oauth_conf() {
	[ -n "${DC_OAUTH_INTROSPECT:-}" ] || return 0
	cat > "$DC_DIR/oauth2.conf.ext" <<OAUTH
introspection_mode = post
introspection_url = $DC_OAUTH_INTROSPECT
username_attribute = username
active_attribute = active
active_value = true
OAUTH
	printf 'auth_mechanisms = plain login xoauth2 oauthbearer\npassdb {\n  driver = oauth2\n'
	printf '  mechanisms = xoauth2 oauthbearer\n  args = %s\n}\n' "$DC_DIR/oauth2.conf.ext"
}

dovecot_start() {
	command -v dovecot >/dev/null 2>&1 || needs /usr/sbin/dovecot
	dovecot_user || { echo "Bail out! cannot create the vmail user"; exit 1; }
	DC_DIR=$T_DIR/dovecot
	mkdir -p "$DC_DIR/run" "$DC_DIR/state" "$DC_DIR/home"
	chmod 0755 "$DC_DIR" "$DC_DIR/home"
	DC_IMAP=$(free_port); DC_IMAPS=$(free_port); DC_POP3=$(free_port); DC_POP3S=$(free_port)
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$DC_DIR/key.pem" -out "$DC_DIR/cert.pem" >/dev/null 2>&1
	DC_CA=$DC_DIR/cert.pem
	printf '%s:{PLAIN}%s::::::\nother:{PLAIN}other-pass::::::\n' "$DC_USER" "$DC_PASS" \
		> "$DC_DIR/passwd"
	local uid gid
	uid=$(id -u vmail); gid=$(id -g vmail)
	cat > "$DC_DIR/dovecot.conf" <<CONF
base_dir = $DC_DIR/run
state_dir = $DC_DIR/state
log_path = $DC_DIR/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <$DC_DIR/cert.pem
ssl_key = <$DC_DIR/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
$(dovecot_oauth_conf)
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DC_DIR/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$DC_DIR/home/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  prefix = INBOX.
  separator = .
}
first_valid_uid = $uid
last_valid_uid = $uid
pop3_uidl_format = %08Xu%08Xv
mail_fsync = never
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DC_IMAP
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $DC_IMAPS
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $DC_POP3
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $DC_POP3S
    ssl = yes
  }
}
CONF
	mkdir -p "$(dovecot_maildir "$DC_USER")/new" "$(dovecot_maildir "$DC_USER")/cur" \
		"$(dovecot_maildir "$DC_USER")/tmp"
	chown -R vmail:vmail "$DC_DIR/home"
	/usr/sbin/dovecot -F -c "$DC_DIR/dovecot.conf" >"$DC_DIR/stdout" 2>&1 &
	started $!
	DC_PID=$!
	for p in $DC_IMAP $DC_IMAPS $DC_POP3 $DC_POP3S; do
		wait_port "$p" 10 || { echo "Bail out! dovecot did not listen on $p"; \
			sed 's/^/# /' "$DC_DIR/dovecot.log" "$DC_DIR/stdout" 2>/dev/null | tail -20; exit 1; }
	done
}
