/* SPDX-License-Identifier: MIT */
/* The SQL stores' records of fetched messages, so that a message is processed once per account even if moving it failed. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "db.h"

int sql_msg_seen(void *state, const char *account, const char *key, int *seen_r,
		struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(MSG_SEEN), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, account);
	db_bind_text(&u, 2, key);
	int src = db_step(u.st);
	if (src == DB_ROW || src == DB_DONE)
		*seen_r = src == DB_ROW;
	else
		rc = db_fail(s, src, "looking up a fetched message", err);
	db_release(&u);
	return rc;
}

int sql_msg_mark(void *state, const char *account, const char *key, const char *outcome,
		int64_t when, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(MSG_MARK), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, account);
	db_bind_text(&u, 2, key);
	db_bind_text(&u, 3, outcome ? outcome : "");
	db_bind_int64(u.st, 4, when);
	rc = db_run(s, &u, "recording a fetched message", err);
	db_release(&u);
	return rc;
}

int sql_msg_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	return db_purge(state, DB(MSG_PURGE), before, count_r, "purging fetched-message records",
			err);
}

int sql_msg_outcome(void *state, const char *account, const char *key, char **outcome_r,
		   struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	*outcome_r = NULL;
	int rc = db_acquire(s, DB(MSG_OUTCOME), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, account);
	db_bind_text(&u, 2, key);
	int src = db_step(u.st);
	if (src == DB_ROW) {
		if (!(*outcome_r = strdup(db_col_text(u.st, 0))))
			rc = s->core->error_set(err, MR_ENOMEM, "out of memory");
	} else if (src == DB_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no record of message %s of account %s "
					"in %s", key, account, db_where(s));
	} else {
		rc = db_fail(s, src, "looking up a fetched message", err);
	}
	db_release(&u);
	return rc;
}
