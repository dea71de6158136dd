/* SPDX-License-Identifier: MIT */
/* mailroom config check|dump: every problem of the config file, or the effective values with defaults and secrets masked. */
#include "config.h"
#include <string.h>
#include "cli.h"

static int config_check(struct mr_cli *cli)
{
	struct mr_site *site;
	int rc = cli_open_site(cli, 0, &site);
	if (rc)
		return rc;
	printf("%s: ok\n", cli->config_path);
	mr_site_close(site);
	return EX_OK;
}

static void dump_key(struct mr_cli *cli, const struct mr_section *sec, const struct mr_key *k,
		     int *first)
{
	const char *v = mr_cfg_str(sec, k->name);
	const char *shown = v;
	char fk[256];
	int is_default = mr_config_raw(sec, k->name) == NULL;
	if (k->type == MR_KEY_SECRET) {
		snprintf(fk, sizeof(fk), "%s_file", k->name);
		shown = mr_config_raw(sec, fk) ? "********" : NULL;
		is_default = shown == NULL;
	}
	if (cli->json) {
		printf("%s", *first ? "" : ",");
		cli_json_str(stdout, k->name);
		printf(":");
		if (shown)
			cli_json_str(stdout, shown);
		else
			printf("null");
		*first = 0;
		return;
	}
	if (shown)
		printf("%s = %s%s\n", k->name, shown, is_default ? "    ; default" : "");
	else
		printf("; %s is not set\n", k->name);
}

static int config_dump(struct mr_cli *cli)
{
	struct mr_site *site;
	int rc = cli_open_site(cli, 0, &site);
	if (rc)
		return rc;
	if (cli->json)
		printf("{");
	for (size_t i = 0; i < site->cfg->n_secs; i++) {
		const struct mr_section *sec = &site->cfg->secs[i];
		int first = 1;
		if (cli->json) {
			printf("%s", i ? "," : "");
			cli_json_str(stdout, sec->name);
			printf(":{");
		} else {
			printf("%s[%s]\n", i ? "\n" : "", sec->name);
		}
		for (size_t t = 0; t < 2; t++)
			for (const struct mr_key *k = sec->keys[t]; k && k->name; k++)
				dump_key(cli, sec, k, &first);
		if (cli->json)
			printf("}");
	}
	if (cli->json)
		printf("}\n");
	mr_site_close(site);
	return EX_OK;
}

int cmd_config(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc != 2)
		return cli_usage("config");
	if (strcmp(argv[1], "check") == 0)
		return config_check(cli);
	if (strcmp(argv[1], "dump") == 0)
		return config_dump(cli);
	return cli_usage("config");
}
