/* SPDX-License-Identifier: MIT */
/* Fuzz target: inspect's reading of a Received value (core/cli/received.c): the hop date after ';' (the parser that had the signed overflow), the from/by/with words, comment stripping. */
#include "received.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v = fuzz_cstr(data, size);
	const char *semi = strrchr(v, ';');
	if (received_date(semi ? semi + 1 : v) < -1)
		abort(); /* a date is -1 or a time */
	char *bare = received_strip_comments(v);
	if (bare && strlen(bare) > strlen(v))
		abort(); /* stripping never adds */
	static const char *const keys[] = { "from", "by", "with", "id" };
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char word[16];
		memset(word, 'x', sizeof(word));
		received_word(bare ? bare : v, keys[k], word, sizeof(word));
		if (!memchr(word, 0, sizeof(word)))
			abort(); /* the word fits its buffer */
	}
	free(bare);
	free(v);
	return 0;
}
