/* SPDX-License-Identifier: MIT */
/* mailroom inspect FILE: a received message's Received chain, SPF/DKIM/DMARC results, DKIM verified now, VERP Return-Path, List-Unsubscribe. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "doctor/doctor.h"
#include "received.h"

/* What the site's config gives inspect, all optional. */
struct site_view {
	struct mr_config *cfg;
	struct mr_section *main;
	char *secret;
	struct mr_verp_conf verp;
};

static void site_view_load(struct mr_cli *cli, struct site_view *sv)
{
	memset(sv, 0, sizeof(*sv));
	struct mr_error err = { 0 };
	if (!cli->config_path || access(cli->config_path, R_OK) != 0 ||
	    mr_config_load(cli->config_path, &sv->cfg, &err) != 0)
		return;
	sv->main = mr_config_section(sv->cfg, "mailroom");
	if (sv->main) {
		sv->main->keys[0] = mr_keys_mailroom;
		mr_config_resolve_paths(sv->main);
	}
	for (size_t i = 0; i < sv->cfg->n_secs; i++) {
		struct mr_section *sec = &sv->cfg->secs[i];
		const char *uf = mr_config_raw(sec, "used_for");
		if (strcmp(sec->kind, "account") == 0 && uf && strcmp(uf, "bounce") == 0) {
			sv->verp.localpart = mr_config_raw(sec, "localpart");
			sv->verp.domain = mr_config_raw(sec, "domain");
		}
	}
	struct mr_section *bounce = mr_config_section(sv->cfg, "bounce");
	const char *sep = bounce ? mr_config_raw(bounce, "verp_separator") : NULL;
	sv->verp.sep = sep && sep[0] ? sep[0] : '.';
	if (sv->main && mr_cfg_secret(sv->main, "secret", &sv->secret, &err) == 0 && sv->secret) {
		sv->verp.secret = (const unsigned char *)sv->secret;
		sv->verp.secret_len = strlen(sv->secret);
	}
}

static void site_view_free(struct site_view *sv)
{
	if (sv->secret) {
		memset(sv->secret, 0, strlen(sv->secret));
		free(sv->secret);
	}
	mr_config_free(sv->cfg);
}

static char *read_file(const char *path, size_t *len_r)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		if (cap >= (size_t)64 << 20) {
			free(buf);
			buf = NULL;
			errno = EFBIG;
			break;
		}
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	*len_r = n;
	return buf;
}

/* Each function below prints its part, or with --json adds it to out. */
static void show_received(json_t *out, const struct mr_rawmsg *m)
{
	size_t idx[200], n = 0;
	for (size_t i = 0; i < m->nh && n < 200; i++)
		if (mr_hfield_is(&m->h[i], "Received"))
			idx[n++] = i;
	json_t *hops = out ? json_array() : NULL;
	if (!out)
		printf("Received chain (%zu hop%s, first hop first):\n", n, n == 1 ? "" : "s");
	long long prev = -1;
	for (size_t k = n; k-- > 0;) {
		char *v = mr_hfield_value(&m->h[idx[k]]);
		if (!v)
			continue;
		char from[128], by[128], with[64];
		char *bare = received_strip_comments(v);
		received_word(bare ? bare : v, "from", from, sizeof(from));
		received_word(bare ? bare : v, "by", by, sizeof(by));
		received_word(bare ? bare : v, "with", with, sizeof(with));
		free(bare);
		const char *semi = strrchr(v, ';');
		long long t = semi ? received_date(semi + 1) : -1;
		int tls = strcasestr(with, "ESMTPS") || strcasestr(with, "LMTPS") ||
			  strcasestr(with, "ESMTPSA") || strcasestr(v, "TLS1") ||
			  strcasestr(v, "version=TLS") || strcasestr(v, "cipher=") ||
			  strcasestr(v, "using TLS");
		long long delay = t >= 0 && prev >= 0 ? t - prev : -1;
		char date[64] = "";
		if (t >= 0) {
			time_t tt = (time_t)t;
			struct tm tm;
			gmtime_r(&tt, &tm);
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm);
		}
		size_t hop = n - k;
		if (out) {
			json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:b,s:o}", "hop", (json_int_t)hop,
					      "from", cli_json_text(from), "by", cli_json_text(by),
					      "with", cli_json_text(with), "tls", tls != 0, "date",
					      cli_json_text(date));
			if (delay >= 0 && o)
				json_object_set_new(o, "delay", cli_json_int(delay));
			json_array_append_new(hops, o);
		} else {
			printf("  %2zu. from %s by %s with %s, %s, %s", hop, from[0] ? from : "?",
			       by[0] ? by : "?", with[0] ? with : "?", tls ? "TLS" : "no TLS",
			       date[0] ? date : "no date");
			if (delay >= 0)
				printf(" (+%llds)", delay);
			printf("\n");
		}
		if (t >= 0)
			prev = t;
		free(v);
	}
	if (out)
		json_object_set_new(out, "received", hops);
}

/* The "method=result" words of Authentication-Results values. */
static void auth_result(const char *v, const char *method, char *buf, size_t size)
{
	size_t ml = strlen(method);
	for (const char *p = v; (p = strcasestr(p, method)); p += ml) {
		if ((p == v || p[-1] == ' ' || p[-1] == ';') && p[ml] == '=') {
			size_t n = strcspn(p + ml + 1, " ;()");
			if (buf[0])
				strncat(buf, ",", size - strlen(buf) - 1);
			strncat(buf, p + ml + 1, n < size - strlen(buf) - 1 ? n : size - strlen(buf) - 1);
		}
	}
}

static void show_auth(json_t *out, const struct mr_rawmsg *m)
{
	char *spf = NULL, spf_res[32] = "", ar[3][128] = { "", "", "" };
	static const char *const methods[] = { "spf", "dkim", "dmarc" };
	for (size_t i = 0; i < m->nh; i++) {
		if (mr_hfield_is(&m->h[i], "Received-SPF") && !spf) {
			spf = mr_hfield_value(&m->h[i]);
			if (spf)
				snprintf(spf_res, sizeof(spf_res), "%.*s", (int)strcspn(spf, " ;("), spf);
		} else if (mr_hfield_is(&m->h[i], "Authentication-Results")) {
			char *v = mr_hfield_value(&m->h[i]);
			for (int k = 0; v && k < 3; k++)
				auth_result(v, methods[k], ar[k], sizeof(ar[k]));
			free(v);
		}
	}
	if (out) {
		json_object_set_new(out, "received_spf",
				    spf ? json_pack("{s:o,s:o}", "result", cli_json_text(spf_res),
						    "header", cli_json_text(spf)) : json_null());
		json_t *results = json_object();
		for (int k = 0; k < 3; k++)
			json_object_set_new(results, methods[k], cli_json_text(ar[k]));
		json_object_set_new(out, "authentication_results", results);
	} else {
		printf("Received-SPF: %s%s%s%s\n", spf ? spf_res : "(none)", spf ? " (" : "",
		       spf ? spf : "", spf ? ")" : "");
		printf("Authentication-Results: spf=%s dkim=%s dmarc=%s\n", ar[0][0] ? ar[0] : "-",
		       ar[1][0] ? ar[1] : "-", ar[2][0] ? ar[2] : "-");
	}
	free(spf);
}

static int show_dkim(json_t *out, const struct mr_rawmsg *m, struct mr_resolver *r,
		     char *pass_domains, size_t pd_size)
{
	int n = 0, pass = 0;
	pass_domains[0] = 0;
	json_t *sigs = out ? json_array() : NULL;
	for (size_t i = 0; i < m->nh; i++) {
		if (!mr_hfield_is(&m->h[i], "DKIM-Signature"))
			continue;
		struct mr_dkim_result res;
		mr_dkim_verify_one(r, m, i, &res);
		if (strcmp(res.result, "pass") == 0) {
			pass++;
			size_t l = strlen(pass_domains);
			snprintf(pass_domains + l, pd_size - l, "%s%s", l ? " " : "", res.domain);
		}
		if (out) {
			json_array_append_new(sigs, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "result",
							      cli_json_text(res.result), "domain",
							      cli_json_text(res.domain), "selector",
							      cli_json_text(res.selector), "algorithm",
							      cli_json_text(res.alg), "canonicalization",
							      cli_json_text(res.canon), "why",
							      cli_json_text(res.why)));
		} else {
			printf("DKIM-Signature d=%s s=%s a=%s c=%s: %s (%s)\n", res.domain, res.selector,
			       res.alg, res.canon, res.result, res.why);
		}
		n++;
	}
	if (out)
		json_object_set_new(out, "dkim", sigs);
	else if (!n)
		printf("DKIM-Signature: none (the message is not signed)\n");
	return n && pass == n;
}

static void show_return_path(json_t *out, const struct mr_rawmsg *m,
			     const struct site_view *sv)
{
	char *rp = NULL;
	for (size_t i = 0; i < m->nh && !rp; i++)
		if (mr_hfield_is(&m->h[i], "Return-Path"))
			rp = mr_hfield_value(&m->h[i]);
	char addr[512] = "";
	if (rp) {
		const char *a = rp, *e;
		if (*a == '<')
			a++;
		e = strchr(a, '>');
		snprintf(addr, sizeof(addr), "%.*s", (int)(e ? (size_t)(e - a) : strlen(a)), a);
	}
	const char *verp;
	char detail[160] = "";
	if (!rp)
		verp = "none";
	else if (!sv->verp.localpart || !sv->verp.domain)
		verp = "unknown";
	else {
		struct mr_verp v;
		int rc = mr_verp_parse(&sv->verp, addr, strlen(addr), &v);
		if (rc == 0 && !sv->verp.secret) {
			verp = "unchecked";
			snprintf(detail, sizeof(detail), "a VERP address of this site, action %c, job "
				 "%lld, queue %lld (no secret configured: hash not checked)", v.action,
				 (long long)v.job_id, (long long)v.queue_id);
		} else if (rc == 0) {
			verp = "valid";
			snprintf(detail, sizeof(detail), "a VERP address of this site, hash good: action "
				 "%c, job %lld, queue %lld", v.action, (long long)v.job_id,
				 (long long)v.queue_id);
		} else if (rc == MR_EPERMANENT) {
			verp = "bad-hash";
			snprintf(detail, sizeof(detail), "looks like this site's VERP address but the "
				 "hash does not match (forged or altered)");
		} else {
			verp = "not-verp";
			snprintf(detail, sizeof(detail), "not a VERP address of this site (%s%s@%s)",
				 sv->verp.localpart, "...", sv->verp.domain);
		}
	}
	if (!detail[0])
		snprintf(detail, sizeof(detail), "%s", !rp ? "no Return-Path header" :
			 "no bounce account in the config: VERP not checked");
	if (out) {
		json_object_set_new(out, "return_path",
				    json_pack("{s:o,s:o,s:o}", "address", cli_json_text(addr), "verp",
					      cli_json_text(verp), "detail", cli_json_text(detail)));
	} else {
		printf("Return-Path: %s: %s\n", rp ? addr : "(none)", detail);
	}
	free(rp);
}

/* The domain of the first address in a header value ("Name <a@b>" or "a@b"). */
static void addr_domain(const char *v, char *buf, size_t size)
{
	buf[0] = 0;
	const char *lt = strchr(v, '<');
	const char *a = lt ? lt + 1 : v;
	const char *at = strchr(a, '@');
	if (!at)
		return;
	size_t n = strcspn(at + 1, "> ,;");
	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), at + 1);
}

/* DMARC alignment as computed now: From's domain against the domains of the
 * DKIM signatures that verified and against the Return-Path domain. */
static void show_alignment(json_t *out, const struct mr_rawmsg *m,
			   const char *pass_domains)
{
	char from[256] = "", rp[256] = "", of[256] = "", od[256], orp[256] = "";
	for (size_t i = 0; i < m->nh; i++) {
		int is_from = mr_hfield_is(&m->h[i], "From");
		if (!is_from && !mr_hfield_is(&m->h[i], "Return-Path"))
			continue;
		char *v = mr_hfield_value(&m->h[i]);
		if (v && is_from && !from[0])
			addr_domain(v, from, sizeof(from));
		else if (v && !is_from && !rp[0])
			addr_domain(v, rp, sizeof(rp));
		free(v);
	}
	if (from[0])
		mr_org_domain(from, of, sizeof(of));
	if (rp[0])
		mr_org_domain(rp, orp, sizeof(orp));
	char aligned_by[256] = "";
	char copy[512];
	snprintf(copy, sizeof(copy), "%s", pass_domains);
	char *save = NULL;
	for (char *d = strtok_r(copy, " ", &save); d && of[0]; d = strtok_r(NULL, " ", &save)) {
		mr_org_domain(d, od, sizeof(od));
		if (strcasecmp(od, of) == 0 && !aligned_by[0])
			snprintf(aligned_by, sizeof(aligned_by), "%s", d);
	}
	int spf_aligned = of[0] && orp[0] && strcasecmp(of, orp) == 0;
	if (out) {
		json_object_set_new(out, "alignment",
				    json_pack("{s:o,s:b,s:b}", "from_domain", cli_json_text(from),
					      "dkim_aligned", aligned_by[0] != 0,
					      "return_path_aligned", spf_aligned));
	} else {
		printf("DMARC alignment (relaxed): From %s; DKIM %s%s; Return-Path %s %s\n",
		       from[0] ? from : "(none)", aligned_by[0] ? "aligned by d=" : "not aligned",
		       aligned_by, rp[0] ? rp : "(none)", spf_aligned ? "aligned" : "not aligned");
	}
}

static void show_unsubscribe(json_t *out, const struct mr_rawmsg *m)
{
	char *lu = NULL, *post = NULL;
	for (size_t i = 0; i < m->nh; i++) {
		if (!lu && mr_hfield_is(&m->h[i], "List-Unsubscribe"))
			lu = mr_hfield_value(&m->h[i]);
		else if (!post && mr_hfield_is(&m->h[i], "List-Unsubscribe-Post"))
			post = mr_hfield_value(&m->h[i]);
	}
	int one_click = lu && post && strcasestr(lu, "<https://") &&
			strcasecmp(post, "List-Unsubscribe=One-Click") == 0;
	if (out) {
		json_object_set_new(out, "list_unsubscribe", cli_json_text(lu));
		json_object_set_new(out, "list_unsubscribe_post", cli_json_text(post));
		json_object_set_new(out, "one_click", json_boolean(one_click));
	} else {
		printf("List-Unsubscribe: %s\n", lu ? lu : "(none)");
		printf("List-Unsubscribe-Post: %s%s\n", post ? post : "(none)",
		       one_click ? " (one-click, RFC 8058)" : lu ? " (not one-click)" : "");
	}
	free(lu);
	free(post);
}

int cmd_inspect(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc != 2)
		return cli_usage("inspect");
	size_t len = 0;
	char *data = read_file(argv[1], &len);
	if (!data)
		return cli_fail(EX_NOINPUT, "inspect", "cannot read %s: %m", argv[1]);
	struct mr_rawmsg m;
	int rc = mr_rawmsg_parse(data, len, &m);
	free(data);
	if (rc)
		return cli_fail(EX_DATAERR, "inspect", "%s: not a message (no header fields)", argv[1]);
	struct site_view sv;
	site_view_load(cli, &sv);
	struct mr_resolver *r = NULL;
	struct mr_error err = { 0 };
	if (mr_site_resolver(sv.main, &r, &err) != 0) {
		site_view_free(&sv);
		mr_rawmsg_free(&m);
		return cli_fail(EX_CONFIG, "inspect", "%s", err.msg);
	}
	json_t *out = cli->json ? json_pack("{s:o}", "file", cli_json_text(argv[1])) : NULL;
	if (!out)
		printf("%s\n", argv[1]);
	show_received(out, &m);
	show_auth(out, &m);
	char pass_domains[1024];
	show_dkim(out, &m, r, pass_domains, sizeof(pass_domains));
	show_alignment(out, &m, pass_domains);
	show_return_path(out, &m, &sv);
	show_unsubscribe(out, &m);
	if (out)
		cli_json_print(out);
	mr_resolver_free(r);
	site_view_free(&sv);
	mr_rawmsg_free(&m);
	return EX_OK;
}
