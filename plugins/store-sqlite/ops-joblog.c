/* SPDX-License-Identifier: MIT */
/* The SQLite store's job log: one row per job run with the host it ran on, and each job's last start, end and outcome in job_state. */
#include "config.h"
#include <mailroom/host.h>
#include "store-sqlite.h"

/* The host of each run, as store-mariadb keeps it: made on first use outside
 * the versioned schema (a store made before it gains it), so that a site
 * copied between the stores keeps its runs' hosts. */
static const char hosts_sql[] =
	"CREATE TABLE IF NOT EXISTS mr_job_host (\n"
	"  run_id INTEGER PRIMARY KEY REFERENCES job_log(id) ON DELETE CASCADE,\n"
	"  host TEXT NOT NULL);\n";

int sq_hosts_ready(struct sq_state *s, struct mr_error *err)
{
	if (s->hosts_ready)
		return 0;
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, hosts_sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int st = s->core->error_set(err, MR_ETEMP, "creating the job hosts table in %s: %s",
					    s->path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return st;
	}
	s->hosts_ready = 1;
	return 0;
}

int sq_job_run_start(void *state, const char *job, int worker, int pid, int64_t started,
		     int64_t *run_id_r, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u = { 0 };
	static char host[256];
	if (!host[0])
		mr_host_name_fill(host, sizeof(host));
	int rc = sq_hosts_ready(s, err);
	if (rc == 0)
		rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	int64_t id = 0;
	if ((rc = sq_acquire(s, SQ_JOB_LOG_ADD, &u, err)) == 0) {
		sq_bind_text(&u, 1, job);
		sqlite3_bind_int(u.st, 2, worker);
		sqlite3_bind_int(u.st, 3, pid);
		sqlite3_bind_int64(u.st, 4, started);
		rc = sq_run(s, &u, "logging a job start", err);
		id = sqlite3_last_insert_rowid(s->db);
		sq_release(&u);
	}
	if (rc == 0 && (rc = sq_acquire(s, SQ_JOB_HOST_ADD, &u, err)) == 0) {
		sqlite3_bind_int64(u.st, 1, id);
		sq_bind_text(&u, 2, host);
		rc = sq_run(s, &u, "recording a job run's host", err);
		sq_release(&u);
	}
	if (rc == 0 && (rc = sq_acquire(s, SQ_JOB_STATE_START, &u, err)) == 0) {
		sq_bind_text(&u, 1, job);
		sqlite3_bind_int64(u.st, 2, started);
		rc = sq_run(s, &u, "recording a job start", err);
		sq_release(&u);
	}
	rc = sq_unit_end(s, rc, err);
	if (rc == 0 && run_id_r)
		*run_id_r = id;
	return rc;
}

int sq_job_run_end(void *state, int64_t run_id, int64_t ended, enum mr_job_outcome outcome,
		   const char *message, const char *data, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u = { 0 };
	char job[256] = "";
	int rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = sq_acquire(s, SQ_JOB_LOG_JOB, &u, err)) == 0) {
		sqlite3_bind_int64(u.st, 1, run_id);
		int src = sqlite3_step(u.st);
		if (src == SQLITE_ROW)
			snprintf(job, sizeof(job), "%s", sq_col_text(u.st, 0));
		else if (src == SQLITE_DONE)
			rc = s->core->error_set(err, MR_ENOTFOUND, "no job run with id %lld in %s",
						(long long)run_id, s->path);
		else
			rc = sq_fail(s, src, "finding a job run", err);
		sq_release(&u);
	}
	if (rc == 0 && (rc = sq_acquire(s, SQ_JOB_LOG_END, &u, err)) == 0) {
		sqlite3_bind_int64(u.st, 1, run_id);
		sqlite3_bind_int64(u.st, 2, ended);
		sqlite3_bind_int(u.st, 3, (int)outcome);
		sq_bind_text(&u, 4, message ? message : "");
		sq_bind_text(&u, 5, data ? data : "");
		rc = sq_run(s, &u, "logging a job end", err);
		sq_release(&u);
	}
	if (rc == 0 && (rc = sq_acquire(s, SQ_JOB_STATE_END, &u, err)) == 0) {
		sq_bind_text(&u, 1, job);
		sqlite3_bind_int64(u.st, 2, ended);
		sqlite3_bind_int(u.st, 3, (int)outcome);
		rc = sq_run(s, &u, "recording a job end", err);
		sq_release(&u);
	}
	return sq_unit_end(s, rc, err);
}

int sq_job_run_list(void *state, const char *job, int64_t limit, mr_job_run_cb *cb,
		    void *cookie, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rc = sq_hosts_ready(s, err);
	if (rc == 0)
		rc = sq_acquire(s, job ? SQ_JOB_LOG_LIST_JOB : SQ_JOB_LOG_LIST_ALL, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, limit > 0 ? limit : -1);
	if (job)
		sq_bind_text(&u, 2, job);
	int src;
	while ((src = sqlite3_step(u.st)) == SQLITE_ROW) {
		struct mr_job_run r = {
			.id = sqlite3_column_int64(u.st, 0),
			.job = sq_col_text(u.st, 1),
			.worker = sqlite3_column_int(u.st, 2),
			.pid = sqlite3_column_int(u.st, 3),
			.started = sqlite3_column_int64(u.st, 4),
			.ended = sqlite3_column_int64(u.st, 5),
			.outcome = (enum mr_job_outcome)sqlite3_column_int(u.st, 6),
			.message = sq_col_text(u.st, 7),
			.data = sq_col_text(u.st, 8),
			.host = sqlite3_column_type(u.st, 9) == SQLITE_NULL ? NULL :
				sq_col_text(u.st, 9),
		};
		if ((rc = cb(cookie, &r)) != 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = sq_fail(s, src, "reading the job log", err);
	sq_release(&u);
	return rc;
}

int sq_job_run_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	return sq_purge(state, SQ_JOB_LOG_PURGE, before, count_r, "purging the job log", err);
}
