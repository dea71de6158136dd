/* SPDX-License-Identifier: MIT */
/* The SQL stores' mailings: create with groups and attachments, get, list, status moves with their mailing jobs, and which mailing is due. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "db.h"

static const char *const status_names[] = {
	[MR_MAILING_DRAFT] = "draft",       [MR_MAILING_SCHEDULED] = "scheduled",
	[MR_MAILING_RUNNING] = "running",   [MR_MAILING_PAUSED] = "paused",
	[MR_MAILING_COMPLETE] = "complete", [MR_MAILING_CANCELED] = "canceled",
};

const char *sql_mailing_status_name(enum mr_mailing_status st)
{
	if ((int)st < MR_MAILING_DRAFT || (int)st > MR_MAILING_CANCELED)
		return NULL;
	return status_names[st];
}

enum mr_mailing_status sql_mailing_status_parse(const char *name)
{
	for (int i = MR_MAILING_DRAFT; i <= MR_MAILING_CANCELED; i++)
		if (strcmp(status_names[i], name) == 0)
			return (enum mr_mailing_status)i;
	return 0;
}

static int add_groups(struct db_state *s, int64_t mid, const char *const *names, size_t n,
		      const char *type, struct mr_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int64_t gid = 0;
		int rc = db_group_id(s, names[i], &gid, err);
		if (rc)
			return rc;
		struct db_use u;
		if ((rc = db_acquire(s, DB(MAILING_GROUP), &u, err)) != 0)
			return rc;
		db_bind_int64(u.st, 1, mid);
		db_bind_int64(u.st, 2, gid);
		db_bind_text(&u, 3, type);
		rc = db_run(s, &u, "adding a mailing group", err);
		db_release(&u);
		if (rc)
			return rc;
	}
	return 0;
}

static int insert_job(struct db_state *s, int64_t mid, int64_t parent, const char *status,
		      int64_t when, int64_t *id_r, struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, DB(MJOB_INSERT), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, mid);
	if (parent)
		db_bind_int64(u.st, 2, parent);
	db_bind_text(&u, 3, parent ? "child" : "parent");
	db_bind_text(&u, 4, status);
	db_bind_int64(u.st, 5, when);
	if (strcmp(status, "running") == 0)
		db_bind_int64(u.st, 6, when);
	rc = db_run(s, &u, "adding a mailing job", err);
	db_release(&u);
	if (rc == 0 && id_r)
		*id_r = db_last_id(s);
	return rc;
}

int sql_insert_child_job(struct db_state *s, int64_t mid, int64_t parent, int64_t now,
			int64_t *id_r, struct mr_error *err)
{
	return insert_job(s, mid, parent, "running", now, id_r, err);
}

int sql_mailing_add_content(struct db_state *s, int64_t mid, const struct mr_mailing *m,
			   struct mr_error *err)
{
	struct db_use u;
	int rc;
	if ((rc = add_groups(s, mid, m->include_groups, m->n_include, "include", err)) ||
	    (rc = add_groups(s, mid, m->exclude_groups, m->n_exclude, "exclude", err)))
		return rc;
	for (size_t i = 0; i < m->n_attachments; i++) {
		const struct mr_attachment *a = mr_mailing_attachment(m, i);
		if ((rc = db_acquire(s, DB(MAILING_ATTACH), &u, err)) != 0)
			return rc;
		db_bind_int64(u.st, 1, mid);
		db_bind_text(&u, 2, a->filename);
		db_bind_text(&u, 3, a->content_type ? a->content_type : "application/octet-stream");
		db_bind_int64(u.st, 4, (int64_t)a->len);
		db_bind_blob(&u, 5, a->data, a->len);
		rc = db_run(s, &u, "adding an attachment", err);
		db_release(&u);
		if (rc)
			return rc;
	}
	return 0;
}

static int create(struct db_state *s, const struct mr_mailing *m, int64_t *id_r,
		  struct mr_error *err)
{
	struct db_use u;
	int scheduled = m->status == MR_MAILING_SCHEDULED;
	int rc = db_acquire(s, DB(MAILING_INSERT), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, m->name);
	db_bind_text(&u, 2, m->subject);
	db_bind_text(&u, 3, m->from_name);
	db_bind_text(&u, 4, m->from_email ? m->from_email : "");
	db_bind_text(&u, 5, m->reply_to);
	db_bind_text(&u, 6, m->body_text);
	db_bind_text(&u, 7, m->body_html);
	db_bind_text(&u, 8, scheduled ? "scheduled" : "draft");
	if (scheduled)
		db_bind_int64(u.st, 9, m->scheduled_at);
	db_bind_int64(u.st, 10, m->created ? m->created : s->core->now(s->core));
	rc = db_run(s, &u, "adding a mailing", err);
	db_release(&u);
	if (rc)
		return rc;
	int64_t mid = db_last_id(s);
	if ((rc = sql_mailing_add_content(s, mid, m, err)) != 0)
		return rc;
	if (scheduled && (rc = insert_job(s, mid, 0, "scheduled", m->scheduled_at, NULL, err)))
		return rc;
	*id_r = mid;
	return 0;
}

int sql_mailing_create(void *state, const struct mr_mailing *m, int64_t *id_r,
		      struct mr_error *err)
{
	struct db_state *s = state;
	if (!m->name || !*m->name || !m->subject)
		return s->core->error_set(err, MR_EINPUT, "a mailing needs a name and a subject");
	if (m->status != MR_MAILING_DRAFT && m->status != MR_MAILING_SCHEDULED && m->status != 0)
		return s->core->error_set(err, MR_EINPUT, "a new mailing is a draft or scheduled");
	int64_t id = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	rc = create(s, m, &id, err);
	rc = db_unit_end(s, rc, err);
	if (rc == 0 && id_r)
		*id_r = id;
	return rc;
}

/* Growing arrays for a mailing's groups and attachments. */
struct mailing_extra {
	char **inc, **exc;
	size_t n_inc, n_exc;
	struct mr_attachment *att;
	size_t n_att;
};

static void extra_free(struct mailing_extra *x)
{
	for (size_t i = 0; i < x->n_inc; i++)
		free(x->inc[i]);
	for (size_t i = 0; i < x->n_exc; i++)
		free(x->exc[i]);
	for (size_t i = 0; i < x->n_att; i++) {
		free((char *)x->att[i].filename);
		free((char *)x->att[i].content_type);
		free((void *)x->att[i].data);
	}
	free(x->inc);
	free(x->exc);
	free(x->att);
	memset(x, 0, sizeof(*x));
}

static int push_name(char ***arr, size_t *n, const char *v)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a)
		return -1;
	*arr = a;
	if (!(a[*n] = strdup(v)))
		return -1;
	(*n)++;
	return 0;
}

static int load_extra(struct db_state *s, int64_t mid, int with_data, struct mailing_extra *x,
		      struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, DB(MAILING_GROUPS), &u, err), src;
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, mid);
	while ((src = db_step(u.st)) == DB_ROW) {
		int inc = strcmp(db_col_text(u.st, 1), "include") == 0;
		if (push_name(inc ? &x->inc : &x->exc, inc ? &x->n_inc : &x->n_exc,
			      db_col_text(u.st, 0)) != 0) {
			rc = s->core->error_set(err, MR_ENOMEM, "out of memory");
			break;
		}
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "reading a mailing's groups", err);
	db_release(&u);
	if (rc || !with_data)
		return rc;
	if ((rc = db_acquire(s, DB(MAILING_ATTACHMENTS), &u, err)) != 0)
		return rc;
	db_bind_int64(u.st, 1, mid);
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_attachment *a = realloc(x->att, (x->n_att + 1) * sizeof(*a));
		if (!a) {
			rc = s->core->error_set(err, MR_ENOMEM, "out of memory");
			break;
		}
		x->att = a;
		a = &x->att[x->n_att++];
		size_t len = (size_t)db_col_bytes(u.st, 2);
		const void *blob = db_col_blob(u.st, 2);
		unsigned char *d = malloc(len + 1);
		a->filename = strdup(db_col_text(u.st, 0));
		a->content_type = strdup(db_col_text(u.st, 1));
		a->data = d;
		a->len = len;
		if (!d || !a->filename || !a->content_type) {
			rc = s->core->error_set(err, MR_ENOMEM, "out of memory");
			break;
		}
		if (len)
			memcpy(d, blob, len);
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "reading a mailing's attachments", err);
	db_release(&u);
	return rc;
}

/* Calls cb per mailing row, with its groups (and attachments when with_data). */
static int mailing_rows(struct db_state *s, struct db_use *u, int with_data, mr_mailing_cb *cb,
			void *cookie, int *rows_r, struct mr_error *err)
{
	int src, rc = 0;
	*rows_r = 0;
	while ((src = db_step(u->st)) == DB_ROW) {
		struct mr_mailing m = {
			.id = db_col_int64(u->st, 0),
			.name = db_col_text(u->st, 1),
			.subject = db_col_text(u->st, 2),
			.from_name = db_col_text(u->st, 3),
			.from_email = db_col_text(u->st, 4),
			.reply_to = db_col_text(u->st, 5),
			.body_text = db_col_null(u->st, 6) ? NULL :
				     db_col_text(u->st, 6),
			.body_html = db_col_null(u->st, 7) ? NULL :
				     db_col_text(u->st, 7),
			.status = sql_mailing_status_parse(db_col_text(u->st, 8)),
			.scheduled_at = db_col_int64(u->st, 9),
			.created = db_col_int64(u->st, 10),
		};
		struct mailing_extra x = { 0 };
		(*rows_r)++;
		/* the groups come from other statements: the cached ones are free */
		rc = load_extra(s, m.id, with_data, &x, err);
		if (rc == 0) {
			m.include_groups = (const char *const *)x.inc;
			m.n_include = x.n_inc;
			m.exclude_groups = (const char *const *)x.exc;
			m.n_exclude = x.n_exc;
			m.attachments = x.att;
			m.n_attachments = x.n_att;
			m.attachment_size = sizeof(*x.att);
			rc = cb(cookie, &m);
		}
		extra_free(&x);
		if (rc)
			return rc;
	}
	if (src != DB_DONE)
		return db_fail(s, src, "reading mailings", err);
	return 0;
}

int sql_mailing_get(void *state, int64_t id, mr_mailing_cb *cb, void *cookie,
		   struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(MAILING_GET), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, id);
	rc = mailing_rows(s, &u, 1, cb, cookie, &rows, err);
	db_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld in %s", (long long)id,
					db_where(s));
	return rc;
}

int sql_mailing_list(void *state, mr_mailing_cb *cb, void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(MAILING_LIST), &u, err);
	if (rc)
		return rc;
	rc = mailing_rows(s, &u, 0, cb, cookie, &rows, err);
	db_release(&u);
	return rc;
}

static int get_status(struct db_state *s, int64_t id, enum mr_mailing_status *st_r,
		      struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, DB(MAILING_STATUS_GET), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, id);
	int src = db_step(u.st);
	if (src == DB_ROW)
		*st_r = sql_mailing_status_parse(db_col_text(u.st, 0));
	else if (src == DB_DONE)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no mailing %lld in %s", (long long)id,
					db_where(s));
	else
		rc = db_fail(s, src, "reading a mailing's status", err);
	db_release(&u);
	return rc;
}

/* The parent job of a mailing: *id_r 0 when it has none. */
static int parent_job(struct db_state *s, int64_t mid, int64_t *id_r, char *status, size_t n,
		      struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, DB(MJOB_PARENT), &u, err);
	if (rc)
		return rc;
	*id_r = 0;
	db_bind_int64(u.st, 1, mid);
	int src = db_step(u.st);
	if (src == DB_ROW) {
		*id_r = db_col_int64(u.st, 0);
		snprintf(status, n, "%s", db_col_text(u.st, 1));
	} else if (src != DB_DONE) {
		rc = db_fail(s, src, "reading a mailing job", err);
	}
	db_release(&u);
	return rc;
}

int sql_mailing_put_status(struct db_state *s, int64_t id, const char *mstatus,
			  const char *jstatus, int64_t when, struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, DB(MAILING_STATUS_SET), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, id);
	db_bind_text(&u, 2, mstatus);
	if (strcmp(mstatus, "scheduled") == 0)
		db_bind_int64(u.st, 3, when);
	rc = db_run(s, &u, "setting a mailing's status", err);
	db_release(&u);
	if (rc || !jstatus)
		return rc;
	if ((rc = db_acquire(s, DB(MJOBS_STATUS), &u, err)) != 0)
		return rc;
	db_bind_int64(u.st, 1, id);
	db_bind_text(&u, 2, jstatus);
	db_bind_int64(u.st, 3, when ? when : s->core->now(s->core));
	rc = db_run(s, &u, "setting a mailing's job status", err);
	db_release(&u);
	return rc;
}

static int set_status(struct db_state *s, int64_t id, enum mr_mailing_status to, int64_t when,
		      struct mr_error *err)
{
	enum mr_mailing_status from = 0;
	int rc = get_status(s, id, &from, err);
	if (rc)
		return rc;
	int64_t job = 0;
	char jstatus[32] = "";
	if ((rc = parent_job(s, id, &job, jstatus, sizeof(jstatus), err)) != 0)
		return rc;
	int queued = job && strcmp(jstatus, "scheduled") != 0; /* queue built */
	const char *fname = sql_mailing_status_name(from), *tname = sql_mailing_status_name(to);
	int ok = 0;
	switch (to) {
	case MR_MAILING_SCHEDULED:
		ok = from == MR_MAILING_DRAFT || (from == MR_MAILING_SCHEDULED) ||
		     (from == MR_MAILING_PAUSED && !queued);
		break;
	case MR_MAILING_PAUSED:
		ok = from == MR_MAILING_SCHEDULED || from == MR_MAILING_RUNNING;
		break;
	case MR_MAILING_RUNNING:
		ok = from == MR_MAILING_PAUSED;
		break;
	case MR_MAILING_CANCELED:
		ok = from != MR_MAILING_COMPLETE && from != MR_MAILING_CANCELED;
		break;
	default:
		ok = 0;
	}
	if (!ok)
		return s->core->error_set(err, MR_EINPUT, "mailing %lld is %s: it cannot become %s",
					  (long long)id, fname ? fname : "?",
					  tname ? tname : "that");
	int64_t now = s->core->now(s->core);
	switch (to) {
	case MR_MAILING_SCHEDULED:
		if (!job)
			rc = insert_job(s, id, 0, "scheduled", when, NULL, err);
		if (rc == 0)
			rc = sql_mailing_put_status(s, id, "scheduled", job ? "scheduled" : NULL, when,
						   err);
		break;
	case MR_MAILING_PAUSED:
		rc = sql_mailing_put_status(s, id, "paused", queued ? "paused" : NULL, 0, err);
		break;
	case MR_MAILING_RUNNING:
		/* resume: back to running if the queue was built, else scheduled */
		rc = sql_mailing_put_status(s, id, queued ? "running" : "scheduled",
					   queued ? "running" : NULL, queued ? 0 : now, err);
		break;
	case MR_MAILING_CANCELED: {
		struct db_use u;
		if ((rc = db_acquire(s, DB(QUEUE_CANCEL), &u, err)) != 0)
			break;
		db_bind_int64(u.st, 1, id);
		rc = db_run(s, &u, "canceling a mailing's recipients", err);
		db_release(&u);
		if (rc == 0)
			rc = sql_mailing_put_status(s, id, "canceled", "canceled", now, err);
		break;
	}
	default:
		break;
	}
	return rc;
}

int sql_mailing_set_status(void *state, int64_t id, enum mr_mailing_status status, int64_t when,
			  struct mr_error *err)
{
	struct db_state *s = state;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	rc = set_status(s, id, status, when, err);
	return db_unit_end(s, rc, err);
}

int sql_mailing_due(void *state, int64_t now, int64_t after_id, int64_t *mailing_id_r,
		   int64_t *job_id_r, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(MAILING_DUE), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, now);
	db_bind_int64(u.st, 2, after_id);
	int src = db_step(u.st);
	if (src == DB_ROW) {
		*mailing_id_r = db_col_int64(u.st, 0);
		*job_id_r = db_col_int64(u.st, 1);
	} else if (src == DB_DONE) {
		rc = MR_ENOTFOUND;
		s->core->error_set(err, MR_ENOTFOUND, "no mailing is due");
	} else {
		rc = db_fail(s, src, "looking for a due mailing", err);
	}
	db_release(&u);
	return rc;
}
