/* SPDX-License-Identifier: MIT */
/*
 * The data of mass mailing as stores and jobs exchange it: contacts, groups,
 * mailings, recipient queue rows, their outcomes and statistics.  Strings
 * handed to a callback are valid only during the call.
 */
#ifndef MAILROOM_MAILING_H
#define MAILROOM_MAILING_H

#include <stddef.h>
#include <stdint.h>

/* A contact with its primary email. */
struct mr_contact {
	int64_t id;                 /* 0 for a new one */
	const char *contact_type;   /* "Individual" or "Organization"; NULL: keep/default */
	const char *first_name;     /* NULL: keep (upsert) */
	const char *last_name;
	const char *display_name;
	const char *email;          /* the primary email */
	int on_hold;                /* of the primary email: 0, 1 (bounces), 2 (by hand) */
	int do_not_email;
	int is_opt_out;
	int64_t created, modified;
};
typedef int mr_contact_cb(void *cookie, const struct mr_contact *c);

/* Flags of contact_set_flag. */
enum mr_contact_flag {
	MR_CONTACT_ON_HOLD = 1,      /* the email's on_hold (value 0, 1 or 2) */
	MR_CONTACT_OPT_OUT = 2,      /* the contact's is_opt_out */
	MR_CONTACT_DO_NOT_EMAIL = 3  /* the contact's do_not_email */
};

struct mr_group {
	int64_t id;
	const char *name;
	const char *title;
	int64_t members;            /* contacts with status Added */
	int64_t created;
};
typedef int mr_group_cb(void *cookie, const struct mr_group *g);

enum mr_mailing_status {
	MR_MAILING_DRAFT = 1,
	MR_MAILING_SCHEDULED = 2,
	MR_MAILING_RUNNING = 3,
	MR_MAILING_PAUSED = 4,
	MR_MAILING_COMPLETE = 5,
	MR_MAILING_CANCELED = 6
};

struct mr_attachment {
	const char *filename;       /* a bare file name */
	const char *content_type;   /* e.g. "application/pdf" */
	const unsigned char *data;
	size_t len;
};

struct mr_mailing {
	int64_t id;
	const char *name;
	const char *subject;        /* UTF-8, may hold tokens */
	const char *from_name;      /* NULL or "": the site's */
	const char *from_email;     /* NULL or "": the site's */
	const char *reply_to;
	const char *body_text;      /* UTF-8 templates; either may be NULL */
	const char *body_html;
	enum mr_mailing_status status;
	int64_t scheduled_at;       /* 0 when not scheduled */
	int64_t created;
	const char *const *include_groups; /* group names */
	size_t n_include;
	const char *const *exclude_groups;
	size_t n_exclude;
	const struct mr_attachment *attachments; /* index with mr_mailing_attachment() */
	size_t n_attachments;
	size_t attachment_size;     /* sizeof(struct mr_attachment) of the array; 0: this one's */
};
typedef int mr_mailing_cb(void *cookie, const struct mr_mailing *m);
/* A mailing template (mailroom template add): layouts whose
 * {template.content} a mailing's content fills. */
struct mr_template {
	const char *name;
	const char *html;           /* NULL: no HTML layout */
	const char *text;           /* NULL: no text layout */
	int64_t created;
};
typedef int mr_template_cb(void *cookie, const struct mr_template *t);

/* One named setting of a mailing (mailing_settings): list_id, precedence, ... */
typedef int mr_mailing_setting_cb(void *cookie, const char *name, const char *value);

/* One claimed recipient, with what rendering needs. */
struct mr_recipient {
	int64_t queue_id;
	int64_t job_id;
	int64_t mailing_id;
	int64_t contact_id;
	const char *email;
	const char *first_name;     /* "" when unknown */
	const char *last_name;
	const char *display_name;
	int attempts;               /* including this one */
	const char *fields;         /* the contact's custom fields, "NAME\x1fVALUE\x1e..." in any order
				     * ("" when none; NULL from a store that has none) */
};
typedef int mr_recipient_cb(void *cookie, const struct mr_recipient *r);

/* What happened to one recipient. */
enum mr_queue_result {
	MR_QUEUE_SENT = 1,      /* the server accepted it */
	MR_QUEUE_TEMPFAIL = 2,  /* retry with backoff, a bounce once retry_for passed */
	MR_QUEUE_BOUNCED = 3,   /* permanent failure */
	MR_QUEUE_IN_DOUBT = 4   /* may or may not have been accepted */
};

struct mr_queue_outcome {
	size_t size;                /* sizeof(struct mr_queue_outcome): the stride of an
				       array of them (0: this header's) */
	int64_t queue_id;
	enum mr_queue_result result;
	int64_t when;
	int code;                   /* SMTP reply code or 0 */
	const char *enhanced;       /* "5.1.1" or "" */
	const char *text;
	const char *bounce_type;    /* a bounce_types name ("Invalid"), NULL: "Syntax" */
	int64_t retry_base;         /* TEMPFAIL: first delay, doubled per attempt */
	int64_t retry_max;          /* TEMPFAIL: largest delay */
	int64_t retry_for;          /* TEMPFAIL: a bounce after this long since the first try */
	/* TEMPFAIL and BOUNCED: the answer as the bounce rules classify it
	 * (core->bounce_classify), recorded with the bounce event and counted
	 * towards the email's hold like a DSN's (bounce_add); all MAY be 0 */
	const char *reason;         /* e.g. "userunknown", or NULL */
	const char *status;         /* the classified status ("5.1.1"); NULL: enhanced */
	int threshold;              /* the type's hold threshold per the rules; 0: the store's;
				     * negative: never held (as in mr_bounce_event) */
};

/* Attachment i of m, by the stride the array was built with. */
static inline const struct mr_attachment *mr_mailing_attachment(const struct mr_mailing *m,
								size_t i)
{
	size_t z = m->attachment_size ? m->attachment_size : sizeof(struct mr_attachment);
	return (const struct mr_attachment *)(const void *)((const char *)m->attachments + i * z);
}

/* Outcome i of an array of outcomes, by the stride of its first element. */
static inline const struct mr_queue_outcome *mr_queue_outcome_at(const struct mr_queue_outcome *o,
								 size_t i)
{
	size_t z = o->size ? o->size : sizeof(struct mr_queue_outcome);
	return (const struct mr_queue_outcome *)(const void *)((const char *)o + i * z);
}

/* One rendered message (core->mailing_render); data is malloc'ed and
 * reused by the next render into the same struct: free(data) at the end. */
struct mr_rendered_msg {
	char *data;                 /* the whole message, CRLF line breaks */
	size_t len, cap;
	char envelope_from[320];    /* the VERP bounce address */
	char message_id[160];       /* without <> */
};

/* A mailing's compiled templates and constant parts, opaque. */
struct mr_renderer;

#define MR_STATS_MAX_TYPES 16

struct mr_mailing_stats {
	int64_t total;      /* queue rows */
	int64_t queued;     /* waiting (queued or leased) */
	int64_t sending;    /* handed to the transport now */
	int64_t sent;       /* accepted by the server */
	int64_t delivered;  /* sent and no bounce came back */
	int64_t retrying;   /* temporary failure, waiting for the next attempt */
	int64_t bounced;    /* permanent failure (at send time or a bounce later) */
	int64_t in_doubt;   /* in flight when a worker died */
	int64_t canceled;
	size_t n_types;
	struct {
		char name[32];
		int64_t count;
	} by_type[MR_STATS_MAX_TYPES]; /* bounces by bounce type */
};

#endif
