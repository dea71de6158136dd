/* SPDX-License-Identifier: MIT */
/* The MariaDB store's bulk copy: its tables in copy order, their counts, batches of rows in key order for `mailroom store copy`, and batches written back with their keys in one transaction. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <mailroom/store-rows.h>
#include "store-mariadb.h"

static const struct mr_store_table tables[] = { MR_STORE_SCHEMA_TABLES };
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

static int md_copy_tables(void *state, const struct mr_store_table **tables_r, size_t *n_r,
			  struct mr_error *err)
{
	(void)state;
	(void)err;
	*tables_r = tables;
	*n_r = N_TABLES;
	return 0;
}

/* The table entry of name (the tracking tables made first), or an error. */
static int table_of(struct md_state *s, const char *name, const struct mr_store_table **t_r,
		    struct mr_error *err)
{
	*t_r = mr_store_table_find(tables, N_TABLES, name);
	if (!*t_r)
		return s->core->error_set(err, MR_ENOTFOUND, "%s: the MariaDB store has no table "
					  "'%s' to copy", s->where, name ? name : "(null)");
	return md_track_ready(s, err);
}

static int md_rows_count(void *state, const char *table, int64_t *count_r, int64_t *max_key_r,
			 struct mr_error *err)
{
	struct md_state *s = state;
	const struct mr_store_table *t;
	int rc = table_of(s, table, &t, err);
	if (rc)
		return rc;
	char sql[256];
	mr_store_select_sql(sql, sizeof(sql), t, 1);
	struct md_stmt *st = md_stmt_new(s, sql);
	if (!st)
		return s->core->error_set(err, MR_ENOMEM, "out of memory counting %s", t->name);
	int step = md_step(st);
	if (step == MD_ROW) {
		*count_r = md_col_int64(st, 0);
		*max_key_r = md_col_int64(st, 1);
	} else {
		rc = md_fail(s, step, "counting the rows to copy", err);
	}
	md_stmt_free(st);
	return rc;
}

/* How a column of the result is copied: integers as integers, binary
 * strings as blobs, the rest as text. */
static enum mr_cell_kind kind_of(const MYSQL_FIELD *f)
{
	switch (f->type) {
	case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24: case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
		return MR_CELL_INT;
	default:
		return f->charsetnr == 63 ? MR_CELL_BLOB : MR_CELL_TEXT;
	}
}

/* Appends the current row of st to b, its columns described by f. */
static int push_row(struct mr_rows_batch *b, struct md_stmt *st, const MYSQL_FIELD *f,
		    unsigned ncols)
{
	for (unsigned i = 0; i < ncols; i++) {
		int rc;
		enum mr_cell_kind k = md_col_null(st, (int)i) ? MR_CELL_NULL : kind_of(&f[i]);
		if (k == MR_CELL_INT)
			rc = mr_rows_batch_push(b, k, md_col_int64(st, (int)i), NULL, 0);
		else
			rc = mr_rows_batch_push(b, k, 0, md_col_blob(st, (int)i),
						(size_t)md_col_bytes(st, (int)i));
		if (rc)
			return rc;
	}
	return 0;
}

/* A queue still being built in parts (md-build.c) is refused: another
 * store would not build the rest. */
static int check_built(struct md_state *s, struct mr_error *err)
{
	struct md_use u;
	int rc = md_acquire(s, MD_MJOB_BUILDING, &u, err);
	if (rc)
		return rc;
	int src = md_step(u.st);
	if (src == MD_ROW)
		rc = s->core->error_set(err, MR_EINPUT, "mailing %lld in %s: its queue is still "
					"being built in parts ([store-mariadb] build_part); run "
					"its job until it is built, or cancel the mailing, then "
					"copy", (long long)md_col_int64(u.st, 0), s->where);
	else if (src != MD_DONE)
		rc = md_fail(s, src, "reading how far the mailings' queues are built", err);
	md_release(&u);
	return rc;
}

static int md_rows_export(void *state, const char *table, int64_t after_key, size_t max,
			  mr_store_rows_cb *cb, void *cookie, struct mr_error *err)
{
	struct md_state *s = state;
	const struct mr_store_table *t;
	int rc = table_of(s, table, &t, err);
	if (rc || (!strcmp(table, "mailing_jobs") && (rc = check_built(s, err)) != 0))
		return rc;
	char sql[256];
	mr_store_select_sql(sql, sizeof(sql), t, 0);
	struct md_stmt *st = md_stmt_new(s, sql);
	if (!st)
		return s->core->error_set(err, MR_ENOMEM, "out of memory reading %s", t->name);
	if (t->key) {
		md_bind_int64(st, 1, after_key);
		md_bind_int64(st, 2, (long long)max);
	}
	struct mr_rows_batch b = { 0 };
	struct mr_store_rows rows = { .table = t->name };
	MYSQL_RES *meta = NULL;
	const char **cols = NULL;
	int step = MD_DONE;
	if (t->key || after_key == 0) {
		while ((step = md_step(st)) == MD_ROW) {
			if (!meta) {
				meta = mysql_stmt_result_metadata(st->h);
				rows.ncols = meta ? mysql_num_fields(meta) : 0;
				cols = calloc(rows.ncols + 1, sizeof(*cols));
				if (!meta || !cols) {
					rc = s->core->error_set(err, MR_ENOMEM, "out of memory "
								"reading %s", t->name);
					break;
				}
				MYSQL_FIELD *f = mysql_fetch_fields(meta);
				for (size_t i = 0; i < rows.ncols; i++)
					cols[i] = f[i].name;
			}
			if (push_row(&b, st, mysql_fetch_fields(meta), (unsigned)rows.ncols) != 0) {
				rc = s->core->error_set(err, MR_ENOMEM, "out of memory reading %s",
							t->name);
				break;
			}
			rows.n++;
		}
		if (!rc && step != MD_DONE)
			rc = md_fail(s, step, "reading rows to copy", err);
	}
	if (!rc) {
		rows.cols = cols;
		rows.cells = b.cells;
		rc = cb(cookie, &rows);
	}
	if (meta)
		mysql_free_result(meta);
	free(cols);
	mr_rows_batch_free(&b);
	md_stmt_free(st);
	return rc;
}

static int md_rows_import(void *state, const struct mr_store_rows *rows, struct mr_error *err)
{
	struct md_state *s = state;
	const struct mr_store_table *t;
	int rc = table_of(s, rows->table, &t, err);
	if (rc)
		return rc;
	if (rows->n == 0)
		return 0;
	if (rows->ncols > MD_MAX_PARAMS)
		return s->core->error_set(err, MR_EINPUT, "%s: rows for table %s have %zu columns, "
					  "more than the %d this store binds", s->where, t->name,
					  rows->ncols, MD_MAX_PARAMS);
	char *sql = mr_store_insert_sql(rows, t->key, t->seeded ? MR_UPSERT_VALUES :
					MR_UPSERT_NONE);
	if (!sql)
		return s->core->error_set(err, MR_EINPUT, "%s: rows for table %s have a column "
					  "name that is not a plain identifier", s->where, t->name);
	struct md_stmt *st = md_stmt_new(s, sql);
	if (!st) {
		free(sql);
		return s->core->error_set(err, MR_ENOMEM, "out of memory writing %s", t->name);
	}
	/* queue rows hold their lease owner in md_owner_key's form */
	size_t owner_col = rows->ncols;
	if (strcmp(t->name, "mailing_recipients") == 0)
		for (size_t i = 0; i < rows->ncols; i++)
			if (strcmp(rows->cols[i], "lease_owner") == 0)
				owner_col = i;
	rc = md_unit_begin(s, err);
	for (size_t r = 0; !rc && r < rows->n; r++) {
		const struct mr_store_cell *row = rows->cells + r * rows->ncols;
		char key[MD_OWNER_MAX + 1];
		for (size_t i = 0; i < rows->ncols; i++) {
			const struct mr_store_cell *c = &row[i];
			char *owner;
			if (i == owner_col && c->kind == MR_CELL_TEXT && c->data &&
			    (owner = strndup(c->data, c->len)) != NULL) {
				md_owner_key(owner, key);
				free(owner);
				md_bind_str(st, (int)i + 1, key, strlen(key), 0);
			} else if (c->kind == MR_CELL_INT)
				md_bind_int64(st, (int)i + 1, c->i);
			else if (c->kind == MR_CELL_TEXT || c->kind == MR_CELL_BLOB)
				md_bind_str(st, (int)i + 1, c->data ? c->data : "", c->len,
					    c->kind == MR_CELL_BLOB);
			else
				md_bind_null(st, (int)i + 1);
		}
		int step = md_step(st);
		if (step != MD_DONE) {
			char what[160];
			snprintf(what, sizeof(what), "writing row %zu of %zu into %s (its first "
				 "column %lld)", r + 1, rows->n, t->name,
				 row[0].kind == MR_CELL_INT ? (long long)row[0].i : 0LL);
			rc = md_fail(s, step, what, err);
			if (s->last_errno == 1054) /* ER_BAD_FIELD_ERROR: a column we lack */
				rc = err ? (err->status = MR_EINPUT) : MR_EINPUT;
		}
		md_stmt_reset(st);
	}
	rc = md_unit_end(s, rc, err);
	md_stmt_free(st);
	free(sql);
	return rc;
}

const struct mr_store_copy_ops md_copy_ops = {
	.size = sizeof(struct mr_store_copy_ops),
	.copy_tables = md_copy_tables,
	.rows_count = md_rows_count,
	.rows_export = md_rows_export,
	.rows_import = md_rows_import,
};
