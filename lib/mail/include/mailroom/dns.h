/* SPDX-License-Identifier: MIT */
/* DNS lookups for the deliverability doctor and inspect: the system resolver or one HOST:PORT server, answers as text. */
#ifndef MAILROOM_DNS_H
#define MAILROOM_DNS_H

#include <stddef.h>
#include <stdint.h>

struct mr_error;

/* Outcome of one query. */
enum mr_dns_status {
	MR_DNS_OK = 0,       /* records of the type were found */
	MR_DNS_NXDOMAIN = 1, /* the name does not exist */
	MR_DNS_NODATA = 2,   /* the name exists, no record of the type */
	MR_DNS_FAIL = 3      /* timeout, SERVFAIL, REFUSED, bad answer */
};

/* Record types asked for (their wire numbers). */
#define MR_DNS_A     1
#define MR_DNS_PTR   12
#define MR_DNS_MX    15
#define MR_DNS_TXT   16
#define MR_DNS_AAAA  28

/* The answer to one query: records of the asked type only, in answer order.
 * Text forms: A/AAAA as printed addresses, PTR and MX as host names without
 * the final dot (MX preference in pref[i]), TXT as its strings joined. */
struct mr_dns_answer {
	enum mr_dns_status status;
	size_t n;
	char **rr;
	int *pref;
	uint32_t ttl; /* smallest TTL of the records */
	char why[128]; /* for MR_DNS_FAIL: what went wrong */
};

struct mr_resolver;

/* A resolver using server ("HOST:PORT" or "HOST", IPv4 or [IPv6]), or the
 * system's (/etc/resolv.conf) when server is NULL or empty.  Returns 0 with
 * *r_r, or MR_ECONFIG (bad server) / MR_ENOMEM with err. */
int mr_resolver_new(const char *server, struct mr_resolver **r_r, struct mr_error *err);
void mr_resolver_free(struct mr_resolver *r);
/* "127.0.0.1:5353" or "the system resolver". */
const char *mr_resolver_name(const struct mr_resolver *r);
/* Asks for name's records of type; always fills ans (free with
 * mr_dns_answer_free).  Returns ans->status. */
int mr_dns_query(struct mr_resolver *r, const char *name, int type, struct mr_dns_answer *ans);
void mr_dns_answer_free(struct mr_dns_answer *ans);
/* The reverse name of an IPv4 or IPv6 address ("4.3.2.1.in-addr.arpa"),
 * suffix appended instead of the arpa zone when not NULL (DNSBL).  Returns 0,
 * or -1 when ip is not an address. */
int mr_dns_reverse_name(const char *ip, const char *suffix, char *buf, size_t size);
/* A short word for a status: "ok", "NXDOMAIN", "no records", "failed". */
const char *mr_dns_status_name(enum mr_dns_status s);

/* SPF (RFC 7208) through libspf2 with the same resolver (doctor-spf.c). */
#endif
