/* SPDX-License-Identifier: MIT */
/* The MariaDB store's contacts and groups: upsert by email, lookups, hold/opt-out/do-not-email flags, group membership. */
#include "config.h"
#include <string.h>
#include "store-mariadb.h"

/* Fills c from a row of the contact columns (see sql.c). */
static void contact_of_row(struct md_stmt *st, struct mr_contact *c)
{
	memset(c, 0, sizeof(*c));
	c->id = md_col_int64(st, 0);
	c->contact_type = md_col_text(st, 1);
	c->first_name = md_col_text(st, 2);
	c->last_name = md_col_text(st, 3);
	c->display_name = md_col_text(st, 4);
	c->email = md_col_text(st, 5);
	c->on_hold = md_col_int(st, 6);
	c->do_not_email = md_col_int(st, 7);
	c->is_opt_out = md_col_int(st, 8);
	c->created = md_col_int64(st, 9);
	c->modified = md_col_int64(st, 10);
}

/* Calls cb per contact row; *rows_r gets the count. */
static int contact_rows(struct md_state *s, struct md_use *u, mr_contact_cb *cb, void *cookie,
			int *rows_r, struct mr_error *err)
{
	int src;
	*rows_r = 0;
	while ((src = md_step(u->st)) == MD_ROW) {
		struct mr_contact c;
		contact_of_row(u->st, &c);
		(*rows_r)++;
		int rc = cb(cookie, &c);
		if (rc)
			return rc;
	}
	if (src != MD_DONE)
		return md_fail(s, src, "reading contacts", err);
	return 0;
}

static int upsert(struct md_state *s, const struct mr_contact *c, int64_t *id_r, int *created_r,
		  struct mr_error *err)
{
	int64_t now = s->core->now(s->core), id = 0;
	int rc = md_id_by_text(s, MD_CONTACT_FIND, c->email, "looking up a contact by email", &id,
				err);
	if (rc)
		return rc;
	struct md_use u;
	if (id) {
		if ((rc = md_acquire(s, MD_CONTACT_UPDATE, &u, err)) != 0)
			return rc;
		md_bind_int64(u.st, 1, id);
		md_bind_text(&u, 2, c->contact_type);
		md_bind_text(&u, 3, c->first_name);
		md_bind_text(&u, 4, c->last_name);
		md_bind_text(&u, 5, c->display_name);
		md_bind_int64(u.st, 6, now);
		rc = md_run(s, &u, "updating a contact", err);
		md_release(&u);
		*id_r = id;
		if (created_r)
			*created_r = 0;
		return rc;
	}
	if ((rc = md_acquire(s, MD_CONTACT_INSERT, &u, err)) != 0)
		return rc;
	md_bind_text(&u, 1, c->contact_type);
	md_bind_text(&u, 2, c->first_name);
	md_bind_text(&u, 3, c->last_name);
	md_bind_text(&u, 4, c->display_name);
	md_bind_int64(u.st, 5, now);
	rc = md_run(s, &u, "adding a contact", err);
	md_release(&u);
	if (rc)
		return rc;
	id = md_last_id(s);
	if ((rc = md_acquire(s, MD_EMAIL_INSERT, &u, err)) != 0)
		return rc;
	md_bind_int64(u.st, 1, id);
	md_bind_text(&u, 2, c->email);
	rc = md_run(s, &u, "adding an email", err);
	md_release(&u);
	struct mr_error undo_err = { 0 };
	if (rc && s->db && md_acquire(s, MD_CONTACT_UNDO, &u, &undo_err) == 0) {
		/* no contact without its email, with or without a savepoint
		 * around (a lost connection took both with it) */
		md_bind_int64(u.st, 1, id);
		md_step(u.st);
		md_release(&u);
	}
	*id_r = id;
	if (created_r)
		*created_r = 1;
	return rc;
}

int md_contact_upsert(void *state, const struct mr_contact *c, int64_t *id_r, int *created_r,
		      struct mr_error *err)
{
	struct md_state *s = state;
	if (!c->email || !*c->email)
		return s->core->error_set(err, MR_EINPUT, "a contact needs an email");
	if (c->contact_type && strcmp(c->contact_type, "Individual") != 0 &&
	    strcmp(c->contact_type, "Organization") != 0)
		return s->core->error_set(err, MR_EINPUT, "contact type '%s' is neither Individual "
					  "nor Organization", c->contact_type);
	int64_t id = 0;
	/* inside begin()/commit() (an import: a row each) no savepoint of its
	 * own, two round trips less: upsert undoes its insert itself */
	if (s->in_tx && s->tx_open && s->unit_depth == 0) {
		int rc = upsert(s, c, &id, created_r, err);
		if (rc == 0 && id_r)
			*id_r = id;
		return rc;
	}
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	rc = upsert(s, c, &id, created_r, err);
	rc = md_unit_end(s, rc, err);
	if (rc == 0 && id_r)
		*id_r = id;
	return rc;
}

int md_contact_find(void *state, const char *email, mr_contact_cb *cb, void *cookie,
		    struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rows, rc = md_acquire(s, MD_CONTACT_FIND, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, email);
	rc = contact_rows(s, &u, cb, cookie, &rows, err);
	md_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact with email %s in %s", email,
					s->where);
	return rc;
}

int md_contact_list(void *state, int64_t after_id, int64_t limit, mr_contact_cb *cb,
		    void *cookie, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rows, rc = md_acquire(s, MD_CONTACT_LIST, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, after_id);
	md_bind_int64(u.st, 2, limit > 0 ? limit : INT64_MAX);
	rc = contact_rows(s, &u, cb, cookie, &rows, err);
	md_release(&u);
	return rc;
}

int md_contact_set_flag(void *state, const char *email, enum mr_contact_flag flag, int value,
			struct mr_error *err)
{
	struct md_state *s = state;
	enum md_stmt_id id;
	switch (flag) {
	case MR_CONTACT_ON_HOLD:
		if (value < 0 || value > 2)
			return s->core->error_set(err, MR_EINPUT, "on_hold must be 0, 1 or 2, not %d",
						  value);
		id = MD_SET_HOLD;
		break;
	case MR_CONTACT_OPT_OUT: id = MD_SET_OPTOUT; value = !!value; break;
	case MR_CONTACT_DO_NOT_EMAIL: id = MD_SET_DNE; value = !!value; break;
	default:
		return s->core->error_set(err, MR_EINPUT, "unknown contact flag %d", (int)flag);
	}
	struct md_use u;
	int rc = md_acquire(s, id, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, email);
	md_bind_int64(u.st, 2, value);
	md_bind_int64(u.st, 3, s->core->now(s->core));
	rc = md_run(s, &u, "setting a contact flag", err);
	int changed = md_changes(s);
	md_release(&u);
	if (rc == 0 && changed == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact with email %s in %s", email,
					s->where);
	return rc;
}

int md_group_id(struct md_state *s, const char *name, int64_t *id_r, struct mr_error *err)
{
	int rc = md_id_by_text(s, MD_GROUP_ID, name, "looking up a group", id_r, err);
	if (rc == 0 && *id_r == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no group named '%s' in %s", name, s->where);
	return rc;
}

int md_group_add(void *state, const char *name, const char *title, int64_t *id_r,
		 struct mr_error *err)
{
	struct md_state *s = state;
	if (!name || !*name)
		return s->core->error_set(err, MR_EINPUT, "a group needs a name");
	struct md_use u;
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = md_acquire(s, MD_GROUP_ADD, &u, err)) == 0) {
		md_bind_text(&u, 1, name);
		md_bind_text(&u, 2, title && *title ? title : name);
		md_bind_int64(u.st, 3, s->core->now(s->core));
		rc = md_run(s, &u, "adding a group", err);
		md_release(&u);
	}
	int64_t id = 0;
	if (rc == 0)
		rc = md_group_id(s, name, &id, err);
	rc = md_unit_end(s, rc, err);
	if (rc == 0 && id_r)
		*id_r = id;
	return rc;
}

int md_group_list(void *state, mr_group_cb *cb, void *cookie, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_GROUP_LIST, &u, err), src;
	if (rc)
		return rc;
	while ((src = md_step(u.st)) == MD_ROW) {
		struct mr_group g = {
			.id = md_col_int64(u.st, 0),
			.name = md_col_text(u.st, 1),
			.title = md_col_text(u.st, 2),
			.created = md_col_int64(u.st, 3),
			.members = md_col_int64(u.st, 4),
		};
		if ((rc = cb(cookie, &g)) != 0)
			break;
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "listing groups", err);
	md_release(&u);
	return rc;
}

int md_group_member(void *state, const char *group, int64_t contact_id, int add,
		    struct mr_error *err)
{
	struct md_state *s = state;
	/* inside begin()/commit() an import adds a member per row: kept and
	 * written together (md-joins.c) */
	if (add && s->in_tx && s->tx_open && s->unit_depth == 0)
		return md_joins_add(s, group, contact_id, s->core->now(s->core), err);
	int64_t gid = 0;
	int rc = md_group_id(s, group, &gid, err);
	if (rc)
		return rc;
	struct md_use u;
	if ((rc = md_acquire(s, add ? MD_GROUP_JOIN : MD_GROUP_LEAVE, &u, err)) != 0)
		return rc;
	md_bind_int64(u.st, 1, gid);
	md_bind_int64(u.st, 2, contact_id);
	md_bind_int64(u.st, 3, s->core->now(s->core));
	rc = md_run(s, &u, add ? "adding a group member" : "removing a group member", err);
	md_release(&u);
	return rc;
}

int md_group_members(void *state, const char *group, mr_contact_cb *cb, void *cookie,
		     struct mr_error *err)
{
	struct md_state *s = state;
	int64_t gid = 0;
	int rows, rc = md_group_id(s, group, &gid, err);
	if (rc)
		return rc;
	struct md_use u;
	if ((rc = md_acquire(s, MD_GROUP_MEMBERS, &u, err)) != 0)
		return rc;
	md_bind_int64(u.st, 1, gid);
	rc = contact_rows(s, &u, cb, cookie, &rows, err);
	md_release(&u);
	return rc;
}
