#!/bin/bash
# SPDX-License-Identifier: MIT
# The plugin search path through the built mailroom: the first directory that
# has a plugin wins (plugin_path, then MAILROOM_PLUGIN_PATH, then plugin_dir),
# `mailroom plugins [--json]` lists the other copies as shadowed by it, and a
# mistyped plugin name is a configuration error that suggests the right one.
. "$MR_SRCDIR/tests/lib.sh"

built=$MR_BUILDDIR/plugins/transport-spool/.libs
site=$T_DIR/site-plugins
mkdir -p "$site"
# a copy of the build tree's transport-spool, as a site's own build of it
cp "$built/transport-spool.so" "$site/transport-spool.so"
cp -L "$built/transport-spool.la" "$site/transport-spool.la"
check "the copy is in the site directory" test -f "$site/transport-spool.so"

cfg=$T_DIR/site.ini
# site_ini [PLUGIN_PATH [PLUGIN_DIR [TRANSPORT [STORE]]]]: a site that spools
# into $T_DIR/mailroom.db; print more sections after it with >>
site_ini() {
	{
		printf '[mailroom]\nsite = pathtest\nfrom = sender@example.org\nlock_dir = %s\n' "$T_DIR"
		printf 'store = %s\ntransport = %s\n' "${4:-sqlite}" "${3:-spool}"
		[ -z "${1:-}" ] || printf 'plugin_path = %s\n' "$1"
		[ -z "${2:-}" ] || printf 'plugin_dir = %s\n' "$2"
		printf '[store-sqlite]\npath = %s\n' "$T_DIR/mailroom.db"
	} > "$cfg"
}
mr() { "$MAILROOM" --config "$cfg" "$@"; }
# spool_line FILE PATH: the --json line of the file PATH
spool_line() { grep -F "{\"path\":\"$2\"," "$1"; }

# ---- which copy wins, and how the others are listed
# order: a description, plugin_path, extra MAILROOM_PLUGIN_PATH dirs (after
# the build tree's), plugin_dir, MAILROOM_PLUGIN_PATH_ONLY, the copy used,
# the copy shadowed ("-": not listed at all)
while IFS='|' read -r what ppath envtail pdir only used shadowed; do
	[ -n "$what" ] || continue
	site_ini "$ppath" "$pdir"
	MAILROOM_PLUGIN_PATH=$MAILROOM_PLUGIN_PATH$envtail MAILROOM_PLUGIN_PATH_ONLY=$only \
		mr plugins --json > "$T_DIR/p.json" 2> "$T_DIR/p.err"
	check_eq "$what: plugins --json exits 0" "$?" 0
	check_eq "$what: $used is used (shadowed_by null)" \
		"$(spool_line "$T_DIR/p.json" "$used" | grep -c '"loadable":true,"shadowed_by":null}$')" 1
	if [ "$shadowed" = - ]; then
		check_eq "$what: the site copy is not listed" \
			"$(spool_line "$T_DIR/p.json" "$site/transport-spool.so" | wc -l)" 0
	else
		check_eq "$what: $shadowed is shadowed by $used" \
			"$(spool_line "$T_DIR/p.json" "$shadowed" |
			   grep -cF "\"loadable\":true,\"shadowed_by\":\"$used\"}")" 1
	fi
	check_eq "$what: every line of --json is JSON with the old fields and shadowed_by" \
		"$(/usr/bin/python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    p=json.loads(l); n+=1
    assert "path" in p and "loadable" in p and "shadowed_by" in p
    assert not p["loadable"] or ("kind" in p and "name" in p and "version" in p)
print(n > 0)' "$T_DIR/p.json" 2>&1)" True
	MAILROOM_PLUGIN_PATH=$MAILROOM_PLUGIN_PATH$envtail MAILROOM_PLUGIN_PATH_ONLY=$only \
		mr config check > "$T_DIR/out" 2>&1
	check_eq "$what: config check passes" "$?" 0
done <<EOF
plugin_path first: the site copy wins|$site|||1|$site/transport-spool.so|$built/transport-spool.so
MAILROOM_PLUGIN_PATH first: the build tree's copy wins||$site||1|$built/transport-spool.so|$site/transport-spool.so
plugin_path lists the build tree first|$built:$site|||1|$built/transport-spool.so|$site/transport-spool.so
plugin_dir comes after MAILROOM_PLUGIN_PATH|||$site|0|$built/transport-spool.so|$site/transport-spool.so
MAILROOM_PLUGIN_PATH_ONLY=1 leaves plugin_dir out|||$site|1|$built/transport-spool.so|-
EOF

# the text listing: STATUS shadowed and the winner under it
site_ini "$site"
mr plugins > "$T_DIR/p.txt" 2>&1
check_grep "plugins shows the site copy as loadable" \
	"^transport  *spool  *[^ ]*  *loadable  *$site/transport-spool.so\$" "$T_DIR/p.txt"
check_grep "plugins shows the build tree's copy as shadowed" \
	"^transport  *spool  *[^ ]*  *shadowed  *$built/transport-spool.so\$" "$T_DIR/p.txt"
check_grep "and names the copy that wins" "^    shadowed by $site/transport-spool.so\$" "$T_DIR/p.txt"

# the first copy is the one loaded: a broken file first is an error that names it
printf 'not a shared object\n' > "$T_DIR/broken.so"
mkdir -p "$T_DIR/broken"
cp "$T_DIR/broken.so" "$T_DIR/broken/transport-spool.so"
site_ini "$T_DIR/broken"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "a broken copy first on plugin_path: config check exits 78" "$?" 78
check_grep "the error names the broken copy" "$T_DIR/broken/transport-spool.so: cannot load" "$T_DIR/err"
mr plugins > "$T_DIR/p.txt" 2>&1
check_eq "mailroom plugins then exits 78 too" "$?" 78
site_ini "$site:$T_DIR/broken"
mr config check > "$T_DIR/out" 2>&1
check_eq "the broken copy behind a good one is never loaded: config check passes" "$?" 0
mr plugins --json > "$T_DIR/p.json" 2>&1
check_eq "a refused copy that is shadowed does not fail mailroom plugins" "$?" 0
check_eq "it is listed as refused and shadowed" \
	"$(spool_line "$T_DIR/p.json" "$T_DIR/broken/transport-spool.so" |
	   grep -cF "\"loadable\":false,\"error\":")$(spool_line "$T_DIR/p.json" \
	   "$T_DIR/broken/transport-spool.so" | grep -cF "\"shadowed_by\":\"$site/transport-spool.so\"}")" 11

# ---- a mistyped plugin name: exit 78 (EX_CONFIG), file, line and "did you mean"
# each case: a description, the transport and store of [mailroom], the INI
# lines after the site's (\n-separated), the line that names the plugin (a
# fixed string), the message wanted after FILE:LINE:
while IFS='|' read -r what transport store extra key want; do
	[ -n "$what" ] || continue
	site_ini "" "" "$transport" "$store"
	printf "$extra" >> "$cfg"
	line=$(grep -nxF "$key" "$cfg" | cut -d: -f1)
	mr config check > /dev/null 2> "$T_DIR/err"
	check_eq "$what: config check exits 78" "$?" 78
	check_grep "$what: names file and line and suggests" "$cfg:$line: $want" "$T_DIR/err"
done <<'EOF'
[mailroom] transport|spoool|||transport = spoool|\[mailroom\] transport = spoool: transport plugin 'spoool' not found; did you mean 'spool'?
[mailroom] store||sqlitee||store = sqlitee|\[mailroom\] store = sqlitee: store plugin 'sqlitee' not found; did you mean 'sqlite'?
[transport-x] plugin|||[transport-x]\nplugin = spoll\n|plugin = spoll|\[transport-x\] transport plugin 'spoll' not found; did you mean 'spool'?
[job-x] plugin|||[job-x]\nplugin = process-mailng\n|plugin = process-mailng|\[job-x\] job plugin 'process-mailng' not found; did you mean 'process-mailing'?
[job-NAME] without plugin|||[job-clenup]\n|[job-clenup]|\[job-clenup\] job plugin 'clenup' not found; did you mean 'cleanup'?
[account-x] fetch|||[account-x]\nfetch = imapp\nused_for = bounce\n|fetch = imapp|\[account-x\] fetch plugin 'imapp' not found; did you mean 'imap'?
EOF
# nothing close: no suggestion
site_ini
printf '[job-x]\nplugin = frobnicate\n' >> "$cfg"
mr config check > /dev/null 2> "$T_DIR/err"
check_eq "a name close to no plugin: config check exits 78" "$?" 78
check_grep "it says which file is missing" "job plugin 'frobnicate' not found (no job-frobnicate.so in" "$T_DIR/err"
check "and suggests nothing" sh -c "! grep -q 'did you mean' '$T_DIR/err'"

# a plugin a distribution ships in another package: the packaged list names it
printf '# test list\njob-frobnicate mailroom-frob\ntransport-smtp mailroom-smtp\n' > "$T_DIR/packages"
MAILROOM_PLUGIN_PACKAGES=$T_DIR/packages "$MAILROOM" --config "$cfg" config check > /dev/null 2> "$T_DIR/err"
check_eq "a plugin of another package: config check exits 78" "$?" 78
check_grep "it names the package to install" \
	"job plugin 'frobnicate' not found; install the package mailroom-frob, which has it (no" "$T_DIR/err"
MAILROOM_PLUGIN_PACKAGES=$T_DIR/absent "$MAILROOM" --config "$cfg" config check > /dev/null 2> "$T_DIR/err"
check "without the list it names none" sh -c "! grep -q 'install the package' '$T_DIR/err'"

done_testing
