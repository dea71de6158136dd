/* SPDX-License-Identifier: MIT */
/* The deliverability doctor's frame: the list of check results, the site's resolver, organizational domains. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mr.h"
#include "doctor.h"

const char *mr_check_verdict_name(enum mr_check_verdict v)
{
	return v == MR_CHECK_OK ? "ok" : v == MR_CHECK_WARN ? "warn" : "fail";
}

void mr_check_add(struct mr_checks *cs, const char *name, enum mr_check_verdict v, const char *fix,
		  const char *fmt, ...)
{
	struct mr_check *c = realloc(cs->c, (cs->n + 1) * sizeof(*c));
	if (!c)
		return;
	cs->c = c;
	c = &cs->c[cs->n];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->verdict = v;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&c->detail, fmt, ap) < 0)
		c->detail = NULL;
	va_end(ap);
	c->fix = fix && v != MR_CHECK_OK ? strdup(fix) : NULL;
	if (c->detail)
		cs->n++;
}

void mr_checks_free(struct mr_checks *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->c[i].detail);
		free(cs->c[i].fix);
	}
	free(cs->c);
	cs->c = NULL;
	cs->n = 0;
}

int mr_site_resolver(const struct mr_section *main, struct mr_resolver **r_r,
		     struct mr_error *err)
{
	const char *server = main ? mr_config_raw(main, "resolver") : NULL;
	int rc = mr_resolver_new(server, r_r, err);
	if (rc && main) {
		char msg[MR_ERROR_MAX];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		int line = mr_config_line(main->cfg, main->name, "resolver");
		mr_error_set(err, rc, "%s:%d: %s", main->cfg->path, line, msg);
	}
	return rc;
}

/* Second-level labels under which registrations happen one level deeper. */
static const char *const two_level[] = { "co", "com", "org", "net", "ac", "gov", "edu",
					 "ltd", "plc", "me", "or", "ne", "go", NULL };

void mr_org_domain(const char *domain, char *buf, size_t size)
{
	const char *labels[128];
	size_t n = 0;
	const char *p = domain;
	labels[n++] = p;
	while ((p = strchr(p, '.')) && n < 128)
		labels[n++] = ++p;
	size_t keep = 2;
	if (n >= 3) {
		size_t sl = (size_t)(labels[n - 1] - labels[n - 2]) - 1;
		for (size_t i = 0; two_level[i]; i++)
			if (strlen(two_level[i]) == sl && strncasecmp(labels[n - 2], two_level[i], sl) == 0 &&
			    strlen(labels[n - 1]) == 2)
				keep = 3;
	}
	snprintf(buf, size, "%s", n <= keep ? domain : labels[n - keep]);
	for (char *q = buf; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q + 32);
}
