/* SPDX-License-Identifier: MIT */
/* The SQLite store's contacts and groups: upsert by email, lookups, hold/opt-out/do-not-email flags, group membership. */
#include "config.h"
#include <string.h>
#include "store-sqlite.h"

/* Fills c from a row of the contact columns (see sql.c). */
static void contact_of_row(sqlite3_stmt *st, struct mr_contact *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->contact_type = sq_col_text(st, 1);
	c->first_name = sq_col_text(st, 2);
	c->last_name = sq_col_text(st, 3);
	c->display_name = sq_col_text(st, 4);
	c->email = sq_col_text(st, 5);
	c->on_hold = sqlite3_column_int(st, 6);
	c->do_not_email = sqlite3_column_int(st, 7);
	c->is_opt_out = sqlite3_column_int(st, 8);
	c->created = sqlite3_column_int64(st, 9);
	c->modified = sqlite3_column_int64(st, 10);
}

/* Calls cb per contact row; *rows_r gets the count. */
static int contact_rows(struct sq_state *s, struct sq_use *u, mr_contact_cb *cb, void *cookie,
			int *rows_r, struct mr_error *err)
{
	int src;
	*rows_r = 0;
	while ((src = sqlite3_step(u->st)) == SQLITE_ROW) {
		struct mr_contact c;
		contact_of_row(u->st, &c);
		(*rows_r)++;
		int rc = cb(cookie, &c);
		if (rc)
			return rc;
	}
	if (src != SQLITE_DONE)
		return sq_fail(s, src, "reading contacts", err);
	return 0;
}

static int upsert(struct sq_state *s, const struct mr_contact *c, int64_t *id_r, int *created_r,
		  struct mr_error *err)
{
	int64_t now = s->core->now(s->core), id = 0;
	int rc = sq_id_by_text(s, SQ_CONTACT_FIND, c->email, "looking up a contact by email", &id,
				err);
	if (rc)
		return rc;
	struct sq_use u;
	if (id) {
		if ((rc = sq_acquire(s, SQ_CONTACT_UPDATE, &u, err)) != 0)
			return rc;
		sqlite3_bind_int64(u.st, 1, id);
		sq_bind_text(&u, 2, c->contact_type);
		sq_bind_text(&u, 3, c->first_name);
		sq_bind_text(&u, 4, c->last_name);
		sq_bind_text(&u, 5, c->display_name);
		sqlite3_bind_int64(u.st, 6, now);
		rc = sq_run(s, &u, "updating a contact", err);
		sq_release(&u);
		*id_r = id;
		if (created_r)
			*created_r = 0;
		return rc;
	}
	if ((rc = sq_acquire(s, SQ_CONTACT_INSERT, &u, err)) != 0)
		return rc;
	sq_bind_text(&u, 1, c->contact_type);
	sq_bind_text(&u, 2, c->first_name);
	sq_bind_text(&u, 3, c->last_name);
	sq_bind_text(&u, 4, c->display_name);
	sqlite3_bind_int64(u.st, 5, now);
	rc = sq_run(s, &u, "adding a contact", err);
	sq_release(&u);
	if (rc)
		return rc;
	id = sqlite3_last_insert_rowid(s->db);
	if ((rc = sq_acquire(s, SQ_EMAIL_INSERT, &u, err)) != 0)
		return rc;
	sqlite3_bind_int64(u.st, 1, id);
	sq_bind_text(&u, 2, c->email);
	rc = sq_run(s, &u, "adding an email", err);
	sq_release(&u);
	*id_r = id;
	if (created_r)
		*created_r = 1;
	return rc;
}

int sq_contact_upsert(void *state, const struct mr_contact *c, int64_t *id_r, int *created_r,
		      struct mr_error *err)
{
	struct sq_state *s = state;
	if (!c->email || !*c->email)
		return s->core->error_set(err, MR_EINPUT, "a contact needs an email");
	if (c->contact_type && strcmp(c->contact_type, "Individual") != 0 &&
	    strcmp(c->contact_type, "Organization") != 0)
		return s->core->error_set(err, MR_EINPUT, "contact type '%s' is neither Individual "
					  "nor Organization", c->contact_type);
	int64_t id = 0;
	int rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	rc = upsert(s, c, &id, created_r, err);
	rc = sq_unit_end(s, rc, err);
	if (rc == 0 && id_r)
		*id_r = id;
	return rc;
}

int sq_contact_find(void *state, const char *email, mr_contact_cb *cb, void *cookie,
		    struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rows, rc = sq_acquire(s, SQ_CONTACT_FIND, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, email);
	rc = contact_rows(s, &u, cb, cookie, &rows, err);
	sq_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact with email %s in %s", email,
					s->path);
	return rc;
}

int sq_contact_list(void *state, int64_t after_id, int64_t limit, mr_contact_cb *cb,
		    void *cookie, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rows, rc = sq_acquire(s, SQ_CONTACT_LIST, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, after_id);
	sqlite3_bind_int64(u.st, 2, limit > 0 ? limit : -1);
	rc = contact_rows(s, &u, cb, cookie, &rows, err);
	sq_release(&u);
	return rc;
}

int sq_contact_set_flag(void *state, const char *email, enum mr_contact_flag flag, int value,
			struct mr_error *err)
{
	struct sq_state *s = state;
	enum sq_stmt_id id;
	switch (flag) {
	case MR_CONTACT_ON_HOLD:
		if (value < 0 || value > 2)
			return s->core->error_set(err, MR_EINPUT, "on_hold must be 0, 1 or 2, not %d",
						  value);
		id = SQ_SET_HOLD;
		break;
	case MR_CONTACT_OPT_OUT: id = SQ_SET_OPTOUT; value = !!value; break;
	case MR_CONTACT_DO_NOT_EMAIL: id = SQ_SET_DNE; value = !!value; break;
	default:
		return s->core->error_set(err, MR_EINPUT, "unknown contact flag %d", (int)flag);
	}
	struct sq_use u;
	int rc = sq_acquire(s, id, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, email);
	sqlite3_bind_int(u.st, 2, value);
	sqlite3_bind_int64(u.st, 3, s->core->now(s->core));
	rc = sq_run(s, &u, "setting a contact flag", err);
	int changed = sqlite3_changes(s->db);
	sq_release(&u);
	if (rc == 0 && changed == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact with email %s in %s", email,
					s->path);
	return rc;
}

int sq_group_id(struct sq_state *s, const char *name, int64_t *id_r, struct mr_error *err)
{
	int rc = sq_id_by_text(s, SQ_GROUP_ID, name, "looking up a group", id_r, err);
	if (rc == 0 && *id_r == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no group named '%s' in %s", name, s->path);
	return rc;
}

int sq_group_add(void *state, const char *name, const char *title, int64_t *id_r,
		 struct mr_error *err)
{
	struct sq_state *s = state;
	if (!name || !*name)
		return s->core->error_set(err, MR_EINPUT, "a group needs a name");
	struct sq_use u;
	int rc = sq_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = sq_acquire(s, SQ_GROUP_ADD, &u, err)) == 0) {
		sq_bind_text(&u, 1, name);
		sq_bind_text(&u, 2, title && *title ? title : name);
		sqlite3_bind_int64(u.st, 3, s->core->now(s->core));
		rc = sq_run(s, &u, "adding a group", err);
		sq_release(&u);
	}
	int64_t id = 0;
	if (rc == 0)
		rc = sq_group_id(s, name, &id, err);
	rc = sq_unit_end(s, rc, err);
	if (rc == 0 && id_r)
		*id_r = id;
	return rc;
}

int sq_group_list(void *state, mr_group_cb *cb, void *cookie, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rc = sq_acquire(s, SQ_GROUP_LIST, &u, err), src;
	if (rc)
		return rc;
	while ((src = sqlite3_step(u.st)) == SQLITE_ROW) {
		struct mr_group g = {
			.id = sqlite3_column_int64(u.st, 0),
			.name = sq_col_text(u.st, 1),
			.title = sq_col_text(u.st, 2),
			.created = sqlite3_column_int64(u.st, 3),
			.members = sqlite3_column_int64(u.st, 4),
		};
		if ((rc = cb(cookie, &g)) != 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = sq_fail(s, src, "listing groups", err);
	sq_release(&u);
	return rc;
}

int sq_group_member(void *state, const char *group, int64_t contact_id, int add,
		    struct mr_error *err)
{
	struct sq_state *s = state;
	int64_t gid = 0;
	int rc = sq_group_id(s, group, &gid, err);
	if (rc)
		return rc;
	struct sq_use u;
	if ((rc = sq_acquire(s, add ? SQ_GROUP_JOIN : SQ_GROUP_LEAVE, &u, err)) != 0)
		return rc;
	sqlite3_bind_int64(u.st, 1, gid);
	sqlite3_bind_int64(u.st, 2, contact_id);
	sqlite3_bind_int64(u.st, 3, s->core->now(s->core));
	rc = sq_run(s, &u, add ? "adding a group member" : "removing a group member", err);
	sq_release(&u);
	return rc;
}

int sq_group_members(void *state, const char *group, mr_contact_cb *cb, void *cookie,
		     struct mr_error *err)
{
	struct sq_state *s = state;
	int64_t gid = 0;
	int rows, rc = sq_group_id(s, group, &gid, err);
	if (rc)
		return rc;
	struct sq_use u;
	if ((rc = sq_acquire(s, SQ_GROUP_MEMBERS, &u, err)) != 0)
		return rc;
	sqlite3_bind_int64(u.st, 1, gid);
	rc = contact_rows(s, &u, cb, cookie, &rows, err);
	sq_release(&u);
	return rc;
}
