/* SPDX-License-Identifier: MIT */
/* The SQL stores' contact management: soft delete, a contact's groups, emails and events, deleting and renaming groups. */
#include "config.h"
#include <string.h>
#include "db.h"

int sql_contact_delete(void *state, const char *email, int64_t *id_r, struct mr_error *err)
{
	struct db_state *s = state;
	int64_t id = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	rc = db_id_by_text(s, DB(CONTACT_FIND), email, "looking up a contact by email", &id, err);
	if (rc == 0 && id == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact with email %s in %s", email,
					db_where(s));
	struct db_use u;
	if (rc == 0 && (rc = db_acquire(s, DB(CONTACT_DELETE), &u, err)) == 0) {
		db_bind_int64(u.st, 1, id);
		db_bind_int64(u.st, 2, s->core->now(s->core));
		rc = db_run(s, &u, "deleting a contact", err);
		db_release(&u);
	}
	rc = db_unit_end(s, rc, err);
	if (rc == 0 && id_r)
		*id_r = id;
	return rc;
}

int sql_contact_groups(void *state, int64_t contact_id, mr_membership_cb *cb, void *cookie,
		      struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(CONTACT_GROUPS), &u, err), src;
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, contact_id);
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_membership m = {
			.group = db_col_text(u.st, 0),
			.title = db_col_text(u.st, 1),
			.status = db_col_text(u.st, 2),
			.added = db_col_int64(u.st, 3),
			.removed = db_col_int64(u.st, 4),
		};
		if ((rc = cb(cookie, &m)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "listing a contact's groups", err);
	db_release(&u);
	return rc;
}

int sql_contact_emails(void *state, int64_t contact_id, mr_contact_email_cb *cb, void *cookie,
		      struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(CONTACT_EMAILS), &u, err), src;
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, contact_id);
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_contact_email e = {
			.email = db_col_text(u.st, 0),
			.is_primary = db_col_int(u.st, 1),
			.on_hold = db_col_int(u.st, 2),
			.hold_date = db_col_int64(u.st, 3),
			.reset_date = db_col_int64(u.st, 4),
		};
		if ((rc = cb(cookie, &e)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "listing a contact's emails", err);
	db_release(&u);
	return rc;
}

int sql_contact_event_add(void *state, const struct mr_contact_event *ev, struct mr_error *err)
{
	struct db_state *s = state;
	if (!ev->who || !*ev->who || !ev->action || !*ev->action)
		return s->core->error_set(err, MR_EINPUT, "a contact event needs who and action");
	struct db_use u;
	int rc = db_acquire(s, DB(CONTACT_EVENT_ADD), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, ev->contact_id);
	db_bind_int64(u.st, 2, ev->time);
	db_bind_text(&u, 3, ev->who);
	db_bind_text(&u, 4, ev->action);
	db_bind_text(&u, 5, ev->details);
	rc = db_run(s, &u, "recording a contact event", err);
	db_release(&u);
	return rc;
}

int sql_contact_events(void *state, int64_t contact_id, int64_t limit, mr_contact_event_cb *cb,
		      void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(CONTACT_EVENTS), &u, err), src;
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, contact_id);
	db_bind_int64(u.st, 2, limit > 0 ? limit : INT64_MAX);
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_contact_event ev = {
			.contact_id = contact_id,
			.time = db_col_int64(u.st, 0),
			.who = db_col_text(u.st, 1),
			.action = db_col_text(u.st, 2),
			.details = db_col_text(u.st, 3),
		};
		if ((rc = cb(cookie, &ev)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "listing a contact's events", err);
	db_release(&u);
	return rc;
}

/* Runs statement id with group_id bound to ?1 (and text to ?2 when not NULL). */
static int group_run(struct db_state *s, int id, int64_t group_id, const char *text,
		     const char *what, struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, id, &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, group_id);
	if (text)
		db_bind_text(&u, 2, text);
	rc = db_run(s, &u, what, err);
	db_release(&u);
	return rc;
}

int sql_group_delete(void *state, const char *name, struct mr_error *err)
{
	struct db_state *s = state;
	int64_t gid = 0, in_use = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = db_group_id(s, name, &gid, err)) == 0) {
		struct db_use u;
		if ((rc = db_acquire(s, DB(GROUP_IN_USE), &u, err)) == 0) {
			db_bind_int64(u.st, 1, gid);
			int src = db_step(u.st);
			if (src == DB_ROW)
				in_use = db_col_int64(u.st, 0);
			else
				rc = db_fail(s, src, "looking up the mailings of a group", err);
			db_release(&u);
		}
	}
	if (rc == 0 && in_use)
		rc = s->core->error_set(err, MR_EINPUT, "group '%s' is used by %lld mailing(s) not "
					"complete or canceled", name, (long long)in_use);
	if (rc == 0)
		rc = group_run(s, DB(GROUP_DELETE), gid, NULL, "deleting a group", err);
	return db_unit_end(s, rc, err);
}

int sql_group_rename(void *state, const char *old_name, const char *new_name,
		    struct mr_error *err)
{
	struct db_state *s = state;
	if (!new_name || !*new_name)
		return s->core->error_set(err, MR_EINPUT, "a group needs a name");
	int64_t gid = 0, taken = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = db_group_id(s, old_name, &gid, err)) == 0)
		rc = db_id_by_text(s, DB(GROUP_ID), new_name, "looking up a group", &taken, err);
	if (rc == 0 && taken)
		rc = s->core->error_set(err, MR_EINPUT, "there is already a group named '%s' in %s",
					new_name, db_where(s));
	if (rc == 0)
		rc = group_run(s, DB(GROUP_RENAME), gid, new_name, "renaming a group", err);
	return db_unit_end(s, rc, err);
}
