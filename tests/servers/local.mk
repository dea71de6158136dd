# SPDX-License-Identifier: MIT
# The server starters the integration tests and benchmarks source or run (see tests/README.md).
EXTRA_DIST += tests/servers/dovecot.sh tests/servers/tcp-proxy.py \
	tests/servers/postfix-local.sh tests/servers/smtp.sh tests/servers/smtp-server.py \
	tests/servers/unbound.sh tests/servers/exim.sh
EXTRA_DIST += tests/servers/mariadb.sh
EXTRA_DIST += tests/servers/oauth-server.py tests/servers/serve.sh
