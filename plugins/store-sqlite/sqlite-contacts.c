/* SPDX-License-Identifier: MIT */
/* The SQLite store's contact upsert by email and group membership writes (lookups, flags and groups: plugins/sqlstore/contacts.c). */
#include "config.h"
#include <string.h>
#include "db.h"



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







int sq_group_member(void *state, const char *group, int64_t contact_id, int add,
		    struct mr_error *err)
{
	struct sq_state *s = state;
	int64_t gid = 0;
	int rc = sql_group_id(s, group, &gid, err);
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

