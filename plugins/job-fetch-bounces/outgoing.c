/* SPDX-License-Identifier: MIT */
/* What the bounce job's own messages (forwarded replies, auto-replies) have in common: a random part for their Message-IDs, and the header signed with the site's DKIM key and joined to the body. */
#include "config.h"
#include <stdio.h>
#include <sys/random.h>
#include "fetch-bounces.h"

void fb_random_hex(char out[17])
{
	unsigned char b[8] = { 0 };
	out[0] = '\0';
	if (getrandom(b, sizeof(b), 0) == (ssize_t)sizeof(b))
		for (int i = 0; i < 8; i++)
			snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int fb_assemble(const struct fb_fwd *fw, const struct mr_buf *h, const char *body, size_t body_len,
		int64_t now, struct mr_buf *out, struct mr_error *err)
{
	int rc = h->oom ? fw->core->error_set(err, MR_ENOMEM, "out of memory") : 0;
	if (rc == 0 && fw->dkim)
		rc = mr_dkim_sign(fw->dkim, h->p, h->len, body, body_len, now, out, err);
	if (rc == 0) {
		mr_buf_add(out, h->p, h->len);
		mr_buf_add(out, "\r\n", 2);
		mr_buf_add(out, body, body_len);
		if (out->oom)
			rc = fw->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	return rc;
}
