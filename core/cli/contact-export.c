/* SPDX-License-Identifier: MIT */
/* mailroom contact export: every contact (or a group's) as RFC 4180 CSV that contact import reads back, or JSON lines, streamed a page at a time so memory stays flat. */
#include "config.h"
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <mailroom/buf.h>
#include "cli.h"
#include "csv.h"
#include "fields.h"

#define EXPORT_PAGE 1000
#define MAX_COLS 256

enum base_col { B_EMAIL, B_FIRST, B_LAST, B_DISPLAY, B_TYPE, B_GROUPS, N_BASE };
static const char *const base_names[N_BASE] = { "email", "first_name", "last_name",
						"display_name", "contact_type", "groups" };

struct export {
	struct mr_store *st;
	struct mr_error *err;
	int json;
	const char *cols[MAX_COLS]; /* column names, in output order */
	size_t n_cols;
	const char *vals[MAX_COLS]; /* the current contact's values */
	struct mr_buf groups;       /* its groups, ';'-separated */
	struct mr_buf fv;           /* its field values, each ending in a NUL, at fv_at */
	size_t fv_at[MAX_COLS];
	int fv_set[MAX_COLS];
	int64_t last, n;
};

static int col_index(const struct export *ex, const char *name)
{
	for (size_t i = 0; i < ex->n_cols; i++)
		if (strcmp(ex->cols[i], name) == 0)
			return (int)i;
	return -1;
}

static int one_group(void *cookie, const struct mr_membership *m)
{
	struct export *ex = cookie;
	if (strcmp(m->status, "Added") != 0)
		return 0;
	if (ex->groups.len)
		mr_buf_addc(&ex->groups, ';');
	mr_buf_adds(&ex->groups, m->group);
	return ex->groups.oom ? MR_ENOMEM : 0;
}

static int one_value(void *cookie, const struct mr_field_value *v)
{
	struct export *ex = cookie;
	int i = col_index(ex, v->name);
	if (i < 0)
		return 0;
	ex->fv_at[i] = ex->fv.len;
	ex->fv_set[i] = 1;
	mr_buf_add(&ex->fv, v->value, strlen(v->value) + 1);
	return ex->fv.oom ? MR_ENOMEM : 0;
}

static void write_row(struct export *ex)
{
	if (ex->json) {
		json_t *o = json_object();
		for (size_t i = 0; i < ex->n_cols; i++) {
			char *ok = cli_utf8_repair(ex->vals[i], strlen(ex->vals[i]));
			json_object_set_new(o, ex->cols[i], json_string(ok ? ok : ""));
			free(ok);
		}
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
		return;
	}
	for (size_t i = 0; i < ex->n_cols; i++) {
		if (i)
			putchar(',');
		mr_csv_write_field(stdout, ex->vals[i]);
	}
	fputs("\r\n", stdout);
}

static int one_contact(void *cookie, const struct mr_contact *c)
{
	struct export *ex = cookie;
	ex->last = c->id;
	ex->n++;
	ex->groups.len = 0;
	ex->fv.len = 0;
	memset(ex->fv_set, 0, sizeof(ex->fv_set));
	int gi = col_index(ex, "groups"), rc = 0;
	if (gi >= 0 && (rc = mr_store_contact_groups(ex->st, c->id, one_group, ex, ex->err)) != 0)
		return rc;
	if ((rc = mr_store_contact_fields(ex->st, c->id, one_value, ex, ex->err)) != 0)
		return rc;
	for (size_t i = 0; i < ex->n_cols; i++) {
		const char *name = ex->cols[i], *v = "";
		if (strcmp(name, "email") == 0)
			v = c->email;
		else if (strcmp(name, "first_name") == 0)
			v = c->first_name;
		else if (strcmp(name, "last_name") == 0)
			v = c->last_name;
		else if (strcmp(name, "display_name") == 0)
			v = c->display_name;
		else if (strcmp(name, "contact_type") == 0)
			v = c->contact_type;
		else if ((int)i == gi)
			v = ex->groups.len ? ex->groups.p : "";
		else if (ex->fv_set[i])
			v = ex->fv.p + ex->fv_at[i];
		ex->vals[i] = v ? v : "";
	}
	write_row(ex);
	mr_progress(NULL, "contact export", (long long)ex->n, 0);
	return ferror(stdout) ? MR_ETEMP : 0;
}

/* The columns: --fields NAMES (each a contact column or a custom field),
 * else every contact column and every custom field.  0, or the exit code. */
static int choose_columns(struct export *ex, const struct cli_fields *fs, char *list)
{
	if (!list) {
		for (size_t i = 0; i < N_BASE; i++)
			ex->cols[ex->n_cols++] = base_names[i];
		for (size_t i = 0; i < fs->n && ex->n_cols < MAX_COLS; i++)
			ex->cols[ex->n_cols++] = fs->v[i].name;
		return 0;
	}
	char *save = NULL;
	for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int known = cli_fields_find(fs, w) != NULL;
		for (size_t i = 0; i < N_BASE && !known; i++)
			known = strcmp(w, base_names[i]) == 0;
		if (!known) {
			const char *near = cli_fields_nearest(fs, base_names, N_BASE, w);
			return cli_fail(EX_USAGE, "contact export", "--fields: unknown column \"%s\"%s%s%s",
					w, near ? " (did you mean '" : "", near ? near : "",
					near ? "'?)" : "");
		}
		if (col_index(ex, w) >= 0)
			return cli_fail(EX_USAGE, "contact export", "--fields: \"%s\" given twice", w);
		if (ex->n_cols == MAX_COLS)
			return cli_fail(EX_USAGE, "contact export", "--fields: at most %d", MAX_COLS);
		ex->cols[ex->n_cols++] = w;
	}
	if (!ex->n_cols)
		return cli_fail(EX_USAGE, "contact export", "--fields: no column given");
	return 0;
}

int cli_contact_export(struct mr_cli *cli, struct mr_store *st, int argc, char **argv,
		       struct mr_error *err)
{
	static const struct option opts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "fields", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'o' },
		{ 0 }
	};
	const char *group = NULL;
	char *list = NULL;
	struct export ex = { .st = st, .err = err, .json = cli->json };
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'g') {
			group = optarg;
		} else if (c == 'f') {
			list = optarg;
		} else if (c == 'o' && (strcmp(optarg, "csv") == 0 || strcmp(optarg, "json") == 0)) {
			ex.json = strcmp(optarg, "json") == 0;
		} else if (c == 'o') {
			return cli_fail(EX_USAGE, "contact export", "--format \"%s\": csv or json",
					optarg);
		} else {
			return cli_fail(EX_USAGE, "contact export", "unknown option or missing value: %s",
					argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage("contact");
	struct cli_fields fs;
	int rc = cli_fields_load(st, &fs, err);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "contact export", "%s", err->msg);
	int code = choose_columns(&ex, &fs, list);
	if (code == 0 && !ex.json) {
		for (size_t i = 0; i < ex.n_cols; i++) {
			if (i)
				putchar(',');
			mr_csv_write_field(stdout, ex.cols[i]);
		}
		fputs("\r\n", stdout);
	}
	if (code == 0 && group) {
		rc = mr_store_group_members(st, group, one_contact, &ex, err);
	} else if (code == 0) {
		for (int64_t before = -1; rc == 0 && ex.n != before;) {
			before = ex.n;
			rc = mr_store_contact_list(st, ex.last, EXPORT_PAGE, one_contact, &ex, err);
		}
	}
	mr_progress(NULL, "contact export", -1, 0);
	if (rc == MR_ENOMEM)
		mr_error_set(err, rc, "out of memory");
	if (code == 0 && (rc || fflush(stdout) != 0))
		code = cli_fail(rc ? mr_status_exit_code(rc) : EX_IOERR, "contact export", "%s",
				rc ? err->msg : "writing the output failed");
	mr_buf_free(&ex.groups);
	mr_buf_free(&ex.fv);
	cli_fields_free(&fs);
	return code;
}
