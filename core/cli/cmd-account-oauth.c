/* SPDX-License-Identifier: MIT */
/* mailroom account authorize NAME: gets the OAuth2 tokens of an account's (or transport's, or an [oauth-NAME]'s) [oauth-NAME] section, by the device authorization grant or client credentials; and the token's state for account test, never the token itself. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "doctor/doctor.h"
#include "../../plugins/common/oauth.h"

/* The [oauth-NAME] a name means: the oauth key of [account-NAME] or
 * [transport-NAME], else NAME itself.  *who_r is the section that names it. */
static const char *oauth_of(struct mr_site *site, const char *name, const char **who_r)
{
	static char who[160];
	static const char *const kinds[] = { "account", "transport" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(who, sizeof(who), "%s-%s", kinds[i], name);
		const struct mr_section *sec = mr_config_section(site->cfg, who);
		const char *v = sec ? mr_config_raw(sec, "oauth") : NULL;
		if (v && *v) {
			*who_r = who;
			return v;
		}
	}
	snprintf(who, sizeof(who), "oauth-%s", name);
	*who_r = who;
	return mr_config_section(site->cfg, who) ? name : NULL;
}

static void when(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "-");
}

int cli_account_oauth_state(struct mr_site *site, const char *name, int json)
{
	const char *who = NULL;
	const char *on = oauth_of(site, name, &who);
	if (!on || strncmp(who, "oauth-", 6) == 0)
		return 0; /* the account does not use OAuth2 */
	struct mr_oauth *o = NULL;
	struct mr_error err = { 0 };
	int rc = mr_oauth_open(&site->core, NULL, on, who, &o, &err);
	struct mr_oauth_state st;
	if (!rc)
		rc = mr_oauth_state(o, &st, &err);
	mr_oauth_close(o);
	if (rc) {
		if (json) {
			cli_json_print(json_pack("{s:o,s:o,s:s,s:o}", "account", cli_json_text(name),
						 "oauth", cli_json_text(on), "token", "none",
						 "error", cli_json_text(err.msg)));
		} else {
			printf("account %s: oauth-%s: %s\n", name, on, err.msg);
		}
		return rc;
	}
	int64_t now = site->core.now(&site->core);
	char until[64];
	when(st.expires_at, until, sizeof(until));
	const char *state = st.expires_at > now ? "valid" : st.has_refresh ||
			    strcmp(st.grant, "client_credentials") == 0 ? "expired, renewable" :
			    "expired";
	if (json) {
		cli_json_print(json_pack("{s:o,s:o,s:o,s:I,s:b,s:o,s:o}", "account",
					 cli_json_text(name), "oauth", cli_json_text(on), "token",
					 cli_json_text(state), "expires_at", (json_int_t)st.expires_at,
					 "refresh_token", st.has_refresh != 0, "grant",
					 cli_json_text(st.grant), "scope", cli_json_text(st.scope)));
	} else {
		printf("account %s: oauth-%s: access token %s (until %s), %s, scopes: %s\n", name,
		       on, state, until, st.has_refresh ? "refresh token kept" : "no refresh token",
		       st.scope[0] ? st.scope : "-");
	}
	return 0;
}

int cli_account_authorize(struct mr_cli *cli, const char *name)
{
	struct mr_site *site;
	int rc = cli_open_site(cli, 0, &site);
	if (rc)
		return rc;
	const char *who = NULL;
	const char *on = oauth_of(site, name, &who);
	if (!on) {
		mr_site_close(site);
		return cli_fail(EX_USAGE, "account authorize", "%s: no [account-%s] or "
				"[transport-%s] with oauth = NAME, and no [oauth-%s] in %s", name,
				name, name, name, cli->config_path);
	}
	struct mr_oauth *o = NULL;
	struct mr_error err = { 0 };
	rc = mr_oauth_open(&site->core, NULL, on, who, &o, &err);
	if (!rc)
		rc = mr_oauth_authorize(o, stdout, &err);
	int code = EX_OK;
	if (rc) {
		code = cli_fail(mr_status_exit_code(rc), "account authorize", "%s", err.msg);
	} else {
		struct mr_oauth_state st;
		char until[64] = "-";
		if (mr_oauth_state(o, &st, &err) == 0)
			when(st.expires_at, until, sizeof(until));
		printf("oauth-%s: authorized; tokens kept in %s (access token valid until %s)\n",
		       on, st.token_file, until);
	}
	mr_oauth_close(o);
	mr_site_close(site);
	return code;
}

void cli_oauth_checks(struct mr_site *site, struct mr_checks *cs)
{
	for (size_t i = 0; i < site->cfg->n_secs; i++) {
		const struct mr_section *sec = &site->cfg->secs[i];
		if (strcmp(sec->kind, "oauth") != 0 || !sec->inst[0])
			continue;
		char name[32], fix[200];
		snprintf(name, sizeof(name), "oauth-%s", sec->inst);
		snprintf(fix, sizeof(fix), "mailroom account authorize %s", sec->inst);
		struct mr_oauth *o = NULL;
		struct mr_error err = { 0 };
		struct mr_oauth_state st;
		int rc = mr_oauth_open(&site->core, NULL, sec->inst, sec->name, &o, &err);
		if (!rc)
			rc = mr_oauth_state(o, &st, &err);
		mr_oauth_close(o);
		if (rc) {
			mr_check_add(cs, name, MR_CHECK_FAIL, rc == MR_ENOTFOUND ? fix : NULL, "%s",
				     err.msg);
			continue;
		}
		char until[64];
		when(st.expires_at, until, sizeof(until));
		int64_t now = site->core.now(&site->core);
		int renewable = st.has_refresh || strcmp(st.grant, "client_credentials") == 0;
		if (st.expires_at > now)
			mr_check_add(cs, name, MR_CHECK_OK, NULL, "access token valid until %s; "
				     "scopes: %s; %s", until, st.scope[0] ? st.scope : "-",
				     st.has_refresh ? "refresh token kept" : "no refresh token");
		else if (renewable)
			mr_check_add(cs, name, MR_CHECK_OK, NULL, "access token expired %s, renewed "
				     "at the next use; scopes: %s", until, st.scope[0] ? st.scope : "-");
		else
			mr_check_add(cs, name, MR_CHECK_FAIL, fix, "access token expired %s and no "
				     "refresh token is kept", until);
	}
}
