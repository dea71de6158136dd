#!/bin/bash
# SPDX-License-Identifier: MIT
# Contacts at scale (issue 20): a two-condition smart group evaluated on N contacts (goal: under 5 s for 1,000,000) and contact export as CSV and JSON (time, peak RSS), each next to the sqlite3 shell running the equivalent hand-written SQL on the same file in the same run.
# Usage: bench/contacts.sh BUILD_DIR [N]
set -eu
B=$(cd "$1" && pwd); N=${2:-1000000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
D=$(mktemp -d /tmp/mr-bench-contacts.XXXXXX); chmod 755 "$D"
trap 'rm -rf "$D"' EXIT
export MAILROOM_PLUGIN_PATH=$(ls -d "$B"/plugins/*/.libs | tr '\n' ':')
printf '[mailroom]\nstore = sqlite\ntransport = spool\n[store-sqlite]\npath = %s\n' "$D/c.db" > "$D/site.ini"
M() { "$B/mailroom" --config "$D/site.ini" -q "$@"; }
M field add age --type int > /dev/null
M group add news > /dev/null
M group add board > /dev/null
# the rows through SQL (importing a million rows is not what is measured here)
sqlite3 "$D/c.db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO contacts(id, first_name, last_name, created, modified)
  SELECT i, 'First' || i, 'Last' || i, 0, 0 FROM n;
INSERT INTO emails(contact_id, email, is_primary) SELECT id, 'c' || id || '@example.net', 1 FROM contacts;
INSERT INTO group_contact(group_id, contact_id, status, added_date)
  SELECT (SELECT id FROM contact_groups WHERE name = 'news'), id, 'Added', 0 FROM contacts WHERE id % 2 = 0;
INSERT INTO group_contact(group_id, contact_id, status, added_date)
  SELECT (SELECT id FROM contact_groups WHERE name = 'board'), id, 'Added', 0 FROM contacts WHERE id % 7 = 0;
INSERT INTO contact_values(contact_id, field_id, value)
  SELECT id, (SELECT id FROM custom_fields WHERE name = 'age'), id % 90 FROM contacts;
COMMIT;
ANALYZE;
SQL
echo "$N contacts; load $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "| what | wall s | CPU s | peak RSS MB | rows |"
echo "|---|---|---|---|---|"
row() { /usr/bin/python3 -c 'import sys; s, u, y, r = map(float, sys.argv[3:]); print("| %s | %.2f | %.2f | %.1f | %s |" % (sys.argv[1], s, u + y, r / 1024, sys.argv[2]))' "$1" "$2" "$secs" "$user" "$sys" "$rss"; }
bench_time "$D" "smart group" "$B/mailroom" --config "$D/site.ini" group add g2 \
	--where "age >= 40 and in group 'news'"
members=$(sqlite3 "$D/c.db" "SELECT count(*) FROM group_contact gc JOIN contact_groups g ON g.id = gc.group_id WHERE g.name = 'g2'")
row "mailroom group add --where \"age >= 40 and in group 'news'\" (evaluated)" "$members"
bench_time "$D" "smart group again" "$B/mailroom" --config "$D/site.ini" group members g2 --json
row "mailroom group members g2 --json (evaluated again, listed)" "$(wc -l < "$D/out")"
bench_time "$D" "sqlite3 reference" sqlite3 "$D/c.db" "CREATE TEMP TABLE m AS SELECT c.id FROM contacts c
	JOIN emails e ON e.contact_id = c.id AND e.is_primary = 1 WHERE c.is_deleted = 0
	AND EXISTS (SELECT 1 FROM contact_values v WHERE v.contact_id = c.id
	AND v.field_id = (SELECT id FROM custom_fields WHERE name = 'age') AND CAST(v.value AS INTEGER) >= 40)
	AND c.id IN (SELECT gc.contact_id FROM group_contact gc JOIN contact_groups g ON g.id = gc.group_id
	WHERE gc.status = 'Added' AND g.name = 'news'); SELECT count(*) FROM m;"
row "sqlite3: the same selection by hand (no membership rows written)" "$(cat "$D/out")"
bench_time "$D" "export csv" "$B/mailroom" --config "$D/site.ini" -q contact export
row "mailroom contact export (CSV)" "$(($(wc -l < "$D/out") - 1))"
bench_time "$D" "export json" "$B/mailroom" --config "$D/site.ini" -q contact export --format json
row "mailroom contact export --format json" "$(wc -l < "$D/out")"
bench_time "$D" "sqlite3 csv" sqlite3 -csv "$D/c.db" "SELECT e.email, c.first_name, c.last_name,
	c.display_name, c.contact_type, (SELECT group_concat(g.name, ';') FROM group_contact gc
	JOIN contact_groups g ON g.id = gc.group_id WHERE gc.contact_id = c.id AND gc.status = 'Added'),
	(SELECT value FROM contact_values WHERE contact_id = c.id) FROM contacts c
	JOIN emails e ON e.contact_id = c.id AND e.is_primary = 1 WHERE c.is_deleted = 0 ORDER BY c.id"
row "sqlite3 -csv: the same columns by hand" "$(wc -l < "$D/out")"
