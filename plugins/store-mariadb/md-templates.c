/* SPDX-License-Identifier: MIT */
/* The MariaDB store's mailing templates (as store-sqlite's): put (replacing one of the same name), get one or all by name, delete. */
#include "config.h"
#include <string.h>
#include "store-mariadb.h"

static const char exists_sql[] = "SELECT 1 FROM mailing_templates WHERE name = ?";
static const char put_sql[] =
	"INSERT INTO mailing_templates (name, body_html, body_text, created) VALUES (?, ?, ?, ?) "
	"ON DUPLICATE KEY UPDATE body_html = VALUES(body_html), body_text = VALUES(body_text)";
static const char get_sql[] =
	"SELECT name, body_html, body_text, created FROM mailing_templates WHERE name = ?";
static const char all_sql[] =
	"SELECT name, body_html, body_text, created FROM mailing_templates ORDER BY name";
static const char delete_sql[] = "DELETE FROM mailing_templates WHERE name = ?";

int md_template_put(void *state, const struct mr_template *t, int *replaced_r,
		    struct mr_error *err)
{
	struct md_state *s = state;
	if (!mr_store_template_name_ok(t->name))
		return s->core->error_set(err, MR_EINPUT, "\"%s\" is not a template name (letters, "
					  "digits, '_', '-', '.')", t->name ? t->name : "");
	if (!t->html && !t->text)
		return s->core->error_set(err, MR_EINPUT, "template %s has no HTML and no text",
					  t->name);
	struct md_stmt *st;
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	int existed = 0;
	if ((rc = md_prepare_ad_hoc(s, exists_sql, &st, err)) == 0) {
		md_text_or_null(st, 1, t->name);
		int src = md_step(st);
		existed = src == MD_ROW;
		if (src != MD_ROW && src != MD_DONE)
			rc = md_fail(s, src, "finding a template", err);
		md_ad_hoc_done(s, st);
	}
	if (rc == 0 && (rc = md_prepare_ad_hoc(s, put_sql, &st, err)) == 0) {
		md_text_or_null(st, 1, t->name);
		md_text_or_null(st, 2, t->html);
		md_text_or_null(st, 3, t->text);
		md_bind_int64(st, 4, t->created ? t->created : s->core->now(s->core));
		int src = md_step(st);
		if (src != MD_DONE)
			rc = md_fail(s, src, "storing a template", err);
		md_ad_hoc_done(s, st);
	}
	rc = md_unit_end(s, rc, err);
	if (rc == 0 && replaced_r)
		*replaced_r = existed;
	return rc;
}

int md_template_get(void *state, const char *name, mr_template_cb *cb, void *cookie,
		    struct mr_error *err)
{
	struct md_state *s = state;
	struct md_stmt *st;
	int rc = md_prepare_ad_hoc(s, name ? get_sql : all_sql, &st, err);
	if (rc)
		return rc;
	if (name)
		md_text_or_null(st, 1, name);
	int src = MD_DONE, n = 0;
	while (rc == 0 && (src = md_step(st)) == MD_ROW) {
		struct mr_template t = {
			.name = md_col_text(st, 0),
			.html = md_col_null(st, 1) ? NULL : md_col_text(st, 1),
			.text = md_col_null(st, 2) ? NULL : md_col_text(st, 2),
			.created = md_col_int64(st, 3),
		};
		n++;
		rc = cb(cookie, &t);
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "reading templates", err);
	else if (rc == 0 && name && n == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no template %s", name);
	md_ad_hoc_done(s, st);
	return rc;
}

int md_template_delete(void *state, const char *name, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_stmt *st;
	int rc = md_prepare_ad_hoc(s, delete_sql, &st, err);
	if (rc)
		return rc;
	md_text_or_null(st, 1, name);
	int src = md_step(st);
	if (src != MD_DONE)
		rc = md_fail(s, src, "deleting a template", err);
	else if (md_changes(s) == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no template %s", name);
	md_ad_hoc_done(s, st);
	return rc;
}
