/* SPDX-License-Identifier: MIT */
/* The SQL stores' bounce statistics: bounce events by mailing and bounce type, holds and opt-outs. */
#include "config.h"
#include <string.h>
#include "db.h"

static const char rows_sql[] =
	"SELECT m.id, m.name, coalesce(bt.name, 'Unknown'), count(*), "
	"count(DISTINCT coalesce(r.email_id, lower(r.email))) "
	"FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id "
	"JOIN mailing_jobs j ON j.id = r.job_id JOIN mailings m ON m.id = j.mailing_id "
	"LEFT JOIN bounce_types bt ON bt.id = ev.bounce_type_id "
	"WHERE ev.event_type = 'bounce' GROUP BY m.id, 3 ORDER BY m.id, 3";
static const char totals_sql[] =
	"SELECT (SELECT count(*) FROM emails WHERE on_hold = 1), "
	"(SELECT count(*) FROM emails WHERE on_hold = 2), "
	"(SELECT count(*) FROM contacts WHERE is_opt_out = 1 AND is_deleted = 0), "
	"(SELECT count(*) FROM events WHERE event_type = 'bounce'), "
	"(SELECT count(*) FROM events WHERE event_type = 'bounce' AND "
	" CASE WHEN json_valid(details) THEN " DB_JSON_TEXT "(details, '$.confidence') END = 'low')";

int sql_bounce_stats(void *state, mr_bounce_stat_cb *cb, void *cookie,
		    struct mr_bounce_totals *totals_r, struct mr_error *err)
{
	struct db_state *s = state;
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, rows_sql, &st, err);
	if (rc)
		return rc;
	int src;
	while ((src = db_step(st)) == DB_ROW) {
		struct mr_bounce_stat row = {
			.mailing_id = db_col_int64(st, 0),
			.mailing = db_col_text(st, 1),
			.type = db_col_text(st, 2),
			.bounces = db_col_int64(st, 3),
			.emails = db_col_int64(st, 4),
		};
		if (cb && (rc = cb(cookie, &row)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "reading bounce statistics", err);
	db_ad_hoc_done(s, st);
	if (rc || !totals_r)
		return rc;
	memset(totals_r, 0, sizeof(*totals_r));
	if ((rc = db_prepare_ad_hoc(s, totals_sql, &st, err)) != 0)
		return rc;
	src = db_step(st);
	if (src == DB_ROW) {
		totals_r->on_hold = db_col_int64(st, 0);
		totals_r->on_hold_manual = db_col_int64(st, 1);
		totals_r->opted_out = db_col_int64(st, 2);
		totals_r->bounces = db_col_int64(st, 3);
		totals_r->low_confidence = db_col_int64(st, 4);
	} else {
		rc = db_fail(s, src, "counting holds", err);
	}
	db_ad_hoc_done(s, st);
	return rc;
}
