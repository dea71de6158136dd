/* SPDX-License-Identifier: MIT */
/* The SQL stores' double opt-in: pending requests to join a group, their confirmation into a membership, and their expiry. */
#include "config.h"
#include <string.h>
#include "db.h"

static const char group_sql[] = "SELECT id, where_expr IS NOT NULL FROM contact_groups "
				"WHERE name = ?1";
static const char member_sql[] = "SELECT 1 FROM group_contact WHERE group_id = ?1 AND "
				 "contact_id = ?2 AND status = 'Added'";
static const char live_contact_sql[] = "SELECT 1 FROM contacts WHERE id = ?1 AND is_deleted = 0";
static const char pending_put_sql[] =
	"INSERT INTO optin_pending(group_id, contact_id, created, expires) VALUES(?1, ?2, ?3, ?4) "
	DB_UPSERT("group_id, contact_id",
		  "created = " DB_NEW("created") ", expires = " DB_NEW("expires"));
static const char pending_take_sql[] = "DELETE FROM optin_pending WHERE group_id = ?1 AND "
				       "contact_id = ?2 AND expires > ?3";
static const char pending_expire_sql[] = "DELETE FROM optin_pending WHERE expires <= ?1";
static const char pending_list_sql[] =
	"SELECT g.name, g.title, p.created, p.expires FROM optin_pending p "
	"JOIN contact_groups g ON g.id = p.group_id WHERE p.contact_id = ?1 AND p.expires > ?2 "
	"ORDER BY g.name";

/* Runs sql with up to four integer bindings (n of them): *row_r (MAY be
 * NULL) 1 when it gave a row, *cols_r (MAY be NULL) its first two integer
 * columns, *changes_r (MAY be NULL) the rows it changed. */
static int run_ints(struct db_state *s, const char *sql, const int64_t *v, int n, int *row_r,
		    int64_t cols_r[2], int64_t *changes_r, const char *what, struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, sql, &st, err);
	if (rc)
		return rc;
	for (int i = 0; i < n; i++)
		db_bind_int64(st, i + 1, v[i]);
	int src = db_step(st);
	if (src == DB_ROW || src == DB_DONE) {
		if (row_r)
			*row_r = src == DB_ROW;
		if (cols_r && src == DB_ROW) {
			cols_r[0] = db_col_int64(st, 0);
			cols_r[1] = db_col_int64(st, 1);
		}
		if (changes_r)
			*changes_r = db_changes(s);
	} else {
		rc = db_fail(s, src, what, err);
	}
	db_ad_hoc_done(s, st);
	return rc;
}

static int group_of(struct db_state *s, const char *name, int64_t *id_r, int *smart_r,
		    struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, group_sql, &st, err);
	if (rc)
		return rc;
	db_bind_str(st, 1, name);
	int src = db_step(st);
	if (src == DB_ROW) {
		*id_r = db_col_int64(st, 0);
		*smart_r = db_col_int(st, 1);
	} else if (src == DB_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no group named '%s' in %s", name, db_where(s));
	} else {
		rc = db_fail(s, src, "looking up a group", err);
	}
	db_ad_hoc_done(s, st);
	return rc;
}

int sql_optin_pending_add(void *state, const char *group, int64_t contact_id, int64_t expires,
			 int64_t *group_id_r, int *member_r, struct mr_error *err)
{
	struct db_state *s = state;
	int64_t gid = 0;
	int smart = 0, member = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	rc = group_of(s, group ? group : "", &gid, &smart, err);
	if (rc == 0 && smart)
		rc = s->core->error_set(err, MR_EINPUT, "group '%s' is a smart group: its members "
					"come from its --where expression, not from subscriptions",
					group);
	if (rc == 0)
		rc = run_ints(s, member_sql, (int64_t[]){ gid, contact_id }, 2, &member, NULL, NULL,
			      "checking a membership", err);
	if (rc == 0 && !member)
		rc = run_ints(s, pending_put_sql,
			      (int64_t[]){ gid, contact_id, s->core->now(s->core), expires }, 4,
			      NULL, NULL, NULL, "recording a subscription request", err);
	rc = db_unit_end(s, rc, err);
	if (rc == 0 && group_id_r)
		*group_id_r = gid;
	if (rc == 0 && member_r)
		*member_r = member;
	return rc;
}

int sql_optin_confirm(void *state, int64_t group_id, int64_t contact_id, int64_t now,
		     int *already_r, struct mr_error *err)
{
	struct db_state *s = state;
	int live = 0, member = 0;
	int64_t taken = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	rc = run_ints(s, live_contact_sql, &contact_id, 1, &live, NULL, NULL,
		      "looking up a contact", err);
	if (rc == 0 && live)
		rc = run_ints(s, member_sql, (int64_t[]){ group_id, contact_id }, 2, &member, NULL,
			      NULL, "checking a membership", err);
	if (rc == 0 && live && !member)
		rc = run_ints(s, pending_take_sql, (int64_t[]){ group_id, contact_id, now }, 3,
			      NULL, NULL, &taken, "taking a subscription request", err);
	if (rc == 0 && live && !member && taken == 0) /* confirmed meanwhile by another click? */
		rc = run_ints(s, member_sql, (int64_t[]){ group_id, contact_id }, 2, &member, NULL,
			      NULL, "checking a membership", err);
	if (rc == 0 && (!live || (!member && taken == 0)))
		rc = s->core->error_set(err, MR_ENOTFOUND, "contact %lld has no pending request "
					"to join group %lld in %s (expired or never made)",
					(long long)contact_id, (long long)group_id, db_where(s));
	struct db_use u;
	if (rc == 0 && taken && (rc = db_acquire(s, DB(GROUP_JOIN), &u, err)) == 0) {
		db_bind_int64(u.st, 1, group_id);
		db_bind_int64(u.st, 2, contact_id);
		db_bind_int64(u.st, 3, now);
		rc = db_run(s, &u, "adding a confirmed group member", err);
		db_release(&u);
	}
	rc = db_unit_end(s, rc, err);
	if (rc == 0 && already_r)
		*already_r = member;
	return rc;
}

int sql_optin_expire(void *state, int64_t now, int64_t *count_r, struct mr_error *err)
{
	struct db_state *s = state;
	int64_t n = 0;
	int rc = run_ints(s, pending_expire_sql, &now, 1, NULL, NULL, &n,
			  "removing expired subscription requests", err);
	if (rc == 0 && count_r)
		*count_r = n;
	return rc;
}

int sql_optin_pending_list(void *state, int64_t contact_id, int64_t now, mr_membership_cb *cb,
			  void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, pending_list_sql, &st, err), src;
	if (rc)
		return rc;
	db_bind_int64(st, 1, contact_id);
	db_bind_int64(st, 2, now);
	while ((src = db_step(st)) == DB_ROW) {
		struct mr_membership m = {
			.group = db_col_text(st, 0),
			.title = db_col_text(st, 1),
			.status = "Pending",
			.added = db_col_int64(st, 2),
			.removed = db_col_int64(st, 3),
		};
		if ((rc = cb(cookie, &m)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "listing a contact's subscription requests", err);
	db_ad_hoc_done(s, st);
	return rc;
}
