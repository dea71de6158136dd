/* SPDX-License-Identifier: MIT */
/* The MariaDB store's mail spool: messages the spool transport keeps instead of sending, stored byte for byte. */
#include "config.h"
#include "store-mariadb.h"

int md_spool_add(void *state, const struct mr_spool_msg *msg, int64_t *id_r, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_SPOOL_ADD, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, msg->job_id);
	md_bind_text(&u, 2, msg->sender ? msg->sender : "");
	md_bind_text(&u, 3, msg->recipient ? msg->recipient : "");
	md_bind_text(&u, 4, msg->subject ? msg->subject : "");
	md_bind_blob(&u, 5, msg->headers, msg->headers_len);
	md_bind_blob(&u, 6, msg->body, msg->body_len);
	md_bind_int64(u.st, 7, msg->added ? msg->added : s->core->now(s->core));
	rc = md_run(s, &u, "adding a message to the spool", err);
	if (rc == 0 && id_r)
		*id_r = md_last_id(s);
	md_release(&u);
	return rc;
}

/* Calls cb for each row of a running spool SELECT; returns cb's non-zero,
 * or 0 at the end, or a status.  *rows_r counts the rows. */
static int spool_rows(struct md_state *s, struct md_use *u, mr_spool_cb *cb, void *cookie,
		      int *rows_r, struct mr_error *err)
{
	int src;
	*rows_r = 0;
	while ((src = md_step(u->st)) == MD_ROW) {
		struct md_stmt *st = u->st;
		struct mr_spool_msg m = {
			.id = md_col_int64(st, 0),
			.added = md_col_int64(st, 1),
			.job_id = md_col_int64(st, 2),
			.sender = md_col_text(st, 3),
			.recipient = md_col_text(st, 4),
			.subject = md_col_text(st, 5),
		};
		m.headers = md_col_blob(st, 6);
		m.headers_len = (size_t)md_col_bytes(st, 6);
		m.body = md_col_blob(st, 7);
		m.body_len = (size_t)md_col_bytes(st, 7);
		if (!m.headers)
			m.headers = "";
		if (!m.body)
			m.body = "";
		(*rows_r)++;
		int rc = cb(cookie, &m);
		if (rc)
			return rc;
	}
	if (src != MD_DONE)
		return md_fail(s, src, "reading the spool", err);
	return 0;
}

int md_spool_list(void *state, int64_t limit, mr_spool_cb *cb, void *cookie, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rows, rc = md_acquire(s, MD_SPOOL_LIST, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, limit > 0 ? limit : INT64_MAX);
	rc = spool_rows(s, &u, cb, cookie, &rows, err);
	md_release(&u);
	return rc;
}

int md_spool_get(void *state, int64_t id, mr_spool_cb *cb, void *cookie, struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rows, rc = md_acquire(s, MD_SPOOL_GET, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, id);
	rc = spool_rows(s, &u, cb, cookie, &rows, err);
	md_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no spooled message with id %lld in %s",
					(long long)id, s->where);
	return rc;
}

int md_spool_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	return md_purge(state, MD_SPOOL_PURGE, before, count_r, "purging the spool", err);
}
