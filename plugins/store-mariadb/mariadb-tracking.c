/* SPDX-License-Identifier: MIT */
/* The MariaDB store's open and click tracking: what each mailing tracks, the hits mailroom serve records in batches, and a mailing's opens and clicks by URL. */
#include "config.h"
#include <stddef.h>
#include <string.h>
#include "store-mariadb.h"

#define TRK_TBL " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"

static const char *const schema_sql[] = {
	"CREATE TABLE IF NOT EXISTS mailing_tracking (\n"
	"  mailing_id BIGINT NOT NULL PRIMARY KEY,\n"
	"  flags INT NOT NULL DEFAULT 0,\n"
	"  CONSTRAINT mailing_tracking_mailing FOREIGN KEY (mailing_id) REFERENCES mailings(id) "
	"ON DELETE CASCADE\n)" TRK_TBL,
	"CREATE TABLE IF NOT EXISTS track_hits (\n"
	"  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
	"  queue_id BIGINT NOT NULL,\n"
	"  kind TINYINT NOT NULL,\n"
	"  link INT,\n"
	"  url TEXT,\n"
	"  hit_date BIGINT NOT NULL,\n"
	"  KEY track_hits_queue (queue_id, kind),\n"
	"  CONSTRAINT track_hits_queue FOREIGN KEY (queue_id) REFERENCES mailing_recipients(id) "
	"ON DELETE CASCADE\n)" TRK_TBL,
};

static const char exists_sql[] = "SELECT 1 FROM mailings WHERE id = ?";
static const char set_sql[] =
	"INSERT INTO mailing_tracking (mailing_id, flags) VALUES (?, ?) "
	"ON DUPLICATE KEY UPDATE flags = VALUES(flags)";
static const char get_sql[] = "SELECT flags FROM mailing_tracking WHERE mailing_id = ?";
static const char hit_sql[] =
	"INSERT INTO track_hits (queue_id, kind, link, url, hit_date) "
	"SELECT id, ?, ?, ?, ? FROM mailing_recipients WHERE id = ? AND job_id = ?";
static const char opens_sql[] =
	"SELECT count(*), count(DISTINCT h.queue_id) FROM track_hits h "
	"JOIN mailing_recipients r ON r.id = h.queue_id JOIN mailing_jobs j ON j.id = r.job_id "
	"WHERE j.mailing_id = ? AND h.kind = 1";
static const char clicks_sql[] =
	"SELECT h.url, count(*), count(DISTINCT h.queue_id) FROM track_hits h "
	"JOIN mailing_recipients r ON r.id = h.queue_id JOIN mailing_jobs j ON j.id = r.job_id "
	"WHERE j.mailing_id = ? AND h.kind = 2 GROUP BY h.url ORDER BY min(h.link), h.url";

static const char events_sql[] =
	"SELECT kind, start, count(*), count(DISTINCT queue_id) FROM ("
	" SELECT CASE WHEN e.event_type = 'opt-out' AND JSON_VALUE(e.details, '$.via') = 'complaint' "
	"  THEN 'complaint' ELSE e.event_type END AS kind,"
	"  coalesce(e.time - MOD(e.time, nullif(?, 0)), 0) AS start, e.queue_id AS queue_id"
	" FROM events e JOIN mailing_recipients r ON r.id = e.queue_id"
	" JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = ?"
	" UNION ALL"
	" SELECT CASE h.kind WHEN 1 THEN 'open' ELSE 'click' END,"
	"  coalesce(h.hit_date - MOD(h.hit_date, nullif(?, 0)), 0), h.queue_id"
	" FROM track_hits h JOIN mailing_recipients r ON r.id = h.queue_id"
	" JOIN mailing_jobs j ON j.id = r.job_id WHERE j.mailing_id = ?"
	") k GROUP BY start, kind ORDER BY start, kind";

/* Creates the tracking tables once per connection state (additive: a store
 * made before them gains them on first use). */
int md_track_ready(struct md_state *s, struct mr_error *err)
{
	if (s->track_ready)
		return 0;
	for (size_t i = 0; i < sizeof(schema_sql) / sizeof(schema_sql[0]); i++) {
		int rc = md_exec_const(s, schema_sql[i], "creating the tracking tables", err);
		if (rc)
			return rc;
	}
	s->track_ready = 1;
	return 0;
}

static int md_track_set(void *state, int64_t mailing_id, unsigned flags, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_stmt *st;
	int rc = md_track_ready(s, err);
	if (rc || (rc = md_prepare_ad_hoc(s, exists_sql, &st, err)) != 0)
		return rc;
	md_bind_int64(st, 1, mailing_id);
	int src = md_step(st);
	md_ad_hoc_done(s, st);
	if (src == MD_DONE)
		return s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld", (long long)mailing_id);
	if (src != MD_ROW)
		return md_fail(s, src, "finding a mailing", err);
	if ((rc = md_prepare_ad_hoc(s, set_sql, &st, err)) != 0)
		return rc;
	md_bind_int64(st, 1, mailing_id);
	md_bind_int64(st, 2, (long long)(flags & (MR_TRACK_OPENS | MR_TRACK_CLICKS)));
	src = md_step(st);
	if (src != MD_DONE)
		rc = md_fail(s, src, "setting a mailing's tracking", err);
	md_ad_hoc_done(s, st);
	return rc;
}

static int md_track_get(void *state, int64_t mailing_id, unsigned *flags_r,
			struct mr_error *err)
{
	struct md_state *s = state;
	struct md_stmt *st;
	int rc = md_track_ready(s, err);
	if (rc || (rc = md_prepare_ad_hoc(s, get_sql, &st, err)) != 0)
		return rc;
	md_bind_int64(st, 1, mailing_id);
	int src = md_step(st);
	if (src == MD_ROW)
		*flags_r = (unsigned)md_col_int64(st, 0);
	else if (src == MD_DONE)
		rc = s->core->error_set(err, MR_ENOTFOUND, "mailing %lld has no tracking set",
					(long long)mailing_id);
	else
		rc = md_fail(s, src, "reading a mailing's tracking", err);
	md_ad_hoc_done(s, st);
	return rc;
}

static int record(struct md_state *s, const struct mr_track_hit *hits, size_t n,
		  size_t hit_size, int64_t *recorded, struct mr_error *err)
{
	struct md_stmt *st;
	int rc = md_prepare_ad_hoc(s, hit_sql, &st, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct mr_track_hit *h =
			(const struct mr_track_hit *)((const char *)hits + i * hit_size);
		if (h->kind != MR_TRACK_OPEN && h->kind != MR_TRACK_CLICK)
			continue;
		md_bind_int64(st, 1, (long long)h->kind);
		if (h->kind == MR_TRACK_CLICK && h->url) {
			md_bind_int64(st, 2, h->link);
			md_bind_str(st, 3, h->url, strlen(h->url), 0);
		} else {
			md_bind_null(st, 2);
			md_bind_null(st, 3);
		}
		md_bind_int64(st, 4, h->when);
		md_bind_int64(st, 5, h->queue_id);
		md_bind_int64(st, 6, h->job_id);
		int src = md_step(st);
		if (src != MD_DONE)
			rc = md_fail(s, src, "recording a tracking hit", err);
		else
			*recorded += md_changes(s);
		md_stmt_reset(st);
	}
	md_ad_hoc_done(s, st);
	return rc;
}

static int md_track_record(void *state, const struct mr_track_hit *hits, size_t n,
			   size_t hit_size, int64_t *recorded_r, struct mr_error *err)
{
	struct md_state *s = state;
	int64_t recorded = 0;
	if (hit_size < offsetof(struct mr_track_hit, when) + sizeof(int64_t))
		return s->core->error_set(err, MR_EINPUT, "track_record: hit size %zu too small",
					  hit_size);
	int rc = md_track_ready(s, err);
	if (rc || n == 0)
		goto out;
	if ((rc = md_unit_begin(s, err)) != 0)
		return rc;
	rc = record(s, hits, n, hit_size, &recorded, err);
	rc = md_unit_end(s, rc, err);
out:
	if (rc == 0 && recorded_r)
		*recorded_r = recorded;
	return rc;
}

static int md_track_stats(void *state, int64_t mailing_id, mr_track_stat_cb *cb, void *cookie,
			  struct mr_error *err)
{
	struct md_state *s = state;
	struct md_stmt *st;
	int rc = md_track_ready(s, err);
	if (rc || (rc = md_prepare_ad_hoc(s, opens_sql, &st, err)) != 0)
		return rc;
	md_bind_int64(st, 1, mailing_id);
	int src = md_step(st);
	if (src != MD_ROW) {
		rc = md_fail(s, src, "counting opens", err);
		md_ad_hoc_done(s, st);
		return rc;
	}
	struct mr_track_stat opens = { .kind = MR_TRACK_OPEN, .url = NULL,
				       .total = md_col_int64(st, 0),
				       .unique = md_col_int64(st, 1) };
	md_ad_hoc_done(s, st);
	if (cb && (rc = cb(cookie, &opens)) != 0)
		return rc;
	if ((rc = md_prepare_ad_hoc(s, clicks_sql, &st, err)) != 0)
		return rc;
	md_bind_int64(st, 1, mailing_id);
	while ((src = md_step(st)) == MD_ROW) {
		struct mr_track_stat row = { .kind = MR_TRACK_CLICK, .url = md_col_text(st, 0),
					     .total = md_col_int64(st, 1),
					     .unique = md_col_int64(st, 2) };
		if (cb && (rc = cb(cookie, &row)) != 0)
			break;
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "counting clicks", err);
	md_ad_hoc_done(s, st);
	return rc;
}

static int md_track_events(void *state, int64_t mailing_id, int64_t bucket,
			   mr_track_event_cb *cb, void *cookie, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_stmt *st;
	if (bucket < 0)
		return s->core->error_set(err, MR_EINPUT, "track_events: bucket %lld < 0",
					  (long long)bucket);
	int rc = md_track_ready(s, err);
	if (rc || (rc = md_prepare_ad_hoc(s, events_sql, &st, err)) != 0)
		return rc;
	md_bind_int64(st, 1, bucket);
	md_bind_int64(st, 2, mailing_id);
	md_bind_int64(st, 3, bucket);
	md_bind_int64(st, 4, mailing_id);
	int src;
	while ((src = md_step(st)) == MD_ROW) {
		struct mr_track_event_count row = { .kind = md_col_text(st, 0),
						    .start = md_col_int64(st, 1),
						    .total = md_col_int64(st, 2),
						    .unique = md_col_int64(st, 3) };
		if (cb && (rc = cb(cookie, &row)) != 0)
			break;
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "counting a mailing's events", err);
	md_ad_hoc_done(s, st);
	return rc;
}

const struct mr_store_tracking_ops md_tracking_ops = {
	.size = sizeof(struct mr_store_tracking_ops),
	.track_set = md_track_set,
	.track_get = md_track_get,
	.track_record = md_track_record,
	.track_stats = md_track_stats,
	.track_events = md_track_events,
};
