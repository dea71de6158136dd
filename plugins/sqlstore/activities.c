/* SPDX-License-Identifier: MIT */
/* The SQL stores' Email activities: matching or creating Individual contacts by email, filing an activity with its contacts and attachments once per Message-ID and account, listing and reading them back. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "db.h"

static const char *const role_names[] = { NULL, "source", "target", "assignee" };

static const char *role_name(enum mr_activity_role r)
{
	return r >= MR_ROLE_SOURCE && r <= MR_ROLE_ASSIGNEE ? role_names[r] : NULL;
}

static enum mr_activity_role role_parse(const char *s)
{
	for (int i = MR_ROLE_SOURCE; i <= MR_ROLE_ASSIGNEE; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (enum mr_activity_role)i;
	return MR_ROLE_TARGET;
}

/* Splits a display name into first and last ("Last, First" or "First Middle
 * Last"); the pieces are malloc'ed or NULL. */
static void split_name(const char *name, char **first_r, char **last_r)
{
	*first_r = *last_r = NULL;
	const char *comma = strchr(name, ',');
	const char *f, *l;
	size_t fl, ll;
	if (comma) {
		l = name;
		ll = (size_t)(comma - name);
		f = comma + 1;
		while (*f == ' ')
			f++;
		fl = strlen(f);
	} else {
		const char *sp = strrchr(name, ' ');
		if (!sp) {
			*first_r = strdup(name);
			return;
		}
		f = name;
		fl = (size_t)(sp - name);
		l = sp + 1;
		ll = strlen(l);
	}
	while (fl && f[fl - 1] == ' ')
		fl--;
	while (ll && l[ll - 1] == ' ')
		ll--;
	if (fl)
		*first_r = strndup(f, fl);
	if (ll)
		*last_r = strndup(l, ll);
}

/* The display name without surrounding quotes and blanks, or NULL when it
 * is empty or only repeats the address. */
static char *clean_name(const char *name, const char *email)
{
	if (!name)
		return NULL;
	while (*name == ' ' || *name == '\t' || *name == '"' || *name == '\'')
		name++;
	size_t n = strlen(name);
	while (n && (name[n - 1] == ' ' || name[n - 1] == '\t' || name[n - 1] == '"' ||
		     name[n - 1] == '\''))
		n--;
	if (n == 0 || (strlen(email) == n && strncasecmp(name, email, n) == 0))
		return NULL;
	char *out = strndup(name, n);
	if (out)
		for (char *p = out; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
	return out;
}

static int create_individual(struct db_state *s, const char *email, const char *name,
			     int64_t *id_r, struct mr_error *err)
{
	char *display = clean_name(name, email), *first = NULL, *last = NULL;
	if (display)
		split_name(display, &first, &last);
	struct db_use u;
	int rc = db_acquire(s, DB(CONTACT_INSERT), &u, err);
	if (rc == 0) {
		db_bind_text(&u, 1, "Individual");
		db_bind_text(&u, 2, first);
		db_bind_text(&u, 3, last);
		db_bind_text(&u, 4, display ? display : email);
		db_bind_int64(u.st, 5, s->core->now(s->core));
		rc = db_run(s, &u, "adding an Individual for an activity", err);
		db_release(&u);
	}
	free(display);
	free(first);
	free(last);
	if (rc)
		return rc;
	*id_r = db_last_id(s);
	if ((rc = db_acquire(s, DB(EMAIL_INSERT), &u, err)) != 0)
		return rc;
	db_bind_int64(u.st, 1, *id_r);
	db_bind_text(&u, 2, email);
	rc = db_run(s, &u, "adding the email of an Individual", err);
	db_release(&u);
	return rc;
}

int sql_activity_contact(void *state, const char *email, const char *name, int create,
			int64_t *id_r, int *created_r, struct mr_error *err)
{
	struct db_state *s = state;
	if (created_r)
		*created_r = 0;
	*id_r = 0;
	if (!email || !*email)
		return s->core->error_set(err, MR_EINPUT, "an activity contact needs an email");
	int64_t id = 0;
	int rc = db_id_by_text(s, DB(ACT_INDIVIDUAL), email, "looking up an Individual by email",
				&id, err);
	if (rc || id || !create) {
		*id_r = id;
		return rc;
	}
	if ((rc = db_unit_begin(s, err)) != 0)
		return rc;
	rc = create_individual(s, email, name, &id, err);
	if ((rc = db_unit_end(s, rc, err)) != 0)
		return rc;
	*id_r = id;
	if (created_r)
		*created_r = 1;
	return 0;
}

/* The activity of account with that Message-ID, 0 when none. */
static int find_filed(struct db_state *s, const char *account, const char *message_id,
		      int64_t *id_r, struct mr_error *err)
{
	struct db_use u;
	*id_r = 0;
	int rc = db_acquire(s, DB(ACT_FIND), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, account);
	db_bind_text(&u, 2, message_id);
	int src = db_step(u.st);
	if (src == DB_ROW)
		*id_r = db_col_int64(u.st, 0);
	else if (src != DB_DONE)
		rc = db_fail(s, src, "looking up an activity by Message-ID", err);
	db_release(&u);
	return rc;
}

static int insert_activity(struct db_state *s, const struct mr_activity_rec *a, int64_t *id_r,
			   struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, DB(ACT_INSERT), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, a->activity_type && *a->activity_type ? a->activity_type : "Email");
	db_bind_text(&u, 2, a->subject);
	db_bind_int64(u.st, 3, a->date);
	db_bind_text(&u, 4, a->status && *a->status ? a->status : "Completed");
	db_bind_text(&u, 5, a->text);
	db_bind_text(&u, 6, a->html);
	db_bind_text(&u, 7, a->message_id);
	db_bind_text(&u, 8, a->account);
	db_bind_int64(u.st, 9, s->core->now(s->core));
	db_bind_text(&u, 10, a->headers);
	rc = db_run(s, &u, "adding an activity", err);
	db_release(&u);
	if (rc)
		return rc;
	int64_t id = db_last_id(s);
	for (size_t i = 0; rc == 0 && i < a->n_parties; i++) {
		const struct mr_activity_party *p = mr_activity_party_at(a, i);
		const char *role = role_name(p->role);
		if (!role || p->contact_id <= 0)
			return s->core->error_set(err, MR_EINPUT, "activity contact %zu: bad role %d or "
						  "contact id %lld", i + 1, (int)p->role,
						  (long long)p->contact_id);
		if ((rc = db_acquire(s, DB(ACT_PARTY), &u, err)) != 0)
			return rc;
		db_bind_int64(u.st, 1, id);
		db_bind_int64(u.st, 2, p->contact_id);
		db_bind_text(&u, 3, role);
		rc = db_run(s, &u, "adding an activity contact", err);
		db_release(&u);
	}
	for (size_t i = 0; rc == 0 && i < a->n_files; i++) {
		const struct mr_activity_file *f = mr_activity_file_at(a, i);
		if ((rc = db_acquire(s, DB(ACT_FILE), &u, err)) != 0)
			return rc;
		db_bind_int64(u.st, 1, id);
		db_bind_text(&u, 2, f->filename && *f->filename ? f->filename : "attachment");
		db_bind_text(&u, 3, f->content_type && *f->content_type ? f->content_type
								       : "application/octet-stream");
		db_bind_int64(u.st, 4, (int64_t)f->size);
		db_bind_text(&u, 5, f->sha256);
		if (f->skipped_reason || !f->data)
			db_bind_null(u.st, 6);
		else
			db_bind_blob(&u, 6, f->data, f->size);
		db_bind_text(&u, 7, f->skipped_reason ? f->skipped_reason
						      : f->data ? NULL : "no content");
		rc = db_run(s, &u, "adding an activity attachment", err);
		db_release(&u);
	}
	*id_r = id;
	return rc;
}

int sql_activity_add(void *state, const struct mr_activity_rec *a, int64_t *id_r, int *existing_r,
		    struct mr_error *err)
{
	struct db_state *s = state;
	int64_t id = 0;
	if (existing_r)
		*existing_r = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	if (a->message_id && *a->message_id)
		rc = find_filed(s, a->account, a->message_id, &id, err);
	if (rc == 0 && id) {
		if (existing_r)
			*existing_r = 1;
	} else if (rc == 0) {
		rc = insert_activity(s, a, &id, err);
	}
	if ((rc = db_unit_end(s, rc, err)) != 0)
		return rc;
	if (id_r)
		*id_r = id;
	return 0;
}

/* Growing arrays of parties and files with copies of their strings. */
struct details {
	struct mr_activity_party *p;
	size_t np;
	struct mr_activity_file *f;
	size_t nf;
	char **strs;
	size_t ns, cs;
};

static const char *keep(struct details *d, const char *v)
{
	if (d->ns == d->cs) {
		size_t nc = d->cs ? d->cs * 2 : 16;
		char **n = realloc(d->strs, nc * sizeof(*n));
		if (!n)
			return NULL;
		d->strs = n;
		d->cs = nc;
	}
	char *c = strdup(v);
	if (c)
		d->strs[d->ns++] = c;
	return c;
}

static void details_free(struct details *d)
{
	for (size_t i = 0; i < d->ns; i++)
		free(d->strs[i]);
	free(d->strs);
	free(d->p);
	free(d->f);
	memset(d, 0, sizeof(*d));
}

/* Reads the parties and attachment list of activity id into d. */
static int load_details(struct db_state *s, int64_t id, struct details *d, struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, DB(ACT_PARTIES), &u, err), src;
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, id);
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_activity_party *np = realloc(d->p, (d->np + 1) * sizeof(*np));
		if (!np) {
			db_release(&u);
			return s->core->error_set(err, MR_ENOMEM, "out of memory");
		}
		d->p = np;
		struct mr_activity_party *p = &d->p[d->np++];
		p->contact_id = db_col_int64(u.st, 0);
		p->role = role_parse(db_col_text(u.st, 1));
		p->email = keep(d, db_col_text(u.st, 2));
		p->display_name = keep(d, db_col_text(u.st, 3));
	}
	db_release(&u);
	if (src != DB_DONE)
		return db_fail(s, src, "reading activity contacts", err);
	if ((rc = db_acquire(s, DB(ACT_FILES), &u, err)) != 0)
		return rc;
	db_bind_int64(u.st, 1, id);
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_activity_file *nf = realloc(d->f, (d->nf + 1) * sizeof(*nf));
		if (!nf) {
			db_release(&u);
			return s->core->error_set(err, MR_ENOMEM, "out of memory");
		}
		d->f = nf;
		struct mr_activity_file *f = &d->f[d->nf++];
		memset(f, 0, sizeof(*f));
		f->filename = keep(d, db_col_text(u.st, 0));
		f->content_type = keep(d, db_col_text(u.st, 1));
		f->size = (size_t)db_col_int64(u.st, 2);
		if (!db_col_null(u.st, 3))
			f->sha256 = keep(d, db_col_text(u.st, 3));
		if (!db_col_null(u.st, 4))
			f->skipped_reason = keep(d, db_col_text(u.st, 4));
	}
	db_release(&u);
	if (src != DB_DONE)
		return db_fail(s, src, "reading activity attachments", err);
	return 0;
}

static const char *text_or_null(db_stmt *st, int i)
{
	return db_col_null(st, i) ? NULL : db_col_text(st, i);
}

/* Calls cb for each row of an activity statement (see sql.c's columns). */
static int activity_rows(struct db_state *s, struct db_use *u, mr_activity_rec_cb *cb,
			 void *cookie, int *rows_r, struct mr_error *err)
{
	int src, rc = 0;
	*rows_r = 0;
	while ((src = db_step(u->st)) == DB_ROW) {
		struct mr_activity_rec a = {
			.id = db_col_int64(u->st, 0),
			.activity_type = db_col_text(u->st, 1),
			.subject = text_or_null(u->st, 2),
			.date = db_col_int64(u->st, 3),
			.status = db_col_text(u->st, 4),
			.message_id = text_or_null(u->st, 5),
			.account = text_or_null(u->st, 6),
			.created = db_col_int64(u->st, 7),
			.text = text_or_null(u->st, 8),
			.html = text_or_null(u->st, 9),
			.headers = text_or_null(u->st, 10),
		};
		struct details d = { 0 };
		(*rows_r)++;
		rc = load_details(s, a.id, &d, err);
		if (rc == 0) {
			a.parties = d.p;
			a.n_parties = d.np;
			a.files = d.f;
			a.n_files = d.nf;
			a.party_size = sizeof(*d.p);
			a.file_size = sizeof(*d.f);
			rc = cb(cookie, &a);
		}
		details_free(&d);
		if (rc)
			return rc;
	}
	if (src != DB_DONE)
		return db_fail(s, src, "reading activities", err);
	return 0;
}

int sql_activity_list(void *state, const struct mr_activity_filter *f, mr_activity_rec_cb *cb,
		     void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(ACT_LIST), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, f && f->contact_email && *f->contact_email ? f->contact_email : NULL);
	db_bind_int64(u.st, 2, f ? f->since : 0);
	db_bind_int64(u.st, 3, f && f->limit > 0 ? f->limit : INT64_MAX);
	if (!f || f->since == 0)
		db_bind_int64(u.st, 2, INT64_MIN);
	rc = activity_rows(s, &u, cb, cookie, &rows, err);
	db_release(&u);
	return rc;
}

int sql_activity_get(void *state, int64_t id, mr_activity_rec_cb *cb, void *cookie,
		    struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rows, rc = db_acquire(s, DB(ACT_GET), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, id);
	rc = activity_rows(s, &u, cb, cookie, &rows, err);
	db_release(&u);
	if (rc == 0 && rows == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no activity %lld in %s", (long long)id,
					db_where(s));
	return rc;
}

int sql_activity_attachment(void *state, int64_t id, size_t n, mr_activity_file_cb *cb,
			   void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	if (n < 1)
		return s->core->error_set(err, MR_ENOTFOUND, "attachments are numbered from 1");
	struct db_use u;
	int rc = db_acquire(s, DB(ACT_FILE_GET), &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, id);
	db_bind_int64(u.st, 2, (int64_t)(n - 1));
	int src = db_step(u.st);
	if (src == DB_ROW) {
		struct mr_activity_file f = {
			.filename = db_col_text(u.st, 0),
			.content_type = db_col_text(u.st, 1),
			.size = (size_t)db_col_int64(u.st, 2),
			.sha256 = text_or_null(u.st, 3),
			.skipped_reason = text_or_null(u.st, 4),
		};
		if (!db_col_null(u.st, 5)) {
			f.data = db_col_blob(u.st, 5);
			f.size = (size_t)db_col_bytes(u.st, 5);
			if (!f.data)
				f.data = (const unsigned char *)"";
		}
		rc = cb(cookie, &f);
	} else if (src == DB_DONE) {
		rc = s->core->error_set(err, MR_ENOTFOUND, "activity %lld has no attachment %zu in %s",
					(long long)id, n, db_where(s));
	} else {
		rc = db_fail(s, src, "reading an activity attachment", err);
	}
	db_release(&u);
	return rc;
}
