/* SPDX-License-Identifier: MIT */
/* The SQL stores' job log: one row per job run with the host it ran on, and each job's last start, end and outcome in job_state. */
#include "config.h"
#include <mailroom/host.h>
#include "db.h"

int sql_job_run_start(void *state, const char *job, int worker, int pid, int64_t started,
		     int64_t *run_id_r, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u = { 0 };
	static char host[256];
	if (!host[0])
		mr_host_name_fill(host, sizeof(host));
	int rc = db_hosts_ready(s, err);
	if (rc == 0)
		rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	int64_t id = 0;
	if ((rc = db_acquire(s, DB(JOB_LOG_ADD), &u, err)) == 0) {
		db_bind_text(&u, 1, job);
		db_bind_int64(u.st, 2, worker);
		db_bind_int64(u.st, 3, pid);
		db_bind_int64(u.st, 4, started);
		rc = db_run(s, &u, "logging a job start", err);
		id = db_last_id(s);
		db_release(&u);
	}
	if (rc == 0 && (rc = db_acquire(s, DB(JOB_HOST_ADD), &u, err)) == 0) {
		db_bind_int64(u.st, 1, id);
		db_bind_text(&u, 2, host);
		rc = db_run(s, &u, "recording a job run's host", err);
		db_release(&u);
	}
	if (rc == 0 && (rc = db_acquire(s, DB(JOB_STATE_START), &u, err)) == 0) {
		db_bind_text(&u, 1, job);
		db_bind_int64(u.st, 2, started);
		rc = db_run(s, &u, "recording a job start", err);
		db_release(&u);
	}
	rc = db_unit_end(s, rc, err);
	if (rc == 0 && run_id_r)
		*run_id_r = id;
	return rc;
}

int sql_job_run_end(void *state, int64_t run_id, int64_t ended, enum mr_job_outcome outcome,
		   const char *message, const char *data, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u = { 0 };
	char job[256] = "";
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = db_acquire(s, DB(JOB_LOG_JOB), &u, err)) == 0) {
		db_bind_int64(u.st, 1, run_id);
		int src = db_step(u.st);
		if (src == DB_ROW)
			snprintf(job, sizeof(job), "%s", db_col_text(u.st, 0));
		else if (src == DB_DONE)
			rc = s->core->error_set(err, MR_ENOTFOUND, "no job run with id %lld in %s",
						(long long)run_id, db_where(s));
		else
			rc = db_fail(s, src, "finding a job run", err);
		db_release(&u);
	}
	if (rc == 0 && (rc = db_acquire(s, DB(JOB_LOG_END), &u, err)) == 0) {
		db_bind_int64(u.st, 1, run_id);
		db_bind_int64(u.st, 2, ended);
		db_bind_int64(u.st, 3, (int)outcome);
		db_bind_text(&u, 4, message ? message : "");
		db_bind_text(&u, 5, data ? data : "");
		rc = db_run(s, &u, "logging a job end", err);
		db_release(&u);
	}
	if (rc == 0 && (rc = db_acquire(s, DB(JOB_STATE_END), &u, err)) == 0) {
		db_bind_text(&u, 1, job);
		db_bind_int64(u.st, 2, ended);
		db_bind_int64(u.st, 3, (int)outcome);
		rc = db_run(s, &u, "recording a job end", err);
		db_release(&u);
	}
	return db_unit_end(s, rc, err);
}

int sql_job_run_list(void *state, const char *job, int64_t limit, mr_job_run_cb *cb,
		    void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_hosts_ready(s, err);
	if (rc == 0)
		rc = db_acquire(s, job ? DB(JOB_LOG_LIST_JOB) : DB(JOB_LOG_LIST_ALL), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, limit > 0 ? limit : INT64_MAX);
	if (job)
		db_bind_text(&u, 2, job);
	int src;
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_job_run r = {
			.id = db_col_int64(u.st, 0),
			.job = db_col_text(u.st, 1),
			.worker = db_col_int(u.st, 2),
			.pid = db_col_int(u.st, 3),
			.started = db_col_int64(u.st, 4),
			.ended = db_col_int64(u.st, 5),
			.outcome = (enum mr_job_outcome)db_col_int(u.st, 6),
			.message = db_col_text(u.st, 7),
			.data = db_col_text(u.st, 8),
			.host = db_col_null(u.st, 9) ? NULL : db_col_text(u.st, 9),
		};
		if ((rc = cb(cookie, &r)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "reading the job log", err);
	db_release(&u);
	return rc;
}

int sql_job_run_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	return db_purge(state, DB(JOB_LOG_PURGE), before, count_r, "purging the job log", err);
}
