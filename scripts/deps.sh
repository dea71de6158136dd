#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs every Debian 12 package mailroom needs to build, test and benchmark.
# Run as root.  Keeps the packaged daemons from starting (tests run private ones).
set -e
export DEBIAN_FRONTEND=noninteractive
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool libltdl-dev pkg-config \
	libiniparser-dev libgmime-3.0-dev libetpan-dev libcurl4-gnutls-dev libsqlite3-dev \
	libssl-dev openssl sqlite3 ca-certificates python3 \
	libmariadb-dev mariadb-server mariadb-client \
	dovecot-imapd dovecot-pop3d postfix python3-aiosmtpd msmtp swaks isync \
	systemd procps util-linux \
	libsisimai-perl python3-dkim valgrind \
	libspf2-dev unbound curl \
	debhelper lintian dpkg-dev fakeroot groff man-db \
	libmicrohttpd-dev libjansson-dev apache2-utils chromium nginx-light python3-websocket \
	clang libclang-rt-14-dev >/dev/null
# The packages may have started system daemons: tests need the ports free.
if [ -x /usr/sbin/postfix ] && [ -e /var/spool/postfix/pid/master.pid ]; then
	/usr/sbin/postfix stop >/dev/null 2>&1 || true
fi
if [ -e /run/dovecot/master.pid ]; then
	kill "$(cat /run/dovecot/master.pid)" 2>/dev/null || true
fi
# The fetch tests' private Dovecot keeps its Maildirs as this system user
# (Dovecot will not access mail as root); tests/servers/dovecot.sh also
# creates it when missing.
if ! id vmail >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail
fi
# Exim, for transport-sendmail.sh's second MTA: exim4-daemon-light conflicts
# with postfix, so it is not installed; its packages are unpacked into a
# cache the test runs the exim binary from, privately (tests/servers/exim.sh),
# as Debian-exim, the user the binary looks up before reading any config.
EXIM_CACHE=/var/cache/mailroom-tests/exim
if [ ! -x "$EXIM_CACHE/root/usr/sbin/exim4" ]; then
	mkdir -p "$EXIM_CACHE/debs"
	(cd "$EXIM_CACHE/debs" && apt-get download -qq exim4-daemon-light exim4-base exim4-config)
	for deb in "$EXIM_CACHE"/debs/*.deb; do dpkg -x "$deb" "$EXIM_CACHE/root"; done
fi
if ! id Debian-exim >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin Debian-exim
fi
