/* SPDX-License-Identifier: MIT */
/* Fuzz target: DKIM parsing: a DNS key record (mr_dkim_key_parse: tags, base64, DER, key size) and the tags of a DKIM-Signature value (mr_dkim_tag). */
#include <mailroom/dkim.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct mr_dkim_key k = { 0 };
	if (mr_dkim_key_parse(s, &k) == 0 && k.pkey && strcmp(k.alg, "rsa") == 0 && k.bits < 0)
		abort();
	mr_dkim_key_free(&k);
	static const char *const tags[] = { "v", "a", "b", "bh", "c", "d", "h", "l", "s", "t",
					    "x", "k", "p" };
	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
		free(mr_dkim_tag(s, tags[t]));
	free(s);
	return 0;
}
