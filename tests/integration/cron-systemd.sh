#!/bin/bash
# SPDX-License-Identifier: MIT
# etc/cron.d/mailroom, etc/systemd/mailroom-cron.{service,timer} and
# mailroom-serve.{service,socket}: installed by make install with this
# prefix's paths, the units pass systemd-analyze verify, the crontab is well formed, and its command line really runs the
# due jobs at nice 19 and idle I/O priority.
. "$MR_SRCDIR/tests/lib.sh"
needs make systemd-analyze ionice nice ps

root=$T_DIR/root
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$MR_BUILDDIR" install DESTDIR="$root" \
	> "$T_DIR/install.log" 2>&1
rc=$?
check_eq "make install DESTDIR=... succeeds" "$rc" 0
[ "$rc" = 0 ] || tail -20 "$T_DIR/install.log" | sed 's/^/#   /'
crontab=$(find "$root" -path '*/cron.d/mailroom' -type f | head -1)
service=$(find "$root" -name mailroom-cron.service -type f | head -1)
timer=$(find "$root" -name mailroom-cron.timer -type f | head -1)
check "the crontab is installed under etc/cron.d" test -n "$crontab"
check "the service is installed under lib/systemd/system" sh -c "echo '$service' | grep -q '/lib/systemd/system/mailroom-cron.service$'"
check "the timer is installed beside it" test -n "$timer"
[ -n "$crontab" ] || crontab=$MR_SRCDIR/etc/cron.d/mailroom
[ -n "$service" ] || service=$MR_SRCDIR/etc/systemd/mailroom-cron.service
[ -n "$timer" ] || timer=$MR_SRCDIR/etc/systemd/mailroom-cron.timer

# the installed copies name the installed binary
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$service")
check "ExecStart names the installed mailroom ($exec_start)" test -x "$root$exec_start"
check_grep "ExecStart runs mailroom cron" '^ExecStart=[^ ]*/mailroom --quiet cron$' "$service"
cron_bin=$(awk '!/^#/ && NF >= 7 { for (i = 7; i <= NF; i++) if ($i ~ /\/mailroom$/) { print $i; exit } }' "$crontab")
check_eq "the crontab names the same mailroom" "$cron_bin" "$exec_start"

# systemd-analyze verify needs ExecStart to exist: point it into the DESTDIR
units=$T_DIR/units
mkdir -p "$units"
sed "s|^ExecStart=$exec_start|ExecStart=$root$exec_start|" "$service" > "$units/mailroom-cron.service"
cp "$timer" "$units/mailroom-cron.timer"
(cd "$units" && systemd-analyze verify ./mailroom-cron.service ./mailroom-cron.timer) \
	> "$T_DIR/verify" 2>&1
rc=$?
check_eq "systemd-analyze verify accepts the service and the timer" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T_DIR/verify"
check_eq "and prints no warning" "$(wc -l < "$T_DIR/verify")" 0
for want in 'Type=oneshot' 'User=mailroom' 'Nice=19' 'CPUSchedulingPolicy=idle' \
	'IOSchedulingClass=idle' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
	'ReadWritePaths=/var/lib/mailroom' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'SystemCallFilter=@system-service'; do
	check_grep "the service sets $want" "^$want\$" "$service"
done
systemd-analyze security --offline=yes "$units/mailroom-cron.service" > "$T_DIR/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for mailroom-cron.service: \([0-9.]*\).*/\1/p' "$T_DIR/security")
diag "systemd-analyze security exposure: ${score:-?} (0 = locked down, 10 = exposed)"
check "its exposure level is below 2.5" awk -v s="${score:-99}" 'BEGIN { exit !(s < 2.5) }'
check_grep "the timer fires every minute" '^OnCalendar=minutely$' "$timer"
check_grep "the timer catches up missed runs" '^Persistent=true$' "$timer"
check_grep "the timer starts the service" '^Unit=mailroom-cron.service$' "$timer"
check_eq "minutely means every minute" \
	"$(systemd-analyze calendar minutely | sed -n 's/^Normalized form: //p')" '*-*-* *:*:00'

# mailroom serve's units: the service runs `mailroom serve` in the
# foreground, stopped by SIGTERM; the socket listens where [http] listen does
sservice=$(find "$root" -name mailroom-serve.service -type f | head -1)
ssocket=$(find "$root" -name mailroom-serve.socket -type f | head -1)
check "the serve service and socket are installed beside them" test -n "$sservice" -a -n "$ssocket"
[ -n "$sservice" ] || sservice=$MR_SRCDIR/etc/systemd/mailroom-serve.service
[ -n "$ssocket" ] || ssocket=$MR_SRCDIR/etc/systemd/mailroom-serve.socket
check_grep "the serve service runs mailroom serve in the foreground" "^ExecStart=$exec_start serve\$" "$sservice"
check_grep "and is stopped with SIGTERM" '^KillSignal=SIGTERM$' "$sservice"
sed "s|^ExecStart=$exec_start|ExecStart=$root$exec_start|" "$sservice" > "$units/mailroom-serve.service"
cp "$ssocket" "$units/mailroom-serve.socket"
(cd "$units" && systemd-analyze verify ./mailroom-serve.service ./mailroom-serve.socket) \
	> "$T_DIR/verify-serve" 2>&1
rc=$?
check_eq "systemd-analyze verify accepts the serve service and socket, without a warning" \
	"$rc $(wc -l < "$T_DIR/verify-serve")" "0 0"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T_DIR/verify-serve"
check_eq "the socket listens where etc/mailroom.ini says [http] listen does" \
	"$(sed -n 's/^ListenStream=//p' "$ssocket")" \
	"$(sed -n '/^;\[http\]/,$ s/^;listen = //p' "$MR_SRCDIR/etc/mailroom.ini" | head -1)"
systemd-analyze security --offline=yes "$units/mailroom-serve.service" > "$T_DIR/security-serve" 2>&1
score=$(sed -n 's/.*Overall exposure level for mailroom-serve.service: \([0-9.]*\).*/\1/p' "$T_DIR/security-serve")
diag "mailroom-serve.service exposure: ${score:-?}"
check "its exposure level is below 2.5" awk -v s="${score:-99}" 'BEGIN { exit !(s < 2.5) }'

# the crontab: variables, comments, and job lines of 5 time fields, a user, a command
bad=$(awk '/^[ \t]*(#|$)/ { next } /^[A-Z_]+=/ { next }
	NF < 7 || $6 != "mailroom" { print NR": "$0 }' "$crontab")
check_eq "every crontab line is a variable or 'MIN HOUR DOM MON DOW mailroom COMMAND'" "$bad" ""
active=$(awk '/^[ \t]*(#|$)/ { next } /^[A-Z_]+=/ { next } { print }' "$crontab")
check_eq "one active line" "$(printf '%s\n' "$active" | grep -c .)" 1
check "it runs every minute" sh -c "printf '%s\n' '$active' | grep -q '^\* \* \* \* \*[[:space:]]'"
cmd=$(printf '%s\n' "$active" | awk '{ for (i = 7; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : "") }')
check_eq "the command runs mailroom cron at the lowest priority" "$cmd" \
	"nice -n 19 ionice -c 3 $exec_start --quiet cron"

# run the crontab's command for real on a site with the probe job
probe_dir=$MR_BUILDDIR/tests/unit/plugins/.libs
cfg=$T_DIR/site.ini
cat > "$cfg" <<INI
[mailroom]
site = crontab
transport = spool
lock_dir = $T_DIR
plugin_path = $probe_dir
[store-sqlite]
path = $T_DIR/mailroom.db
[job-probe]
file = $T_DIR/probe.txt
INI
prefix=${cmd%% "$exec_start"*}
# shellcheck disable=SC2086 # the prefix is words
$prefix "$MAILROOM" --config "$cfg" --quiet cron > "$T_DIR/out" 2>&1
rc=$?
check_eq "the crontab's command line runs (with this build's mailroom)" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T_DIR/out"
check_eq "and runs the due job" "$(grep -c '^end' "$T_DIR/probe.txt" 2>/dev/null)" 1
check_eq "quietly" "$(wc -c < "$T_DIR/out")" 0
# shellcheck disable=SC2086
prio=$($prefix /bin/sh -c 'echo "$(ps -o ni= -p $$ | tr -d " ") $(ionice -p $$)"')
check_eq "under it a process runs at nice 19 and idle I/O" "$prio" "19 idle"
done_testing
