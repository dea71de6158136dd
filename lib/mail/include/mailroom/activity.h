/* SPDX-License-Identifier: MIT */
/* What mailroom reads from an incoming message to file it as an Email activity (libmailroom-mail). */
#ifndef MAILROOM_ACTIVITY_H
#define MAILROOM_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/error.h>

/* Per-account limits; 0 means no limit. */
struct mr_activity_limits {
	size_t max_attachments;     /* attachments kept at most */
	size_t max_attachment_size; /* decoded bytes of one attachment at most */
};

struct mr_activity_addr {
	char *addr; /* addr-spec in UTF-8: local@domain, or local alone without a domain */
	char *name; /* RFC 2047-decoded display name, or NULL */
};

struct mr_activity_addrs {
	struct mr_activity_addr *v;
	size_t n;
};

enum mr_activity_skip {
	MR_ATTACH_KEPT = 0,
	MR_ATTACH_SKIP_COUNT, /* beyond max_attachments */
	MR_ATTACH_SKIP_SIZE,  /* larger than max_attachment_size */
};

struct mr_activity_attachment {
	char *filename;     /* decoded name (RFC 2231/2047) as the message gives it, or NULL */
	char *safe_name;    /* the name sanitised for a file system; never NULL */
	char *content_type; /* lowercase "type/subtype" */
	int is_message;     /* a message/rfc822 (or news, global) part: data is the embedded message */
	size_t size;        /* decoded size in bytes, also for skipped ones */
	char sha256[65];    /* lowercase hex SHA-256 of the decoded content */
	unsigned char *data; /* the decoded content, size bytes; NULL when skipped */
	enum mr_activity_skip skipped;
};

struct mr_activity {
	struct mr_activity_addrs from, to, cc, bcc; /* every occurrence, groups flattened */
	char *subject;      /* decoded and unfolded, or NULL when absent */
	char *date;         /* ISO 8601, or NULL when missing or unparseable */
	int64_t date_unix;  /* seconds since the epoch, when date is not NULL */
	char *message_id;   /* as given (with <>), whitespace-stripped, or NULL */
	char *text;         /* text body in UTF-8 with \n line ends, or NULL */
	char *html;         /* the HTML body in UTF-8, or NULL */
	const char *text_source; /* "plain", "html" or NULL (static) */
	struct mr_activity_attachment *att; /* kept and skipped ones, in message order */
	size_t n_att;
	size_t n_skipped;
};

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

#endif
