/* SPDX-License-Identifier: MIT */
/* Helpers for a store's bulk copy (struct mr_store_copy_ops): the copy's table list shared by the stores that use store-sqlite's schema, a batch of exported rows that owns copies of its values, and the checks on names that reach SQL text. */
#ifndef MAILROOM_STORE_ROWS_H
#define MAILROOM_STORE_ROWS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mailroom/store.h>

/* The tables of store-sqlite's schema (and store-mariadb's, which has the
 * same names and columns) in copy order: every table after those it refers
 * to.  mr_job_host (the host of each job run) is made outside the versioned
 * schema, as the tracking tables.  The schema_version table is the target's own and is not copied.
 * contact_values, mailing_settings and mailing_templates have no single
 * integer key: each is copied whole in one batch. */
#define MR_STORE_SCHEMA_TABLES \
	{ "users", "id", 0 }, { "mail_spool", "id", 0 }, { "job_state", NULL, 0 }, \
	{ "job_log", "id", 0 }, { "mr_job_host", "run_id", 0 }, { "fetched_messages", "id", 0 }, { "contacts", "id", 0 }, \
	{ "emails", "id", 0 }, { "contact_groups", "id", 0 }, { "group_contact", "id", 0 }, \
	{ "bounce_types", "id", 1 }, { "bounce_patterns", "id", 0 }, { "mailings", "id", 0 }, \
	{ "mailing_groups", "id", 0 }, { "mailing_attachments", "id", 0 }, \
	{ "mailing_jobs", "id", 0 }, { "mailing_recipients", "id", 0 }, { "events", "id", 0 }, \
	{ "activities", "id", 0 }, { "activity_contacts", "id", 0 }, \
	{ "activity_attachments", "id", 0 }, { "mailing_tracking", "mailing_id", 0 }, \
	{ "track_hits", "id", 0 }, { "custom_fields", "id", 1 }, { "contact_values", NULL, 0 }, \
	{ "contact_events", "id", 0 }, { "mailing_settings", NULL, 0 }, \
	{ "mailing_templates", NULL, 0 }, { "optin_pending", "id", 0 }, \
	{ "auto_replies", NULL, 0 }

/* The entry of tables[0..n) named name, or NULL. */
static inline const struct mr_store_table *mr_store_table_find(const struct mr_store_table *tables,
							       size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	return NULL;
}

/* Non-zero when name is a plain SQL identifier (lower-case letters, digits,
 * '_'; 1 to 64 characters), so that it can be written into SQL text. */
static inline int mr_store_ident_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 64 || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return 0;
	return 1;
}

/* A growing batch of cells whose text and blob values are copies owned by
 * the batch. */
struct mr_rows_batch {
	struct mr_store_cell *cells;
	size_t n_cells;
	size_t cap;
};

/* Appends one cell (data copied; NULL kind ignores data and i): 0, or -1
 * when out of memory. */
static inline int mr_rows_batch_push(struct mr_rows_batch *b, enum mr_cell_kind kind, int64_t i,
				     const void *data, size_t len)
{
	if (b->n_cells == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct mr_store_cell *c = realloc(b->cells, cap * sizeof(*c));
		if (!c)
			return -1;
		b->cells = c;
		b->cap = cap;
	}
	struct mr_store_cell *c = &b->cells[b->n_cells];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	if (kind == MR_CELL_INT) {
		c->i = i;
	} else if (kind == MR_CELL_TEXT || kind == MR_CELL_BLOB) {
		char *copy = malloc(len + 1);
		if (!copy)
			return -1;
		if (len)
			memcpy(copy, data, len);
		copy[len] = '\0';
		c->data = copy;
		c->len = len;
	}
	b->n_cells++;
	return 0;
}

/* Frees the values; the batch can be filled again. */
static inline void mr_rows_batch_clear(struct mr_rows_batch *b)
{
	for (size_t i = 0; i < b->n_cells; i++)
		free((void *)b->cells[i].data);
	b->n_cells = 0;
}

/* Frees everything the batch holds. */
static inline void mr_rows_batch_free(struct mr_rows_batch *b)
{
	mr_rows_batch_clear(b);
	free(b->cells);
	b->cells = NULL;
	b->cap = 0;
}

/* How rows_import writes over a row of a seeded table that has its key. */
enum mr_upsert_style {
	MR_UPSERT_NONE = 0,     /* a plain INSERT: an existing key fails */
	MR_UPSERT_EXCLUDED = 1, /* ON CONFLICT(key) DO UPDATE SET c = excluded.c (SQLite) */
	MR_UPSERT_VALUES = 2    /* ON DUPLICATE KEY UPDATE c = VALUES(c) (MariaDB) */
};

/* The INSERT statement of rows (parameters ?1..?ncols in column order),
 * malloc'ed (caller frees); NULL when a table or column name is not a plain
 * identifier, when key is needed and NULL, or when out of memory. */
static inline char *mr_store_insert_sql(const struct mr_store_rows *rows, const char *key,
					enum mr_upsert_style style)
{
	if (!mr_store_ident_ok(rows->table) || rows->ncols == 0 ||
	    (style == MR_UPSERT_EXCLUDED && !mr_store_ident_ok(key)))
		return NULL;
	size_t cap = 64 + strlen(rows->table) + (key ? strlen(key) : 0);
	for (size_t i = 0; i < rows->ncols; i++) {
		if (!mr_store_ident_ok(rows->cols[i]))
			return NULL;
		cap += 3 * strlen(rows->cols[i]) + 40;
	}
	char *sql = malloc(cap);
	if (!sql)
		return NULL;
	size_t n = (size_t)snprintf(sql, cap, "INSERT INTO %s (", rows->table);
	for (size_t i = 0; i < rows->ncols; i++)
		n += (size_t)snprintf(sql + n, cap - n, "%s%s", i ? ", " : "", rows->cols[i]);
	n += (size_t)snprintf(sql + n, cap - n, ") VALUES (");
	for (size_t i = 0; i < rows->ncols; i++)
		n += (size_t)snprintf(sql + n, cap - n, "%s?%zu", i ? ", " : "", i + 1);
	n += (size_t)snprintf(sql + n, cap - n, ")");
	if (style == MR_UPSERT_EXCLUDED)
		n += (size_t)snprintf(sql + n, cap - n, " ON CONFLICT(%s) DO UPDATE SET ", key);
	else if (style == MR_UPSERT_VALUES)
		n += (size_t)snprintf(sql + n, cap - n, " ON DUPLICATE KEY UPDATE ");
	for (size_t i = 0; style != MR_UPSERT_NONE && i < rows->ncols; i++)
		n += (size_t)snprintf(sql + n, cap - n, style == MR_UPSERT_EXCLUDED ?
				      "%s%s = excluded.%s" : "%s%s = VALUES(%s)", i ? ", " : "",
				      rows->cols[i], rows->cols[i]);
	return sql;
}

/* The SELECT of a batch of table: rows with key > ?1 in key order, at most
 * ?2 of them (every row when key is NULL), or counts (count and largest
 * key) when count is non-zero; into buf. */
static inline void mr_store_select_sql(char *buf, size_t size, const struct mr_store_table *t,
				       int count)
{
	if (count)
		snprintf(buf, size, "SELECT count(*), %s%s%s FROM %s", t->key ? "coalesce(max(" : "0",
			 t->key ? t->key : "", t->key ? "), 0)" : "", t->name);
	else if (t->key)
		snprintf(buf, size, "SELECT * FROM %s WHERE %s > ?1 ORDER BY %s LIMIT ?2", t->name,
			 t->key, t->key);
	else
		snprintf(buf, size, "SELECT * FROM %s", t->name);
}

#endif
