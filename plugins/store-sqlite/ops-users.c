/* SPDX-License-Identifier: MIT */
/* The SQLite store's users: the identities (password hash and permissions) that cron and the API run as. */
#include "config.h"
#include "store-sqlite.h"

int sq_user_put(void *state, const struct mr_user *user, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	if (!user->name || !*user->name)
		return s->core->error_set(err, MR_EINPUT, "a user needs a name");
	int rc = sq_acquire(s, SQ_USER_PUT, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, user->name);
	sq_bind_text(&u, 2, user->pwhash ? user->pwhash : "");
	sqlite3_bind_int64(u.st, 3, user->perms);
	sqlite3_bind_int64(u.st, 4, user->created ? user->created : s->core->now(s->core));
	rc = sq_run(s, &u, "storing a user", err);
	sq_release(&u);
	return rc;
}

/* Calls cb per row; returns cb's non-zero, 0 at the end, or a status. */
static int user_rows(struct sq_state *s, struct sq_use *u, mr_user_cb *cb, void *cookie,
		     int *rows_r, struct mr_error *err)
{
	int src;
	*rows_r = 0;
	while ((src = sqlite3_step(u->st)) == SQLITE_ROW) {
		struct mr_user usr = {
			.name = sq_col_text(u->st, 0),
			.pwhash = sq_col_text(u->st, 1),
			.perms = (unsigned)sqlite3_column_int64(u->st, 2),
			.created = sqlite3_column_int64(u->st, 3),
		};
		(*rows_r)++;
		int rc = cb(cookie, &usr);
		if (rc)
			return rc;
	}
	if (src != SQLITE_DONE)
		return sq_fail(s, src, "reading users", err);
	return 0;
}

int sq_user_get(void *state, const char *name, mr_user_cb *cb, void *cookie,
		struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rows, rc = sq_acquire(s, SQ_USER_GET, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, name);
	rc = user_rows(s, &u, cb, cookie, &rows, err);
	sq_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no user named '%s' in %s", name, s->path);
	return rc;
}

int sq_user_list(void *state, mr_user_cb *cb, void *cookie, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rows, rc = sq_acquire(s, SQ_USER_LIST, &u, err);
	if (rc)
		return rc;
	rc = user_rows(s, &u, cb, cookie, &rows, err);
	sq_release(&u);
	return rc;
}

int sq_user_delete(void *state, const char *name, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rc = sq_acquire(s, SQ_USER_DELETE, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, name);
	rc = sq_run(s, &u, "deleting a user", err);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no user named '%s' in %s", name, s->path);
	sq_release(&u);
	return rc;
}
