/* SPDX-License-Identifier: MIT */
/* The MariaDB store's users: the identities (password hash and permissions) that cron and the API run as. */
#include "config.h"
#include "store-mariadb.h"

int md_user_put(void *state, const struct mr_user *user, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	if (!user->name || !*user->name)
		return s->core->error_set(err, MR_EINPUT, "a user needs a name");
	int rc = md_acquire(s, MD_USER_PUT, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, user->name);
	md_bind_text(&u, 2, user->pwhash ? user->pwhash : "");
	md_bind_int64(u.st, 3, user->perms);
	md_bind_int64(u.st, 4, user->created ? user->created : s->core->now(s->core));
	rc = md_run(s, &u, "storing a user", err);
	md_release(&u);
	return rc;
}

/* Calls cb per row; returns cb's non-zero, 0 at the end, or a status. */
static int user_rows(struct md_state *s, struct md_use *u, mr_user_cb *cb, void *cookie,
		     int *rows_r, struct mr_error *err)
{
	int src;
	*rows_r = 0;
	while ((src = md_step(u->st)) == MD_ROW) {
		struct mr_user usr = {
			.name = md_col_text(u->st, 0),
			.pwhash = md_col_text(u->st, 1),
			.perms = (unsigned)md_col_int64(u->st, 2),
			.created = md_col_int64(u->st, 3),
		};
		(*rows_r)++;
		int rc = cb(cookie, &usr);
		if (rc)
			return rc;
	}
	if (src != MD_DONE)
		return md_fail(s, src, "reading users", err);
	return 0;
}

int md_user_get(void *state, const char *name, mr_user_cb *cb, void *cookie,
		struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rows, rc = md_acquire(s, MD_USER_GET, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, name);
	rc = user_rows(s, &u, cb, cookie, &rows, err);
	md_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no user named '%s' in %s", name, s->where);
	return rc;
}

int md_user_list(void *state, mr_user_cb *cb, void *cookie, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rows, rc = md_acquire(s, MD_USER_LIST, &u, err);
	if (rc)
		return rc;
	rc = user_rows(s, &u, cb, cookie, &rows, err);
	md_release(&u);
	return rc;
}

int md_user_delete(void *state, const char *name, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_USER_DELETE, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, name);
	rc = md_run(s, &u, "deleting a user", err);
	if (rc == 0 && md_changes(s) == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no user named '%s' in %s", name, s->where);
	md_release(&u);
	return rc;
}
