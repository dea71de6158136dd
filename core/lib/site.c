/* SPDX-License-Identifier: MIT */
/* Opening a site: load the INI file, load and check every plugin it names, then init instances (store first, then configuration order) and deinit in reverse. */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "mr.h"

static const char *const section_kinds[] = { "mailroom", "store", "transport", "account", "job",
						"dkim", "bounce", "oauth", "http", "mailing",
						"optin" };

static const struct mr_key *core_keys_of(const char *kind)
{
	if (strcmp(kind, "mailroom") == 0) return mr_keys_mailroom;
	if (strcmp(kind, "store") == 0) return mr_keys_store;
	if (strcmp(kind, "transport") == 0) return mr_keys_transport;
	if (strcmp(kind, "account") == 0) return mr_keys_account;
	if (strcmp(kind, "job") == 0) return mr_keys_job;
	if (strcmp(kind, "dkim") == 0) return mr_keys_dkim;
	if (strcmp(kind, "bounce") == 0) return mr_keys_bounce;
	if (strcmp(kind, "oauth") == 0) return mr_keys_oauth;
	if (strcmp(kind, "http") == 0) return mr_keys_http;
	if (strcmp(kind, "mailing") == 0) return mr_keys_mailing;
	if (strcmp(kind, "optin") == 0) return mr_keys_optin;
	return NULL;
}

static enum mr_plugin_kind plugin_kind_of(const char *kind)
{
	if (strcmp(kind, "store") == 0) return MR_KIND_STORE;
	if (strcmp(kind, "transport") == 0) return MR_KIND_TRANSPORT;
	if (strcmp(kind, "account") == 0) return MR_KIND_FETCH;
	return MR_KIND_JOB;
}

static void unknown_section(const struct mr_section *sec, struct mr_diags *d)
{
	const char *best = NULL;
	size_t best_d = 4;
	for (size_t i = 0; i < sizeof(section_kinds) / sizeof(section_kinds[0]); i++) {
		size_t dist = mr_edit_distance(sec->kind, section_kinds[i]);
		if (dist < best_d) {
			best_d = dist;
			best = section_kinds[i];
		}
	}
	int plain = best && (strcmp(best, "mailroom") == 0 || strcmp(best, "dkim") == 0);
	if (best)
		mr_diag_add(d, "%s:%d: unknown section [%s] (did you mean [%s%s%s]?)", sec->cfg->path,
			    sec->line, sec->name, best, plain ? "" : "-", plain ? "" : sec->inst);
	else
		mr_diag_add(d, "%s:%d: unknown section [%s] (sections are [mailroom], "
			    "[store-NAME], [transport-NAME], [account-NAME] and [job-NAME])",
			    sec->cfg->path, sec->line, sec->name);
}

/* The plugin name a section asks for: plugin/fetch key, else its NAME. */
static const char *plugin_name_of(const struct mr_section *sec)
{
	const char *v = mr_config_raw(sec, strcmp(sec->kind, "account") == 0 ? "fetch" : "plugin");
	return v && *v ? v : sec->inst;
}

static int add_instance(struct mr_site *site, struct mr_section *sec, struct mr_plugin *pl)
{
	struct mr_instance *insts = realloc(site->insts, (site->n_insts + 1) * sizeof(*insts));
	if (!insts)
		return MR_ENOMEM;
	site->insts = insts;
	struct mr_instance *in = &insts[site->n_insts++];
	memset(in, 0, sizeof(*in));
	in->sec = sec;
	in->plugin = pl;
	return 0;
}

/* Loads the plugin of one section and binds its keys; problems go to d. */
static void bind_section(struct mr_site *site, struct mr_section *sec, int instantiate,
			 struct mr_diags *d)
{
	sec->keys[0] = core_keys_of(sec->kind);
	if (!sec->keys[0] || (strcmp(sec->kind, "mailroom") != 0 && strcmp(sec->kind, "dkim") != 0 &&
			      strcmp(sec->kind, "bounce") != 0 && strcmp(sec->kind, "http") != 0 &&
			      strcmp(sec->kind, "mailing") != 0 && strcmp(sec->kind, "optin") != 0 &&
			      !sec->inst[0])) {
		unknown_section(sec, d);
		return;
	}
	if (strcmp(sec->kind, "mailroom") == 0)
		return;
	if (strcmp(sec->kind, "dkim") == 0 || strcmp(sec->kind, "bounce") == 0 ||
	    strcmp(sec->kind, "oauth") == 0 || strcmp(sec->kind, "http") == 0 ||
	    strcmp(sec->kind, "mailing") == 0 || strcmp(sec->kind, "optin") == 0) {
		mr_config_resolve_paths(sec);
		mr_config_check_section(sec, d);
		return;
	}
	const char *name = plugin_name_of(sec);
	if (!name || !*name) {
		mr_diag_add(d, "%s:%d: [%s] names no plugin", sec->cfg->path, sec->line, sec->name);
		return;
	}
	struct mr_plugin *pl = NULL;
	struct mr_error err = { 0 };
	enum mr_plugin_kind kind = plugin_kind_of(sec->kind);
	if (mr_plugin_find(&site->path, kind, name, &pl, &err) != 0) {
		int line = mr_config_line(site->cfg, sec->name,
					  kind == MR_KIND_FETCH ? "fetch" : "plugin");
		/* a store or transport section the file does not have was named
		 * by [mailroom] store = NAME or transport = NAME: point there */
		int main_line = !line && !sec->line ?
				mr_config_line(site->cfg, "mailroom", sec->kind) : 0;
		if (main_line)
			mr_diag_add(d, "%s:%d: [mailroom] %s = %s: %s", sec->cfg->path, main_line,
				    sec->kind, sec->inst, err.msg);
		else
			mr_diag_add(d, "%s:%d: [%s] %s", sec->cfg->path, line ? line : sec->line,
				    sec->name, err.msg);
		mr_config_check_section(sec, d);
		return;
	}
	sec->keys[1] = pl->keys;
	mr_config_resolve_paths(sec);
	mr_config_check_section(sec, d);
	if (!instantiate || add_instance(site, sec, pl) != 0) {
		/* its key table goes with the unloaded code: a later look at the
		 * section (the mail library walks every section) must not follow it */
		sec->keys[1] = NULL;
		mr_plugin_close(pl);
	}
}

/* The store capabilities (MR_STORE_CAP_*) a job or transport plugin
 * declares it needs; 0 for other kinds. */
static unsigned store_caps_needed(const struct mr_plugin_desc *desc)
{
	if (desc->kind == MR_KIND_JOB) {
		const struct mr_job_ops *o = desc->ops;
		if (o->size >= offsetof(struct mr_job_ops, store_caps) + sizeof(o->store_caps))
			return o->store_caps;
	} else if (desc->kind == MR_KIND_TRANSPORT) {
		const struct mr_transport_ops *o = desc->ops;
		if (o->size >= offsetof(struct mr_transport_ops, store_caps) + sizeof(o->store_caps))
			return o->store_caps;
	}
	return 0;
}

/* Every job and the transport against the capabilities of the store: one
 * problem per capability a plugin needs and the store lacks. */
static void check_store_caps(struct mr_site *site, struct mr_diags *d)
{
	const struct mr_instance *store = NULL;
	for (size_t i = 0; i < site->n_insts && !store; i++)
		if (site->insts[i].plugin->desc->kind == MR_KIND_STORE)
			store = &site->insts[i];
	if (!store)
		return; /* the store did not load: that is reported already */
	unsigned have = mr_store_ops_caps(store->plugin->desc->ops);
	for (size_t i = 0; i < site->n_insts; i++) {
		const struct mr_instance *in = &site->insts[i];
		unsigned lacks = store_caps_needed(in->plugin->desc) & ~have;
		for (unsigned cap = 1; cap & MR_STORE_CAP_ALL; cap <<= 1) {
			if (!(lacks & cap))
				continue;
			int line = mr_config_line(site->cfg, in->sec->name, "plugin");
			mr_diag_add(d, "%s:%d: [%s] plugin %s needs the store's %s; store '%s' "
				    "(plugin store-%s, [%s]) has none", in->sec->cfg->path,
				    line ? line : in->sec->line, in->sec->name, in->plugin->desc->name,
				    mr_store_cap_name(cap), store->sec->inst, store->plugin->desc->name,
				    store->sec->name);
		}
	}
}

/* Which mailbox an account reads: fetch plugin, server, user and folder
 * (or path), as one comparable string. */
static void mailbox_of(const struct mr_section *sec, char *buf, size_t n)
{
	const char *fetch = mr_config_raw(sec, "fetch"), *server = mr_config_raw(sec, "server");
	const char *user = mr_config_raw(sec, "username"), *source = mr_config_raw(sec, "source");
	int imap = fetch && strcmp(fetch, "imap") == 0;
	if (!source || !*source)
		source = imap ? "INBOX" : "";
	snprintf(buf, n, "%s|%s|%s|%s", fetch ? fetch : "", server ? server : "", user ? user : "",
		 source);
	/* host names and IMAP's INBOX are case-insensitive */
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	(void)imap;
}

/* 1 when an enabled [job-*] runs plugin name (its plugin key, else its NAME). */
static int job_enabled(const struct mr_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_secs; i++) {
		const struct mr_section *s = &cfg->secs[i];
		if (strcmp(s->kind, "job") != 0)
			continue;
		const char *pl = mr_config_raw(s, "plugin"), *en = mr_config_raw(s, "enabled");
		int on = 1;
		if (en && mr_parse_bool(en, &on) != 0)
			on = 1;
		if (on && strcmp(pl && *pl ? pl : s->inst, name) == 0)
			return 1;
	}
	return 0;
}

/* A bounce account and an activity account that read one mailbox, while
 * both jobs run: each job moves the other's messages out of it (a bounce
 * never reaches the bounce job).  Refused. */
static void check_shared_mailboxes(const struct mr_config *cfg, struct mr_diags *d)
{
	if (!job_enabled(cfg, "fetch-bounces") || !job_enabled(cfg, "fetch-activities"))
		return;
	char a[1024], b[1024];
	for (size_t i = 0; i < cfg->n_secs; i++) {
		const struct mr_section *s = &cfg->secs[i];
		const char *su = mr_config_raw(s, "used_for");
		if (strcmp(s->kind, "account") != 0 || !mr_config_raw(s, "fetch") || !su)
			continue;
		mailbox_of(s, a, sizeof(a));
		for (size_t j = i + 1; j < cfg->n_secs; j++) {
			const struct mr_section *t = &cfg->secs[j];
			const char *tu = mr_config_raw(t, "used_for");
			if (strcmp(t->kind, "account") != 0 || !mr_config_raw(t, "fetch") || !tu ||
			    strcmp(su, tu) == 0)
				continue;
			mailbox_of(t, b, sizeof(b));
			if (strcmp(a, b) != 0)
				continue;
			mr_diag_add(d, "%s:%d: [%s] (used_for = %s) reads the same mailbox as [%s] "
				    "(line %d, used_for = %s): the fetch-bounces and fetch-activities "
				    "jobs would each move the other's messages away; give each its "
				    "own mailbox or folder", cfg->path, t->line, t->name, tu, s->name,
				    s->line, su);
		}
	}
}

static int site_load(struct mr_site *site, struct mr_diags *d)
{
	struct mr_config *cfg = site->cfg;
	/* the store and transport sections may be implicit: add them first */
	const char *store = mr_config_raw(mr_config_section(cfg, "mailroom"), "store");
	const char *transport = mr_config_raw(mr_config_section(cfg, "mailroom"), "transport");
	char sname[256], tname[256];
	snprintf(sname, sizeof(sname), "store-%s", store ? store : "sqlite");
	snprintf(tname, sizeof(tname), "transport-%s", transport ? transport : "mail");
	if (mr_config_ensure_section(cfg, sname) || mr_config_ensure_section(cfg, tname))
		return MR_ENOMEM;
	site->main = mr_config_section(cfg, "mailroom");
	site->main->keys[0] = mr_keys_mailroom;
	mr_config_resolve_paths(site->main);
	mr_config_split_name_addr(site->main, "from", "from_name", d);
	mr_config_check_section(site->main, d);
	mr_plugin_path_init(&site->path, mr_cfg_str(site->main, "plugin_path"),
			    mr_cfg_str(site->main, "plugin_dir"));
	/* the store first, then everything in configuration order */
	bind_section(site, mr_config_section(cfg, sname), 1, d);
	const char *bounce_account = NULL;
	for (size_t i = 0; i < cfg->n_secs; i++) {
		struct mr_section *sec = &cfg->secs[i];
		if (sec == site->main || strcmp(sec->name, sname) == 0)
			continue;
		int inst = strcmp(sec->kind, "store") != 0 &&
			   (strcmp(sec->kind, "transport") != 0 || strcmp(sec->name, tname) == 0);
		bind_section(site, sec, inst, d);
		if (strcmp(sec->kind, "account") == 0) {
			const char *uf = mr_config_raw(sec, "used_for");
			if (uf && strcmp(uf, "bounce") == 0) {
				if (bounce_account)
					mr_diag_add(d, "%s:%d: [%s] is a second account with used_for = "
						    "bounce (the first is [%s]); only one may be",
						    cfg->path, sec->line, sec->name, bounce_account);
				else
					bounce_account = sec->name;
			}
		}
	}
	check_store_caps(site, d);
	check_shared_mailboxes(cfg, d);
	return 0;
}

static int init_instance(struct mr_site *site, struct mr_instance *in, struct mr_error *err)
{
	char prefix[160];
	snprintf(prefix, sizeof(prefix), "%s-%s[%s]", mr_kind_name(in->plugin->desc->kind),
		 in->plugin->desc->name, in->sec->inst);
	if (!(in->log = mr_log_new(prefix, 0)))
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	in->ctx.core = &site->core;
	in->ctx.cfg = in->sec;
	in->ctx.log = in->log;
	in->ctx.instance = in->sec->inst;
	size_t conf_size = in->plugin->desc->conf_size;
	if (conf_size) {
		if (!(in->conf = calloc(1, conf_size)))
			return mr_error_set(err, MR_ENOMEM, "out of memory");
		struct mr_error e = { 0 };
		int rc = mr_config_fill(in->sec, in->plugin->keys, in->conf, conf_size, &e);
		if (rc)
			return mr_error_set(err, rc, "%s: %s", prefix, e.msg);
	}
	in->ctx.conf = in->conf;
	const void *ops = in->plugin->desc->ops;
	int (*init)(const struct mr_plugin_ctx *, void **, struct mr_error *) = NULL;
	switch (in->plugin->desc->kind) {
	case MR_KIND_STORE: init = ((const struct mr_store_ops *)ops)->init; break;
	case MR_KIND_TRANSPORT: init = ((const struct mr_transport_ops *)ops)->init; break;
	case MR_KIND_FETCH: init = ((const struct mr_fetch_ops *)ops)->init; break;
	case MR_KIND_JOB: init = ((const struct mr_job_ops *)ops)->init; break;
	}
	if (init) {
		struct mr_error e = { 0 };
		int rc = init(&in->ctx, &in->state, &e);
		if (rc)
			return mr_error_set(err, rc, "%s: %s", prefix, e.msg[0] ? e.msg : mr_status_name(rc));
	}
	in->inited = 1;
	site->init_order[site->n_inited++] = in;
	return 0;
}

static void deinit_instance(struct mr_instance *in)
{
	const void *ops = in->plugin->desc->ops;
	switch (in->plugin->desc->kind) {
	case MR_KIND_STORE: ((const struct mr_store_ops *)ops)->deinit(in->state); break;
	case MR_KIND_TRANSPORT: ((const struct mr_transport_ops *)ops)->deinit(in->state); break;
	case MR_KIND_FETCH: ((const struct mr_fetch_ops *)ops)->deinit(in->state); break;
	case MR_KIND_JOB:
		if (((const struct mr_job_ops *)ops)->deinit)
			((const struct mr_job_ops *)ops)->deinit(in->state);
		break;
	}
	in->inited = 0;
}

static unsigned open_flag_of(enum mr_plugin_kind kind)
{
	switch (kind) {
	case MR_KIND_STORE: return MR_OPEN_STORE;
	case MR_KIND_TRANSPORT: return MR_OPEN_TRANSPORT;
	case MR_KIND_FETCH: return MR_OPEN_ACCOUNTS;
	default: return MR_OPEN_JOBS;
	}
}

static int site_init(struct mr_site *site, unsigned flags, struct mr_error *err)
{
	site->init_order = calloc(site->n_insts ? site->n_insts : 1, sizeof(*site->init_order));
	site->accounts = calloc(site->n_insts ? site->n_insts : 1, sizeof(*site->accounts));
	site->account_ptrs = calloc(site->n_insts ? site->n_insts : 1, sizeof(*site->account_ptrs));
	if (!site->init_order || !site->accounts || !site->account_ptrs)
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	if (flags & (MR_OPEN_ACCOUNTS | MR_OPEN_JOBS))
		flags |= MR_OPEN_STORE;
	for (size_t i = 0; i < site->n_insts; i++) {
		struct mr_instance *in = &site->insts[i];
		enum mr_plugin_kind kind = in->plugin->desc->kind;
		if (!(flags & open_flag_of(kind)))
			continue;
		int rc = init_instance(site, in, err);
		if (rc)
			return rc;
		const void *ops = in->plugin->desc->ops;
		if (kind == MR_KIND_STORE) {
			site->store = (struct mr_store){ ops, in->state, in->sec->inst };
		} else if (kind == MR_KIND_TRANSPORT) {
			site->transport = (struct mr_transport){ ops, in->state, in->sec->inst };
		} else if (kind == MR_KIND_FETCH) {
			struct mr_account *a = &site->accounts[site->n_accounts];
			*a = (struct mr_account){ ops, in->state, in->sec->inst, in->sec,
						  mr_cfg_str(in->sec, "used_for") };
			site->account_ptrs[site->n_accounts++] = a;
		}
	}
	return 0;
}

int mr_site_open(const char *path, unsigned flags, struct mr_diags *d, struct mr_site **site_r,
		 struct mr_error *err)
{
	*site_r = NULL;
	struct mr_site *site = calloc(1, sizeof(*site));
	if (!site)
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	mr_core_fill(&site->core);
	int rc = mr_config_load(path, &site->cfg, err);
	if (rc) {
		mr_site_close(site);
		return rc;
	}
	if (site_load(site, d) != 0) {
		mr_site_close(site);
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	}
	enum mr_log_level level = MR_LOG_NOTICE;
	mr_log_level_parse(mr_cfg_str(site->main, "log_level"), &level);
	if (level < MR_LOG_DEBUG && getenv("MAILROOM_DEBUG"))
		level = MR_LOG_DEBUG;
	int use_syslog = strcmp(mr_cfg_str(site->main, "log"), "syslog") == 0;
	/* quiet: set by mailroom cron under cron or with --quiet */
	/* under cron or --quiet, stderr carries warnings and errors only: a
	 * success mails the admin nothing */
	if ((flags & MR_OPEN_QUIET) && !use_syslog && level > MR_LOG_WARNING)
		level = MR_LOG_WARNING;
	mr_log_setup(level, use_syslog);
	site->log = mr_log_new("mailroom", 0);
	if (d->n) {
		mr_site_close(site);
		return mr_error_set(err, MR_ECONFIG, "%s: %zu configuration problem%s", path, d->n,
				    d->n == 1 ? "" : "s");
	}
	rc = site_init(site, flags, err);
	if (rc) {
		mr_site_close(site);
		return rc;
	}
	*site_r = site;
	return 0;
}

void mr_site_close(struct mr_site *site)
{
	if (!site)
		return;
	while (site->n_inited > 0)
		deinit_instance(site->init_order[--site->n_inited]);
	for (size_t i = 0; i < site->n_insts; i++) {
		mr_plugin_close(site->insts[i].plugin);
		free(site->insts[i].log);
		free(site->insts[i].conf);
	}
	free(site->insts);
	free(site->init_order);
	free(site->accounts);
	free(site->account_ptrs);
	mr_plugin_path_free(&site->path);
	mr_config_free(site->cfg);
	free(site->log);
	free(site);
}

struct mr_instance *mr_site_instance(struct mr_site *site, const char *section)
{
	for (size_t i = 0; i < site->n_insts; i++)
		if (strcmp(site->insts[i].sec->name, section) == 0)
			return &site->insts[i];
	return NULL;
}
