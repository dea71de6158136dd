/* SPDX-License-Identifier: MIT */
/* mailroom contact import|list and mailroom group add|list|members: the contacts and groups mailings go to (the rest is contact-manage.c). */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <mailroom/printable.h>
#include "cli.h"
#include "optin.h"
#include "csv.h"
#include "fields.h"
#include "import-map.h"

#define IMPORT_TX_ROWS 5000

enum col { COL_IGNORED = -1, COL_EMAIL, COL_FIRST, COL_LAST, COL_DISPLAY, COL_TYPE, COL_GROUPS,
	   N_COLS };
static const char *const col_names[N_COLS] = { "email", "first_name", "last_name",
					       "display_name", "contact_type", "groups" };

static int need_slots(struct mr_store *st, const char *cmd)
{
	if (!mr_store_has(st, MR_STORE_CAP_CONTACTS))
		return cli_fail(EX_UNAVAILABLE, cmd, "the store '%s' has no %s",
				st->name ? st->name : "?", mr_store_cap_name(MR_STORE_CAP_CONTACTS));
	return 0;
}

/* Known groups of an import, so each is added once: a hash set (open
 * addressing), so that a row or a file with very many groups stays linear. */
struct group_cache {
	char **slots;
	size_t n, cap;
};

static size_t group_hash(const char *s)
{
	size_t h = 1469598103934665603ULL & SIZE_MAX;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (1099511628211ULL & SIZE_MAX);
	return h;
}

static int group_known(struct group_cache *gc, const char *name)
{
	if (!gc->cap)
		return 0;
	for (size_t i = group_hash(name) & (gc->cap - 1);; i = (i + 1) & (gc->cap - 1)) {
		if (!gc->slots[i])
			return 0;
		if (strcmp(gc->slots[i], name) == 0)
			return 1;
	}
}

/* Adds name (not known yet); 0 or MR_ENOMEM. */
static int group_remember(struct group_cache *gc, const char *name)
{
	if ((gc->n + 1) * 2 > gc->cap) {
		size_t nc = gc->cap ? gc->cap * 2 : 64;
		char **ns = calloc(nc, sizeof(*ns));
		if (!ns)
			return MR_ENOMEM;
		for (size_t i = 0; i < gc->cap; i++) {
			if (!gc->slots[i])
				continue;
			size_t j = group_hash(gc->slots[i]) & (nc - 1);
			while (ns[j])
				j = (j + 1) & (nc - 1);
			ns[j] = gc->slots[i];
		}
		free(gc->slots);
		gc->slots = ns;
		gc->cap = nc;
	}
	char *copy = strdup(name);
	if (!copy)
		return MR_ENOMEM;
	size_t j = group_hash(name) & (gc->cap - 1);
	while (gc->slots[j])
		j = (j + 1) & (gc->cap - 1);
	gc->slots[j] = copy;
	gc->n++;
	return 0;
}

static void group_cache_free(struct group_cache *gc)
{
	for (size_t i = 0; i < gc->cap; i++)
		free(gc->slots[i]);
	free(gc->slots);
	memset(gc, 0, sizeof(*gc));
}

/* The custom fields of an import and the stored form of a row's values. */
struct import_fields {
	struct cli_fields defs;
	char (*values)[4097];       /* one per column of the header */
};

/* Checks the custom field values of a row (map[i] >= N_COLS); 0, or 1
 * after reporting the first bad one with its line and column. */
static int check_row_fields(struct mr_csv *csv, const int *map, size_t ncols,
			    struct import_fields *fx, const char *path)
{
	for (size_t i = 0; i < ncols; i++) {
		if (map[i] < N_COLS || !*csv->fields[i])
			continue;
		const struct mr_field *f = &fx->defs.v[map[i] - N_COLS];
		char why[256], shown[120];
		if (cli_field_value(f, csv->fields[i], fx->values[i], sizeof(fx->values[i]), why,
				    sizeof(why)) != 0) {
			fprintf(stderr, "mailroom: %s:%lu: column %zu (%s): \"%s\" is %s: skipped\n",
				path, csv->rec_line, i + 1, f->name,
				mr_printable_str(shown, sizeof(shown), csv->fields[i]), why);
			return 1;
		}
	}
	return 0;
}

/* Stores the checked custom field values of a row (empty ones are left as they are). */
static int set_row_fields(struct mr_store *st, int64_t id, struct mr_csv *csv, const int *map,
			  size_t ncols, struct import_fields *fx, struct mr_error *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < ncols; i++)
		if (map[i] >= N_COLS && *csv->fields[i])
			rc = mr_store_contact_field_set(st, id, fx->defs.v[map[i] - N_COLS].name,
							fx->values[i], err);
	return rc;
}

static int import_row(struct mr_store *st, struct mr_csv *csv, const int *map, size_t ncols,
		      struct group_cache *gc, struct import_fields *fx, const char *path,
		      int *created_r)
{
	struct mr_error err = { 0 };
	if (csv->n != ncols) {
		fprintf(stderr, "mailroom: %s:%lu: %zu fields, the header has %zu: skipped\n", path,
			csv->rec_line, csv->n, ncols);
		return 1;
	}
	const char *v[N_COLS] = { 0 };
	for (size_t i = 0; i < ncols; i++) {
		if (!mr_utf8_valid(csv->fields[i])) {
			fprintf(stderr, "mailroom: %s:%lu: column %zu is not UTF-8: skipped\n", path,
				csv->rec_line, i + 1);
			return 1;
		}
		if (map[i] != COL_IGNORED && map[i] < N_COLS)
			v[map[i]] = csv->fields[i];
	}
	if (check_row_fields(csv, map, ncols, fx, path))
		return 1;
	const char *email = v[COL_EMAIL];
	while (email && (*email == ' ' || *email == '\t'))
		email++;
	if (!email || !mr_addr_valid(email) || !strchr(email, '@')) {
		char shown[120];
		fprintf(stderr, "mailroom: %s:%lu: invalid email address \"%s\": skipped\n", path,
			csv->rec_line, mr_printable_str(shown, sizeof(shown), v[COL_EMAIL]));
		return 1;
	}
	const char *type = v[COL_TYPE] && *v[COL_TYPE] ? v[COL_TYPE] : NULL;
	if (type && strcasecmp(type, "individual") == 0)
		type = "Individual";
	else if (type && strcasecmp(type, "organization") == 0)
		type = "Organization";
	else if (type) {
		char shown[120];
		fprintf(stderr, "mailroom: %s:%lu: contact_type \"%s\" is neither Individual nor "
			"Organization: skipped\n", path, csv->rec_line,
			mr_printable_str(shown, sizeof(shown), type));
		return 1;
	}
	struct mr_contact c = {
		.email = email, .contact_type = type,
		.first_name = v[COL_FIRST] && *v[COL_FIRST] ? v[COL_FIRST] : NULL,
		.last_name = v[COL_LAST] && *v[COL_LAST] ? v[COL_LAST] : NULL,
		.display_name = v[COL_DISPLAY] && *v[COL_DISPLAY] ? v[COL_DISPLAY] : NULL,
	};
	int64_t id = 0;
	int rc = mr_store_contact_upsert(st, &c, &id, created_r, &err);
	if (rc == 0)
		rc = set_row_fields(st, id, csv, map, ncols, fx, &err);
	if (rc) {
		fprintf(stderr, "mailroom: %s:%lu: %s\n", path, csv->rec_line, err.msg);
		return rc == MR_EINPUT ? 1 : rc;
	}
	if (!v[COL_GROUPS] || !*v[COL_GROUPS])
		return 0;
	char *groups = strdup(v[COL_GROUPS]), *save = NULL;
	if (!groups)
		return MR_ENOMEM;
	for (char *g = strtok_r(groups, ";,", &save); g; g = strtok_r(NULL, ";,", &save)) {
		while (*g == ' ')
			g++;
		size_t gl = strlen(g);
		while (gl > 0 && g[gl - 1] == ' ')
			g[--gl] = '\0';
		if (!gl)
			continue;
		if (!group_known(gc, g)) {
			if ((rc = mr_store_group_add(st, g, NULL, NULL, &err)) != 0)
				break;
			if ((rc = group_remember(gc, g)) != 0) {
				mr_error_set(&err, rc, "out of memory");
				break;
			}
		}
		if ((rc = mr_store_group_member(st, g, id, 1, &err)) != 0)
			break;
	}
	free(groups);
	if (rc)
		fprintf(stderr, "mailroom: %s:%lu: %s\n", path, csv->rec_line, err.msg);
	return rc;
}

static int import(struct mr_store *st, const char *path, const struct import_map *im,
		  int dry_run)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f)
		return cli_fail(EX_NOINPUT, "contact import", "%s: %s", path, strerror(errno));
	struct mr_csv csv;
	struct mr_error err = { 0 };
	mr_csv_init(&csv, f);
	int *map = NULL, code = EX_OK;
	struct import_fields fx = { 0 };
	size_t ncols = 0;
	int rc = mr_csv_next(&csv, &err);
	if (rc <= 0) {
		code = cli_fail(EX_DATAERR, "contact import", "%s: %s", path,
				rc ? err.msg : "empty file: a header row is needed");
		goto out;
	}
	int seen[N_COLS] = { 0 };
	if ((rc = cli_fields_load(st, &fx.defs, &err)) != 0) {
		code = cli_fail(mr_status_exit_code(rc), "contact import", "%s", err.msg);
		goto out;
	}
	if (!(map = calloc(csv.n + 1, sizeof(*map))) ||
	    !(fx.values = calloc(csv.n + 1, sizeof(*fx.values)))) {
		code = cli_fail(EX_OSERR, "contact import", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < csv.n; i++) {
		const char *name = import_map_apply(im, csv.fields[i]);
		if (strcmp(name, "-") == 0) {
			map[ncols++] = COL_IGNORED;
			continue;
		}
		int k = -1;
		for (int j = 0; j < N_COLS; j++)
			if (strcasecmp(name, col_names[j]) == 0)
				k = j;
		for (size_t j = 0; k < 0 && j < fx.defs.n; j++)
			if (strcmp(name, fx.defs.v[j].name) == 0)
				k = N_COLS + (int)j;
		if (k >= N_COLS) {
			for (size_t j = 0; j < ncols; j++)
				if (map[j] == k)
					k = -2;
			if (k >= 0) {
				map[ncols++] = k;
				continue;
			}
		}
		if (k < 0 || seen[k]) {
			const char *near = k == -1 ? cli_fields_nearest(&fx.defs, col_names, N_COLS,
									name) : NULL;
			char shown[120], mapped[200] = "";
			if (name != csv.fields[i])
				snprintf(mapped, sizeof(mapped), " (mapped to \"%s\")", name);
			code = cli_fail(EX_DATAERR, "contact import", "%s:1: %s column %zu \"%s\"%s%s%s%s "
					"(the columns are email, first_name, last_name, display_name, "
					"contact_type, groups and the custom fields of field list)",
					path, k == -1 ? "unknown" : "repeated", i + 1,
					mr_printable_str(shown, sizeof(shown), csv.fields[i]), mapped,
					near ? ": did you mean '" : "", near ? near : "",
					near ? "'?" : "");
			goto out;
		}
		seen[k] = 1;
		map[ncols++] = k;
	}
	if (!seen[COL_EMAIL]) {
		code = cli_fail(EX_DATAERR, "contact import", "%s:1: the header has no email column",
				path);
		goto out;
	}
	unsigned long rows = 0, created = 0, skipped = 0, in_tx = 0;
	int open = 0;
	struct group_cache gc = { 0 };
	for (;;) {
		if (!open && (rc = mr_store_begin(st, &err)) != 0)
			break;
		open = 1;
		rc = mr_csv_next(&csv, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (rc != MR_EINPUT || feof(f))
				break;
			fprintf(stderr, "mailroom: %s: %s: skipped\n", path, err.msg);
			skipped++;
			rc = 0;
			continue;
		}
		int made = 0;
		rc = import_row(st, &csv, map, ncols, &gc, &fx, path, &made);
		if (rc == 1) {
			skipped++;
			rc = 0;
			continue;
		}
		if (rc)
			break;
		rows++;
		created += (unsigned long)made;
		mr_progress(NULL, "contact import", (long long)rows, 0);
		if (++in_tx >= IMPORT_TX_ROWS && !dry_run) {
			if ((rc = mr_store_commit(st, &err)) != 0)
				break;
			in_tx = 0;
			open = 0;
		}
	}
	if (rc == 0 && open && !dry_run) {
		rc = mr_store_commit(st, &err);
		if (rc)
			mr_store_rollback(st);
	} else if (open) {
		mr_store_rollback(st);
	}
	mr_progress(NULL, "contact import", -1, 0);
	size_t gc_used = gc.n;
	group_cache_free(&gc);
	if (rc) {
		code = cli_fail(mr_status_exit_code(rc), "contact import", "%s: %s (rows after the "
				"last %d-row commit were not imported)", path,
				err.msg[0] ? err.msg : mr_status_name(rc), IMPORT_TX_ROWS);
		goto out;
	}
	if (dry_run)
		printf("dry run: would import %lu rows from %s: %lu new contacts, %lu updated, %lu "
		       "skipped, %zu groups named; nothing was changed\n", rows, path, created,
		       rows - created, skipped, gc_used);
	else
		printf("imported %lu rows from %s: %lu new contacts, %lu updated, %lu skipped\n",
		       rows, path, created, rows - created, skipped);
	if (skipped)
		code = EX_DATAERR;
out:
	free(map);
	free(fx.values);
	cli_fields_free(&fx.defs);
	mr_csv_free(&csv);
	if (f != stdin)
		fclose(f);
	return code;
}

/* contact import [--map LIST] [--map-file FILE] [--dry-run] FILE (argv[0] is "import"). */
static int import_cmd(struct mr_store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "map-file", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ 0 }
	};
	struct import_map im = { 0 };
	char why[512];
	int c, dry_run = 0, code = 0;
	optind = 0;
	opterr = 0;
	while (code == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			dry_run = 1;
		else if (c == 'm' && import_map_add_list(&im, optarg, why, sizeof(why)) != 0)
			code = cli_fail(EX_USAGE, "contact import", "%s", why);
		else if (c == 'f' && import_map_add_file(&im, optarg, why, sizeof(why)) != 0)
			code = cli_fail(EX_DATAERR, "contact import", "--map-file %s", why);
		else if (c != 'm' && c != 'f')
			code = cli_fail(EX_USAGE, "contact import", "unknown option or missing value: %s",
					argv[optind - 1]);
	}
	if (code == 0 && optind != argc - 1)
		code = cli_usage("contact");
	if (code == 0)
		code = import(st, argv[optind], &im, dry_run);
	import_map_free(&im);
	return code;
}

/* A copy of s for a terminal: control characters become '?'. */
static const char *term_safe(const char *s, char *buf, size_t n)
{
	size_t i = 0;
	for (; s && s[i] && i + 1 < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static int print_contact(void *cookie, const struct mr_contact *c)
{
	struct mr_cli *cli = cookie;
	if (cli->json) {
		cli_json_print(json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:i,s:i,s:i}", "id",
					 (json_int_t)c->id, "email", cli_json_text(c->email),
					 "first_name", cli_json_text(c->first_name), "last_name",
					 cli_json_text(c->last_name), "display_name",
					 cli_json_text(c->display_name), "contact_type",
					 cli_json_text(c->contact_type), "on_hold", c->on_hold,
					 "is_opt_out", c->is_opt_out, "do_not_email",
					 c->do_not_email));
	} else {
		char e[320], f[128], l[128];
		printf("%-8lld ", (long long)c->id);
		cli_cell(term_safe(c->email, e, sizeof(e)), 36);
		cli_cell(term_safe(c->first_name, f, sizeof(f)), 16);
		cli_cell(term_safe(c->last_name, l, sizeof(l)), 16);
		printf("%s%s%s\n", c->on_hold ? "on-hold " : "", c->is_opt_out ? "opted-out " : "",
		       c->do_not_email ? "do-not-email" : "");
	}
	return 0;
}

/* The header row of contact lists (text output only). */
static void contact_header(const struct mr_cli *cli)
{
	if (!cli->json)
		printf("%-8s %-36s %-16s %-16s %s\n", "ID", "EMAIL", "FIRST_NAME", "LAST_NAME",
		       "FLAGS");
}

static int print_group(void *cookie, const struct mr_group *g)
{
	struct mr_cli *cli = cookie;
	if (cli->json) {
		cli_json_print(json_pack("{s:I,s:o,s:o,s:I}", "id", (json_int_t)g->id, "name",
					 cli_json_text(g->name), "title", cli_json_text(g->title),
					 "members", (json_int_t)g->members));
	} else {
		printf("%-6lld ", (long long)g->id);
		cli_cell(g->name, 24);
		printf("%8lld  %s\n", (long long)g->members, g->title ? g->title : "");
	}
	return 0;
}

/* Pages through contacts so that a million rows do not sit in one statement. */
struct list_state {
	struct mr_cli *cli;
	int64_t last;
	int64_t n;
};

static int list_one(void *cookie, const struct mr_contact *c)
{
	struct list_state *ls = cookie;
	ls->last = c->id;
	ls->n++;
	return print_contact(ls->cli, c);
}

int cmd_contact(struct mr_cli *cli, int argc, char **argv)
{
	struct mr_site *site = NULL;
	/* subscribe sends mail: it opens the transport too */
	if (argc >= 2 && strcmp(argv[1], "subscribe") == 0)
		return cli_contact_subscribe(cli, cli_take_json(cli, argc, argv) - 1, argv + 1);
	int code = cli_open_subcommand(cli, "contact", &argc, argv, &site);
	if (code)
		return code;
	const char *sub = argv[1];
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	int rc = 0;
	int64_t limit = 0;
	if ((code = need_slots(st, "contact")) != 0) {
	} else if (strcmp(sub, "import") == 0) {
		code = import_cmd(st, argc - 1, argv + 1);
	} else if (strcmp(sub, "list") == 0 && argc == 4 && strcmp(argv[2], "--limit") == 0 &&
		   cli_parse_id(argv[3], &limit) != 0) {
		code = cli_fail(EX_USAGE, "contact list", "--limit \"%s\": a positive number",
				argv[3]);
	} else if (strcmp(sub, "list") == 0 && (argc == 2 || (argc == 4 &&
						strcmp(argv[2], "--limit") == 0))) {
		struct list_state ls = { cli, 0, 0 };
		contact_header(cli);
		for (int guard = 0; guard < 100000000 && rc == 0; guard++) {
			int64_t before = ls.n;
			int64_t page = limit > 0 && limit - ls.n < 1000 ? limit - ls.n : 1000;
			if (page <= 0)
				break;
			rc = mr_store_contact_list(st, ls.last, page, list_one, &ls, &err);
			if (ls.n == before)
				break;
		}
	} else if (strcmp(sub, "export") == 0) {
		code = cli_contact_export(cli, st, argc - 1, argv + 1, &err);
	} else if (strcmp(sub, "import") != 0 && strcmp(sub, "list") != 0) {
		rc = cli_contact_manage(cli, st, argc - 1, argv + 1, &code, &err);
	} else {
		code = cli_usage("contact");
	}
	if (rc)
		code = cli_fail(mr_status_exit_code(rc), "contact", "%s", err.msg);
	mr_site_close(site);
	return code;
}

int cmd_group(struct mr_cli *cli, int argc, char **argv)
{
	struct mr_site *site = NULL;
	int code = cli_open_subcommand(cli, "group", &argc, argv, &site);
	if (code)
		return code;
	const char *sub = argv[1];
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	int rc = 0;
	if ((code = need_slots(st, "group")) != 0) {
	} else if (strcmp(sub, "add") == 0 && argc == 5 && strcmp(argv[3], "--where") == 0) {
		code = cli_group_add_smart(st, argv[2], argv[4]);
	} else if (strcmp(sub, "add") == 0 && (argc == 3 || (argc == 5 &&
					      strcmp(argv[3], "--title") == 0))) {
		int64_t id = 0;
		rc = mr_store_group_add(st, argv[2], argc == 5 ? argv[4] : NULL, &id, &err);
		if (rc == 0)
			printf("group %s: id %lld\n", argv[2], (long long)id);
	} else if (strcmp(sub, "list") == 0 && argc == 2) {
		if (!cli->json)
			printf("%-6s %-24s %8s  %s\n", "ID", "NAME", "MEMBERS", "TITLE");
		rc = mr_store_group_list(st, print_group, cli, &err);
	} else if (strcmp(sub, "members") == 0 && argc == 3) {
		rc = mr_store_group_refresh(st, argv[2], NULL, &err);
		if (rc == 0)
			contact_header(cli);
		if (rc == 0)
			rc = mr_store_group_members(st, argv[2], print_contact, cli, &err);
	} else if (strcmp(sub, "remove") == 0 || strcmp(sub, "delete") == 0 ||
		   strcmp(sub, "rename") == 0) {
		rc = cli_group_manage(st, argc - 1, argv + 1, &code, &err);
	} else {
		code = cli_usage("group");
	}
	if (rc)
		code = cli_fail(mr_status_exit_code(rc), "group", "%s", err.msg);
	mr_site_close(site);
	return code;
}
