#!/bin/bash
# SPDX-License-Identifier: MIT
# Smart groups (issue 20, item 3): group add NAME --where EXPR on 10,000 generated contacts, each group's members compared with the set Python computes by hand from the same data; relative dates, in group, received mailing, and/or/not/parentheses; the queue of a mailing built from a smart group; bad expressions refused with their column; values never spliced into SQL.
. "$MR_SRCDIR/tests/lib.sh"
needs sqlite3 python3
contact_site smart
mr field add age --type int > /dev/null
mr field add joined --type date > /dev/null
mr field add city --type text > /dev/null
mr field add tier --type choice:gold,silver,bronze > /dev/null
# 10,000 contacts; the same generator gives the expected sets
cat > "$T_DIR/gen.py" <<'PY'
import csv, datetime, json, random, sys
random.seed(20)
today = datetime.datetime.utcnow().date()
cities = ["Berlin", "Köln", "Bonn", "O'Hara", "Hamburg"]
rows = []
for i in range(10000):
    r = {"email": "c%05d@example.org" % i, "first_name": random.choice(["Ann", "Bo", "Cy", "Di", ""]),
         "last_name": "L%d" % (i % 97),
         "age": str(random.randint(16, 90)) if i % 10 else "",
         "joined": (today - datetime.timedelta(days=random.randint(0, 800))).isoformat() if i % 7 else "",
         "city": random.choice(cities) if i % 5 else "",
         "tier": random.choice(["gold", "silver", "bronze"]) if i % 3 else "",
         "groups": ";".join(g for g, p in (("news", 0.6), ("board", 0.1)) if random.random() < p)}
    rows.append(r)
w = csv.DictWriter(open(sys.argv[1], "w", newline=""), fieldnames=list(rows[0]))
w.writeheader(); w.writerows(rows)
json.dump(rows, open(sys.argv[2], "w"))
PY
python3 "$T_DIR/gen.py" "$T_DIR/c.csv" "$T_DIR/c.json"
mr contact import "$T_DIR/c.csv" > /dev/null
check_eq "10,000 contacts imported" "$(q 'SELECT count(*) FROM contacts')" 10000

cat > "$T_DIR/expect.py" <<'PY'
import datetime, json, sys
rows = json.load(open(sys.argv[1]))
today = datetime.datetime.utcnow().date()
d = lambda n: (today - datetime.timedelta(days=n)).isoformat()
age = lambda r: int(r["age"]) if r["age"] else None
g = lambda r: r["groups"].split(";") if r["groups"] else []
tests = {
 "adults_in_news": lambda r: age(r) is not None and age(r) >= 18 and "news" in g(r),
 "recent": lambda r: r["joined"] != "" and r["joined"] >= d(30),
 "koeln_or_gold": lambda r: r["city"] == "Köln" or r["tier"] == "gold",
 "not_board": lambda r: "board" not in g(r) and r["first_name"] == "Ann",
 "quoted": lambda r: r["city"] == "O'Hara" and not (age(r) is not None and age(r) < 30),
 "nested": lambda r: (r["tier"] in ("gold", "silver") and (r["first_name"] in ("Bo", "Cy"))) or (r["last_name"] == "L5" and "news" not in g(r)),
 "contains": lambda r: "n" in r["city"],
}
want = sys.argv[2]
for r in rows:
    if tests[want](r):
        print(r["email"])
PY
declare -A expr=(
	[adults_in_news]="age >= 18 and in group 'news'"
	[recent]="joined >= now-30d"
	[koeln_or_gold]="city = 'Köln' or tier = 'gold'"
	[not_board]="not in group board and first_name = 'Ann'"
	[quoted]="city = 'O''Hara' and not (age < 30)"
	[nested]="(tier != 'bronze' and (first_name = 'Bo' or first_name = 'Cy')) or (last_name = 'L5' and not in group 'news')"
	[contains]="city contains 'n'"
)
for name in adults_in_news recent koeln_or_gold not_board quoted nested contains; do
	mr group add "$name" --where "${expr[$name]}" > "$T_DIR/add.out" 2>&1
	check_eq "group add $name --where \"${expr[$name]}\"" "$?" 0
	python3 "$T_DIR/expect.py" "$T_DIR/c.json" "$name" | sort > "$T_DIR/want"
	mr group members "$name" --json | sed 's/.*"email":"\([^"]*\)".*/\1/' | sort > "$T_DIR/got"
	check "$name: the members are the hand-computed set ($(wc -l < "$T_DIR/want") contacts)" cmp -s "$T_DIR/want" "$T_DIR/got"
	test -s "$T_DIR/want" || not_ok "$name: the hand-computed set is not empty"
done

# evaluated again when a mailing's queue is built: a contact changed since is in or out
mr contact edit c00001@example.org --field tier=gold > /dev/null
mr contact delete c00002@example.org > /dev/null
printf 'hello\n' > "$T_DIR/body.txt"
mr mailing create --name M --subject S --from news@example.org --text "$T_DIR/body.txt" \
	--include-group koeln_or_gold --exclude-group board > /dev/null
mid=$(q "SELECT max(id) FROM mailings")
mr mailing schedule "$mid" now > /dev/null
mr job run mailing > /dev/null 2>&1
python3 - "$T_DIR/c.json" > "$T_DIR/want" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
for r in rows:
    if r["email"] == "c00001@example.org": r["tier"] = "gold"
    if r["email"] == "c00002@example.org": continue
    gs = r["groups"].split(";") if r["groups"] else []
    if (r["city"] == "Köln" or r["tier"] == "gold") and "board" not in gs:
        print(r["email"])
PY
sort -o "$T_DIR/want" "$T_DIR/want"
q "SELECT email FROM mailing_recipients ORDER BY email" > "$T_DIR/got"
check "the mailing's queue: the smart group evaluated at build time, minus board" cmp -s "$T_DIR/want" "$T_DIR/got"
check_eq "... and every one was sent" "$(q "SELECT count(*) FROM mail_spool")" "$(wc -l < "$T_DIR/want")"
mr group add got_m --where "received mailing $mid and age > 60" > /dev/null
check_eq "received mailing ID" "$(mr group members got_m --json | wc -l)" \
	"$(q "SELECT count(*) FROM mailing_recipients r JOIN contact_values v ON v.contact_id = r.contact_id AND v.field_id = (SELECT id FROM custom_fields WHERE name = 'age') WHERE r.state = 'sent' AND CAST(v.value AS INTEGER) > 60")"

# bad expressions: the column of the problem
bad() {
	mr group add bad --where "$1" > /dev/null 2> "$T_DIR/err"
	check_eq "bad: $1: exit 65" "$?" 65
	check_grep "bad: $1: $2" "$2" "$T_DIR/err"
}
bad "age >= " "column 8: a value expected"
bad "agee >= 18" "column 1: \"agee\" is neither a contact column nor a custom field"
bad "age >= 18 and (city = 'x'" "column 26: ')' expected"
bad "age => 18" "column 5: unknown operator \"=>\""
bad "city = 'unclosed" "column 8: a string without its closing '"
bad "age >= 18 city = 'x'" "column 11: unexpected \"city\""
bad "received mailing x" "column 18: a mailing id expected"
bad "on_hold = 'yes'" "column 9: \"on_hold\" is a number"
bad "joined >= now-30x" "column 14: now+N or now-N"
check_eq "no group was left behind by the bad ones" "$(q "SELECT count(*) FROM contact_groups WHERE name = 'bad'")" 0
# a value is a parameter, never SQL
mr group add inj --where "city = 'x'' OR 1=1 --'" > /dev/null
check_eq "a quote in a value is data, not SQL" "$(mr group members inj --json | wc -l)" 0
check_eq "the expression is kept as written" "$(q "SELECT where_expr FROM contact_groups WHERE name = 'inj'")" "city = 'x'' OR 1=1 --'"
done_testing
