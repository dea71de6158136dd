/* SPDX-License-Identifier: MIT */
/* A site's mail settings (bounce rules, VERP, rendering, DKIM) read from its INI through the core services table. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mailroom/store.h>
#include "mail-internal.h"

int mr_mail_rules_load(const struct mr_core *core, struct mr_bounce_rules **rules_r,
		       struct mr_error *err)
{
	const struct mr_section *b = core->cfg_section(core, "bounce");
	const char *path = b ? core->cfg_str(b, "rules_file") : NULL;
	return mr_bounce_rules_load(path && *path ? path : mr_bounce_rules_default(), rules_r, err);
}

/* The last [account-NAME] with used_for = bounce, or NULL. */
static const struct mr_section *bounce_account(const struct mr_core *core)
{
	const struct mr_section *found = NULL, *sec;
	for (size_t i = 0; (sec = core->cfg_section_at(core, i)) != NULL; i++) {
		const char *uf = core->cfg_str(sec, "used_for");
		if (strncmp(core->cfg_name(sec), "account-", 8) == 0 && uf &&
		    strcmp(uf, "bounce") == 0)
			found = sec;
	}
	return found;
}

static char verp_separator(const struct mr_core *core)
{
	const struct mr_section *b = core->cfg_section(core, "bounce");
	const char *sep = b ? core->cfg_str(b, "verp_separator") : NULL;
	return sep && *sep ? sep[0] : '.';
}

static char *str_or(const struct mr_core *core, const struct mr_section *sec, const char *key)
{
	const char *v = sec ? core->cfg_str(sec, key) : NULL;
	return v && *v ? strdup(v) : NULL;
}

/* The VERP local part and domain of the bounce account: its return_path
 * (local part plus "+", and domain) when set, else localpart and domain.
 * Either may come back NULL; the caller frees both. */
static void verp_parts(const struct mr_core *core, const struct mr_section *acct, char **lp_r,
		       char **dom_r)
{
	*lp_r = *dom_r = NULL;
	const char *rp = acct ? core->cfg_str(acct, "return_path") : NULL;
	const char *at = rp ? strrchr(rp, '@') : NULL;
	if (at && at > rp && at[1]) {
		size_t ll = (size_t)(at - rp);
		/* return+ already ends in a sub-address separator */
		int plus = rp[ll - 1] != '+' && rp[ll - 1] != '-';
		if ((*lp_r = malloc(ll + 2)) != NULL)
			snprintf(*lp_r, ll + 2, "%.*s%s", (int)ll, rp, plus ? "+" : "");
		*dom_r = strdup(at + 1);
		return;
	}
	*lp_r = str_or(core, acct, "localpart");
	*dom_r = str_or(core, acct, "domain");
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

int mr_mail_verp_conf(const struct mr_core *core, struct mr_verp_conf **conf_r,
		      struct mr_error *err)
{
	struct mr_verp_conf *c = calloc(1, sizeof(*c));
	if (!c)
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	const struct mr_section *acct = bounce_account(core);
	if (acct) {
		char *lp, *dom;
		verp_parts(core, acct, &lp, &dom);
		c->localpart = lp ? lp : strdup("");
		c->domain = dom;
	}
	c->sep = verp_separator(core);
	const struct mr_section *main = core->cfg_section(core, "mailroom");
	char *secret = NULL;
	struct mr_error e2 = { 0 };
	if (main && core->cfg_secret(main, "secret", &secret, &e2) == 0 && secret) {
		c->secret = (const unsigned char *)secret;
		c->secret_len = strlen(secret);
	}
	if (!c->localpart || !c->domain) {
		mr_verp_conf_free(c);
		return mail_error_set(err, MR_ECONFIG,
				      "no account with used_for = bounce and a domain: no VERP addresses");
	}
	*conf_r = c;
	return 0;
}

int mr_mail_render_conf(const struct mr_core *core, struct mr_render_conf *conf,
			struct mr_error *err)
{
	memset(conf, 0, sizeof(*conf));
	const struct mr_section *main = core->cfg_section(core, "mailroom");
	if (!main)
		return mail_error_set(err, MR_ECONFIG, "no [mailroom] section");
	conf->from_email = core->cfg_str(main, "from");
	conf->from_name = core->cfg_str(main, "from_name");
	conf->reply_to = core->cfg_str(main, "reply_to");
	conf->unsubscribe_url = core->cfg_str(main, "unsubscribe_url");
	const char *esp = core->cfg_str(main, "esp");
	conf->esp = esp && strcmp(esp, "sendgrid") == 0 ? MR_ESP_SENDGRID :
		    esp && strcmp(esp, "postmark") == 0 ? MR_ESP_POSTMARK : MR_ESP_NONE;
	/* [http] base_url: the tracking links, and BASE_URL/u when no
	 * unsubscribe_url is set */
	const struct mr_section *http = core->cfg_section(core, "http");
	const char *base = http ? core->cfg_str(http, "base_url") : NULL;
	if (base && *base) {
		size_t bl = strlen(base);
		while (bl > 0 && base[bl - 1] == '/')
			bl--;
		conf->owned[0] = strndup(base, bl);
		conf->base_url = conf->owned[0];
		if (conf->owned[0] && (!conf->unsubscribe_url || !*conf->unsubscribe_url)) {
			size_t n = bl + 3;
			conf->owned[1] = malloc(n);
			if (conf->owned[1])
				snprintf(conf->owned[1], n, "%s/u", conf->owned[0]);
			conf->unsubscribe_url = conf->owned[1];
		}
		if (!conf->owned[0] || !conf->unsubscribe_url) {
			mr_render_conf_free(conf);
			return mail_error_set(err, MR_ENOMEM, "out of memory");
		}
	}
	const char *dom = core->cfg_str(main, "domain");
	const char *from_at = conf->from_email ? strrchr(conf->from_email, '@') : NULL;
	if (!dom || !*dom)
		dom = from_at ? from_at + 1 : "localhost";
	conf->domain = strdup(dom);
	/* VERP: the bounce account's local part and domain, else from's */
	const struct mr_section *acct = bounce_account(core);
	char *alp, *avd;
	verp_parts(core, acct, &alp, &avd);
	const char *lp = alp, *vd = avd;
	char fl[128] = "bounce+";
	if (!lp || !*lp) {
		if (from_at && (size_t)(from_at - conf->from_email) < sizeof(fl) - 2)
			snprintf(fl, sizeof(fl), "%.*s+", (int)(from_at - conf->from_email),
				 conf->from_email);
		lp = fl;
	}
	if (!vd || !*vd)
		vd = dom;
	conf->verp.localpart = strdup(lp);
	conf->verp.domain = strdup(vd);
	free(alp);
	free(avd);
	conf->verp.sep = verp_separator(core);
	if (!conf->domain || !conf->verp.localpart || !conf->verp.domain) {
		mr_render_conf_free(conf);
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	}
	char *secret = NULL;
	int rc = core->cfg_secret(main, "secret", &secret, err);
	if (rc == MR_ENOTFOUND)
		rc = mail_error_set(err, MR_ECONFIG, "mass mailing signs its VERP addresses: set "
				    "[mailroom] secret_file (a file only its owner can read)");
	if (rc) {
		mr_render_conf_free(conf);
		return rc;
	}
	conf->verp.secret = (const unsigned char *)secret;
	conf->verp.secret_len = strlen(secret);
	if ((rc = mr_mail_dkim_signer(core, &conf->dkim, err)) != 0) {
		mr_render_conf_free(conf);
		return rc;
	}
	return 0;
}

int mr_mail_dkim_signer(const struct mr_core *core, struct mr_dkim_signer **s_r,
			struct mr_error *err)
{
	*s_r = NULL;
	const struct mr_section *dk = core->cfg_section(core, "dkim");
	const char *key_file = dk ? core->cfg_str(dk, "key_file") : NULL;
	if (!key_file || !*key_file)
		return 0;
	const struct mr_section *main = core->cfg_section(core, "mailroom");
	const char *dd = core->cfg_str(dk, "domain"), *dom = main ? core->cfg_str(main, "domain") : NULL;
	const char *from = main ? core->cfg_str(main, "from") : NULL;
	const char *from_at = from ? strrchr(from, '@') : NULL;
	if (dd && *dd)
		dom = dd;
	else if (!dom || !*dom)
		dom = from_at ? from_at + 1 : "localhost";
	return mr_dkim_signer_new(core->cfg_str(dk, "selector"), dom, key_file,
				  core->cfg_str(dk, "algorithm"), s_r, err);
}

int mr_mail_track_defaults(const struct mr_core *core)
{
	const struct mr_section *ms = core->cfg_section(core, "mailing");
	unsigned flags = 0;
	if (ms && core->cfg_bool(ms, "track_opens") > 0)
		flags |= MR_TRACK_OPENS;
	if (ms && core->cfg_bool(ms, "track_clicks") > 0)
		flags |= MR_TRACK_CLICKS;
	return (int)flags;
}

int mr_mail_track_flags(const struct mr_core *core, int64_t mailing_id, unsigned *flags_r)
{
	struct mr_store *st = core->store ? core->store(core) : NULL;
	struct mr_error e = { 0 };
	unsigned f = 0;
	if (st && mr_store_track_get(st, mailing_id, &f, &e) == 0) {
		*flags_r = f;
		return 0;
	}
	*flags_r = (unsigned)mr_mail_track_defaults(core);
	return 0;
}

/* The names of the store's custom fields, for {contact.NAME} tokens. */
struct field_names {
	char **v;
	size_t n;
};

static int keep_name(void *cookie, const struct mr_field *f)
{
	struct field_names *fn = cookie;
	char **nv = realloc(fn->v, (fn->n + 1) * sizeof(*nv));
	if (!nv)
		return MR_ENOMEM;
	fn->v = nv;
	if (!(fn->v[fn->n] = strdup(f->name)))
		return MR_ENOMEM;
	fn->n++;
	return 0;
}

static void field_names_free(struct field_names *fn)
{
	for (size_t i = 0; i < fn->n; i++)
		free(fn->v[i]);
	free(fn->v);
}

/* A mailing's list headers and Reply-To: its own settings over the site's [mailing]. */
struct list_settings {
	char *list_id;
	int precedence;          /* -1: the site's, 0 or 1 */
	int reply_verp;          /* -1: the site's, 0 or 1 */
};

static int list_setting(void *cookie, const char *name, const char *value)
{
	struct list_settings *ls = cookie;
	if (strcmp(name, "list_id") == 0) {
		free(ls->list_id);
		ls->list_id = strdup(value);
	} else if (strcmp(name, "precedence") == 0) {
		ls->precedence = strcmp(value, "bulk") == 0;
	} else if (strcmp(name, "reply_to") == 0) {
		ls->reply_verp = strcmp(value, "verp") == 0;
	}
	return 0;
}

static int set_list_headers(const struct mr_core *core, struct mr_renderer *r, int64_t id,
			    struct mr_error *err)
{
	struct list_settings ls = { NULL, -1, -1 };
	struct mr_store *st = core->store ? core->store(core) : NULL;
	struct mr_error e = { 0 };
	if (st && id > 0)
		mr_store_mailing_settings(st, id, list_setting, &ls, &e);
	const struct mr_section *ms = core->cfg_section(core, "mailing");
	const char *site_list = ms ? core->cfg_str(ms, "list_id") : NULL;
	int bulk = ls.precedence >= 0 ? ls.precedence : ms && core->cfg_bool(ms, "precedence_bulk") > 0;
	int rc = mr_renderer_set_list(r, ls.list_id ? ls.list_id : site_list, bulk, err);
	free(ls.list_id);
	const char *site_reply = ms ? core->cfg_str(ms, "reply_to") : NULL;
	mr_renderer_set_reply_verp(r, ls.reply_verp >= 0 ? ls.reply_verp :
				   site_reply && strcmp(site_reply, "verp") == 0);
	return rc;
}

int mr_mail_renderer_new(const struct mr_core *core, const struct mr_mailing *m,
			 struct mr_renderer **r_r, struct mr_error *err)
{
	struct mr_render_conf conf;
	int rc = mr_mail_render_conf(core, &conf, err);
	if (rc)
		return rc;
	unsigned flags = 0;
	if (mr_mail_track_flags(core, m->id, &flags) == 0 && conf.base_url) {
		conf.track_opens = (flags & MR_TRACK_OPENS) != 0;
		conf.track_clicks = (flags & MR_TRACK_CLICKS) != 0;
	}
	struct field_names fn = { 0 };
	struct mr_store *st = core->store ? core->store(core) : NULL;
	if (st && mr_store_has(st, MR_STORE_CAP_CONTACTS) &&
	    (rc = mr_store_field_list(st, keep_name, &fn, err)) != 0) {
		field_names_free(&fn);
		mr_render_conf_free(&conf);
		return rc == MR_ENOMEM ? mail_error_set(err, rc, "out of memory") : rc;
	}
	conf.fields = (const char *const *)fn.v;
	conf.n_fields = fn.n;
	rc = mr_renderer_new(&conf, 1, m, r_r, err);
	if (rc) {
		field_names_free(&fn);
		return rc;
	}
	const struct mr_section *main = core->cfg_section(core, "mailroom");
	if (mr_renderer_set_address(*r_r, main ? core->cfg_str(main, "postal_address") : NULL))
		rc = mail_error_set(err, MR_ENOMEM, "out of memory");
	else
		rc = set_list_headers(core, *r_r, m->id, err);
	if (rc == 0)
		rc = mail_add_language_variants(st, m, *r_r, (const char *const *)fn.v, fn.n, err);
	field_names_free(&fn);
	if (rc) {
		mr_renderer_free(*r_r);
		*r_r = NULL;
	}
	return rc;
}
