/* SPDX-License-Identifier: MIT */
/* The SQL stores' mail spool: messages the spool transport keeps instead of sending, stored byte for byte. */
#include "config.h"
#include "db.h"

int sql_spool_add(void *state, const struct mr_spool_msg *msg, int64_t *id_r, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(SPOOL_ADD), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, msg->job_id);
	db_bind_text(&u, 2, msg->sender ? msg->sender : "");
	db_bind_text(&u, 3, msg->recipient ? msg->recipient : "");
	db_bind_text(&u, 4, msg->subject ? msg->subject : "");
	db_bind_blob(&u, 5, msg->headers, msg->headers_len);
	db_bind_blob(&u, 6, msg->body, msg->body_len);
	db_bind_int64(u.st, 7, msg->added ? msg->added : s->core->now(s->core));
	rc = db_run(s, &u, "adding a message to the spool", err);
	if (rc == 0 && id_r)
		*id_r = db_last_id(s);
	db_release(&u);
	return rc;
}

/* Calls cb for each row of a running spool SELECT; returns cb's non-zero,
 * or 0 at the end, or a status.  *rows_r counts the rows. */
static int spool_rows(struct db_state *s, struct db_use *u, mr_spool_cb *cb, void *cookie,
		      int *rows_r, struct mr_error *err)
{
	int src;
	*rows_r = 0;
	while ((src = db_step(u->st)) == DB_ROW) {
		db_stmt *st = u->st;
		struct mr_spool_msg m = {
			.id = db_col_int64(st, 0),
			.added = db_col_int64(st, 1),
			.job_id = db_col_int64(st, 2),
			.sender = db_col_text(st, 3),
			.recipient = db_col_text(st, 4),
			.subject = db_col_text(st, 5),
		};
		m.headers = db_col_blob(st, 6);
		m.headers_len = (size_t)db_col_bytes(st, 6);
		m.body = db_col_blob(st, 7);
		m.body_len = (size_t)db_col_bytes(st, 7);
		if (!m.headers)
			m.headers = "";
		if (!m.body)
			m.body = "";
		(*rows_r)++;
		int rc = cb(cookie, &m);
		if (rc)
			return rc;
	}
	if (src != DB_DONE)
		return db_fail(s, src, "reading the spool", err);
	return 0;
}

int sql_spool_list(void *state, int64_t limit, mr_spool_cb *cb, void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(SPOOL_LIST), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, limit > 0 ? limit : INT64_MAX);
	rc = spool_rows(s, &u, cb, cookie, &rows, err);
	db_release(&u);
	return rc;
}

int sql_spool_get(void *state, int64_t id, mr_spool_cb *cb, void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(SPOOL_GET), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, id);
	rc = spool_rows(s, &u, cb, cookie, &rows, err);
	db_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no spooled message with id %lld in %s",
					(long long)id, db_where(s));
	return rc;
}

int sql_spool_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	return db_purge(state, DB(SPOOL_PURGE), before, count_r, "purging the spool", err);
}
