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
		printf("%s{\"mailing_id\":%lld,\"mailing\":", a->n_rows ? "," : "",
		       (long long)r->mailing_id);
		cli_json_str(stdout, r->mailing);
		printf(",\"type\":");
		cli_json_str(stdout, r->type);
		printf(",\"bounces\":%lld,\"emails\":%lld}", (long long)r->bounces,
		       (long long)r->emails);
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
		printf("{\"by_mailing\":[");
	int rc = mr_store_bounce_stats(st, stat_row, a, &t, &err);
	if (rc == 0 && cli->json) {
		printf("],\"by_type\":{");
		for (size_t i = 0; i < a->n_types; i++) {
			printf(i ? "," : "");
			cli_json_str(stdout, a->types[i].name);
			printf(":%lld", (long long)a->types[i].bounces);
		}
		printf("},\"bounces\":%lld,\"low_confidence\":%lld,\"on_hold\":%lld,"
		       "\"on_hold_manual\":%lld,\"opted_out\":%lld}\n", (long long)t.bounces,
		       (long long)t.low_confidence, (long long)t.on_hold,
		       (long long)t.on_hold_manual, (long long)t.opted_out);
	} else if (rc == 0) {
		printf("bounces by type:\n");
		for (size_t i = 0; i < a->n_types; i++)
			printf("  %-12s %6lld\n", a->types[i].name, (long long)a->types[i].bounces);
		printf("bounces: %lld (%lld matched by address only)\n"
		       "emails on hold: %lld by bounces, %lld by hand\ncontacts opted out: %lld\n",
		       (long long)t.bounces, (long long)t.low_confidence, (long long)t.on_hold,
		       (long long)t.on_hold_manual, (long long)t.opted_out);
	} else if (cli->json) {
		printf("]}\n");
	}
	fflush(stdout);
	free(a);
	if (rc)
		code = cli_fail(mr_status_exit_code(rc), "bounce stats", "%s", err.msg);
	mr_site_close(site);
	return code;
}
