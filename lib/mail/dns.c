/* SPDX-License-Identifier: MIT */
/* DNS queries through libresolv's res_nquery on a private res_state: the system resolver, or one configured HOST:PORT server. */
#include "config.h"
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mail-internal.h"

struct mr_resolver {
	struct __res_state rs;
	char name[80];
	int timeouts; /* queries that got no answer in time; at 2 we stop asking */
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The server address of "IPV4[:PORT]", "[IPV6][:PORT]" or a bare "IPV6"
 * (port 53 when none is given) into *ss. */
static int parse_server(const char *server, struct sockaddr_storage *ss, struct mr_error *err)
{
	char host[64];
	const char *h = server, *port_s = NULL;
	size_t hl;
	int v6;
	if (*server == '[') {
		const char *close = strchr(server, ']');
		if (!close || (close[1] && close[1] != ':'))
			return mail_error_set(err, MR_ECONFIG, "resolver '%s': want [IPV6]:PORT",
					      server);
		h = server + 1;
		hl = (size_t)(close - h);
		port_s = close[1] ? close + 2 : NULL;
		v6 = 1;
	} else if (strchr(server, ':') != strrchr(server, ':')) {
		hl = strlen(server); /* a bare IPv6 address */
		v6 = 1;
	} else {
		const char *colon = strchr(server, ':');
		hl = colon ? (size_t)(colon - server) : strlen(server);
		port_s = colon ? colon + 1 : NULL;
		v6 = 0;
	}
	if (hl == 0 || hl >= sizeof(host))
		return mail_error_set(err, MR_ECONFIG, "resolver '%s': want IPV4:PORT or "
				      "[IPV6]:PORT", server);
	memcpy(host, h, hl);
	host[hl] = 0;
	long port = 53;
	if (port_s) {
		char *end;
		port = strtol(port_s, &end, 10);
		if (!*port_s || *end || port < 1 || port > 65535)
			return mail_error_set(err, MR_ECONFIG, "resolver '%s': bad port '%s'", server,
					      port_s);
	}
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &sin->sin_addr) == 1)
			return 0;
	}
	return mail_error_set(err, MR_ECONFIG, "resolver '%s': '%s' is not an IP%s address "
			      "(a resolver is given by address, not by name)", server, host,
			      v6 ? "v6" : "v4");
}

/* Makes ss the one server of rs.  An IPv6 server goes where glibc's
 * res_send looks for one (_u._ext.nsaddrs, with nsaddr_list's family 0);
 * that copy is malloc'ed, and res_nclose frees it. */
static int use_server(struct __res_state *rs, const struct sockaddr_storage *ss)
{
	rs->nscount = 1;
	if (ss->ss_family == AF_INET) {
		rs->nsaddr_list[0] = *(const struct sockaddr_in *)ss;
		return 0;
	}
	struct sockaddr_in6 *sin6 = malloc(sizeof(*sin6));
	if (!sin6)
		return -1;
	*sin6 = *(const struct sockaddr_in6 *)ss;
	free(rs->_u._ext.nsaddrs[0]);
	rs->_u._ext.nsaddrs[0] = sin6;
	memset(&rs->nsaddr_list[0], 0, sizeof(rs->nsaddr_list[0]));
	return 0;
}

int mr_resolver_new(const char *server, struct mr_resolver **r_r, struct mr_error *err)
{
	*r_r = NULL;
	struct mr_resolver *r = calloc(1, sizeof(*r));
	if (!r)
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	struct sockaddr_storage ss;
	if (server && *server) {
		int rc = parse_server(server, &ss, err);
		if (rc) {
			free(r);
			return rc;
		}
	}
	if (res_ninit(&r->rs) != 0) {
		free(r);
		return mail_error_set(err, MR_ECONFIG, "cannot initialise the resolver "
				    "(/etc/resolv.conf)");
	}
	r->rs.retrans = 2;
	r->rs.retry = 2;
	if (server && *server) {
		if (use_server(&r->rs, &ss) != 0) {
			mr_resolver_free(r);
			return mail_error_set(err, MR_ENOMEM, "out of memory");
		}
		snprintf(r->name, sizeof(r->name), "%s", server);
	} else {
		snprintf(r->name, sizeof(r->name), "the system resolver");
	}
	*r_r = r;
	return 0;
}

void mr_resolver_free(struct mr_resolver *r)
{
	if (!r)
		return;
	res_nclose(&r->rs);
	free(r);
}

const char *mr_resolver_name(const struct mr_resolver *r)
{
	return r->name;
}

const char *mr_dns_status_name(enum mr_dns_status s)
{
	switch (s) {
	case MR_DNS_OK: return "ok";
	case MR_DNS_NXDOMAIN: return "NXDOMAIN";
	case MR_DNS_NODATA: return "no records";
	default: return "failed";
	}
}

void mr_dns_answer_free(struct mr_dns_answer *ans)
{
	for (size_t i = 0; i < ans->n; i++)
		free(ans->rr[i]);
	free(ans->rr);
	free(ans->pref);
	ans->rr = NULL;
	ans->pref = NULL;
	ans->n = 0;
}

static int add_rr(struct mr_dns_answer *ans, char *text, int pref)
{
	if (!text)
		return -1;
	char **rr = realloc(ans->rr, (ans->n + 1) * sizeof(*rr));
	if (!rr) {
		free(text);
		return -1;
	}
	ans->rr = rr;
	int *p = realloc(ans->pref, (ans->n + 1) * sizeof(*p));
	if (!p) {
		free(text);
		return -1;
	}
	ans->pref = p;
	ans->rr[ans->n] = text;
	ans->pref[ans->n++] = pref;
	return 0;
}

/* Text of one record's data; NULL when it cannot be read. */
static char *rr_text(ns_msg *msg, ns_rr *rr, int type, int *pref_r)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t len = ns_rr_rdlen(*rr);
	char buf[NS_MAXDNAME + 8];
	*pref_r = 0;
	switch (type) {
	case MR_DNS_A:
		if (len != 4 || !inet_ntop(AF_INET, rd, buf, sizeof(buf)))
			return NULL;
		return strdup(buf);
	case MR_DNS_AAAA:
		if (len != 16 || !inet_ntop(AF_INET6, rd, buf, sizeof(buf)))
			return NULL;
		return strdup(buf);
	case MR_DNS_MX:
		if (len < 3)
			return NULL;
		*pref_r = (rd[0] << 8) | rd[1];
		rd += 2;
		/* fall through */
	case MR_DNS_PTR:
		if (ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), rd, buf, sizeof(buf)) < 0)
			return NULL;
		return strdup(buf);
	case MR_DNS_TXT: {
		char *out = malloc(len + 1);
		size_t o = 0;
		if (!out)
			return NULL;
		for (size_t i = 0; i < len;) {
			size_t sl = rd[i++];
			if (i + sl > len) {
				free(out);
				return NULL;
			}
			for (size_t k = 0; k < sl; k++)
				out[o++] = rd[i + k] ? (char)rd[i + k] : '?';
			i += sl;
		}
		out[o] = 0;
		return out;
	}
	default:
		return NULL;
	}
}

int mr_dns_query(struct mr_resolver *r, const char *name, int type, struct mr_dns_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	unsigned char buf[8192];
	if (r->timeouts >= 2) {
		ans->status = MR_DNS_FAIL;
		snprintf(ans->why, sizeof(ans->why), "%s does not answer (not asked again after two "
			 "timeouts)", r->name);
		return ans->status;
	}
	double t0 = now_seconds();
	int n = res_nquery(&r->rs, name, ns_c_in, type, buf, sizeof(buf));
	if (n < 0 && r->rs.res_h_errno == TRY_AGAIN && now_seconds() - t0 >= r->rs.retrans)
		r->timeouts++;
	if (n < 0) {
		switch (r->rs.res_h_errno) {
		case HOST_NOT_FOUND: ans->status = MR_DNS_NXDOMAIN; break;
		case NO_DATA: ans->status = MR_DNS_NODATA; break;
		case TRY_AGAIN:
			ans->status = MR_DNS_FAIL;
			snprintf(ans->why, sizeof(ans->why), "no answer from %s (timeout or SERVFAIL)",
				 r->name);
			break;
		default:
			ans->status = MR_DNS_FAIL;
			snprintf(ans->why, sizeof(ans->why), "%s refused or could not answer",
				 r->name);
		}
		return ans->status;
	}
	ns_msg msg;
	if (ns_initparse(buf, n > (int)sizeof(buf) ? (int)sizeof(buf) : n, &msg) < 0) {
		ans->status = MR_DNS_FAIL;
		snprintf(ans->why, sizeof(ans->why), "unreadable answer from %s", r->name);
		return ans->status;
	}
	int count = ns_msg_count(msg, ns_s_an);
	for (int i = 0; i < count; i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			break;
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
			continue;
		int pref;
		char *t = rr_text(&msg, &rr, type, &pref);
		if (!t)
			continue;
		if (ans->n == 0 || ns_rr_ttl(rr) < ans->ttl)
			ans->ttl = ns_rr_ttl(rr);
		if (add_rr(ans, t, pref) != 0) {
			mr_dns_answer_free(ans);
			ans->status = MR_DNS_FAIL;
			snprintf(ans->why, sizeof(ans->why), "out of memory");
			return ans->status;
		}
	}
	ans->status = ans->n ? MR_DNS_OK : MR_DNS_NODATA;
	return ans->status;
}

int mr_dns_reverse_name(const char *ip, const char *suffix, char *buf, size_t size)
{
	unsigned char a[16];
	size_t o = 0;
	buf[0] = 0;
	if (inet_pton(AF_INET, ip, a) == 1) {
		int n = snprintf(buf, size, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0],
				 suffix ? suffix : "in-addr.arpa");
		return n < 0 || (size_t)n >= size ? -1 : 0;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		if (o + 4 >= size)
			return -1;
		buf[o++] = hex[a[i] & 15];
		buf[o++] = '.';
		buf[o++] = hex[a[i] >> 4];
		buf[o++] = '.';
	}
	int n = snprintf(buf + o, size - o, "%s", suffix ? suffix : "ip6.arpa");
	return n < 0 || (size_t)n >= size - o ? -1 : 0;
}
