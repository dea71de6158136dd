/* SPDX-License-Identifier: MIT */
/* The MariaDB store's contact management: soft delete, a contact's groups, emails and events, deleting and renaming groups. */
#include "config.h"
#include <string.h>
#include "store-mariadb.h"

int md_contact_delete(void *state, const char *email, int64_t *id_r, struct mr_error *err)
{
	struct md_state *s = state;
	int64_t id = 0;
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	rc = md_id_by_text(s, MD_CONTACT_FIND, email, "looking up a contact by email", &id, err);
	if (rc == 0 && id == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no contact with email %s in %s", email,
					s->where);
	struct md_use u;
	if (rc == 0 && (rc = md_acquire(s, MD_CONTACT_DELETE, &u, err)) == 0) {
		md_bind_int64(u.st, 1, id);
		md_bind_int64(u.st, 2, s->core->now(s->core));
		rc = md_run(s, &u, "deleting a contact", err);
		md_release(&u);
	}
	rc = md_unit_end(s, rc, err);
	if (rc == 0 && id_r)
		*id_r = id;
	return rc;
}

int md_contact_groups(void *state, int64_t contact_id, mr_membership_cb *cb, void *cookie,
		      struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_CONTACT_GROUPS, &u, err), src;
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, contact_id);
	while ((src = md_step(u.st)) == MD_ROW) {
		struct mr_membership m = {
			.group = md_col_text(u.st, 0),
			.title = md_col_text(u.st, 1),
			.status = md_col_text(u.st, 2),
			.added = md_col_int64(u.st, 3),
			.removed = md_col_int64(u.st, 4),
		};
		if ((rc = cb(cookie, &m)) != 0)
			break;
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "listing a contact's groups", err);
	md_release(&u);
	return rc;
}

int md_contact_emails(void *state, int64_t contact_id, mr_contact_email_cb *cb, void *cookie,
		      struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_CONTACT_EMAILS, &u, err), src;
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, contact_id);
	while ((src = md_step(u.st)) == MD_ROW) {
		struct mr_contact_email e = {
			.email = md_col_text(u.st, 0),
			.is_primary = md_col_int(u.st, 1),
			.on_hold = md_col_int(u.st, 2),
			.hold_date = md_col_int64(u.st, 3),
			.reset_date = md_col_int64(u.st, 4),
		};
		if ((rc = cb(cookie, &e)) != 0)
			break;
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "listing a contact's emails", err);
	md_release(&u);
	return rc;
}

int md_contact_event_add(void *state, const struct mr_contact_event *ev, struct mr_error *err)
{
	struct md_state *s = state;
	if (!ev->who || !*ev->who || !ev->action || !*ev->action)
		return s->core->error_set(err, MR_EINPUT, "a contact event needs who and action");
	struct md_use u;
	int rc = md_acquire(s, MD_CONTACT_EVENT_ADD, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, ev->contact_id);
	md_bind_int64(u.st, 2, ev->time);
	md_bind_text(&u, 3, ev->who);
	md_bind_text(&u, 4, ev->action);
	md_bind_text(&u, 5, ev->details);
	rc = md_run(s, &u, "recording a contact event", err);
	md_release(&u);
	return rc;
}

int md_contact_events(void *state, int64_t contact_id, int64_t limit, mr_contact_event_cb *cb,
		      void *cookie, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_CONTACT_EVENTS, &u, err), src;
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, contact_id);
	md_bind_int64(u.st, 2, limit > 0 ? limit : INT64_MAX);
	while ((src = md_step(u.st)) == MD_ROW) {
		struct mr_contact_event ev = {
			.contact_id = contact_id,
			.time = md_col_int64(u.st, 0),
			.who = md_col_text(u.st, 1),
			.action = md_col_text(u.st, 2),
			.details = md_col_text(u.st, 3),
		};
		if ((rc = cb(cookie, &ev)) != 0)
			break;
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "listing a contact's events", err);
	md_release(&u);
	return rc;
}

/* Runs statement id with group_id bound to ?1 (and text to ?2 when not NULL). */
static int group_run(struct md_state *s, enum md_stmt_id id, int64_t group_id, const char *text,
		     const char *what, struct mr_error *err)
{
	struct md_use u;
	int rc = md_acquire(s, id, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, group_id);
	if (text)
		md_bind_text(&u, 2, text);
	rc = md_run(s, &u, what, err);
	md_release(&u);
	return rc;
}

int md_group_delete(void *state, const char *name, struct mr_error *err)
{
	struct md_state *s = state;
	int64_t gid = 0, in_use = 0;
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = md_group_id(s, name, &gid, err)) == 0) {
		struct md_use u;
		if ((rc = md_acquire(s, MD_GROUP_IN_USE, &u, err)) == 0) {
			md_bind_int64(u.st, 1, gid);
			int src = md_step(u.st);
			if (src == MD_ROW)
				in_use = md_col_int64(u.st, 0);
			else
				rc = md_fail(s, src, "looking up the mailings of a group", err);
			md_release(&u);
		}
	}
	if (rc == 0 && in_use)
		rc = s->core->error_set(err, MR_EINPUT, "group '%s' is used by %lld mailing(s) not "
					"complete or canceled", name, (long long)in_use);
	if (rc == 0)
		rc = group_run(s, MD_GROUP_DELETE, gid, NULL, "deleting a group", err);
	return md_unit_end(s, rc, err);
}

int md_group_rename(void *state, const char *old_name, const char *new_name,
		    struct mr_error *err)
{
	struct md_state *s = state;
	if (!new_name || !*new_name)
		return s->core->error_set(err, MR_EINPUT, "a group needs a name");
	int64_t gid = 0, taken = 0;
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = md_group_id(s, old_name, &gid, err)) == 0)
		rc = md_id_by_text(s, MD_GROUP_ID, new_name, "looking up a group", &taken, err);
	if (rc == 0 && taken)
		rc = s->core->error_set(err, MR_EINPUT, "there is already a group named '%s' in %s",
					new_name, s->where);
	if (rc == 0)
		rc = group_run(s, MD_GROUP_RENAME, gid, new_name, "renaming a group", err);
	return md_unit_end(s, rc, err);
}
