/* SPDX-License-Identifier: MIT */
/* The SQL stores' bounce processing: finding the recipient a bounce is about, recording a bounce event, counting an email's bounces since its reset date and putting it on hold at the type's threshold. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "db.h"

static const char target_by_row_sql[] =
	"SELECT r.id, r.job_id, j.mailing_id, r.contact_id, coalesce(r.email_id, 0), r.email, "
	"coalesce(e.on_hold, 0), c.is_opt_out, "
	"coalesce(nullif(m.reply_to, ''), m.from_email, '') "
	"FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id "
	"JOIN mailings m ON m.id = j.mailing_id JOIN contacts c ON c.id = r.contact_id "
	"LEFT JOIN emails e ON e.id = r.email_id "
	"WHERE r.id = ?1 AND r.job_id = ?2 AND (?3 IS NULL OR " DB_SAME_EMAIL("r.email", "?3") ")";

static const char target_email_sql[] =
	"SELECT e.id, e.contact_id, e.email, e.on_hold, c.is_opt_out FROM emails e "
	"JOIN contacts c ON c.id = e.contact_id WHERE " DB_SAME_EMAIL("e.email", "?1") " "
	"AND c.is_deleted = 0 ORDER BY e.is_primary DESC, e.id LIMIT 1";

static const char target_newest_row_sql[] =
	"SELECT r.id, r.job_id, j.mailing_id, coalesce(nullif(m.reply_to, ''), m.from_email, '') "
	"FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id "
	"JOIN mailings m ON m.id = j.mailing_id "
	"WHERE r.contact_id = ?1 AND " DB_SAME_EMAIL("r.email", "?2") " "
	"AND r.state IN ('sent', 'bounced', 'in_doubt', 'retry') ORDER BY r.id DESC LIMIT 1";

static void copy_text(char *dst, size_t size, db_stmt *st, int i)
{
	snprintf(dst, size, "%s", db_col_text(st, i));
}

static int target_by_row(struct db_state *s, int64_t job_id, int64_t queue_id, const char *email,
			 struct mr_bounce_target *t, struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, target_by_row_sql, &st, err);
	if (rc)
		return rc;
	db_bind_int64(st, 1, queue_id);
	db_bind_int64(st, 2, job_id);
	db_text_or_null(st, 3, email);
	int src = db_step(st);
	if (src == DB_ROW) {
		t->queue_id = db_col_int64(st, 0);
		t->job_id = db_col_int64(st, 1);
		t->mailing_id = db_col_int64(st, 2);
		t->contact_id = db_col_int64(st, 3);
		t->email_id = db_col_int64(st, 4);
		copy_text(t->email, sizeof(t->email), st, 5);
		t->on_hold = db_col_int(st, 6);
		t->is_opt_out = db_col_int(st, 7);
		copy_text(t->reply_to, sizeof(t->reply_to), st, 8);
	} else if (src == DB_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no queue row %lld of job %lld%s%s in %s",
					(long long)queue_id, (long long)job_id,
					email ? " sent to " : "", email ? email : "", db_where(s));
	} else {
		rc = db_fail(s, src, "looking up a queue row", err);
	}
	db_ad_hoc_done(s, st);
	return rc;
}

static int target_by_email(struct db_state *s, const char *email, struct mr_bounce_target *t,
			   struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, target_email_sql, &st, err);
	if (rc)
		return rc;
	db_text_or_null(st, 1, email);
	int src = db_step(st);
	if (src == DB_ROW) {
		t->email_id = db_col_int64(st, 0);
		t->contact_id = db_col_int64(st, 1);
		copy_text(t->email, sizeof(t->email), st, 2);
		t->on_hold = db_col_int(st, 3);
		t->is_opt_out = db_col_int(st, 4);
	} else if (src == DB_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact has the email %s in %s", email,
					db_where(s));
	} else {
		rc = db_fail(s, src, "looking up an email", err);
	}
	db_ad_hoc_done(s, st);
	if (rc)
		return rc;
	if ((rc = db_prepare_ad_hoc(s, target_newest_row_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, t->contact_id);
	db_text_or_null(st, 2, t->email);
	src = db_step(st);
	if (src == DB_ROW) {
		t->queue_id = db_col_int64(st, 0);
		t->job_id = db_col_int64(st, 1);
		t->mailing_id = db_col_int64(st, 2);
		copy_text(t->reply_to, sizeof(t->reply_to), st, 3);
	} else if (src != DB_DONE) {
		rc = db_fail(s, src, "looking up the newest queue row of an email", err);
	}
	db_ad_hoc_done(s, st);
	return rc;
}

int sql_bounce_target(void *state, int64_t job_id, int64_t queue_id, const char *email,
		     struct mr_bounce_target *t_r, struct mr_error *err)
{
	struct db_state *s = state;
	memset(t_r, 0, sizeof(*t_r));
	if (queue_id > 0)
		return target_by_row(s, job_id, queue_id, email, t_r, err);
	if (!email || !*email)
		return s->core->error_set(err, MR_EINPUT, "bounce_target: neither a queue row nor "
					  "an email given");
	return target_by_email(s, email, t_r, err);
}

/* ---- bounce_add */

static const char row_sql[] =
	"SELECT coalesce(r.email_id, 0), coalesce(e.reset_date, 0), coalesce(e.on_hold, 0) "
	"FROM mailing_recipients r LEFT JOIN emails e ON e.id = r.email_id WHERE r.id = ?1";
static const char type_sql[] =
	"SELECT id, hold_threshold FROM bounce_types WHERE lower(name) = lower(?1)";
static const char type_add_sql[] =
	"INSERT INTO bounce_types(name, description, hold_threshold) "
	"VALUES(?1, 'added from the bounce rules', ?2)";
static const char event_sql[] =
	"INSERT INTO events(queue_id, event_type, time, details, bounce_type_id, bounce_reason) "
	"VALUES(?1, 'bounce', ?2, json_object('status', ?3, 'text', ?4, 'recipient', ?5, "
	"'found_in', ?6, 'confidence', ?7), ?8, ?9)";
static const char mark_sql[] =
	"UPDATE mailing_recipients SET state = 'bounced', "
	"last_enhanced = coalesce(?2, last_enhanced), last_text = coalesce(?3, last_text) "
	"WHERE id = ?1 AND state IN ('sent', 'in_doubt', 'retry')";
static const char count_sql[] =
	/* a low-confidence bounce (matched by address) is counted but never
	 * towards a hold: anyone can write one */
	"SELECT count(*), coalesce(sum(ev.bounce_type_id = ?3 AND "
	"coalesce(" DB_JSON_TEXT "(ev.details, '$.confidence'), '') <> 'low'), 0) "
	"FROM mailing_recipients r CROSS JOIN events ev " DB_INDEXED("events_queue")
	" ON ev.queue_id = r.id " /* by row, never by type and time */
	"WHERE r.email_id = ?1 AND ev.event_type = 'bounce' AND ev.time >= ?2";
static const char hold_sql[] =
	"UPDATE emails SET on_hold = 1, hold_date = ?2 WHERE on_hold = 0 "
	"AND " DB_SAME_EMAIL("email", "(SELECT x.email FROM (SELECT email FROM emails WHERE id = ?1) AS x)");

/* One row of one int64 column or two. */
static int one_row(struct db_state *s, db_stmt *st, int64_t *a, int64_t *b, int64_t *c,
		   int *found_r, const char *what, struct mr_error *err)
{
	int src = db_step(st);
	*found_r = src == DB_ROW;
	if (src == DB_ROW) {
		if (a)
			*a = db_col_int64(st, 0);
		if (b)
			*b = db_col_int64(st, 1);
		if (c)
			*c = db_col_int64(st, 2);
		return 0;
	}
	if (src == DB_DONE)
		return 0;
	return db_fail(s, src, what, err);
}

/* The id and threshold of a bounce type by name, added when unknown (with
 * threshold 0, never holding, when the rules say so by a negative one). */
static int type_of(struct db_state *s, const char *name, int threshold, int64_t *id_r,
		   int64_t *threshold_r, struct mr_error *err)
{
	db_stmt *st;
	int found = 0;
	int rc = db_prepare_ad_hoc(s, type_sql, &st, err);
	if (rc)
		return rc;
	db_text_or_null(st, 1, name);
	rc = one_row(s, st, id_r, threshold_r, NULL, &found, "looking up a bounce type", err);
	db_ad_hoc_done(s, st);
	if (rc || found)
		return rc;
	if ((rc = db_prepare_ad_hoc(s, type_add_sql, &st, err)) != 0)
		return rc;
	db_text_or_null(st, 1, name);
	db_bind_int64(st, 2, threshold < 0 ? 0 : threshold > 0 ? threshold : 3);
	int src = db_step(st);
	db_ad_hoc_done(s, st);
	if (src != DB_DONE)
		return db_fail(s, src, "adding a bounce type", err);
	*id_r = db_last_id(s);
	*threshold_r = threshold < 0 ? 0 : threshold > 0 ? threshold : 3;
	return 0;
}

int sql_bounce_record(struct db_state *s, const struct mr_bounce_event *ev, const char *confidence,
		     struct mr_bounce_added *out, struct mr_error *err)
{
	db_stmt *st;
	int found = 0;
	int64_t email_id = 0, reset = 0, on_hold = 0;
	int rc = db_prepare_ad_hoc(s, row_sql, &st, err);
	if (rc)
		return rc;
	db_bind_int64(st, 1, ev->queue_id);
	rc = one_row(s, st, &email_id, &reset, &on_hold, &found, "looking up a queue row", err);
	db_ad_hoc_done(s, st);
	if (rc)
		return rc;
	if (!found)
		return s->core->error_set(err, MR_ENOTFOUND, "bounce_add: no queue row %lld in %s",
					  (long long)ev->queue_id, db_where(s));
	int64_t type_id = 0, threshold = 0;
	if ((rc = type_of(s, ev->type ? ev->type : "Host", ev->threshold, &type_id, &threshold,
			  err)) != 0)
		return rc;
	if (ev->threshold != 0) /* the rules' threshold; negative: never held */
		threshold = ev->threshold > 0 ? ev->threshold : 0;
	if ((rc = db_prepare_ad_hoc(s, event_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, ev->queue_id);
	db_bind_int64(st, 2, ev->when);
	db_text_or_null(st, 3, ev->status && *ev->status ? ev->status : NULL);
	db_text_or_null(st, 4, ev->text);
	db_text_or_null(st, 5, ev->recipient);
	db_text_or_null(st, 6, ev->found_in);
	db_text_or_null(st, 7, confidence);
	db_bind_int64(st, 8, type_id);
	db_text_or_null(st, 9, ev->reason);
	int src = db_step(st);
	db_ad_hoc_done(s, st);
	if (src != DB_DONE)
		return db_fail(s, src, "recording a bounce event", err);
	if ((rc = db_prepare_ad_hoc(s, mark_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, ev->queue_id);
	db_text_or_null(st, 2, ev->status && *ev->status ? ev->status : NULL);
	db_text_or_null(st, 3, ev->text);
	src = db_step(st);
	db_ad_hoc_done(s, st);
	if (src != DB_DONE)
		return db_fail(s, src, "marking a queue row bounced", err);
	out->email_id = email_id;
	out->threshold = (int)threshold;
	out->was_on_hold = on_hold != 0;
	if (!email_id)
		return 0;
	if ((rc = db_prepare_ad_hoc(s, count_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, email_id);
	db_bind_int64(st, 2, reset);
	db_bind_int64(st, 3, type_id);
	rc = one_row(s, st, &out->count, &out->count_type, NULL, &found, "counting bounces", err);
	db_ad_hoc_done(s, st);
	if (rc || on_hold || ev->low_confidence || threshold <= 0 || out->count_type < threshold)
		return rc;
	if ((rc = db_prepare_ad_hoc(s, hold_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, email_id);
	db_bind_int64(st, 2, ev->when);
	src = db_step(st);
	db_ad_hoc_done(s, st);
	if (src != DB_DONE)
		return db_fail(s, src, "putting an email on hold", err);
	out->held = db_changes(s) > 0;
	return 0;
}

int sql_bounce_add(void *state, const struct mr_bounce_event *ev, struct mr_bounce_added *added_r,
		  struct mr_error *err)
{
	struct db_state *s = state;
	struct mr_bounce_added tmp;
	struct mr_bounce_added *out = added_r ? added_r : &tmp;
	memset(out, 0, sizeof(*out));
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	rc = sql_bounce_record(s, ev, ev->low_confidence ? "low" : "verp", out, err);
	return db_unit_end(s, rc, err);
}
