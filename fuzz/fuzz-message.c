/* SPDX-License-Identifier: MIT */
/* Fuzz target: the message model that inspect reads (mr_rawmsg_parse, header values, unfolding, RFC 2047 decoding, Subject, DKIM-Signature tags, mbox splitting). */
#include <mailroom/message.h>
#include <mailroom/dkim.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	struct mr_rawmsg m;
	if (mr_rawmsg_parse(d, size, &m) == 0) {
		static const char *const tags[] = { "v", "a", "b", "bh", "c", "d", "h", "i", "l",
						    "q", "s", "t", "x" };
		for (size_t i = 0; i < m.nh; i++) {
			char *v = mr_hfield_value(&m.h[i]);
			if (!v)
				continue;
			char *dec = mr_header_decode(v);
			free(dec);
			if (mr_hfield_is(&m.h[i], "DKIM-Signature"))
				for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
					free(mr_dkim_tag(v, tags[t]));
			free(v);
		}
		mr_rawmsg_free(&m);
	}
	free(mr_mime_subject(d, size));
	free(mr_msg_header(d, size, "Received"));
	size_t off = 0, n = 0;
	const char *msg;
	size_t mlen;
	while (n++ < 1000 && mr_mbox_next(d, size, &off, &msg, &mlen) > 0)
		;
	return 0;
}
