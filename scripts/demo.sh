#!/bin/bash
# SPDX-License-Identifier: MIT
# The quick start: installs the packages (as root), builds and installs mailroom
# into ./_demo/prefix, and runs the demo site of etc/mailroom.ini on its
# embedded defaults: SQLite, the spool transport, nothing leaves the machine.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
if [ "$(id -u)" = 0 ]; then
	bash scripts/deps.sh
fi
./autogen.sh >/dev/null
mkdir -p _demo/build _demo/site
cd _demo/build
"$top/configure" --prefix="$top/_demo/prefix" --sysconfdir="$top/_demo/site" >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
cd "$top"
site=$top/_demo/site
[ -e "$site/mailroom.ini" ] || cp etc/mailroom.ini "$site/mailroom.ini"
export MAILROOM_CONFIG=$site/mailroom.ini
mr=$top/_demo/prefix/bin/mailroom
run() { echo; echo "\$ mailroom $*"; "$mr" "$@"; }
run config check
run plugins
run send-test --subject "Grüße from the mailroom demo" someone@example.org
run spool list
id=$("$mr" spool list --json | head -1 | sed 's/^{"id":\([0-9]*\).*/\1/')
run spool show "$id"
echo
echo "The demo site is $site/mailroom.ini; its database is $site/mailroom.db."
echo "Run more commands with: MAILROOM_CONFIG=$site/mailroom.ini $mr --help"
