/* SPDX-License-Identifier: MIT */
/* Private interface of the SQLite store plugin, shared by its source files (nothing here is exported). */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include <stdio.h>
#include <sqlite3.h>
#include <mailroom/plugin.h>

/* The newest schema version this code knows (see schema.c). */
#define SQ_SCHEMA_NEWEST 2

/* Every SQL statement the store runs, prepared once and cached. */
enum sq_stmt_id {
	SQ_SPOOL_ADD,
	SQ_SPOOL_LIST,
	SQ_SPOOL_GET,
	SQ_SPOOL_PURGE,
	SQ_JOB_LOG_ADD,
	SQ_JOB_STATE_START,
	SQ_JOB_LOG_END,
	SQ_JOB_LOG_JOB,
	SQ_JOB_STATE_END,
	SQ_JOB_LOG_LIST_ALL,
	SQ_JOB_LOG_LIST_JOB,
	SQ_JOB_LOG_PURGE,
	SQ_MSG_SEEN,
	SQ_MSG_MARK,
	SQ_MSG_PURGE,
	SQ_MSG_OUTCOME,
	SQ_USER_PUT,
	SQ_USER_GET,
	SQ_USER_LIST,
	SQ_USER_DELETE,
	SQ_SCHEMA_VERSION,
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_SAVEPOINT,
	SQ_RELEASE,
	SQ_ROLLBACK_TO,
	SQ_N_STMTS
};

struct sq_state {
	const struct mr_core *core;
	const struct mr_log *log;
	sqlite3 *db;
	char *path;
	int in_tx;   /* between begin() and commit()/rollback() */
	int unit_sp; /* the running unit is a savepoint inside a transaction */
	sqlite3_stmt *stmts[SQ_N_STMTS];
};

/* A statement in use: the cached one, or a transient copy when the cached
 * one is busy (a callback of a listing calling the store again). */
struct sq_use {
	sqlite3_stmt *st;
	int transient;
};

/* Prepares (once) and hands out statement id; returns 0 or a status with err. */
int sq_acquire(struct sq_state *s, enum sq_stmt_id id, struct sq_use *u, struct mr_error *err);
/* Resets (or finalizes a transient) statement and clears its bindings. */
void sq_release(struct sq_use *u);
/* Fills err from the connection's last error; what says which operation. */
int sq_fail(struct sq_state *s, int rc, const char *what, struct mr_error *err);
/* Runs a statement that returns no rows; 0 or a status with err. */
int sq_run(struct sq_state *s, struct sq_use *u, const char *what, struct mr_error *err);
/* Runs a DELETE whose ?1 is a time; *count_r (MAY be NULL) gets the rows removed. */
int sq_purge(struct sq_state *s, enum sq_stmt_id id, int64_t before, int64_t *count_r,
	     const char *what, struct mr_error *err);
/* Binds text; NULL binds an SQL NULL. */
int sq_bind_text(struct sq_use *u, int i, const char *v);
/* Binds a blob; a zero length binds an empty blob, never NULL. */
int sq_bind_blob(struct sq_use *u, int i, const void *v, size_t len);
/* A text column, "" for NULL. */
const char *sq_col_text(sqlite3_stmt *st, int i);

/* Several statements as one unit, inside or outside begin()/commit(). */
int sq_unit_begin(struct sq_state *s, struct mr_error *err);
int sq_unit_end(struct sq_state *s, int rc, struct mr_error *err);

/* Brings the schema to SQ_SCHEMA_NEWEST (schema.c); refuses newer ones. */
int sq_migrate(struct sq_state *s, struct mr_error *err);
/* Reads the version; 0 for an empty database. */
int sq_read_version(sqlite3 *db, int *version_r);

/* The ops, by topic. */
int sq_spool_add(void *state, const struct mr_spool_msg *msg, int64_t *id_r, struct mr_error *err);
int sq_spool_list(void *state, int64_t limit, mr_spool_cb *cb, void *cookie, struct mr_error *err);
int sq_spool_get(void *state, int64_t id, mr_spool_cb *cb, void *cookie, struct mr_error *err);
int sq_spool_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err);
int sq_job_run_start(void *state, const char *job, int worker, int pid, int64_t started,
		     int64_t *run_id_r, struct mr_error *err);
int sq_job_run_end(void *state, int64_t run_id, int64_t ended, enum mr_job_outcome outcome,
		   const char *message, const char *data, struct mr_error *err);
int sq_job_run_list(void *state, const char *job, int64_t limit, mr_job_run_cb *cb,
		    void *cookie, struct mr_error *err);
int sq_job_run_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err);
int sq_msg_seen(void *state, const char *account, const char *key, int *seen_r,
		struct mr_error *err);
int sq_msg_mark(void *state, const char *account, const char *key, const char *outcome,
		int64_t when, struct mr_error *err);
int sq_msg_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err);
int sq_msg_outcome(void *state, const char *account, const char *key, char **outcome_r,
		   struct mr_error *err);
int sq_user_put(void *state, const struct mr_user *user, struct mr_error *err);
int sq_user_get(void *state, const char *name, mr_user_cb *cb, void *cookie,
		struct mr_error *err);
int sq_user_list(void *state, mr_user_cb *cb, void *cookie, struct mr_error *err);
int sq_user_delete(void *state, const char *name, struct mr_error *err);

#endif
