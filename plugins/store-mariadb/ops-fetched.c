/* SPDX-License-Identifier: MIT */
/* The MariaDB store's records of fetched messages, so that a message is processed once per account even if moving it failed. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "store-mariadb.h"

int md_msg_seen(void *state, const char *account, const char *key, int *seen_r,
		struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_MSG_SEEN, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, account);
	md_bind_text(&u, 2, key);
	int src = md_step(u.st);
	if (src == MD_ROW || src == MD_DONE)
		*seen_r = src == MD_ROW;
	else
		rc = md_fail(s, src, "looking up a fetched message", err);
	md_release(&u);
	return rc;
}

int md_msg_mark(void *state, const char *account, const char *key, const char *outcome,
		int64_t when, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_MSG_MARK, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, account);
	md_bind_text(&u, 2, key);
	md_bind_text(&u, 3, outcome ? outcome : "");
	md_bind_int64(u.st, 4, when);
	rc = md_run(s, &u, "recording a fetched message", err);
	md_release(&u);
	return rc;
}

int md_msg_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	return md_purge(state, MD_MSG_PURGE, before, count_r, "purging fetched-message records",
			err);
}

int md_msg_outcome(void *state, const char *account, const char *key, char **outcome_r,
		   struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	*outcome_r = NULL;
	int rc = md_acquire(s, MD_MSG_OUTCOME, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, account);
	md_bind_text(&u, 2, key);
	int src = md_step(u.st);
	if (src == MD_ROW) {
		if (!(*outcome_r = strdup(md_col_text(u.st, 0))))
			rc = s->core->error_set(err, MR_ENOMEM, "out of memory");
	} else if (src == MD_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "no record of message %s of account %s "
					"in %s", key, account, s->where);
	} else {
		rc = md_fail(s, src, "looking up a fetched message", err);
	}
	md_release(&u);
	return rc;
}
