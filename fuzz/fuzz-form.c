/* SPDX-License-Identifier: MIT */
/* Fuzz target: the form bodies of `mailroom serve`'s unsubscribe POSTs (core/cli/serve/serve-form.c), urlencoded or multipart/form-data (the first byte picks), looking for the fields the endpoint reads. */
#include "serve-form.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	static const char *const ctypes[] = { "application/x-www-form-urlencoded",
					      "multipart/form-data; boundary=b", NULL };
	const char *ctype = ctypes[data[0] % 3];
	/* an exact copy of the body, not NUL-terminated, as libmicrohttpd hands it over */
	size_t len = size - 1;
	char *body = malloc(len ? len : 1);
	if (!body)
		abort();
	memcpy(body, data + 1, len);
	(void)sv_form_has(ctype, body, len, "List-Unsubscribe", "One-Click");
	(void)sv_form_has(ctype, body, len, "confirm", "1");
	(void)sv_form_has(ctype, body, len, "page", "1");
	free(body);
	return 0;
}
