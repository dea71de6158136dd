/* SPDX-License-Identifier: MIT */
/* The SQLite store's bounce processing: finding the recipient a bounce is about, recording a bounce event, counting an email's bounces since its reset date and putting it on hold at the type's threshold. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "store-sqlite.h"

int sq_prepare_ad_hoc(struct sq_state *s, const char *sql, sqlite3_stmt **st_r,
		      struct mr_error *err)
{
	*st_r = NULL;
	struct sq_ad_hoc *slot = NULL;
	for (size_t i = 0; i < s->n_ad_hoc; i++)
		if (s->ad_hoc[i].sql == sql) {
			slot = &s->ad_hoc[i];
			break;
		}
	if (slot && !sqlite3_stmt_busy(slot->st)) {
		*st_r = slot->st;
		return 0;
	}
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st_r, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "preparing a bounce statement", err);
	if (!slot && s->n_ad_hoc < sizeof(s->ad_hoc) / sizeof(s->ad_hoc[0]))
		s->ad_hoc[s->n_ad_hoc++] = (struct sq_ad_hoc){ sql, *st_r };
	return 0;
}

void sq_ad_hoc_done(struct sq_state *s, sqlite3_stmt *st)
{
	for (size_t i = 0; i < s->n_ad_hoc; i++)
		if (s->ad_hoc[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	/* prepared afresh (its cached copy was busy, or the cache is full) */
	sqlite3_finalize(st);
}

int sq_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static const char target_by_row_sql[] =
	"SELECT r.id, r.job_id, j.mailing_id, r.contact_id, coalesce(r.email_id, 0), r.email, "
	"coalesce(e.on_hold, 0), c.is_opt_out, "
	"coalesce(nullif(m.reply_to, ''), m.from_email, '') "
	"FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id "
	"JOIN mailings m ON m.id = j.mailing_id JOIN contacts c ON c.id = r.contact_id "
	"LEFT JOIN emails e ON e.id = r.email_id "
	"WHERE r.id = ?1 AND r.job_id = ?2 AND (?3 IS NULL OR lower(r.email) = lower(?3))";

static const char target_email_sql[] =
	"SELECT e.id, e.contact_id, e.email, e.on_hold, c.is_opt_out FROM emails e "
	"JOIN contacts c ON c.id = e.contact_id WHERE lower(e.email) = lower(?1) "
	"AND c.is_deleted = 0 ORDER BY e.is_primary DESC, e.id LIMIT 1";

static const char target_newest_row_sql[] =
	"SELECT r.id, r.job_id, j.mailing_id, coalesce(nullif(m.reply_to, ''), m.from_email, '') "
	"FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id "
	"JOIN mailings m ON m.id = j.mailing_id "
	"WHERE r.contact_id = ?1 AND lower(r.email) = lower(?2) "
	"AND r.state IN ('sent', 'bounced', 'in_doubt', 'retry') ORDER BY r.id DESC LIMIT 1";

static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int i)
{
	snprintf(dst, size, "%s", sq_col_text(st, i));
}

static int target_by_row(struct sq_state *s, int64_t job_id, int64_t queue_id, const char *email,
			 struct mr_bounce_target *t, struct mr_error *err)
{
	sqlite3_stmt *st;
	int rc = sq_prepare_ad_hoc(s, target_by_row_sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, queue_id);
	sqlite3_bind_int64(st, 2, job_id);
	sq_text_or_null(st, 3, email);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		t->queue_id = sqlite3_column_int64(st, 0);
		t->job_id = sqlite3_column_int64(st, 1);
		t->mailing_id = sqlite3_column_int64(st, 2);
		t->contact_id = sqlite3_column_int64(st, 3);
		t->email_id = sqlite3_column_int64(st, 4);
		copy_text(t->email, sizeof(t->email), st, 5);
		t->on_hold = sqlite3_column_int(st, 6);
		t->is_opt_out = sqlite3_column_int(st, 7);
		copy_text(t->reply_to, sizeof(t->reply_to), st, 8);
	} else if (src == SQLITE_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no queue row %lld of job %lld%s%s in %s",
					(long long)queue_id, (long long)job_id,
					email ? " sent to " : "", email ? email : "", s->path);
	} else {
		rc = sq_fail(s, src, "looking up a queue row", err);
	}
	sq_ad_hoc_done(s, st);
	return rc;
}

static int target_by_email(struct sq_state *s, const char *email, struct mr_bounce_target *t,
			   struct mr_error *err)
{
	sqlite3_stmt *st;
	int rc = sq_prepare_ad_hoc(s, target_email_sql, &st, err);
	if (rc)
		return rc;
	sq_text_or_null(st, 1, email);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		t->email_id = sqlite3_column_int64(st, 0);
		t->contact_id = sqlite3_column_int64(st, 1);
		copy_text(t->email, sizeof(t->email), st, 2);
		t->on_hold = sqlite3_column_int(st, 3);
		t->is_opt_out = sqlite3_column_int(st, 4);
	} else if (src == SQLITE_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact has the email %s in %s", email,
					s->path);
	} else {
		rc = sq_fail(s, src, "looking up an email", err);
	}
	sq_ad_hoc_done(s, st);
	if (rc)
		return rc;
	if ((rc = sq_prepare_ad_hoc(s, target_newest_row_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, t->contact_id);
	sq_text_or_null(st, 2, t->email);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		t->queue_id = sqlite3_column_int64(st, 0);
		t->job_id = sqlite3_column_int64(st, 1);
		t->mailing_id = sqlite3_column_int64(st, 2);
		copy_text(t->reply_to, sizeof(t->reply_to), st, 3);
	} else if (src != SQLITE_DONE) {
		rc = sq_fail(s, src, "looking up the newest queue row of an email", err);
	}
	sq_ad_hoc_done(s, st);
	return rc;
}

int sq_bounce_target(void *state, int64_t job_id, int64_t queue_id, const char *email,
		     struct mr_bounce_target *t_r, struct mr_error *err)
{
	struct sq_state *s = state;
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
	"json_extract(ev.details, '$.confidence') IS NOT 'low'), 0) FROM mailing_recipients r "
	"CROSS JOIN events ev INDEXED BY events_queue ON ev.queue_id = r.id " /* by row, never by type and time */
	"WHERE r.email_id = ?1 AND ev.event_type = 'bounce' AND ev.time >= ?2";
static const char hold_sql[] =
	"UPDATE emails SET on_hold = 1, hold_date = ?2 WHERE on_hold = 0 "
	"AND lower(email) = (SELECT lower(email) FROM emails WHERE id = ?1)";

/* One row of one int64 column or two. */
static int one_row(struct sq_state *s, sqlite3_stmt *st, int64_t *a, int64_t *b, int64_t *c,
		   int *found_r, const char *what, struct mr_error *err)
{
	int src = sqlite3_step(st);
	*found_r = src == SQLITE_ROW;
	if (src == SQLITE_ROW) {
		if (a)
			*a = sqlite3_column_int64(st, 0);
		if (b)
			*b = sqlite3_column_int64(st, 1);
		if (c)
			*c = sqlite3_column_int64(st, 2);
		return 0;
	}
	if (src == SQLITE_DONE)
		return 0;
	return sq_fail(s, src, what, err);
}

/* The id and threshold of a bounce type by name, added when unknown (with
 * threshold 0, never holding, when the rules say so by a negative one). */
static int type_of(struct sq_state *s, const char *name, int threshold, int64_t *id_r,
		   int64_t *threshold_r, struct mr_error *err)
{
	sqlite3_stmt *st;
	int found = 0;
	int rc = sq_prepare_ad_hoc(s, type_sql, &st, err);
	if (rc)
		return rc;
	sq_text_or_null(st, 1, name);
	rc = one_row(s, st, id_r, threshold_r, NULL, &found, "looking up a bounce type", err);
	sq_ad_hoc_done(s, st);
	if (rc || found)
		return rc;
	if ((rc = sq_prepare_ad_hoc(s, type_add_sql, &st, err)) != 0)
		return rc;
	sq_text_or_null(st, 1, name);
	sqlite3_bind_int(st, 2, threshold < 0 ? 0 : threshold > 0 ? threshold : 3);
	int src = sqlite3_step(st);
	sq_ad_hoc_done(s, st);
	if (src != SQLITE_DONE)
		return sq_fail(s, src, "adding a bounce type", err);
	*id_r = sqlite3_last_insert_rowid(s->db);
	*threshold_r = threshold < 0 ? 0 : threshold > 0 ? threshold : 3;
	return 0;
}

int sq_bounce_record(struct sq_state *s, const struct mr_bounce_event *ev, const char *confidence,
		     struct mr_bounce_added *out, struct mr_error *err)
{
	sqlite3_stmt *st;
	int found = 0;
	int64_t email_id = 0, reset = 0, on_hold = 0;
	int rc = sq_prepare_ad_hoc(s, row_sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, ev->queue_id);
	rc = one_row(s, st, &email_id, &reset, &on_hold, &found, "looking up a queue row", err);
	sq_ad_hoc_done(s, st);
	if (rc)
		return rc;
	if (!found)
		return s->core->error_set(err, MR_ENOTFOUND, "bounce_add: no queue row %lld in %s",
					  (long long)ev->queue_id, s->path);
	int64_t type_id = 0, threshold = 0;
	if ((rc = type_of(s, ev->type ? ev->type : "Host", ev->threshold, &type_id, &threshold,
			  err)) != 0)
		return rc;
	if (ev->threshold != 0) /* the rules' threshold; negative: never held */
		threshold = ev->threshold > 0 ? ev->threshold : 0;
	if ((rc = sq_prepare_ad_hoc(s, event_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, ev->queue_id);
	sqlite3_bind_int64(st, 2, ev->when);
	sq_text_or_null(st, 3, ev->status && *ev->status ? ev->status : NULL);
	sq_text_or_null(st, 4, ev->text);
	sq_text_or_null(st, 5, ev->recipient);
	sq_text_or_null(st, 6, ev->found_in);
	sq_text_or_null(st, 7, confidence);
	sqlite3_bind_int64(st, 8, type_id);
	sq_text_or_null(st, 9, ev->reason);
	int src = sqlite3_step(st);
	sq_ad_hoc_done(s, st);
	if (src != SQLITE_DONE)
		return sq_fail(s, src, "recording a bounce event", err);
	if ((rc = sq_prepare_ad_hoc(s, mark_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, ev->queue_id);
	sq_text_or_null(st, 2, ev->status && *ev->status ? ev->status : NULL);
	sq_text_or_null(st, 3, ev->text);
	src = sqlite3_step(st);
	sq_ad_hoc_done(s, st);
	if (src != SQLITE_DONE)
		return sq_fail(s, src, "marking a queue row bounced", err);
	out->email_id = email_id;
	out->threshold = (int)threshold;
	out->was_on_hold = on_hold != 0;
	if (!email_id)
		return 0;
	if ((rc = sq_prepare_ad_hoc(s, count_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, email_id);
	sqlite3_bind_int64(st, 2, reset);
	sqlite3_bind_int64(st, 3, type_id);
	rc = one_row(s, st, &out->count, &out->count_type, NULL, &found, "counting bounces", err);
	sq_ad_hoc_done(s, st);
	if (rc || on_hold || ev->low_confidence || threshold <= 0 || out->count_type < threshold)
		return rc;
	if ((rc = sq_prepare_ad_hoc(s, hold_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, email_id);
	sqlite3_bind_int64(st, 2, ev->when);
	src = sqlite3_step(st);
	sq_ad_hoc_done(s, st);
	if (src != SQLITE_DONE)
		return sq_fail(s, src, "putting an email on hold", err);
	out->held = sqlite3_changes(s->db) > 0;
	return 0;
}

int sq_bounce_add(void *state, const struct mr_bounce_event *ev, struct mr_bounce_added *added_r,
		  struct mr_error *err)
{
	struct sq_state *s = state;
	struct mr_bounce_added tmp;
	struct mr_bounce_added *out = added_r ? added_r : &tmp;
	memset(out, 0, sizeof(*out));
	int rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	rc = sq_bounce_record(s, ev, ev->low_confidence ? "low" : "verp", out, err);
	return sq_unit_end(s, rc, err);
}
