/* SPDX-License-Identifier: MIT */
/* mailroom doctor's checks of the site's store: the store opens, and the findings of the store's own doctor slot (a MariaDB server's version, clock, connections, engine) against the workers the site's jobs run. */
#include "config.h"
#include <string.h>
#include "cli.h"
#include "doctor/doctor.h"

/* The job processes the site runs at once on one host: max_workers of each
 * enabled job. */
static int64_t site_workers(const struct mr_site *site)
{
	int64_t n = 0;
	for (size_t i = 0; i < site->cfg->n_secs; i++) {
		const struct mr_section *sec = &site->cfg->secs[i];
		if (strcmp(sec->kind, "job") == 0 && mr_cfg_bool(sec, "enabled"))
			n += mr_cfg_int(sec, "max_workers");
	}
	return n;
}

static int add_finding(void *cookie, const struct mr_store_check *c)
{
	struct mr_checks *cs = cookie;
	enum mr_check_verdict v = c->verdict == MR_STORE_CHECK_FAIL ? MR_CHECK_FAIL :
				  c->verdict == MR_STORE_CHECK_WARN ? MR_CHECK_WARN : MR_CHECK_OK;
	mr_check_add(cs, c->name ? c->name : "store", v, c->fix, "%s", c->detail ? c->detail : "");
	return 0;
}

void cli_store_checks(struct mr_cli *cli, struct mr_checks *cs)
{
	struct mr_diags d = { 0 };
	struct mr_error err = { 0 };
	struct mr_site *site = NULL;
	(void)cli;
	int rc = mr_site_open(cli->config_path, MR_OPEN_STORE | MR_OPEN_QUIET, &d, &site, &err);
	mr_diags_free(&d);
	if (rc) {
		mr_check_add(cs, "store", MR_CHECK_FAIL, "mend the [store-*] section or the server, "
			     "then run mailroom doctor again", "the store does not open: %s", err.msg);
		return;
	}
	int version = 0;
	mr_store_schema_version(&site->store, &version, &err);
	mr_check_add(cs, "store", MR_CHECK_OK, NULL, "store '%s' opens, schema version %d",
		     site->store.name ? site->store.name : "?", version);
	mr_store_doctor_fn *doctor = mr_store_doctor_of(site->store.ops);
	if (doctor && doctor(site->store.state, site_workers(site), add_finding, cs, &err) < 0)
		mr_check_add(cs, "store", MR_CHECK_FAIL, NULL, "the store's checks failed: %s",
			     err.msg);
	mr_site_close(site);
}
