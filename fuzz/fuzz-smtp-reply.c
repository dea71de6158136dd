/* SPDX-License-Identifier: MIT */
/* Fuzz target: transport-smtp's reply reader (plugins/transport-smtp/smtp-reply.c) on a server's bytes cut into lines: multi-line replies, RFC 3463 status codes, EHLO capabilities; asserts no control character reaches a reply's text. */
#include "smtp-reply.h"
#include "fuzz.h"

static void check(const struct smtp_reply *r)
{
	if (!memchr(r->text, 0, sizeof(r->text)) || !memchr(r->enhanced, 0, sizeof(r->enhanced)))
		abort(); /* both stay NUL-terminated */
	for (const char *p = r->text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort(); /* a server's control bytes never reach a log line */
	if (r->code && (r->code < 100 || r->code > 599))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data, *end = d + size;
	struct smtp_reply r = { 0 };
	struct smtp_caps caps = { 0 };
	while (d < end) {
		const char *nl = memchr(d, '\n', (size_t)(end - d));
		size_t len = nl ? (size_t)(nl - d) + 1 : (size_t)(end - d);
		/* the plugin reads a line into its own buffer: give each an exact copy */
		char *line = malloc(len ? len : 1);
		if (!line)
			abort();
		memcpy(line, d, len);
		int last = 0;
		(void)smtp_reply_line_code(line, len, &last);
		smtp_caps_line(&caps, line, len);
		int rc = smtp_reply_feed(&r, line, len);
		check(&r);
		if (rc != 0)
			memset(&r, 0, sizeof(r));
		char enh[16];
		if (smtp_enhanced_parse(line, len, enh) >= sizeof(enh))
			abort();
		free(line);
		d += len;
	}
	return 0;
}
