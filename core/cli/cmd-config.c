/* SPDX-License-Identifier: MIT */
/* mailroom config check|dump: every problem of the config file, or the effective values with defaults and secrets masked. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_job_needs(struct mr_site *site, struct mr_instance *in, char *buf, size_t n)
{
	const char *plugin = in->plugin->desc->name;
	/* the jobs that sign or check VERP addresses with the site secret */
	int needs_secret = strcmp(plugin, "process-mailing") == 0 ||
			   strcmp(plugin, "fetch-bounces") == 0;
	int line = mr_config_line(site->cfg, in->sec->name, "plugin");
	if (needs_secret) {
		char *secret = NULL;
		struct mr_error err = { 0 };
		int rc = mr_cfg_secret(site->main, "secret", &secret, &err);
		free(secret);
		if (rc) {
			char env[256];
			mr_cfg_secret_env(site->main, "secret", env, sizeof(env));
			snprintf(buf, n, "%s:%d: [%s] (plugin %s) needs the site secret, which %s: "
				 "set [mailroom] secret_file to a file only you can read (or %s in "
				 "the environment of every run)", site->cfg->path,
				 line ? line : in->sec->line, in->sec->name, plugin,
				 rc == MR_ENOTFOUND ? "is not set" : err.msg, env);
			return EX_CONFIG;
		}
	}
	if (strcmp(plugin, "process-mailing") == 0) {
		const char *from = mr_cfg_str(site->main, "from");
		if (!from || !*from) {
			snprintf(buf, n, "%s:%d: [%s] (plugin %s) needs a From address: set from = "
				 "news@your-domain in [mailroom]", site->cfg->path,
				 line ? line : in->sec->line, in->sec->name, plugin);
			return EX_CONFIG;
		}
	}
	return EX_OK;
}

static int config_check(struct mr_cli *cli)
{
	struct mr_site *site;
	int rc = cli_open_site(cli, 0, &site);
	if (rc)
		return rc;
	/* what each enabled job will need when cron runs it */
	int problems = 0;
	for (size_t i = 0; i < site->n_insts; i++) {
		struct mr_instance *in = &site->insts[i];
		char why[1024];
		if (in->plugin->desc->kind != MR_KIND_JOB || !mr_cfg_bool(in->sec, "enabled"))
			continue;
		if (cli_job_needs(site, in, why, sizeof(why)) != EX_OK) {
			fprintf(stderr, "mailroom: %s\n", why);
			problems++;
		}
	}
	if (problems) {
		fprintf(stderr, "mailroom: %s: %d configuration problem%s\n", cli->config_path,
			problems, problems == 1 ? "" : "s");
		mr_site_close(site);
		return EX_CONFIG;
	}
	printf("%s: ok\n", cli->config_path);
	mr_site_close(site);
	return EX_OK;
}

/* Prints one key, or with --json adds it to the section's object obj. */
static void dump_key(const struct mr_section *sec, const struct mr_key *k, json_t *obj)
{
	const char *v = mr_cfg_str(sec, k->name);
	const char *shown = v, *from = NULL;
	char src[512];
	int is_default = mr_config_raw(sec, k->name) == NULL;
	if (k->type == MR_KEY_SECRET) {
		/* set (masked) and where from: a file, or the environment */
		from = mr_cfg_secret_source(sec, k->name, src, sizeof(src));
		shown = from ? "********" : NULL;
		is_default = 0;
	}
	if (obj) {
		cli_json_set(obj, k->name,
				    from ? json_pack("{s:o,s:o}", "value", cli_json_text(shown),
						     "source", cli_json_text(from + 5)) :
				    cli_json_text_or_null(shown));
		return;
	}
	if (from)
		printf("%s = %s    ; set, %s\n", k->name, shown, from);
	else if (shown)
		printf("%s = %s%s\n", k->name, shown, is_default ? "    ; default" : "");
	else
		printf("; %s is not set\n", k->name);
}

/* 1 when a key that no loaded table describes looks like it holds a secret. */
static int looks_secret(const char *key)
{
	static const char *words[] = { "password", "secret", "token", "key" };
	size_t kl = strlen(key);
	if (kl > 5 && strcmp(key + kl - 5, "_file") == 0)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t wl = strlen(words[i]);
		if (kl >= wl && strcmp(key + kl - wl, words[i]) == 0)
			return 1;
	}
	return 0;
}

/* The keys of a section that no loaded key table describes (a transport
 * section while another transport is in use): shown as written. */
static void dump_raw_keys(const struct mr_section *sec, json_t *obj)
{
	const struct mr_config *cfg = sec->cfg;
	size_t sl = strlen(sec->name);
	for (size_t i = 0; i < cfg->n_lines; i++) {
		const char *full = cfg->lines[i].full;
		if (strncmp(full, sec->name, sl) != 0 || full[sl] != ':')
			continue;
		const char *key = full + sl + 1;
		if (mr_section_key(sec, key))
			continue;
		size_t kl = strlen(key);
		if (kl > 5 && strcmp(key + kl - 5, "_file") == 0) {
			char base[256];
			snprintf(base, sizeof(base), "%.*s", (int)(kl - 5), key);
			const struct mr_key *bk = mr_section_key(sec, base);
			if (bk && bk->type == MR_KEY_SECRET)
				continue; /* shown with its secret */
		}
		const char *v = mr_config_raw(sec, key);
		const char *shown = looks_secret(key) ? "********" : v ? v : "";
		if (obj) {
			cli_json_set(obj, key, cli_json_text(shown));
		} else {
			printf("%s = %s    ; as written (line %d): [%s] is not in use, not checked\n",
			       key, shown, cfg->lines[i].line, sec->name);
		}
	}
}

static int config_dump(struct mr_cli *cli)
{
	struct mr_site *site;
	int rc = cli_open_site(cli, 0, &site);
	if (rc)
		return rc;
	json_t *all = cli->json ? json_object() : NULL;
	for (size_t i = 0; i < site->cfg->n_secs; i++) {
		const struct mr_section *sec = &site->cfg->secs[i];
		json_t *obj = all ? json_object() : NULL;
		if (!all)
			printf("%s[%s]\n", i ? "\n" : "", sec->name);
		for (size_t t = 0; t < 2; t++)
			for (const struct mr_key *k = sec->keys[t]; k && k->name; k++)
				dump_key(sec, k, obj);
		dump_raw_keys(sec, obj);
		if (all)
			cli_json_set(all, sec->name, obj);
	}
	if (all)
		cli_json_print(all);
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
