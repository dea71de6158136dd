#!/bin/bash
# SPDX-License-Identifier: MIT
# Forged VERP, strictly: job-fetch-bounces against a real SQLite store and Maildir ignores every bounce or complaint whose VERP address of ours is damaged (each kind of damage, in each place it is looked for) without falling back to a genuine address elsewhere in the message, ignores bounces with no signed id, and takes a genuine hash in upper case.
. "$MR_SRCDIR/tests/lib.sh"
needs /usr/bin/python3 sqlite3

. "$MR_SRCDIR/tests/integration/bounce-site.sh"
bounce_site forgedtest
hold() { q "SELECT on_hold FROM emails WHERE email = 'u$1@example.net'"; }
events() { q "SELECT count(*) FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id WHERE r.email = 'u$1@example.net' AND ev.event_type NOT IN ('delivered', 'queued', 'sent')"; }
optout() { q "SELECT is_opt_out FROM contacts c JOIN emails e ON e.contact_id = c.id WHERE e.email = 'u$1@example.net'"; }

{
	echo "email,first_name,last_name,groups"
	for i in 1 2 3 4; do echo "u$i@example.net,F$i,L$i,news"; done
} > "$T_DIR/contacts.csv"
mr contact import "$T_DIR/contacts.csv" > /dev/null
printf 'Hello\n' > "$T_DIR/t.txt"
mr mailing create --name Nov --subject "News" --text "$T_DIR/t.txt" --include-group news \
	--schedule now > /dev/null
mr job run mailing > /dev/null 2>&1
g=$(verp 1)
check "u1's genuine VERP address ($g)" grep -q '^return+b\.[0-9]*\.[0-9]*\.[0-9a-f]\{16\}@bounce\.example\.org$' <<< "$g"
base=${g%@*}; hash=${base##*.}; pre=${base%.*}; dom=${g#*@}
ids=${pre#return+b.}; job=${ids%.*}
flip() { case $1 in 0) echo 1;; *) echo 0;; esac; }

# damage | the address | the reason the job must give
cat > "$T_DIR/damages" <<TAB
altered|$pre.${hash:0:15}$(flip "${hash:15:1}")@$dom|hash does not match
truncated by one|$pre.${hash:0:15}@$dom|hash truncated
truncated to half|$pre.${hash:0:8}@$dom|hash truncated
hash missing|$pre.@$dom|hash truncated
too long|$pre.${hash}0@$dom|hash too long
not hex|$pre.${hash:0:15}z@$dom|hash is not hexadecimal
queue id not a number|return+b.$job.1x.$hash@$dom|malformed queue id
action unknown|return+q.$ids.$hash@$dom|unknown action or no separator
TAB

# Every damage in every place; the genuine address is always somewhere else in the
# message, so falling back to it would count the bounce.
n_forged=0
while IFS='|' read -r what bad why; do
	for place in envelope delivered-to return-path mailroom-id; do
		case $place in
		envelope) put dsn to="$bad" return_path="$g" rcpt=u1@example.net status=5.1.1 ;;
		delivered-to) put dsn to=postmaster@example.org delivered_to="$bad" return_path="$g" \
			rcpt=u1@example.net status=5.1.1 ;;
		return-path) put dsn to=postmaster@example.org return_path="$bad" mailroom_id="$g" \
			rcpt=u1@example.net status=5.1.1 ;;
		mailroom-id) put dsn to=postmaster@example.org return_path="$g" mailroom_id="$bad" \
			rcpt=u1@example.net status=5.1.1 ;;
		esac
		mr job run bounces > "$T_DIR/run.out" 2>&1
		rc=$?
		n_forged=$((n_forged + 1))
		got="rc=$rc events=$(events 1) hold=$(hold 1) why=$(grep -c "forged VERP ($why)" "$T_DIR/run.out")"
		check_eq "$what, in $place: ignored as forged, no fallback" "$got" "rc=0 events=0 hold=0 why=1"
	done
done < "$T_DIR/damages"

# A complaint with a damaged VERP address opts nobody out.
bad=$(sed -n 1p "$T_DIR/damages" | cut -d'|' -f2)
put arf to="$bad" return_path="$g" rcpt=u1@example.net
mr job run bounces > "$T_DIR/arf.out" 2>&1
n_forged=$((n_forged + 1))
check_eq "a complaint with a damaged VERP address: nobody opted out" "$(optout 1),$(events 1)" "0,0"

# No signed id at all: ignored, counted as unsigned (match_by_address is off by default).
put dsn to=postmaster@example.org return_path= rcpt=u3@example.net status=5.1.1
put arf to=postmaster@example.org return_path= rcpt=u3@example.net
mr job run bounces > "$T_DIR/unsigned.out" 2>&1
check_eq "no signed id: no event, no hold, no opt-out" "$(events 3),$(hold 3),$(optout 3)" "0,0,0"
check_grep "... both ignored as unsigned" '2 ignored (0 forged, 2 unsigned)' "$T_DIR/unsigned.out"

# A genuine hash in upper case (some relays upper-case the local part) counts.
g2=$(verp 2)
up="${g2%.*}.$(printf '%s' "${g2##*.}" | cut -d@ -f1 | tr a-f A-F)@${g2#*@}"
put dsn to="$up" rcpt=u2@example.net status=5.1.1
mr job run bounces > "$T_DIR/upper.out" 2>&1
check_eq "a genuine hash in upper case: counted, on hold (Invalid, threshold 1)" "$(events 2),$(hold 2)" "1,1"

# A genuine address in To and a damaged one in the original: still forged (one damaged
# address anywhere decides).
g4=$(verp 4)
put dsn to="$g4" return_path="${g4%@*}0@${g4#*@}" rcpt=u4@example.net status=5.1.1
mr job run bounces > "$T_DIR/mixed.out" 2>&1
n_forged=$((n_forged + 1))
check_eq "genuine envelope, damaged original Return-Path: ignored" "$(events 4),$(hold 4)" "0,0"

total=$(q "SELECT count(*) FROM events WHERE event_type = 'bounce'")
check_eq "only the upper-case genuine bounce was recorded ($n_forged forged messages)" "$total" 1
ign=$(find "$MD/.ignored" -type f -name '1790*' 2>/dev/null | wc -l | tr -d ' ')
check_eq "every ignored message is in the ignored folder" "$ign" "$((n_forged + 2))"
done_testing
