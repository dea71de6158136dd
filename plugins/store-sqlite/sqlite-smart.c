/* SPDX-License-Identifier: MIT */
/* The SQLite store's smart groups: the --where expression kept with the group, compiled (values bound, never spliced) and evaluated into its memberships. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "store-sqlite.h"
#include "../common/smart-group.h"

static const char where_get_sql[] = "SELECT id, where_expr FROM contact_groups WHERE name = ?1";
static const char where_set_sql[] = "UPDATE contact_groups SET where_expr = ?2 WHERE id = ?1";
static const char members_clear_sql[] = "DELETE FROM group_contact WHERE group_id = ?1";
static const char smart_of_mailing_sql[] =
	"SELECT g.name FROM mailing_groups mg JOIN contact_groups g ON g.id = mg.group_id "
	"WHERE mg.mailing_id = ?1 AND g.where_expr IS NOT NULL ORDER BY g.id";

/* The id and (malloc'ed, NULL for a static group) expression of group name. */
static int where_get(struct sq_state *s, const char *name, int64_t *id_r, char **where_r,
		     struct mr_error *err)
{
	sqlite3_stmt *st;
	*id_r = 0;
	*where_r = NULL;
	int rc = sq_prepare_ad_hoc(s, where_get_sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*id_r = sqlite3_column_int64(st, 0);
		const unsigned char *w = sqlite3_column_text(st, 1);
		if (w && !(*where_r = strdup((const char *)w)))
			rc = s->core->error_set(err, MR_ENOMEM, "out of memory");
	} else if (src == SQLITE_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no group named '%s' in %s", name, s->path);
	} else {
		rc = sq_fail(s, src, "reading a group's expression", err);
	}
	sq_ad_hoc_done(s, st);
	return rc;
}

/* Compiles where; MR_EINPUT naming the group and the column when it is bad. */
static int compile(struct sq_state *s, const char *name, const char *where, int first,
		   struct sg_query *q, struct mr_error *err)
{
	char why[300];
	if (sg_compile(where, SG_SQLITE, s->core->now(s->core), first, NULL, NULL, q, why,
		       sizeof(why)) != 0)
		return s->core->error_set(err, MR_EINPUT, "group '%s': --where: %s", name, why);
	return 0;
}

int sq_group_set_where(void *state, const char *name, const char *where, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sg_query q;
	int64_t id = 0;
	char *old = NULL;
	int rc = compile(s, name, where ? where : "", 1, &q, err);
	if (rc)
		return rc;
	int tracking = q.tracking;
	sg_query_free(&q);
	/* opened/clicked read track_hits: made now, outside any transaction */
	if (tracking && (rc = sq_track_ready(s, err)) != 0)
		return rc;
	if ((rc = where_get(s, name, &id, &old, err)) != 0)
		return rc;
	free(old);
	sqlite3_stmt *st;
	if ((rc = sq_prepare_ad_hoc(s, where_set_sql, &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, where, -1, SQLITE_TRANSIENT);
	int src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = sq_fail(s, src, "setting a group's expression", err);
	sq_ad_hoc_done(s, st);
	return rc;
}

/* Replaces the memberships of group id by the contacts where matches. */
static int evaluate(struct sq_state *s, int64_t id, const char *name, const char *where,
		    int64_t *count_r, struct mr_error *err)
{
	sqlite3_stmt *st;
	int rc = sq_prepare_ad_hoc(s, members_clear_sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int src = sqlite3_step(st);
	sq_ad_hoc_done(s, st);
	if (src != SQLITE_DONE)
		return sq_fail(s, src, "clearing a smart group", err);
	struct sg_query q;
	if ((rc = compile(s, name, where, 3, &q, err)) != 0)
		return rc;
	/* SQLite's DDL is transactional: the tracking tables may be made here */
	if (q.tracking && (rc = sq_track_ready(s, err)) != 0) {
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
	src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	free(sql);
	if (src != SQLITE_OK) {
		sg_query_free(&q);
		return sq_fail(s, src, "preparing a smart group's query", err);
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, s->core->now(s->core));
	for (size_t i = 0; i < q.n; i++) {
		if (q.p[i].is_text)
			sqlite3_bind_text(st, 3 + (int)i, q.p[i].text, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(st, 3 + (int)i, q.p[i].num);
	}
	src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = sq_fail(s, src, "evaluating a smart group", err);
	else if (count_r)
		*count_r = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	sg_query_free(&q);
	return rc;
}

int sq_group_refresh(void *state, const char *name, int64_t *count_r, struct mr_error *err)
{
	struct sq_state *s = state;
	int64_t id = 0;
	char *where = NULL;
	int rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = where_get(s, name, &id, &where, err)) == 0 && !where && count_r)
		*count_r = -1;
	if (rc == 0 && where)
		rc = evaluate(s, id, name, where, count_r, err);
	free(where);
	return sq_unit_end(s, rc, err);
}

int sq_smart_refresh_mailing(struct sq_state *s, int64_t mailing_id, struct mr_error *err)
{
	char *names[64];
	size_t n = 0;
	sqlite3_stmt *st;
	int rc = sq_prepare_ad_hoc(s, smart_of_mailing_sql, &st, err), src;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, mailing_id);
	while ((src = sqlite3_step(st)) == SQLITE_ROW && n < 64)
		if ((names[n] = strdup((const char *)sqlite3_column_text(st, 0))) != NULL)
			n++;
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = sq_fail(s, src, "finding a mailing's smart groups", err);
	sq_ad_hoc_done(s, st);
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
