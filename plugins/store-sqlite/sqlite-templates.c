/* SPDX-License-Identifier: MIT */
/* The SQLite store's mailing templates: put (replacing one of the same name), get one or all by name, delete. */
#include "config.h"
#include <string.h>
#include "store-sqlite.h"

static const char exists_sql[] = "SELECT 1 FROM mailing_templates WHERE name = ?1";
static const char put_sql[] =
	"INSERT INTO mailing_templates (name, body_html, body_text, created) VALUES (?1, ?2, ?3, ?4) "
	"ON CONFLICT (name) DO UPDATE SET body_html = excluded.body_html, "
	"body_text = excluded.body_text";
static const char get_sql[] =
	"SELECT name, body_html, body_text, created FROM mailing_templates WHERE name = ?1";
static const char all_sql[] =
	"SELECT name, body_html, body_text, created FROM mailing_templates ORDER BY name";
static const char delete_sql[] = "DELETE FROM mailing_templates WHERE name = ?1";

int sq_template_put(void *state, const struct mr_template *t, int *replaced_r,
		    struct mr_error *err)
{
	struct sq_state *s = state;
	if (!mr_store_template_name_ok(t->name))
		return s->core->error_set(err, MR_EINPUT, "\"%s\" is not a template name (letters, "
					  "digits, '_', '-', '.')", t->name ? t->name : "");
	if (!t->html && !t->text)
		return s->core->error_set(err, MR_EINPUT, "template %s has no HTML and no text",
					  t->name);
	sqlite3_stmt *st;
	int rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	int existed = 0;
	if ((rc = sq_prepare_ad_hoc(s, exists_sql, &st, err)) == 0) {
		sq_text_or_null(st, 1, t->name);
		int src = sqlite3_step(st);
		existed = src == SQLITE_ROW;
		if (src != SQLITE_ROW && src != SQLITE_DONE)
			rc = sq_fail(s, src, "finding a template", err);
		sq_ad_hoc_done(s, st);
	}
	if (rc == 0 && (rc = sq_prepare_ad_hoc(s, put_sql, &st, err)) == 0) {
		sq_text_or_null(st, 1, t->name);
		sq_text_or_null(st, 2, t->html);
		sq_text_or_null(st, 3, t->text);
		sqlite3_bind_int64(st, 4, t->created ? t->created : s->core->now(s->core));
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = sq_fail(s, src, "storing a template", err);
		sq_ad_hoc_done(s, st);
	}
	rc = sq_unit_end(s, rc, err);
	if (rc == 0 && replaced_r)
		*replaced_r = existed;
	return rc;
}

int sq_template_get(void *state, const char *name, mr_template_cb *cb, void *cookie,
		    struct mr_error *err)
{
	struct sq_state *s = state;
	sqlite3_stmt *st;
	int rc = sq_prepare_ad_hoc(s, name ? get_sql : all_sql, &st, err);
	if (rc)
		return rc;
	if (name)
		sq_text_or_null(st, 1, name);
	int src = SQLITE_DONE, n = 0;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		struct mr_template t = {
			.name = sq_col_text(st, 0),
			.html = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : sq_col_text(st, 1),
			.text = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : sq_col_text(st, 2),
			.created = sqlite3_column_int64(st, 3),
		};
		n++;
		rc = cb(cookie, &t);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = sq_fail(s, src, "reading templates", err);
	else if (rc == 0 && name && n == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no template %s", name);
	sq_ad_hoc_done(s, st);
	return rc;
}

int sq_template_delete(void *state, const char *name, struct mr_error *err)
{
	struct sq_state *s = state;
	sqlite3_stmt *st;
	int rc = sq_prepare_ad_hoc(s, delete_sql, &st, err);
	if (rc)
		return rc;
	sq_text_or_null(st, 1, name);
	int src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = sq_fail(s, src, "deleting a template", err);
	else if (sqlite3_changes(s->db) == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no template %s", name);
	sq_ad_hoc_done(s, st);
	return rc;
}
