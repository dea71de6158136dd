/* SPDX-License-Identifier: MIT */
/* The SQLite store's records of fetched messages, so that a message is processed once per account even if moving it failed. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "store-sqlite.h"

int sq_msg_seen(void *state, const char *account, const char *key, int *seen_r,
		struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rc = sq_acquire(s, SQ_MSG_SEEN, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, account);
	sq_bind_text(&u, 2, key);
	int src = sqlite3_step(u.st);
	if (src == SQLITE_ROW || src == SQLITE_DONE)
		*seen_r = src == SQLITE_ROW;
	else
		rc = sq_fail(s, src, "looking up a fetched message", err);
	sq_release(&u);
	return rc;
}

int sq_msg_mark(void *state, const char *account, const char *key, const char *outcome,
		int64_t when, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rc = sq_acquire(s, SQ_MSG_MARK, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, account);
	sq_bind_text(&u, 2, key);
	sq_bind_text(&u, 3, outcome ? outcome : "");
	sqlite3_bind_int64(u.st, 4, when);
	rc = sq_run(s, &u, "recording a fetched message", err);
	sq_release(&u);
	return rc;
}

int sq_msg_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	return sq_purge(state, SQ_MSG_PURGE, before, count_r, "purging fetched-message records",
			err);
}

int sq_msg_outcome(void *state, const char *account, const char *key, char **outcome_r,
		   struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	*outcome_r = NULL;
	int rc = sq_acquire(s, SQ_MSG_OUTCOME, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, account);
	sq_bind_text(&u, 2, key);
	int src = sqlite3_step(u.st);
	if (src == SQLITE_ROW) {
		if (!(*outcome_r = strdup(sq_col_text(u.st, 0))))
			rc = s->core->error_set(err, MR_ENOMEM, "out of memory");
	} else if (src == SQLITE_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no record of message %s of account %s "
					"in %s", key, account, s->path);
	} else {
		rc = sq_fail(s, src, "looking up a fetched message", err);
	}
	sq_release(&u);
	return rc;
}
