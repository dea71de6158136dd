/* SPDX-License-Identifier: MIT */
/* The auto-reply to a reply to a mailing (auto_reply_file): never to an automatic or bulk message (RFC 3834), at most once per address and period (the store counts), as the site's signed mail with a null envelope sender. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "fetch-bounces.h"

/* The first field called name in m, unfolded (malloc'ed), or NULL. */
static char *field(const struct mr_rawmsg *m, const char *name)
{
	for (size_t i = 0; i < m->nh; i++)
		if (mr_hfield_is(&m->h[i], name))
			return mr_hfield_value(&m->h[i]);
	return NULL;
}

/* 1 when value (NULL: absent) starts with one of the words, in any case. */
static int starts_with_any(const char *value, const char *const *words)
{
	for (; value && *words; words++)
		if (strncasecmp(value, *words, strlen(*words)) == 0)
			return 1;
	return 0;
}

int fb_auto_reply_allowed(const char *data, size_t len, const char **why_r)
{
	static const char *const no[] = { "no", NULL };
	static const char *const bulk[] = { "bulk", "junk", "list", NULL };
	struct mr_rawmsg m;
	*why_r = "the reply has no header";
	if (mr_rawmsg_parse(data, len, &m) != 0)
		return 0;
	char *auto_sub = field(&m, "Auto-Submitted"), *prec = field(&m, "Precedence"),
	     *rp = field(&m, "Return-Path"), *list_id = field(&m, "List-Id"),
	     *list_unsub = field(&m, "List-Unsubscribe"),
	     *suppress = field(&m, "X-Auto-Response-Suppress");
	const char *rp_addr = rp ? rp + strspn(rp, " <") : NULL;
	*why_r = NULL;
	if (auto_sub && !starts_with_any(auto_sub, no))
		*why_r = "Auto-Submitted: it is automatic (RFC 3834)";
	else if (starts_with_any(prec, bulk))
		*why_r = "Precedence: bulk, junk or list";
	else if (list_id || list_unsub)
		*why_r = "it came through a mailing list (List-Id or List-Unsubscribe)";
	else if (suppress && (strcasestr(suppress, "all") || strcasestr(suppress, "autoreply") ||
			      strcasestr(suppress, "oof")))
		*why_r = "X-Auto-Response-Suppress";
	else if (!rp)
		*why_r = "it has no Return-Path";
	else if (!*rp_addr || *rp_addr == '>')
		*why_r = "its Return-Path is null (a bounce or an automatic message)";
	free(auto_sub);
	free(prec);
	free(rp);
	free(list_id);
	free(list_unsub);
	free(suppress);
	mr_rawmsg_free(&m);
	return *why_r == NULL;
}

/* The Message-ID of the reply (with its <>), header-safe, into out ("" when none). */
static void reply_message_id(const struct fb_reply *r, char *out, size_t n)
{
	struct mr_rawmsg m;
	out[0] = '\0';
	if (mr_rawmsg_parse(r->data, r->len, &m) != 0)
		return;
	char *id = field(&m, "Message-ID");
	const char *lt = id ? strchr(id, '<') : NULL, *gt = lt ? strchr(lt, '>') : NULL;
	if (gt && (size_t)(gt - lt) + 2 <= n && (size_t)(gt - lt) < 250) {
		size_t k = 0;
		for (const char *c = lt; c <= gt; c++)
			if ((unsigned char)*c > 0x20 && *c != 0x7f)
				out[k++] = *c;
		out[k] = '\0';
	}
	free(id);
	mr_rawmsg_free(&m);
}

/* Appends a header value of printable ASCII as it is, else as RFC 2047 words. */
static void add_value(struct mr_buf *o, const char *v)
{
	int ascii = 1;
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		ascii &= *c >= 0x20 && *c < 0x7f;
	if (ascii) {
		mr_buf_adds(o, v);
		return;
	}
	size_t n = strlen(v);
	for (size_t i = 0; i < n;) { /* words of at most 45 bytes, not splitting UTF-8 */
		size_t k = n - i > 45 ? 45 : n - i;
		while (k > 1 && i + k < n && ((unsigned char)v[i + k] & 0xc0) == 0x80)
			k--;
		mr_buf_adds(o, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
		mr_buf_add_b64(o, (const unsigned char *)v + i, k);
		mr_buf_adds(o, "?=");
		i += k;
	}
}

/* The auto-reply to r into out; 0 or a status with err. */
static int compose(const struct fb_proc *p, const struct fb_fwd *fw, const struct fb_reply *r,
		   int64_t now, struct mr_buf *out, struct mr_error *err)
{
	char date[64], rnd[17], in_reply_to[256];
	fb_random_hex(rnd);
	mr_mail_date(now, date, sizeof(date));
	reply_message_id(r, in_reply_to, sizeof(in_reply_to));
	const char *at = strrchr(fw->from, '@');
	struct mr_buf h = { 0 }, body = { 0 };
	mr_buf_adds(&h, "From: ");
	add_value(&h, fw->site_name);
	mr_buf_printf(&h, " <%s>\r\nTo: <%s>\r\nSubject: ", fw->from, r->replier);
	add_value(&h, p->auto_subject);
	mr_buf_printf(&h, "\r\nDate: %s\r\nMessage-ID: <mr.auto.%lld.%s@%s>\r\n", date,
		      (long long)now, rnd, at ? at + 1 : "localhost");
	if (in_reply_to[0])
		mr_buf_printf(&h, "In-Reply-To: %s\r\nReferences: %s\r\n", in_reply_to,
			      in_reply_to);
	mr_buf_printf(&h, "Auto-Submitted: auto-replied\r\nX-Mailroom-Reply-Of-Mailing: %lld\r\n"
		      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		      "Content-Transfer-Encoding: quoted-printable\r\n", (long long)r->mailing_id);
	mr_buf_add_qp(&body, p->auto_body, strlen(p->auto_body));
	int rc = body.oom ? p->core->error_set(err, MR_ENOMEM, "out of memory")
			  : fb_assemble(fw, &h, body.p, body.len, now, out, err);
	mr_buf_free(&h);
	mr_buf_free(&body);
	return rc;
}

void fb_auto_reply_send(struct fb_proc *p, const struct fb_fwd *fw, const struct fb_reply *r)
{
	const struct mr_core *core = p->core;
	struct mr_error e = { 0 };
	int due = 0;
	int64_t now = core->now(core);
	if (!fw->from) {
		core->log(p->log, MR_LOG_ERR, "message %s: no auto-reply: the site has no From "
			  "address ([mailroom] from)", r->label);
		return;
	}
	if (mr_store_auto_reply_due(p->store, r->replier, now, p->auto_period, &due, &e) != 0) {
		core->log(p->log, MR_LOG_ERR, "message %s: no auto-reply: %s", r->label, e.msg);
		return;
	}
	if (!due) {
		core->log(p->log, MR_LOG_INFO, "message %s: no auto-reply: %s had one within "
			  "auto_reply_period", r->label, r->replier);
		return;
	}
	struct mr_buf b = { 0 };
	if (compose(p, fw, r, now, &b, &e) != 0) {
		core->log(p->log, MR_LOG_ERR, "message %s: the auto-reply: %s", r->label, e.msg);
		mr_buf_free(&b);
		return;
	}
	const char *rcpt = r->replier;
	struct mr_send_result res;
	memset(&res, 0, sizeof(res));
	struct mr_outmsg om = {
		.size = sizeof(om), .envelope_from = "", .rcpts = &rcpt, .n_rcpts = 1,
		.data = b.p, .len = b.len, .result_size = sizeof(res), .results = &res,
	};
	int rc = p->transport->ops->send(p->transport->state, &om, 1, NULL, &e);
	mr_buf_free(&b);
	if (rc)
		core->log(p->log, MR_LOG_ERR, "message %s: the auto-reply to %s: %s", r->label, rcpt,
			  e.msg);
	else if (res.status != MR_SEND_OK)
		core->log(p->log, MR_LOG_ERR, "message %s: the auto-reply to %s failed: %d %s %s",
			  r->label, rcpt, res.code, res.enhanced, res.text);
	else {
		p->n.auto_replied++;
		core->log(p->log, MR_LOG_INFO, "message %s: auto-reply sent to %s", r->label, rcpt);
	}
}
