/* SPDX-License-Identifier: MIT */
/* The SQLite store's recipient queue: leased in batches (owner and expiry), outcomes with backoff, completion and statistics (built and recovered by plugins/sqlstore/queue-build.c). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"

static int claim_some(struct sq_state *s, enum sq_stmt_id id, int64_t mid, const char *owner,
		      int64_t now, int64_t until, int64_t max, int64_t *got_r, struct mr_error *err)
{
	struct sq_use u;
	int rc = sq_acquire(s, id, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, mid);
	sq_bind_text(&u, 2, owner);
	sqlite3_bind_int64(u.st, 3, now);
	sqlite3_bind_int64(u.st, 4, until);
	sqlite3_bind_int64(u.st, 5, max);
	rc = sq_run(s, &u, "leasing recipients", err);
	*got_r = rc ? 0 : sqlite3_changes(s->db);
	sq_release(&u);
	return rc;
}

int sq_queue_claim(void *state, int64_t mailing_id, const char *owner, int64_t now,
		   int64_t lease_until, size_t max, mr_recipient_cb *cb, void *cookie,
		   struct mr_error *err)
{
	struct sq_state *s = state;
	if (!owner || !*owner)
		return s->core->error_set(err, MR_EINPUT, "a lease needs an owner");
	int64_t got = 0, more = 0;
	int rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	rc = claim_some(s, SQ_QUEUE_CLAIM_RETRY, mailing_id, owner, now, lease_until,
			(int64_t)max, &got, err);
	if (rc == 0 && got < (int64_t)max)
		rc = claim_some(s, SQ_QUEUE_CLAIM_QUEUED, mailing_id, owner, now, lease_until,
				(int64_t)max - got, &more, err);
	if ((rc = sq_unit_end(s, rc, err)) != 0)
		return rc;
	struct sq_use u;
	if ((rc = sq_acquire(s, SQ_QUEUE_LEASED, &u, err)) != 0)
		return rc;
	sq_bind_text(&u, 1, owner);
	int src;
	while ((src = sqlite3_step(u.st)) == SQLITE_ROW) {
		struct mr_recipient r = {
			.queue_id = sqlite3_column_int64(u.st, 0),
			.job_id = sqlite3_column_int64(u.st, 1),
			.mailing_id = mailing_id,
			.contact_id = sqlite3_column_int64(u.st, 2),
			.email = sq_col_text(u.st, 3),
			.first_name = sq_col_text(u.st, 4),
			.last_name = sq_col_text(u.st, 5),
			.display_name = sq_col_text(u.st, 6),
			.attempts = sqlite3_column_int(u.st, 7),
			.fields = sq_col_text(u.st, 8),
		};
		if ((rc = cb(cookie, &r)) != 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = sq_fail(s, src, "reading leased recipients", err);
	sq_release(&u);
	return rc;
}

int sq_queue_mark(void *state, const char *owner, int sending, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rc = sq_acquire(s, sending ? SQ_QUEUE_MARK_SENDING : SQ_QUEUE_MARK_BACK, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, owner);
	if (sending) /* the first try of a recipient is when it first goes to the transport */
		sqlite3_bind_int64(u.st, 2, s->core->now(s->core));
	rc = sq_run(s, &u, sending ? "marking recipients as sending" : "giving leases back", err);
	sq_release(&u);
	return rc;
}

int sq_queue_unstarted(void *state, const char *owner, const int64_t *started, size_t n,
		       int64_t *requeued_r, struct mr_error *err)
{
	struct sq_state *s = state;
	if (!owner || !*owner)
		return s->core->error_set(err, MR_EINPUT, "a lease needs an owner");
	/* the started ids as a JSON array: at most 20 characters each */
	char *json = malloc(n * 21 + 3);
	if (!json)
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	size_t len = 0;
	json[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(json + len, "%s%lld", i ? "," : "", (long long)started[i]);
	json[len++] = ']';
	json[len] = '\0';
	struct sq_use u;
	int64_t changed = 0;
	int rc = sq_unit_begin(s, err);
	if (rc == 0) {
		if ((rc = sq_acquire(s, SQ_QUEUE_UNSTARTED, &u, err)) == 0) {
			sq_bind_text(&u, 1, owner);
			sq_bind_text(&u, 2, json);
			rc = sq_run(s, &u, "requeueing rows that were never started", err);
			changed = rc ? 0 : sqlite3_changes(s->db);
			sq_release(&u);
		}
		rc = sq_unit_end(s, rc, err);
	}
	free(json);
	if (requeued_r)
		*requeued_r = rc ? 0 : changed;
	return rc;
}

static int one_outcome(struct sq_state *s, const struct mr_queue_outcome *o, struct mr_error *err)
{
	enum sq_stmt_id id;
	switch (o->result) {
	case MR_QUEUE_SENT: id = SQ_OUT_SENT; break;
	case MR_QUEUE_TEMPFAIL: id = SQ_OUT_RETRY; break;
	case MR_QUEUE_BOUNCED: id = SQ_OUT_BOUNCED; break;
	case MR_QUEUE_IN_DOUBT: id = SQ_OUT_DOUBT; break;
	default:
		return s->core->error_set(err, MR_EINPUT, "unknown queue outcome %d", (int)o->result);
	}
	struct sq_use u;
	int rc = sq_acquire(s, id, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, o->queue_id);
	sqlite3_bind_int64(u.st, 2, o->when);
	if (o->code)
		sqlite3_bind_int(u.st, 3, o->code);
	sq_bind_text(&u, 4, o->enhanced && *o->enhanced ? o->enhanced : NULL);
	sq_bind_text(&u, 5, o->text);
	int bounced = o->result == MR_QUEUE_BOUNCED;
	if (id == SQ_OUT_RETRY) {
		sqlite3_bind_int64(u.st, 6, o->retry_for);
		sqlite3_bind_int64(u.st, 7, o->retry_base > 0 ? o->retry_base : 60);
		sqlite3_bind_int64(u.st, 8, o->retry_max > 0 ? o->retry_max : 6 * 3600);
		int src = sqlite3_step(u.st);
		if (src == SQLITE_ROW)
			bounced = strcmp(sq_col_text(u.st, 0), "bounced") == 0;
		else if (src != SQLITE_DONE)
			rc = sq_fail(s, src, "recording a temporary failure", err);
	} else {
		rc = sq_run(s, &u, "recording a recipient's outcome", err);
	}
	sq_release(&u);
	if (rc)
		return rc;
	if (!bounced) /* a delivery is its row's sent_at: no event of its own */
		return 0;
	/* a refusal at send time (or a temporary failure past retry_for)
	 * counts towards the email's hold exactly like a DSN */
	const char *status = o->status && *o->status ? o->status : o->enhanced;
	struct mr_bounce_event ev = {
		.queue_id = o->queue_id,
		.when = o->when,
		.type = o->bounce_type ? o->bounce_type : "Syntax",
		.reason = o->reason,
		.status = status && *status ? status : NULL,
		.text = o->text && *o->text ? o->text : NULL,
		.found_in = "send time",
		.threshold = o->threshold,
	};
	struct mr_bounce_added added;
	memset(&added, 0, sizeof(added));
	rc = sql_bounce_record(s, &ev, "smtp", &added, err);
	return rc;
}

int sq_queue_outcome(void *state, const struct mr_queue_outcome *o, size_t n,
		     struct mr_error *err)
{
	struct sq_state *s = state;
	int rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = one_outcome(s, mr_queue_outcome_at(o, i), err);
	return sq_unit_end(s, rc, err);
}

int sq_mailing_finish(void *state, int64_t mailing_id, int64_t now, int *complete_r,
		      struct mr_error *err)
{
	struct sq_state *s = state;
	*complete_r = 0;
	int rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	struct sq_use u;
	int pending = 1;
	char status[32] = "";
	if ((rc = sq_acquire(s, SQ_MAILING_STATUS_GET, &u, err)) == 0) {
		sqlite3_bind_int64(u.st, 1, mailing_id);
		int src = sqlite3_step(u.st);
		if (src == SQLITE_ROW)
			snprintf(status, sizeof(status), "%s", sq_col_text(u.st, 0));
		else if (src == SQLITE_DONE)
			rc = s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld in %s",
						(long long)mailing_id, s->path);
		else
			rc = sq_fail(s, src, "reading a mailing's status", err);
		sq_release(&u);
	}
	if (rc == 0 && strcmp(status, "running") == 0 &&
	    (rc = sq_acquire(s, SQ_MAILING_PENDING, &u, err)) == 0) {
		sqlite3_bind_int64(u.st, 1, mailing_id);
		int src = sqlite3_step(u.st);
		if (src == SQLITE_DONE)
			pending = 0;
		else if (src != SQLITE_ROW)
			rc = sq_fail(s, src, "counting waiting recipients", err);
		sq_release(&u);
		if (rc == 0 && !pending &&
		    (rc = sql_mailing_put_status(s, mailing_id, "complete", "complete", now, err)) == 0)
			*complete_r = 1;
	}
	if (rc == 0 && strcmp(status, "complete") == 0)
		*complete_r = 1;
	return sq_unit_end(s, rc, err);
}

int sq_mailing_stats(void *state, int64_t mailing_id, struct mr_mailing_stats *st,
		     struct mr_error *err)
{
	struct sq_state *s = state;
	memset(st, 0, sizeof(*st));
	struct sq_use u;
	int rc = sq_acquire(s, SQ_MAILING_STATUS_GET, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, mailing_id);
	int src = sqlite3_step(u.st);
	sq_release(&u);
	if (src == SQLITE_DONE)
		return s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld in %s",
					  (long long)mailing_id, s->path);
	if ((rc = sq_acquire(s, SQ_MAILING_STATS, &u, err)) != 0)
		return rc;
	sqlite3_bind_int64(u.st, 1, mailing_id);
	while ((src = sqlite3_step(u.st)) == SQLITE_ROW) {
		const char *state_name = sq_col_text(u.st, 0);
		int64_t n = sqlite3_column_int64(u.st, 1);
		st->total += n;
		if (!strcmp(state_name, "queued") || !strcmp(state_name, "leased"))
			st->queued += n;
		else if (!strcmp(state_name, "sending"))
			st->sending += n;
		else if (!strcmp(state_name, "sent"))
			st->sent += n;
		else if (!strcmp(state_name, "retry"))
			st->retrying += n;
		else if (!strcmp(state_name, "bounced"))
			st->bounced += n;
		else if (!strcmp(state_name, "in_doubt"))
			st->in_doubt += n;
		else if (!strcmp(state_name, "canceled"))
			st->canceled += n;
	}
	if (src != SQLITE_DONE)
		rc = sq_fail(s, src, "counting a mailing's recipients", err);
	sq_release(&u);
	if (rc || (rc = sq_acquire(s, SQ_MAILING_LATE_BOUNCES, &u, err)) != 0)
		return rc;
	sqlite3_bind_int64(u.st, 1, mailing_id);
	int64_t late = 0;
	if ((src = sqlite3_step(u.st)) == SQLITE_ROW)
		late = sqlite3_column_int64(u.st, 0);
	else
		rc = sq_fail(s, src, "counting late bounces", err);
	sq_release(&u);
	st->delivered = st->sent - late;
	st->bounced += late;
	if (rc || (rc = sq_acquire(s, SQ_MAILING_BOUNCES, &u, err)) != 0)
		return rc;
	sqlite3_bind_int64(u.st, 1, mailing_id);
	while ((src = sqlite3_step(u.st)) == SQLITE_ROW && st->n_types < MR_STATS_MAX_TYPES) {
		snprintf(st->by_type[st->n_types].name, sizeof(st->by_type[0].name), "%s",
			 sq_col_text(u.st, 0));
		st->by_type[st->n_types++].count = sqlite3_column_int64(u.st, 1);
	}
	if (src != SQLITE_DONE && src != SQLITE_ROW)
		rc = sq_fail(s, src, "counting bounces by type", err);
	sq_release(&u);
	return rc;
}
