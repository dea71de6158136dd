# SPDX-License-Identifier: MIT
# Starts a private MariaDB server for the store-mariadb tests and benchmarks:
# mariadb-install-db into its own datadir, mariadbd on 127.0.0.1 on its own
# port and socket (never the system's server), stopped by its PID.  Source
# it after tests/lib.sh; the server is registered with `started`.

# mariadb_start DIR PORT: a fresh server with its data, socket, pid file,
# log and temporary files (never the shared /tmp) under DIR (created; owned
# by the mysql user).  Waits up to 60 s for it to answer; returns 1 when it
# did not (the log is shown).  Sets MARIADB_PID, MARIADB_SOCK, MARIADB_PORT
# and MARIADB_DIR.
mariadb_start() {
	local dir=$1 port=$2 i=0
	MARIADB_DIR=$dir
	MARIADB_PORT=$port
	MARIADB_SOCK=$dir/run/m.sock
	mkdir -p "$dir/data" "$dir/run" "$dir/log" "$dir/tmp"
	chmod 0755 "$dir"
	if [ "$(id -u)" = 0 ]; then chown -R mysql:mysql "$dir/data" "$dir/run" "$dir/log" "$dir/tmp"; fi
	if [ ! -d "$dir/data/mysql" ]; then
		mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
			--auth-root-authentication-method=socket --skip-test-db \
			>"$dir/log/install.log" 2>&1 || { sed 's/^/# /' "$dir/log/install.log" | tail -20; return 1; }
	fi
	mariadb_run_server
	while [ $i -lt 600 ]; do
		mariadb --no-defaults --socket="$MARIADB_SOCK" -uroot -e 'SELECT 1' >/dev/null 2>&1 &&
			return 0
		kill -0 "$MARIADB_PID" 2>/dev/null || break
		sleep 0.1; i=$((i + 1))
	done
	sed 's/^/# /' "$dir/log/m.err" | tail -20
	return 1
}

# mariadb_run_server: starts mariadbd on the datadir of the last
# mariadb_start (again, after mariadb_stop or a kill).
mariadb_run_server() {
	mariadbd --no-defaults --user=mysql --datadir="$MARIADB_DIR/data" \
		--socket="$MARIADB_SOCK" --pid-file="$MARIADB_DIR/run/m.pid" \
		--port="$MARIADB_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
		--log-error="$MARIADB_DIR/log/m.err" --tmpdir="$MARIADB_DIR/tmp" \
		--innodb-buffer-pool-size=128M \
		--innodb-log-file-size=64M --max-connections=200 ${MARIADB_EXTRA:-} &
	MARIADB_PID=$!
	started "$MARIADB_PID"
}

# mariadb_wait [SECONDS]: until the server answers on its socket.
mariadb_wait() {
	local i=0 limit=$(( ${1:-60} * 10 ))
	while [ $i -lt $limit ]; do
		mariadb --no-defaults --socket="$MARIADB_SOCK" -uroot -e 'SELECT 1' >/dev/null 2>&1 &&
			return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# mariadb_root SQL...: runs SQL as root over the private socket.
mariadb_root() {
	mariadb --no-defaults --socket="$MARIADB_SOCK" -uroot -N -B -e "$*"
}

# mariadb_create DB USER PASSWORD: an empty utf8mb4 database and a user that
# may use it from 127.0.0.1 and localhost (what the README tells a DBA).
mariadb_create() {
	mariadb_root "CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
		CREATE USER IF NOT EXISTS '$2'@'127.0.0.1' IDENTIFIED BY '$3';
		CREATE USER IF NOT EXISTS '$2'@'localhost' IDENTIFIED BY '$3';
		GRANT ALL PRIVILEGES ON \`$1\`.* TO '$2'@'127.0.0.1';
		GRANT ALL PRIVILEGES ON \`$1\`.* TO '$2'@'localhost';"
}

# mariadb_private DB USER PASSWORD: a test's private server in $T_DIR/mdb on a
# free port (the test bails out if it does not start), an empty database DB,
# USER with PASSWORD, and the password in $T_DIR/pw (mode 0600).
mariadb_private() {
	mariadb_start "$T_DIR/mdb" "$(free_port)" || { echo "Bail out! the private MariaDB did not start"; exit 1; }
	mariadb_create "$1" "$2" "$3"
	printf '%s' "$3" > "$T_DIR/pw"
	chmod 0600 "$T_DIR/pw"
}

# mariadb_stop [SIGNAL]: stops the server by its PID (TERM: a clean
# shutdown; KILL: a crash) and waits up to 60 s for it to exit.
mariadb_stop() {
	local sig=${1:-TERM} i=0
	kill -"$sig" "$MARIADB_PID" 2>/dev/null
	while [ $i -lt 600 ] && kill -0 "$MARIADB_PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	wait "$MARIADB_PID" 2>/dev/null
	stopped "$MARIADB_PID"
}

# mariadb_store_section DB USER PASSWORD_FILE: the [store-mariadb] section
# of a site using the private server over TCP.
mariadb_store_section() {
	printf '[store-mariadb]\nhost = 127.0.0.1\nport = %s\ndatabase = %s\nuser = %s\npassword_file = %s\nconnect_timeout = 5s\nlock_wait_timeout = 5s\n' \
		"$MARIADB_PORT" "$1" "$2" "$3"
}
