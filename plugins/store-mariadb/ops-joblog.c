/* SPDX-License-Identifier: MIT */
/* The MariaDB store's job log: one row per job run, and each job's last start, end and outcome in job_state. */
#include "config.h"
#include "store-mariadb.h"

int md_job_run_start(void *state, const char *job, int worker, int pid, int64_t started,
		     int64_t *run_id_r, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u = { 0 };
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	int64_t id = 0;
	if ((rc = md_acquire(s, MD_JOB_LOG_ADD, &u, err)) == 0) {
		md_bind_text(&u, 1, job);
		md_bind_int64(u.st, 2, worker);
		md_bind_int64(u.st, 3, pid);
		md_bind_int64(u.st, 4, started);
		rc = md_run(s, &u, "logging a job start", err);
		id = md_last_id(s);
		md_release(&u);
	}
	if (rc == 0 && (rc = md_acquire(s, MD_JOB_HOST_ADD, &u, err)) == 0) {
		md_bind_int64(u.st, 1, id);
		md_bind_text(&u, 2, md_host_name());
		rc = md_run(s, &u, "recording a job run's host", err);
		md_release(&u);
	}
	if (rc == 0 && (rc = md_acquire(s, MD_JOB_STATE_START, &u, err)) == 0) {
		md_bind_text(&u, 1, job);
		md_bind_int64(u.st, 2, started);
		rc = md_run(s, &u, "recording a job start", err);
		md_release(&u);
	}
	rc = md_unit_end(s, rc, err);
	if (rc == 0 && run_id_r)
		*run_id_r = id;
	return rc;
}

int md_job_run_end(void *state, int64_t run_id, int64_t ended, enum mr_job_outcome outcome,
		   const char *message, const char *data, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u = { 0 };
	char job[256] = "";
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = md_acquire(s, MD_JOB_LOG_JOB, &u, err)) == 0) {
		md_bind_int64(u.st, 1, run_id);
		int src = md_step(u.st);
		if (src == MD_ROW)
			snprintf(job, sizeof(job), "%s", md_col_text(u.st, 0));
		else if (src == MD_DONE)
			rc = s->core->error_set(err, MR_ENOTFOUND, "no job run with id %lld in %s",
						(long long)run_id, s->where);
		else
			rc = md_fail(s, src, "finding a job run", err);
		md_release(&u);
	}
	if (rc == 0 && (rc = md_acquire(s, MD_JOB_LOG_END, &u, err)) == 0) {
		md_bind_int64(u.st, 1, run_id);
		md_bind_int64(u.st, 2, ended);
		md_bind_int64(u.st, 3, (int)outcome);
		md_bind_text(&u, 4, message ? message : "");
		md_bind_text(&u, 5, data ? data : "");
		rc = md_run(s, &u, "logging a job end", err);
		md_release(&u);
	}
	if (rc == 0 && (rc = md_acquire(s, MD_JOB_STATE_END, &u, err)) == 0) {
		md_bind_text(&u, 1, job);
		md_bind_int64(u.st, 2, ended);
		md_bind_int64(u.st, 3, (int)outcome);
		rc = md_run(s, &u, "recording a job end", err);
		md_release(&u);
	}
	return md_unit_end(s, rc, err);
}

int md_job_run_list(void *state, const char *job, int64_t limit, mr_job_run_cb *cb,
		    void *cookie, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, job ? MD_JOB_LOG_LIST_JOB : MD_JOB_LOG_LIST_ALL, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, limit > 0 ? limit : INT64_MAX);
	if (job)
		md_bind_text(&u, 2, job);
	int src;
	while ((src = md_step(u.st)) == MD_ROW) {
		struct mr_job_run r = {
			.id = md_col_int64(u.st, 0),
			.job = md_col_text(u.st, 1),
			.worker = md_col_int(u.st, 2),
			.pid = md_col_int(u.st, 3),
			.started = md_col_int64(u.st, 4),
			.ended = md_col_int64(u.st, 5),
			.outcome = (enum mr_job_outcome)md_col_int(u.st, 6),
			.message = md_col_text(u.st, 7),
			.data = md_col_text(u.st, 8),
			.host = md_col_null(u.st, 9) ? NULL : md_col_text(u.st, 9),
		};
		if ((rc = cb(cookie, &r)) != 0)
			break;
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "reading the job log", err);
	md_release(&u);
	return rc;
}

int md_job_run_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	return md_purge(state, MD_JOB_LOG_PURGE, before, count_r, "purging the job log", err);
}
