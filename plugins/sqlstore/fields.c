/* SPDX-License-Identifier: MIT */
/* The SQL stores' custom fields of contacts: their definitions (preferred_language built in) and each contact's values, kept as text. */
#include "config.h"
#include <string.h>
#include "db.h"

static int type_known(const char *type)
{
	static const char *const types[] = { "text", "int", "date", "bool", "choice" };
	for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			return 1;
	return 0;
}

/* The id (0: none) and builtin flag of field name. */
static int field_get(struct db_state *s, const char *name, int64_t *id_r, int *builtin_r,
		     struct mr_error *err)
{
	struct db_use u;
	*id_r = 0;
	int rc = db_acquire(s, DB(FIELD_GET), &u, err);
	if (rc)
		return rc;
	db_bind_text(&u, 1, name);
	int src = db_step(u.st);
	if (src == DB_ROW) {
		*id_r = db_col_int64(u.st, 0);
		if (builtin_r)
			*builtin_r = db_col_int(u.st, 1);
	} else if (src != DB_DONE) {
		rc = db_fail(s, src, "looking up a custom field", err);
	}
	db_release(&u);
	return rc;
}

/* field_get that says MR_ENOTFOUND for an unknown field. */
static int field_need(struct db_state *s, const char *name, int64_t *id_r, int *builtin_r,
		      struct mr_error *err)
{
	int rc = field_get(s, name, id_r, builtin_r, err);
	if (rc == 0 && *id_r == 0)
		rc = s->core->error_set(err, MR_ENOTFOUND, "no custom field named '%s' in %s", name,
					db_where(s));
	return rc;
}

int sql_field_add(void *state, const struct mr_field *f, struct mr_error *err)
{
	struct db_state *s = state;
	if (!f->name || !*f->name)
		return s->core->error_set(err, MR_EINPUT, "a custom field needs a name");
	if (!type_known(f->type))
		return s->core->error_set(err, MR_EINPUT, "custom field type '%s' is not text, int, "
					  "date, bool or choice", f->type ? f->type : "");
	int64_t id = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = field_get(s, f->name, &id, NULL, err)) == 0 && id)
		rc = s->core->error_set(err, MR_EINPUT, "there is already a custom field named "
					"'%s' in %s", f->name, db_where(s));
	struct db_use u;
	if (rc == 0 && (rc = db_acquire(s, DB(FIELD_ADD), &u, err)) == 0) {
		db_bind_text(&u, 1, f->name);
		db_bind_text(&u, 2, f->type);
		db_bind_text(&u, 3, f->choices && *f->choices ? f->choices : NULL);
		db_bind_int64(u.st, 4, s->core->now(s->core));
		rc = db_run(s, &u, "adding a custom field", err);
		db_release(&u);
	}
	return db_unit_end(s, rc, err);
}

int sql_field_list(void *state, mr_field_cb *cb, void *cookie, struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(FIELD_LIST), &u, err), src;
	if (rc)
		return rc;
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_field f = {
			.name = db_col_text(u.st, 0),
			.type = db_col_text(u.st, 1),
			.choices = db_col_text(u.st, 2),
			.builtin = db_col_int(u.st, 3),
			.created = db_col_int64(u.st, 4),
		};
		if ((rc = cb(cookie, &f)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "listing custom fields", err);
	db_release(&u);
	return rc;
}

/* Runs statement id with ?1 and ?2 bound to two ids (?2 skipped when b < 0). */
static int run_ids(struct db_state *s, int id, int64_t a, int64_t b,
		   const char *text, const char *what, struct mr_error *err)
{
	struct db_use u;
	int rc = db_acquire(s, id, &u, err);
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, a);
	if (b >= 0)
		db_bind_int64(u.st, 2, b);
	if (text)
		db_bind_text(&u, 3, text);
	rc = db_run(s, &u, what, err);
	db_release(&u);
	return rc;
}

int sql_field_delete(void *state, const char *name, struct mr_error *err)
{
	struct db_state *s = state;
	int64_t id = 0;
	int builtin = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	if ((rc = field_need(s, name, &id, &builtin, err)) == 0 && builtin)
		rc = s->core->error_set(err, MR_EINPUT, "custom field '%s' is built in: it cannot "
					"be deleted", name);
	if (rc == 0)
		rc = run_ids(s, DB(FIELD_DELETE), id, -1, NULL, "deleting a custom field", err);
	return db_unit_end(s, rc, err);
}

int sql_contact_field_set(void *state, int64_t contact_id, const char *name, const char *value,
			 struct mr_error *err)
{
	struct db_state *s = state;
	int64_t id = 0;
	int rc = field_need(s, name, &id, NULL, err);
	if (rc)
		return rc;
	if (!value)
		return run_ids(s, DB(VALUE_CLEAR), contact_id, id, NULL, "clearing a field value",
			       err);
	return run_ids(s, DB(VALUE_SET), contact_id, id, value, "setting a field value", err);
}

int sql_contact_fields(void *state, int64_t contact_id, mr_field_value_cb *cb, void *cookie,
		      struct mr_error *err)
{
	struct db_state *s = state;
	struct db_use u;
	int rc = db_acquire(s, DB(CONTACT_FIELDS), &u, err), src;
	if (rc)
		return rc;
	db_bind_int64(u.st, 1, contact_id);
	while ((src = db_step(u.st)) == DB_ROW) {
		struct mr_field_value v = { db_col_text(u.st, 0), db_col_text(u.st, 1) };
		if ((rc = cb(cookie, &v)) != 0)
			break;
	}
	if (rc == 0 && src != DB_DONE)
		rc = db_fail(s, src, "listing a contact's field values", err);
	db_release(&u);
	return rc;
}
