/* SPDX-License-Identifier: MIT */
/* Fuzz target: RFC 2047 header decoding, HTML-to-text, charset conversion, attachment name sanitising and the terminal sanitiser, on the same input. */
#include <mailroom/message.h>
#include <mailroom/printable.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	free(mr_header_decode(s));
	free(mr_html_to_text((const char *)data, size));
	char *name = mr_filename_sanitize((const char *)data, size, "attachment");
	if (name && (strchr(name, '/') || strcmp(name, "..") == 0 || strcmp(name, ".") == 0))
		abort();
	free(name);
	size_t ul = 0;
	free(mr_to_utf8(size > 0 && data[0] & 1 ? "iso-8859-1" : "windows-1252", (const char *)data, size, &ul));
	/* the sanitiser's promise: nothing below 0x20 (but none), no DEL */
	char out[512];
	mr_printable(out, sizeof(out), (const char *)data, size, 0);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
	free(s);
	return 0;
}
