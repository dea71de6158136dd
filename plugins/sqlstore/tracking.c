/* SPDX-License-Identifier: MIT */
/* Open and click tracking for every SQL store: what each mailing tracks, the hits mailroom serve records in batches, a mailing's opens and clicks by URL and its events over time (each store makes the two tables, db_track_ready). */
#include "config.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "db.h"

static const char exists_sql[] = "SELECT 1 FROM mailings WHERE id = ?1";
static const char set_sql[] =
	"INSERT INTO mailing_tracking (mailing_id, flags) VALUES (?1, ?2) "
	DB_UPSERT("mailing_id", "flags = " DB_NEW("flags"));
static const char get_sql[] = "SELECT flags FROM mailing_tracking WHERE mailing_id = ?1";
/* a hit counts only for a queue row of the job its token names */
static const char hit_sql[] =
	"INSERT INTO track_hits (queue_id, kind, link, url, hit_date) "
	"SELECT id, ?2, ?3, ?4, ?5 FROM mailing_recipients WHERE id = ?1 AND job_id = ?6";
static const char opens_sql[] =
	"SELECT count(*), count(DISTINCT h.queue_id) FROM track_hits h "
	"JOIN mailing_recipients r ON r.id = h.queue_id JOIN mailing_jobs j ON j.id = r.job_id "
	"WHERE j.mailing_id = ?1 AND h.kind = 1";
static const char clicks_sql[] =
	"SELECT h.url, count(*), count(DISTINCT h.queue_id) FROM track_hits h "
	"JOIN mailing_recipients r ON r.id = h.queue_id JOIN mailing_jobs j ON j.id = r.job_id "
	"WHERE j.mailing_id = ?1 AND h.kind = 2 GROUP BY h.url ORDER BY min(h.link), h.url";
/* ?2: the bucket in seconds (0: one bucket) */
static const char events_sql[] =
	"SELECT kind, start, count(*), count(DISTINCT queue_id) FROM ("
	" SELECT CASE WHEN e.event_type = 'opt-out' AND " DB_VIA_COMPLAINT("e.details")
	"  THEN 'complaint' ELSE e.event_type END AS kind,"
	"  coalesce(e.time - e.time % nullif(?2, 0), 0) AS start, e.queue_id AS queue_id"
	" FROM events e JOIN mailing_recipients r ON r.id = e.queue_id"
	" JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = ?1"
	" UNION ALL" /* a delivery is its row's sent_at */
	" SELECT 'delivered', coalesce(r.sent_at - r.sent_at % nullif(?2, 0), 0), r.id"
	" FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id"
	" WHERE j.mailing_id = ?1 AND r.sent_at IS NOT NULL"
	" UNION ALL"
	" SELECT CASE h.kind WHEN 1 THEN 'open' ELSE 'click' END,"
	"  coalesce(h.hit_date - h.hit_date % nullif(?2, 0), 0), h.queue_id"
	" FROM track_hits h JOIN mailing_recipients r ON r.id = h.queue_id"
	" JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = ?1"
	") k GROUP BY start, kind ORDER BY start, kind";

int sql_track_set(void *state, int64_t mailing_id, unsigned flags, struct mr_error *err)
{
	struct db_state *s = state;
	db_stmt *st;
	int rc = db_track_ready(s, err);
	if (rc || (rc = db_prepare_ad_hoc(s, exists_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, mailing_id);
	int src = db_step(st);
	db_ad_hoc_done(s, st);
	if (src == DB_DONE)
		return s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld", (long long)mailing_id);
	if (src != DB_ROW)
		return db_fail(s, src, "finding a mailing", err);
	if ((rc = db_prepare_ad_hoc(s, set_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, mailing_id);
	db_bind_int64(st, 2, (long long)(flags & (MR_TRACK_OPENS | MR_TRACK_CLICKS)));
	src = db_step(st);
	if (src != DB_DONE)
		rc = db_fail(s, src, "setting a mailing's tracking", err);
	db_ad_hoc_done(s, st);
	return rc;
}

int sql_track_get(void *state, int64_t mailing_id, unsigned *flags_r, struct mr_error *err)
{
	struct db_state *s = state;
	db_stmt *st;
	int rc = db_track_ready(s, err);
	if (rc || (rc = db_prepare_ad_hoc(s, get_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, mailing_id);
	int src = db_step(st);
	if (src == DB_ROW)
		*flags_r = (unsigned)db_col_int64(st, 0);
	else if (src == DB_DONE)
		rc = s->core->error_set(err, MR_ENOTFOUND, "mailing %lld has no tracking set",
					(long long)mailing_id);
	else
		rc = db_fail(s, src, "reading a mailing's tracking", err);
	db_ad_hoc_done(s, st);
	return rc;
}

static int record(struct db_state *s, const struct mr_track_hit *hits, size_t n,
		  size_t hit_size, int64_t *recorded, struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, hit_sql, &st, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct mr_track_hit *h =
			(const struct mr_track_hit *)((const char *)hits + i * hit_size);
		if (h->kind != MR_TRACK_OPEN && h->kind != MR_TRACK_CLICK)
			continue;
		db_bind_int64(st, 1, h->queue_id);
		db_bind_int64(st, 2, (long long)h->kind);
		if (h->kind == MR_TRACK_CLICK) {
			db_bind_int64(st, 3, h->link);
			db_text_or_null(st, 4, h->url);
		} else {
			db_bind_null(st, 3);
			db_bind_null(st, 4);
		}
		db_bind_int64(st, 5, h->when);
		db_bind_int64(st, 6, h->job_id);
		int src = db_step(st);
		if (src != DB_DONE)
			rc = db_fail(s, src, "recording a tracking hit", err);
		else
			*recorded += db_changes(s);
		db_stmt_reset(st);
	}
	db_ad_hoc_done(s, st);
	return rc;
}

int sql_track_record(void *state, const struct mr_track_hit *hits, size_t n, size_t hit_size,
		     int64_t *recorded_r, struct mr_error *err)
{
	struct db_state *s = state;
	int64_t recorded = 0;
	if (hit_size < offsetof(struct mr_track_hit, when) + sizeof(int64_t))
		return s->core->error_set(err, MR_EINPUT, "track_record: hit size %zu too small",
					  hit_size);
	int rc = db_track_ready(s, err);
	if (rc || n == 0)
		goto out;
	if ((rc = db_unit_begin(s, err)) != 0)
		return rc;
	rc = record(s, hits, n, hit_size, &recorded, err);
	rc = db_unit_end(s, rc, err);
out:
	if (rc == 0 && recorded_r)
		*recorded_r = recorded;
	return rc;
}

int sql_track_stats(void *state, int64_t mailing_id, mr_track_stat_cb *cb, void *cookie,
		    struct mr_error *err)
{
	struct db_state *s = state;
	db_stmt *st;
	int rc = db_track_ready(s, err);
	if (rc || (rc = db_prepare_ad_hoc(s, opens_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, mailing_id);
	int src = db_step(st);
	if (src != DB_ROW) {
		rc = db_fail(s, src, "counting opens", err);
		db_ad_hoc_done(s, st);
		return rc;
	}
	struct mr_track_stat opens = { .kind = MR_TRACK_OPEN, .url = NULL,
				       .total = db_col_int64(st, 0),
				       .unique = db_col_int64(st, 1) };
	db_ad_hoc_done(s, st);
	if (cb && (rc = cb(cookie, &opens)) != 0)
		return rc;
	if ((rc = db_prepare_ad_hoc(s, clicks_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, mailing_id);
	while ((src = db_step(st)) == DB_ROW) {
		struct mr_track_stat row = { .kind = MR_TRACK_CLICK, .url = db_col_text(st, 0),
					     .total = db_col_int64(st, 1),
					     .unique = db_col_int64(st, 2) };
		if (cb && (rc = cb(cookie, &row)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "counting clicks", err);
	db_ad_hoc_done(s, st);
	return rc;
}

int sql_track_events(void *state, int64_t mailing_id, int64_t bucket, mr_track_event_cb *cb,
		     void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	db_stmt *st;
	if (bucket < 0)
		return s->core->error_set(err, MR_EINPUT, "track_events: bucket %lld < 0",
					  (long long)bucket);
	int rc = db_track_ready(s, err);
	if (rc || (rc = db_prepare_ad_hoc(s, events_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, mailing_id);
	db_bind_int64(st, 2, bucket);
	int src;
	while ((src = db_step(st)) == DB_ROW) {
		struct mr_track_event_count row = { .kind = db_col_text(st, 0),
						    .start = db_col_int64(st, 1),
						    .total = db_col_int64(st, 2),
						    .unique = db_col_int64(st, 3) };
		if (cb && (rc = cb(cookie, &row)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "counting a mailing's events", err);
	db_ad_hoc_done(s, st);
	return rc;
}
