/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's bulk copy part (included by cases.c, so that
 * it shares its TAP counters): the table list, counts, export in key order
 * by batches, import with keys, all or none.
 * Semantics checked here that store.h leaves implicit:
 * - every table name and key is a plain identifier, and "users" is listed;
 * - rows_export with max 1 gives one row, and the next call from its key
 *   gives the next row (a larger key);
 * - importing a row whose key exists in a table that is not seeded is
 *   MR_EINPUT and the whole batch is left out, even its good rows;
 * - importing the rows of a seeded table over themselves is fine;
 * - a column the store does not have is MR_EINPUT, a table it does not
 *   have MR_ENOTFOUND, and neither writes anything;
 * - an imported row reads back through the domain ops (user_get).
 */
#include <mailroom/store-rows.h>

/* A deep copy of one exported batch. */
struct copy_rows {
	char table[64];
	size_t ncols, n;
	char *cols[32];
	struct mr_rows_batch b;
};

static int copy_collect(void *cookie, const struct mr_store_rows *rows)
{
	struct copy_rows *c = cookie;
	snprintf(c->table, sizeof(c->table), "%s", rows->table);
	c->ncols = rows->ncols < 32 ? rows->ncols : 32;
	for (size_t i = 0; i < c->ncols; i++)
		c->cols[i] = strdup(rows->cols[i]);
	for (size_t r = 0; r < rows->n; r++) {
		for (size_t i = 0; i < c->ncols; i++) {
			const struct mr_store_cell *x = &rows->cells[r * rows->ncols + i];
			if (mr_rows_batch_push(&c->b, x->kind, x->i, x->data, x->len))
				return -1;
		}
		c->n++;
	}
	return 0;
}

static void copy_rows_free(struct copy_rows *c)
{
	for (size_t i = 0; i < c->ncols; i++)
		free(c->cols[i]);
	mr_rows_batch_free(&c->b);
	memset(c, 0, sizeof(*c));
}

/* The index of column name in c, or -1. */
static int copy_col(const struct copy_rows *c, const char *name)
{
	for (size_t i = 0; i < c->ncols; i++)
		if (strcmp(c->cols[i], name) == 0)
			return (int)i;
	return -1;
}

static struct mr_store_rows copy_view(struct copy_rows *c, const struct mr_store_cell *cells,
				      size_t n)
{
	struct mr_store_rows r = { .table = c->table, .ncols = c->ncols,
				   .cols = (const char *const *)c->cols, .n = n, .cells = cells };
	return r;
}

static int64_t copy_count(const struct mr_store_copy_ops *cp, struct mr_store *st,
			  const char *table)
{
	struct mr_error err = { 0 };
	int64_t n = -1, max = -1;
	if (cp->rows_count(st->state, table, &n, &max, &err))
		return -1;
	return n;
}

static void test_copy(struct mr_store *st)
{
	struct mr_error err = { 0 };
	const struct mr_store_copy_ops *cp = mr_store_copy_of(st->ops);
	const struct mr_store_table *tables = NULL;
	size_t nt = 0;
	TAP_INT(cp->copy_tables(st->state, &tables, &nt, &err), 0, "copy_tables");
	int names_ok = nt > 0;
	for (size_t i = 0; i < nt; i++)
		names_ok &= mr_store_ident_ok(tables[i].name) &&
			    (!tables[i].key || mr_store_ident_ok(tables[i].key));
	TAP_OK(names_ok, "copy_tables: %zu tables, every name and key an identifier", nt);
	const struct mr_store_table *users = mr_store_table_find(tables, nt, "users");
	if (!TAP_OK(users && users->key, "copy_tables lists users with a key"))
		return;
	/* two users to page through */
	struct mr_user u = { .name = "copy-a", .pwhash = "pbkdf2-sha256$1$YQ$YQ", .perms = 1,
			     .created = 1700000000 };
	mr_store_user_put(st, &u, &err);
	u.name = "copy-b";
	mr_store_user_put(st, &u, &err);
	int64_t before = copy_count(cp, st, "users"), max = 0, n = 0;
	TAP_INT(cp->rows_count(st->state, "users", &n, &max, &err), 0, "rows_count of users");
	TAP_OK(n >= 2 && max > 0, "rows_count: %lld rows, largest key %lld", (long long)n,
	       (long long)max);
	struct copy_rows one = { 0 }, two = { 0 }, all = { 0 };
	TAP_INT(cp->rows_export(st->state, "users", 0, 1, copy_collect, &one, &err), 0,
		"rows_export of 1 row");
	TAP_INT((int)one.n, 1, "max 1 gives one row");
	int k = copy_col(&one, users->key);
	TAP_OK(k >= 0 && one.b.cells[k].kind == MR_CELL_INT, "the row has its integer key");
	if (k < 0) {
		copy_rows_free(&one);
		return;
	}
	int64_t first = one.b.cells[k].i;
	cp->rows_export(st->state, "users", first, 1, copy_collect, &two, &err);
	TAP_OK(two.n == 1 && two.b.cells[copy_col(&two, users->key)].i > first,
	       "the next batch starts after the key given");
	TAP_INT(cp->rows_export(st->state, "users", max, 10, copy_collect, &all, &err), 0,
		"rows_export after the largest key");
	TAP_INT((int)all.n, 0, "gives no row");
	copy_rows_free(&all);
	TAP_INT(cp->rows_export(st->state, "users", 0, 100000, copy_collect, &all, &err), 0,
		"rows_export of every user");
	TAP_INT((int)all.n, (int)before, "as many rows as rows_count said");
	int name = copy_col(&all, "name");

	/* its own rows back: duplicate keys, nothing written */
	struct mr_store_rows back = copy_view(&all, all.b.cells, all.n);
	TAP_INT(cp->rows_import(st->state, &back, &err), MR_EINPUT,
		"importing rows whose keys exist is MR_EINPUT");
	TAP_INT((int)copy_count(cp, st, "users"), (int)before, "and writes nothing");

	/* a new row with a new key reads back through user_get */
	struct mr_store_cell *c = one.b.cells;
	c[k].i = max + 100;
	if (name >= 0) {
		free((void *)c[name].data);
		c[name].data = strdup("copied-user");
		c[name].len = strlen("copied-user");
	}
	struct mr_store_rows fresh = copy_view(&one, c, 1);
	TAP_INT(cp->rows_import(st->state, &fresh, &err), 0, "importing a row with a new key (%s)",
		err.msg);
	TAP_INT(user_exists(st, "copied-user"), 1, "the imported user reads back");
	TAP_INT((int)copy_count(cp, st, "users"), (int)before + 1, "rows_count counts it");
	/* all or none: a good row, then a duplicate */
	struct mr_rows_batch mixed = { 0 };
	for (size_t r = 0; r < 2; r++)
		for (size_t i = 0; i < one.ncols; i++) {
			const struct mr_store_cell *x = &c[i];
			int64_t v = (int)i == k ? (r == 0 ? max + 200 : max + 100) : x->i;
			const char *d = (int)i == name ? (r == 0 ? "copied-2" : "copied-3") : x->data;
			mr_rows_batch_push(&mixed, x->kind, v, d, (int)i == name ? strlen(d) : x->len);
		}
	struct mr_store_rows bad = copy_view(&one, mixed.cells, 2);
	TAP_INT(cp->rows_import(st->state, &bad, &err), MR_EINPUT,
		"a batch with one duplicate key is MR_EINPUT");
	TAP_INT(user_exists(st, "copied-2"), 0, "and its good row is not written either");
	mr_rows_batch_free(&mixed);
	/* unknown column, unknown table */
	char *saved = one.cols[0];
	one.cols[0] = "no_such_column";
	fresh = copy_view(&one, c, 1);
	c[k].i = max + 300;
	TAP_INT(cp->rows_import(st->state, &fresh, &err), MR_EINPUT,
		"a column the store lacks is MR_EINPUT");
	one.cols[0] = "bad name;";
	TAP_INT(cp->rows_import(st->state, &fresh, &err), MR_EINPUT,
		"a column name that is not an identifier is MR_EINPUT");
	one.cols[0] = saved;
	snprintf(one.table, sizeof(one.table), "no_such_table");
	fresh = copy_view(&one, c, 1);
	TAP_INT(cp->rows_import(st->state, &fresh, &err), MR_ENOTFOUND,
		"an unknown table is MR_ENOTFOUND");
	struct copy_rows none = { 0 };
	TAP_INT(cp->rows_export(st->state, "no_such_table", 0, 10, copy_collect, &none, &err),
		MR_ENOTFOUND, "rows_export of an unknown table is MR_ENOTFOUND");
	TAP_INT((int)copy_count(cp, st, "users"), (int)before + 1, "none of them wrote a row");
	mr_store_user_delete(st, "copied-user", &err);
	/* a seeded table takes its own rows again */
	for (size_t i = 0; i < nt; i++) {
		if (!tables[i].seeded)
			continue;
		struct copy_rows s = { 0 };
		cp->rows_export(st->state, tables[i].name, 0, 100000, copy_collect, &s, &err);
		int64_t n0 = copy_count(cp, st, tables[i].name);
		struct mr_store_rows again = copy_view(&s, s.b.cells, s.n);
		TAP_INT(cp->rows_import(st->state, &again, &err), 0,
			"the seeded table %s takes its own rows again (%s)", tables[i].name,
			err.msg);
		TAP_INT((int)copy_count(cp, st, tables[i].name), (int)n0, "without new rows");
		copy_rows_free(&s);
	}
	copy_rows_free(&one);
	copy_rows_free(&two);
	copy_rows_free(&all);
}
