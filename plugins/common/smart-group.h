/* SPDX-License-Identifier: MIT */
/* Smart groups: the expression language of `group add NAME --where EXPR` compiled into one SQL query over the contacts whose values are all bound parameters (compiled into both store plugins and the CLI). */
#ifndef MR_SMART_GROUP_H
#define MR_SMART_GROUP_H
#include <stddef.h>
#include <stdint.h>

enum sg_dialect { SG_SQLITE, SG_MARIADB };

#define SG_MAX_PARAMS 64

struct sg_param {
	int is_text;
	char *text;
	long long num;
};

struct sg_query {
	char *sql;                       /* "SELECT c.id FROM ... WHERE ...", ?N placeholders */
	struct sg_param p[SG_MAX_PARAMS]; /* p[i] binds ?(first + i) */
	size_t n;
	int tracking;                    /* it reads track_hits (opened, clicked) */
};

/* Compiles expr (relative dates against now, a unix time) for dialect d;
 * the first parameter is ?first.  field_known (MAY be NULL) says whether a
 * name that is no contact column is a custom field.  Returns 0, or -1 with
 * why ("column 12: ...") filled. */
int sg_compile(const char *expr, enum sg_dialect d, int64_t now, int first,
	       int (*field_known)(void *cookie, const char *name), void *cookie,
	       struct sg_query *q, char *why, size_t wn);
void sg_query_free(struct sg_query *q);
#endif
