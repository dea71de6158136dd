/* SPDX-License-Identifier: MIT */
/* mailroom doctor: one line per deliverability and store check (ok, warn, fail) with what to change; exit 0 all ok, 1 warnings, 2 failures. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "doctor/doctor.h"

int cmd_doctor(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc != 1)
		return cli_usage("doctor");
	struct mr_site *site = NULL;
	struct mr_checks cs = { 0 };
	struct mr_error err = { 0 };
	struct mr_diags d = { 0 };
	if (!cli->config_path)
		return cli_fail(EX_OSERR, "doctor", "out of memory");
	int rc = mr_site_open(cli->config_path, MR_OPEN_ACCOUNTS, &d, &site, &err);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "mailroom: %s\n", d.items[i]);
	mr_diags_free(&d);
	if (rc == MR_ECONFIG)
		return cli_fail(mr_status_exit_code(rc), "doctor", "%s", err.msg);
	if (rc) {
		/* a store or an account that does not open at run time: the
		 * store's checks below say which; the others need the site */
		mr_check_add(&cs, "site", MR_CHECK_FAIL, "mend what the store check says, then "
			     "run mailroom doctor again", "the site does not open, so the "
			     "deliverability checks cannot run: %s", err.msg);
	} else {
		rc = mr_doctor_run(site, &cs, &err);
		if (!rc)
			cli_oauth_checks(site, &cs);
		mr_site_close(site);
		if (rc) {
			mr_checks_free(&cs);
			return cli_fail(mr_status_exit_code(rc), "doctor", "%s", err.msg);
		}
	}
	cli_store_checks(cli, &cs);
	size_t count[3] = { 0 };
	for (size_t i = 0; i < cs.n; i++)
		count[cs.c[i].verdict]++;
	int code = count[MR_CHECK_FAIL] ? 2 : count[MR_CHECK_WARN] ? 1 : 0;
	if (cli->json) {
		json_t *checks = json_array();
		for (size_t i = 0; i < cs.n; i++) {
			const struct mr_check *c = &cs.c[i];
			json_t *o = json_pack("{s:o,s:s,s:o}", "check", cli_json_text(c->name),
					      "verdict", mr_check_verdict_name(c->verdict), "detail",
					      cli_json_text(c->detail));
			if (c->fix && o)
				json_object_set_new(o, "fix", cli_json_text(c->fix));
			json_array_append_new(checks, o);
		}
		cli_json_print(json_pack("{s:o,s:I,s:I,s:I,s:i}", "checks", checks, "ok",
					 (json_int_t)count[MR_CHECK_OK], "warn",
					 (json_int_t)count[MR_CHECK_WARN], "fail",
					 (json_int_t)count[MR_CHECK_FAIL], "exit", code));
	} else {
		for (size_t i = 0; i < cs.n; i++) {
			const struct mr_check *c = &cs.c[i];
			printf("%-4s %-22s %s\n", mr_check_verdict_name(c->verdict), c->name, c->detail);
			if (c->fix)
				printf("     %-22s -> %s\n", "", c->fix);
		}
		printf("%zu ok, %zu warning%s, %zu failure%s\n", count[MR_CHECK_OK], count[MR_CHECK_WARN],
		       count[MR_CHECK_WARN] == 1 ? "" : "s", count[MR_CHECK_FAIL],
		       count[MR_CHECK_FAIL] == 1 ? "" : "s");
	}
	mr_checks_free(&cs);
	return code;
}
