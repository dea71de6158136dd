/* SPDX-License-Identifier: MIT */
/* The forwarded copy of a reply that passes DMARC: From rewritten to the site's address ("NAME via SITE") with the replier in Reply-To, Resent-* headers, the replier's signatures dropped and the site's DKIM signature added. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fetch-bounces.h"

/* Fields of the reply the copy leaves out: they are the replier's domain's
 * (its signatures could not verify with a new From) or replaced. */
static int dropped(const struct mr_hfield *f)
{
	static const char *const names[] = {
		"From", "Reply-To", "Sender", "Return-Path", "DKIM-Signature", "ARC-Seal",
		"ARC-Message-Signature", "ARC-Authentication-Results", "Authentication-Results",
		"Resent-From", "Resent-To", "Resent-Date", "Resent-Message-ID", "Resent-Sender",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (mr_hfield_is(f, names[i]))
			return 1;
	return 0;
}

/* "NAME via SITE" as a quoted display name (ASCII) or RFC 2047 words. */
static void add_display(struct mr_buf *o, const char *name, const char *site)
{
	char d[200];
	snprintf(d, sizeof(d), "%s via %s", name, site);
	int ascii = 1;
	for (const unsigned char *c = (const unsigned char *)d; *c; c++)
		ascii &= *c >= 0x20 && *c < 0x7f;
	if (!ascii) {
		mr_buf_adds(o, "=?UTF-8?B?");
		mr_buf_add_b64(o, (const unsigned char *)d, strlen(d));
		mr_buf_adds(o, "?=");
		return;
	}
	mr_buf_addc(o, '"');
	for (const char *c = d; *c; c++) {
		if (*c == '"' || *c == '\\')
			mr_buf_addc(o, '\\');
		mr_buf_addc(o, *c);
	}
	mr_buf_addc(o, '"');
}

/* The replier's name (else address) from a From value, header-safe. */
static void replier_name(const char *from, char *out, size_t n)
{
	const char *lt = strchr(from, '<');
	size_t len = lt ? (size_t)(lt - from) : strlen(from);
	char *dec = mr_header_decode(from);
	const char *src = from;
	if (lt && dec && strchr(dec, '<')) {
		src = dec;
		len = (size_t)(strchr(dec, '<') - dec);
	}
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < n && o < 120; i++)
		if (src[i] != '"' && (unsigned char)src[i] >= 0x20 && src[i] != 0x7f)
			out[o++] = src[i];
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	if (!o)
		snprintf(out, n, "%.*s", (int)(n - 1), lt ? lt + 1 : from);
	char *gt = strchr(out, '>');
	if (gt)
		*gt = '\0';
	free(dec);
}

int fb_reply_rewrite(const struct fb_fwd *fw, const struct fb_reply *r, struct mr_buf *out,
		     struct mr_error *err)
{
	struct mr_rawmsg m;
	int rc = mr_rawmsg_parse(r->data, r->len, &m);
	if (rc)
		return fw->core->error_set(err, rc, "the reply has no header");
	char *from = NULL, *reply_to = NULL;
	for (size_t i = 0; i < m.nh; i++) {
		if (!from && mr_hfield_is(&m.h[i], "From"))
			from = mr_hfield_value(&m.h[i]);
		else if (!reply_to && mr_hfield_is(&m.h[i], "Reply-To"))
			reply_to = mr_hfield_value(&m.h[i]);
	}
	char name[160], date[64], rnd[17];
	fb_random_hex(rnd);
	replier_name(from ? from : "", name, sizeof(name));
	int64_t now = (int64_t)time(NULL);
	mr_mail_date(now, date, sizeof(date));
	const char *at = strrchr(fw->from, '@');
	struct mr_buf h = { 0 };
	mr_buf_adds(&h, "From: ");
	add_display(&h, name, fw->site_name);
	mr_buf_printf(&h, " <%s>\r\n", fw->from);
	if (reply_to || from)
		mr_buf_printf(&h, "Reply-To: %s\r\n", reply_to ? reply_to : from);
	mr_buf_printf(&h, "Resent-From: <%s>\r\nResent-To: <%s>\r\nResent-Date: %s\r\n"
		      "Resent-Message-ID: <mr.reply.%lld.%s@%s>\r\n"
		      "X-Mailroom-Reply-Of-Mailing: %lld\r\n", fw->from, r->rcpt, date,
		      (long long)now, rnd, at ? at + 1 : "localhost", (long long)r->mailing_id);
	for (size_t i = 0; i < m.nh; i++)
		if (!dropped(&m.h[i]))
			mr_buf_add(&h, m.h[i].raw, m.h[i].raw_len);
	free(from);
	free(reply_to);
	rc = fb_assemble(fw, &h, m.body, m.body_len, now, out, err);
	mr_buf_free(&h);
	mr_rawmsg_free(&m);
	return rc;
}
