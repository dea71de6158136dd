/* SPDX-License-Identifier: MIT */
/*
 * Smart groups: a recursive-descent parser of the `--where` language that
 * writes SQL from fixed fragments only; every value (string, number, date,
 * group name, mailing id, field name) becomes a bound parameter.
 *
 *   expr    := and ("or" and)*
 *   and     := unary ("and" unary)*
 *   unary   := "not" unary | "(" expr ")" | test
 *   test    := "in" "group" STRING | ("received"|"opened"|"clicked") "mailing" NUMBER
 *            | NAME OP value | NAME "contains" STRING
 *   OP      := = | != | <> | < | <= | > | >=
 *   value   := STRING | NUMBER | DATE (YYYY-MM-DD) | now [(+|-) NUMBER (d|w|m|y)]
 *
 * NAME is a contact column (email, first_name, last_name, display_name,
 * contact_type, on_hold, do_not_email, is_opt_out, created, modified) or a
 * custom field; "not in group G" is "not (in group G)".  "opened" and
 * "clicked" read the tracking table track_hits (an open pixel or a click
 * link hit of one of the mailing's recipients): the query says so in
 * q->tracking, so that the store can make sure that table exists.
 */
#include "config.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "smart-group.h"

enum tk { T_END, T_NAME, T_STRING, T_NUMBER, T_DATE, T_NOW, T_OP, T_LP, T_RP, T_BAD };

struct parser {
	const char *src, *p;
	enum sg_dialect d;
	int64_t now;
	int first;
	int (*field_known)(void *, const char *);
	void *cookie;
	struct sg_query *q;
	char *out;
	size_t len, cap;
	int failed;
	char *why;
	size_t wn;
	/* the current token */
	enum tk t;
	const char *start;
	char text[512];
	long long num;
	int depth;
};

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	if (ps->failed)
		return -1;
	ps->failed = 1;
	int n = snprintf(ps->why, ps->wn, "column %d: ", (int)(at - ps->src) + 1);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->wn)
		vsnprintf(ps->why + n, ps->wn - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void emit(struct parser *ps, const char *s)
{
	size_t n = strlen(s);
	if (ps->len + n + 1 > ps->cap) {
		size_t nc = (ps->len + n + 1) * 2;
		char *no = realloc(ps->out, nc);
		if (!no) {
			fail(ps, ps->p, "out of memory");
			return;
		}
		ps->out = no;
		ps->cap = nc;
	}
	memcpy(ps->out + ps->len, s, n + 1);
	ps->len += n;
}

/* Emits "?N" for a new parameter. */
static void param(struct parser *ps, int is_text, const char *text, long long num)
{
	if (ps->q->n == SG_MAX_PARAMS) {
		fail(ps, ps->start, "more than %d values", SG_MAX_PARAMS);
		return;
	}
	struct sg_param *p = &ps->q->p[ps->q->n];
	p->is_text = is_text;
	p->num = num;
	if (is_text && !(p->text = strdup(text))) {
		fail(ps, ps->start, "out of memory");
		return;
	}
	char ph[16];
	snprintf(ph, sizeof(ph), "?%d", ps->first + (int)ps->q->n++);
	emit(ps, ph);
}

static void next(struct parser *ps)
{
	const char *p = ps->p;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	ps->start = p;
	ps->text[0] = '\0';
	if (!*p) {
		ps->t = T_END;
	} else if (*p == '(' || *p == ')') {
		ps->t = *p == '(' ? T_LP : T_RP;
		p++;
	} else if (*p == '\'' || *p == '"') {
		char q = *p++;
		size_t n = 0;
		for (;;) {
			if (!*p) {
				fail(ps, ps->start, "a string without its closing %c", q);
				ps->t = T_BAD;
				break;
			}
			if (*p == q && p[1] == q) {
				p++;
			} else if (*p == q) {
				p++;
				ps->t = T_STRING;
				break;
			}
			if (n + 1 >= sizeof(ps->text)) {
				fail(ps, ps->start, "a string longer than %zu bytes", sizeof(ps->text) - 1);
				ps->t = T_BAD;
				break;
			}
			ps->text[n++] = *p++;
		}
		ps->text[n] = '\0';
	} else if (isdigit((unsigned char)*p) || (*p == '-' && isdigit((unsigned char)p[1]))) {
		const char *s = p;
		if (*p == '-')
			p++;
		while (isdigit((unsigned char)*p))
			p++;
		int y, m, dd;
		char tail;
		if (*s != '-' && p - s == 4 && *p == '-' &&
		    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) >= 3 && isdigit((unsigned char)s[9]) &&
		    !isalnum((unsigned char)s[10]) && m >= 1 && m <= 12 && dd >= 1 && dd <= 31) {
			p = s + 10;
			snprintf(ps->text, sizeof(ps->text), "%.10s", s);
			ps->t = T_DATE;
		} else {
			if (p - s > 18) {
				fail(ps, s, "a number too large");
				ps->t = T_BAD;
			} else {
				ps->num = strtoll(s, NULL, 10);
				snprintf(ps->text, sizeof(ps->text), "%.*s", (int)(p - s), s);
				ps->t = T_NUMBER;
			}
		}
	} else if (isalpha((unsigned char)*p) || *p == '_') {
		size_t n = 0;
		while ((isalnum((unsigned char)*p) || *p == '_') && n + 1 < sizeof(ps->text))
			ps->text[n++] = (char)tolower((unsigned char)*p++);
		ps->text[n] = '\0';
		ps->t = strcmp(ps->text, "now") == 0 ? T_NOW : T_NAME;
	} else if (strchr("=!<>", *p)) {
		size_t n = 0;
		while (strchr("=!<>", *p) && *p && n < 2)
			ps->text[n++] = *p++;
		ps->text[n] = '\0';
		static const char *const ops[] = { "=", "!=", "<>", "<", "<=", ">", ">=" };
		ps->t = T_BAD;
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (strcmp(ps->text, ops[i]) == 0)
				ps->t = T_OP;
		if (ps->t == T_BAD)
			fail(ps, ps->start, "unknown operator \"%s\"", ps->text);
	} else {
		fail(ps, p, "unexpected character '%c'", *p);
		ps->t = T_BAD;
	}
	ps->p = p;
}

static int is_word(const struct parser *ps, const char *w)
{
	return ps->t == T_NAME && strcmp(ps->text, w) == 0;
}

static void expect_word(struct parser *ps, const char *w)
{
	if (!is_word(ps, w))
		fail(ps, ps->start, "\"%s\" expected", w);
	else
		next(ps);
}

/* A value after an operator: its text form (dates as YYYY-MM-DD) and, for
 * numbers and dates, a number (dates as unix time at 00:00 UTC). */
struct value {
	int numeric;      /* a NUMBER */
	int date;         /* a DATE or now... */
	char text[512];
	long long num;
};

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int value(struct parser *ps, struct value *v)
{
	memset(v, 0, sizeof(*v));
	if (ps->t == T_STRING) {
		snprintf(v->text, sizeof(v->text), "%s", ps->text);
	} else if (ps->t == T_NUMBER) {
		v->numeric = 1;
		v->num = ps->num;
		snprintf(v->text, sizeof(v->text), "%lld", ps->num);
	} else if (ps->t == T_DATE) {
		int y, m, d;
		sscanf(ps->text, "%d-%d-%d", &y, &m, &d);
		v->date = 1;
		v->num = days_from_civil(y, m, d) * 86400;
		snprintf(v->text, sizeof(v->text), "%s", ps->text);
	} else if (ps->t == T_NOW) {
		int64_t t = ps->now;
		const char *p = ps->p;
		while (*p == ' ')
			p++;
		if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1;
			p++;
			while (*p == ' ')
				p++;
			char *end;
			long long n = strtoll(p, &end, 10);
			if (end == p || n < 0 || n > 100000 || !strchr("dwmy", *end) || !*end ||
			    isalnum((unsigned char)end[1]))
				return fail(ps, ps->p, "now+N or now-N with N followed by d, w, m or y");
			static const int64_t unit[] = { 86400, 7 * 86400, 30 * 86400, 365 * 86400 };
			t += sign * n * unit[strchr("dwmy", *end) - "dwmy"];
			ps->p = end + 1;
		}
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		v->date = 1;
		v->num = t;
		strftime(v->text, sizeof(v->text), "%Y-%m-%d", &tm);
	} else {
		return fail(ps, ps->start, "a value expected ('text', a number, YYYY-MM-DD or now-30d)");
	}
	next(ps);
	return 0;
}

/* The SQL of a contact column, and whether it holds unix times; NULL when
 * name is none. */
static const char *column(const char *name, int *time_r, int *num_r)
{
	static const struct { const char *name, *sql; int time, num; } cols[] = {
		{ "email", "e.email", 0, 0 },
		{ "first_name", "coalesce(c.first_name, '')", 0, 0 },
		{ "last_name", "coalesce(c.last_name, '')", 0, 0 },
		{ "display_name", "coalesce(c.display_name, '')", 0, 0 },
		{ "contact_type", "c.contact_type", 0, 0 },
		{ "on_hold", "e.on_hold", 0, 1 },
		{ "do_not_email", "c.do_not_email", 0, 1 },
		{ "is_opt_out", "c.is_opt_out", 0, 1 },
		{ "created", "c.created", 1, 1 },
		{ "modified", "c.modified", 1, 1 },
	};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (strcmp(name, cols[i].name) == 0) {
			*time_r = cols[i].time;
			*num_r = cols[i].num;
			return cols[i].sql;
		}
	return NULL;
}

static void expr(struct parser *ps);

/* NAME OP value | NAME contains STRING */
static void comparison(struct parser *ps)
{
	char name[sizeof(ps->text)];
	const char *name_at = ps->start;
	snprintf(name, sizeof(name), "%s", ps->text);
	next(ps);
	int is_time = 0, is_num = 0;
	const char *col = column(name, &is_time, &is_num);
	if (!col && ps->field_known && !ps->field_known(ps->cookie, name)) {
		fail(ps, name_at, "\"%s\" is neither a contact column nor a custom field", name);
		return;
	}
	int contains = is_word(ps, "contains");
	char op[4] = "";
	if (!contains && ps->t != T_OP) {
		fail(ps, ps->start, "an operator (=, !=, <, <=, >, >=, contains) expected after \"%s\"",
		     name);
		return;
	}
	snprintf(op, sizeof(op), "%.3s", strcmp(ps->text, "!=") == 0 ? "<>" : ps->text);
	const char *op_at = ps->start;
	next(ps);
	struct value v;
	if (value(ps, &v) != 0)
		return;
	if (contains && (v.numeric || v.date)) {
		fail(ps, op_at, "contains takes a 'string'");
		return;
	}
	if (col && is_num && !v.numeric && !v.date) {
		fail(ps, op_at, "\"%s\" is a number: compare it with a number", name);
		return;
	}
	if (col && !is_num && (v.numeric || v.date) && !contains) {
		/* a text column compared with a number or date: as text */
		v.numeric = v.date = 0;
	}
	/* the left side */
	const char *cast = ps->d == SG_SQLITE ? "CAST(v.value AS INTEGER)" : "CAST(v.value AS SIGNED)";
	if (!col) {
		emit(ps, "EXISTS (SELECT 1 FROM contact_values v WHERE v.contact_id = c.id AND "
		     "v.field_id = (SELECT id FROM custom_fields WHERE name = ");
		param(ps, 1, name, 0);
		emit(ps, ") AND ");
		col = v.numeric ? cast : "v.value";
	}
	if (contains) {
		emit(ps, ps->d == SG_SQLITE ? "instr(" : "LOCATE(");
		if (ps->d == SG_SQLITE) {
			emit(ps, col);
			emit(ps, ", ");
			param(ps, 1, v.text, 0);
		} else {
			param(ps, 1, v.text, 0);
			emit(ps, ", ");
			emit(ps, col);
		}
		emit(ps, ") > 0");
	} else {
		emit(ps, col);
		emit(ps, " ");
		emit(ps, op);
		emit(ps, " ");
		if (is_time || v.numeric)
			param(ps, 0, NULL, v.num);
		else
			param(ps, 1, v.text, 0);
	}
	if (strncmp(col, "CAST", 4) == 0 || strcmp(col, "v.value") == 0)
		emit(ps, ")");
}

static void test(struct parser *ps)
{
	if (is_word(ps, "in")) {
		next(ps);
		expect_word(ps, "group");
		if (ps->t != T_STRING && ps->t != T_NAME) {
			fail(ps, ps->start, "a group name expected after \"in group\"");
			return;
		}
		emit(ps, "c.id IN (SELECT gc.contact_id FROM group_contact gc JOIN contact_groups g "
		     "ON g.id = gc.group_id WHERE gc.status = 'Added' AND g.name = ");
		param(ps, 1, ps->text, 0);
		emit(ps, ")");
		next(ps);
	} else if (is_word(ps, "received") || is_word(ps, "opened") || is_word(ps, "clicked")) {
		const char *verb = is_word(ps, "received") ? "received" :
				   is_word(ps, "opened") ? "opened" : "clicked";
		next(ps);
		expect_word(ps, "mailing");
		if (ps->t != T_NUMBER || ps->num <= 0) {
			fail(ps, ps->start, "a mailing id expected after \"%s mailing\"", verb);
			return;
		}
		if (verb[0] == 'r') {
			emit(ps, "c.id IN (SELECT r.contact_id FROM mailing_recipients r JOIN "
			     "mailing_jobs j ON j.id = r.job_id WHERE r.state = 'sent' AND "
			     "j.mailing_id = ");
		} else {
			/* kind: 1 an open (the pixel), 2 a click (enum mr_track_kind) */
			emit(ps, verb[0] == 'o' ?
			     "c.id IN (SELECT r.contact_id FROM track_hits h JOIN mailing_recipients r "
			     "ON r.id = h.queue_id JOIN mailing_jobs j ON j.id = r.job_id WHERE "
			     "h.kind = 1 AND j.mailing_id = " :
			     "c.id IN (SELECT r.contact_id FROM track_hits h JOIN mailing_recipients r "
			     "ON r.id = h.queue_id JOIN mailing_jobs j ON j.id = r.job_id WHERE "
			     "h.kind = 2 AND j.mailing_id = ");
			ps->q->tracking = 1;
		}
		param(ps, 0, NULL, ps->num);
		emit(ps, ")");
		next(ps);
	} else if (ps->t == T_NAME && !is_word(ps, "and") && !is_word(ps, "or")) {
		comparison(ps);
	} else if (ps->t == T_END) {
		fail(ps, ps->start, "the expression ends too early");
	} else {
		fail(ps, ps->start, "a test expected (NAME OP value, in group, received mailing, "
		     "opened mailing, clicked mailing)");
	}
}

static void unary(struct parser *ps)
{
	if (++ps->depth > 64) {
		fail(ps, ps->start, "nested too deep");
		return;
	}
	if (is_word(ps, "not")) {
		next(ps);
		emit(ps, "NOT (");
		unary(ps);
		emit(ps, ")");
	} else if (ps->t == T_LP) {
		next(ps);
		emit(ps, "(");
		expr(ps);
		emit(ps, ")");
		if (ps->t != T_RP)
			fail(ps, ps->start, "')' expected");
		else
			next(ps);
	} else {
		test(ps);
	}
	ps->depth--;
}

static void and_expr(struct parser *ps)
{
	unary(ps);
	while (!ps->failed && is_word(ps, "and")) {
		next(ps);
		emit(ps, " AND ");
		unary(ps);
	}
}

static void expr(struct parser *ps)
{
	and_expr(ps);
	while (!ps->failed && is_word(ps, "or")) {
		next(ps);
		emit(ps, " OR ");
		and_expr(ps);
	}
}

int sg_compile(const char *src, enum sg_dialect d, int64_t now, int first,
	       int (*field_known)(void *cookie, const char *name), void *cookie,
	       struct sg_query *q, char *why, size_t wn)
{
	memset(q, 0, sizeof(*q));
	struct parser ps = { .src = src, .p = src, .d = d, .now = now, .first = first,
			     .field_known = field_known, .cookie = cookie, .q = q, .why = why,
			     .wn = wn };
	emit(&ps, "SELECT c.id FROM contacts c JOIN emails e ON e.contact_id = c.id "
	     "AND e.is_primary = 1 WHERE c.is_deleted = 0 AND (");
	next(&ps);
	expr(&ps);
	if (!ps.failed && ps.t != T_END)
		fail(&ps, ps.start, "unexpected \"%.*s\" (and, or or the end expected)",
		     (int)strcspn(ps.start, " \t()"), ps.start);
	emit(&ps, ")");
	if (ps.failed) {
		free(ps.out);
		sg_query_free(q);
		return -1;
	}
	q->sql = ps.out;
	return 0;
}

void sg_query_free(struct sg_query *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->p[i].text);
	free(q->sql);
	memset(q, 0, sizeof(*q));
}
