/* SPDX-License-Identifier: MIT */
/* The MariaDB store's checks for mailroom doctor: the server's version (SKIP LOCKED needs 10.6), its clock and time zone against this host's, max_connections against the site's workers, InnoDB tables and SKIP LOCKED at work, and the binary log format READ COMMITTED needs. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "store-mariadb.h"

/* Runs sql (no parameters) and copies the first row's columns (at most n)
 * into out[i] (each of size len, "" for NULL); 0, or a status with err. */
static int query_row(struct md_state *s, const char *sql, char out[][128], int n,
		     struct mr_error *err)
{
	struct md_stmt *st = md_stmt_new(s, sql);
	if (!st)
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	int rc = 0, step = md_step(st);
	for (int i = 0; i < n; i++)
		out[i][0] = '\0';
	if (step == MD_ROW) {
		for (int i = 0; i < n; i++)
			snprintf(out[i], 128, "%s", md_col_text(st, i));
	} else if (step != MD_DONE) {
		rc = md_fail(s, step, "asking the server", err);
	}
	md_stmt_free(st);
	return rc;
}

struct finding {
	mr_store_check_cb *cb;
	void *cookie;
	int stop;
};

static void report(struct finding *f, const char *name, enum mr_store_verdict v, const char *fix,
		   const char *detail)
{
	if (f->stop)
		return;
	struct mr_store_check c = { .name = name, .verdict = v, .detail = detail,
				    .fix = v == MR_STORE_CHECK_OK ? NULL : fix };
	f->stop = f->cb(f->cookie, &c);
}

static void check_version(struct md_state *s, struct finding *f)
{
	struct mr_error err = { 0 };
	char row[1][128];
	char detail[300];
	if (query_row(s, "SELECT VERSION()", row, 1, &err)) {
		report(f, "store-version", MR_STORE_CHECK_FAIL, "see that the server runs", err.msg);
		return;
	}
	int major = 0, minor = 0;
	sscanf(row[0], "%d.%d", &major, &minor);
	int mariadb = strstr(row[0], "MariaDB") != NULL;
	snprintf(detail, sizeof(detail), "%s %s at %s", mariadb ? "MariaDB" : "server", row[0],
		 s->where);
	if (!mariadb)
		report(f, "store-version", MR_STORE_CHECK_WARN, "store-mariadb is made and tested "
		       "for MariaDB 10.6 or newer; other servers are not supported", detail);
	else if (major < 10 || (major == 10 && minor < 6))
		report(f, "store-version", MR_STORE_CHECK_FAIL, "upgrade to MariaDB 10.6 or newer: "
		       "workers lease recipients with SELECT ... FOR UPDATE SKIP LOCKED", detail);
	else
		report(f, "store-version", MR_STORE_CHECK_OK, NULL, detail);
}

static void check_skip_locked(struct md_state *s, struct finding *f)
{
	struct mr_error err = { 0 };
	char row[1][128];
	int rc = md_unit_begin(s, &err);
	if (!rc)
		rc = query_row(s, "SELECT count(*) FROM (SELECT version FROM schema_version "
			       "ORDER BY version LIMIT 1 FOR UPDATE SKIP LOCKED) AS t", row, 1, &err);
	md_unit_end(s, 1, &err); /* nothing to keep */
	if (rc)
		report(f, "store-skip-locked", MR_STORE_CHECK_FAIL, "upgrade to MariaDB 10.6 or "
		       "newer", err.msg);
	else
		report(f, "store-skip-locked", MR_STORE_CHECK_OK, NULL,
		       "SELECT ... FOR UPDATE SKIP LOCKED works (READ COMMITTED sessions)");
}

static void check_time(struct md_state *s, struct finding *f)
{
	struct mr_error err = { 0 };
	char row[4][128];
	char detail[400];
	if (query_row(s, "SELECT @@global.time_zone, @@system_time_zone, @@session.time_zone, "
		      "UNIX_TIMESTAMP()", row, 4, &err)) {
		report(f, "store-time", MR_STORE_CHECK_FAIL, "see that the server runs", err.msg);
		return;
	}
	long long drift = strtoll(row[3], NULL, 10) - (long long)time(NULL);
	snprintf(detail, sizeof(detail), "server time zone %s%s%s%s, mailroom's sessions %s "
		 "(times are stored as Unix time); the server's clock is %lld s %s this host's",
		 row[0], strcmp(row[0], "SYSTEM") == 0 ? " (" : "",
		 strcmp(row[0], "SYSTEM") == 0 ? row[1] : "",
		 strcmp(row[0], "SYSTEM") == 0 ? ")" : "", row[2], llabs(drift),
		 drift >= 0 ? "ahead of" : "behind");
	if (strcmp(row[2], "+00:00") != 0)
		report(f, "store-time", MR_STORE_CHECK_FAIL, "mailroom sets its sessions to UTC; "
		       "something reset time_zone (an init_connect?)", detail);
	else if (llabs(drift) > 60)
		report(f, "store-time", MR_STORE_CHECK_FAIL, "synchronise the clocks of this host "
		       "and the database server (NTP): lock expiries are the server's time, "
		       "schedules this host's", detail);
	else if (llabs(drift) > 2)
		report(f, "store-time", MR_STORE_CHECK_WARN, "synchronise the clocks (NTP): lock "
		       "expiries are the server's time, schedules this host's", detail);
	else
		report(f, "store-time", MR_STORE_CHECK_OK, NULL, detail);
}

static void check_connections(struct md_state *s, int64_t workers, struct finding *f)
{
	struct mr_error err = { 0 };
	char row[2][128];
	char detail[400], fix[300];
	if (query_row(s, "SELECT @@max_connections, (SELECT VARIABLE_VALUE FROM "
		      "information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED')",
		      row, 2, &err)) {
		report(f, "store-connections", MR_STORE_CHECK_FAIL, "see that the server runs",
		       err.msg);
		return;
	}
	long long max = strtoll(row[0], NULL, 10), used = strtoll(row[1], NULL, 10);
	/* each job process: its connection, its lock heartbeat's and its queue
	 * builder's; one more for the cron or command that starts them */
	long long need = 3 * (long long)(workers > 0 ? workers : 1) + 1;
	snprintf(detail, sizeof(detail), "max_connections %lld, %lld in use now; one host of "
		 "this site needs up to %lld (%lld job processes, three connections each, and "
		 "the command)", max, used, need, (long long)workers);
	snprintf(fix, sizeof(fix), "raise max_connections to at least %lld times the hosts "
		 "plus what the CRM needs, or lower max_workers", need);
	if (max < need)
		report(f, "store-connections", MR_STORE_CHECK_FAIL, fix, detail);
	else if (max - used < need)
		report(f, "store-connections", MR_STORE_CHECK_WARN, fix, detail);
	else
		report(f, "store-connections", MR_STORE_CHECK_OK, NULL, detail);
}

static void check_engine(struct md_state *s, struct finding *f)
{
	struct mr_error err = { 0 };
	char row[3][128];
	char detail[400];
	if (query_row(s, "SELECT count(*), coalesce(sum(ENGINE <> 'InnoDB'), 0), "
		      "coalesce(min(CASE WHEN ENGINE <> 'InnoDB' THEN TABLE_NAME END), '') "
		      "FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
		      "AND TABLE_TYPE = 'BASE TABLE'", row, 3, &err)) {
		report(f, "store-engine", MR_STORE_CHECK_FAIL, "see that the server runs", err.msg);
		return;
	}
	long long other = strtoll(row[1], NULL, 10);
	snprintf(detail, sizeof(detail), "%s tables, %lld not InnoDB%s%s", row[0], other,
		 other ? ", e.g. " : "", row[2]);
	if (other)
		report(f, "store-engine", MR_STORE_CHECK_FAIL, "ALTER TABLE ... ENGINE = InnoDB: "
		       "transactions and row locks need it", detail);
	else
		report(f, "store-engine", MR_STORE_CHECK_OK, NULL, detail);
}

static void check_binlog(struct md_state *s, struct finding *f)
{
	struct mr_error err = { 0 };
	char row[2][128];
	char detail[200];
	if (query_row(s, "SELECT @@log_bin, @@binlog_format", row, 2, &err)) {
		report(f, "store-binlog", MR_STORE_CHECK_FAIL, "see that the server runs", err.msg);
		return;
	}
	int on = strcmp(row[0], "1") == 0 || strcmp(row[0], "ON") == 0;
	snprintf(detail, sizeof(detail), "binary log %s, binlog_format %s", on ? "on" : "off",
		 row[1]);
	if (on && strcmp(row[1], "ROW") != 0)
		report(f, "store-binlog", MR_STORE_CHECK_WARN, "set binlog_format = ROW: "
		       "READ COMMITTED transactions need it with the binary log on", detail);
	else
		report(f, "store-binlog", MR_STORE_CHECK_OK, NULL, detail);
}

int md_doctor(void *state, int64_t workers, mr_store_check_cb *cb, void *cookie,
	      struct mr_error *err)
{
	(void)err;
	struct md_state *s = state;
	struct finding f = { .cb = cb, .cookie = cookie };
	check_version(s, &f);
	check_skip_locked(s, &f);
	check_time(s, &f);
	check_connections(s, workers, &f);
	check_engine(s, &f);
	check_binlog(s, &f);
	return f.stop;
}
