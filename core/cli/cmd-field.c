/* SPDX-License-Identifier: MIT */
/* mailroom field add|list|delete: the custom fields contacts carry (text, int, date, bool, choice), usable as CSV columns and {contact.NAME} tokens. */
#include "config.h"
#include <string.h>
#include "cli.h"
#include "fields.h"

static int print_field(void *cookie, const struct mr_field *f)
{
	struct mr_cli *cli = cookie;
	if (cli->json) {
		cli_json_print(json_pack("{s:o,s:o,s:o,s:b}", "name", cli_json_text(f->name), "type",
					 cli_json_text(f->type), "choices", cli_json_text(f->choices),
					 "builtin", f->builtin));
	} else {
		printf("%-24s %-8s %-8s %s\n", f->name, f->type, f->builtin ? "built-in" : "custom",
		       f->choices);
	}
	return 0;
}

int cmd_field(struct mr_cli *cli, int argc, char **argv)
{
	struct mr_site *site = NULL;
	int code = cli_open_subcommand(cli, "field", &argc, argv, &site);
	if (code)
		return code;
	const char *sub = argv[1];
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	int rc = 0;
	if (!mr_store_has(st, MR_STORE_CAP_CONTACTS)) {
		code = cli_fail(EX_UNAVAILABLE, "field", "the store '%s' has no %s",
				st->name ? st->name : "?", mr_store_cap_name(MR_STORE_CAP_CONTACTS));
	} else if (strcmp(sub, "add") == 0 && argc == 5 && strcmp(argv[3], "--type") == 0) {
		struct mr_field f;
		char why[256];
		if (cli_field_parse(argv[2], argv[4], &f, why, sizeof(why)) != 0)
			code = cli_fail(EX_USAGE, "field add", "%s", why);
		else if ((rc = mr_store_field_add(st, &f, &err)) == 0)
			printf("field %s (%s) added\n", f.name, argv[4]);
	} else if (strcmp(sub, "list") == 0 && argc == 2) {
		if (!cli->json)
			printf("%-24s %-8s %-8s %s\n", "NAME", "TYPE", "KIND", "CHOICES");
		rc = mr_store_field_list(st, print_field, cli, &err);
	} else if (strcmp(sub, "delete") == 0 && argc == 3) {
		if ((rc = mr_store_field_delete(st, argv[2], &err)) == 0)
			printf("field %s deleted with its values\n", argv[2]);
	} else {
		code = cli_usage("field");
	}
	if (rc)
		code = cli_fail(mr_status_exit_code(rc), "field", "%s", err.msg);
	mr_site_close(site);
	return code;
}
