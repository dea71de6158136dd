/* SPDX-License-Identifier: MIT */
/* mr_bounce_parse: from one raw message to per-recipient bounce records (DSN, non-standard text, ARF, auto-replies). */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

#define HV 1024 /* header value buffer */

/* The bare address of a header value, new string, or NULL. */
static char *hdr_addr(const char *h, size_t hl, const char *name)
{
	char v[HV];
	const char *a;
	size_t an;
	if (!hdr_get(h, hl, name, v, sizeof(v)) || !addr_find(v, v + strlen(v), &a, &an))
		return NULL;
	return addr_dup(a, an);
}

static void report_add(struct mr_bounce_report *out, const struct mr_bounce_rules *rules,
		       struct rec_build *b, const char *fallback_text, int *oom)
{
	if (!b->recipient || out->n_recs >= BN_MAX_RECS)
		return;
	for (size_t i = 0; i < out->n_recs; i++)
		if (strcmp(out->recs[i].recipient, b->recipient) == 0)
			return;
	struct mr_bounce_record *v = realloc(out->recs, (out->n_recs + 1) * sizeof(*v));
	if (!v) {
		*oom = 1;
		return;
	}
	out->recs = v;
	struct mr_bounce_record *r = &v[out->n_recs];
	memset(r, 0, sizeof(*r));
	rules_classify(rules, b, r);
	if (fallback_text && (strcmp(r->reason, "onhold") == 0 || strcmp(r->reason, "undefined") == 0)) {
		struct rec_build fb = *b;
		fb.diag = (char *)fallback_text;
		struct mr_bounce_record r2 = { 0 };
		rules_classify(rules, &fb, &r2);
		if (strcmp(r2.reason, "onhold") != 0 && strcmp(r2.reason, "undefined") != 0)
			*r = r2;
	}
	if (strcmp(r->reason, "onhold") == 0 || strcmp(r->reason, "undefined") == 0)
		rules_domain_reason(rules, b->recipient, r);
	r->recipient = b->recipient;
	b->recipient = NULL;
	r->action = b->action;
	b->action = NULL;
	r->remote_mta = b->remote_mta;
	b->remote_mta = NULL;
	if (b->diag) {
		/* one line, trimmed */
		char *d = b->diag;
		b->diag = NULL;
		size_t o = 0;
		int sp = 1;
		for (size_t k = 0; d[k]; k++) {
			char c = d[k] == '\n' || d[k] == '\t' || d[k] == '\r' ? ' ' : d[k];
			if (c == ' ' && sp)
				continue;
			sp = c == ' ';
			d[o++] = c;
		}
		while (o > 0 && d[o - 1] == ' ')
			o--;
		d[o] = 0;
		r->diagnostic = d;
	}
	out->n_recs++;
}

/* Adds a record for the address in header name of (h, hl), if any. */
static void add_header_party(struct mr_bounce_report *out, const struct mr_bounce_rules *rules,
			     const char *h, size_t hl, const char *name, int *oom)
{
	struct rec_build b = { 0 };
	b.recipient = hdr_addr(h, hl, name);
	if (b.recipient)
		report_add(out, rules, &b, NULL, oom);
	rec_build_free(&b);
}

/* Makes every record a non-delivery-failure of that reason (feedback,
 * vacation): neither hard nor soft, no status. */
static void mark_all(struct mr_bounce_report *out, const struct mr_bounce_rules *rules,
		     const char *reason)
{
	for (size_t i = 0; i < out->n_recs; i++) {
		out->recs[i].reason = reason;
		out->recs[i].hardsoft = MR_BOUNCE_NA;
		out->recs[i].status[0] = 0;
		out->recs[i].type = rules_type_of(rules, reason);
		snprintf(out->recs[i].rule, sizeof(out->recs[i].rule), "message kind: %s",
			 strcmp(reason, "feedback") == 0 ? "an ARF complaint report" : "an auto-reply");
	}
}

static void recs_free(struct rec_build *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rec_build_free(&v[i]);
	free(v);
}

/* Text of the diag found for recipient in the human-readable part. */
static const char *text_diag_for(struct rec_build *tv, size_t tn, const char *rcpt)
{
	for (size_t i = 0; i < tn; i++)
		if (tv[i].recipient && strcasecmp(tv[i].recipient, rcpt) == 0)
			return tv[i].diag;
	return NULL;
}

/* The VERP addresses of ours in text [p, e): remembers the first good one;
 * stops at the first damaged one (which then decides).  Returns 1 when a
 * damaged one was found. */
struct verp_hunt {
	const struct mr_verp_conf *conf;
	char *good;             /* the first good address, or NULL */
	const char *good_where;
	struct mr_verp good_v;
	char *bad;              /* the first damaged address, or NULL */
	const char *bad_where;
	const char *bad_why;
};

static int verp_scan(struct verp_hunt *h, const char *p, const char *e, int limit,
		     const char *where)
{
	const char *a;
	size_t an;
	struct mr_verp vp;
	const char *why = NULL;
	for (int guard = 0; guard < limit && addr_find(p, e, &a, &an); guard++, p = a + an) {
		int rc = mail_verp_check(h->conf, a, an, &vp, &why);
		if (rc == MR_ENOTFOUND)
			continue;
		if (rc == 0) {
			if (!h->good && (h->good = strndup(a, an)) != NULL) {
				h->good_where = where;
				h->good_v = vp;
			}
			continue;
		}
		/* damaged (or the HMAC could not be computed: not trusted either) */
		h->bad = strndup(a, an);
		h->bad_where = where;
		h->bad_why = why ? why : "hash could not be checked";
		return 1;
	}
	return 0;
}

/* Looks for the VERP addresses of ours: the envelope headers, the returned
 * original's headers, and only when those have none, the body.  One damaged
 * address anywhere makes the message forged: there is no falling back to
 * another address of the message. */
static void find_verp(const struct bscan *s, const char *orig, size_t orig_len,
		      const struct mr_verp_conf *conf, struct mr_bounce_report *out)
{
	if (!conf || !conf->localpart || !conf->localpart[0])
		return;
	static const char *const top[] = { "To", "Delivered-To", "X-Original-To", "Envelope-To",
					   "X-Envelope-To", "Original-Recipient" };
	static const char *const oh[] = { "Return-Path", "X-Mailroom-Id", "X-Mailroom-Return-Path",
					  "Sender", "List-Unsubscribe" };
	static const char *const oh_where[] = { "original Return-Path", "X-Mailroom-Id",
						"X-Mailroom-Return-Path", "Sender", "List-Unsubscribe" };
	char v[HV];
	struct verp_hunt h = { .conf = conf };
	int bad = 0;
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]) && !bad; i++) {
		/* every occurrence of the header (bounded), not only the first */
		for (unsigned n = 0; n < 16 && !bad &&
		     hdr_get_nth(s->buf, s->hdr_len, top[i], n, v, sizeof(v)); n++)
			bad = verp_scan(&h, v, v + strlen(v), 32, top[i]);
	}
	if (!bad && orig_len) {
		size_t body;
		size_t ohl = hdr_block(orig, orig_len, &body);
		for (size_t i = 0; i < sizeof(oh) / sizeof(oh[0]) && !bad; i++)
			if (hdr_get(orig, ohl, oh[i], v, sizeof(v)))
				bad = verp_scan(&h, v, v + strlen(v), 32, oh_where[i]);
	}
	if (!bad && !h.good)
		bad = verp_scan(&h, s->buf, s->buf + s->len, 2000, "body");
	if (bad && h.bad) {
		out->verp = h.bad;
		out->verp_found_in = h.bad_where;
		out->verp_ok = -1;
		out->verp_damage = h.bad_why;
		memset(&out->verp_parsed, 0, sizeof(out->verp_parsed));
		free(h.good);
	} else if (h.good) {
		out->verp = h.good;
		out->verp_found_in = h.good_where;
		out->verp_ok = conf->secret && conf->secret_len ? 1 : 0;
		out->verp_parsed = h.good_v;
		free(h.bad);
	} else {
		free(h.bad);
	}
}

/* The Subject, RFC 2047-decoded when it holds encoded words, into v. */
static int subject_of(const struct bscan *s, char *v, size_t size)
{
	if (!hdr_get(s->buf, s->hdr_len, "Subject", v, size))
		return 0;
	if (strstr(v, "=?")) {
		char *d = mr_mime_subject(s->buf, s->hdr_len + 1 <= s->len ? s->hdr_len + 1 : s->len);
		if (d) {
			snprintf(v, size, "%s", d);
			free(d);
		}
	}
	return 1;
}

/* An auto-reply: RFC 3834's Auto-Submitted: auto-replied, the fields that
 * auto-responders add outside it (vacation programs, procmail recipes,
 * ticket systems, iCloud's vacation), or a subject the rules call one.  The
 * fields are looked for in one pass over the header (any of a field's
 * occurrences counts); value NULL: the field's presence is enough. */
static int is_autoreply(const struct mr_bounce_rules *rules, const struct bscan *s)
{
	static const struct {
		const char *name, *value;
	} marks[] = {
		{ "Auto-Submitted", "auto-replied" }, { "X-Autoreply", NULL },
		{ "X-Autorespond", NULL }, { "X-Autoresponder", NULL },
		{ "X-AutoReply-From", NULL }, { "X-Mail-Autoreply", NULL },
		{ "Precedence", "auto_reply" }, { "X-Precedence", "auto_reply" },
		{ "X-Autogenerated", "reply" }, { "X-Apple-Action", "vacation" },
	};
	const char *h = s->buf, *end = s->buf + s->hdr_len;
	for (const char *p = h; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		const char *colon = *p == ' ' || *p == '\t' ? NULL : memchr(p, ':', (size_t)(le - p));
		for (size_t k = 0; colon && k < sizeof(marks) / sizeof(marks[0]); k++) {
			size_t nl = strlen(marks[k].name);
			if ((size_t)(colon - p) != nl || strncasecmp(p, marks[k].name, nl) != 0)
				continue;
			if (!marks[k].value)
				return 1;
			/* the value, maybe on a continuation line */
			const char *v = colon + 1;
			while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' ||
					   (*v == '\n' && v + 1 < end && (v[1] == ' ' || v[1] == '\t'))))
				v++;
			size_t vl = strlen(marks[k].value);
			if ((size_t)(end - v) >= vl && strncasecmp(v, marks[k].value, vl) == 0)
				return 1;
		}
		p = le + 1;
	}
	char v[HV];
	return subject_of(s, v, sizeof(v)) && rules_is_autoreply(rules, v, strlen(v));
}

int mr_bounce_parse(const char *data, size_t len, const struct mr_bounce_rules *rules,
		    const struct mr_verp_conf *verp, struct mr_bounce_report *report_r)
{
	struct mr_bounce_report *out = report_r;
	memset(out, 0, sizeof(*out));
	if (!data || !rules)
		return 0;
	struct bscan s;
	int rc = bscan_run(&s, data, len);
	if (rc) {
		bscan_free(&s);
		return rc;
	}
	char v[HV];
	const char *h = s.buf;
	size_t hl = s.hdr_len;
	int oom = 0;

	/* the human-readable error part, and where the original starts in it */
	const char *text = s.text.p ? s.text.p : "";
	size_t text_len = s.text.len;
	size_t err_end = rules_orig_start(rules, text, text_len);
	const char *orig = s.orig.p;
	size_t orig_len = s.orig.len;
	if (!orig_len && err_end < text_len) {
		/* the original follows the marker line */
		const char *p = memchr(text + err_end, '\n', text_len - err_end);
		if (p) {
			p++;
			while (p < text + text_len && (*p == '\n' || *p == ' '))
				p++;
			orig = p;
			orig_len = (size_t)(text + text_len - p);
		}
	}
	size_t obody = 0;
	size_t ohl = orig_len ? hdr_block(orig, orig_len, &obody) : 0;

	out->addresser = orig_len ? hdr_addr(orig, ohl, "From") : NULL;
	if (!out->addresser && orig_len)
		out->addresser = hdr_addr(orig, ohl, "Return-Path");
	if (orig_len && hdr_get(orig, ohl, "Message-ID", v, sizeof(v)) && v[0])
		out->orig_message_id = strdup(v);
	if (orig_len && hdr_get(orig, ohl, "X-Mailroom-Id", v, sizeof(v)) && v[0])
		out->mailroom_id = strdup(v);

	char *excl[6] = { 0 };
	size_t n_excl = 0;
	excl[n_excl++] = hdr_addr(h, hl, "From");
	excl[n_excl++] = hdr_addr(h, hl, "To");
	excl[n_excl++] = hdr_addr(h, hl, "Return-Path");
	excl[n_excl++] = out->addresser ? strdup(out->addresser) : NULL;
	excl[n_excl++] = orig_len ? hdr_addr(orig, ohl, "Return-Path") : NULL;

	struct rec_build *tv = NULL;
	size_t tn = 0;
	/* X-MLServer from the list's own -admin/-ctl/-request/-owner address: a
	 * mailing-list server's notice to a poster (not a member, a loop), about
	 * the list address it names first; the list's ordinary posts carry
	 * X-MLServer too, but come from their authors */
	int ml_notice = hdr_get(h, hl, "X-MLServer", v, sizeof(v)) && excl[0] &&
			(strstr(excl[0], "-admin@") || strstr(excl[0], "-ctl@") ||
			 strstr(excl[0], "-request@") || strstr(excl[0], "-owner@"));
	text_parse(text, err_end, excl, n_excl, ml_notice ? TEXT_FIRST : TEXT_ALL, &tv, &tn);
	if (!tn) /* the bounce may well be about its own To or From */
		text_parse(text, err_end, excl + 3, n_excl - 3, TEXT_ALL, &tv, &tn);
	if (!tn && !hdr_get(h, hl, "X-Failed-Recipients", v, sizeof(v)))
		/* or about the original's sender, mailing itself: only a line
		 * that names it as the failed recipient counts */
		text_parse(text, err_end, NULL, 0, TEXT_LABELLED, &tv, &tn);
	const char *errtext = NULL;
	char *errcopy = NULL;
	if (err_end) {
		errcopy = strndup(text, err_end > BN_MAX_TEXT ? BN_MAX_TEXT : err_end);
		errtext = errcopy;
	}

	struct rec_build *dv = NULL;
	size_t dn = 0;
	int has_dsn = 0;
	if (s.arf.len) {
		/* an ARF complaint */
		out->kind = MR_BOUNCE_FEEDBACK;
		const char *p = s.arf.p, *e = s.arf.p + s.arf.len;
		int guard = 0;
		while (p < e && guard++ < 64) {
			const char *f = ci_find(p, (size_t)(e - p), "Original-Rcpt-To:");
			if (!f)
				break;
			const char *eol = memchr(f, '\n', (size_t)(e - f));
			const char *le = eol ? eol : e;
			const char *a;
			size_t an;
			if (addr_find(f, le, &a, &an)) {
				struct rec_build b = { 0 };
				b.recipient = addr_dup(a, an);
				if (b.recipient)
					report_add(out, rules, &b, NULL, &oom);
				rec_build_free(&b);
			}
			p = le;
		}
		if (!out->n_recs && orig_len)
			add_header_party(out, rules, orig, ohl, "To", &oom);
		mark_all(out, rules, "feedback");
		goto verp;
	}

	/* an ESP's JSON notification (Amazon SES through SNS) */
	int jk = json_notification_parse(text, text_len, &dv, &dn);
	if (jk) {
		out->kind = jk == 2 ? MR_BOUNCE_FEEDBACK : MR_BOUNCE_FAILURE;
		for (size_t i = 0; i < dn; i++)
			report_add(out, rules, &dv[i], NULL, &oom);
		if (jk == 2)
			mark_all(out, rules, "feedback");
		goto verp;
	}
	if (s.dsn.len)
		rc = dsn_parse(s.dsn.p, s.dsn.len, &dv, &dn, &has_dsn);
	if (!dn && text_len && ci_find(text, err_end, "Final-Recipient:"))
		rc = dsn_parse(text, err_end, &dv, &dn, &has_dsn);
	if (dn) {
		out->kind = MR_BOUNCE_FAILURE;
		for (size_t i = 0; i < dn; i++) {
			if (!dv[i].recipient && dn == 1 && tn == 1 && tv[0].recipient)
				dv[i].recipient = strdup(tv[0].recipient);
			if (!dv[i].recipient)
				continue;
			const char *td = text_diag_for(tv, tn, dv[i].recipient);
			if (!dv[i].diag || !dv[i].diag[0]) {
				free(dv[i].diag);
				dv[i].diag = td ? strdup(td) : NULL;
			} else if (td) {
				size_t l1 = strlen(dv[i].diag), l2 = strlen(td);
				char *c = malloc(l1 + l2 + 2);
				if (c) {
					memcpy(c, dv[i].diag, l1);
					c[l1] = '\n';
					memcpy(c + l1 + 1, td, l2 + 1);
					free(dv[i].diag);
					dv[i].diag = c;
				}
			}
			report_add(out, rules, &dv[i], errtext, &oom);
		}
		goto verp;
	}

	int bounce_signal = s.multipart_report || ml_notice ||
			    hdr_get(h, hl, "X-Failed-Recipients", v, sizeof(v));
	if (!bounce_signal && hdr_get(h, hl, "From", v, sizeof(v)))
		bounce_signal = rules_is_bounce_from(rules, v, strlen(v));
	if (!bounce_signal && subject_of(&s, v, sizeof(v)))
		bounce_signal = rules_is_bounce_subject(rules, v, strlen(v));
	/* a null sender marks bounces, but auto-replies too (RFC 3834) */
	int from_mail_system = bounce_signal;
	if (!bounce_signal && hdr_get(h, hl, "Return-Path", v, sizeof(v)) && strstr(v, "<>"))
		bounce_signal = 1;
	if (!bounce_signal && tn && err_end)
		bounce_signal = rules_is_bounce_subject(rules, text, err_end < 4096 ? err_end : 4096);
	if (bounce_signal) {
		if (!tn && hdr_get(h, hl, "X-Failed-Recipients", v, sizeof(v))) {
			const char *p = v, *e = v + strlen(v), *a;
			size_t an;
			int guard = 0;
			while (guard++ < 64 && addr_find(p, e, &a, &an)) {
				struct rec_build b = { 0 };
				b.recipient = addr_dup(a, an);
				b.diag = errtext ? strdup(errtext) : NULL;
				report_add(out, rules, &b, NULL, &oom);
				rec_build_free(&b);
				p = a + an;
			}
		}
		for (size_t i = 0; i < tn; i++) {
			if (!tv[i].diag || !tv[i].diag[0]) {
				free(tv[i].diag);
				tv[i].diag = errtext ? strdup(errtext) : NULL;
			}
			report_add(out, rules, &tv[i], errtext, &oom);
		}
		if (!out->n_recs && orig_len) {
			struct rec_build b = { 0 };
			b.recipient = hdr_addr(orig, ohl, "To");
			b.diag = errtext ? strdup(errtext) : NULL;
			if (b.recipient && !(excl[0] && strcmp(b.recipient, excl[0]) == 0))
				report_add(out, rules, &b, NULL, &oom);
			rec_build_free(&b);
		}
		if (out->n_recs)
			out->kind = MR_BOUNCE_FAILURE;
	}
	/* an auto-reply, unless it comes from a mail system (Exim marks its
	 * bounces auto-replied too) */
	if (!out->n_recs && !from_mail_system && is_autoreply(rules, &s)) {
		out->kind = MR_BOUNCE_AUTOREPLY;
		add_header_party(out, rules, h, hl, "From", &oom);
		mark_all(out, rules, "vacation");
	}
verp:
	find_verp(&s, orig, orig_len, verp, out);
	recs_free(dv, dn);
	recs_free(tv, tn);
	for (size_t i = 0; i < n_excl; i++)
		free(excl[i]);
	free(errcopy);
	bscan_free(&s);
	if (oom) {
		mr_bounce_report_free(out);
		return MR_ENOMEM;
	}
	return rc == MR_ENOMEM ? rc : 0;
}

void mr_bounce_report_free(struct mr_bounce_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_recs; i++) {
		free(r->recs[i].recipient);
		free(r->recs[i].action);
		free(r->recs[i].diagnostic);
		free(r->recs[i].remote_mta);
	}
	free(r->recs);
	free(r->addresser);
	free(r->orig_message_id);
	free(r->verp);
	free(r->mailroom_id);
	memset(r, 0, sizeof(*r));
}

int mr_mbox_is(const char *data, size_t len)
{
	return len >= 5 && memcmp(data, "From ", 5) == 0;
}

/* The offset just after the line break that ends the line at i (LF, CRLF
 * or a bare CR), or len. */
static size_t next_line(const char *data, size_t len, size_t i)
{
	while (i < len && data[i] != '\n' && data[i] != '\r')
		i++;
	if (i < len && data[i] == '\r') {
		i++;
		if (i < len && data[i] == '\n')
			i++;
	} else if (i < len) {
		i++;
	}
	return i;
}

int mr_mbox_next(const char *data, size_t len, size_t *off, const char **msg_r, size_t *len_r)
{
	size_t i = *off;
	if (i >= len)
		return 0;
	/* skip the "From " line */
	if (len - i >= 5 && memcmp(data + i, "From ", 5) == 0)
		i = next_line(data, len, i);
	size_t start = i;
	while (i < len) {
		i = next_line(data, len, i);
		if (len - i >= 5 && memcmp(data + i, "From ", 5) == 0)
			break;
	}
	*msg_r = data + start;
	*len_r = i - start;
	*off = i;
	return 1;
}
