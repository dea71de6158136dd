/* SPDX-License-Identifier: MIT */
/*
 * Updates of a batch of queue rows as one statement of the text protocol:
 * the ids in an IN list, which MariaDB reads as ranges of the primary key
 * and updates row by row as it finds them, and a value that differs by row
 * as a CASE on the id.  The UPDATE joined with a JSON_TABLE of the rows
 * that this replaces made MariaDB collect the rows in a temporary table
 * first (bench/RESULTS.md has both measured).  Texts go in as hex literals,
 * so that no byte of a server's reply is ever quoted.
 */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store-mariadb.h"

/* sent rows per statement at most: a CASE is read from its first branch on */
#define MD_BATCH_ROWS 256
/* leased ids per statement at most (no CASE: only the IN list grows) */
#define MD_LEASE_ROWS 1024

struct sql_text {
	char *b;
	size_t len, cap;
	int oom;
};

/* Room for want more bytes and a NUL (0), or q->oom set (-1). */
static int reserve(struct sql_text *q, size_t want)
{
	if (q->oom)
		return -1;
	if (q->len + want < q->cap)
		return 0;
	size_t cap = q->cap ? q->cap : 8192;
	while (cap <= q->len + want)
		cap *= 2;
	char *b = realloc(q->b, cap);
	if (!b) {
		q->oom = 1;
		return -1;
	}
	q->b = b;
	q->cap = cap;
	return 0;
}

/* Appends a formatted piece: formatted once into the room left, a second
 * time only when it did not fit. */
static void add(struct sql_text *q, const char *fmt, ...)
{
	if (reserve(q, 64) != 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(q->b + q->len, q->cap - q->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		q->oom = 1;
		return;
	}
	if (q->len + (size_t)n >= q->cap) {
		if (reserve(q, (size_t)n) != 0)
			return;
		va_start(ap, fmt);
		vsnprintf(q->b + q->len, q->cap - q->len, fmt, ap);
		va_end(ap);
	}
	q->len += (size_t)n;
}

/* text as a utf8mb4 string from a hex literal, or NULL */
static void add_text(struct sql_text *q, const char *text)
{
	static const char digits[] = "0123456789ABCDEF";
	if (!text) {
		add(q, "NULL");
		return;
	}
	add(q, "CONVERT(X'");
	if (reserve(q, 2 * strlen(text)) != 0)
		return;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		q->b[q->len++] = digits[*p >> 4];
		q->b[q->len++] = digits[*p & 15];
	}
	q->b[q->len] = '\0';
	add(q, "' USING utf8mb4)");
}

static void add_ids(struct sql_text *q, const int64_t *ids, size_t n)
{
	add(q, " WHERE id IN (");
	for (size_t i = 0; i < n; i++)
		add(q, "%s%lld", i ? "," : "", (long long)ids[i]);
	add(q, ")");
}

/* The columns of a sent row that come from its outcome. */
enum sent_col { SENT_AT, SENT_CODE, SENT_ENHANCED, SENT_TEXT, SENT_COLS };
static const char *const sent_col_names[SENT_COLS] = { "sent_at", "last_code", "last_enhanced",
						       "last_text" };

static const char *enhanced_of(const struct mr_queue_outcome *o)
{
	return o->enhanced && *o->enhanced ? o->enhanced : NULL;
}

static int same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int same(enum sent_col c, const struct mr_queue_outcome *a, const struct mr_queue_outcome *b)
{
	switch (c) {
	case SENT_AT: return a->when == b->when;
	case SENT_CODE: return a->code == b->code;
	case SENT_ENHANCED: return same_text(enhanced_of(a), enhanced_of(b));
	default: return same_text(a->text, b->text);
	}
}

static void add_value(struct sql_text *q, enum sent_col c, const struct mr_queue_outcome *o)
{
	switch (c) {
	case SENT_AT: add(q, "%lld", (long long)o->when); break;
	case SENT_CODE: o->code ? add(q, "%d", o->code) : add(q, "NULL"); break;
	case SENT_ENHANCED: add_text(q, enhanced_of(o)); break;
	default: add_text(q, o->text); break;
	}
}

static int run(struct md_state *s, struct sql_text *q, const char *what, struct mr_error *err)
{
	int rc = q->oom ? s->core->error_set(err, MR_ENOMEM, "out of memory")
			: md_exec_const(s, q->b, what, err);
	q->len = 0;
	q->oom = 0;
	return rc;
}

int md_batch_sent(struct md_state *s, const struct mr_queue_outcome *const *rows, size_t n,
		  struct mr_error *err)
{
	struct sql_text q = { 0 };
	int64_t ids[MD_BATCH_ROWS];
	int rc = 0;
	for (size_t at = 0; at < n && rc == 0; at += MD_BATCH_ROWS) {
		const struct mr_queue_outcome *const *r = rows + at;
		size_t k = n - at < MD_BATCH_ROWS ? n - at : MD_BATCH_ROWS;
		add(&q, "UPDATE mailing_recipients SET state = 'sent', lease_owner = NULL, "
			"lease_expires = NULL, reply_room = NULL");
		for (int c = 0; c < SENT_COLS; c++) {
			size_t i = 1;
			while (i < k && same((enum sent_col)c, r[0], r[i]))
				i++;
			add(&q, ", %s = ", sent_col_names[c]);
			if (i == k) { /* the whole batch has one value */
				add_value(&q, (enum sent_col)c, r[0]);
				continue;
			}
			add(&q, "CASE id");
			for (i = 0; i < k; i++) {
				add(&q, " WHEN %lld THEN ", (long long)r[i]->queue_id);
				add_value(&q, (enum sent_col)c, r[i]);
			}
			add(&q, " END");
		}
		for (size_t i = 0; i < k; i++)
			ids[i] = r[i]->queue_id;
		add_ids(&q, ids, k);
		rc = run(s, &q, "recording sent recipients", err);
	}
	free(q.b);
	return rc;
}

int md_batch_lease(struct md_state *s, const int64_t *ids, size_t n, const char *owner,
		   int64_t until, struct mr_error *err)
{
	struct sql_text q = { 0 };
	int rc = 0;
	for (size_t at = 0; at < n && rc == 0; at += MD_LEASE_ROWS) {
		size_t k = n - at < MD_LEASE_ROWS ? n - at : MD_LEASE_ROWS;
		add(&q, "UPDATE mailing_recipients SET state = 'leased', lease_owner = ");
		add_text(&q, owner);
		add(&q, ", lease_expires = %lld, attempts = attempts + 1", (long long)until);
		add_ids(&q, ids + at, k);
		add(&q, " AND state IN ('queued', 'retry')");
		rc = run(s, &q, "leasing recipients", err);
	}
	free(q.b);
	return rc;
}
