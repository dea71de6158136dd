/* SPDX-License-Identifier: MIT */
/* The SQL stores' users: the identities (password hash and permissions) that cron and the API run as. */
#include "config.h"
#include "db.h"

int sql_user_put(void *state, const struct mr_user *user, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	if (!user->name || !*user->name)
		return s->core->error_set(err, MR_EINPUT, "a user needs a name");
	int rc = db_acquire(s, DB(USER_PUT), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, user->name);
	db_bind_text(&u, 2, user->pwhash ? user->pwhash : "");
	db_bind_int64(u.st, 3, user->perms);
	db_bind_int64(u.st, 4, user->created ? user->created : s->core->now(s->core));
	rc = db_run(s, &u, "storing a user", err);
	db_release(&u);
	return rc;
}

/* Calls cb per row; returns cb's non-zero, 0 at the end, or a status. */
static int user_rows(struct db_state *s, struct db_use *u, mr_user_cb *cb, void *cookie,
		     int *rows_r, struct mr_error *err)
{
	int src;
	*rows_r = 0;
	while ((src = db_step(u->st)) == DB_ROW) {
		struct mr_user usr = {
			.name = db_col_text(u->st, 0),
			.pwhash = db_col_text(u->st, 1),
			.perms = (unsigned)db_col_int64(u->st, 2),
			.created = db_col_int64(u->st, 3),
		};
		(*rows_r)++;
		int rc = cb(cookie, &usr);
		if (rc)
			return rc;
	}
	if (src != DB_DONE)
		return db_fail(s, src, "reading users", err);
	return 0;
}

int sql_user_get(void *state, const char *name, mr_user_cb *cb, void *cookie,
		struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(USER_GET), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, name);
	rc = user_rows(s, &u, cb, cookie, &rows, err);
	db_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no user named '%s' in %s", name, db_where(s));
	return rc;
}

int sql_user_list(void *state, mr_user_cb *cb, void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(USER_LIST), &u, err);
	if (rc)
		return rc;
	rc = user_rows(s, &u, cb, cookie, &rows, err);
	db_release(&u);
	return rc;
}

int sql_user_delete(void *state, const char *name, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(USER_DELETE), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, name);
	rc = db_run(s, &u, "deleting a user", err);
	if (rc == 0 && db_changes(s) == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no user named '%s' in %s", name, db_where(s));
	db_release(&u);
	return rc;
}
