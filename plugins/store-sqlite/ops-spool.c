/* SPDX-License-Identifier: MIT */
/* The SQLite store's mail spool: messages the spool transport keeps instead of sending, stored byte for byte. */
#include "config.h"
#include "store-sqlite.h"

int sq_spool_add(void *state, const struct mr_spool_msg *msg, int64_t *id_r, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rc = sq_acquire(s, SQ_SPOOL_ADD, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, msg->job_id);
	sq_bind_text(&u, 2, msg->sender ? msg->sender : "");
	sq_bind_text(&u, 3, msg->recipient ? msg->recipient : "");
	sq_bind_text(&u, 4, msg->subject ? msg->subject : "");
	sq_bind_blob(&u, 5, msg->headers, msg->headers_len);
	sq_bind_blob(&u, 6, msg->body, msg->body_len);
	sqlite3_bind_int64(u.st, 7, msg->added ? msg->added : s->core->now(s->core));
	rc = sq_run(s, &u, "adding a message to the spool", err);
	if (rc == 0 && id_r)
		*id_r = sqlite3_last_insert_rowid(s->db);
	sq_release(&u);
	return rc;
}

/* Calls cb for each row of a running spool SELECT; returns cb's non-zero,
 * or 0 at the end, or a status.  *rows_r counts the rows. */
static int spool_rows(struct sq_state *s, struct sq_use *u, mr_spool_cb *cb, void *cookie,
		      int *rows_r, struct mr_error *err)
{
	int src;
	*rows_r = 0;
	while ((src = sqlite3_step(u->st)) == SQLITE_ROW) {
		sqlite3_stmt *st = u->st;
		struct mr_spool_msg m = {
			.id = sqlite3_column_int64(st, 0),
			.added = sqlite3_column_int64(st, 1),
			.job_id = sqlite3_column_int64(st, 2),
			.sender = sq_col_text(st, 3),
			.recipient = sq_col_text(st, 4),
			.subject = sq_col_text(st, 5),
		};
		m.headers = sqlite3_column_blob(st, 6);
		m.headers_len = (size_t)sqlite3_column_bytes(st, 6);
		m.body = sqlite3_column_blob(st, 7);
		m.body_len = (size_t)sqlite3_column_bytes(st, 7);
		if (!m.headers)
			m.headers = "";
		if (!m.body)
			m.body = "";
		(*rows_r)++;
		int rc = cb(cookie, &m);
		if (rc)
			return rc;
	}
	if (src != SQLITE_DONE)
		return sq_fail(s, src, "reading the spool", err);
	return 0;
}

int sq_spool_list(void *state, int64_t limit, mr_spool_cb *cb, void *cookie, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rows, rc = sq_acquire(s, SQ_SPOOL_LIST, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, limit > 0 ? limit : -1);
	rc = spool_rows(s, &u, cb, cookie, &rows, err);
	sq_release(&u);
	return rc;
}

int sq_spool_get(void *state, int64_t id, mr_spool_cb *cb, void *cookie, struct mr_error *err)
{
	struct sq_state *s = state;
	struct sq_use u;
	int rows, rc = sq_acquire(s, SQ_SPOOL_GET, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, id);
	rc = spool_rows(s, &u, cb, cookie, &rows, err);
	sq_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no spooled message with id %lld in %s",
					(long long)id, s->path);
	return rc;
}

int sq_spool_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	return sq_purge(state, SQ_SPOOL_PURGE, before, count_r, "purging the spool", err);
}
