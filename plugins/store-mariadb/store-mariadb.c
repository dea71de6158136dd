/* SPDX-License-Identifier: MIT */
/* store-mariadb: the store on a MariaDB server (InnoDB, READ COMMITTED), for sites whose CRM lives there and for workers on many hosts: its keys, connecting, transactions, bounded retries of deadlocks and lost connections, and its ops table. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "md-conf.h"

static const struct mr_key mariadb_keys[] = {
	{ .name = "host", .type = MR_KEY_STRING, .def = "127.0.0.1",
	  .help = "the MariaDB server's host name or address (ignored when socket is set)",
	  MR_KEY_FIELD(struct mariadb_conf, host) },
	{ .name = "port", .type = MR_KEY_INT, .def = "3306", .min = 1, .max = 65535,
	  .help = "the server's TCP port", MR_KEY_FIELD(struct mariadb_conf, port) },
	{ .name = "socket", .type = MR_KEY_PATH,
	  .help = "a Unix socket of a server on this host, used instead of host and port",
	  MR_KEY_FIELD(struct mariadb_conf, socket) },
	{ .name = "database", .type = MR_KEY_STRING, .def = "mailroom",
	  .help = "the database (utf8mb4) that holds mailroom's tables; created by the DBA, "
	  "its tables by mailroom", MR_KEY_FIELD(struct mariadb_conf, database) },
	{ .name = "user", .type = MR_KEY_STRING, .def = "mailroom",
	  .help = "the MariaDB user", MR_KEY_FIELD(struct mariadb_conf, user) },
	{ .name = "password", .type = MR_KEY_SECRET,
	  .help = "the user's password: password_file (readable by its owner only) or "
	  "MAILROOM_STORE_MARIADB_PASSWORD; none for socket authentication" },
	{ .name = "tls", .type = MR_KEY_ENUM, .def = "none", .choices = "none|required|verify",
	  .help = "TLS to the server: none, required (encrypted, certificate not checked) or "
	  "verify (encrypted, certificate checked against ca_file and the host name)",
	  MR_KEY_FIELD(struct mariadb_conf, tls) },
	{ .name = "ca_file", .type = MR_KEY_PATH,
	  .help = "PEM certificates trusted for tls = verify (default: the system's)",
	  MR_KEY_FIELD(struct mariadb_conf, ca_file) },
	{ .name = "connect_timeout", .type = MR_KEY_DURATION, .def = "10s",
	  .help = "how long to wait for the server to answer a connection",
	  MR_KEY_FIELD(struct mariadb_conf, connect_timeout) },
	{ .name = "io_timeout", .type = MR_KEY_DURATION, .def = "10m",
	  .help = "how long one statement may wait for the server before the connection "
	  "counts as lost", MR_KEY_FIELD(struct mariadb_conf, io_timeout) },
	{ .name = "lock_wait_timeout", .type = MR_KEY_DURATION, .def = "20s",
	  .help = "how long a statement waits for another session's row lock "
	  "(innodb_lock_wait_timeout) before it is retried",
	  MR_KEY_FIELD(struct mariadb_conf, lock_wait_timeout) },
	{ .name = "retries", .type = MR_KEY_INT, .def = "5", .min = 0, .max = 100,
	  .help = "how many times a unit of work that hit a deadlock, a lock wait timeout or a "
	  "lost connection runs again before the error is reported",
	  MR_KEY_FIELD(struct mariadb_conf, retries) },
	{ .name = "pool", .type = MR_KEY_INT, .def = "1", .min = 1, .max = 64,
	  .help = "connections each mailroom process keeps open to the server (one per "
	  "store instance; workers are processes, each with its own)",
	  MR_KEY_FIELD(struct mariadb_conf, pool) },
	{ .name = "build_part", .type = MR_KEY_INT, .def = "20000", .min = 0, .max = 1000000000,
	  .help = "a mailing's queue is built in parts of this many emails: the first (a "
	  "quarter) when the mailing starts, the next ones ahead of the claims by a thread on "
	  "a connection of its own, so that sending starts at once and goes on while the rest "
	  "is built; 0 builds the whole queue at once (as does a job_size that splits it "
	  "into child jobs)",
	  MR_KEY_FIELD(struct mariadb_conf, build_part) },
	{ 0 }
};

static void md_deinit(void *state)
{
	struct md_state *s = state;
	if (!s)
		return;
	md_builder_free(s);
	md_locks_free(s);
	for (int i = 0; i < MD_N_STMTS; i++)
		md_stmt_free(s->stmts[i]);
	for (size_t i = 0; i < s->n_ad_hoc; i++)
		md_stmt_free(s->ad_hoc[i].st);
	free(s->joins.json);
	md_disconnect(s);
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s);
}

static int md_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	const struct mariadb_conf *c = ctx->conf;
	struct md_state *s = calloc(1, sizeof(*s));
	if (!s)
		return core->error_set(err, MR_ENOMEM, "out of memory");
	s->core = core;
	s->log = ctx->log;
	s->conf = c;
	if (c->socket && *c->socket)
		snprintf(s->where, sizeof(s->where), "database '%s' on %s", c->database ? c->database : "",
			 c->socket);
	else
		snprintf(s->where, sizeof(s->where), "database '%s' on %s:%lld",
			 c->database ? c->database : "", c->host ? c->host : "", c->port);
	int rc;
	if (!c->database || !*c->database) {
		rc = core->error_set(err, MR_ECONFIG, "[%s] database is empty", core->cfg_name(ctx->cfg));
		goto fail;
	}
	if (strcmp(c->tls ? c->tls : "none", "none") != 0 && c->socket && *c->socket)
		core->log(s->log, MR_LOG_WARNING, "[%s] tls is ignored over a Unix socket",
			  core->cfg_name(ctx->cfg));
	rc = core->cfg_secret(ctx->cfg, "password", &s->password, err);
	if (rc == MR_ENOTFOUND)
		rc = 0; /* socket or passwordless authentication */
	if (rc)
		goto fail;
	if ((rc = md_connect(s, err)) != 0 || (rc = md_migrate(s, err)) != 0 ||
	    (rc = md_locks_setup(s, err)) != 0)
		goto fail;
	*state_r = s;
	return 0;
fail:
	md_deinit(s);
	return rc;
}

static int md_begin(void *state, struct mr_error *err)
{
	struct md_state *s = state;
	if (s->in_tx)
		return s->core->error_set(err, MR_EINTERNAL, "begin: a transaction on %s is already "
					  "open (transactions do not nest)", s->where);
	int rc = md_exec_const(s, "START TRANSACTION", "begin", err);
	if (rc == 0) {
		s->in_tx = 1;
		s->tx_open = 1;
	}
	return rc;
}

static int md_commit(void *state, struct mr_error *err)
{
	struct md_state *s = state;
	if (!s->in_tx)
		return s->core->error_set(err, MR_EINTERNAL, "commit: no transaction on %s is open",
					  s->where);
	if (!s->tx_open || !s->db) {
		s->in_tx = 0;
		return s->core->error_set(err, MR_ETEMP, "commit: the connection to %s was lost "
					  "during the transaction; the server rolled it back",
					  s->where);
	}
	int rc = md_exec_const(s, "COMMIT", "commit", err);
	/* on failure the transaction stays open for rollback(), unless the
	 * connection went with it */
	if (rc == 0 || !s->db) {
		s->in_tx = 0;
		s->tx_open = 0;
	}
	return rc;
}

static void md_rollback(void *state)
{
	struct md_state *s = state;
	struct mr_error e = { 0 };
	md_joins_forget(s); /* never written: nothing to undo */
	if (s->tx_open && s->db && md_exec_const(s, "ROLLBACK", "rollback", &e) != 0)
		s->core->log(s->log, MR_LOG_ERR, "%s", e.msg);
	s->in_tx = 0;
	s->tx_open = 0;
}

static int md_schema_version(void *state, int *version_r, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_SCHEMA_VERSION, &u, err);
	if (rc)
		return rc;
	int src = md_step(u.st);
	if (src == MD_ROW)
		*version_r = md_col_int(u.st, 0);
	else
		rc = md_fail(s, src, "reading the schema version", err);
	md_release(&u);
	return rc;
}

/* Waits before running a unit of work again: 25 ms doubling, with jitter. */
static void backoff(struct md_state *s, int attempt, const struct mr_error *err)
{
	s->retries++;
	s->core->log(s->log, MR_LOG_NOTICE, "retrying (%d): %s", attempt + 1, err ? err->msg : "");
	long ms = 25L << (attempt < 6 ? attempt : 6);
	ms += rand() % (ms + 1);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/*
 * Runs call again after a deadlock, a lock wait timeout or a lost connection,
 * up to [store-mariadb] retries times, when it is a unit of its own (not
 * inside the caller's begin()/commit(), whose work the server rolled back).
 * Every op so wrapped is one transaction, so running it again is safe.
 */
#define MD_RETRYING(state_, err_, call_)                                              \
	do {                                                                          \
		struct md_state *s_ = (state_);                                       \
		const struct mariadb_conf *c_ = s_->conf;                             \
		int rc_;                                                              \
		for (int try_ = 0;; try_++) {                                         \
			s_->retryable = 0;                                            \
			rc_ = (call_);                                                \
			if (rc_ == 0 || !s_->retryable || s_->in_tx ||                \
			    try_ >= (int)c_->retries)                                 \
				break;                                                \
			backoff(s_, try_, (err_));                                    \
		}                                                                     \
		return rc_;                                                           \
	} while (0)

static int w_job_run_start(void *st, const char *job, int worker, int pid, int64_t started,
			   int64_t *run_id_r, struct mr_error *err)
{
	MD_RETRYING(st, err, sql_job_run_start(st, job, worker, pid, started, run_id_r, err));
}

static int w_job_run_end(void *st, int64_t run_id, int64_t ended, enum mr_job_outcome outcome,
			 const char *message, const char *data, struct mr_error *err)
{
	MD_RETRYING(st, err, sql_job_run_end(st, run_id, ended, outcome, message, data, err));
}

static int w_msg_mark(void *st, const char *account, const char *key, const char *outcome,
		      int64_t when, struct mr_error *err)
{
	MD_RETRYING(st, err, sql_msg_mark(st, account, key, outcome, when, err));
}

static int w_user_put(void *st, const struct mr_user *user, struct mr_error *err)
{
	MD_RETRYING(st, err, sql_user_put(st, user, err));
}

static int w_contact_upsert(void *st, const struct mr_contact *c, int64_t *id_r, int *created_r,
			    struct mr_error *err)
{
	MD_RETRYING(st, err, md_contact_upsert(st, c, id_r, created_r, err));
}

static int w_contact_set_flag(void *st, const char *email, enum mr_contact_flag flag, int value,
			      struct mr_error *err)
{
	MD_RETRYING(st, err, sql_contact_set_flag(st, email, flag, value, err));
}

static int w_group_add(void *st, const char *name, const char *title, int64_t *id_r,
		       struct mr_error *err)
{
	MD_RETRYING(st, err, sql_group_add(st, name, title, id_r, err));
}

static int w_group_member(void *st, const char *group, int64_t contact_id, int add,
			  struct mr_error *err)
{
	MD_RETRYING(st, err, md_group_member(st, group, contact_id, add, err));
}

static int w_mailing_create(void *st, const struct mr_mailing *m, int64_t *id_r,
			    struct mr_error *err)
{
	MD_RETRYING(st, err, sql_mailing_create(st, m, id_r, err));
}

static int w_mailing_set_status(void *st, int64_t id, enum mr_mailing_status status, int64_t when,
				struct mr_error *err)
{
	MD_RETRYING(st, err, sql_mailing_set_status(st, id, status, when, err));
}

static int w_queue_build(void *st, int64_t job_id, int64_t job_size, int64_t *count_r,
			 struct mr_error *err)
{
	MD_RETRYING(st, err, sql_queue_build(st, job_id, job_size, count_r, err));
}

static int w_queue_recover(void *st, const char *owner, int64_t now, int resend,
			   int64_t *requeued_r, int64_t *in_doubt_r, struct mr_error *err)
{
	char key[MD_OWNER_MAX + 1];
	md_owner_key(owner ? owner : "", key);
	MD_RETRYING(st, err, sql_queue_recover(st, key, now, resend, requeued_r, in_doubt_r, err));
}

/* queue_claim runs again only while no recipient reached the caller. */
struct claim_tramp {
	mr_recipient_cb *cb;
	void *cookie;
	int64_t calls;
};

static int claim_cb(void *cookie, const struct mr_recipient *r)
{
	struct claim_tramp *t = cookie;
	t->calls++;
	return t->cb(t->cookie, r);
}

static int w_queue_claim(void *state, int64_t mailing_id, const char *owner, int64_t now,
			 int64_t lease_until, size_t max, mr_recipient_cb *cb, void *cookie,
			 struct mr_error *err)
{
	struct md_state *s = state;
	const struct mariadb_conf *c = s->conf;
	struct claim_tramp t = { .cb = cb, .cookie = cookie };
	char key[MD_OWNER_MAX + 1];
	int rc;
	if (!owner || !*owner)
		return s->core->error_set(err, MR_EINPUT, "a lease needs an owner");
	md_owner_key(owner, key);
	owner = key;
	for (int try = 0;; try++) {
		s->retryable = 0;
		rc = md_queue_claim(s, mailing_id, owner, now, lease_until, max, claim_cb, &t, err);
		if (rc == 0 || !s->retryable || s->in_tx || t.calls > 0 || try >= (int)c->retries)
			break;
		backoff(s, try, err);
		/* the lost commit may have gone through: rows leased to owner and
		 * not yet sending never reached a transport, so they go back
		 * before the claim runs again and never come out twice */
		struct mr_error e2 = { 0 };
		if (md_queue_mark(s, owner, 0, &e2) != 0)
			s->core->log(s->log, MR_LOG_WARNING, "%s", e2.msg);
	}
	return rc;
}

static int w_queue_mark(void *st, const char *owner, int sending, struct mr_error *err)
{
	char key[MD_OWNER_MAX + 1];
	md_owner_key(owner ? owner : "", key);
	MD_RETRYING(st, err, md_queue_mark(st, key, sending, err));
}

static int w_queue_unstarted(void *st, const char *owner, const int64_t *started, size_t n,
			     int64_t *requeued_r, struct mr_error *err)
{
	char key[MD_OWNER_MAX + 1];
	if (!owner || !*owner)
		return ((struct md_state *)st)->core->error_set(err, MR_EINPUT, "a lease needs an owner");
	md_owner_key(owner, key);
	MD_RETRYING(st, err, md_queue_unstarted(st, key, started, n, requeued_r, err));
}

static int w_queue_outcome(void *st, const struct mr_queue_outcome *o, size_t n,
			   struct mr_error *err)
{
	MD_RETRYING(st, err, md_queue_outcome(st, o, n, err));
}

static int w_mailing_finish(void *st, int64_t mailing_id, int64_t now, int *complete_r,
			    struct mr_error *err)
{
	MD_RETRYING(st, err, md_mailing_finish(st, mailing_id, now, complete_r, err));
}

static int w_bounce_add(void *st, const struct mr_bounce_event *ev,
			struct mr_bounce_added *added_r, struct mr_error *err)
{
	MD_RETRYING(st, err, sql_bounce_add(st, ev, added_r, err));
}

static int w_verp_action(void *st, int64_t queue_id, enum mr_verp_action action, int64_t when,
			 const char *details, int64_t *changed_r, struct mr_error *err)
{
	MD_RETRYING(st, err, sql_verp_action(st, queue_id, action, when, details, changed_r, err));
}

static int w_holds_reset(void *st, int64_t now, int64_t clean_for, int64_t *released_r,
			 struct mr_error *err)
{
	MD_RETRYING(st, err, sql_holds_reset(st, now, clean_for, released_r, err));
}

static int w_auto_reply_due(void *st, const char *email, int64_t now, int64_t period,
			    int *due_r, struct mr_error *err)
{
	MD_RETRYING(st, err, sql_auto_reply_due(st, email, now, period, due_r, err));
}

static int w_activity_contact(void *st, const char *email, const char *name, int create,
			      int64_t *id_r, int *created_r, struct mr_error *err)
{
	MD_RETRYING(st, err, sql_activity_contact(st, email, name, create, id_r, created_r, err));
}

static int w_activity_add(void *st, const struct mr_activity_rec *a, int64_t *id_r,
			  int *existing_r, struct mr_error *err)
{
	MD_RETRYING(st, err, sql_activity_add(st, a, id_r, existing_r, err));
}

static const struct mr_store_spool_ops mariadb_spool_ops = {
	.size = sizeof(struct mr_store_spool_ops),
	.spool_add = sql_spool_add,
	.spool_list = sql_spool_list,
	.spool_get = sql_spool_get,
	.spool_purge = sql_spool_purge,
};

static const struct mr_store_contacts_ops mariadb_contacts_ops = {
	.size = sizeof(struct mr_store_contacts_ops),
	.contact_upsert = w_contact_upsert,
	.contact_find = sql_contact_find,
	.contact_list = sql_contact_list,
	.contact_set_flag = w_contact_set_flag,
	.group_add = w_group_add,
	.group_list = sql_group_list,
	.group_member = w_group_member,
	.group_members = sql_group_members,
	.contact_delete = sql_contact_delete,
	.contact_groups = sql_contact_groups,
	.contact_emails = sql_contact_emails,
	.contact_event_add = sql_contact_event_add,
	.contact_events = sql_contact_events,
	.group_delete = sql_group_delete,
	.group_rename = sql_group_rename,
	.field_add = sql_field_add,
	.field_list = sql_field_list,
	.field_delete = sql_field_delete,
	.contact_field_set = sql_contact_field_set,
	.contact_fields = sql_contact_fields,
	.group_set_where = sql_group_set_where,
	.group_refresh = sql_group_refresh,
	.optin_pending_add = sql_optin_pending_add,
	.optin_confirm = sql_optin_confirm,
	.optin_expire = sql_optin_expire,
	.optin_pending_list = sql_optin_pending_list,
};

static const struct mr_store_queue_ops mariadb_queue_ops = {
	.size = sizeof(struct mr_store_queue_ops),
	.mailing_create = w_mailing_create,
	.mailing_get = sql_mailing_get,
	.mailing_list = sql_mailing_list,
	.mailing_set_status = w_mailing_set_status,
	.mailing_due = sql_mailing_due,
	.queue_build = w_queue_build,
	.queue_recover = w_queue_recover,
	.queue_claim = w_queue_claim,
	.queue_mark = w_queue_mark,
	.queue_unstarted = w_queue_unstarted,
	.queue_outcome = w_queue_outcome,
	.mailing_finish = w_mailing_finish,
	.mailing_stats = md_mailing_stats,
	.mailing_update = sql_mailing_update,
	.mailing_delete = sql_mailing_delete,
	.mailing_tests = sql_mailing_tests,
	.mailing_setting_set = sql_mailing_setting_set,
	.mailing_settings = sql_mailing_settings,
	.template_put = sql_template_put,
	.template_get = sql_template_get,
	.template_delete = sql_template_delete,
};

static const struct mr_store_bounce_ops mariadb_bounce_ops = {
	.size = sizeof(struct mr_store_bounce_ops),
	.bounce_target = sql_bounce_target,
	.bounce_add = w_bounce_add,
	.verp_action = w_verp_action,
	.holds_reset = w_holds_reset,
	.bounce_stats = sql_bounce_stats,
	.auto_reply_due = w_auto_reply_due,
};

static const struct mr_store_activity_ops mariadb_activity_ops = {
	.size = sizeof(struct mr_store_activity_ops),
	.activity_contact = w_activity_contact,
	.activity_add = w_activity_add,
	.activity_list = sql_activity_list,
	.activity_get = sql_activity_get,
	.activity_attachment = sql_activity_attachment,
};

static int w_lock_try(void *st, const char *name, const char *owner, int64_t lease,
		      struct mr_error *err)
{
	MD_RETRYING(st, err, md_lock_try(st, name, owner, lease, err));
}

static int w_lock_release(void *st, const char *name, const char *owner, struct mr_error *err)
{
	MD_RETRYING(st, err, md_lock_release(st, name, owner, err));
}

static const struct mr_store_lock_ops mariadb_lock_ops = {
	.size = sizeof(struct mr_store_lock_ops),
	.lock_try = w_lock_try,
	.lock_release = w_lock_release,
	.lock_list = md_lock_list,
};

static const struct mr_store_ops mariadb_ops = {
	.size = sizeof(struct mr_store_ops),
	.init = md_init,
	.deinit = md_deinit,
	.begin = md_begin,
	.commit = md_commit,
	.rollback = md_rollback,
	.schema_version = md_schema_version,
	.job_run_start = w_job_run_start,
	.job_run_end = w_job_run_end,
	.job_run_list = sql_job_run_list,
	.job_run_purge = sql_job_run_purge,
	.msg_seen = sql_msg_seen,
	.msg_mark = w_msg_mark,
	.msg_purge = sql_msg_purge,
	.msg_outcome = sql_msg_outcome,
	.user_put = w_user_put,
	.user_get = sql_user_get,
	.user_list = sql_user_list,
	.user_delete = sql_user_delete,
	.spool = &mariadb_spool_ops,
	.contacts = &mariadb_contacts_ops,
	.queue = &mariadb_queue_ops,
	.bounce = &mariadb_bounce_ops,
	.activity = &mariadb_activity_ops,
	.lock = &mariadb_lock_ops,
	.tracking = &md_tracking_ops,
	.copy = &md_copy_ops,
	.doctor = md_doctor,
};

MR_PLUGIN_DEFINE(MR_KIND_STORE, "mariadb", PACKAGE_VERSION,
		 "The store on a MariaDB server (10.6 or newer): InnoDB, READ COMMITTED, leases "
		 "with FOR UPDATE SKIP LOCKED, for workers on many hosts.",
		 mariadb_keys, sizeof(struct mariadb_conf), &mariadb_ops);
