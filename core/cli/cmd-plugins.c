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
		json_t *o = json_pack("{s:o}", "path", cli_json_text(path));
		if (pl) {
			char abi[32];
			snprintf(abi, sizeof(abi), "%u.%u", pl->desc->abi_major, pl->desc->abi_minor);
			json_t *keys = json_array();
			for (const struct mr_key *k = pl->keys; k && k->name; k++)
				json_array_append_new(keys, json_pack("{s:o,s:s,s:o,s:b,s:o}", "name",
								      cli_json_text(k->name), "type",
								      key_type_name(k->type), "default",
								      cli_json_text_or_null(k->def),
								      "required",
								      (k->flags & MR_KEYF_REQUIRED) != 0,
								      "help", cli_json_text(k->help)));
			json_object_update_new(o, json_pack("{s:s,s:o,s:o,s:s,s:o,s:o,s:b}", "kind",
							    mr_kind_name(pl->desc->kind), "name",
							    cli_json_text(pl->desc->name), "version",
							    cli_json_text(pl->desc->version), "abi", abi,
							    "description",
							    cli_json_text(pl->desc->description), "keys",
							    keys, "loadable", 1));
		} else {
			json_object_update_new(o, json_pack("{s:b,s:o}", "loadable", 0, "error",
							    cli_json_text(why->msg)));
		}
		json_object_set_new(o, "shadowed_by", cli_json_text_or_null(shadowed_by));
		cli_json_print(o);
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
