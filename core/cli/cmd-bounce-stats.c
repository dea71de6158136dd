/* SPDX-License-Identifier: MIT */
/* mailroom bounce stats [--json]: bounces by bounce type and by mailing, and the emails on hold. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define MAX_TYPES 64

struct stats_acc {
	struct mr_cli *cli;
	size_t n_rows;
	struct {
		char name[32];
		int64_t bounces;
	} types[MAX_TYPES];
	size_t n_types;
	int64_t last_mailing;
	json_t *by_mailing; /* with --json */
};

static void add_type(struct stats_acc *a, const char *type, int64_t n)
{
	for (size_t i = 0; i < a->n_types; i++)
		if (strcmp(a->types[i].name, type) == 0) {
			a->types[i].bounces += n;
			return;
		}
	if (a->n_types < MAX_TYPES) {
		snprintf(a->types[a->n_types].name, sizeof(a->types[0].name), "%s", type);
		a->types[a->n_types++].bounces = n;
	}
}

static int stat_row(void *cookie, const struct mr_bounce_stat *r)
{
	struct stats_acc *a = cookie;
	add_type(a, r->type, r->bounces);
	if (a->cli->json) {
		json_array_append_new(a->by_mailing,
				      json_pack("{s:I,s:o,s:o,s:I,s:I}", "mailing_id",
						(json_int_t)r->mailing_id, "mailing",
						cli_json_text(r->mailing), "type",
						cli_json_text(r->type), "bounces",
						(json_int_t)r->bounces, "emails",
						(json_int_t)r->emails));
	} else {
		if (a->n_rows == 0)
			printf("bounces by mailing:\n");
		if (r->mailing_id != a->last_mailing)
			printf("  mailing %lld %s\n", (long long)r->mailing_id, r->mailing);
		printf("    %-12s %6lld bounces, %lld email%s\n", r->type, (long long)r->bounces,
		       (long long)r->emails, r->emails == 1 ? "" : "s");
	}
	a->last_mailing = r->mailing_id;
	a->n_rows++;
	return 0;
}

int cli_bounce_stats(struct mr_cli *cli, int argc, char **argv)
{
	(void)argv;
	if (argc != 2)
		return cli_usage("bounce");
	struct mr_site *site = NULL;
	int code = cli_open_site(cli, MR_OPEN_STORE, &site);
	if (code)
		return code;
	struct mr_store *st = &site->store;
	if (!mr_store_has(st, MR_STORE_CAP_BOUNCE)) {
		code = cli_fail(EX_UNAVAILABLE, "bounce stats", "the store '%s' has no %s",
				st->name ? st->name : "?", mr_store_cap_name(MR_STORE_CAP_BOUNCE));
		mr_site_close(site);
		return code;
	}
	struct stats_acc *a = calloc(1, sizeof(*a));
	if (!a) {
		mr_site_close(site);
		return cli_fail(EX_OSERR, "bounce stats", "out of memory");
	}
	a->cli = cli;
	a->last_mailing = -1;
	struct mr_bounce_totals t;
	struct mr_error err = { 0 };
	if (cli->json)
		a->by_mailing = json_array();
	int rc = mr_store_bounce_stats(st, stat_row, a, &t, &err);
	if (rc == 0 && cli->json) {
		json_t *by_type = json_object();
		for (size_t i = 0; i < a->n_types; i++)
			cli_json_set(by_type, a->types[i].name, cli_json_int(a->types[i].bounces));
		cli_json_print(json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:I}", "by_mailing",
					 a->by_mailing, "by_type", by_type, "bounces",
					 (json_int_t)t.bounces, "low_confidence",
					 (json_int_t)t.low_confidence, "on_hold",
					 (json_int_t)t.on_hold, "on_hold_manual",
					 (json_int_t)t.on_hold_manual, "opted_out",
					 (json_int_t)t.opted_out));
	} else if (rc == 0) {
		printf("bounces by type:\n");
		for (size_t i = 0; i < a->n_types; i++)
			printf("  %-12s %6lld\n", a->types[i].name, (long long)a->types[i].bounces);
		printf("bounces: %lld (%lld matched by address only)\n"
		       "emails on hold: %lld by bounces, %lld by hand\ncontacts opted out: %lld\n",
		       (long long)t.bounces, (long long)t.low_confidence, (long long)t.on_hold,
		       (long long)t.on_hold_manual, (long long)t.opted_out);
	} else if (cli->json) {
		cli_json_print(json_pack("{s:o}", "by_mailing", a->by_mailing));
	}
	fflush(stdout);
	free(a);
	if (rc)
		code = cli_fail(mr_status_exit_code(rc), "bounce stats", "%s", err.msg);
	mr_site_close(site);
	return code;
}
