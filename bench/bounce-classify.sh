#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: classifying 10,000 bounces from a Maildir (the corpus repeated), mailroom next to Debian's libsisimai-perl, same files, same run.
# usage: bench/bounce-classify.sh [MAILROOM]   (env: BENCH_N=10000, MR_CORPUS=/work/shared/corpus)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
MAILROOM=${1:-${MAILROOM:-$here/../mailroom}}
N=${BENCH_N:-10000}
CORPUS=${MR_CORPUS:-/work/shared/corpus}/bounces
RULES=${MAILROOM_BOUNCE_RULES:-$here/../etc/bounce-rules.conf}
PY=/usr/bin/python3
[ -x "$MAILROOM" ] || { echo "no mailroom binary at $MAILROOM (give its path)" >&2; exit 2; }
[ -f "$CORPUS/expected.jsonl" ] || { echo "no corpus at $CORPUS" >&2; exit 2; }
[ -f "$RULES" ] || { echo "no rules file at $RULES (set MAILROOM_BOUNCE_RULES)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }
perl -MSisimai -e 1 2>/dev/null || { echo "needs libsisimai-perl" >&2; exit 2; }
export MAILROOM_BOUNCE_RULES="$RULES"

W=$(mktemp -d "${TMPDIR:-/tmp}/mr-bench-bounce.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/Maildir/cur" "$W/Maildir/new" "$W/Maildir/tmp"

# the corpus's single-message files (LF, CRLF and CR copies; not the mbox),
# repeated to N files of one Maildir
(cd "$CORPUS" && find maildir to-be-debugged-because -type f -size +2c | LC_ALL=C sort) > "$W/sources"
n_src=$(wc -l < "$W/sources")
i=0
while [ $i -lt "$N" ]; do
	while IFS= read -r src && [ $i -lt "$N" ]; do
		dst="$W/Maildir/cur/1700000000.M$(printf %06d $i)P1.bench:2,S"
		ln "$CORPUS/$src" "$dst" 2>/dev/null || cp "$CORPUS/$src" "$dst"
		i=$((i + 1))
	done < "$W/sources"
done
bytes=$(cat "$W"/Maildir/cur/* | wc -c)
echo "# $N messages from $n_src corpus files, $((bytes / 1048576)) MiB, $(nproc) cores, $(perl -MSisimai -e 'print "Sisimai $Sisimai::VERSION"')"

# warm the page cache so both sides read from memory
cat "$W"/Maildir/cur/* > /dev/null

# TAG NAME CMD...: one table row.  messages/s over CPU time (user + system), which
# other load on the machine disturbs less than the wall clock, and over wall time.
run() {
	tag=$1 name=$2; shift 2
	bench_time "$W" "$name" "$@"
	row=$(bench_rates "$N" 2)
	printf '| %s | %s | %s MiB | %s |\n' "$name" "$row" "$((rss / 1024))" "$(wc -l < "$W/out")"
	echo "$user $sys $secs" > "$W/$tag.cpu"
}

echo "| classifier | wall s | CPU s | messages/s (CPU) | messages/s (wall) | peak RSS | records |"
echo "|---|---|---|---|---|---|---|"
run mailroom "mailroom bounce classify --json MAILDIR" "$MAILROOM" bounce classify --json "$W/Maildir"
cp "$W/out" "$W/mailroom.jsonl"
# Sisimai as its README shows it: make() over the Maildir, delivered kept,
# one JSON object per record (the same work: parse, classify, print)
run sisimai "Sisimai->make(MAILDIR) + dump JSON" perl -MSisimai -MJSON::PP -e '
	my $j = JSON::PP->new->canonical;
	my $v = Sisimai->make($ARGV[0], delivered => 1) || [];
	for my $e (@$v) {
		print $j->encode({ recipient => $e->recipient->address, reason => $e->reason,
			softbounce => $e->softbounce, status => $e->deliverystatus }), "\n";
	}' "$W/Maildir/cur"
cp "$W/out" "$W/sisimai.jsonl"

read -r mu ms mw < "$W/mailroom.cpu"
read -r su ss sw < "$W/sisimai.cpu"
$PY -c "
m = $mu + $ms; s = $su + $ss
print()
print('ratio (CPU): mailroom is %.1fx Sisimai; ratio (wall): %.1fx' % (s / max(m, 0.001), $sw / max($mw, 0.001)))
"
