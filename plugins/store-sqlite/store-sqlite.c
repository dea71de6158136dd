/* SPDX-License-Identifier: MIT */
/* store-sqlite: the embedded store on one SQLite file (WAL, busy timeout, foreign keys), its keys, opening, transactions and ops table. */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "db.h"

/* The plugin's keys, filled by the core from its section (sqlite_keys). */
struct sqlite_conf {
	const char *path;
	long long busy_timeout;
	const char *synchronous;
};

static const struct mr_key sqlite_keys[] = {
	{ .name = "path", .type = MR_KEY_PATH, .def = "/var/lib/mailroom/mailroom.db",
	  .help = "the SQLite database file; its directory is created if missing",
	  MR_KEY_FIELD(struct sqlite_conf, path) },
	{ .name = "busy_timeout", .type = MR_KEY_DURATION, .def = "10s",
	  .help = "how long to wait for another process's write lock before failing",
	  MR_KEY_FIELD(struct sqlite_conf, busy_timeout) },
	{ .name = "synchronous", .type = MR_KEY_ENUM, .def = "normal", .choices = "normal|full",
	  .help = "fsync policy: normal (safe with WAL, may lose the last commits on power loss) or "
	  "full (fsync every commit)", MR_KEY_FIELD(struct sqlite_conf, synchronous) },
	{ 0 }
};

/* mkdir -p of the directory part of path. */
static int make_parent(struct sq_state *s, struct mr_error *err)
{
	char *dir = strdup(s->path);
	if (!dir)
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	int rc = 0;
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		struct stat sb;
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			rc = s->core->error_set(err, MR_ECONFIG, "cannot create the directory %s for the "
						"SQLite database %s: %s", dir, s->path,
						strerror(errno));
			break;
		}
		if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			rc = s->core->error_set(err, MR_ECONFIG, "%s (a parent of the SQLite database "
						"%s) is not a directory", dir, s->path);
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return rc;
}

/* Runs a constant pragma; its first result column, if any, goes to out. */
static int pragma(struct sq_state *s, const char *sql, char *out, size_t outlen,
		  struct mr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, sql, err);
	if (out && outlen)
		out[0] = '\0';
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (out && outlen)
			snprintf(out, outlen, "%s", sq_col_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sq_fail(s, rc, sql, err);
	return 0;
}

static void sq_deinit(void *state)
{
	struct sq_state *s = state;
	if (!s)
		return;
	for (int i = 0; i < SQ_N_STMTS; i++)
		sqlite3_finalize(s->stmts[i]);
	for (size_t i = 0; i < s->n_ad_hoc; i++)
		sqlite3_finalize(s->ad_hoc[i].st);
	if (s->db)
		sqlite3_close_v2(s->db);
	/* closed only after SQLite's own handles: closing a descriptor drops
	 * the process's fcntl locks on the file */
	if (s->open_fd >= 0)
		close(s->open_fd);
	free(s->path);
	free(s);
}

static int sq_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	struct sq_state *s = calloc(1, sizeof(*s));
	if (!s)
		return core->error_set(err, MR_ENOMEM, "out of memory");
	s->core = core;
	s->log = ctx->log;
	s->open_fd = -1;
	const struct sqlite_conf *conf = ctx->conf;
	const char *path = conf->path;
	if (!path || !*path) {
		free(s);
		return core->error_set(err, MR_ECONFIG, "[%s] path is empty", core->cfg_name(ctx->cfg));
	}
	if (!(s->path = strdup(path))) {
		free(s);
		return core->error_set(err, MR_ENOMEM, "out of memory");
	}
	int rc = make_parent(s, err);
	if (rc)
		goto fail;
	int existed = access(s->path, F_OK) == 0;
	/* Processes opening one new file at once take turns until the schema
	 * is set up: switching a fresh file to WAL while another process
	 * creates the schema can show it a torn schema under load. */
	s->open_fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->open_fd < 0) {
		rc = core->error_set(err, MR_ECONFIG, "cannot open the SQLite database %s: %s",
				     s->path, strerror(errno));
		goto fail;
	}
	while (flock(s->open_fd, LOCK_EX) != 0 && errno == EINTR)
		;
	int src = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				  NULL);
	if (src != SQLITE_OK) {
		rc = core->error_set(err, MR_ECONFIG, "cannot open the SQLite database %s: %s",
				     s->path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(src));
		goto fail;
	}
	if (!existed)
		chmod(s->path, 0600); /* it holds password hashes and mail */
	sqlite3_extended_result_codes(s->db, 1);
	long long busy = conf->busy_timeout;
	sqlite3_busy_timeout(s->db, busy * 1000 > INT_MAX ? INT_MAX : (int)(busy * 1000));
	char mode[32];
	if ((rc = pragma(s, "PRAGMA journal_mode = WAL", mode, sizeof(mode), err)) != 0)
		goto fail;
	if (strcmp(mode, "wal") != 0)
		core->log(s->log, MR_LOG_WARNING, "%s: journal mode is '%s', not WAL", s->path, mode);
	const char *sync = conf->synchronous;
	if ((rc = pragma(s, sync && strcmp(sync, "full") == 0 ? "PRAGMA synchronous = FULL"
							       : "PRAGMA synchronous = NORMAL",
			 NULL, 0, err)) != 0)
		goto fail;
	if ((rc = pragma(s, "PRAGMA foreign_keys = ON", NULL, 0, err)) != 0)
		goto fail;
	if ((rc = sq_migrate(s, err)) != 0)
		goto fail;
	flock(s->open_fd, LOCK_UN);
	*state_r = s;
	return 0;
fail:
	sq_deinit(s);
	return rc;
}

/* Runs BEGIN IMMEDIATE, COMMIT or ROLLBACK. */
static int tx_control(struct sq_state *s, enum sq_stmt_id id, const char *what,
		      struct mr_error *err)
{
	struct sq_use u;
	int rc = sq_acquire(s, id, &u, err);
	if (rc)
		return rc;
	rc = sq_run(s, &u, what, err);
	sq_release(&u);
	return rc;
}

static int sq_begin(void *state, struct mr_error *err)
{
	struct sq_state *s = state;
	if (s->in_tx)
		return s->core->error_set(err, MR_EINTERNAL, "begin: a transaction on %s is already "
					  "open (transactions do not nest)", s->path);
	int rc = tx_control(s, SQ_BEGIN, "begin", err);
	if (rc == 0)
		s->in_tx = 1;
	return rc;
}

static int sq_commit(void *state, struct mr_error *err)
{
	struct sq_state *s = state;
	if (!s->in_tx)
		return s->core->error_set(err, MR_EINTERNAL, "commit: no transaction on %s is open",
					  s->path);
	int rc = tx_control(s, SQ_COMMIT, "commit", err);
	/* on failure the transaction stays open for rollback(), unless SQLite
	 * already rolled it back */
	if (rc == 0 || sqlite3_get_autocommit(s->db))
		s->in_tx = 0;
	return rc;
}

static void sq_rollback(void *state)
{
	struct sq_state *s = state;
	struct mr_error e = { 0 };
	if (!sqlite3_get_autocommit(s->db) && tx_control(s, SQ_ROLLBACK, "rollback", &e) != 0)
		s->core->log(s->log, MR_LOG_ERR, "%s", e.msg);
	s->in_tx = 0;
}

static int sq_schema_version(void *state, int *version_r, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rc = sq_acquire(s, SQ_SCHEMA_VERSION, &u, err);
	if (rc)
		return rc;
	int src = sqlite3_step(u.st);
	if (src == SQLITE_ROW)
		*version_r = sqlite3_column_int(u.st, 0);
	else
		rc = sq_fail(s, src, "reading the schema version", err);
	sq_release(&u);
	return rc;
}

static const struct mr_store_spool_ops sqlite_spool_ops = {
	.size = sizeof(struct mr_store_spool_ops),
	.spool_add = sql_spool_add,
	.spool_list = sql_spool_list,
	.spool_get = sql_spool_get,
	.spool_purge = sql_spool_purge,
};

static const struct mr_store_contacts_ops sqlite_contacts_ops = {
	.size = sizeof(struct mr_store_contacts_ops),
	.contact_upsert = sq_contact_upsert,
	.contact_find = sql_contact_find,
	.contact_list = sql_contact_list,
	.contact_set_flag = sql_contact_set_flag,
	.group_add = sql_group_add,
	.group_list = sql_group_list,
	.group_member = sq_group_member,
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

static const struct mr_store_queue_ops sqlite_queue_ops = {
	.size = sizeof(struct mr_store_queue_ops),
	.mailing_create = sql_mailing_create,
	.mailing_get = sql_mailing_get,
	.mailing_list = sql_mailing_list,
	.mailing_set_status = sql_mailing_set_status,
	.mailing_due = sql_mailing_due,
	.queue_build = sql_queue_build,
	.queue_recover = sql_queue_recover,
	.queue_claim = sq_queue_claim,
	.queue_mark = sq_queue_mark,
	.queue_unstarted = sq_queue_unstarted,
	.queue_outcome = sq_queue_outcome,
	.mailing_finish = sq_mailing_finish,
	.mailing_stats = sq_mailing_stats,
	.mailing_update = sql_mailing_update,
	.mailing_delete = sql_mailing_delete,
	.mailing_tests = sql_mailing_tests,
	.mailing_setting_set = sql_mailing_setting_set,
	.mailing_settings = sql_mailing_settings,
	.template_put = sql_template_put,
	.template_get = sql_template_get,
	.template_delete = sql_template_delete,
};

static const struct mr_store_bounce_ops sqlite_bounce_ops = {
	.size = sizeof(struct mr_store_bounce_ops),
	.bounce_target = sql_bounce_target,
	.bounce_add = sql_bounce_add,
	.verp_action = sql_verp_action,
	.holds_reset = sql_holds_reset,
	.bounce_stats = sql_bounce_stats,
	.auto_reply_due = sql_auto_reply_due,
};

static const struct mr_store_activity_ops sqlite_activity_ops = {
	.size = sizeof(struct mr_store_activity_ops),
	.activity_contact = sql_activity_contact,
	.activity_add = sql_activity_add,
	.activity_list = sql_activity_list,
	.activity_get = sql_activity_get,
	.activity_attachment = sql_activity_attachment,
};

static const struct mr_store_tracking_ops sqlite_tracking_ops = {
	.size = sizeof(struct mr_store_tracking_ops),
	.track_set = sql_track_set,
	.track_get = sql_track_get,
	.track_record = sql_track_record,
	.track_stats = sql_track_stats,
	.track_events = sql_track_events,
};

static const struct mr_store_ops sqlite_ops = {
	.size = sizeof(struct mr_store_ops),
	.init = sq_init,
	.deinit = sq_deinit,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.schema_version = sq_schema_version,
	.job_run_start = sql_job_run_start,
	.job_run_end = sql_job_run_end,
	.job_run_list = sql_job_run_list,
	.job_run_purge = sql_job_run_purge,
	.msg_seen = sql_msg_seen,
	.msg_mark = sql_msg_mark,
	.msg_purge = sql_msg_purge,
	.msg_outcome = sql_msg_outcome,
	.user_put = sql_user_put,
	.user_get = sql_user_get,
	.user_list = sql_user_list,
	.user_delete = sql_user_delete,
	.spool = &sqlite_spool_ops,
	.contacts = &sqlite_contacts_ops,
	.queue = &sqlite_queue_ops,
	.bounce = &sqlite_bounce_ops,
	.activity = &sqlite_activity_ops,
	.tracking = &sqlite_tracking_ops,
	.copy = &sq_copy_ops,
};

MR_PLUGIN_DEFINE(MR_KIND_STORE, "sqlite", PACKAGE_VERSION,
		 "The embedded store: one SQLite file in WAL mode, with versioned migrations.",
		 sqlite_keys, sizeof(struct sqlite_conf), &sqlite_ops);
