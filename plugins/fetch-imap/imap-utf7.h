/* SPDX-License-Identifier: MIT */
/* IMAP mailbox names in modified UTF-7 (RFC 3501 5.1.3): UTF-8 names from the configuration to the wire and back. */
#ifndef IMAP_UTF7_H
#define IMAP_UTF7_H

/* The wire form of the UTF-8 name s (malloc'ed), or NULL when s is not
 * valid UTF-8 (overlong forms, surrogates, bytes above U+10FFFF), has a
 * control character, or memory ran out. */
char *imap_utf7_encode(const char *s);

/* The UTF-8 form of the wire name s (malloc'ed), or NULL when s is not in
 * modified UTF-7 as RFC 3501 defines it: a byte outside printable ASCII, an
 * '&' run without its '-', a character outside the base64 alphabet, bits
 * left over, a lone or reversed surrogate, or a non-shortest form (printable
 * ASCII or '&' encoded, two encoded runs next to each other, "&-" as the
 * encoding of nothing but '&' is fine). */
char *imap_utf7_decode(const char *s);

#endif
