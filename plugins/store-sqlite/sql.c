/* SPDX-License-Identifier: MIT */
/* The SQLite store's statements: their text, the prepare-once cache, binding helpers, error mapping and units of several statements. */
#include "config.h"
#include <string.h>
#include "store-sqlite.h"

/* Every statement text; data only ever reaches SQLite through bindings. */
static const char *const sql_text[SQ_N_STMTS] = {
	[SQ_SPOOL_ADD] = "INSERT INTO mail_spool(job_id, sender, recipient, subject, headers, body, "
			 "added) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SQ_SPOOL_LIST] = "SELECT id, added, job_id, sender, recipient, subject, headers, body "
			  "FROM mail_spool ORDER BY added DESC, id DESC LIMIT ?1",
	[SQ_SPOOL_GET] = "SELECT id, added, job_id, sender, recipient, subject, headers, body "
			 "FROM mail_spool WHERE id = ?1",
	[SQ_SPOOL_PURGE] = "DELETE FROM mail_spool WHERE added < ?1",
	[SQ_JOB_LOG_ADD] = "INSERT INTO job_log(job, worker, pid, started, outcome) "
			   "VALUES(?1, ?2, ?3, ?4, 0)",
	[SQ_JOB_STATE_START] = "INSERT INTO job_state(job, last_start) VALUES(?1, ?2) "
			       "ON CONFLICT(job) DO UPDATE SET last_start = excluded.last_start",
	[SQ_JOB_LOG_END] = "UPDATE job_log SET ended = ?2, outcome = ?3, message = ?4, data = ?5 "
			   "WHERE id = ?1",
	[SQ_JOB_LOG_JOB] = "SELECT job FROM job_log WHERE id = ?1",
	[SQ_JOB_STATE_END] = "INSERT INTO job_state(job, last_end, last_outcome) VALUES(?1, ?2, ?3) "
			     "ON CONFLICT(job) DO UPDATE SET last_end = excluded.last_end, "
			     "last_outcome = excluded.last_outcome",
	[SQ_JOB_LOG_LIST_ALL] = "SELECT id, job, worker, pid, started, ended, outcome, message, data "
				"FROM job_log ORDER BY id DESC LIMIT ?1",
	[SQ_JOB_LOG_LIST_JOB] = "SELECT id, job, worker, pid, started, ended, outcome, message, data "
				"FROM job_log WHERE job = ?2 ORDER BY id DESC LIMIT ?1",
	[SQ_JOB_LOG_PURGE] = "DELETE FROM job_log WHERE started < ?1 AND outcome <> 0",
	[SQ_MSG_SEEN] = "SELECT 1 FROM fetched_messages WHERE account = ?1 AND msg_key = ?2",
	[SQ_MSG_MARK] = "INSERT INTO fetched_messages(account, msg_key, outcome, processed_at) "
			"VALUES(?1, ?2, ?3, ?4) ON CONFLICT(account, msg_key) DO UPDATE SET "
			"outcome = excluded.outcome, processed_at = excluded.processed_at",
	[SQ_MSG_PURGE] = "DELETE FROM fetched_messages WHERE processed_at < ?1",
	[SQ_MSG_OUTCOME] = "SELECT outcome FROM fetched_messages WHERE account = ?1 AND msg_key = ?2",
	[SQ_USER_PUT] = "INSERT INTO users(name, pwhash, perms, created) VALUES(?1, ?2, ?3, ?4) "
			"ON CONFLICT(name) DO UPDATE SET pwhash = excluded.pwhash, "
			"perms = excluded.perms, created = excluded.created",
	[SQ_USER_GET] = "SELECT name, pwhash, perms, created FROM users WHERE name = ?1",
	[SQ_USER_LIST] = "SELECT name, pwhash, perms, created FROM users ORDER BY name",
	[SQ_USER_DELETE] = "DELETE FROM users WHERE name = ?1",
	[SQ_SCHEMA_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_version",
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_SAVEPOINT] = "SAVEPOINT sq_unit",
	[SQ_RELEASE] = "RELEASE sq_unit",
	[SQ_ROLLBACK_TO] = "ROLLBACK TO sq_unit",
};

/* The mailroom status of an SQLite result code. */
static int status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		return MR_ETEMP;
	case SQLITE_NOMEM:
		return MR_ENOMEM;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return MR_EINPUT;
	case SQLITE_MISUSE:
	case SQLITE_ERROR:
		return MR_EINTERNAL;
	default:
		return MR_EPERMANENT;
	}
}

int sq_fail(struct sq_state *s, int rc, const char *what, struct mr_error *err)
{
	const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	return s->core->error_set(err, status_of(rc), "%s in %s: %s", what, s->path,
				  msg ? msg : sqlite3_errstr(rc));
}

int sq_acquire(struct sq_state *s, enum sq_stmt_id id, struct sq_use *u, struct mr_error *err)
{
	u->st = NULL;
	u->transient = 0;
	sqlite3_stmt **slot = &s->stmts[id];
	if (*slot && !sqlite3_stmt_busy(*slot)) {
		u->st = *slot;
		return 0;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql_text[id], -1,
				    *slot ? 0 : SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "preparing a statement", err);
	if (*slot) {
		u->transient = 1; /* the cached one is in the middle of a listing */
	} else {
		*slot = st;
	}
	u->st = st;
	return 0;
}

void sq_release(struct sq_use *u)
{
	if (!u->st)
		return;
	if (u->transient) {
		sqlite3_finalize(u->st);
	} else {
		sqlite3_reset(u->st);
		sqlite3_clear_bindings(u->st);
	}
	u->st = NULL;
}

int sq_run(struct sq_state *s, struct sq_use *u, const char *what, struct mr_error *err)
{
	int rc = sqlite3_step(u->st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	return sq_fail(s, rc, what, err);
}

int sq_bind_text(struct sq_use *u, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(u->st, i);
	return sqlite3_bind_text(u->st, i, v, -1, SQLITE_TRANSIENT);
}

int sq_bind_blob(struct sq_use *u, int i, const void *v, size_t len)
{
	if (!v || len == 0)
		return sqlite3_bind_zeroblob(u->st, i, 0);
	return sqlite3_bind_blob64(u->st, i, v, len, SQLITE_TRANSIENT);
}

const char *sq_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* Runs one of the transaction-control statements. */
static int control(struct sq_state *s, enum sq_stmt_id id, const char *what, struct mr_error *err)
{
	struct sq_use u;
	int rc = sq_acquire(s, id, &u, err);
	if (rc)
		return rc;
	rc = sq_run(s, &u, what, err);
	sq_release(&u);
	return rc;
}

int sq_unit_begin(struct sq_state *s, struct mr_error *err)
{
	/* ask SQLite, not in_tx: an I/O error may have ended the caller's
	 * transaction behind its back */
	s->unit_sp = !sqlite3_get_autocommit(s->db);
	if (s->unit_sp)
		return control(s, SQ_SAVEPOINT, "starting a savepoint", err);
	return control(s, SQ_BEGIN, "starting a transaction", err);
}

int sq_unit_end(struct sq_state *s, int rc, struct mr_error *err)
{
	struct mr_error e2 = { 0 };
	if (s->unit_sp) {
		if (rc) {
			control(s, SQ_ROLLBACK_TO, "rolling back a savepoint", &e2);
			control(s, SQ_RELEASE, "releasing a savepoint", &e2);
			return rc;
		}
		return control(s, SQ_RELEASE, "releasing a savepoint", err);
	}
	if (rc) {
		if (!sqlite3_get_autocommit(s->db))
			control(s, SQ_ROLLBACK, "rolling back", &e2);
		return rc;
	}
	rc = control(s, SQ_COMMIT, "committing", err);
	if (rc && !sqlite3_get_autocommit(s->db))
		control(s, SQ_ROLLBACK, "rolling back", &e2);
	return rc;
}

int sq_purge(struct sq_state *s, enum sq_stmt_id id, int64_t before, int64_t *count_r,
	     const char *what, struct mr_error *err)
{
	struct sq_use u;
	int rc = sq_acquire(s, id, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, before);
	rc = sq_run(s, &u, what, err);
	if (rc == 0 && count_r)
		*count_r = sqlite3_changes(s->db);
	sq_release(&u);
	return rc;
}
