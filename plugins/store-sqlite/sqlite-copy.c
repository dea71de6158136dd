/* SPDX-License-Identifier: MIT */
/* The SQLite store's bulk copy: its tables in copy order, their counts, batches of rows in key order for `mailroom store copy`, and batches written back with their keys in one transaction. */
#include "config.h"
#include <string.h>
#include <mailroom/store-rows.h>
#include "store-sqlite.h"

static const struct mr_store_table tables[] = { MR_STORE_SCHEMA_TABLES };
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

static int sq_copy_tables(void *state, const struct mr_store_table **tables_r, size_t *n_r,
			  struct mr_error *err)
{
	(void)state;
	(void)err;
	*tables_r = tables;
	*n_r = N_TABLES;
	return 0;
}

/* The table entry of name (the tracking tables made first), or an error. */
static int table_of(struct sq_state *s, const char *name, const struct mr_store_table **t_r,
		    struct mr_error *err)
{
	*t_r = mr_store_table_find(tables, N_TABLES, name);
	if (!*t_r)
		return s->core->error_set(err, MR_ENOTFOUND, "%s: the SQLite store has no table "
					  "'%s' to copy", s->path, name ? name : "(null)");
	int rc = sq_track_ready(s, err);
	return rc ? rc : sq_hosts_ready(s, err);
}

static int sq_rows_count(void *state, const char *table, int64_t *count_r, int64_t *max_key_r,
			 struct mr_error *err)
{
	struct sq_state *s = state;
	const struct mr_store_table *t;
	int rc = table_of(s, table, &t, err);
	if (rc)
		return rc;
	char sql[256];
	mr_store_select_sql(sql, sizeof(sql), t, 1);
	sqlite3_stmt *st = NULL;
	int src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		*count_r = sqlite3_column_int64(st, 0);
		*max_key_r = sqlite3_column_int64(st, 1);
		src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return src == SQLITE_OK ? 0 : sq_fail(s, src, "counting the rows to copy", err);
}

/* Appends the current row of st to b. */
static int push_row(struct mr_rows_batch *b, sqlite3_stmt *st, int ncols)
{
	for (int i = 0; i < ncols; i++) {
		int rc;
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			rc = mr_rows_batch_push(b, MR_CELL_NULL, 0, NULL, 0);
			break;
		case SQLITE_INTEGER:
			rc = mr_rows_batch_push(b, MR_CELL_INT, sqlite3_column_int64(st, i), NULL, 0);
			break;
		case SQLITE_BLOB: {
			const void *p = sqlite3_column_blob(st, i);
			rc = mr_rows_batch_push(b, MR_CELL_BLOB, 0, p,
						(size_t)sqlite3_column_bytes(st, i));
			break;
		}
		default: { /* text, and a REAL written as its text */
			const unsigned char *p = sqlite3_column_text(st, i);
			rc = mr_rows_batch_push(b, MR_CELL_TEXT, 0, p,
						(size_t)sqlite3_column_bytes(st, i));
			break;
		}
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int sq_rows_export(void *state, const char *table, int64_t after_key, size_t max,
			  mr_store_rows_cb *cb, void *cookie, struct mr_error *err)
{
	struct sq_state *s = state;
	const struct mr_store_table *t;
	int rc = table_of(s, table, &t, err);
	if (rc)
		return rc;
	char sql[256];
	mr_store_select_sql(sql, sizeof(sql), t, 0);
	sqlite3_stmt *st = NULL;
	int src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (src != SQLITE_OK)
		return sq_fail(s, src, "reading rows to copy", err);
	int ncols = sqlite3_column_count(st);
	const char **cols = calloc((size_t)ncols + 1, sizeof(*cols));
	struct mr_rows_batch b = { 0 };
	struct mr_store_rows rows = { .table = t->name, .ncols = (size_t)ncols, .cols = cols };
	if (!cols) {
		sqlite3_finalize(st);
		return s->core->error_set(err, MR_ENOMEM, "out of memory reading %s", t->name);
	}
	for (int i = 0; i < ncols; i++)
		cols[i] = sqlite3_column_name(st, i);
	if (t->key) {
		sqlite3_bind_int64(st, 1, after_key);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	}
	rc = 0;
	if (t->key || after_key == 0) {
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			if (push_row(&b, st, ncols) != 0) {
				rc = s->core->error_set(err, MR_ENOMEM, "out of memory reading %s",
							t->name);
				break;
			}
			rows.n++;
		}
		if (!rc && src != SQLITE_DONE)
			rc = sq_fail(s, src, "reading rows to copy", err);
	}
	if (!rc) {
		rows.cells = b.cells;
		rc = cb(cookie, &rows);
	}
	sqlite3_finalize(st);
	mr_rows_batch_free(&b);
	free(cols);
	return rc;
}

/* Binds cell c to parameter i of st. */
static int bind_cell(sqlite3_stmt *st, int i, const struct mr_store_cell *c)
{
	switch (c->kind) {
	case MR_CELL_INT:
		return sqlite3_bind_int64(st, i, c->i);
	case MR_CELL_TEXT:
		return sqlite3_bind_text(st, i, c->data ? c->data : "", (int)c->len, SQLITE_STATIC);
	case MR_CELL_BLOB:
		return sqlite3_bind_blob(st, i, c->data ? c->data : "", (int)c->len, SQLITE_STATIC);
	default:
		return sqlite3_bind_null(st, i);
	}
}

static int sq_rows_import(void *state, const struct mr_store_rows *rows, struct mr_error *err)
{
	struct sq_state *s = state;
	const struct mr_store_table *t;
	int rc = table_of(s, rows->table, &t, err);
	if (rc)
		return rc;
	if (rows->n == 0)
		return 0;
	char *sql = mr_store_insert_sql(rows, t->key, t->seeded ? MR_UPSERT_EXCLUDED :
					MR_UPSERT_NONE);
	if (!sql)
		return s->core->error_set(err, MR_EINPUT, "%s: rows for table %s have a column "
					  "name that is not a plain identifier", s->path, t->name);
	sqlite3_stmt *st = NULL;
	int src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	free(sql);
	if (src != SQLITE_OK)
		return s->core->error_set(err, MR_EINPUT, "%s: cannot write rows into table %s: %s",
					  s->path, t->name, sqlite3_errmsg(s->db));
	rc = sq_unit_begin(s, err);
	for (size_t r = 0; !rc && r < rows->n; r++) {
		const struct mr_store_cell *row = rows->cells + r * rows->ncols;
		for (size_t i = 0; i < rows->ncols; i++)
			bind_cell(st, (int)i + 1, &row[i]);
		src = sqlite3_step(st);
		if (src != SQLITE_DONE) {
			char what[160];
			snprintf(what, sizeof(what), "writing row %zu of %zu into %s (its first "
				 "column %lld)", r + 1, rows->n, t->name,
				 row[0].kind == MR_CELL_INT ? (long long)row[0].i : 0LL);
			rc = sq_fail(s, src, what, err);
			if ((src & 0xff) == SQLITE_CONSTRAINT)
				rc = err ? (err->status = MR_EINPUT) : MR_EINPUT;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sqlite3_finalize(st);
	return sq_unit_end(s, rc, err);
}

const struct mr_store_copy_ops sq_copy_ops = {
	.size = sizeof(struct mr_store_copy_ops),
	.copy_tables = sq_copy_tables,
	.rows_count = sq_rows_count,
	.rows_export = sq_rows_export,
	.rows_import = sq_rows_import,
};
