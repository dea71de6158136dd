/* SPDX-License-Identifier: MIT */
/* Contacts and groups for every SQL store: lookups by email and by page, the hold, opt-out and do-not-email flags, groups and their members (the upsert and the membership writes stay in each store: MariaDB batches an import's). */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "db.h"

/* Fills c from a row of the contact columns (see sql.c). */
static void contact_of_row(db_stmt *st, struct mr_contact *c)
{
	memset(c, 0, sizeof(*c));
	c->id = db_col_int64(st, 0);
	c->contact_type = db_col_text(st, 1);
	c->first_name = db_col_text(st, 2);
	c->last_name = db_col_text(st, 3);
	c->display_name = db_col_text(st, 4);
	c->email = db_col_text(st, 5);
	c->on_hold = db_col_int(st, 6);
	c->do_not_email = db_col_int(st, 7);
	c->is_opt_out = db_col_int(st, 8);
	c->created = db_col_int64(st, 9);
	c->modified = db_col_int64(st, 10);
}

/* Calls cb per contact row; *rows_r gets the count. */
static int contact_rows(struct db_state *s, struct db_use *u, mr_contact_cb *cb, void *cookie,
			int *rows_r, struct mr_error *err)
{
	int src;
	*rows_r = 0;
	while ((src = db_step(u->st)) == DB_ROW) {
		struct mr_contact c;
		contact_of_row(u->st, &c);
		(*rows_r)++;
		int rc = cb(cookie, &c);
		if (rc)
			return rc;
	}
	if (src != DB_DONE)
		return db_fail(s, src, "reading contacts", err);
	return 0;
}

int sql_contact_find(void *state, const char *email, mr_contact_cb *cb, void *cookie,
		     struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(CONTACT_FIND), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, email);
	rc = contact_rows(s, &u, cb, cookie, &rows, err);
	db_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact with email %s in %s", email,
					db_where(s));
	return rc;
}

int sql_contact_list(void *state, int64_t after_id, int64_t limit, mr_contact_cb *cb,
		     void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(CONTACT_LIST), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, after_id);
	db_bind_int64(u.st, 2, limit > 0 ? limit : INT64_MAX);
	rc = contact_rows(s, &u, cb, cookie, &rows, err);
	db_release(&u);
	return rc;
}

int sql_contact_set_flag(void *state, const char *email, enum mr_contact_flag flag, int value,
			 struct mr_error *err)
{
	struct db_state *s = state;
	int id;
	switch (flag) {
	case MR_CONTACT_ON_HOLD:
		if (value < 0 || value > 2)
			return s->core->error_set(err, MR_EINPUT, "on_hold must be 0, 1 or 2, not %d",
						  value);
		id = DB(SET_HOLD);
		break;
	case MR_CONTACT_OPT_OUT: id = DB(SET_OPTOUT); value = !!value; break;
	case MR_CONTACT_DO_NOT_EMAIL: id = DB(SET_DNE); value = !!value; break;
	default:
		return s->core->error_set(err, MR_EINPUT, "unknown contact flag %d", (int)flag);
	}
	struct db_use u;
	int rc = db_acquire(s, id, &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, email);
	db_bind_int64(u.st, 2, value);
	db_bind_int64(u.st, 3, s->core->now(s->core));
	rc = db_run(s, &u, "setting a contact flag", err);
	int changed = db_changes(s);
	db_release(&u);
	if (rc == 0 && changed == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact with email %s in %s", email,
					db_where(s));
	return rc;
}

int sql_group_id(struct db_state *s, const char *name, int64_t *id_r, struct mr_error *err)
{
	int rc = db_id_by_text(s, DB(GROUP_ID), name, "looking up a group", id_r, err);
	if (rc == 0 && *id_r == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no group named '%s' in %s", name, db_where(s));
	return rc;
}

int sql_group_add(void *state, const char *name, const char *title, int64_t *id_r,
		  struct mr_error *err)
{
	struct db_state *s = state;
	if (!name || !*name)
		return s->core->error_set(err, MR_EINPUT, "a group needs a name");
	struct db_use u;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = db_acquire(s, DB(GROUP_ADD), &u, err)) == 0) {
		db_bind_text(&u, 1, name);
		db_bind_text(&u, 2, title && *title ? title : name);
		db_bind_int64(u.st, 3, s->core->now(s->core));
		rc = db_run(s, &u, "adding a group", err);
		db_release(&u);
	}
	int64_t id = 0;
	if (rc == 0)
		rc = sql_group_id(s, name, &id, err);
	rc = db_unit_end(s, rc, err);
	if (rc == 0 && id_r)
		*id_r = id;
	return rc;
}

int sql_group_list(void *state, mr_group_cb *cb, void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(GROUP_LIST), &u, err), src;
	if (rc)
		return rc;
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_group g = {
			.id = db_col_int64(u.st, 0),
			.name = db_col_text(u.st, 1),
			.title = db_col_text(u.st, 2),
			.created = db_col_int64(u.st, 3),
			.members = db_col_int64(u.st, 4),
		};
		if ((rc = cb(cookie, &g)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "listing groups", err);
	db_release(&u);
	return rc;
}

int sql_group_members(void *state, const char *group, mr_contact_cb *cb, void *cookie,
		      struct mr_error *err)
{
	struct db_state *s = state;
	int64_t gid = 0;
	int rows, rc = sql_group_id(s, group, &gid, err);
	if (rc)
		return rc;
	struct db_use u;
	if ((rc = db_acquire(s, DB(GROUP_MEMBERS), &u, err)) != 0)
		return rc;
	db_bind_int64(u.st, 1, gid);
	rc = contact_rows(s, &u, cb, cookie, &rows, err);
	db_release(&u);
	return rc;
}
