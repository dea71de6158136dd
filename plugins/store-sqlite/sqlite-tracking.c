/* SPDX-License-Identifier: MIT */
/* The SQLite store's open and click tracking: what each mailing tracks, the hits mailroom serve records in batches, and a mailing's opens and clicks by URL. */
#include "config.h"
#include <string.h>
#include "store-sqlite.h"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS mailing_tracking (\n"
	"  mailing_id INTEGER PRIMARY KEY REFERENCES mailings(id) ON DELETE CASCADE,\n"
	"  flags INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS track_hits (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  queue_id INTEGER NOT NULL REFERENCES mailing_recipients(id) ON DELETE CASCADE,\n"
	"  kind INTEGER NOT NULL CHECK (kind IN (1, 2)),\n"
	"  link INTEGER,\n"
	"  url TEXT,\n"
	"  hit_date INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS track_hits_queue ON track_hits(queue_id, kind);\n";

static const char set_sql[] =
	"INSERT INTO mailing_tracking (mailing_id, flags) SELECT ?1, ?2 "
	"WHERE EXISTS (SELECT 1 FROM mailings WHERE id = ?1) "
	"ON CONFLICT (mailing_id) DO UPDATE SET flags = excluded.flags";
static const char get_sql[] = "SELECT flags FROM mailing_tracking WHERE mailing_id = ?1";
static const char hit_sql[] =
	"INSERT INTO track_hits (queue_id, kind, link, url, hit_date) "
	"SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS "
	"(SELECT 1 FROM mailing_recipients WHERE id = ?1 AND job_id = ?6)";
static const char opens_sql[] =
	"SELECT count(*), count(DISTINCT h.queue_id) FROM track_hits h "
	"JOIN mailing_recipients r ON r.id = h.queue_id JOIN mailing_jobs j ON j.id = r.job_id "
	"WHERE j.mailing_id = ?1 AND h.kind = 1";
static const char clicks_sql[] =
	"SELECT h.url, count(*), count(DISTINCT h.queue_id) FROM track_hits h "
	"JOIN mailing_recipients r ON r.id = h.queue_id JOIN mailing_jobs j ON j.id = r.job_id "
	"WHERE j.mailing_id = ?1 AND h.kind = 2 GROUP BY h.url ORDER BY min(h.link), h.url";

static const char events_sql[] =
	"SELECT kind, start, count(*), count(DISTINCT queue_id) FROM ("
	" SELECT CASE WHEN e.event_type = 'opt-out' AND e.details LIKE '{\"via\":\"complaint\"%' "
	"  THEN 'complaint' ELSE e.event_type END AS kind,"
	"  coalesce(e.time - e.time % nullif(?2, 0), 0) AS start, e.queue_id AS queue_id"
	" FROM events e JOIN mailing_recipients r ON r.id = e.queue_id"
	" JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = ?1"
	" UNION ALL"
	" SELECT CASE h.kind WHEN 1 THEN 'open' ELSE 'click' END,"
	"  coalesce(h.hit_date - h.hit_date % nullif(?2, 0), 0), h.queue_id"
	" FROM track_hits h JOIN mailing_recipients r ON r.id = h.queue_id"
	" JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = ?1"
	") GROUP BY start, kind ORDER BY start, kind";

/* Creates the tracking tables once per connection (they are additive, so
 * a store made before them gains them on first use). */
int sq_track_ready(struct sq_state *s, struct mr_error *err)
{
	if (s->track_ready)
		return 0;
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int st = s->core->error_set(err, MR_ETEMP, "creating the tracking tables: %s",
					    msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return st;
	}
	s->track_ready = 1;
	return 0;
}

int sq_track_set(void *state, int64_t mailing_id, unsigned flags, struct mr_error *err)
{
	struct sq_state *s = state;
	sqlite3_stmt *st;
	int rc = sq_track_ready(s, err);
	if (rc || (rc = sq_prepare_ad_hoc(s, set_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, mailing_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(flags & (MR_TRACK_OPENS | MR_TRACK_CLICKS)));
	int src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = sq_fail(s, src, "setting a mailing's tracking", err);
	else if (sqlite3_changes(s->db) == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld", (long long)mailing_id);
	sq_ad_hoc_done(s, st);
	return rc;
}

int sq_track_get(void *state, int64_t mailing_id, unsigned *flags_r, struct mr_error *err)
{
	struct sq_state *s = state;
	sqlite3_stmt *st;
	int rc = sq_track_ready(s, err);
	if (rc || (rc = sq_prepare_ad_hoc(s, get_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, mailing_id);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*flags_r = (unsigned)sqlite3_column_int64(st, 0);
	else if (src == SQLITE_DONE)
		rc = s->core->error_set(err, MR_ENOTFOUND, "mailing %lld has no tracking set",
					(long long)mailing_id);
	else
		rc = sq_fail(s, src, "reading a mailing's tracking", err);
	sq_ad_hoc_done(s, st);
	return rc;
}

static int record(struct sq_state *s, const struct mr_track_hit *hits, size_t n,
		  size_t hit_size, int64_t *recorded, struct mr_error *err)
{
	sqlite3_stmt *st;
	int rc = sq_prepare_ad_hoc(s, hit_sql, &st, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct mr_track_hit *h =
			(const struct mr_track_hit *)((const char *)hits + i * hit_size);
		if (h->kind != MR_TRACK_OPEN && h->kind != MR_TRACK_CLICK)
			continue;
		sqlite3_bind_int64(st, 1, h->queue_id);
		sqlite3_bind_int(st, 2, (int)h->kind);
		if (h->kind == MR_TRACK_CLICK) {
			sqlite3_bind_int(st, 3, h->link);
			sq_text_or_null(st, 4, h->url);
		} else {
			sqlite3_bind_null(st, 3);
			sqlite3_bind_null(st, 4);
		}
		sqlite3_bind_int64(st, 5, h->when);
		sqlite3_bind_int64(st, 6, h->job_id);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = sq_fail(s, src, "recording a tracking hit", err);
		else
			*recorded += sqlite3_changes(s->db);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sq_ad_hoc_done(s, st);
	return rc;
}

int sq_track_record(void *state, const struct mr_track_hit *hits, size_t n, size_t hit_size,
		    int64_t *recorded_r, struct mr_error *err)
{
	struct sq_state *s = state;
	int64_t recorded = 0;
	if (hit_size < offsetof(struct mr_track_hit, when) + sizeof(int64_t))
		return s->core->error_set(err, MR_EINPUT, "track_record: hit size %zu too small",
					  hit_size);
	int rc = sq_track_ready(s, err);
	if (rc || n == 0)
		goto out;
	if ((rc = sq_unit_begin(s, err)) != 0)
		return rc;
	rc = record(s, hits, n, hit_size, &recorded, err);
	rc = sq_unit_end(s, rc, err);
out:
	if (rc == 0 && recorded_r)
		*recorded_r = recorded;
	return rc;
}

int sq_track_stats(void *state, int64_t mailing_id, mr_track_stat_cb *cb, void *cookie,
		   struct mr_error *err)
{
	struct sq_state *s = state;
	sqlite3_stmt *st;
	int rc = sq_track_ready(s, err);
	if (rc || (rc = sq_prepare_ad_hoc(s, opens_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, mailing_id);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		struct mr_track_stat row = { .kind = MR_TRACK_OPEN, .url = NULL,
					     .total = sqlite3_column_int64(st, 0),
					     .unique = sqlite3_column_int64(st, 1) };
		sq_ad_hoc_done(s, st);
		if (cb && (rc = cb(cookie, &row)) != 0)
			return rc;
	} else {
		rc = sq_fail(s, src, "counting opens", err);
		sq_ad_hoc_done(s, st);
		return rc;
	}
	if ((rc = sq_prepare_ad_hoc(s, clicks_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, mailing_id);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		struct mr_track_stat row = { .kind = MR_TRACK_CLICK, .url = sq_col_text(st, 0),
					     .total = sqlite3_column_int64(st, 1),
					     .unique = sqlite3_column_int64(st, 2) };
		if (cb && (rc = cb(cookie, &row)) != 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = sq_fail(s, src, "counting clicks", err);
	sq_ad_hoc_done(s, st);
	return rc;
}

int sq_track_events(void *state, int64_t mailing_id, int64_t bucket, mr_track_event_cb *cb,
		    void *cookie, struct mr_error *err)
{
	struct sq_state *s = state;
	sqlite3_stmt *st;
	if (bucket < 0)
		return s->core->error_set(err, MR_EINPUT, "track_events: bucket %lld < 0",
					  (long long)bucket);
	int rc = sq_track_ready(s, err);
	if (rc || (rc = sq_prepare_ad_hoc(s, events_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, mailing_id);
	sqlite3_bind_int64(st, 2, bucket);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		struct mr_track_event_count row = { .kind = sq_col_text(st, 0),
						    .start = sqlite3_column_int64(st, 1),
						    .total = sqlite3_column_int64(st, 2),
						    .unique = sqlite3_column_int64(st, 3) };
		if (cb && (rc = cb(cookie, &row)) != 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = sq_fail(s, src, "counting a mailing's events", err);
	sq_ad_hoc_done(s, st);
	return rc;
}
