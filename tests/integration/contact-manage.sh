#!/bin/bash
# SPDX-License-Identifier: MIT
# Contacts one by one from the CLI (issue 20, item 1): add, edit, delete (soft, never mailed), optin, set, show with groups, holds and events (who and when), group remove, delete and rename, and each command's bad input.
. "$MR_SRCDIR/tests/lib.sh"
needs sqlite3
contact_site contacts
me=${USER:-$(id -un)} # who a change without --user is recorded under

mr contact add ann@example.org --first-name Ann --last-name Lee --group news --group board \
	--user alice > "$T_DIR/out" 2>&1
check_eq "contact add into groups not made yet: exit 66" "$?" 66
check_eq "... and nothing was added (one unit)" "$(q "SELECT count(*) FROM contacts")" 0
mr group add news > /dev/null
mr group add board > /dev/null
mr contact add ann@example.org --first-name Ann --last-name Lee --group news --group board \
	--user alice > "$T_DIR/out" 2>&1
check_eq "contact add exits 0 once the groups exist" "$?" 0
check_grep "it says what it did" "ann@example.org: contact [0-9]* added" "$T_DIR/out"
mr contact add ANN@example.org > /dev/null 2> "$T_DIR/err"
check_eq "adding the same email again: exit 65" "$?" 65
check_grep "it says to use edit" "already contact .* (use contact edit)" "$T_DIR/err"
mr contact add not-an-address > /dev/null 2> "$T_DIR/err"
check_eq "a bad address: exit 65" "$?" 65
check_grep "it names the address" '"not-an-address" is not a valid email address' "$T_DIR/err"
mr contact add bo@example.org --type Household > /dev/null 2> "$T_DIR/err"
check_eq "a bad --type: exit 64" "$?" 64
mr contact add bo@example.org --group nosuch > /dev/null 2> "$T_DIR/err"
check_eq "an unknown group: exit 66" "$?" 66
check_grep "it names the group" "no group named 'nosuch'" "$T_DIR/err"
check_eq "... and nothing was added (one unit)" \
	"$(q "SELECT count(*) FROM emails WHERE email = 'bo@example.org'")" 0
mr contact add bo@example.org --first-name Bo --group news > /dev/null
mr contact add cy@example.org --first-name Cy --group news > /dev/null

USER=bob mr contact edit ann@example.org --first-name Anna --display-name "Anna Lee" > /dev/null
check_eq "contact edit changes the name" \
	"$(q "SELECT first_name || '|' || last_name || '|' || display_name FROM contacts WHERE id = (SELECT contact_id FROM emails WHERE email = 'ann@example.org')")" "Anna|Lee|Anna Lee"
mr contact edit nobody@example.org --first-name X > /dev/null 2> "$T_DIR/err"
check_eq "editing an unknown contact: exit 66 (not found)" "$?" 66
check_grep "it names the email" "no contact with email nobody@example.org" "$T_DIR/err"

mr contact set ann@example.org do-not-email yes --user carol > /dev/null
check_eq "set do-not-email yes" "$(q "SELECT do_not_email FROM contacts WHERE first_name = 'Anna'")" 1
mr contact set ann@example.org do-not-email no --user carol > /dev/null
check_eq "set do-not-email no" "$(q "SELECT do_not_email FROM contacts WHERE first_name = 'Anna'")" 0
mr contact set ann@example.org on-hold yes > /dev/null
check_eq "set on-hold yes: held by hand" "$(q "SELECT on_hold FROM emails WHERE email = 'ann@example.org'")" 2
mr contact set ann@example.org on-hold no > /dev/null
mr contact set ann@example.org on-hold maybe > /dev/null 2> "$T_DIR/err"
check_eq "set with neither yes nor no: exit 64" "$?" 64
mr contact set ann@example.org colour yes > /dev/null 2> "$T_DIR/err"
check_eq "set of an unknown flag: exit 64" "$?" 64
check_grep "it names the flags" "do-not-email or on-hold" "$T_DIR/err"
mr contact optout ann@example.org > /dev/null
check_eq "optout" "$(q "SELECT is_opt_out FROM contacts WHERE first_name = 'Anna'")" 1
mr contact optin ann@example.org --user dora > /dev/null
check_eq "optin undoes it" "$(q "SELECT is_opt_out FROM contacts WHERE first_name = 'Anna'")" 0

mr group remove board ann@example.org --user erik > "$T_DIR/out"
check_eq "group remove exits 0" "$?" 0
mr group remove board ann@example.org > /dev/null 2> "$T_DIR/err"
check_eq "removing a non-member: exit 65" "$?" 65
check_grep "it says so" "ann@example.org is not a member of group 'board'" "$T_DIR/err"
mr group remove nosuch ann@example.org > /dev/null 2> "$T_DIR/err"
check_eq "removing from an unknown group: exit 65" "$?" 65
check_grep "it names the group" "no group named 'nosuch'" "$T_DIR/err"

mr contact show ann@example.org --json > "$T_DIR/show.json"
check_eq "contact show --json exits 0" "$?" 0
python3 - "$T_DIR/show.json" > "$T_DIR/show.txt" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
print("fields", c["first_name"], c["last_name"], c["display_name"], c["contact_type"],
      c["on_hold"], c["is_opt_out"], c["do_not_email"], c["created"] > 0)
print("emails", [(e["email"], e["is_primary"], e["on_hold"], e["hold_date"] > 0,
                  e["reset_date"] > 0) for e in c["emails"]])
print("groups", [(g["group"], g["status"], g["added"] > 0, g["removed"] > 0) for g in c["groups"]])
print("events", [(e["who"], e["action"]) for e in c["events"]])
PY
check_grep "every field" "^fields Anna Lee Anna Lee Individual 0 0 0 True$" "$T_DIR/show.txt"
check_grep "its email with its hold dates" "^emails \[('ann@example.org', True, 0, True, True)\]$" "$T_DIR/show.txt"
check_grep "its groups with status and dates" \
	"^groups \[('board', 'Removed', True, True), ('news', 'Added', True, False)\]$" "$T_DIR/show.txt"
check_grep "its events, newest first, with who" \
	"^events \[('erik', 'group-removed'), ('dora', 'opted in'), ('$me', 'opted out'), ('$me', 'no longer on hold'), ('$me', 'on hold'), ('carol', 'email allowed'), ('carol', 'do-not-email'), ('bob', 'edited'), ('alice', 'group-added'), ('alice', 'group-added'), ('alice', 'added')\]$" \
	"$T_DIR/show.txt"
mr contact show ann@example.org > "$T_DIR/show.out"
check_grep "the text form lists the groups" "^  board *Removed  added 20" "$T_DIR/show.out"
check_grep "the text form lists the events" "erik *group-removed *board" "$T_DIR/show.out"
mr contact show nobody@example.org > /dev/null 2>&1
check_eq "show of an unknown contact: exit 66" "$?" 66

# a deleted contact: kept, never listed or mailed
mr contact delete bo@example.org --user fay > "$T_DIR/out"
check_eq "contact delete exits 0" "$?" 0
check_eq "the row stays, marked deleted" "$(q "SELECT is_deleted FROM contacts WHERE first_name = 'Bo'")" 1
check_eq "its deletion is an event with who" \
	"$(q "SELECT who || ' ' || action FROM contact_events WHERE contact_id = (SELECT id FROM contacts WHERE first_name = 'Bo') ORDER BY id DESC LIMIT 1")" "fay deleted"
mr contact list --json > "$T_DIR/list.json"
check "contact list leaves it out" test "$(grep -c bo@example.org "$T_DIR/list.json")" -eq 0
mr group members news --json > "$T_DIR/members.json"
check "group members leaves it out" test "$(grep -c bo@example.org "$T_DIR/members.json")" -eq 0
check_eq "group list counts the members group members lists (the deleted one not)" \
	"$(mr group list --json | grep -o '"name":"news","title":"news","members":[0-9]*' | sed 's/.*://')" \
	"$(grep -c '"email"' "$T_DIR/members.json")"
mr contact delete bo@example.org > /dev/null 2>&1
check_eq "deleting it again: exit 66" "$?" 66
printf 'hello\n' > "$T_DIR/body.txt"
mr mailing create --name M --subject S --from news@example.org --text "$T_DIR/body.txt" \
	--include-group news --schedule now > /dev/null
mr job run mailing > /dev/null 2>&1
check_eq "the mailing went to ann and cy" "$(q "SELECT group_concat(email, ' ') FROM (SELECT email FROM mailing_recipients ORDER BY email)")" "ann@example.org cy@example.org"
check_eq "the deleted contact got nothing" "$(q "SELECT count(*) FROM mail_spool WHERE recipient LIKE '%bo@example.org%'")" 0

# groups: rename, delete
mr group rename news newsletter > /dev/null
check_eq "group rename" "$(q "SELECT name FROM contact_groups ORDER BY name" | tr '\n' ' ')" "board newsletter "
mr group rename board newsletter > /dev/null 2> "$T_DIR/err"
check_eq "renaming onto a taken name: exit 65" "$?" 65
check_grep "it says so" "already a group named 'newsletter'" "$T_DIR/err"
mr group delete nosuch > /dev/null 2> "$T_DIR/err"
check_eq "deleting an unknown group: exit 66" "$?" 66
mr group delete board > /dev/null
check_eq "group delete" "$(q "SELECT name FROM contact_groups")" "newsletter"
check_eq "its memberships went with it" \
	"$(q "SELECT count(*) FROM group_contact WHERE group_id NOT IN (SELECT id FROM contact_groups)")" 0
done_testing
