/* SPDX-License-Identifier: MIT */
/* SPF (RFC 7208) evaluation with libspf2, whose DNS layer is replaced by one that asks mailroom's resolver (so [mailroom] resolver applies to SPF too). */
#include "config.h"
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <spf2/spf_dns_rr.h>
#include "mr.h"
#include "doctor.h"

/* libspf2's DNS lookup slot: one query through our resolver, the answer
 * copied into the record set libspf2 expects (A/AAAA binary, names and TXT
 * as strings). */
static SPF_dns_rr_t *spf_lookup(SPF_dns_server_t *srv, const char *domain, ns_type type,
				int should_cache)
{
	(void)should_cache;
	struct mr_resolver *r = srv->hook;
	struct mr_dns_answer ans;
	mr_dns_query(r, domain, (int)type, &ans);
	SPF_dns_stat_t herr = ans.status == MR_DNS_OK ? NETDB_SUCCESS :
			      ans.status == MR_DNS_NXDOMAIN ? HOST_NOT_FOUND :
			      ans.status == MR_DNS_NODATA ? NO_DATA : TRY_AGAIN;
	SPF_dns_rr_t *rr = SPF_dns_rr_new_init(srv, domain, type, (int)ans.ttl, herr);
	if (!rr) {
		mr_dns_answer_free(&ans);
		return NULL;
	}
	int n = 0;
	for (size_t i = 0; i < ans.n; i++) {
		const char *t = ans.rr[i];
		if (type == ns_t_a || type == ns_t_aaaa) {
			size_t sz = type == ns_t_a ? sizeof(struct in_addr) : sizeof(struct in6_addr);
			if (SPF_dns_rr_buf_realloc(rr, n, sz) != SPF_E_SUCCESS)
				break;
			if (inet_pton(type == ns_t_a ? AF_INET : AF_INET6, t,
				      type == ns_t_a ? (void *)&rr->rr[n]->a : (void *)&rr->rr[n]->aaaa) != 1)
				continue;
		} else {
			if (SPF_dns_rr_buf_realloc(rr, n, strlen(t) + 1) != SPF_E_SUCCESS)
				break;
			memcpy(rr->rr[n]->txt, t, strlen(t) + 1);
		}
		n++;
	}
	rr->num_rr = n;
	if (n == 0 && herr == NETDB_SUCCESS)
		rr->herrno = NO_DATA;
	mr_dns_answer_free(&ans);
	return rr;
}

/* The v=spf1 TXT record of domain, for showing; "" when none. */
static void find_record(struct mr_resolver *r, const char *domain, char *buf, size_t size)
{
	struct mr_dns_answer ans;
	buf[0] = 0;
	if (mr_dns_query(r, domain, MR_DNS_TXT, &ans) == MR_DNS_OK) {
		for (size_t i = 0; i < ans.n; i++) {
			if (strncasecmp(ans.rr[i], "v=spf1", 6) == 0 &&
			    (ans.rr[i][6] == 0 || ans.rr[i][6] == ' ')) {
				if (buf[0]) {
					snprintf(buf, size, "(more than one v=spf1 record)");
					break;
				}
				snprintf(buf, size, "%s", ans.rr[i]);
			}
		}
	}
	mr_dns_answer_free(&ans);
}

/* The DNS-querying terms (include, a, mx, ptr, exists, redirect) of
 * domain's SPF record and of every record it includes or redirects to,
 * counted over the whole tree as RFC 7208 4.6.4 limits them to 10 (libspf2
 * counts per record only).  Stops counting at 50 or depth 20 (loops). */
static void spf_count(struct mr_resolver *r, const char *domain, int depth, int *count)
{
	char rec[512];
	if (depth > 20 || *count > 50)
		return;
	find_record(r, domain, rec, sizeof(rec));
	char *save = NULL;
	for (char *t = strtok_r(rec, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (*t == '+' || *t == '-' || *t == '~' || *t == '?')
			t++;
		const char *target = NULL;
		if (strncasecmp(t, "include:", 8) == 0)
			target = t + 8;
		else if (strncasecmp(t, "redirect=", 9) == 0)
			target = t + 9;
		else if (!(strcasecmp(t, "a") == 0 || strncasecmp(t, "a:", 2) == 0 ||
			   strncasecmp(t, "a/", 2) == 0 || strcasecmp(t, "mx") == 0 ||
			   strncasecmp(t, "mx:", 3) == 0 || strncasecmp(t, "mx/", 3) == 0 ||
			   strcasecmp(t, "ptr") == 0 || strncasecmp(t, "ptr:", 4) == 0 ||
			   strncasecmp(t, "exists:", 7) == 0))
			continue;
		(*count)++;
		if (target && !strchr(target, '%')) {
			char next[256];
			snprintf(next, sizeof(next), "%s", target);
			spf_count(r, next, depth + 1, count);
		}
	}
}

int mr_spf_check(struct mr_resolver *r, const char *ip, const char *domain, const char *helo,
		 struct mr_spf_result *res, struct mr_error *err)
{
	memset(res, 0, sizeof(*res));
	/* libspf2 prints its warnings on stdout/stderr: we report them ourselves */
	SPF_warning_handler = NULL;
	SPF_info_handler = NULL;
	SPF_debug_handler = NULL;
	SPF_dns_server_t *dns = calloc(1, sizeof(*dns));
	if (!dns)
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	dns->lookup = spf_lookup;
	dns->name = "mailroom";
	dns->hook = r;
	SPF_server_t *spf = SPF_server_new_dns(dns, 0);
	if (!spf) {
		free(dns);
		return mr_error_set(err, MR_ENOMEM, "SPF: cannot create the libspf2 server");
	}
	SPF_request_t *req = SPF_request_new(spf);
	char from[320];
	snprintf(from, sizeof(from), "postmaster@%s", domain);
	int rc = 0;
	SPF_errcode_t ec = strchr(ip, ':') ? SPF_request_set_ipv6_str(req, ip) :
			   SPF_request_set_ipv4_str(req, ip);
	if (ec != SPF_E_SUCCESS) {
		rc = mr_error_set(err, MR_EINPUT, "SPF: '%s' is not an IP address", ip);
		goto out;
	}
	if (helo && *helo)
		SPF_request_set_helo_dom(req, helo);
	if (SPF_request_set_env_from(req, from) != 0) {
		rc = mr_error_set(err, MR_EINPUT, "SPF: '%s' is not a usable sender", from);
		goto out;
	}
	SPF_response_t *resp = NULL;
	SPF_request_query_mailfrom(req, &resp);
	if (!resp) {
		rc = mr_error_set(err, MR_EINTERNAL, "SPF: libspf2 gave no response");
		goto out;
	}
	snprintf(res->result, sizeof(res->result), "%s",
		 SPF_strresult(SPF_response_result(resp)));
	if (SPF_response_result(resp) == SPF_RESULT_INVALID)
		snprintf(res->result, sizeof(res->result), "permerror");
	/* libspf2 reports a DNS timeout or SERVFAIL as permerror: RFC 7208 2.6.6
	 * calls it a temperror */
	int dns_error = SPF_response_errcode(resp) == SPF_E_DNS_ERROR;
	for (int i = 0; i < SPF_response_messages(resp); i++) {
		SPF_error_t *e = SPF_response_message(resp, i);
		if (e && SPF_error_code(e) == SPF_E_DNS_ERROR)
			dns_error = 1;
	}
	if (dns_error)
		snprintf(res->result, sizeof(res->result), "temperror");
	const char *why = NULL;
	for (int i = 0; i < SPF_response_messages(resp) && !why; i++) {
		SPF_error_t *e = SPF_response_message(resp, i);
		if (e && SPF_error_errorp(e))
			why = SPF_error_message(e);
	}
	if (!why && SPF_response_errcode(resp) != SPF_E_SUCCESS)
		why = SPF_strerror(SPF_response_errcode(resp));
	if (!why)
		why = SPF_response_get_header_comment(resp);
	snprintf(res->reason, sizeof(res->reason), "%s", why ? why : "");
	SPF_response_free(resp);
	find_record(r, domain, res->record, sizeof(res->record));
	int lookups = 0;
	spf_count(r, domain, 0, &lookups);
	if (lookups > 10 && strcmp(res->result, "permerror") != 0) {
		snprintf(res->reason, sizeof(res->reason), "%s%d DNS-querying mechanisms across "
			 "includes and redirects (RFC 7208 allows 10; receivers return permerror)",
			 lookups > 50 ? "more than " : "", lookups > 50 ? 50 : lookups);
		snprintf(res->result, sizeof(res->result), "permerror");
	}
out:
	SPF_request_free(req);
	SPF_server_free(spf);
	free(dns);
	return rc;
}
