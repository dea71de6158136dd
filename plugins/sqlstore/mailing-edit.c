/* SPDX-License-Identifier: MIT */
/* The SQL stores' mailing edits: a draft's or unstarted scheduled mailing's content replaced, a draft or unsent canceled mailing deleted, the count of test messages, named settings. */
#include "config.h"
#include <string.h>
#include "db.h"

static const char status_sql[] = "SELECT status FROM mailings WHERE id = ?1";
static const char update_sql[] =
	"UPDATE mailings SET name = ?2, subject = ?3, from_name = ?4, from_email = ?5, "
	"reply_to = ?6, body_text = ?7, body_html = ?8 WHERE id = ?1";
static const char groups_del_sql[] = "DELETE FROM mailing_groups WHERE mailing_id = ?1";
static const char attach_del_sql[] = "DELETE FROM mailing_attachments WHERE mailing_id = ?1";
static const char tried_sql[] =
	"SELECT count(*) FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id "
	"WHERE j.mailing_id = ?1 AND r.attempts > 0";
static const char delete_sql[] = "DELETE FROM mailings WHERE id = ?1";
static const char tests_add_sql[] = "UPDATE mailings SET tests_sent = tests_sent + ?2 WHERE id = ?1";
static const char tests_get_sql[] = "SELECT tests_sent FROM mailings WHERE id = ?1";

/* The first column of sql's first row for id (an integer or the status),
 * or MR_ENOTFOUND naming the mailing. */
static int query_one(struct db_state *s, const char *sql, int64_t id, int64_t *v_r,
		     enum mr_mailing_status *status_r, const char *what, struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, sql, &st, err);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	int src = db_step(st);
	if (src == DB_ROW && status_r)
		*status_r = sql_mailing_status_parse(db_col_text(st, 0));
	else if (src == DB_ROW)
		*v_r = db_col_int64(st, 0);
	else if (src == DB_DONE)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld in %s", (long long)id,
					db_where(s));
	else
		rc = db_fail(s, src, what, err);
	db_ad_hoc_done(s, st);
	return rc;
}

/* Runs sql (no rows) with ?1 = id and ?2.. from m, or ?2 = n. */
static int run_one(struct db_state *s, const char *sql, int64_t id, const struct mr_mailing *m,
		   int64_t n, const char *what, struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, sql, &st, err);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	if (m) {
		db_text_or_null(st, 2, m->name);
		db_text_or_null(st, 3, m->subject);
		db_text_or_null(st, 4, m->from_name);
		db_text_or_null(st, 5, m->from_email ? m->from_email : "");
		db_text_or_null(st, 6, m->reply_to);
		db_text_or_null(st, 7, m->body_text);
		db_text_or_null(st, 8, m->body_html);
	} else if (n) {
		db_bind_int64(st, 2, n);
	}
	int src = db_step(st);
	if (src != DB_DONE)
		rc = db_fail(s, src, what, err);
	db_ad_hoc_done(s, st);
	return rc;
}

static int update(struct db_state *s, int64_t id, const struct mr_mailing *m, struct mr_error *err)
{
	enum mr_mailing_status status = 0;
	int rc = query_one(s, status_sql, id, NULL, &status, "reading a mailing's status", err);
	if (rc)
		return rc;
	if (status != MR_MAILING_DRAFT && status != MR_MAILING_SCHEDULED)
		return s->core->error_set(err, MR_EINPUT, "mailing %lld is %s: only a draft or a "
					  "scheduled mailing not yet started can be edited",
					  (long long)id, sql_mailing_status_name(status));
	if ((rc = run_one(s, update_sql, id, m, 0, "updating a mailing", err)) ||
	    (rc = run_one(s, groups_del_sql, id, NULL, 0, "replacing a mailing's groups", err)) ||
	    (rc = run_one(s, attach_del_sql, id, NULL, 0, "replacing attachments", err)))
		return rc;
	return sql_mailing_add_content(s, id, m, err);
}

int sql_mailing_update(void *state, int64_t id, const struct mr_mailing *m, struct mr_error *err)
{
	struct db_state *s = state;
	if (!m->name || !*m->name || !m->subject)
		return s->core->error_set(err, MR_EINPUT, "a mailing needs a name and a subject");
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	return db_unit_end(s, update(s, id, m, err), err);
}

static int delete(struct db_state *s, int64_t id, struct mr_error *err)
{
	enum mr_mailing_status status = 0;
	int64_t tried = 0;
	int rc = query_one(s, status_sql, id, NULL, &status, "reading a mailing's status", err);
	if (rc)
		return rc;
	if (status == MR_MAILING_CANCELED &&
	    (rc = query_one(s, tried_sql, id, &tried, NULL, "counting a mailing's sends", err)))
		return rc;
	if ((status != MR_MAILING_DRAFT && status != MR_MAILING_CANCELED) || tried > 0)
		return s->core->error_set(err, MR_EINPUT, "mailing %lld is %s%s: only drafts and "
					  "canceled mailings that sent nothing can be deleted "
					  "(a mailing that sent is kept for its history)",
					  (long long)id, sql_mailing_status_name(status),
					  tried > 0 ? " and was sent to some recipients" : "");
	return run_one(s, delete_sql, id, NULL, 0, "deleting a mailing", err);
}

int sql_mailing_delete(void *state, int64_t id, struct mr_error *err)
{
	struct db_state *s = state;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	return db_unit_end(s, delete(s, id, err), err);
}

int sql_mailing_tests(void *state, int64_t id, int64_t add, int64_t *count_r,
		     struct mr_error *err)
{
	struct db_state *s = state;
	if (add < 0)
		return s->core->error_set(err, MR_EINPUT, "a count of test messages only grows");
	int64_t count = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	if (add > 0)
		rc = run_one(s, tests_add_sql, id, NULL, add, "counting test messages", err);
	if (rc == 0)
		rc = query_one(s, tests_get_sql, id, &count, NULL, "reading a mailing's tests", err);
	rc = db_unit_end(s, rc, err);
	if (rc == 0 && count_r)
		*count_r = count;
	return rc;
}

static const char exists_sql[] = "SELECT 1 FROM mailings WHERE id = ?1";
static const char setting_put_sql[] =
	"INSERT INTO mailing_settings (mailing_id, name, value) VALUES (?1, ?2, ?3) "
	DB_UPSERT("mailing_id, name", "value = " DB_NEW("value"));
static const char setting_del_sql[] =
	"DELETE FROM mailing_settings WHERE mailing_id = ?1 AND name = ?2";
static const char settings_sql[] =
	"SELECT name, value FROM mailing_settings WHERE mailing_id = ?1 ORDER BY name";

int sql_mailing_setting_set(void *state, int64_t id, const char *name, const char *value,
			   struct mr_error *err)
{
	struct db_state *s = state;
	if (!mr_store_setting_name_ok(name))
		return s->core->error_set(err, MR_EINPUT, "\"%s\" is not a mailing setting name",
					  name ? name : "");
	int64_t one = 0;
	int rc = query_one(s, exists_sql, id, &one, NULL, "finding a mailing", err);
	db_stmt *st;
	if (rc || (rc = db_prepare_ad_hoc(s, value ? setting_put_sql : setting_del_sql, &st, err)))
		return rc;
	db_bind_int64(st, 1, id);
	db_text_or_null(st, 2, name);
	if (value)
		db_text_or_null(st, 3, value);
	int src = db_step(st);
	if (src != DB_DONE)
		rc = db_fail(s, src, "setting a mailing's setting", err);
	db_ad_hoc_done(s, st);
	return rc;
}

int sql_mailing_settings(void *state, int64_t id, mr_mailing_setting_cb *cb, void *cookie,
			struct mr_error *err)
{
	struct db_state *s = state;
	int64_t one = 0;
	int rc = query_one(s, exists_sql, id, &one, NULL, "finding a mailing", err);
	db_stmt *st;
	if (rc || (rc = db_prepare_ad_hoc(s, settings_sql, &st, err)))
		return rc;
	db_bind_int64(st, 1, id);
	int src = DB_DONE;
	while (rc == 0 && (src = db_step(st)) == DB_ROW)
		rc = cb(cookie, db_col_text(st, 0), db_col_text(st, 1));
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "reading a mailing's settings", err);
	db_ad_hoc_done(s, st);
	return rc;
}
