/* SPDX-License-Identifier: MIT */
/* The mass-mailing MIME writer: one mailing's templates compiled once, then per recipient a CRLF message with tokens, RFC 2047 headers, multipart bodies in quoted-printable, attachments, VERP envelope sender, List-Unsubscribe and DKIM. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/random.h>
#include "mail-internal.h"

struct mr_renderer {
	struct mr_render_conf conf;
	int own_conf;
	char *from_email, *from_name, *reply_to, *name, *subject_src;
	struct mr_tpl *subject, *text, *html;
	struct mr_buf attachments; /* the constant attachment parts */
	char alt_boundary[48], mix_boundary[48];
	char idtag[20];
	uint64_t counter;
	struct mr_buf hdr, body, part; /* scratch, reused per message */
	struct mr_buf trk;             /* scratch: the HTML part with tracking */
	char tltag[24];                /* marks tracked links in the compiled HTML */
	int n_links;                   /* tracked links (track_clicks) */
	int64_t date_for;
	char date[64];
	int test;                      /* mark each message X-Mailroom-Test: yes */
	char *address;                 /* {domain.address} */
	struct mr_buf subj;            /* scratch: the rendered subject, NUL-terminated */
	struct mr_list_id list;        /* List-Id, when list.id[0] */
	int precedence_bulk;
	int reply_verp;                /* Reply-To: the recipient's VERP reply address */
	struct lang_variant *variants; /* mr_renderer_add_language */
	size_t n_variants;
	/* the per-recipient values that cost a signature each, made only when
	 * the subject or a body names them */
	int uses_optout, uses_resubscribe, uses_view;
};

/* A renderer of a mailing's language variant. */
struct lang_variant {
	char lang[MR_LANG_TAG_MAX + 1];
	struct mr_renderer *r;
};

static int mark_links(struct mr_renderer *r, const char *html, char **out_r,
		      struct mr_error *err);
static void hex_random(char *out, size_t bytes);

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

void mr_renderer_free(struct mr_renderer *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_variants; i++)
		mr_renderer_free(r->variants[i].r);
	free(r->variants);
	if (r->own_conf)
		mr_render_conf_free(&r->conf);
	free(r->from_email);
	free(r->from_name);
	free(r->reply_to);
	free(r->name);
	free(r->subject_src);
	free(r->address);
	mr_tpl_free(r->subject);
	mr_tpl_free(r->text);
	mr_tpl_free(r->html);
	mr_buf_free(&r->attachments);
	mr_buf_free(&r->hdr);
	mr_buf_free(&r->body);
	mr_buf_free(&r->part);
	mr_buf_free(&r->trk);
	mr_buf_free(&r->subj);
	free(r);
}

int mr_mailing_check_templates(const struct mr_mailing *m, struct mr_error *err)
{
	return mr_mailing_check_templates_fields(m, NULL, 0, err);
}

int mr_mailing_check_templates_fields(const struct mr_mailing *m, const char *const *fields,
				      size_t n_fields, struct mr_error *err)
{
	struct mr_tpl *t = NULL;
	int rc = mr_tpl_compile_fields(m->subject, "the subject", fields, n_fields, &t, err);
	mr_tpl_free(t);
	t = NULL;
	if (rc == 0 && m->body_text)
		rc = mr_tpl_compile_fields(m->body_text, "the text body", fields, n_fields, &t, err);
	mr_tpl_free(t);
	t = NULL;
	if (rc == 0 && m->body_html)
		rc = mr_tpl_compile_fields(m->body_html, "the HTML body", fields, n_fields, &t, err);
	mr_tpl_free(t);
	return rc;
}

/* A file name safe in a quoted MIME parameter. */
static void safe_name(const char *in, char *out, size_t n)
{
	const char *base = strrchr(in, '/');
	base = base ? base + 1 : in;
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)base; *p && o + 1 < n && o < 120; p++)
		out[o++] = (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') ? '_' : (char)*p;
	out[o] = '\0';
	if (!o)
		snprintf(out, n, "attachment");
}

static void hex_random(char *out, size_t bytes)
{
	unsigned char b[16] = { 0 };
	if (bytes > sizeof(b))
		bytes = sizeof(b);
	if (getrandom(b, bytes, 0) != (ssize_t)bytes) {
		uint64_t t = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)out;
		memcpy(b, &t, bytes < 8 ? bytes : 8);
	}
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < bytes; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * bytes] = '\0';
}

/* 16 hex digits for the MIME boundaries: an HMAC of the mailing's id and
 * creation time under the site secret, so that every renderer of a mailing
 * (a preview, a test, the job's) writes the same bytes while nobody without
 * the secret can predict them; random when there is no secret. */
static void boundary_tag(const struct mr_render_conf *conf, const struct mr_mailing *m,
			 char out[17])
{
	unsigned char md[32];
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "boundary:%lld:%lld", (long long)m->id,
			 (long long)m->created);
	if (!conf->verp.secret || n < 0 ||
	    mail_hmac_sha256(conf->verp.secret, conf->verp.secret_len, msg, (size_t)n, md) != 0) {
		hex_random(out, 8);
		return;
	}
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < 8; i++) {
		out[2 * i] = hx[md[i] >> 4];
		out[2 * i + 1] = hx[md[i] & 15];
	}
	out[16] = '\0';
}

int mr_renderer_set_address(struct mr_renderer *r, const char *address)
{
	free(r->address);
	r->address = dup_or_null(address);
	if (address && *address && !r->address)
		return MR_ENOMEM;
	for (size_t i = 0; i < r->n_variants; i++)
		if (mr_renderer_set_address(r->variants[i].r, address))
			return MR_ENOMEM;
	return 0;
}

int mr_renderer_set_list(struct mr_renderer *r, const char *list_id, int precedence_bulk,
			 struct mr_error *err)
{
	memset(&r->list, 0, sizeof(r->list));
	r->precedence_bulk = precedence_bulk;
	if (list_id && *list_id && mr_list_id_split(list_id, &r->list) != 0)
		return mail_error_set(err, MR_EINPUT, "\"%s\" is not a List-Id: \"Description "
				      "<label.example.org>\" or \"label.example.org\"", list_id);
	for (size_t i = 0; i < r->n_variants; i++) {
		r->variants[i].r->list = r->list;
		r->variants[i].r->precedence_bulk = precedence_bulk;
	}
	return 0;
}

void mr_renderer_set_reply_verp(struct mr_renderer *r, int on)
{
	r->reply_verp = on;
	for (size_t i = 0; i < r->n_variants; i++)
		r->variants[i].r->reply_verp = on;
}

void mr_renderer_mark_test(struct mr_renderer *r)
{
	r->test = 1;
	for (size_t i = 0; i < r->n_variants; i++)
		r->variants[i].r->test = 1;
}

int mr_renderer_add_language(struct mr_renderer *r, const char *lang, const struct mr_mailing *vm,
			     const char *const *fields, size_t n_fields, struct mr_error *err)
{
	char tag[MR_LANG_TAG_MAX + 1];
	if (mr_language_tag(lang, tag) != 0)
		return mail_error_set(err, MR_EINPUT, "\"%s\" is not a language tag", lang);
	struct lang_variant *nv = realloc(r->variants, (r->n_variants + 1) * sizeof(*nv));
	if (!nv)
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	r->variants = nv;
	struct mr_render_conf conf = r->conf;
	conf.fields = fields;
	conf.n_fields = n_fields;
	struct mr_renderer *v = NULL;
	int rc = mr_renderer_new(&conf, 0, vm, &v, err);
	if (rc)
		return rc;
	v->list = r->list;
	v->precedence_bulk = r->precedence_bulk;
	v->reply_verp = r->reply_verp;
	v->test = r->test;
	if (mr_renderer_set_address(v, r->address)) {
		mr_renderer_free(v);
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	}
	memcpy(nv[r->n_variants].lang, tag, sizeof(tag));
	nv[r->n_variants++].r = v;
	return 0;
}

/* The renderer of rc's language: the variant of its preferred_language
 * (the tag exactly, else its primary subtag), else r itself. */
static struct mr_renderer *for_language(struct mr_renderer *r, const struct mr_recipient *rc)
{
	size_t len = 0;
	static const char field[] = "preferred_language";
	const char *v = r->n_variants && rc->fields ?
			mail_custom_value(rc->fields, field, sizeof(field) - 1, &len) : NULL;
	char raw[MR_LANG_TAG_MAX + 1], tag[MR_LANG_TAG_MAX + 1];
	if (!v || len == 0 || len > MR_LANG_TAG_MAX)
		return r;
	memcpy(raw, v, len);
	raw[len] = '\0';
	if (mr_language_tag(raw, tag) != 0)
		return r;
	for (size_t i = 0; i < r->n_variants; i++)
		if (strcmp(r->variants[i].lang, tag) == 0)
			return r->variants[i].r;
	size_t primary = strcspn(tag, "_");
	for (size_t i = 0; i < r->n_variants; i++)
		if (strlen(r->variants[i].lang) == primary &&
		    memcmp(r->variants[i].lang, tag, primary) == 0)
			return r->variants[i].r;
	return r;
}

int mr_renderer_new(const struct mr_render_conf *conf, int own_conf, const struct mr_mailing *m,
		    struct mr_renderer **r_r, struct mr_error *err)
{
	*r_r = NULL;
	struct mr_renderer *r = calloc(1, sizeof(*r));
	if (!r)
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	r->conf = *conf;
	r->own_conf = own_conf;
	int rc = 0;
	const char *from = m->from_email && *m->from_email ? m->from_email : conf->from_email;
	if (!from || !mr_addr_valid(from)) {
		rc = mail_error_set(err, MR_ECONFIG, "mailing %lld has no valid From address (set "
				  "--from or [mailroom] from)", (long long)m->id);
		goto fail;
	}
	r->from_email = strdup(from);
	r->from_name = dup_or_null(m->from_name && *m->from_name ? m->from_name : conf->from_name);
	r->reply_to = dup_or_null(m->reply_to && *m->reply_to ? m->reply_to : conf->reply_to);
	r->name = dup_or_null(m->name);
	r->subject_src = dup_or_null(m->subject);
	if (!r->from_email) {
		rc = mail_error_set(err, MR_ENOMEM, "out of memory");
		goto fail;
	}
	const char *const *fl = conf->fields;
	size_t nf = conf->n_fields;
	r->conf.fields = NULL; /* not kept */
	r->conf.n_fields = 0;
	if ((rc = mr_tpl_compile_fields(m->subject, "the subject", fl, nf, &r->subject, err)) != 0)
		goto fail;
	if (m->body_text && (rc = mr_tpl_compile_fields(m->body_text, "the text body", fl, nf,
							&r->text, err)))
		goto fail;
	if (m->body_html) {
		char *marked = NULL;
		if (conf->track_clicks && conf->base_url && *conf->base_url &&
		    (rc = mark_links(r, m->body_html, &marked, err)) != 0)
			goto fail;
		rc = mr_tpl_compile_fields(marked ? marked : m->body_html, "the HTML body", fl, nf,
					   &r->html, err);
		free(marked);
		if (rc)
			goto fail;
	}
	if (!r->text && !r->html && (rc = mr_tpl_compile("", "the text body", &r->text, err)))
		goto fail;
	const struct mr_tpl *tpls[] = { r->subject, r->text, r->html };
	for (size_t i = 0; i < sizeof(tpls) / sizeof(tpls[0]); i++) {
		r->uses_optout |= mr_tpl_uses(tpls[i], "action.optOutUrl");
		r->uses_resubscribe |= mr_tpl_uses(tpls[i], "action.resubscribeUrl");
		r->uses_view |= mr_tpl_uses(tpls[i], "action.viewUrl");
	}
	char rnd[40];
	boundary_tag(conf, m, rnd);
	snprintf(r->alt_boundary, sizeof(r->alt_boundary), "=_mr_alt_%s", rnd);
	snprintf(r->mix_boundary, sizeof(r->mix_boundary), "=_mr_mix_%s", rnd);
	hex_random(r->idtag, 6);
	for (size_t i = 0; i < m->n_attachments; i++) {
		const struct mr_attachment *a = mr_mailing_attachment(m, i);
		char fn[128];
		safe_name(a->filename ? a->filename : "", fn, sizeof(fn));
		char ct[128];
		const char *t = a->content_type && *a->content_type ? a->content_type :
				"application/octet-stream";
		size_t k = 0;
		for (; t[k] && k + 1 < sizeof(ct); k++)
			ct[k] = (t[k] >= 'a' && t[k] <= 'z') || (t[k] >= 'A' && t[k] <= 'Z') ||
				(t[k] >= '0' && t[k] <= '9') || strchr("/.+-", t[k]) ? t[k] : '_';
		ct[k] = '\0';
		mr_buf_printf(&r->attachments, "--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
			      "Content-Disposition: attachment; filename=\"%s\"\r\n"
			      "Content-Transfer-Encoding: base64\r\n\r\n", r->mix_boundary, ct, fn, fn);
		mr_buf_add_b64_lines(&r->attachments, a->data, a->len);
	}
	if (r->attachments.oom) {
		rc = mail_error_set(err, MR_ENOMEM, "out of memory");
		goto fail;
	}
	*r_r = r;
	return 0;
fail:
	if (!own_conf)
		r->own_conf = 0;
	mr_renderer_free(r);
	return rc;
}

static int is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* Replaces control characters (CR, LF, ...) with spaces: no data breaks a header. */
static void header_safe(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
}

/* RFC 2047 B encoded-words of UTF-8 text, folded with CRLF SP between words. */
static void add_encoded_words(struct mr_buf *out, const char *s, size_t n)
{
	size_t i = 0;
	int first = 1;
	while (i < n) {
		size_t take = n - i < 45 ? n - i : 45;
		/* do not split a UTF-8 sequence */
		while (take > 0 && i + take < n && ((unsigned char)s[i + take] & 0xc0) == 0x80)
			take--;
		if (take == 0)
			take = n - i < 45 ? n - i : 45;
		if (!first)
			mr_buf_add(out, "\r\n ", 3);
		mr_buf_adds(out, "=?UTF-8?B?");
		mr_buf_add_b64(out, (const unsigned char *)s + i, take);
		mr_buf_adds(out, "?=");
		first = 0;
		i += take;
	}
}

/* An unstructured header value: as is when ASCII and short, else encoded. */
static void add_text_value(struct mr_buf *out, char *s, size_t n)
{
	header_safe(s, n);
	if (is_ascii(s, n) && n < 900)
		mr_buf_add(out, s, n);
	else
		add_encoded_words(out, s, n);
}

/* "Name" <addr>, the name quoted or encoded. */
static void add_mailbox(struct mr_buf *out, const char *name, size_t nl, const char *addr)
{
	char tmp[256];
	if (nl > 200)
		nl = 200;
	memcpy(tmp, name, nl);
	header_safe(tmp, nl);
	while (nl > 0 && tmp[nl - 1] == ' ')
		nl--;
	if (nl > 0) {
		if (is_ascii(tmp, nl)) {
			mr_buf_addc(out, '"');
			for (size_t i = 0; i < nl; i++) {
				if (tmp[i] == '"' || tmp[i] == '\\')
					mr_buf_addc(out, '\\');
				mr_buf_addc(out, tmp[i]);
			}
			mr_buf_addc(out, '"');
		} else {
			add_encoded_words(out, tmp, nl);
		}
		mr_buf_addc(out, ' ');
	}
	mr_buf_addc(out, '<');
	mr_buf_adds(out, addr);
	mr_buf_addc(out, '>');
}

static const char *date_of(struct mr_renderer *r, int64_t now)
{
	if (r->date_for != now || !r->date[0]) {
		mr_mail_date(now, r->date, sizeof(r->date));
		r->date_for = now;
	}
	return r->date;
}

/* The URL of an action: the configured https URL with the VERP tag, or a mailto. */
static void action_url(struct mr_renderer *r, char action, const char *addr, char *out,
		       size_t n)
{
	const char *base = r->conf.unsubscribe_url;
	if (base && *base && strncmp(base, "mailto:", 7) != 0) {
		size_t ll = r->conf.verp.localpart ? strlen(r->conf.verp.localpart) : 0;
		const char *at = strrchr(addr, '@');
		int tl = at ? (int)(at - addr - (ptrdiff_t)ll) : 0;
		snprintf(out, n, "%s%cmr=%.*s", base, strchr(base, '?') ? '&' : '?', tl > 0 ? tl : 0,
			 addr + ll);
	} else {
		snprintf(out, n, "mailto:%s", addr);
	}
	(void)action;
}

/* ---- tracking: links marked at compile time, replaced per recipient */

struct mark_ctx {
	struct mr_renderer *r;
	const char *src;
	size_t done;
	struct mr_buf out;
};

static int mark_one(void *cookie, int index, size_t start, size_t len, const char *url)
{
	struct mark_ctx *mc = cookie;
	(void)url;
	mr_buf_add(&mc->out, mc->src + mc->done, start - mc->done);
	mr_buf_printf(&mc->out, "%s%d-", mc->r->tltag, index);
	mc->done = start + len;
	mc->r->n_links = index + 1;
	return 0;
}

/* A copy of html whose tracked links are replaced by TLTAG N "-". */
static int mark_links(struct mr_renderer *r, const char *html, char **out_r,
		      struct mr_error *err)
{
	char rnd[20];
	hex_random(rnd, 6);
	snprintf(r->tltag, sizeof(r->tltag), "mrtl%s-", rnd);
	struct mark_ctx mc = { .r = r, .src = html };
	mr_track_links(html, mark_one, &mc);
	mr_buf_adds(&mc.out, html + mc.done);
	mr_buf_add(&mc.out, "", 1);
	if (mc.out.oom) {
		mr_buf_free(&mc.out);
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	}
	*out_r = mc.out.p;
	return 0;
}

/* The rendered HTML in r->part with its marked links turned into signed
 * click URLs and the open pixel added, into r->trk. */
static void add_tracking(struct mr_renderer *r, const struct mr_recipient *rc)
{
	struct mr_buf *o = &r->trk;
	o->len = 0;
	const char *p = r->part.p ? r->part.p : "", *end = p + r->part.len;
	size_t tl = strlen(r->tltag);
	struct mr_error e = { 0 };
	char tok[128];
	while (r->n_links && p < end) {
		const char *m = tl ? memmem(p, (size_t)(end - p), r->tltag, tl) : NULL;
		if (!m)
			break;
		mr_buf_add(o, p, (size_t)(m - p));
		const char *q = m + tl;
		int n = 0, d = 0;
		while (q < end && *q >= '0' && *q <= '9' && d < 5) {
			n = n * 10 + (*q++ - '0');
			d++;
		}
		if (d && q < end && *q == '-' && n < r->n_links &&
		    mr_track_token(&r->conf.verp, MR_TRACK_TOKEN_CLICK, rc->job_id, rc->queue_id, n,
				   tok, sizeof(tok), &e) == 0) {
			mr_buf_printf(o, "%s/c?mr=%s", r->conf.base_url, tok);
			p = q + 1;
		} else {
			mr_buf_add(o, m, tl);
			p = m + tl;
		}
	}
	const char *rest = p;
	const char *body_end = NULL;
	if (r->conf.track_opens &&
	    mr_track_token(&r->conf.verp, MR_TRACK_TOKEN_OPEN, rc->job_id, rc->queue_id, -1, tok,
			   sizeof(tok), &e) == 0) {
		for (const char *s = rest; s + 7 <= end; s++)
			if (*s == '<' && strncasecmp(s, "</body>", 7) == 0)
				body_end = s;
		if (!body_end)
			body_end = end;
		mr_buf_add(o, rest, (size_t)(body_end - rest));
		mr_buf_printf(o, "<img src=\"%s/o?mr=%s\" width=\"1\" height=\"1\" alt=\"\" "
			      "style=\"display:block;border:0;width:1px;height:1px\">",
			      r->conf.base_url, tok);
		rest = body_end;
	}
	mr_buf_add(o, rest, (size_t)(end - rest));
}

/* The part of tpl expanded with v (and tracking in HTML), in r->part or r->trk. */
static const struct mr_buf *expand_part(struct mr_renderer *r, const struct mr_tpl *tpl,
					const struct mr_token_values *v, int html,
					const struct mr_recipient *rc)
{
	r->part.len = 0;
	mr_tpl_render(tpl, v, html, &r->part);
	if (html && r->conf.base_url && *r->conf.base_url &&
	    (r->n_links || r->conf.track_opens)) {
		add_tracking(r, rc);
		return &r->trk;
	}
	return &r->part;
}

static void add_part(struct mr_renderer *r, struct mr_buf *body, const struct mr_tpl *tpl,
		     const struct mr_token_values *v, int html, const char *boundary,
		     const struct mr_recipient *rc)
{
	const struct mr_buf *src = expand_part(r, tpl, v, html, rc);
	if (boundary)
		mr_buf_printf(body, "--%s\r\n", boundary);
	if (boundary)
		mr_buf_printf(body, "Content-Type: text/%s; charset=UTF-8\r\n"
			      "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
			      html ? "html" : "plain");
	mr_buf_add_qp(body, src->p ? src->p : "", src->len);
	mr_buf_add(body, "\r\n", 2);
}

/* The VERP addresses and action URLs of one recipient, and the token
 * values that point into them. */
struct rcpt_values {
	char bounce[320], unsub[320], optout[320], resub[320];
	char unsub_url[700], optout_url[700], resub_url[700], view_url[400];
	struct mr_token_values v;
};

static int values_of(struct mr_renderer *r, const struct mr_recipient *rc, struct rcpt_values *rv,
		     struct mr_error *err)
{
	if (!rc->email || !mr_addr_valid(rc->email))
		return mail_error_set(err, MR_EINPUT, "recipient %lld: \"%s\" is not a valid address",
				    (long long)rc->queue_id, rc->email ? rc->email : "");
	/* the bounce and unsubscribe addresses go in the header of every
	 * message; the others are signed only for templates that show them */
	int st;
	rv->optout[0] = rv->resub[0] = '\0';
	rv->optout_url[0] = rv->resub_url[0] = rv->view_url[0] = '\0';
	if ((st = mr_verp_build(&r->conf.verp, MR_VERP_BOUNCE, rc->job_id, rc->queue_id,
				rv->bounce, sizeof(rv->bounce), err)) ||
	    (st = mr_verp_build(&r->conf.verp, MR_VERP_UNSUBSCRIBE, rc->job_id, rc->queue_id,
				rv->unsub, sizeof(rv->unsub), err)) ||
	    (r->uses_optout &&
	     (st = mr_verp_build(&r->conf.verp, MR_VERP_OPTOUT, rc->job_id, rc->queue_id,
				 rv->optout, sizeof(rv->optout), err))) ||
	    (r->uses_resubscribe &&
	     (st = mr_verp_build(&r->conf.verp, MR_VERP_RESUBSCRIBE, rc->job_id, rc->queue_id,
				 rv->resub, sizeof(rv->resub), err))))
		return st;
	action_url(r, MR_VERP_UNSUBSCRIBE, rv->unsub, rv->unsub_url, sizeof(rv->unsub_url));
	if (r->uses_optout)
		action_url(r, MR_VERP_OPTOUT, rv->optout, rv->optout_url, sizeof(rv->optout_url));
	if (r->uses_resubscribe)
		action_url(r, MR_VERP_RESUBSCRIBE, rv->resub, rv->resub_url,
			   sizeof(rv->resub_url));
	char tok[128];
	if (r->uses_view && r->conf.base_url && *r->conf.base_url &&
	    mr_track_token(&r->conf.verp, MR_TRACK_TOKEN_VIEW, rc->job_id, rc->queue_id, -1, tok,
			   sizeof(tok), err) == 0)
		snprintf(rv->view_url, sizeof(rv->view_url), "%s/v?mr=%s", r->conf.base_url, tok);
	rv->v = (struct mr_token_values){
		.first_name = rc->first_name, .last_name = rc->last_name,
		.display_name = rc->display_name, .email = rc->email,
		.unsubscribe_url = rv->unsub_url, .optout_url = rv->optout_url,
		.domain = r->conf.domain, .mailing_name = r->name, .mailing_subject = NULL,
		.resubscribe_url = rv->resub_url, .domain_address = r->address,
		.view_url = rv->view_url, .fields = rc->fields,
	};
	/* the subject first (where {mailing.subject} is empty), then the
	 * bodies' {mailing.subject} is the subject as this contact gets it */
	r->subj.len = 0;
	mr_tpl_render(r->subject, &rv->v, 0, &r->subj);
	mr_buf_add(&r->subj, "", 1);
	if (r->subj.oom)
		return mail_error_set(err, MR_ENOMEM, "out of memory rendering the subject");
	r->subj.len--;
	rv->v.mailing_subject = r->subj.p;
	return 0;
}

int mr_render_view(struct mr_renderer *r, const struct mr_recipient *rc, struct mr_buf *out,
		   int *html_r, struct mr_error *err)
{
	r = for_language(r, rc);
	*html_r = r->html != NULL;
	return mr_render_part(r, rc, *html_r, out, err);
}

int mr_render_part(struct mr_renderer *r, const struct mr_recipient *rc, int html,
		   struct mr_buf *out, struct mr_error *err)
{
	r = for_language(r, rc);
	struct rcpt_values rv;
	int st = values_of(r, rc, &rv, err);
	if (st)
		return st;
	const struct mr_tpl *tpl = html ? r->html : r->text;
	if (!tpl)
		return mail_error_set(err, MR_ENOTFOUND, "the mailing has no %s part",
				      html ? "HTML" : "text");
	const struct mr_buf *src = expand_part(r, tpl, &rv.v, html, rc);
	mr_buf_add(out, src->p ? src->p : "", src->len);
	if (out->oom || r->part.oom || r->trk.oom)
		return mail_error_set(err, MR_ENOMEM, "out of memory rendering a part");
	return 0;
}

int mr_render(struct mr_renderer *r, const struct mr_recipient *rc, int64_t now,
	      struct mr_rendered_msg *out, struct mr_error *err)
{
	r = for_language(r, rc);
	struct rcpt_values rv;
	int st = values_of(r, rc, &rv, err);
	if (st)
		return st;
	const struct mr_token_values v = rv.v;
	const char *bounce = rv.bounce, *unsub = rv.unsub, *unsub_url = rv.unsub_url;
	/* the body */
	struct mr_buf *body = &r->body, *hdr = &r->hdr;
	body->len = 0;
	hdr->len = 0;
	const char *ctype_boundary = NULL;
	int alt = r->text && r->html, mixed = r->attachments.len > 0;
	if (mixed) {
		mr_buf_printf(body, "--%s\r\n", r->mix_boundary);
		if (alt)
			mr_buf_printf(body, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
				      r->alt_boundary);
	}
	if (alt) {
		add_part(r, body, r->text, &v, 0, r->alt_boundary, rc);
		add_part(r, body, r->html, &v, 1, r->alt_boundary, rc);
		mr_buf_printf(body, "--%s--\r\n", r->alt_boundary);
		ctype_boundary = r->alt_boundary;
	} else {
		const struct mr_tpl *one = r->text ? r->text : r->html;
		if (mixed)
			mr_buf_printf(body, "Content-Type: text/%s; charset=UTF-8\r\n"
				      "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
				      r->text ? "plain" : "html");
		add_part(r, body, one, &v, !r->text, NULL, rc);
	}
	if (mixed) {
		mr_buf_add(body, r->attachments.p, r->attachments.len);
		mr_buf_printf(body, "--%s--\r\n", r->mix_boundary);
	}
	/* the header */
	mr_buf_adds(hdr, "From: ");
	add_mailbox(hdr, r->from_name ? r->from_name : "", r->from_name ? strlen(r->from_name) : 0,
		    r->from_email);
	mr_buf_adds(hdr, "\r\nTo: ");
	char name[256];
	const char *dn = rc->display_name && *rc->display_name ? rc->display_name : NULL;
	int nl = dn ? snprintf(name, sizeof(name), "%s", dn) :
		      snprintf(name, sizeof(name), "%s%s%s", rc->first_name ? rc->first_name : "",
			       rc->first_name && *rc->first_name && rc->last_name && *rc->last_name ?
			       " " : "", rc->last_name ? rc->last_name : "");
	if (nl < 0)
		nl = 0;
	if ((size_t)nl >= sizeof(name))
		nl = sizeof(name) - 1;
	add_mailbox(hdr, name, (size_t)nl, rc->email);
	if (r->reply_verp) {
		char reply[320];
		if ((st = mr_verp_build(&r->conf.verp, MR_VERP_REPLY, rc->job_id, rc->queue_id, reply,
					sizeof(reply), err)) != 0)
			return st;
		mr_buf_adds(hdr, "\r\nReply-To: ");
		add_mailbox(hdr, r->from_name ? r->from_name : "",
			    r->from_name ? strlen(r->from_name) : 0, reply);
	} else if (r->reply_to) {
		mr_buf_adds(hdr, "\r\nReply-To: ");
		add_mailbox(hdr, "", 0, r->reply_to);
	}
	mr_buf_adds(hdr, "\r\nSubject: ");
	r->part.len = 0;
	mr_buf_add(&r->part, r->subj.p, r->subj.len); /* made header-safe in place */
	add_text_value(hdr, r->part.p ? r->part.p : (char *)"", r->part.len);
	snprintf(out->message_id, sizeof(out->message_id), "mr.%lld.%lld.%s%llx@%s",
		 (long long)rc->job_id, (long long)rc->queue_id, r->idtag,
		 (unsigned long long)++r->counter, r->conf.domain);
	mr_buf_printf(hdr, "\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n",
		      date_of(r, now), out->message_id);
	if (mixed)
		mr_buf_printf(hdr, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n",
			      r->mix_boundary);
	else if (ctype_boundary)
		mr_buf_printf(hdr, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n",
			      ctype_boundary);
	else
		mr_buf_printf(hdr, "Content-Type: text/%s; charset=UTF-8\r\n"
			      "Content-Transfer-Encoding: quoted-printable\r\n",
			      r->text ? "plain" : "html");
	mr_buf_printf(hdr, "X-Mailroom-Id: <%s>\r\n", bounce);
	/* our signed id where the ESP's webhooks give it back; a VERP address
	 * is plain ASCII without quotes, so it is safe inside the JSON */
	if (r->conf.esp == MR_ESP_SENDGRID && !strpbrk(bounce, "\"\\\r\n"))
		mr_buf_printf(hdr, "X-SMTPAPI: {\"unique_args\":{\"mailroom_id\":\"%s\"}}\r\n",
			      bounce);
	else if (r->conf.esp == MR_ESP_POSTMARK)
		mr_buf_printf(hdr, "X-PM-Metadata-mailroom-id: %s\r\n", bounce);
	if (r->test)
		mr_buf_adds(hdr, "X-Mailroom-Test: yes\r\n");
	if (strncmp(unsub_url, "mailto:", 7) == 0) {
		mr_buf_printf(hdr, "List-Unsubscribe: <mailto:%s>\r\n", unsub);
	} else {
		mr_buf_printf(hdr, "List-Unsubscribe: <mailto:%s>,\r\n <%s>\r\n", unsub, unsub_url);
		/* RFC 8058: one-click needs an https URI to POST to; an http one
		 * is only a link */
		if (strncasecmp(unsub_url, "https://", 8) == 0)
			mr_buf_adds(hdr, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
	}
	if (r->list.id[0]) {
		mr_buf_adds(hdr, "List-Id: ");
		add_mailbox(hdr, r->list.description, strlen(r->list.description), r->list.id);
		mr_buf_adds(hdr, "\r\n");
	}
	if (r->precedence_bulk)
		mr_buf_adds(hdr, "Precedence: bulk\r\n");
	if (hdr->oom || body->oom || r->part.oom || r->trk.oom)
		return mail_error_set(err, MR_ENOMEM, "out of memory rendering a message");
	/* the message: DKIM-Signature, header, empty line, body */
	struct mr_buf o = { .p = out->data, .len = 0, .cap = out->cap };
	if (r->conf.dkim && (st = mr_dkim_sign(r->conf.dkim, hdr->p, hdr->len, body->p, body->len,
					       now, &o, err)) != 0) {
		out->data = o.p;
		out->cap = o.cap;
		out->len = 0;
		return st;
	}
	mr_buf_add(&o, hdr->p, hdr->len);
	mr_buf_add(&o, "\r\n", 2);
	mr_buf_add(&o, body->p, body->len);
	out->data = o.p;
	out->cap = o.cap;
	out->len = o.len;
	if (o.oom)
		return mail_error_set(err, MR_ENOMEM, "out of memory rendering a message");
	snprintf(out->envelope_from, sizeof(out->envelope_from), "%s", bounce);
	return 0;
}

void mr_render_conf_free(struct mr_render_conf *conf)
{
	if (conf->verp.secret) {
		memset((void *)conf->verp.secret, 0, conf->verp.secret_len);
		free((void *)conf->verp.secret);
	}
	mr_dkim_signer_free(conf->dkim);
	free((void *)conf->verp.localpart);
	free((void *)conf->verp.domain);
	free((void *)conf->domain);
	free(conf->owned[0]);
	free(conf->owned[1]);
	memset(conf, 0, sizeof(*conf));
}
