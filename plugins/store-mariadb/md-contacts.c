/* SPDX-License-Identifier: MIT */
/* The MariaDB store's contact upsert by email and group membership writes, an import's kept and written together (lookups, flags and groups: plugins/sqlstore/contacts.c). */
#include "config.h"
#include <string.h>
#include "db.h"



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







int md_group_member(void *state, const char *group, int64_t contact_id, int add,
		    struct mr_error *err)
{
	struct md_state *s = state;
	/* inside begin()/commit() an import adds a member per row: kept and
	 * written together (md-joins.c) */
	if (add && s->in_tx && s->tx_open && s->unit_depth == 0)
		return md_joins_add(s, group, contact_id, s->core->now(s->core), err);
	int64_t gid = 0;
	int rc = sql_group_id(s, group, &gid, err);
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

