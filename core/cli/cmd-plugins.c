/* SPDX-License-Identifier: MIT */
/* mailroom plugins: every plugin file along the plugin path, loadable or why not, and which copies are shadowed by an earlier directory's. */
#include "config.h"
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char *key_type_name(enum mr_key_type t)
{
	static const char *const names[] = {
		[MR_KEY_STRING] = "string", [MR_KEY_INT] = "int", [MR_KEY_BOOL] = "bool",
		[MR_KEY_ENUM] = "enum", [MR_KEY_PATH] = "path", [MR_KEY_DURATION] = "duration",
		[MR_KEY_LIST] = "list", [MR_KEY_EMAIL] = "email", [MR_KEY_SECRET] = "secret",
	};
	return t >= MR_KEY_STRING && t <= MR_KEY_SECRET ? names[t] : "?";
}

struct listing {
	struct mr_cli *cli;
	int bad;
};

static void print_plugin(void *cookie, const char *path, const struct mr_plugin *pl,
			 const struct mr_error *why, const char *shadowed_by)
{
	struct listing *l = cookie;
	if (!pl && !shadowed_by) /* a refused copy that is never used is no problem */
		l->bad++;
	if (l->cli->json) {
		printf("{\"path\":");
		cli_json_str(stdout, path);
		if (pl) {
			printf(",\"kind\":\"%s\",\"name\":", mr_kind_name(pl->desc->kind));
			cli_json_str(stdout, pl->desc->name);
			printf(",\"version\":");
			cli_json_str(stdout, pl->desc->version);
			printf(",\"abi\":\"%u.%u\",\"description\":", pl->desc->abi_major,
			       pl->desc->abi_minor);
			cli_json_str(stdout, pl->desc->description);
			printf(",\"keys\":[");
			for (const struct mr_key *k = pl->keys; k && k->name; k++) {
				printf("%s{\"name\":", k == pl->keys ? "" : ",");
				cli_json_str(stdout, k->name);
				printf(",\"type\":\"%s\",\"default\":", key_type_name(k->type));
				if (k->def)
					cli_json_str(stdout, k->def);
				else
					printf("null");
				printf(",\"required\":%s,\"help\":",
				       k->flags & MR_KEYF_REQUIRED ? "true" : "false");
				cli_json_str(stdout, k->help);
				printf("}");
			}
			printf("],\"loadable\":true");
		} else {
			printf(",\"loadable\":false,\"error\":");
			cli_json_str(stdout, why->msg);
		}
		printf(",\"shadowed_by\":");
		if (shadowed_by)
			cli_json_str(stdout, shadowed_by);
		else
			printf("null");
		printf("}\n");
		return;
	}
	if (pl)
		printf("%-10s %-18s %-8s %-10s %s\n", mr_kind_name(pl->desc->kind), pl->desc->name,
		       pl->desc->version, shadowed_by ? "shadowed" : "loadable", path);
	else
		printf("%-10s %-18s %-8s %-10s %s\n    %s\n", "?", "?", "?", "refused", path, why->msg);
	if (shadowed_by)
		printf("    shadowed by %s\n", shadowed_by);
}

int cmd_plugins(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc != 1)
		return cli_usage("plugins");
	const char *plugin_path = NULL, *plugin_dir = PLUGINDIR;
	struct mr_config *cfg = NULL;
	struct mr_error err;
	/* the config is optional here: it may only add plugin_path/plugin_dir */
	if (cli->config_path && access(cli->config_path, R_OK) == 0 &&
	    mr_config_load(cli->config_path, &cfg, &err) == 0) {
		const struct mr_section *main = mr_config_section(cfg, "mailroom");
		plugin_path = mr_config_raw(main, "plugin_path");
		if (mr_config_raw(main, "plugin_dir"))
			plugin_dir = mr_config_raw(main, "plugin_dir");
	}
	struct mr_plugin_path path;
	mr_plugin_path_init(&path, plugin_path, plugin_dir);
	struct listing l = { cli, 0 };
	if (!cli->json)
		printf("%-10s %-18s %-8s %-10s %s\n", "KIND", "NAME", "VERSION", "STATUS", "PATH");
	mr_plugin_scan(&path, print_plugin, &l);
	mr_plugin_path_free(&path);
	mr_config_free(cfg);
	return l.bad ? EX_CONFIG : EX_OK;
}
