/* SPDX-License-Identifier: MIT */
/* Internal interface of the deliverability doctor and of inspect: raw header fields, DKIM keys and signatures, the checks. */
#ifndef MR_DOCTOR_H
#define MR_DOCTOR_H

#include <stddef.h>
#include <mailroom/mail.h>

struct mr_site;
struct mr_error;

struct mr_spf_result {
	char result[16];    /* pass, fail, softfail, neutral, none, permerror, temperror */
	char record[512];   /* the v=spf1 record found for the domain, or "" */
	char reason[256];   /* libspf2's explanation / error text */
};
/* Evaluates ip against domain's SPF policy (as for MAIL FROM:<postmaster@domain>,
 * HELO helo).  Returns 0, or MR_EINPUT/MR_EINTERNAL/MR_ENOMEM with err. */
int mr_spf_check(struct mr_resolver *r, const char *ip, const char *domain, const char *helo,
		 struct mr_spf_result *res, struct mr_error *err);


/* ---- the doctor (doctor.c, doctor-checks.c) */
enum mr_check_verdict { MR_CHECK_OK = 0, MR_CHECK_WARN = 1, MR_CHECK_FAIL = 2 };
struct mr_check {
	char name[32];      /* "spf-from", "dkim", "rdns", ... */
	enum mr_check_verdict verdict;
	char *detail;       /* what was found */
	char *fix;          /* what to change, or NULL when ok */
};
struct mr_checks {
	struct mr_check *c;
	size_t n;
};
void mr_check_add(struct mr_checks *cs, const char *name, enum mr_check_verdict v, const char *fix,
		  const char *fmt, ...) MR_PRINTF(5, 6);
void mr_checks_free(struct mr_checks *cs);
const char *mr_check_verdict_name(enum mr_check_verdict v);
/* Runs every check of an opened site (accounts inited).  Returns 0, or a
 * status with err when the checks cannot run at all (bad resolver). */
int mr_doctor_run(struct mr_site *site, struct mr_checks *cs, struct mr_error *err);
/* The web check (doctor-http.c): [http] base_url answers GET /healthz with
 * mailroom serve's "ok". */
void mr_doctor_check_http(const struct mr_site *site, struct mr_checks *cs);
/* The resolver of a config's [mailroom] resolver key (NULL/"" = system). */
int mr_site_resolver(const struct mr_section *main, struct mr_resolver **r_r,
		     struct mr_error *err);

/* Organizational domain (last two labels; three when the second-level
 * label is a known public suffix like co.uk) written into buf. */
void mr_org_domain(const char *domain, char *buf, size_t size);

#endif
