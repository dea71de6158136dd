/* SPDX-License-Identifier: MIT */
/* Mailing templates: {namespace.name|fallback} tokens compiled once into segments, expanded per recipient without re-parsing, HTML-escaped in HTML parts. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "mail-internal.h"

enum tok {
	TOK_LITERAL = 0,
	TOK_FIRST_NAME,
	TOK_LAST_NAME,
	TOK_DISPLAY_NAME,
	TOK_EMAIL,
	TOK_UNSUBSCRIBE_URL,
	TOK_OPTOUT_URL,
	TOK_DOMAIN,
	TOK_MAILING_NAME,
	TOK_MAILING_SUBJECT,
	TOK_VIEW_URL,
	TOK_RESUBSCRIBE_URL,
	TOK_DOMAIN_ADDRESS,
	TOK_CUSTOM              /* {contact.NAME} of a custom field */
};

static const struct {
	const char *name;
	enum tok tok;
} known[] = {
	{ "contact.first_name", TOK_FIRST_NAME },
	{ "contact.last_name", TOK_LAST_NAME },
	{ "contact.display_name", TOK_DISPLAY_NAME },
	{ "contact.email", TOK_EMAIL },
	{ "action.unsubscribeUrl", TOK_UNSUBSCRIBE_URL },
	{ "action.optOutUrl", TOK_OPTOUT_URL },
	{ "action.viewUrl", TOK_VIEW_URL },
	{ "domain.name", TOK_DOMAIN },
	{ "mailing.name", TOK_MAILING_NAME },
	{ "mailing.subject", TOK_MAILING_SUBJECT },
	{ "action.resubscribeUrl", TOK_RESUBSCRIBE_URL },
	{ "domain.address", TOK_DOMAIN_ADDRESS },
};

static const char *const namespaces[] = { "contact.", "action.", "domain.", "mailing." };

struct seg {
	enum tok tok;
	size_t off, len;        /* literal text, or the fallback, in text */
	int has_fallback;
	size_t name_off, name_len; /* TOK_CUSTOM: the field's name in text */
};

struct mr_tpl {
	char *text;             /* a copy of the source */
	struct seg *segs;
	size_t n, n_tokens;
};

static int add_seg(struct mr_tpl *t, size_t *cap, enum tok tok, size_t off, size_t len, int fb)
{
	if (tok == TOK_LITERAL && len == 0)
		return 0;
	if (tok == TOK_LITERAL && t->n > 0 && t->segs[t->n - 1].tok == TOK_LITERAL &&
	    t->segs[t->n - 1].off + t->segs[t->n - 1].len == off) {
		t->segs[t->n - 1].len += len; /* merge adjacent literal text */
		return 0;
	}
	if (t->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct seg *s = realloc(t->segs, nc * sizeof(*s));
		if (!s)
			return -1;
		t->segs = s;
		*cap = nc;
	}
	t->segs[t->n++] = (struct seg){ tok, off, len, fb, 0, 0 };
	if (tok != TOK_LITERAL)
		t->n_tokens++;
	return 0;
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

void mr_tpl_free(struct mr_tpl *t)
{
	if (!t)
		return;
	free(t->text);
	free(t->segs);
	free(t);
}

/* Whether the name_len bytes at name are "contact." and one of fields. */
static int custom_field(const char *name, size_t name_len, const char *const *fields, size_t n)
{
	static const char ns[] = "contact.";
	if (name_len <= sizeof(ns) - 1 || memcmp(name, ns, sizeof(ns) - 1) != 0)
		return 0;
	name += sizeof(ns) - 1;
	name_len -= sizeof(ns) - 1;
	for (size_t i = 0; i < n; i++)
		if (fields[i] && strlen(fields[i]) == name_len && memcmp(fields[i], name, name_len) == 0)
			return 1;
	return 0;
}

int mr_tpl_compile(const char *src, const char *what, struct mr_tpl **tpl_r, struct mr_error *err)
{
	return mr_tpl_compile_fields(src, what, NULL, 0, tpl_r, err);
}

int mr_tpl_compile_fields(const char *src, const char *what, const char *const *fields,
			  size_t n_fields, struct mr_tpl **tpl_r, struct mr_error *err)
{
	*tpl_r = NULL;
	struct mr_tpl *t = calloc(1, sizeof(*t));
	if (!t || !(t->text = strdup(src ? src : ""))) {
		free(t);
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	}
	const char *s = t->text;
	size_t cap = 0, lit = 0, i = 0, n = strlen(s);
	while (i < n) {
		if (s[i] != '{') {
			i++;
			continue;
		}
		int ns = -1;
		for (size_t k = 0; k < sizeof(namespaces) / sizeof(namespaces[0]); k++)
			if (strncmp(s + i + 1, namespaces[k], strlen(namespaces[k])) == 0)
				ns = (int)k;
		if (ns < 0) {
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < n && is_name_char(s[j]))
			j++;
		if (j >= n || (s[j] != '}' && s[j] != '|')) {
			i++; /* not a token after all, e.g. "{contact.x y}" */
			continue;
		}
		size_t name_len = j - i - 1;
		enum tok tok = TOK_LITERAL;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strlen(known[k].name) == name_len &&
			    memcmp(known[k].name, s + i + 1, name_len) == 0)
				tok = known[k].tok;
		if (tok == TOK_LITERAL && custom_field(s + i + 1, name_len, fields, n_fields))
			tok = TOK_CUSTOM;
		if (tok == TOK_LITERAL) {
			int line = 1, col = 1;
			for (size_t k = 0; k < i; k++) {
				if (s[k] == '\n') {
					line++;
					col = 1;
				} else {
					col++;
				}
			}
			int rc = mail_error_set(err, MR_EINPUT, "%s: unknown token {%.*s} at line %d, "
					      "column %d", what, (int)name_len, s + i + 1, line, col);
			mr_tpl_free(t);
			return rc;
		}
		size_t fb_off = 0, fb_len = 0;
		int has_fb = 0;
		size_t end = j;
		if (s[j] == '|') {
			const char *close = memchr(s + j + 1, '}', n - j - 1);
			const char *nl = memchr(s + j + 1, '\n', n - j - 1);
			if (!close || (nl && nl < close)) {
				i++;
				continue;
			}
			has_fb = 1;
			fb_off = j + 1;
			fb_len = (size_t)(close - (s + j + 1));
			end = (size_t)(close - s);
		}
		if (add_seg(t, &cap, TOK_LITERAL, lit, i - lit, 0) != 0 ||
		    add_seg(t, &cap, tok, fb_off, fb_len, has_fb) != 0) {
			mr_tpl_free(t);
			return mail_error_set(err, MR_ENOMEM, "out of memory");
		}
		if (tok == TOK_CUSTOM) {
			t->segs[t->n - 1].name_off = i + 1 + strlen("contact.");
			t->segs[t->n - 1].name_len = name_len - strlen("contact.");
		}
		i = end + 1;
		lit = i;
	}
	if (add_seg(t, &cap, TOK_LITERAL, lit, n - lit, 0) != 0) {
		mr_tpl_free(t);
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	}
	*tpl_r = t;
	return 0;
}

size_t mr_tpl_tokens(const struct mr_tpl *tpl)
{
	return tpl ? tpl->n_tokens : 0;
}

int mr_tpl_uses(const struct mr_tpl *tpl, const char *name)
{
	enum tok tok = TOK_LITERAL;
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (strcmp(known[k].name, name) == 0)
			tok = known[k].tok;
	for (size_t i = 0; tpl && tok != TOK_LITERAL && i < tpl->n; i++)
		if (tpl->segs[i].tok == tok)
			return 1;
	return 0;
}

static void add_escaped(struct mr_buf *out, const char *v, size_t n, int html)
{
	if (!html) {
		mr_buf_add(out, v, n);
		return;
	}
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (v[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		mr_buf_add(out, v + start, i - start);
		mr_buf_adds(out, rep);
		start = i + 1;
	}
	mr_buf_add(out, v + start, n - start);
}

const char *mail_custom_value(const char *fields, const char *name, size_t len, size_t *len_r)
{
	for (const char *p = fields; p && *p;) {
		const char *end = strchr(p, '\x1e'), *us = strchr(p, '\x1f');
		if (!end)
			end = p + strlen(p);
		if (us && us < end && (size_t)(us - p) == len && memcmp(p, name, len) == 0) {
			*len_r = (size_t)(end - us - 1);
			return us + 1;
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

void mr_tpl_render(const struct mr_tpl *t, const struct mr_token_values *v, int html,
		   struct mr_buf *out)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct seg *sg = &t->segs[i];
		const char *val = NULL;
		switch (sg->tok) {
		case TOK_LITERAL:
			mr_buf_add(out, t->text + sg->off, sg->len);
			continue;
		case TOK_FIRST_NAME: val = v->first_name; break;
		case TOK_LAST_NAME: val = v->last_name; break;
		case TOK_DISPLAY_NAME: val = v->display_name; break;
		case TOK_EMAIL: val = v->email; break;
		case TOK_UNSUBSCRIBE_URL: val = v->unsubscribe_url; break;
		case TOK_OPTOUT_URL: val = v->optout_url; break;
		case TOK_VIEW_URL: val = v->view_url; break;
		case TOK_DOMAIN: val = v->domain; break;
		case TOK_MAILING_NAME: val = v->mailing_name; break;
		case TOK_MAILING_SUBJECT: val = v->mailing_subject; break;
		case TOK_RESUBSCRIBE_URL: val = v->resubscribe_url; break;
		case TOK_DOMAIN_ADDRESS: val = v->domain_address; break;
		case TOK_CUSTOM: {
			size_t vl = 0;
			const char *cv = mail_custom_value(v->fields, t->text + sg->name_off, sg->name_len,
						      &vl);
			if (cv && vl) {
				add_escaped(out, cv, vl, html);
				continue;
			}
			break;
		}
		}
		if (val && *val)
			add_escaped(out, val, strlen(val), html);
		else if (sg->has_fallback)
			add_escaped(out, t->text + sg->off, sg->len, html);
	}
}
