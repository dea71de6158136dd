/* SPDX-License-Identifier: MIT */
/* The MariaDB store's recipient queue: leased in batches (owner and expiry), outcomes with backoff, completion and statistics (built and recovered by plugins/sqlstore/queue-build.c). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "db.h"

void md_owner_key(const char *owner, char key[MD_OWNER_MAX + 1])
{
	size_t n = strlen(owner);
	int plain = n > 0 && n <= MD_OWNER_MAX;
	for (size_t i = 0; plain && i < n; i++)
		plain = owner[i] >= '!' && owner[i] <= '~';
	if (plain) {
		memcpy(key, owner, n + 1);
		return;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	key[0] = '~';
	key[1] = '\0';
	if (EVP_Digest(owner, n, md, &len, EVP_sha256(), NULL) != 1)
		return; /* "~" alone: no row holds it, so nothing is found */
	/* the first MD_OWNER_MAX - 1 hex digits (SQL: LEFT(SHA2(owner, 256), 63)) */
	static const char hex[] = "0123456789abcdef";
	unsigned int d = 0;
	for (; d + 1 < MD_OWNER_MAX && d / 2 < len; d++)
		key[1 + d] = hex[d % 2 ? md[d / 2] & 15 : md[d / 2] >> 4];
	key[1 + d] = '\0';
}

/* Queue ids being collected. */
struct id_list {
	int64_t *v;
	size_t n, cap;
};

static int ids_add(struct md_state *s, struct id_list *l, int64_t id, struct mr_error *err)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 512;
		int64_t *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return s->core->error_set(err, MR_ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return 0;
}

/* n ids as a JSON array (malloc'ed; NULL when out of memory). */
static char *ids_json(const int64_t *v, size_t n)
{
	char *json = malloc(n * 21 + 3); /* at most 20 characters an id */
	if (!json)
		return NULL;
	size_t len = 0;
	json[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(json + len, "%s%lld", i ? "," : "", (long long)v[i]);
	json[len++] = ']';
	json[len] = '\0';
	return json;
}

/* One pick: the ids of up to max due retries and queued rows of a mailing,
 * locked with FOR UPDATE SKIP LOCKED so that workers never wait on each
 * other's rows, from the front of the queue or on from *at (on != 0), into
 * ids (emptied first); *at gets the last queued row's place. */
static int pick(struct md_state *s, int on, int64_t mid, int64_t now, int64_t max,
		struct md_pick_at *at, struct id_list *ids, struct mr_error *err)
{
	struct md_use u;
	int rc = md_acquire(s, on ? MD_QUEUE_PICK_ON : MD_QUEUE_PICK, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, mid);
	md_bind_int64(u.st, 2, max);
	md_bind_int64(u.st, 3, now);
	if (on) {
		md_bind_int64(u.st, 4, at->key);
		md_bind_int64(u.st, 5, at->next_attempt);
		md_bind_int64(u.st, 6, at->id);
	}
	ids->n = 0;
	int src;
	while ((src = md_step(u.st)) == MD_ROW) {
		int64_t id = md_col_int64(u.st, 0), key = md_col_int64(u.st, 1);
		if ((rc = ids_add(s, ids, id, err)) != 0)
			break;
		if (key > 0) /* a queued row (retries have the job's id negated) */
			*at = (struct md_pick_at){ mid, key, md_col_int64(u.st, 2), id };
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "picking recipients to lease", err);
	md_release(&u);
	return rc;
}

/* Leases up to max due retries and queued rows of a mailing (the pick, then
 * the claim: the UPDATE of those ids); ids gets them.  The pick goes on from
 * where this connection's last one ended; only when that finds fewer than
 * max does it look from the front (rows given back to the queue, or skipped
 * while another worker held them). */
static int lease_due(struct md_state *s, int64_t mid, const char *owner, int64_t now,
		     int64_t until, int64_t max, struct id_list *ids, struct md_pick_at *at,
		     struct mr_error *err)
{
	int on = s->pick_at.mailing_id == mid;
	*at = s->pick_at;
	int rc = pick(s, on, mid, now, max, at, ids, err);
	if (rc == 0 && on && (int64_t)ids->n < max) {
		*at = (struct md_pick_at){ 0 };
		rc = pick(s, 0, mid, now, max, at, ids, err);
	}
	if (rc == 0 && ids->n > 0)
		rc = md_batch_lease(s, ids->v, ids->n, owner, until, err);
	return rc;
}

/* owner claimed the n ids v: its span grows to hold them (when the table
 * is full, the owner's mark reads its part of the queue index) */
static void span_add(struct md_state *s, const char *owner, const int64_t *v, size_t n)
{
	int64_t lo = v[0], hi = v[0];
	for (size_t i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	struct md_span *free_one = NULL;
	for (size_t i = 0; i < sizeof(s->spans) / sizeof(s->spans[0]); i++) {
		struct md_span *sp = &s->spans[i];
		if (!strcmp(sp->owner, owner)) {
			sp->lo = lo < sp->lo ? lo : sp->lo;
			sp->hi = hi > sp->hi ? hi : sp->hi;
			sp->n += (int64_t)n;
			return;
		}
		if (!sp->owner[0] && !free_one)
			free_one = sp;
	}
	if (free_one) {
		snprintf(free_one->owner, sizeof(free_one->owner), "%s", owner);
		free_one->lo = lo;
		free_one->hi = hi;
		free_one->n = (int64_t)n;
	}
}

/* Leases up to max rows in one transaction and appends them to ids. */
static int lease_unit(struct md_state *s, int64_t mid, const char *owner, int64_t now,
		      int64_t until, int64_t max, struct id_list *ids, struct mr_error *err)
{
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	struct id_list got = { 0 };
	struct md_pick_at at;
	rc = lease_due(s, mid, owner, now, until, max, &got, &at, err);
	if ((rc = md_unit_end(s, rc, err)) == 0) {
		s->pick_at = at;
		for (size_t i = 0; i < got.n && rc == 0; i++)
			rc = ids_add(s, ids, got.v[i], err);
	}
	free(got.v);
	return rc;
}

int md_queue_claim(void *state, int64_t mailing_id, const char *owner, int64_t now,
		   int64_t lease_until, size_t max, mr_recipient_cb *cb, void *cookie,
		   struct mr_error *err)
{
	struct md_state *s = state;
	/* a queue built in parts: the next part before the rows run out */
	int64_t at = s->pick_at.mailing_id == mailing_id ? s->pick_at.id : 0;
	int rc = md_build_ahead(s, mailing_id, at, err);
	/* the listing reads the leased rows by their ids: the owner's rows still
	 * sending (answers not yet committed) are not read again */
	struct id_list ids = { 0 };
	int more = 1;
	/* each round after the first follows a part built (a build ends) */
	while (rc == 0 && more && ids.n < max) {
		rc = lease_unit(s, mailing_id, owner, now, lease_until, (int64_t)(max - ids.n),
				&ids, err);
		if (rc == 0 && ids.n < max)
			rc = md_build_more(s, mailing_id, &more, err);
	}
	if (rc || !ids.n) {
		free(ids.v);
		return rc;
	}
	span_add(s, owner, ids.v, ids.n);
	char *json = ids_json(ids.v, ids.n);
	free(ids.v);
	struct md_use u;
	if (!json)
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	if ((rc = md_acquire(s, MD_QUEUE_LEASED, &u, err)) != 0) {
		free(json);
		return rc;
	}
	md_bind_text(&u, 1, owner);
	md_bind_text(&u, 2, json);
	int src;
	while ((src = md_step(u.st)) == MD_ROW) {
		struct mr_recipient r = {
			.queue_id = md_col_int64(u.st, 0),
			.job_id = md_col_int64(u.st, 1),
			.mailing_id = mailing_id,
			.contact_id = md_col_int64(u.st, 2),
			.email = md_col_text(u.st, 3),
			.first_name = md_col_text(u.st, 4),
			.last_name = md_col_text(u.st, 5),
			.display_name = md_col_text(u.st, 6),
			.attempts = md_col_int(u.st, 7),
			.fields = md_col_text(u.st, 8),
		};
		if ((rc = cb(cookie, &r)) != 0)
			break;
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "reading leased recipients", err);
	md_release(&u);
	free(json);
	return rc;
}

/* Takes owner's span of claimed ids out of the table: 1 with it in *sp
 * when the mark should read it, i.e. when it is not much wider than the
 * rows it holds (a batch that took rows given back to the front of the
 * queue as well as new ones spans the queue between them). */
static int span_take(struct md_state *s, const char *owner, struct md_span *sp)
{
	for (size_t i = 0; i < sizeof(s->spans) / sizeof(s->spans[0]); i++)
		if (s->spans[i].owner[0] && !strcmp(s->spans[i].owner, owner)) {
			*sp = s->spans[i];
			s->spans[i].owner[0] = '\0';
			return sp->hi - sp->lo < 4 * sp->n + 1024;
		}
	return 0;
}

int md_queue_mark(void *state, const char *owner, int sending, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_span sp;
	int span = span_take(s, owner, &sp) && sending;
	struct md_use u;
	int rc = md_acquire(s, span ? MD_QUEUE_MARK_SPAN : sending ? MD_QUEUE_MARK_SENDING :
			    MD_QUEUE_MARK_BACK, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, owner);
	if (sending) /* the first try of a recipient is when it first goes to the transport */
		md_bind_int64(u.st, 2, s->core->now(s->core));
	if (span) {
		md_bind_int64(u.st, 3, sp.lo);
		md_bind_int64(u.st, 4, sp.hi);
	}
	rc = md_run(s, &u, sending ? "marking recipients as sending" : "giving leases back", err);
	md_release(&u);
	return rc;
}

int md_queue_unstarted(void *state, const char *owner, const int64_t *started, size_t n,
		       int64_t *requeued_r, struct mr_error *err)
{
	struct md_state *s = state;
	char *json = ids_json(started, n);
	if (!json)
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	struct md_use u;
	int64_t changed = 0;
	int rc = md_unit_begin(s, err);
	if (rc == 0) {
		if ((rc = md_acquire(s, MD_QUEUE_UNSTARTED, &u, err)) == 0) {
			md_bind_text(&u, 1, owner);
			md_bind_text(&u, 2, json);
			rc = md_run(s, &u, "requeueing rows that were never started", err);
			changed = rc ? 0 : md_changes(s);
			md_release(&u);
		}
		rc = md_unit_end(s, rc, err);
	}
	free(json);
	if (requeued_r)
		*requeued_r = rc ? 0 : changed;
	return rc;
}

static int one_outcome(struct md_state *s, const struct mr_queue_outcome *o, struct mr_error *err)
{
	enum md_stmt_id id;
	switch (o->result) {
	case MR_QUEUE_TEMPFAIL: id = MD_OUT_RETRY; break;
	case MR_QUEUE_BOUNCED: id = MD_OUT_BOUNCED; break;
	case MR_QUEUE_IN_DOUBT: id = MD_OUT_DOUBT; break;
	default:
		return s->core->error_set(err, MR_EINPUT, "unknown queue outcome %d", (int)o->result);
	}
	struct md_use u;
	int rc = md_acquire(s, id, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, o->queue_id);
	md_bind_int64(u.st, 2, o->when);
	if (o->code)
		md_bind_int64(u.st, 3, o->code);
	md_bind_text(&u, 4, o->enhanced && *o->enhanced ? o->enhanced : NULL);
	md_bind_text(&u, 5, o->text);
	int bounced = o->result == MR_QUEUE_BOUNCED;
	if (id == MD_OUT_RETRY) {
		md_bind_int64(u.st, 6, o->retry_for);
		md_bind_int64(u.st, 7, o->retry_base > 0 ? o->retry_base : 60);
		md_bind_int64(u.st, 8, o->retry_max > 0 ? o->retry_max : 6 * 3600);
		rc = md_run(s, &u, "recording a temporary failure", err);
		md_release(&u);
		if (rc == 0 && (rc = md_acquire(s, MD_OUT_STATE, &u, err)) == 0) {
			md_bind_int64(u.st, 1, o->queue_id);
			int src = md_step(u.st);
			if (src == MD_ROW)
				bounced = strcmp(md_col_text(u.st, 0), "bounced") == 0;
			else if (src != MD_DONE)
				rc = md_fail(s, src, "reading a recipient's state", err);
		}
	} else {
		rc = md_run(s, &u, "recording a recipient's outcome", err);
	}
	md_release(&u);
	if (rc || !bounced)
		return rc;
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

/* Sent rows (almost all of a batch) go in one statement (md-batch.c);
 * the rest one by one, all in one transaction. */
int md_queue_outcome(void *state, const struct mr_queue_outcome *o, size_t n,
		     struct mr_error *err)
{
	struct md_state *s = state;
	const struct mr_queue_outcome **sent = malloc((n ? n : 1) * sizeof(*sent));
	if (!sent)
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	size_t n_sent = 0;
	int rc = md_unit_begin(s, err);
	if (rc) {
		free(sent);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct mr_queue_outcome *oi = mr_queue_outcome_at(o, i);
		if (oi->result != MR_QUEUE_SENT)
			rc = one_outcome(s, oi, err);
		else
			sent[n_sent++] = oi;
	}
	if (rc == 0 && n_sent)
		rc = md_batch_sent(s, sent, n_sent, err);
	free(sent);
	return md_unit_end(s, rc, err);
}

int md_mailing_finish(void *state, int64_t mailing_id, int64_t now, int *complete_r,
		      struct mr_error *err)
{
	struct md_state *s = state;
	*complete_r = 0;
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	struct md_use u;
	int pending = 1;
	char status[32] = "";
	if ((rc = md_acquire(s, MD_MAILING_STATUS_GET, &u, err)) == 0) {
		md_bind_int64(u.st, 1, mailing_id);
		int src = md_step(u.st);
		if (src == MD_ROW)
			snprintf(status, sizeof(status), "%s", md_col_text(u.st, 0));
		else if (src == MD_DONE)
			rc = s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld in %s",
						(long long)mailing_id, s->where);
		else
			rc = md_fail(s, src, "reading a mailing's status", err);
		md_release(&u);
	}
	if (rc == 0 && strcmp(status, "running") == 0 &&
	    (rc = md_acquire(s, MD_MAILING_PENDING, &u, err)) == 0) {
		md_bind_int64(u.st, 1, mailing_id);
		int src = md_step(u.st);
		if (src == MD_DONE)
			pending = 0;
		else if (src != MD_ROW)
			rc = md_fail(s, src, "counting waiting recipients", err);
		md_release(&u);
		if (rc == 0 && !pending &&
		    (rc = sql_mailing_put_status(s, mailing_id, "complete", "complete", now, err)) == 0)
			*complete_r = 1;
	}
	if (rc == 0 && strcmp(status, "complete") == 0)
		*complete_r = 1;
	return md_unit_end(s, rc, err);
}

int md_mailing_stats(void *state, int64_t mailing_id, struct mr_mailing_stats *st,
		     struct mr_error *err)
{
	struct md_state *s = state;
	memset(st, 0, sizeof(*st));
	struct md_use u;
	int rc = md_acquire(s, MD_MAILING_STATUS_GET, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, mailing_id);
	int src = md_step(u.st);
	md_release(&u);
	if (src == MD_DONE)
		return s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld in %s",
					  (long long)mailing_id, s->where);
	if ((rc = md_acquire(s, MD_MAILING_STATS, &u, err)) != 0)
		return rc;
	md_bind_int64(u.st, 1, mailing_id);
	while ((src = md_step(u.st)) == MD_ROW) {
		const char *state_name = md_col_text(u.st, 0);
		int64_t n = md_col_int64(u.st, 1);
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
	if (src != MD_DONE)
		rc = md_fail(s, src, "counting a mailing's recipients", err);
	md_release(&u);
	if (rc || (rc = md_acquire(s, MD_MAILING_LATE_BOUNCES, &u, err)) != 0)
		return rc;
	md_bind_int64(u.st, 1, mailing_id);
	int64_t late = 0;
	if ((src = md_step(u.st)) == MD_ROW)
		late = md_col_int64(u.st, 0);
	else
		rc = md_fail(s, src, "counting late bounces", err);
	md_release(&u);
	st->delivered = st->sent - late;
	st->bounced += late;
	if (rc || (rc = md_acquire(s, MD_MAILING_BOUNCES, &u, err)) != 0)
		return rc;
	md_bind_int64(u.st, 1, mailing_id);
	while ((src = md_step(u.st)) == MD_ROW && st->n_types < MR_STATS_MAX_TYPES) {
		snprintf(st->by_type[st->n_types].name, sizeof(st->by_type[0].name), "%s",
			 md_col_text(u.st, 0));
		st->by_type[st->n_types++].count = md_col_int64(u.st, 1);
	}
	if (src != MD_DONE && src != MD_ROW)
		rc = md_fail(s, src, "counting bounces by type", err);
	md_release(&u);
	return rc;
}
