/* SPDX-License-Identifier: MIT */
/* Internal interface of the bounce classifier: the tolerant message scanner, the parsers and the rules. */
#ifndef MR_BOUNCE_INTERNAL_H
#define MR_BOUNCE_INTERNAL_H

#include <stddef.h>
#include "../mail-internal.h"

/* Bounds that keep broken input cheap. */
#define BN_MAX_DEPTH 8        /* MIME nesting */
#define BN_MAX_PARTS 64       /* MIME parts looked at */
#define BN_MAX_RECS 256       /* records per message */
#define BN_MAX_TEXT (256 * 1024) /* human-readable text kept */
#define BN_MAX_DIAG 1024      /* diagnostic text per record */

/* A growable byte buffer, always NUL-terminated once used. */

/* One scanned message. */
struct bscan {
	char *buf;            /* the message with LF line endings */
	size_t len;
	size_t hdr_len;       /* top header block */
	struct mr_buf text;     /* decoded human-readable text parts, in order */
	struct mr_buf dsn;      /* message/delivery-status contents */
	struct mr_buf arf;      /* message/feedback-report contents */
	struct mr_buf orig;     /* the returned original (message or headers) */
	int multipart_report; /* top type is multipart/report */
	int n_parts;
	int skip_html;        /* inside a multipart/alternative with a text part */
};

/* Normalises line endings and walks the MIME tree.  0 or MR_ENOMEM. */
int bscan_run(struct bscan *s, const char *data, size_t len);
void bscan_free(struct bscan *s);

/* The unfolded value of header name in the block [h, h+len), copied to
 * buf (truncated); returns 1 when present. */
int hdr_get(const char *h, size_t len, const char *name, char *buf, size_t size);
/* The same for the nth (from 0) occurrence of header name. */
int hdr_get_nth(const char *h, size_t len, const char *name, unsigned nth, char *buf,
		size_t size);
/* The length of the header block at p (up to the empty line), and where
 * the body starts. */
size_t hdr_block(const char *p, size_t len, size_t *body_r);

/* Finds the first address-like token in [p, end): start and length. */
int addr_find(const char *p, const char *end, const char **a_r, size_t *n_r);
/* The same for a field that names exactly one address (a DSN's
 * Final-Recipient): a domain without a dot is taken when nothing else is. */
int addr_find_field(const char *p, const char *end, const char **a_r, size_t *n_r);
/* Copies an address, lowercased domain, into a new string. */
char *addr_dup(const char *a, size_t n);

/* Case-insensitive substring search within n bytes. */
const char *ci_find(const char *h, size_t n, const char *needle);

/* Rules (rules.c). */
struct rec_build {
	char *recipient;
	char status[16];
	char *action;
	char *diag;      /* raw diagnostic text */
	char *remote_mta;
	char *command;   /* SMTP command the error came after, if known */
};
void rules_classify(const struct mr_bounce_rules *rules, const struct rec_build *b,
		    struct mr_bounce_record *rec);
/* Applies [domain-reason] to a record whose text said nothing known. */
void rules_domain_reason(const struct mr_bounce_rules *rules, const char *recipient,
			 struct mr_bounce_record *rec);
/* Status code from text: a DSN code, else an SMTP reply code mapped. */
void status_from_text(const char *t, char out[16]);
/* Whether text matches the rules' auto-reply or original-message markers. */
int rules_is_autoreply(const struct mr_bounce_rules *rules, const char *text, size_t n);
/* Where in text the returned original starts (a marker line), or n. */
size_t rules_orig_start(const struct mr_bounce_rules *rules, const char *text, size_t n);
/* The bounce type of a reason per the rules, or NULL. */
const char *rules_type_of(const struct mr_bounce_rules *rules, const char *reason);
int rules_is_bounce_subject(const struct mr_bounce_rules *rules, const char *text, size_t n);
int rules_is_bounce_from(const struct mr_bounce_rules *rules, const char *text, size_t n);

/* Parsers. */
int dsn_parse(const char *p, size_t n, struct rec_build **recs, size_t *n_recs, int *has_any);
/* Amazon SES's JSON notifications (notificationType Bounce or Complaint, as
 * SES documents them, also inside an SNS envelope): the bounced or
 * complained recipients with their status and diagnostic.  Returns 0 when
 * text is none, 1 for bounces, 2 for a complaint. */
int json_notification_parse(const char *text, size_t n, struct rec_build **recs, size_t *n_recs);
/* The recipients a human-readable text names.  TEXT_ALL: addresses that open a
 * line (or a "label:" line), else the first address of the text;
 * TEXT_LABELLED: only such lines where the address stands alone or is
 * followed by ':' or "..." (a failed-recipient line), no fallback;
 * TEXT_FIRST: the first address of the text only (a list server's notice). */
enum { TEXT_ALL, TEXT_LABELLED, TEXT_FIRST };
int text_parse(const char *text, size_t n, char *const *excl, size_t n_excl, int mode,
	       struct rec_build **recs, size_t *n_recs);
void rec_build_free(struct rec_build *b);

#endif
