/* SPDX-License-Identifier: MIT */
/* The bounce services a site gives its jobs: its rules file and its VERP settings, read from the site's INI. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int mr_bounce_rules_load_site(const struct mr_core *core, struct mr_bounce_rules **rules_r,
			      struct mr_error *err)
{
	const struct mr_section *b = core->cfg_section(core, "bounce");
	const char *path = b ? mr_cfg_str(b, "rules_file") : NULL;
	return mr_bounce_rules_load(path && *path ? path : mr_bounce_rules_default(), rules_r, err);
}

int mr_verp_conf_site(const struct mr_core *core, struct mr_verp_conf **conf_r, struct mr_error *err)
{
	struct mr_site *site = mr_core_site(core);
	struct mr_verp_conf *c = calloc(1, sizeof(*c));
	if (!c)
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	for (size_t i = 0; i < site->cfg->n_secs; i++) {
		struct mr_section *sec = &site->cfg->secs[i];
		const char *uf = mr_config_raw(sec, "used_for");
		if (strcmp(sec->kind, "account") == 0 && uf && strcmp(uf, "bounce") == 0) {
			const char *lp = mr_config_raw(sec, "localpart"), *dom = mr_config_raw(sec, "domain");
			c->localpart = strdup(lp ? lp : "");
			c->domain = strdup(dom ? dom : "");
			break;
		}
	}
	const struct mr_section *b = mr_config_section(site->cfg, "bounce");
	const char *sep = b ? mr_cfg_str(b, "verp_separator") : NULL;
	c->sep = sep && *sep ? sep[0] : '.';
	char *secret = NULL;
	struct mr_error e2 = { 0 };
	if (site->main && mr_cfg_secret(site->main, "secret", &secret, &e2) == 0 && secret) {
		c->secret = (const unsigned char *)secret;
		c->secret_len = strlen(secret);
	}
	if (!c->localpart || !c->domain || !c->domain[0]) {
		mr_verp_conf_free(c);
		return mr_error_set(err, MR_ECONFIG,
				    "%s: no account with used_for = bounce and a domain: no VERP addresses",
				    site->cfg->path);
	}
	*conf_r = c;
	return 0;
}

void mr_verp_conf_free(struct mr_verp_conf *c)
{
	if (!c)
		return;
	if (c->secret) {
		memset((void *)c->secret, 0, c->secret_len);
		free((void *)c->secret);
	}
	free((void *)c->localpart);
	free((void *)c->domain);
	free(c);
}
