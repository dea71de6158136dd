/* SPDX-License-Identifier: MIT */
/* The SQL stores' smart groups: the --where expression kept with the group, compiled (values bound, never spliced) and evaluated into its memberships. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "../common/smart-group.h"

static const char where_get_sql[] = "SELECT id, where_expr FROM contact_groups WHERE name = ?1";
static const char where_set_sql[] = "UPDATE contact_groups SET where_expr = ?2 WHERE id = ?1";
static const char members_clear_sql[] = "DELETE FROM group_contact WHERE group_id = ?1";
static const char smart_of_mailing_sql[] =
	"SELECT g.name FROM mailing_groups mg JOIN contact_groups g ON g.id = mg.group_id "
	"WHERE mg.mailing_id = ?1 AND g.where_expr IS NOT NULL ORDER BY g.id";

/* The id and (malloc'ed, NULL for a static group) expression of group name. */
static int where_get(struct db_state *s, const char *name, int64_t *id_r, char **where_r,
		     struct mr_error *err)
{
	db_stmt *st;
	*id_r = 0;
	*where_r = NULL;
	int rc = db_prepare_ad_hoc(s, where_get_sql, &st, err);
	if (rc)
		return rc;
	db_bind_str(st, 1, name);
	int src = db_step(st);
	if (src == DB_ROW) {
		*id_r = db_col_int64(st, 0);
		const char *w = db_col_null(st, 1) ? NULL : db_col_text(st, 1);
		if (w && !(*where_r = strdup(w)))
			rc = s->core->error_set(err, MR_ENOMEM, "out of memory");
	} else if (src == DB_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no group named '%s' in %s", name, db_where(s));
	} else {
		rc = db_fail(s, src, "reading a group's expression", err);
	}
	db_ad_hoc_done(s, st);
	return rc;
}

/* Compiles where; MR_EINPUT naming the group and the column when it is bad. */
static int compile(struct db_state *s, const char *name, const char *where, int first,
		   struct sg_query *q, struct mr_error *err)
{
	char why[300];
	if (sg_compile(where, DB_SG_DIALECT, s->core->now(s->core), first, NULL, NULL, q, why,
		       sizeof(why)) != 0)
		return s->core->error_set(err, MR_EINPUT, "group '%s': --where: %s", name, why);
	return 0;
}

int sql_group_set_where(void *state, const char *name, const char *where, struct mr_error *err)
{
	struct db_state *s = state;
	struct sg_query q;
	int64_t id = 0;
	char *old = NULL;
	int rc = compile(s, name, where ? where : "", 1, &q, err);
	if (rc)
		return rc;
	int tracking = q.tracking;
	sg_query_free(&q);
	/* opened/clicked read track_hits: made now, outside any transaction */
	if (tracking && (rc = db_track_ready(s, err)) != 0)
		return rc;
	if ((rc = where_get(s, name, &id, &old, err)) != 0)
		return rc;
	free(old);
	db_stmt *st;
	if ((rc = db_prepare_ad_hoc(s, where_set_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, id);
	db_bind_str(st, 2, where);
	int src = db_step(st);
	if (src != DB_DONE)
		rc = db_fail(s, src, "setting a group's expression", err);
	db_ad_hoc_done(s, st);
	return rc;
}

/* Replaces the memberships of group id by the contacts where matches. */
static int evaluate(struct db_state *s, int64_t id, const char *name, const char *where,
		    int64_t *count_r, struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, members_clear_sql, &st, err);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	int src = db_step(st);
	db_ad_hoc_done(s, st);
	if (src != DB_DONE)
		return db_fail(s, src, "clearing a smart group", err);
	struct sg_query q;
	if ((rc = compile(s, name, where, 3, &q, err)) != 0)
		return rc;
	/* where DDL is transactional the tracking tables may be made here (a
	 * MariaDB CREATE would commit the caller's transaction: made above) */
	if (DB_DDL_IN_TX && q.tracking && (rc = db_track_ready(s, err)) != 0) {
		sg_query_free(&q);
		return rc;
	}
	static const char head[] = "INSERT INTO group_contact(group_id, contact_id, status, "
				   "added_date) SELECT ?1, id, 'Added', ?2 FROM (";
	size_t n = strlen(head) + strlen(q.sql) + 8;
	char *sql = malloc(n);
	if (!sql) {
		sg_query_free(&q);
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	snprintf(sql, n, "%s%s) AS m", head, q.sql);
	if ((rc = db_prepare_once(s, sql, &st, "preparing a smart group's query", err)) != 0) {
		free(sql);
		sg_query_free(&q);
		return rc;
	}
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, s->core->now(s->core));
	for (size_t i = 0; i < q.n; i++) {
		if (q.p[i].is_text)
			db_bind_str(st, 3 + (int)i, q.p[i].text);
		else
			db_bind_int64(st, 3 + (int)i, q.p[i].num);
	}
	src = db_step(st);
	if (src != DB_DONE)
		rc = db_fail(s, src, "evaluating a smart group", err);
	else if (count_r)
		*count_r = db_changes(s);
	db_finalize(st);
	free(sql);
	sg_query_free(&q);
	return rc;
}

int sql_group_refresh(void *state, const char *name, int64_t *count_r, struct mr_error *err)
{
	struct db_state *s = state;
	int64_t id = 0;
	char *where = NULL;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = where_get(s, name, &id, &where, err)) == 0 && !where && count_r)
		*count_r = -1;
	if (rc == 0 && where)
		rc = evaluate(s, id, name, where, count_r, err);
	free(where);
	return db_unit_end(s, rc, err);
}

int sql_smart_refresh_mailing(struct db_state *s, int64_t mailing_id, struct mr_error *err)
{
	char *names[64];
	size_t n = 0;
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, smart_of_mailing_sql, &st, err), src;
	if (rc)
		return rc;
	db_bind_int64(st, 1, mailing_id);
	while ((src = db_step(st)) == DB_ROW && n < 64)
		if ((names[n] = strdup(db_col_text(st, 0))) != NULL)
			n++;
	if (src != DB_ROW && src != DB_DONE)
		rc = db_fail(s, src, "finding a mailing's smart groups", err);
	db_ad_hoc_done(s, st);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0) {
			int64_t id = 0;
			char *where = NULL;
			if ((rc = where_get(s, names[i], &id, &where, err)) == 0 && where)
				rc = evaluate(s, id, names[i], where, NULL, err);
			free(where);
		}
		free(names[i]);
	}
	return rc;
}
