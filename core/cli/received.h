/* SPDX-License-Identifier: MIT */
/* Internal interface of received.c: what inspect reads from one Received header value (hostile bytes from any relay on the way). */
#ifndef MR_RECEIVED_H
#define MR_RECEIVED_H

#include <stddef.h>

/* Seconds since the epoch of the RFC 5322 date in s (a Received value's
 * part after ';'), or -1 when s holds none or one before 1970; two- and
 * three-digit years as RFC 5322 4.3 says; never overflows on any input. */
long long received_date(const char *s);
/* Copies into buf (size bytes, always NUL-terminated) the word after
 * " KEY " in v, e.g. the host after "by"; "" when there is none. */
void received_word(const char *v, const char *key, char *buf, size_t size);
/* A malloc'ed copy of v without its (nested) comments, or NULL. */
char *received_strip_comments(const char *v);

#endif
