#!/bin/bash
# SPDX-License-Identifier: MIT
# The custom job SDK: `make install DESTDIR=...` of the build, then
# examples/job-hello built out of tree with nothing but pkg-config and the
# installed headers, loaded through plugin_path by the installed mailroom,
# and run with `mailroom job run hello` on a real SQLite site.
. "$MR_SRCDIR/tests/lib.sh"
needs make cc pkg-config

root=$T_DIR/root
# a clean recursive make: not the jobserver of the make check that runs us
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$MR_BUILDDIR" install DESTDIR="$root" \
	> "$T_DIR/install.log" 2>&1
rc=$?
check_eq "make install DESTDIR=... succeeds" "$rc" 0
[ "$rc" = 0 ] || tail -20 "$T_DIR/install.log" | sed 's/^/#   /'
pc=$(find "$root" -name mailroom-plugin.pc | head -1)
check "mailroom-plugin.pc is installed" test -n "$pc"
pcdir=$(dirname "${pc:-/nonexistent/x}")
export PKG_CONFIG_PATH=$pcdir PKG_CONFIG_LIBDIR=$pcdir PKG_CONFIG_SYSROOT_DIR=$root

cflags=$(pkg-config --cflags mailroom-plugin)
check_eq "pkg-config finds mailroom-plugin" "$?" 0
inc=$(printf '%s\n' $cflags | sed -n 's/^-I//p' | head -1)
case "$inc" in
"$root"/*) ok "the .pc gives an -I inside the DESTDIR: $inc" ;;
*) not_ok "the .pc gives an -I inside the DESTDIR"; diag "cflags: $cflags" ;;
esac
for h in plugin.h core.h error.h; do
	check "the SDK installs mailroom/$h" test -f "$inc/mailroom/$h"
done
check_eq "the .pc version is the package's" "$(pkg-config --modversion mailroom-plugin)" \
	"$("$MAILROOM" --version | sed -n 's/^mailroom \([^ ]*\) .*/\1/p')"
# every installed header compiles on its own with only the SDK's flags
for h in "$inc"/mailroom/*.h; do
	printf '#include <mailroom/%s>\nint main(void) { return 0; }\n' "$(basename "$h")" > "$T_DIR/h.c"
	cc -std=gnu11 -Wall -Wextra -Werror $cflags -fsyntax-only "$T_DIR/h.c" 2> "$T_DIR/h.err"
	rc=$?
	check_eq "installed header $(basename "$h") compiles alone" "$rc" 0
	[ "$rc" = 0 ] || sed 's/^/#   /' "$T_DIR/h.err"
done

# the example, copied out of the source tree, built with its own Makefile
ex=$T_DIR/job-hello
cp -r "$MR_SRCDIR/examples/job-hello" "$ex"
chmod -R u+w "$ex"
rm -f "$ex/job-hello.so"
make -C "$ex" CFLAGS="-O2 -Wall -Wextra -Werror" > "$T_DIR/build.log" 2>&1
rc=$?
check_eq "the example builds out of tree with -Werror" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T_DIR/build.log"
check_grep "it is compiled with the SDK's -I only" "-I$inc" "$T_DIR/build.log"
check "no -I points into the source or build tree" \
	sh -c "! grep -q -e '-I$MR_SRCDIR' -e '-I$MR_BUILDDIR' '$T_DIR/build.log'"
check "job-hello.so is built" test -f "$ex/job-hello.so"
exports=$(nm -D --defined-only "$ex/job-hello.so" 2>/dev/null | awk '{print $3}' | grep -v '^_' | tr '\n' ' ')
check_eq "it exports the descriptor only" "$exports" "mr_plugin_descriptor "
sitedir=$T_DIR/site-plugins
make -C "$ex" install PLUGINDIR="$sitedir" > "$T_DIR/inst.log" 2>&1
check_eq "make install PLUGINDIR=... puts it in a site directory" "$?" 0
check "job-hello.so is in the site directory" test -f "$sitedir/job-hello.so"

# the installed mailroom loads it through plugin_path
bin=$(find "$root" -path '*/bin/mailroom' -type f | head -1)
check "the installed mailroom exists" test -x "$bin"
plugdir=$(find "$root" -name store-sqlite.so -printf '%h\n' | head -1)
cfg=$T_DIR/site.ini
cat > "$cfg" <<INI
[mailroom]
site = sdktest
from = sender@example.org
transport = spool
lock_dir = $T_DIR
plugin_path = $sitedir
[store-sqlite]
path = $T_DIR/mailroom.db
INI
cat "$MR_SRCDIR/examples/job-hello/hello.ini" >> "$cfg"
# MAILROOM_PLUGIN_PATH: the DESTDIR's plugins (the binary looks in its real plugin_dir);
# LD_LIBRARY_PATH: the DESTDIR's libmailroom-mail (the binary looks in its real libdir)
libdir=$(find "$root" -name 'libmailroom-mail.so.*' -printf '%h\n' | head -1)
mr() { LD_LIBRARY_PATH=$libdir MAILROOM_PLUGIN_PATH=$plugdir "$bin" --config "$cfg" "$@"; }
mr plugins > "$T_DIR/plugins" 2>&1
check_grep "mailroom plugins lists job hello as loadable from plugin_path" \
	"^job  *hello  *1\.0  *loadable  *$sitedir/job-hello.so\$" "$T_DIR/plugins"
mr plugins --json > "$T_DIR/plugins.json" 2>&1
check_grep "plugins --json shows its description and ABI" \
	"\"path\":\"$sitedir/job-hello.so\",\"kind\":\"job\",\"name\":\"hello\",\"version\":\"1.0\",\"abi\":\"1\.[0-9]*\",\"description\":\"Example custom job" \
	"$T_DIR/plugins.json"
mr config check > "$T_DIR/out" 2>&1
rc=$?
check_eq "the site with hello.ini passes config check" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T_DIR/out"
mr config dump > "$T_DIR/dump" 2>&1
check_grep "config dump shows the plugin's declared key" '^greeting = Hello from the example job' "$T_DIR/dump"

# the declared key is checked like the core's
sed 's/^greeting = /greting = /' "$cfg" > "$T_DIR/bad.ini"
LD_LIBRARY_PATH=$libdir MAILROOM_PLUGIN_PATH=$plugdir "$bin" --config "$T_DIR/bad.ini" config check > /dev/null 2> "$T_DIR/err"
check_eq "a misspelled plugin key is a configuration error" "$?" 78
check_grep "with the plugin's key suggested" "unknown key 'greting' (did you mean 'greeting'?)" "$T_DIR/err"

# Execute Now
mr send-test rcpt@example.net > /dev/null 2>&1
mr send-test rcpt2@example.net > /dev/null 2>&1
mr job run hello > "$T_DIR/run" 2> "$T_DIR/run.err"
rc=$?
check_eq "mailroom job run hello exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T_DIR/run.err"
check_grep "it reports the job's message" 'Hello from the example job: said hello to 2 spooled messages' "$T_DIR/run"
check_grep "the job logged its greeting through ctx->core->log" \
	'job-hello\[hello\].*notice: Hello from the example job (job hello, run [0-9]*)' "$T_DIR/run.err"
mr job log hello --json > "$T_DIR/log" 2>&1
check_grep "the job log has the run as ok with its message and data" \
	'"job":"hello".*"outcome":"ok","message":"Hello from the example job: said hello to 2 spooled messages","data":{"spooled":2}' "$T_DIR/log"

# A store built out of tree runs the installed conformance suite: store-sqlite's
# own sources (and what it shares with store-mariadb: the operations of
# plugins/sqlstore, compiled against its db.h, and the smart-group compiler)
# compiled with nothing but the installed headers (pkg-config) and
# a config.h of the author's, loaded through plugin_path (first wins over the
# installed copy) by the installed mailroom-store-check.
oot=$T_DIR/oot-store
mkdir -p "$oot"
printf '#define PACKAGE_VERSION "0.0-oot"\n' > "$oot/config.h"
cc -std=gnu11 -O1 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-fPIC -shared -fvisibility=hidden -I"$oot" -I"$MR_SRCDIR"/plugins/store-sqlite \
	-I"$MR_SRCDIR"/plugins/sqlstore $cflags "$MR_SRCDIR"/plugins/store-sqlite/*.c \
	"$MR_SRCDIR"/plugins/sqlstore/*.c "$MR_SRCDIR"/plugins/common/smart-group.c \
	-o "$oot/store-sqlite.so" \
	$(env -u PKG_CONFIG_PATH -u PKG_CONFIG_LIBDIR -u PKG_CONFIG_SYSROOT_DIR pkg-config --libs sqlite3) \
	> "$T_DIR/oot.log" 2>&1
check_eq "store-sqlite's sources build out of tree against the installed SDK" "$?" 0
sed 's/^/#   /' "$T_DIR/oot.log" | head -20
check_bin=$(find "$root" -path '*/bin/mailroom-store-check' -type f | head -1)
check "mailroom-store-check is installed with the SDK" test -x "$check_bin"
cat > "$T_DIR/check.ini" <<INI
[mailroom]
site = oot
transport = disabled
lock_dir = $T_DIR
plugin_path = $oot
[store-sqlite]
path = $T_DIR/oot.db
INI
LD_LIBRARY_PATH=$libdir MAILROOM_PLUGIN_PATH=$plugdir "$check_bin" --config "$T_DIR/check.ini" \
	> "$T_DIR/check.tap" 2> "$T_DIR/check.err"
rc=$?
check_eq "the installed suite passes against the out-of-tree store" "$rc" 0
[ "$rc" = 0 ] || sed "s/^/#   /" "$T_DIR/check.err" | head -10
check_grep "it ran the mailing-queue cases" '^ok .*queue_unstarted' "$T_DIR/check.tap"
n_ok=$(grep -c '^ok ' "$T_DIR/check.tap")
n_bad=$(grep -c '^not ok ' "$T_DIR/check.tap")
check "every capability's cases ran: $n_ok ok, $n_bad not ok" test "$n_ok" -gt 300 -a "$n_bad" -eq 0
# (store-sqlite has no shared locks by design: one host, flock in lock_dir)
check "and none was skipped but the shared-lock cases" sh -c \
	"! grep '^# skipping' '$T_DIR/check.tap' | grep -v 'the shared lock cases'"
LD_LIBRARY_PATH=$libdir MAILROOM_PLUGIN_PATH=$plugdir "$bin" --config "$T_DIR/check.ini" plugins --json \
	> "$T_DIR/oot-plugins" 2>&1
check_grep "the out-of-tree copy is the one used, the installed one shadowed" \
	"\"shadowed_by\":\"$oot/store-sqlite.so\"" "$T_DIR/oot-plugins"
done_testing
