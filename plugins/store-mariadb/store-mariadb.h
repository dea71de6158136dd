/* SPDX-License-Identifier: MIT */
/* Private interface of the MariaDB store plugin, shared by its source files (nothing here is exported). */
#ifndef STORE_MARIADB_H
#define STORE_MARIADB_H

#include <stdio.h>
#include <stdint.h>
#include <mysql.h>
#include <mailroom/plugin.h>

/* The newest schema version this code knows (see schema.c): the same
 * numbers as store-sqlite's. */
#define MD_SCHEMA_NEWEST 11
/* The queue_key of leased and sending rows, and of rows in doubt (schema
 * version 10): above any job id, as SQL text. */
#define MD_QUEUE_INFLIGHT "4611686018427387904"
/* The room a queue row keeps for the server's reply until its outcome
 * (schema 11): the default that fills it, whose length is the room. */
#define MD_REPLY_ROOM_BYTES "................................................................"
#define MD_QUEUE_DOUBT "4611686018427387905"

/* Every SQL statement the store runs, prepared once and cached. */
enum md_stmt_id {
	MD_SPOOL_ADD,
	MD_SPOOL_LIST,
	MD_SPOOL_GET,
	MD_SPOOL_PURGE,
	MD_JOB_LOG_ADD,
	MD_JOB_STATE_START,
	MD_JOB_LOG_END,
	MD_JOB_LOG_JOB,
	MD_JOB_STATE_END,
	MD_JOB_LOG_LIST_ALL,
	MD_JOB_LOG_LIST_JOB,
	MD_JOB_LOG_PURGE,
	MD_MSG_SEEN,
	MD_MSG_MARK,
	MD_MSG_PURGE,
	MD_MSG_OUTCOME,
	MD_USER_PUT,
	MD_USER_GET,
	MD_USER_LIST,
	MD_USER_DELETE,
	/* contacts and groups (md-contacts.c) */
	MD_CONTACT_FIND,
	MD_CONTACT_INSERT,
	MD_EMAIL_INSERT,
	MD_CONTACT_UNDO,
	MD_CONTACT_UPDATE,
	MD_CONTACT_LIST,
	MD_SET_HOLD,
	MD_SET_OPTOUT,
	MD_SET_DNE,
	MD_GROUP_ADD,
	MD_GROUP_ID,
	MD_GROUP_LIST,
	MD_GROUP_JOIN,
	MD_GROUP_LEAVE,
	MD_GROUP_JOIN_MANY,
	MD_GROUP_MEMBERS,
	MD_CONTACT_DELETE,
	MD_CONTACT_GROUPS,
	MD_CONTACT_EMAILS,
	MD_CONTACT_EVENT_ADD,
	MD_CONTACT_EVENTS,
	MD_GROUP_IN_USE,
	MD_GROUP_DELETE,
	MD_GROUP_RENAME,
	MD_FIELD_ADD,
	MD_FIELD_GET,
	MD_FIELD_LIST,
	MD_FIELD_DELETE,
	MD_VALUE_SET,
	MD_VALUE_CLEAR,
	MD_CONTACT_FIELDS,
	/* mailings (sqlstore/mailing.c) */
	MD_MAILING_INSERT,
	MD_MAILING_GROUP,
	MD_MAILING_ATTACH,
	MD_MAILING_GET,
	MD_MAILING_LIST,
	MD_MAILING_GROUPS,
	MD_MAILING_ATTACHMENTS,
	MD_MAILING_STATUS_GET,
	MD_MAILING_STATUS_SET,
	MD_MJOB_PARENT,
	MD_MJOB_INSERT,
	MD_MJOBS_STATUS,
	MD_MAILING_DUE,
	/* the recipient queue (md-queue.c) */
	MD_QUEUE_CANCEL,
	MD_MJOB_GET,
	MD_QUEUE_BUILD_PART,
	MD_QUEUE_PART_SPAN,
	MD_MJOB_BUILD_READ,
	MD_MJOB_BUILD_WAIT,
	MD_MJOB_BUILD_TRY,
	MD_MJOB_BUILD_PUT,
	MD_MJOB_BUILDING,
	MD_QUEUE_BOUNDARY,
	MD_QUEUE_MOVE,
	MD_QUEUE_RECOVER_LEASED,
	MD_QUEUE_RECOVER_SENDING,
	MD_QUEUE_RESEND_DOUBT,
	MD_QUEUE_PICK,
	MD_QUEUE_PICK_ON,
	MD_QUEUE_LEASED,
	MD_QUEUE_MARK_SENDING,
	MD_QUEUE_MARK_SPAN,
	MD_QUEUE_MARK_BACK,
	MD_QUEUE_UNSTARTED,
	MD_OUT_RETRY,
	MD_OUT_BOUNCED,
	MD_OUT_DOUBT,
	MD_OUT_STATE,
	MD_MAILING_PENDING,
	MD_MAILING_STATS,
	MD_MAILING_BOUNCES,
	MD_MAILING_LATE_BOUNCES,
	/* email-to-activity (sqlstore/activities.c) */
	MD_ACT_INDIVIDUAL,
	MD_ACT_FIND,
	MD_ACT_INSERT,
	MD_ACT_PARTY,
	MD_ACT_FILE,
	MD_ACT_LIST,
	MD_ACT_GET,
	MD_ACT_PARTIES,
	MD_ACT_FILES,
	MD_ACT_FILE_GET,
	MD_SCHEMA_VERSION,
	MD_BEGIN,
	MD_COMMIT,
	MD_ROLLBACK,
	MD_SAVEPOINT,
	MD_RELEASE,
	MD_ROLLBACK_TO,
	/* shared locks and the job log's hosts (md-locks.c) */
	MD_LOCK_EXPIRE,
	MD_LOCK_INSERT,
	MD_LOCK_HOLDER,
	MD_LOCK_RENEW,
	MD_LOCK_RELEASE,
	MD_LOCK_LIST,
	MD_JOB_HOST_ADD,
	MD_MJOB_GET_LOCK,
	MD_N_STMTS
};

/* At most this many ?N parameters in one statement. */
#define MD_MAX_PARAMS 72
/* md_step's answers besides an error (MD_ERROR). */
#define MD_ROW 100
#define MD_DONE 101
#define MD_ERROR 1

struct md_state;

/* One statement: its text with ?N rewritten to ?, the parameters bound by
 * number until it runs, and the stored result it steps through. */
struct md_stmt {
	struct md_state *s;
	const char *src;      /* the text as written, with ?N */
	char *sql;            /* the text MariaDB gets */
	int n_pos;            /* placeholders in sql */
	unsigned char pos[128];/* placeholder -> parameter number (1-based) */
	MYSQL_STMT *h;
	unsigned gen;         /* the connection h was prepared on */
	int busy;             /* executed, not yet released */
	int has_result;
	/* parameters by number */
	struct md_param {
		int set;
		enum enum_field_types type;
		long long i;
		char *buf;
		unsigned long len;
	} p[MD_MAX_PARAMS + 1];
	/* the result row */
	unsigned n_cols;
	MYSQL_BIND *rb;
	unsigned long *rlen;
	my_bool *rnull;
	my_bool *rerr;
	char **rbuf;
	unsigned long *rcap;
};

/* the size of a lease owner as queue rows hold it (md_owner_key) */
#define MD_OWNER_MAX 64

struct md_state {
	const struct mr_core *core;
	const struct mr_log *log;
	const void *conf;      /* struct mariadb_conf (store-mariadb.c) */
	MYSQL *db;
	unsigned gen;          /* bumped at each (re)connection */
	char where[300];       /* "database D on HOST:PORT", for messages */
	char *password;
	int in_tx;             /* between begin() and commit()/rollback() */
	int unit_depth;        /* units of several statements (outermost owns the transaction) */
	int unit_sp;           /* the running unit is a savepoint inside begin()/commit() */
	int tx_open;           /* a transaction is open on the server */
	int retryable;         /* the last failure was a deadlock, lock wait or lost connection */
	unsigned last_errno;
	char last_error[512];
	int64_t changes;       /* rows changed by the last statement */
	int64_t last_id;       /* AUTO_INCREMENT id of the last insert */
	int64_t reconnects;
	int64_t retries;
	struct md_stmt *stmts[MD_N_STMTS];
	struct md_ad_hoc {
		const char *sql;
		struct md_stmt *st;
	} ad_hoc[48];
	size_t n_ad_hoc;
	struct md_locks *locks; /* the held shared locks and their heartbeat, or NULL */
	int track_ready;       /* the tracking tables exist (mariadb-tracking.c) */
	/* group memberships added inside begin()/commit(), not yet written
	 * (md-joins.c): a JSON array of [group id, contact id, time] */
	struct md_joins {
		char *json;
		size_t len, cap, n;
		char group[128];  /* the group last looked up while adding, and its id */
		int64_t group_id;
	} joins;
	/* where this connection's last pick of a mailing's queued rows ended
	 * (md-queue.c): the next pick goes on from there rather than from the
	 * front of the queue index, whose entries of the rows leased since
	 * stay there, delete-marked, until InnoDB's purge removes them */
	struct md_pick_at {
		int64_t mailing_id, key, next_attempt, id;
	} pick_at;
	/* what this connection last read of the build of a mailing's queue
	 * (md-build.c): its parent job, the email id the build goes on from
	 * (0: built) and the last queue row built so far */
	struct md_build {
		int64_t mailing_id, parent, offset, limit;
	} build;
	struct md_builder *builder; /* md-build.c's thread, or NULL */
	/* the n rows each lease owner claimed since its last mark have ids in
	 * [lo, hi]: the mark reads that span of the table, not the owner's part
	 * of the queue index (which holds its earlier batches until purge) */
	struct md_span {
		char owner[MD_OWNER_MAX + 1];
		int64_t lo, hi, n;
	} spans[8];
};

/* A statement in use: the cached one, or a transient copy when the cached
 * one is busy (a callback of a listing calling the store again). */
struct md_use {
	struct md_stmt *st;
	int transient;
};

/* Connecting (md-conn.c). */
int md_connect(struct md_state *s, struct mr_error *err);
void md_disconnect(struct md_state *s);
/* md_twin makes c a second connection's state of s's database for a thread
 * of the instance (the password borrowed: s outlives the thread; c connects
 * at its first statement or md_connect); md_twin_end frees its statements
 * and closes it. */
void md_twin(struct md_state *c, const struct md_state *s);
void md_twin_end(struct md_state *c);
/* A new statement object for sql (not yet prepared on the server). */
struct md_stmt *md_stmt_new(struct md_state *s, const char *sql);
void md_stmt_free(struct md_stmt *st);
/* Runs (first call) and steps a statement: MD_ROW, MD_DONE or MD_ERROR
 * (then s->last_errno and s->last_error say why). */
int md_step(struct md_stmt *st);
/* Frees the result and the bound values; the statement can be bound again. */
void md_stmt_reset(struct md_stmt *st);
void md_bind_int64(struct md_stmt *st, int i, long long v);
void md_bind_null(struct md_stmt *st, int i);
void md_bind_str(struct md_stmt *st, int i, const void *v, size_t len, int blob);
int64_t md_col_int64(struct md_stmt *st, int i);
int md_col_int(struct md_stmt *st, int i);
int md_col_null(struct md_stmt *st, int i);
const void *md_col_blob(struct md_stmt *st, int i);
int md_col_bytes(struct md_stmt *st, int i);
const char *md_col_text(struct md_stmt *st, int i);
int64_t md_changes(struct md_state *s);
int64_t md_last_id(struct md_state *s);
/* Runs SQL that takes no parameters and returns no rows in the text
 * protocol (transaction control, session settings, md-batch.c's batches). */
int md_exec_const(struct md_state *s, const char *sql, const char *what, struct mr_error *err);
/* md-batch.c: one statement for a batch of queue rows.  The sent rows'
 * outcomes (a delivery is its row's sent_at, no event of its own): */
int md_batch_sent(struct md_state *s, const struct mr_queue_outcome *const *rows, size_t n,
		  struct mr_error *err);
/* The lease of the picked ids (those still queued or due for a retry). */
int md_batch_lease(struct md_state *s, const int64_t *ids, size_t n, const char *owner,
		   int64_t until, struct mr_error *err);

/* Prepares (once) and hands out statement id; returns 0 or a status with err. */
int md_acquire(struct md_state *s, enum md_stmt_id id, struct md_use *u, struct mr_error *err);
/* Resets (or frees a transient) statement and clears its bindings. */
void md_release(struct md_use *u);
/* Fills err from the connection's last error; what says which operation. */
int md_fail(struct md_state *s, int rc, const char *what, struct mr_error *err);
/* Runs a statement that returns no rows; 0 or a status with err. */
int md_run(struct md_state *s, struct md_use *u, const char *what, struct mr_error *err);
int md_id_by_text(struct md_state *s, enum md_stmt_id id, const char *text, const char *what,
		  int64_t *id_r, struct mr_error *err);
int md_purge(struct md_state *s, enum md_stmt_id id, int64_t before, int64_t *count_r,
	     const char *what, struct mr_error *err);
/* Binds text; NULL binds an SQL NULL. */
int md_bind_text(struct md_use *u, int i, const char *v);
/* Binds a blob; a zero length binds an empty blob, never NULL. */
int md_bind_blob(struct md_use *u, int i, const void *v, size_t len);

/* Memberships added inside begin()/commit() (md-joins.c).  md_joins_add
 * keeps one (written with the next statement that is not md_joins_quiet,
 * or at commit); md_joins_flush writes those kept; md_joins_forget drops
 * them (rollback, a lost connection). */
int md_joins_add(struct md_state *s, const char *group, int64_t contact_id, int64_t now,
		 struct mr_error *err);
int md_joins_quiet(enum md_stmt_id id);
int md_joins_flush(struct md_state *s, struct mr_error *err);
void md_joins_forget(struct md_state *s);

/* Several statements as one unit, inside or outside begin()/commit(). */
int md_unit_begin(struct md_state *s, struct mr_error *err);
int md_unit_end(struct md_state *s, int rc, struct mr_error *err);

/* Brings the schema to MD_SCHEMA_NEWEST (schema.c); refuses newer ones. */
int md_migrate(struct md_state *s, struct mr_error *err);

/* The ops, by topic. */
int md_contact_upsert(void *state, const struct mr_contact *c, int64_t *id_r, int *created_r,
		      struct mr_error *err);
int md_group_member(void *state, const char *group, int64_t contact_id, int add,
		    struct mr_error *err);
/* A lease owner as queue rows hold it (md-queue.c): a CHAR(MD_OWNER_MAX) of
 * printable ASCII, so that a lease never makes a row longer (schema 11).
 * An owner that is longer or holds other bytes is held as "~" and the first
 * 63 hex digits of its SHA-256, which schema.c's upgrade writes the same way. */
void md_owner_key(const char *owner, char key[MD_OWNER_MAX + 1]);
/* md-build.c: the queue of a parent job filled (its first part, or all
 * of it), and the next parts built as claims need them: md_build_ahead
 * when fewer than half a part's rows are left after at_id (the last row
 * this connection picked), by the builder thread, not waiting for a
 * worker that builds one; md_build_more when a claim ran short, waiting,
 * *more_r 1 when the build went on (pick again); md_builder_free stops the
 * thread. */
int md_queue_fill(struct md_state *s, int64_t job_id, int64_t mid, int64_t job_size,
		  int64_t *count_r, struct mr_error *err);
int md_build_ahead(struct md_state *s, int64_t mid, int64_t at_id, struct mr_error *err);
int md_build_more(struct md_state *s, int64_t mid, int *more_r, struct mr_error *err);
void md_builder_free(struct md_state *s);

/* md_queue_claim, _mark and _unstarted take an owner in that form (the
 * op wrappers of store-mariadb.c make it, and refuse an empty owner). */
int md_queue_claim(void *state, int64_t mailing_id, const char *owner, int64_t now,
		   int64_t lease_until, size_t max, mr_recipient_cb *cb, void *cookie,
		   struct mr_error *err);
int md_queue_mark(void *state, const char *owner, int sending, struct mr_error *err);
int md_queue_unstarted(void *state, const char *owner, const int64_t *started, size_t n,
		       int64_t *requeued_r, struct mr_error *err);
int md_queue_outcome(void *state, const struct mr_queue_outcome *o, size_t n,
		     struct mr_error *err);
int md_mailing_finish(void *state, int64_t mailing_id, int64_t now, int *complete_r,
		      struct mr_error *err);
/* md-mailing-edit.c */
/* md-templates.c */
int md_mailing_stats(void *state, int64_t mailing_id, struct mr_mailing_stats *stats_r,
		     struct mr_error *err);

/* Statements the shared operations (sqlstore/) prepare from their own SQL
 * text (sql.c).  A statement for sql (a string constant: its address is the
 * cache key), prepared once per connection and reused; give it back with
 * md_ad_hoc_done().  A statement still in use is prepared afresh. */
/* the tracking sub-table (mariadb-tracking.c) */
extern const struct mr_store_tracking_ops md_tracking_ops;
/* Creates the tracking tables once per connection (mariadb-tracking.c). */
int md_track_ready(struct md_state *s, struct mr_error *err);
/* The checks of mailroom doctor (md-doctor.c). */
int md_doctor(void *state, int64_t workers, mr_store_check_cb *cb, void *cookie,
	      struct mr_error *err);
/* The bulk copy sub-table (md-copy.c). */
extern const struct mr_store_copy_ops md_copy_ops;
int md_prepare_ad_hoc(struct md_state *s, const char *sql, struct md_stmt **st_r,
		      struct mr_error *err);
void md_ad_hoc_done(struct md_state *s, struct md_stmt *st);
/* Binds text; NULL binds an SQL NULL. */
int md_text_or_null(struct md_stmt *st, int i, const char *v);

/* Shared locks (md-locks.c). */
/* Makes the run-time tables (locks, job hosts) when missing. */
int md_locks_setup(struct md_state *s, struct mr_error *err);
/* Stops the heartbeat; the rows of locks still held expire by themselves. */
void md_locks_free(struct md_state *s);
/* MAILROOM_HOSTNAME, else gethostname(). */
const char *md_host_name(void);
int md_lock_try(void *state, const char *name, const char *owner, int64_t lease,
		struct mr_error *err);
int md_lock_release(void *state, const char *name, const char *owner, struct mr_error *err);
int md_lock_list(void *state, const char *prefix, mr_store_lock_cb *cb, void *cookie,
		 struct mr_error *err);

#endif
