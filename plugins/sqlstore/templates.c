/* SPDX-License-Identifier: MIT */
/* The SQL stores' mailing templates: put (replacing one of the same name), get one or all by name, delete. */
#include "config.h"
#include <string.h>
#include "db.h"

static const char exists_sql[] = "SELECT 1 FROM mailing_templates WHERE name = ?1";
static const char put_sql[] =
	"INSERT INTO mailing_templates (name, body_html, body_text, created) VALUES (?1, ?2, ?3, ?4) "
	DB_UPSERT("name", "body_html = " DB_NEW("body_html") ", body_text = " DB_NEW("body_text"));
static const char get_sql[] =
	"SELECT name, body_html, body_text, created FROM mailing_templates WHERE name = ?1";
static const char all_sql[] =
	"SELECT name, body_html, body_text, created FROM mailing_templates ORDER BY name";
static const char delete_sql[] = "DELETE FROM mailing_templates WHERE name = ?1";

int sql_template_put(void *state, const struct mr_template *t, int *replaced_r,
		    struct mr_error *err)
{
	struct db_state *s = state;
	if (!mr_store_template_name_ok(t->name))
		return s->core->error_set(err, MR_EINPUT, "\"%s\" is not a template name (letters, "
					  "digits, '_', '-', '.')", t->name ? t->name : "");
	if (!t->html && !t->text)
		return s->core->error_set(err, MR_EINPUT, "template %s has no HTML and no text",
					  t->name);
	db_stmt *st;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	int existed = 0;
	if ((rc = db_prepare_ad_hoc(s, exists_sql, &st, err)) == 0) {
		db_text_or_null(st, 1, t->name);
		int src = db_step(st);
		existed = src == DB_ROW;
		if (src != DB_ROW && src != DB_DONE)
			rc = db_fail(s, src, "finding a template", err);
		db_ad_hoc_done(s, st);
	}
	if (rc == 0 && (rc = db_prepare_ad_hoc(s, put_sql, &st, err)) == 0) {
		db_text_or_null(st, 1, t->name);
		db_text_or_null(st, 2, t->html);
		db_text_or_null(st, 3, t->text);
		db_bind_int64(st, 4, t->created ? t->created : s->core->now(s->core));
		int src = db_step(st);
		if (src != DB_DONE)
			rc = db_fail(s, src, "storing a template", err);
		db_ad_hoc_done(s, st);
	}
	rc = db_unit_end(s, rc, err);
	if (rc == 0 && replaced_r)
		*replaced_r = existed;
	return rc;
}

int sql_template_get(void *state, const char *name, mr_template_cb *cb, void *cookie,
		    struct mr_error *err)
{
	struct db_state *s = state;
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, name ? get_sql : all_sql, &st, err);
	if (rc)
		return rc;
	if (name)
		db_text_or_null(st, 1, name);
	int src = DB_DONE, n = 0;
	while (rc == 0 && (src = db_step(st)) == DB_ROW) {
		struct mr_template t = {
			.name = db_col_text(st, 0),
			.html = db_col_null(st, 1) ? NULL : db_col_text(st, 1),
			.text = db_col_null(st, 2) ? NULL : db_col_text(st, 2),
			.created = db_col_int64(st, 3),
		};
		n++;
		rc = cb(cookie, &t);
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "reading templates", err);
	else if (rc == 0 && name && n == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no template %s", name);
	db_ad_hoc_done(s, st);
	return rc;
}

int sql_template_delete(void *state, const char *name, struct mr_error *err)
{
	struct db_state *s = state;
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, delete_sql, &st, err);
	if (rc)
		return rc;
	db_text_or_null(st, 1, name);
	int src = db_step(st);
	if (src != DB_DONE)
		rc = db_fail(s, src, "deleting a template", err);
	else if (db_changes(s) == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no template %s", name);
	db_ad_hoc_done(s, st);
	return rc;
}
