/* SPDX-License-Identifier: MIT */
/* The one sanitiser for text from a message (or the network) that is printed on a terminal or written to a log: control characters, terminal escapes and invalid UTF-8 never pass. */
#ifndef MAILROOM_PRINTABLE_H
#define MAILROOM_PRINTABLE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Keep newlines and tabs (multi-line text such as a message body shown on a
 * terminal); without it they become a space. */
#define MR_PRINTABLE_MULTILINE 0x1u

/* Copies the len bytes of src into dst (size bytes, always NUL-terminated
 * when size > 0) as text safe for a terminal or a log line:
 *  - valid UTF-8 is kept;
 *  - every C0 control (ESC, BEL, CR, NUL, ...), DEL, every C1 control
 *    (U+0080..U+009F, which some terminals obey too) and the Unicode
 *    direction overrides and isolates (U+202A..U+202E, U+2066..U+2069,
 *    which reorder what is shown) become '?';
 *  - tab and newline become a space (kept with MR_PRINTABLE_MULTILINE);
 *  - every byte that is not part of valid UTF-8 (overlong forms, surrogates,
 *    code points over U+10FFFF) becomes '?'.
 * A result that does not fit is cut at a character boundary and ends in
 * "...".  src may be NULL when len is 0.  Returns the length of dst. */
size_t mr_printable(char *dst, size_t size, const char *src, size_t len, unsigned flags);

/* mr_printable() of a NUL-terminated string (NULL prints as ""), one line;
 * returns buf, so that it can be an argument of printf. */
const char *mr_printable_str(char *buf, size_t size, const char *s);

#ifdef __cplusplus
}
#endif

#endif
