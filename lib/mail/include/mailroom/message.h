/* SPDX-License-Identifier: MIT */
/* Raw messages as bytes: header fields, RFC 2047 words, charsets, base64, mbox files, a small MIME writer (libmailroom-mail). */
#ifndef MAILROOM_MESSAGE_H
#define MAILROOM_MESSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/error.h>
#include <mailroom/addr.h>

/* ---- MIME helpers (mime.c) */
struct mr_test_message {
	const char *from;
	const char *from_name;
	const char *to;
	const char *subject;
	const char *text;
	const char *domain; /* for the Message-ID */
};
/* Builds a complete message with GMime; *data_r malloc'ed, *msgid_r malloc'ed. */
int mr_mime_build_test(const struct mr_test_message *m, char **data_r, size_t *len_r,
		       char **msgid_r, struct mr_error *err);
/* Splits a message at the first empty line: header block length (with the
 * empty line's own line break excluded from neither part's content). */
size_t mr_mime_header_len(const char *data, size_t len, size_t *body_off_r);
/* t as an RFC 5322 date in UTC ("Mon, 7 Dec 2026 03:04:05 +0000") into buf. */
void mr_mail_date(int64_t t, char *buf, size_t size);
/* The decoded Subject of a raw message, malloc'ed, or NULL. */
char *mr_mime_subject(const char *data, size_t len);
/* How mr_header_unfold treats whitespace. */
#define MR_UNFOLD_TRIM     0x1u /* trailing whitespace goes too */
#define MR_UNFOLD_COLLAPSE 0x2u /* every run of whitespace and line breaks becomes one
				   space, controls become '?', both ends trimmed */
/* The one header unfolder: a raw field value (folding CR/LF included)
 * without its line breaks and leading whitespace; malloc'ed, NULL when out
 * of memory. */
char *mr_header_unfold(const char *raw, size_t n, unsigned flags);
/* The unfolded, RFC 2047-decoded value of the first header called name in a
 * raw message, malloc'ed, or NULL when there is none. */
char *mr_msg_header(const char *data, size_t len, const char *name);

/* ---- a received message's header fields, as bytes (rawmsg.c) */
struct mr_hfield {
	const char *name; /* points into the message, name_len bytes */
	size_t name_len;
	const char *raw;  /* the whole field, folding and final CRLF included */
	size_t raw_len;
};
struct mr_rawmsg {
	char *data;       /* the message with every line ending made CRLF */
	size_t len;
	struct mr_hfield *h;
	size_t nh;
	const char *body; /* after the empty line */
	size_t body_len;
};
/* Splits a message (LF, CRLF or mixed line endings) into header fields and
 * body.  Returns 0 or MR_ENOMEM / MR_EINPUT (no header at all). */
int mr_rawmsg_parse(const char *data, size_t len, struct mr_rawmsg *m);
void mr_rawmsg_free(struct mr_rawmsg *m);
/* True when the field is called name (case-insensitive). */
int mr_hfield_is(const struct mr_hfield *f, const char *name);
/* The field's value unfolded, whitespace runs made one space, trimmed;
 * malloc'ed, NULL when out of memory. */
char *mr_hfield_value(const struct mr_hfield *f);
/* Decodes base64, skipping whitespace; *out_r malloc'ed.  Returns 0 or -1. */
int mr_base64_decode(const char *s, size_t len, unsigned char **out_r, size_t *out_len_r);

/* Text from HTML: tags dropped, script/style/title content skipped,
 * block tags become line breaks, entities unescaped, whitespace and blank
 * lines collapsed.  Input and output UTF-8.  Returns malloc'ed text or NULL
 * when out of memory. */
char *mr_html_to_text(const char *html, size_t len);
/* mr_html_to_text with flags; MR_HTML_TEXT_READABLE (a mailing's text part
 * made from its HTML): a blank line between paragraphs, headings, lists and
 * tables, "- " before list items, and each link written out after its
 * text as " <URL>" (not for "#" links or when the text is the URL). */
#define MR_HTML_TEXT_READABLE 0x1u
char *mr_html_to_text_flags(const char *html, size_t len, unsigned flags);

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

/* Splits an mbox: the next message at *off (after its "From " line).
 * Returns 1 with [*msg_r, *msg_r + *len_r), 0 at the end. */
int mr_mbox_next(const char *data, size_t len, size_t *off, const char **msg_r,
		 size_t *len_r);
/* True when data looks like an mbox file (starts with "From "). */
int mr_mbox_is(const char *data, size_t len);

#endif
