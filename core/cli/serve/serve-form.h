/* SPDX-License-Identifier: MIT */
/* Internal interface of serve-form.c: reading a request's form body (hostile bytes from anyone). */
#ifndef MR_SERVE_FORM_H
#define MR_SERVE_FORM_H

#include <stddef.h>

/* Whether the form body (len bytes, not NUL-terminated) has field name =
 * value: urlencoded, or one part of multipart/form-data (ctype says which),
 * which RFC 8058 senders may also use. */
int sv_form_has(const char *ctype, const char *body, size_t len, const char *name,
		const char *value);

/* The value of field name of the form body into out (n bytes, NUL-
 * terminated): 1, or 0 when there is none, it holds a NUL byte or is n bytes
 * or longer.  The first field of that name counts. */
int sv_form_get(const char *ctype, const char *body, size_t len, const char *name, char *out,
		size_t n);

#endif
