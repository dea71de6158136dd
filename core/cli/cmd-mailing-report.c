/* SPDX-License-Identifier: MIT */
/* mailroom mailing report ID [--json]: a mailing's deliveries, opens, clicks by URL, unsubscribes, opt-outs, replies, bounces by type and hourly counts, as text or as the API's JSON. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "mailing-report.h"
#include <mailroom/printable.h>

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void print_text(json_t *r)
{
	char safe[512];
	printf("mailing %lld: %s\n", num(r, "id"),
	       mr_printable_str(safe, sizeof(safe), json_string_value(json_object_get(r, "name"))));
	static const char *const counts[][2] = {
		{ "recipients", "recipients" }, { "delivered", "delivered" },
		{ "in_doubt", "in doubt" }, { "queued", "queued" }, { "retrying", "retrying" },
		{ "bounced", "bounced" },
	};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		printf("  %-13s %lld\n", counts[i][1], num(r, counts[i][0]));
	const char *type;
	json_t *n;
	json_object_foreach(json_object_get(r, "bounced_by_type"), type, n)
		printf("    %-11s %lld\n", mr_printable_str(safe, sizeof(safe), type),
		       (long long)json_integer_value(n));
	json_t *opened = json_object_get(r, "opened"), *clicked = json_object_get(r, "clicked");
	if (!opened) {
		printf("  (the store keeps no opens, clicks or actions)\n");
		return;
	}
	printf("  %-13s %lld (%lld opens)\n", "opened", num(opened, "unique"),
	       num(opened, "total"));
	printf("  %-13s %lld (%lld clicks)\n", "clicked", num(clicked, "unique"),
	       num(clicked, "total"));
	size_t i;
	json_t *u;
	json_array_foreach(json_object_get(clicked, "by_url"), i, u)
		printf("    %lld (%lld unique) %s\n", num(u, "total"), num(u, "unique"),
		       mr_printable_str(safe, sizeof(safe),
					json_string_value(json_object_get(u, "url"))));
	static const char *const actions[][2] = {
		{ "unsubscribed", "unsubscribed" }, { "opted_out", "opted out" },
		{ "complaints", "complaints" }, { "resubscribed", "resubscribed" },
		{ "replied", "replied" },
	};
	for (size_t k = 0; k < sizeof(actions) / sizeof(actions[0]); k++)
		printf("  %-13s %lld\n", actions[k][1], num(r, actions[k][0]));
	json_t *rows = json_object_get(json_object_get(r, "over_time"), "rows");
	if (json_array_size(rows) == 0)
		return;
	printf("  %-19s %9s %9s %9s %9s\n", "hour", "delivered", "opens", "clicks", "bounces");
	json_array_foreach(rows, i, u) {
		char when[32];
		mr_format_local_time(num(u, "start"), when, sizeof(when));
		printf("  %-19s %9lld %9lld %9lld %9lld\n", when, num(u, "delivered"),
		       num(u, "opens"), num(u, "clicks"), num(u, "bounces"));
	}
}

int cli_mailing_report(struct mr_cli *cli, const struct mr_store *st, int64_t id)
{
	json_t *r = NULL;
	struct mr_error err = { 0 };
	int rc = mr_mailing_report(st, id, &r, &err);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "mailing report", "%s", err.msg);
	if (cli->json) {
		char *txt = json_dumps(r, JSON_COMPACT);
		if (txt)
			printf("%s\n", txt);
		free(txt);
	} else {
		print_text(r);
	}
	json_decref(r);
	return EX_OK;
}
