/* SPDX-License-Identifier: MIT */
/* The deliverability doctor's checks: From, SPF, DKIM, DMARC, reverse DNS and HELO, DNSBLs, bounce account, VERP MX, List-Unsubscribe. */
#include "config.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "mr.h"
#include "doctor.h"

struct doc {
	struct mr_site *site;
	struct mr_checks *cs;
	struct mr_resolver *r;
	const char *from;
	const char *from_domain;
	char ip[64];
	char ip_why[160];
	char helo[256];
	const struct mr_section *dkim;
	char dkim_domain[256];
	struct mr_account *bounce;
	char rp_domain[256]; /* the Return-Path (VERP) domain */
};

static const char *domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at ? at + 1 : NULL;
}

/* The value of key if the section declares it, else NULL. */
static const char *val(const struct mr_section *sec, const char *key)
{
	return sec && mr_section_key(sec, key) ? mr_cfg_str(sec, key) : NULL;
}

/* The local address a socket to host:port would use (no packet is sent). */
static int local_addr_towards(const char *host, const char *port, char *buf, size_t size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	if (getaddrinfo(host, port ? port : "25", &hints, &ai) != 0 || !ai)
		return -1;
	int rc = -1;
	int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		const void *a = ss.ss_family == AF_INET ?
				(const void *)&((struct sockaddr_in *)&ss)->sin_addr :
				(const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
		if (inet_ntop(ss.ss_family, a, buf, (socklen_t)size))
			rc = 0;
	}
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}

static void find_sending_ip(struct doc *d)
{
	const char *ip = mr_config_raw(d->site->main, "sending_ip");
	if (ip && *ip) {
		snprintf(d->ip, sizeof(d->ip), "%s", ip);
		return;
	}
	const struct mr_section *ts = NULL;
	for (size_t i = 0; i < d->site->n_insts; i++)
		if (d->site->insts[i].plugin->desc->kind == MR_KIND_TRANSPORT)
			ts = d->site->insts[i].sec;
	const char *host = val(ts, "host");
	if (host && local_addr_towards(host, val(ts, "port"), d->ip, sizeof(d->ip)) == 0) {
		struct in_addr a;
		if ((inet_pton(AF_INET, d->ip, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127) ||
		    strcmp(d->ip, "::1") == 0) {
			snprintf(d->ip_why, sizeof(d->ip_why), "the transport connects to %s from "
				 "loopback %s: the relay's public address is what receivers see", host,
				 d->ip);
			d->ip[0] = 0;
		}
		return;
	}
	d->ip[0] = 0;
	snprintf(d->ip_why, sizeof(d->ip_why), "no sending_ip in [mailroom], and the transport "
		 "names no relay host to find it from");
}

static void find_helo(struct doc *d)
{
	const char *h = mr_config_raw(d->site->main, "helo_name");
	for (size_t i = 0; (!h || !*h) && i < d->site->n_insts; i++)
		if (d->site->insts[i].plugin->desc->kind == MR_KIND_TRANSPORT)
			h = val(d->site->insts[i].sec, "helo_name");
	if (h && *h) {
		snprintf(d->helo, sizeof(d->helo), "%s", h);
		return;
	}
	if (gethostname(d->helo, sizeof(d->helo) - 1) != 0)
		d->helo[0] = 0;
	d->helo[sizeof(d->helo) - 1] = 0;
}

static void find_bounce(struct doc *d)
{
	for (size_t i = 0; i < d->site->n_accounts; i++) {
		struct mr_account *a = d->site->account_ptrs[i];
		if (a->used_for && strcmp(a->used_for, "bounce") == 0)
			d->bounce = a;
	}
	const struct mr_section *sec = NULL;
	for (size_t i = 0; i < d->site->cfg->n_secs; i++) {
		const struct mr_section *s = &d->site->cfg->secs[i];
		const char *uf = mr_config_raw(s, "used_for");
		if (strcmp(s->kind, "account") == 0 && uf && strcmp(uf, "bounce") == 0)
			sec = s;
	}
	const char *rp = sec ? mr_config_raw(sec, "return_path") : NULL;
	const char *dom = rp ? domain_of(rp) : sec ? mr_config_raw(sec, "domain") : NULL;
	snprintf(d->rp_domain, sizeof(d->rp_domain), "%s", dom ? dom : "");
}

/* ---- From */
static void check_from(struct doc *d)
{
	if (!d->from || !*d->from) {
		mr_check_add(d->cs, "from", MR_CHECK_FAIL, "set from = news@your-domain in [mailroom]",
			     "no From address configured");
		return;
	}
	if (!mr_addr_valid(d->from) || !d->from_domain || !strchr(d->from_domain, '.')) {
		mr_check_add(d->cs, "from", MR_CHECK_FAIL, "set from in [mailroom] to a valid address "
			     "in a domain you own", "From address '%s' is not a valid address", d->from);
		d->from_domain = NULL;
		return;
	}
	struct mr_dns_answer mx, a;
	mr_dns_query(d->r, d->from_domain, MR_DNS_MX, &mx);
	if (mx.status == MR_DNS_OK) {
		mr_check_add(d->cs, "from", MR_CHECK_OK, NULL, "%s: domain %s has MX %s", d->from,
			     d->from_domain, mx.rr[0]);
	} else if (mx.status == MR_DNS_FAIL) {
		mr_check_add(d->cs, "from", MR_CHECK_WARN, "check that the resolver answers",
			     "%s: MX lookup of %s failed: %s", d->from, d->from_domain, mx.why);
	} else if (mr_dns_query(d->r, d->from_domain, MR_DNS_A, &a) == MR_DNS_OK) {
		mr_check_add(d->cs, "from", MR_CHECK_OK, NULL, "%s: domain %s has no MX but an A "
			     "record %s", d->from, d->from_domain, a.rr[0]);
		mr_dns_answer_free(&a);
	} else {
		mr_dns_answer_free(&a);
		mr_check_add(d->cs, "from", MR_CHECK_FAIL, "publish an MX record for the From domain "
			     "(receivers reject mail from domains that cannot receive replies)",
			     "%s: domain %s has neither MX nor A records (%s)", d->from,
			     d->from_domain, mr_dns_status_name(mx.status));
	}
	mr_dns_answer_free(&mx);
}

/* ---- SPF */
static void check_spf(struct doc *d, const char *name, const char *domain, const char *what)
{
	if (!domain || !*domain) {
		mr_check_add(d->cs, name, MR_CHECK_WARN, "configure the bounce account's domain",
			     "no %s to check", what);
		return;
	}
	if (!d->ip[0]) {
		mr_check_add(d->cs, name, MR_CHECK_WARN, "set sending_ip = YOUR.PUBLIC.IP in [mailroom]",
			     "SPF of %s not checked: %s", domain, d->ip_why);
		return;
	}
	struct mr_spf_result res;
	struct mr_error err = { 0 };
	if (mr_spf_check(d->r, d->ip, domain, d->helo, &res, &err) != 0) {
		mr_check_add(d->cs, name, MR_CHECK_FAIL, "fix sending_ip", "SPF of %s: %s", domain,
			     err.msg);
		return;
	}
	char fix[512];
	enum mr_check_verdict v;
	const char *r = res.result;
	if (strcmp(r, "pass") == 0) {
		v = MR_CHECK_OK;
		fix[0] = 0;
	} else if (strcmp(r, "none") == 0) {
		v = MR_CHECK_FAIL;
		snprintf(fix, sizeof(fix), "publish a TXT record at %s: \"v=spf1 %s:%s ~all\"",
			 domain, strchr(d->ip, ':') ? "ip6" : "ip4", d->ip);
	} else if (strcmp(r, "permerror") == 0) {
		v = MR_CHECK_FAIL;
		snprintf(fix, sizeof(fix), "repair the SPF record of %s (one v=spf1 record, valid "
			 "syntax, at most 10 DNS-querying mechanisms including nested includes)",
			 domain);
	} else if (strcmp(r, "temperror") == 0) {
		v = MR_CHECK_WARN;
		snprintf(fix, sizeof(fix), "the SPF lookup failed for now; check the DNS of %s",
			 domain);
	} else {
		v = strcmp(r, "fail") == 0 ? MR_CHECK_FAIL : MR_CHECK_WARN;
		snprintf(fix, sizeof(fix), "add %s:%s (or an include: of your provider) to the SPF "
			 "record of %s before its all", strchr(d->ip, ':') ? "ip6" : "ip4", d->ip, domain);
	}
	mr_check_add(d->cs, name, v, fix, "%s %s for %s%s%s%s%s%s", what, r, d->ip,
		     res.record[0] ? ": \"" : " (no SPF record)", res.record,
		     res.record[0] ? "\"" : "", res.reason[0] && v != MR_CHECK_OK ? " - " : "",
		     v != MR_CHECK_OK ? res.reason : "");
}

/* ---- DKIM */
static void check_dkim(struct doc *d)
{
	const struct mr_section *k = d->dkim;
	const char *sel = k ? mr_config_raw(k, "selector") : NULL;
	const char *file = k ? mr_config_raw(k, "key_file") : NULL;
	if (!k || !sel || !*sel || !file || !*file) {
		mr_check_add(d->cs, "dkim", MR_CHECK_FAIL, "add a [dkim] section with selector, domain "
			     "and key_file, and publish SELECTOR._domainkey.DOMAIN (Gmail and Yahoo "
			     "require DKIM)", "DKIM signing is not configured%s",
			     k ? " ([dkim] needs selector and key_file)" : " (no [dkim] section)");
		return;
	}
	struct mr_dkim_key key;
	char txt[1024], why[300], fix[400];
	int st = mr_dkim_key_fetch(d->r, sel, d->dkim_domain, &key, txt, sizeof(txt), why,
				   sizeof(why));
	snprintf(fix, sizeof(fix), "publish the public key of %s as TXT %s._domainkey.%s "
		 "\"v=DKIM1; k=%s; p=BASE64\"", file, sel, d->dkim_domain,
		 strncmp(mr_cfg_str(k, "algorithm"), "ed25519", 7) == 0 ? "ed25519" : "rsa");
	if (st != MR_DNS_OK) {
		mr_check_add(d->cs, "dkim", st == MR_DNS_FAIL ? MR_CHECK_WARN : MR_CHECK_FAIL, fix,
			     "no DKIM key: %s", why);
		return;
	}
	if (key.revoked) {
		mr_check_add(d->cs, "dkim", MR_CHECK_FAIL, fix, "the key at %s._domainkey.%s is revoked "
			     "(empty p=)", sel, d->dkim_domain);
		return;
	}
	if (!key.pkey) {
		mr_check_add(d->cs, "dkim", MR_CHECK_FAIL, fix, "%s", why);
		return;
	}
	const char *want = strncmp(mr_cfg_str(k, "algorithm"), "ed25519", 7) == 0 ? "ed25519" : "rsa";
	int m = mr_dkim_key_matches(&key, file, why, sizeof(why));
	if (m < 0)
		mr_check_add(d->cs, "dkim", MR_CHECK_FAIL, "fix key_file in [dkim]", "%s", why);
	else if (strcmp(key.alg, want) != 0)
		mr_check_add(d->cs, "dkim", MR_CHECK_FAIL, fix, "%s._domainkey.%s is a k=%s key but "
			     "[dkim] algorithm is %s", sel, d->dkim_domain, key.alg,
			     mr_cfg_str(k, "algorithm"));
	else if (!m)
		mr_check_add(d->cs, "dkim", MR_CHECK_FAIL, fix, "the key published at %s._domainkey.%s "
			     "does not match the private key %s: receivers will fail every "
			     "signature", sel, d->dkim_domain, file);
	else if (strcmp(key.alg, "rsa") == 0 && key.bits < 1024)
		mr_check_add(d->cs, "dkim", MR_CHECK_FAIL, "make a 2048-bit key and publish it "
			     "under a new selector", "%s._domainkey.%s matches %s but is only %d bits: "
			     "receivers ignore RSA keys under 1024 bits", sel, d->dkim_domain, file,
			     key.bits);
	else if (strcmp(key.alg, "rsa") == 0 && key.bits < 2048)
		mr_check_add(d->cs, "dkim", MR_CHECK_WARN, "make a 2048-bit key and publish it "
			     "under a new selector", "%s._domainkey.%s matches %s but is %d bits "
			     "(2048 is recommended)", sel, d->dkim_domain, file, key.bits);
	else if (key.testing)
		mr_check_add(d->cs, "dkim", MR_CHECK_WARN, "remove t=y from the key record once "
			     "signatures verify", "%s._domainkey.%s matches %s but is in testing "
			     "mode (t=y)", sel, d->dkim_domain, file);
	else
		mr_check_add(d->cs, "dkim", MR_CHECK_OK, NULL, "%s._domainkey.%s (%s) matches the "
			     "private key %s", sel, d->dkim_domain, key.alg, file);
	mr_dkim_key_free(&key);
}

/* ---- DMARC */
static int aligned(const char *a, const char *b, int strict)
{
	if (!a || !b || !*a || !*b)
		return 0;
	if (strict)
		return strcasecmp(a, b) == 0;
	char oa[256], ob[256];
	mr_org_domain(a, oa, sizeof(oa));
	mr_org_domain(b, ob, sizeof(ob));
	return strcasecmp(oa, ob) == 0;
}

static int dmarc_record(struct doc *d, const char *domain, char *rec, size_t size)
{
	char name[300];
	struct mr_dns_answer ans;
	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	int st = mr_dns_query(d->r, name, MR_DNS_TXT, &ans);
	int found = 0;
	for (size_t i = 0; st == MR_DNS_OK && i < ans.n; i++)
		if (strncasecmp(ans.rr[i], "v=DMARC1", 8) == 0) {
			snprintf(rec, size, "%s", ans.rr[i]);
			found = 1;
			break;
		}
	mr_dns_answer_free(&ans);
	return found ? 1 : st == MR_DNS_FAIL ? -1 : 0;
}

static void check_dmarc(struct doc *d)
{
	if (!d->from_domain) {
		mr_check_add(d->cs, "dmarc", MR_CHECK_FAIL, "set from in [mailroom]",
			     "DMARC not checked: no valid From domain");
		return;
	}
	char rec[512], org[256], at[300];
	mr_org_domain(d->from_domain, org, sizeof(org));
	snprintf(at, sizeof(at), "_dmarc.%s", d->from_domain);
	int f = dmarc_record(d, d->from_domain, rec, sizeof(rec));
	if (f == 0 && strcasecmp(org, d->from_domain) != 0) {
		snprintf(at, sizeof(at), "_dmarc.%s", org);
		f = dmarc_record(d, org, rec, sizeof(rec));
	}
	char fix[300];
	snprintf(fix, sizeof(fix), "publish TXT _dmarc.%s \"v=DMARC1; p=none; "
		 "rua=mailto:dmarc@%s\", then move to p=quarantine", org, org);
	if (f < 0) {
		mr_check_add(d->cs, "dmarc", MR_CHECK_WARN, "check that the resolver answers",
			     "DMARC lookup of %s failed", at);
		return;
	}
	if (f == 0) {
		mr_check_add(d->cs, "dmarc", MR_CHECK_FAIL, fix, "no DMARC record at _dmarc.%s (Gmail "
			     "and Yahoo require one of bulk senders)", d->from_domain);
		return;
	}
	char *p = mr_dkim_tag(rec, "p");
	int inherited = strcasecmp(org, d->from_domain) != 0 && strcasecmp(at + 7, org) == 0;
	char *sp = inherited ? mr_dkim_tag(rec, "sp") : NULL;
	if (sp && *sp) {
		free(p);
		p = sp; /* a subdomain gets the organizational domain's sp= policy */
	} else {
		free(sp);
	}
	char *adkim = mr_dkim_tag(rec, "adkim"), *aspf = mr_dkim_tag(rec, "aspf");
	if (!p || (strcasecmp(p, "none") && strcasecmp(p, "quarantine") && strcasecmp(p, "reject")))
		mr_check_add(d->cs, "dmarc", MR_CHECK_FAIL, fix, "%s \"%s\" has no valid p= policy", at,
			     rec);
	else if (strcasecmp(p, "none") == 0)
		mr_check_add(d->cs, "dmarc", MR_CHECK_WARN, "once reports show your mail aligned, "
			     "raise the policy to p=quarantine", "%s policy none (monitoring only): "
			     "\"%s\"", at, rec);
	else
		mr_check_add(d->cs, "dmarc", MR_CHECK_OK, NULL, "%s policy %s: \"%s\"", at, p, rec);
	int sd = adkim && strcasecmp(adkim, "s") == 0, ss = aspf && strcasecmp(aspf, "s") == 0;
	int ad = d->dkim && aligned(d->from_domain, d->dkim_domain, sd);
	int as = aligned(d->from_domain, d->rp_domain, ss);
	char det[600];
	snprintf(det, sizeof(det), "From %s; DKIM d=%s %s (%s); Return-Path %s %s (%s)",
		 d->from_domain, d->dkim ? d->dkim_domain : "(none)", ad ? "aligned" : "not aligned",
		 sd ? "strict" : "relaxed", d->rp_domain[0] ? d->rp_domain : "(none)",
		 as ? "aligned" : "not aligned", ss ? "strict" : "relaxed");
	if (ad && as)
		mr_check_add(d->cs, "dmarc-alignment", MR_CHECK_OK, NULL, "%s", det);
	else if (ad || as)
		mr_check_add(d->cs, "dmarc-alignment", MR_CHECK_WARN, ad ? "put the bounce account in "
			     "the From domain (or a subdomain of it) so SPF aligns too" :
			     "sign with [dkim] domain = the From domain so DKIM aligns too", "%s", det);
	else
		mr_check_add(d->cs, "dmarc-alignment", MR_CHECK_FAIL, "sign with [dkim] domain = the "
			     "From domain, and use a bounce domain under the From domain", "%s: DMARC "
			     "fails for every message", det);
	free(p);
	free(adkim);
	free(aspf);
}

/* ---- reverse DNS and HELO */
static void check_rdns(struct doc *d)
{
	if (!d->ip[0]) {
		mr_check_add(d->cs, "rdns", MR_CHECK_WARN, "set sending_ip in [mailroom]",
			     "reverse DNS not checked: %s", d->ip_why);
		return;
	}
	char rev[128];
	if (mr_dns_reverse_name(d->ip, NULL, rev, sizeof(rev)) != 0) {
		mr_check_add(d->cs, "rdns", MR_CHECK_FAIL, "set sending_ip to an IP address",
			     "sending_ip '%s' is not an IP address", d->ip);
		return;
	}
	struct mr_dns_answer ptr;
	int st = mr_dns_query(d->r, rev, MR_DNS_PTR, &ptr);
	char fix[300];
	snprintf(fix, sizeof(fix), "ask the owner of %s (your hosting provider) for a PTR record "
		 "naming %s, and an A record of that name pointing back to %s", d->ip,
		 d->helo[0] ? d->helo : "the server", d->ip);
	if (st != MR_DNS_OK) {
		mr_check_add(d->cs, "rdns", st == MR_DNS_FAIL ? MR_CHECK_WARN : MR_CHECK_FAIL, fix,
			     "%s has no reverse DNS (PTR %s: %s)", d->ip, rev,
			     st == MR_DNS_FAIL ? ptr.why : mr_dns_status_name(st));
		mr_dns_answer_free(&ptr);
		mr_check_add(d->cs, "helo", MR_CHECK_WARN, fix, "HELO %s cannot match a missing PTR",
			     d->helo);
		return;
	}
	const char *confirmed = NULL;
	int v6 = strchr(d->ip, ':') != NULL;
	for (size_t i = 0; i < ptr.n && !confirmed; i++) {
		struct mr_dns_answer fw;
		if (mr_dns_query(d->r, ptr.rr[i], v6 ? MR_DNS_AAAA : MR_DNS_A, &fw) == MR_DNS_OK) {
			for (size_t k = 0; k < fw.n; k++) {
				unsigned char x[16], y[16];
				int fam = v6 ? AF_INET6 : AF_INET;
				if (inet_pton(fam, fw.rr[k], x) == 1 && inet_pton(fam, d->ip, y) == 1 &&
				    memcmp(x, y, v6 ? 16 : 4) == 0)
					confirmed = ptr.rr[i];
			}
		}
		mr_dns_answer_free(&fw);
	}
	if (!confirmed) {
		snprintf(fix, sizeof(fix), "add an A record %s -> %s (or change the PTR to a name "
			 "that resolves to it)", ptr.rr[0], d->ip);
		mr_check_add(d->cs, "rdns", MR_CHECK_FAIL, fix, "%s has PTR %s, which does not resolve "
			     "back to %s (not forward-confirmed)", d->ip, ptr.rr[0], d->ip);
	} else {
		mr_check_add(d->cs, "rdns", MR_CHECK_OK, NULL, "%s has PTR %s, forward-confirmed", d->ip,
			     confirmed);
	}
	const char *name = confirmed ? confirmed : ptr.rr[0];
	if (strcasecmp(d->helo, name) == 0) {
		mr_check_add(d->cs, "helo", MR_CHECK_OK, NULL, "HELO %s matches the PTR", d->helo);
	} else {
		snprintf(fix, sizeof(fix), "set helo_name = %s in [mailroom] and in the transport "
			 "(or the MTA's myhostname)", name);
		mr_check_add(d->cs, "helo", MR_CHECK_WARN, fix, "HELO %s differs from the PTR name %s",
			     d->helo[0] ? d->helo : "(unknown)", name);
	}
	mr_dns_answer_free(&ptr);
}

/* ---- DNSBLs */
static void check_dnsbl(struct doc *d)
{
	const char *list = mr_cfg_str(d->site->main, "dnsbl_zones");
	if (!d->ip[0] || !list || !*list) {
		if (!d->ip[0])
			mr_check_add(d->cs, "dnsbl", MR_CHECK_WARN, "set sending_ip in [mailroom]",
				     "blocklists not checked: %s", d->ip_why);
		return;
	}
	char *copy = strdup(list), *save = NULL;
	for (char *z = copy ? strtok_r(copy, ", :", &save) : NULL; z; z = strtok_r(NULL, ", :", &save)) {
		char q[400], name[300];
		snprintf(name, sizeof(name), "dnsbl %s", z);
		if (mr_dns_reverse_name(d->ip, z, q, sizeof(q)) != 0)
			continue;
		struct mr_dns_answer a;
		int st = mr_dns_query(d->r, q, MR_DNS_A, &a);
		if (st == MR_DNS_OK && strncmp(a.rr[0], "127.255.255.", 12) == 0) {
			mr_check_add(d->cs, name, MR_CHECK_WARN, "query this blocklist through your own "
				     "resolver (set resolver in [mailroom]); public resolvers are refused",
				     "%s refused the query (answer %s)", z, a.rr[0]);
		} else if (st == MR_DNS_OK) {
			struct mr_dns_answer t;
			char why[300] = "";
			if (mr_dns_query(d->r, q, MR_DNS_TXT, &t) == MR_DNS_OK)
				snprintf(why, sizeof(why), ": %s", t.rr[0]);
			mr_dns_answer_free(&t);
			char fix[300];
			snprintf(fix, sizeof(fix), "find why %s is listed (its delisting page names the "
				 "reason), fix it, then ask %s to delist it", d->ip, z);
			mr_check_add(d->cs, name, MR_CHECK_FAIL, fix, "%s is LISTED in %s (%s)%s", d->ip, z,
				     a.rr[0], why);
		} else if (st == MR_DNS_FAIL) {
			mr_check_add(d->cs, name, MR_CHECK_WARN, "check that the resolver can reach the "
				     "blocklist", "lookup in %s failed: %s", z, a.why);
		} else {
			mr_check_add(d->cs, name, MR_CHECK_OK, NULL, "%s is not listed in %s", d->ip, z);
		}
		mr_dns_answer_free(&a);
	}
	free(copy);
}

/* ---- bounce handling and List-Unsubscribe */
static void check_bounce(struct doc *d)
{
	if (!d->bounce) {
		mr_check_add(d->cs, "bounce-account", MR_CHECK_WARN, "add an [account-NAME] with "
			     "used_for = bounce so bounces put bad addresses on hold",
			     "no bounce account configured");
	} else {
		struct mr_error err = { 0 };
		size_t waiting = 0;
		int rc = d->bounce->ops->open(d->bounce->state, &waiting, &err);
		if (rc) {
			mr_check_add(d->cs, "bounce-account", MR_CHECK_FAIL, "fix the account (mailroom "
				     "account test NAME shows the failing step)", "[account-%s]: %s",
				     d->bounce->name, err.msg[0] ? err.msg : mr_status_name(rc));
		} else {
			d->bounce->ops->close(d->bounce->state);
			mr_check_add(d->cs, "bounce-account", MR_CHECK_OK, NULL, "[account-%s] opened, "
				     "%zu message%s waiting", d->bounce->name, waiting,
				     waiting == 1 ? "" : "s");
		}
	}
	if (!d->rp_domain[0]) {
		mr_check_add(d->cs, "verp-mx", MR_CHECK_WARN, "set domain (and localpart) in the bounce "
			     "account", "no VERP / Return-Path domain configured");
	} else {
		struct mr_dns_answer mx, a = { 0 };
		int st = mr_dns_query(d->r, d->rp_domain, MR_DNS_MX, &mx);
		if (st == MR_DNS_OK)
			mr_check_add(d->cs, "verp-mx", MR_CHECK_OK, NULL, "VERP domain %s has MX %s",
				     d->rp_domain, mx.rr[0]);
		else if (st == MR_DNS_FAIL)
			mr_check_add(d->cs, "verp-mx", MR_CHECK_WARN, "check that the resolver answers",
				     "MX lookup of VERP domain %s failed: %s", d->rp_domain, mx.why);
		else if (mr_dns_query(d->r, d->rp_domain, MR_DNS_A, &a) == MR_DNS_OK)
			mr_check_add(d->cs, "verp-mx", MR_CHECK_WARN, "publish an MX record for the VERP "
				     "domain", "VERP domain %s has no MX, only an A record %s",
				     d->rp_domain, a.rr[0]);
		else
			mr_check_add(d->cs, "verp-mx", MR_CHECK_FAIL, "publish an MX record for the VERP "
				     "domain pointing at the server of the bounce mailbox", "VERP domain "
				     "%s accepts no mail: no MX (%s)", d->rp_domain, mr_dns_status_name(st));
		mr_dns_answer_free(&a);
		mr_dns_answer_free(&mx);
	}
	const char *u = mr_config_raw(d->site->main, "unsubscribe_url");
	const struct mr_section *http = mr_config_section(d->site->cfg, "http");
	const char *base = http ? mr_config_raw(http, "base_url") : NULL;
	char from_base[1024];
	if ((!u || !*u) && base && *base) { /* rendering's default: BASE_URL/u */
		size_t bl = strlen(base);
		while (bl && base[bl - 1] == '/')
			bl--;
		snprintf(from_base, sizeof(from_base), "%.*s/u", (int)bl, base);
		u = from_base;
	}
	if (!u || !*u)
		mr_check_add(d->cs, "list-unsubscribe", MR_CHECK_WARN, "set unsubscribe_url = "
			     "https://... in [mailroom] (RFC 8058 one-click, required by Gmail and "
			     "Yahoo of bulk senders)", "no List-Unsubscribe URL configured");
	else if (strncasecmp(u, "https://", 8) == 0)
		mr_check_add(d->cs, "list-unsubscribe", MR_CHECK_OK, NULL, "one-click List-Unsubscribe "
			     "<%s> with List-Unsubscribe-Post", u);
	else
		mr_check_add(d->cs, "list-unsubscribe", MR_CHECK_WARN, "use an https:// URL: one-click "
			     "(RFC 8058) needs HTTPS", "List-Unsubscribe <%s> is not one-click", u);
}

int mr_doctor_run(struct mr_site *site, struct mr_checks *cs, struct mr_error *err)
{
	struct doc d = { .site = site, .cs = cs };
	int rc = mr_site_resolver(site->main, &d.r, err);
	if (rc)
		return rc;
	d.from = mr_config_raw(site->main, "from");
	d.from_domain = domain_of(d.from);
	d.dkim = mr_config_section(site->cfg, "dkim");
	const char *dd = d.dkim ? mr_config_raw(d.dkim, "domain") : NULL;
	snprintf(d.dkim_domain, sizeof(d.dkim_domain), "%s",
		 dd && *dd ? dd : d.from_domain ? d.from_domain : "");
	find_sending_ip(&d);
	find_helo(&d);
	find_bounce(&d);
	check_from(&d);
	check_spf(&d, "spf-from", d.from_domain, "From domain");
	check_spf(&d, "spf-return-path", d.rp_domain, "Return-Path domain");
	check_dkim(&d);
	check_dmarc(&d);
	check_rdns(&d);
	check_dnsbl(&d);
	check_bounce(&d);
	mr_doctor_check_http(site, cs);
	mr_resolver_free(d.r);
	return 0;
}
