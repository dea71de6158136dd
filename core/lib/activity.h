/* SPDX-License-Identifier: MIT */
/* Incoming messages read as Email activities: addresses, subject, date, bodies and attachments (included by mr.h). */
#ifndef MR_ACTIVITY_H
#define MR_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/activity.h>

struct mr_error;

/* Reads one raw message (LF, CRLF; a leading BOM or mbox "From " line is
 * ignored) as an Email activity.  lim may be NULL (no limits).  Never fails
 * on a broken message: what cannot be read is left out.  Returns 0 with
 * *act_r (free with mr_activity_free), or MR_ENOMEM / MR_EINPUT (not a
 * message at all) with err.  The first call initialises GMime: make it before
 * starting threads; later calls may run in parallel. */
int mr_activity_parse(const char *data, size_t len, const struct mr_activity_limits *lim,
		      struct mr_activity **act_r, struct mr_error *err);
void mr_activity_free(struct mr_activity *act);
/* "over max_attachments", "over max_attachment_size" or NULL for kept. */
const char *mr_activity_skip_reason(enum mr_activity_skip s);

/* Text from HTML: tags dropped, script/style/title content skipped,
 * block tags become line breaks, entities unescaped, whitespace and blank
 * lines collapsed.  Input and output UTF-8.  Returns malloc'ed text or NULL
 * when out of memory. */
char *mr_html_to_text(const char *html, size_t len);

/* A file name safe to create in a directory: no path, no NUL or control
 * characters, no leading dot, no reserved device name, valid UTF-8, at most
 * 200 bytes (the extension kept).  name may be NULL or hold NULs (len
 * bytes); fallback (e.g. "attachment-3.bin") is used when nothing is left.
 * Returns malloc'ed, or NULL when out of memory. */
char *mr_filename_sanitize(const char *name, size_t len, const char *fallback);

/* Decodes RFC 2047 encoded words in unstructured header text s (already
 * unfolded): adjacent words joined, whitespace between them dropped, raw
 * 8-bit text read as UTF-8 or windows-1252.  Returns malloc'ed UTF-8, NULL
 * when out of memory. */
char *mr_header_decode(const char *s);

/* Converts len bytes in charset to UTF-8 with \0 at the end: an unknown or
 * missing charset is read as UTF-8, each invalid byte as windows-1252.
 * Returns malloc'ed (length in *len_r when not NULL), NULL when out of memory. */
char *mr_to_utf8(const char *charset, const char *in, size_t len, size_t *len_r);

#endif
