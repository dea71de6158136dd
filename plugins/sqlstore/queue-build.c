/* SPDX-License-Identifier: MIT */
/* A mailing's recipient queue built once (split into child jobs of job_size rows; a store may fill it in parts, db_queue_fill the first) and the leases of dead or restarted workers recovered, for every SQL store. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "db.h"

/* Splits the parent's rows into children of job_size rows each. */
static int make_children(struct db_state *s, int64_t mid, int64_t parent, int64_t job_size,
			 int64_t now, struct mr_error *err)
{
	for (int guard = 0; guard < 10000000; guard++) {
		struct db_use u;
		int rc = db_acquire(s, DB(QUEUE_BOUNDARY), &u, err);
		if (rc)
			return rc;
		db_bind_int64(u.st, 1, parent);
		db_bind_int64(u.st, 2, job_size);
		int src = db_step(u.st);
		int64_t boundary = INT64_MAX;
		if (src == DB_ROW)
			boundary = db_col_int64(u.st, 0);
		else if (src != DB_DONE)
			rc = db_fail(s, src, "splitting a mailing into jobs", err);
		db_release(&u);
		if (rc)
			return rc;
		int64_t child = 0;
		if ((rc = sql_insert_child_job(s, mid, parent, now, &child, err)) != 0)
			return rc;
		if ((rc = db_acquire(s, DB(QUEUE_MOVE), &u, err)) != 0)
			return rc;
		db_bind_int64(u.st, 1, parent);
		db_bind_int64(u.st, 2, child);
		db_bind_int64(u.st, 3, boundary);
		rc = db_run(s, &u, "moving recipients to a child job", err);
		db_release(&u);
		if (rc || boundary == INT64_MAX)
			return rc;
	}
	return 0;
}

#ifndef DB_HAS_QUEUE_FILL
/* The whole queue of parent job job_id of mailing mid in one statement. */
static int db_queue_fill(struct db_state *s, int64_t job_id, int64_t mid, int64_t job_size,
			 int64_t *count_r, struct mr_error *err)
{
	(void)job_size;
	struct db_use u;
	int rc = db_acquire(s, DB(QUEUE_BUILD), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, job_id);
	db_bind_int64(u.st, 2, mid);
	rc = db_run(s, &u, "building a mailing's recipient queue", err);
	if (rc == 0)
		*count_r = db_changes(s);
	db_release(&u);
	return rc;
}
#endif

static int build(struct db_state *s, int64_t job_id, int64_t job_size, int64_t *count_r,
		 struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, DB_MJOB_FOR_BUILD, &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, job_id);
	int src = db_step(u.st);
	int64_t mid = 0;
	char status[32] = "", type[16] = "";
	if (src == DB_ROW) {
		mid = db_col_int64(u.st, 0);
		snprintf(status, sizeof(status), "%s", db_col_text(u.st, 1));
		snprintf(type, sizeof(type), "%s", db_col_text(u.st, 2));
	} else if (src == DB_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no mailing job %lld in %s",
					(long long)job_id, db_where(s));
	} else {
		rc = db_fail(s, src, "reading a mailing job", err);
	}
	db_release(&u);
	if (rc)
		return rc;
	*count_r = 0;
	if (strcmp(type, "parent") != 0)
		return s->core->error_set(err, MR_EINPUT, "mailing job %lld is a child job; the "
					  "queue is built for the parent", (long long)job_id);
	if (strcmp(status, "scheduled") != 0)
		return 0; /* built before (or paused/canceled before it started) */
	if ((rc = sql_smart_refresh_mailing(s, mid, err)) != 0 ||
	    (rc = db_queue_fill(s, job_id, mid, job_size, count_r, err)) != 0)
		return rc;
	int64_t now = s->core->now(s->core);
	rc = sql_mailing_put_status(s, mid, "running", "running", now, err);
	if (rc == 0 && job_size > 0 && *count_r > 0)
		rc = make_children(s, mid, job_id, job_size, now, err);
	return rc;
}

int sql_queue_build(void *state, int64_t job_id, int64_t job_size, int64_t *count_r,
		    struct mr_error *err)
{
	struct db_state *s = state;
	int64_t count = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	rc = build(s, job_id, job_size, &count, err);
	rc = db_unit_end(s, rc, err);
	if (count_r)
		*count_r = rc ? 0 : count;
	return rc;
}

static int recover(struct db_state *s, const char *owner, int64_t now, int resend,
		   int64_t *requeued_r, int64_t *in_doubt_r, struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, DB(QUEUE_RECOVER_LEASED), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, owner ? owner : "");
	db_bind_int64(u.st, 2, now);
	rc = db_run(s, &u, "returning expired leases", err);
	*requeued_r = rc ? 0 : db_changes(s);
	db_release(&u);
	if (rc || (rc = db_acquire(s, DB(QUEUE_RECOVER_SENDING), &u, err)) != 0)
		return rc;
	db_bind_text(&u, 1, owner ? owner : "");
	db_bind_int64(u.st, 2, now);
	db_bind_int64(u.st, 3, !!resend);
	rc = db_run(s, &u, "marking interrupted sends in doubt", err);
	int64_t n = rc ? 0 : db_changes(s);
	db_release(&u);
	if (resend) {
		*requeued_r += n;
		if (rc == 0 && (rc = db_acquire(s, DB(QUEUE_RESEND_DOUBT), &u, err)) == 0) {
			rc = db_run(s, &u, "requeueing recipients in doubt", err);
			*requeued_r += rc ? 0 : db_changes(s);
			db_release(&u);
		}
	} else {
		*in_doubt_r = n;
	}
	return rc;
}

int sql_queue_recover(void *state, const char *owner, int64_t now, int resend_in_doubt,
		      int64_t *requeued_r, int64_t *in_doubt_r, struct mr_error *err)
{
	struct db_state *s = state;
	int64_t rq = 0, dq = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	rc = recover(s, owner, now, resend_in_doubt, &rq, &dq, err);
	rc = db_unit_end(s, rc, err);
	if (requeued_r)
		*requeued_r = rc ? 0 : rq;
	if (in_doubt_r)
		*in_doubt_r = rc ? 0 : dq;
	return rc;
}
