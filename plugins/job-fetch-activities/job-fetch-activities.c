/* SPDX-License-Identifier: MIT */
/* job-fetch-activities: reads every account with used_for = activity through the fetch loop and files each message as an Email activity against the contacts of its addresses. */
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fetch-activities.h"

int fa_fields_parse(const struct mr_core *core, const char *account, const char *key,
		    const char *list, unsigned *bits_r, struct mr_error *err)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "from", FA_FROM }, { "to", FA_TO }, { "cc", FA_CC }, { "bcc", FA_BCC },
	};
	*bits_r = 0;
	const char *p = list ? list : "";
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		size_t n = strcspn(p, ", \t");
		if (!n)
			break;
		unsigned bit = 0;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n && strncasecmp(p, names[i].name, n) == 0)
				bit = names[i].bit;
		if (!bit && !(n == 4 && strncasecmp(p, "none", 4) == 0))
			return core->error_set(err, MR_ECONFIG, "[account-%s] %s: '%.*s' is not an "
					       "address field (From, To, Cc, Bcc or none)", account,
					       key, (int)n, p);
		*bits_r |= bit;
		p += n;
	}
	return 0;
}

int fa_site_add(struct fa_site_addr **v, size_t *n, const char *local, const char *domain)
{
	char *lp = NULL, *dom = NULL;
	if (!local || !*local)
		return 0;
	const char *at = strrchr(local, '@');
	if (at) {
		lp = strndup(local, (size_t)(at - local));
		dom = strdup(at + 1);
	} else {
		if (!domain || !*domain)
			return 0;
		lp = strdup(local);
		dom = strdup(domain);
	}
	struct fa_site_addr *nv = lp && dom ? realloc(*v, (*n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(lp);
		free(dom);
		return MR_ENOMEM;
	}
	size_t l = strlen(lp);
	nv[*n] = (struct fa_site_addr){ .local = lp, .domain = dom, .prefix = l && lp[l - 1] == '+' };
	if (nv[*n].prefix)
		lp[l - 1] = '\0';
	*v = nv;
	(*n)++;
	return 0;
}

void fa_site_free(struct fa_site_addr *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].local);
		free(v[i].domain);
	}
	free(v);
}

int fa_is_site(const struct fa_site_addr *v, size_t n, const char *addr)
{
	const char *at = strrchr(addr, '@');
	if (!at)
		return 0;
	size_t ll = (size_t)(at - addr);
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(at + 1, v[i].domain) != 0)
			continue;
		size_t sl = strlen(v[i].local);
		if (ll == sl && strncasecmp(addr, v[i].local, sl) == 0)
			return 1;
		/* return+anything@ when the local part is the prefix "return+" */
		if (v[i].prefix && ll > sl && addr[sl] == '+' && strncasecmp(addr, v[i].local, sl) == 0)
			return 1;
	}
	return 0;
}

/* The site's own addresses: [mailroom] from and reply_to, and every
 * account's return_path and localpart@domain. */
static int site_addresses(struct mr_job_ctx *ctx, struct fa_site_addr **v_r, size_t *n_r)
{
	const struct mr_core *core = ctx->core;
	const struct mr_section *main = core->cfg_section(core, "mailroom");
	int rc = 0;
	if (main) {
		rc |= fa_site_add(v_r, n_r, core->cfg_str(main, "from"), NULL);
		rc |= fa_site_add(v_r, n_r, core->cfg_str(main, "reply_to"), NULL);
	}
	for (size_t i = 0; i < ctx->n_accounts; i++) {
		const struct mr_section *sec = ctx->accounts[i]->cfg;
		if (!sec)
			continue;
		rc |= fa_site_add(v_r, n_r, core->cfg_str(sec, "return_path"), NULL);
		rc |= fa_site_add(v_r, n_r, core->cfg_str(sec, "localpart"),
				  core->cfg_str(sec, "domain"));
	}
	return rc ? MR_ENOMEM : 0;
}

/* Reads an activity account's settings. */
static int account_conf(struct mr_job_ctx *ctx, struct mr_account *acc, struct fa_account *a,
			struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	const struct mr_section *sec = acc->cfg;
	a->core = core;
	a->store = ctx->store;
	a->log = ctx->log;
	a->name = acc->name;
	int rc = fa_fields_parse(core, acc->name, "activity_source",
				 core->cfg_str(sec, "activity_source"), &a->source, err);
	if (!rc)
		rc = fa_fields_parse(core, acc->name, "activity_targets",
				     core->cfg_str(sec, "activity_targets"), &a->targets, err);
	if (!rc)
		rc = fa_fields_parse(core, acc->name, "activity_assignees",
				     core->cfg_str(sec, "activity_assignees"), &a->assignees, err);
	if (rc)
		return rc;
	a->create_contacts = core->cfg_bool(sec, "create_contacts");
	a->activity_type = core->cfg_str(sec, "activity_type");
	a->activity_status = core->cfg_str(sec, "activity_status");
	long long ma = core->cfg_int(sec, "max_attachments");
	long long ms = core->cfg_int(sec, "max_attachment_size");
	long long mc = core->cfg_int(sec, "max_new_contacts");
	a->max_new_contacts = mc > 0 ? (size_t)mc : 0;
	a->lim.max_attachments = ma > 0 ? (size_t)ma : 0;
	a->lim.max_attachment_size = ms > 0 ? (size_t)ms : 0;
	return 0;
}

static int fa_run(void *state, struct mr_job_ctx *ctx, struct mr_error *err)
{
	(void)state;
	const struct mr_core *core = ctx->core;
	struct mr_store *st = ctx->store;
	if (!mr_store_has(st, MR_STORE_CAP_ACTIVITY))
		return mr_store_unsupported(st, MR_STORE_CAP_ACTIVITY, err);
	struct fa_site_addr *site = NULL;
	size_t n_site = 0;
	if (site_addresses(ctx, &site, &n_site))
		return core->error_set(err, MR_ENOMEM, "out of memory");
	size_t accounts = 0, failed_accounts = 0;
	struct mr_fetch_stats tot = { 0 };
	size_t filed = 0, dups = 0, created = 0, site_sk = 0, unknown = 0, left_out = 0;
	char failed_names[160] = "";
	int rc = 0;
	struct mr_error first = { 0 };
	for (size_t i = 0; i < ctx->n_accounts; i++) {
		struct mr_account *acc = ctx->accounts[i];
		if (!acc->used_for || strcmp(acc->used_for, "activity") != 0)
			continue;
		if (ctx->stop && *ctx->stop)
			break;
		accounts++;
		struct fa_account a = { .site = site, .n_site = n_site };
		struct mr_error e = { 0 };
		struct mr_fetch_stats s = { 0 };
		int arc = account_conf(ctx, acc, &a, &e);
		if (!arc) {
			struct mr_fetch_opts o = {
				.process = fa_file_message, .cookie = &a,
				.deadline = ctx->deadline, .stop = ctx->stop,
			};
			arc = core->fetch_run(core, acc, &o, &s, &e);
		}
		tot.processed += s.processed;
		tot.ignored += s.ignored;
		tot.already += s.already;
		tot.failed += s.failed;
		tot.dispose_failed += s.dispose_failed;
		filed += a.filed;
		dups += a.duplicates;
		created += a.contacts_created;
		left_out += a.contacts_left_out;
		site_sk += a.site_skipped;
		unknown += a.unknown_skipped;
		if (arc) {
			failed_accounts++;
			core->log(ctx->log, MR_LOG_ERR, "account %s: %s", acc->name, e.msg);
			size_t l = strlen(failed_names);
			snprintf(failed_names + l, sizeof(failed_names) - l, "%s%s", l ? ", " : "",
				 acc->name);
			if (!rc) {
				rc = arc;
				first = e;
			}
		}
	}
	fa_site_free(site, n_site);
	if (accounts == 0) {
		snprintf(ctx->message, sizeof(ctx->message),
			 "no account with used_for = activity: nothing to do");
		snprintf(ctx->data, sizeof(ctx->data), "{\"accounts\":0}");
		return 0;
	}
	snprintf(ctx->message, sizeof(ctx->message),
		 "%zu account%s: %zu filed, %zu already filed (same Message-ID), %zu ignored, "
		 "%zu left for the next run; %zu contacts created",
		 accounts, accounts == 1 ? "" : "s", filed, dups, tot.ignored, tot.failed, created);
	if (left_out) {
		size_t l = strlen(ctx->message);
		snprintf(ctx->message + l, sizeof(ctx->message) - l,
			 ", %zu new addresses left out (max_new_contacts)", left_out);
	}
	snprintf(ctx->data, sizeof(ctx->data),
		 "{\"accounts\":%zu,\"filed\":%zu,\"duplicates\":%zu,\"ignored\":%zu,"
		 "\"already_recorded\":%zu,\"failed\":%zu,\"not_moved\":%zu,"
		 "\"contacts_created\":%zu,\"site_addresses_skipped\":%zu,\"unknown_skipped\":%zu,"
		 "\"contacts_left_out\":%zu}",
		 accounts, filed, dups, tot.ignored, tot.already, tot.failed, tot.dispose_failed,
		 created, site_sk, unknown, left_out);
	if (rc)
		return core->error_set(err, rc, "%zu of %zu activity accounts failed (%s); first: %s",
				       failed_accounts, accounts, failed_names, first.msg);
	return 0;
}

static const char *fa_lock_group(void *state)
{
	(void)state;
	return "mailbox";
}

static unsigned fa_permissions(void *state)
{
	(void)state;
	return MR_PERM_PROCESS_MAIL;
}

static const struct mr_job_ops fa_ops = {
	.size = sizeof(struct mr_job_ops),
	.run = fa_run,
	.lock_group = fa_lock_group,
	.permissions = fa_permissions,
	.store_caps = MR_STORE_CAP_ACTIVITY,
};

MR_PLUGIN_DEFINE(MR_KIND_JOB, "fetch-activities", PACKAGE_VERSION,
		 "Files the mail of every account with used_for = activity as Email activities "
		 "against the contacts of its senders and recipients.",
		 NULL, 0, &fa_ops);
