/* SPDX-License-Identifier: MIT */
/* Private interface of the SQLite store plugin, shared by its source files (nothing here is exported). */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include <stdio.h>
#include <sqlite3.h>
#include <mailroom/plugin.h>

/* The newest schema version this code knows (see schema.c). */
#define SQ_SCHEMA_NEWEST 11

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
	SQ_JOB_HOST_ADD,
	SQ_MSG_SEEN,
	SQ_MSG_MARK,
	SQ_MSG_PURGE,
	SQ_MSG_OUTCOME,
	SQ_USER_PUT,
	SQ_USER_GET,
	SQ_USER_LIST,
	SQ_USER_DELETE,
	/* contacts and groups (sqlite-contacts.c) */
	SQ_CONTACT_FIND,
	SQ_CONTACT_INSERT,
	SQ_EMAIL_INSERT,
	SQ_CONTACT_UPDATE,
	SQ_CONTACT_LIST,
	SQ_SET_HOLD,
	SQ_SET_OPTOUT,
	SQ_SET_DNE,
	SQ_GROUP_ADD,
	SQ_GROUP_ID,
	SQ_GROUP_LIST,
	SQ_GROUP_JOIN,
	SQ_GROUP_LEAVE,
	SQ_GROUP_MEMBERS,
	SQ_CONTACT_DELETE,
	SQ_CONTACT_GROUPS,
	SQ_CONTACT_EMAILS,
	SQ_CONTACT_EVENT_ADD,
	SQ_CONTACT_EVENTS,
	SQ_GROUP_IN_USE,
	SQ_GROUP_DELETE,
	SQ_GROUP_RENAME,
	SQ_FIELD_ADD,
	SQ_FIELD_GET,
	SQ_FIELD_LIST,
	SQ_FIELD_DELETE,
	SQ_VALUE_SET,
	SQ_VALUE_CLEAR,
	SQ_CONTACT_FIELDS,
	/* mailings (sqlstore/mailing.c) */
	SQ_MAILING_INSERT,
	SQ_MAILING_GROUP,
	SQ_MAILING_ATTACH,
	SQ_MAILING_GET,
	SQ_MAILING_LIST,
	SQ_MAILING_GROUPS,
	SQ_MAILING_ATTACHMENTS,
	SQ_MAILING_STATUS_GET,
	SQ_MAILING_STATUS_SET,
	SQ_MJOB_PARENT,
	SQ_MJOB_INSERT,
	SQ_MJOBS_STATUS,
	SQ_MAILING_DUE,
	/* the recipient queue (sqlite-queue.c) */
	SQ_QUEUE_CANCEL,
	SQ_MJOB_GET,
	SQ_QUEUE_BUILD,
	SQ_QUEUE_BOUNDARY,
	SQ_QUEUE_MOVE,
	SQ_QUEUE_RECOVER_LEASED,
	SQ_QUEUE_RECOVER_SENDING,
	SQ_QUEUE_RESEND_DOUBT,
	SQ_QUEUE_CLAIM_RETRY,
	SQ_QUEUE_CLAIM_QUEUED,
	SQ_QUEUE_LEASED,
	SQ_QUEUE_MARK_SENDING,
	SQ_QUEUE_MARK_BACK,
	SQ_QUEUE_UNSTARTED,
	SQ_OUT_SENT,
	SQ_OUT_RETRY,
	SQ_OUT_BOUNCED,
	SQ_OUT_DOUBT,
	SQ_MAILING_PENDING,
	SQ_MAILING_STATS,
	SQ_MAILING_BOUNCES,
	SQ_MAILING_LATE_BOUNCES,
	/* email-to-activity (sqlstore/activities.c) */
	SQ_ACT_INDIVIDUAL,
	SQ_ACT_FIND,
	SQ_ACT_INSERT,
	SQ_ACT_PARTY,
	SQ_ACT_FILE,
	SQ_ACT_LIST,
	SQ_ACT_GET,
	SQ_ACT_PARTIES,
	SQ_ACT_FILES,
	SQ_ACT_FILE_GET,
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
	int open_fd; /* the database file, flock'ed while the schema is set up */
	sqlite3_stmt *stmts[SQ_N_STMTS];
	/* statements of the bounce files, prepared once, keyed by their SQL text */
	struct sq_ad_hoc {
		const char *sql;
		sqlite3_stmt *st;
	} ad_hoc[32];
	size_t n_ad_hoc;
	int track_ready; /* the tracking tables exist (sqlite-tracking.c) */
	int hosts_ready; /* the job log's hosts table exists (schema.c) */
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
/* Runs statement id with text bound to ?1: *id_r is the first column of its
 * first row, 0 when there is none.  Returns 0 or a status with err (what
 * names the lookup). */
int sq_id_by_text(struct sq_state *s, enum sq_stmt_id id, const char *text, const char *what,
		  int64_t *id_r, struct mr_error *err);
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
int sq_contact_upsert(void *state, const struct mr_contact *c, int64_t *id_r, int *created_r,
		      struct mr_error *err);
int sq_group_member(void *state, const char *group, int64_t contact_id, int add,
		    struct mr_error *err);
/* Evaluates the smart groups a mailing uses (sqlite-smart.c), inside the queue build. */
int sq_queue_claim(void *state, int64_t mailing_id, const char *owner, int64_t now,
		   int64_t lease_until, size_t max, mr_recipient_cb *cb, void *cookie,
		   struct mr_error *err);
int sq_queue_mark(void *state, const char *owner, int sending, struct mr_error *err);
int sq_queue_unstarted(void *state, const char *owner, const int64_t *started, size_t n,
		       int64_t *requeued_r, struct mr_error *err);
int sq_queue_outcome(void *state, const struct mr_queue_outcome *o, size_t n,
		     struct mr_error *err);
int sq_mailing_finish(void *state, int64_t mailing_id, int64_t now, int *complete_r,
		      struct mr_error *err);
/* sqlite-mailing-edit.c */
/* sqlite-templates.c */
int sq_mailing_stats(void *state, int64_t mailing_id, struct mr_mailing_stats *stats_r,
		     struct mr_error *err);

/* Statements the shared operations (sqlstore/) prepare from their own SQL
 * text (sql.c).  A statement for sql (a string constant: its address is the
 * cache key), prepared once per connection and reused; give it back with
 * sq_ad_hoc_done().  A statement still in use is prepared afresh. */
int sq_prepare_ad_hoc(struct sq_state *s, const char *sql, sqlite3_stmt **st_r,
		      struct mr_error *err);
void sq_ad_hoc_done(struct sq_state *s, sqlite3_stmt *st);
/* Binds text; NULL binds an SQL NULL. */
int sq_text_or_null(sqlite3_stmt *st, int i, const char *v);
/* the tracking sub-table (sqlite-tracking.c) */
/* Creates the job log's hosts table once per connection (schema.c). */
int sq_hosts_ready(struct sq_state *s, struct mr_error *err);
/* Creates the tracking tables once per connection (sqlite-tracking.c). */
int sq_track_ready(struct sq_state *s, struct mr_error *err);
/* The bulk copy sub-table (sqlite-copy.c). */
extern const struct mr_store_copy_ops sq_copy_ops;

#endif
