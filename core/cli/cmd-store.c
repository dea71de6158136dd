/* SPDX-License-Identifier: MIT */
/* mailroom store copy --to OTHER.ini: copies the site's whole store into the store of another site file through the stores' bulk copy sub-tables, batch by batch with progress, resumable, verified by the row counts of every table. */
#include "config.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <mailroom/store-rows.h>
#include "cli.h"

/* One table's figures for the report. */
struct table_report {
	const char *name;
	int64_t source, target; /* rows at the end */
	int64_t copied;         /* rows written by this run */
	int skipped;            /* the target has no such table */
};

/* The state of the copy of one table, for the batch callback. */
struct copy_run {
	const struct mr_store *target;
	const char *key;        /* the key column, or NULL */
	int64_t last_key;       /* the key of the last row written */
	int64_t done, total;    /* for the progress line */
	char what[96];
	struct mr_error *err;
};

/* Writes one exported batch into the target and remembers its last key. */
static int import_batch(void *cookie, const struct mr_store_rows *rows)
{
	struct copy_run *c = cookie;
	if (rows->n == 0)
		return 0;
	const struct mr_store_copy_ops *cp = mr_store_copy_of(c->target->ops);
	int rc = cp->rows_import(c->target->state, rows, c->err);
	if (rc)
		return rc;
	for (size_t i = 0; c->key && i < rows->ncols; i++) {
		const struct mr_store_cell *last = &rows->cells[(rows->n - 1) * rows->ncols + i];
		if (strcmp(rows->cols[i], c->key) == 0 && last->kind == MR_CELL_INT)
			c->last_key = last->i;
	}
	c->done += (int64_t)rows->n;
	mr_progress(NULL, c->what, c->done, c->total);
	return 0;
}

/* Copies one table's rows above the target's (resume) or all; 0 or a status. */
static int copy_table(const struct mr_store *src, const struct mr_store *dst,
		      const struct mr_store_table *t, int64_t after, int64_t batch,
		      struct table_report *r, struct mr_error *err)
{
	const struct mr_store_copy_ops *sc = mr_store_copy_of(src->ops);
	struct copy_run c = { .target = dst, .key = t->key, .last_key = after, .err = err };
	c.total = r->source;
	snprintf(c.what, sizeof(c.what), "copying %s", t->name);
	for (;;) {
		int64_t before = c.done, from = c.last_key;
		int rc = sc->rows_export(src->state, t->name, from, (size_t)batch, import_batch, &c,
					 err);
		if (rc < 0) {
			r->copied = c.done;
			return rc;
		}
		if (!t->key || c.done == before || c.last_key <= from)
			break;
	}
	mr_progress(NULL, c.what, -1, 0);
	r->copied = c.done;
	return 0;
}

/* The rows of table in st; 0 or a status. */
static int count(const struct mr_store *st, const char *table, int64_t *count_r, int64_t *max_r,
		 struct mr_error *err)
{
	*count_r = *max_r = 0;
	return mr_store_copy_of(st->ops)->rows_count(st->state, table, count_r, max_r, err);
}

static void print_report(struct mr_cli *cli, const struct table_report *r, size_t n, int ok,
			 const char *to)
{
	if (cli->json) {
		json_t *tables = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
				tables,
				json_pack("{s:o,s:I,s:I,s:I,s:s}", "table", cli_json_text(r[i].name),
					  "source", (json_int_t)r[i].source, "target",
					  (json_int_t)r[i].target, "copied", (json_int_t)r[i].copied,
					  "status", r[i].skipped ? "not copied" :
					  r[i].source == r[i].target ? "ok" : "mismatch"));
		cli_json_print(json_pack("{s:o,s:b,s:o}", "to", cli_json_text(to), "ok", ok,
					 "tables", tables));
		return;
	}
	printf("%-22s %10s %10s %10s  %s\n", "TABLE", "SOURCE", "TARGET", "COPIED", "STATUS");
	for (size_t i = 0; i < n; i++)
		printf("%-22s %10lld %10lld %10lld  %s\n", r[i].name, (long long)r[i].source,
		       (long long)r[i].target, (long long)r[i].copied,
		       r[i].skipped ? "not copied (the target has no such table)" :
		       r[i].source == r[i].target ? "ok" : "MISMATCH");
	printf("store copy to %s: %s\n", to, ok ? "every table's rows match" :
	       "the counts differ (see MISMATCH above)");
}

/* The copy itself, with both stores open; a sysexits code. */
static int copy_store(struct mr_cli *cli, const struct mr_store *src, const struct mr_store *dst,
		      const char *to, int resume, int64_t batch)
{
	struct mr_error err = { 0 };
	const struct mr_store_copy_ops *sc = mr_store_copy_of(src->ops);
	const struct mr_store_copy_ops *dc = mr_store_copy_of(dst->ops);
	if (!sc || !dc)
		return cli_fail(EX_UNAVAILABLE, "store", "the store '%s' cannot be copied (it has "
				"no bulk copy sub-table)", !sc ? src->name : dst->name);
	const struct mr_store_table *st, *dt;
	size_t sn, dn;
	if (sc->copy_tables(src->state, &st, &sn, &err) ||
	    dc->copy_tables(dst->state, &dt, &dn, &err))
		return cli_fail(mr_status_exit_code(err.status), "store", "%s", err.msg);
	struct table_report *r = calloc(sn ? sn : 1, sizeof(*r));
	if (!r)
		return cli_fail(EX_OSERR, "store", "out of memory");
	int code = EX_OK, rc = 0;
	/* one snapshot of the source for the whole copy and its counts */
	rc = mr_store_begin(src, &err);
	for (size_t i = 0; !rc && i < sn; i++) {
		int64_t max;
		r[i].name = st[i].name;
		rc = count(src, st[i].name, &r[i].source, &max, &err);
		const struct mr_store_table *d = mr_store_table_find(dt, dn, st[i].name);
		if (!rc && !d) {
			r[i].skipped = 1;
			continue;
		}
		int64_t tmax = 0;
		if (!rc)
			rc = count(dst, st[i].name, &r[i].target, &tmax, &err);
		if (!rc && !resume && !d->seeded && r[i].target > 0) {
			code = cli_fail(EX_DATAERR, "store", "refusing to copy into %s: its store "
					"already holds %lld rows in table %s; copy into an empty "
					"store, or give --resume to go on with a copy that stopped",
					to, (long long)r[i].target, st[i].name);
			break;
		}
	}
	for (size_t i = 0; !rc && code == EX_OK && i < sn; i++) {
		const struct mr_store_table *d = mr_store_table_find(dt, dn, st[i].name);
		if (!d || (!st[i].key && r[i].target > 0 && !d->seeded))
			continue; /* not in the target, or a keyless table copied before */
		int64_t after = 0, tcount, tmax;
		if (resume && st[i].key && !d->seeded) {
			rc = count(dst, st[i].name, &tcount, &tmax, &err);
			after = tmax;
		}
		if (!rc)
			rc = copy_table(src, dst, &st[i], after, batch, &r[i], &err);
		if (rc) {
			mr_progress(NULL, "", -1, 0);
			code = cli_fail(mr_status_exit_code(rc), "store", "the copy stopped in table "
					"%s after %lld rows: %s; the target keeps every batch written "
					"before (each is one transaction): mend the cause and run the "
					"same command with --resume to go on", st[i].name,
					(long long)r[i].copied, err.msg);
		}
	}
	int ok = 1;
	for (size_t i = 0; !rc && code == EX_OK && i < sn; i++) {
		int64_t max;
		if (r[i].skipped) {
			if (r[i].source > 0)
				fprintf(stderr, "mailroom: store: warning: table %s (%lld rows) is not "
					"copied: the target store '%s' has no such table\n",
					r[i].name, (long long)r[i].source, dst->name);
			continue;
		}
		rc = count(dst, r[i].name, &r[i].target, &max, &err);
		if (!rc && r[i].target != r[i].source)
			ok = 0;
	}
	if (rc && code == EX_OK)
		code = cli_fail(mr_status_exit_code(rc), "store", "%s", err.msg);
	mr_store_rollback(src); /* the source was only read */
	if (code == EX_OK) {
		print_report(cli, r, sn, ok, to);
		if (!ok)
			code = EX_DATAERR;
	}
	free(r);
	return code;
}

int cmd_store(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc < 2 || strcmp(argv[1], "copy") != 0)
		return cli_usage("store");
	const char *to = NULL;
	int resume = 0;
	long long batch = 1000;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
			to = argv[++i];
		} else if (strcmp(argv[i], "--resume") == 0) {
			resume = 1;
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			if (mr_parse_int(argv[++i], &batch) || batch < 1 || batch > 100000)
				return cli_fail(EX_USAGE, "store", "--batch takes a number from 1 to "
						"100000");
		} else {
			return cli_usage("store");
		}
	}
	if (!to)
		return cli_fail(EX_USAGE, "store", "copy needs --to OTHER.ini, the site file of "
				"the target store");
	char a[PATH_MAX], b[PATH_MAX];
	if (cli->config_path && realpath(cli->config_path, a) && realpath(to, b) &&
	    strcmp(a, b) == 0)
		return cli_fail(EX_USAGE, "store", "--to %s is this site's own file", to);
	struct mr_site *src, *dst;
	int rc = cli_open_site(cli, MR_OPEN_STORE, &src);
	if (rc)
		return rc;
	struct mr_cli other = *cli;
	other.config_path = (char *)to;
	rc = cli_open_site(&other, MR_OPEN_STORE, &dst);
	if (rc) {
		mr_site_close(src);
		return rc;
	}
	rc = copy_store(cli, &src->store, &dst->store, to, resume, batch);
	mr_site_close(dst);
	mr_site_close(src);
	return rc;
}
