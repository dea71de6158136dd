/* SPDX-License-Identifier: MIT */
/*
 * What the bounce processor and the stores exchange: who a bounce or a VERP
 * action is about, a bounce event to count against an email's hold
 * threshold, VERP actions, and bounce statistics.
 */
#ifndef MAILROOM_BOUNCE_STORE_H
#define MAILROOM_BOUNCE_STORE_H

#include <stddef.h>
#include <stdint.h>

/* A recipient of a mailing as the store resolved it (bounce_target). */
struct mr_bounce_target {
	int64_t queue_id;      /* mailing_recipients row, 0 when none was found */
	int64_t job_id;        /* its mailing job, 0 when none */
	int64_t mailing_id;    /* its mailing, 0 when none */
	int64_t contact_id;
	int64_t email_id;      /* 0 when the address is no longer in the store */
	int on_hold;           /* of the email: 0, 1 (bounces) or 2 (by hand) */
	int is_opt_out;        /* of the contact */
	char email[320];
	char reply_to[320];    /* the mailing's Reply-To, else its From, else "" */
};

/* One bounce to record (bounce_add). */
struct mr_bounce_event {
	int64_t queue_id;      /* MUST: the queue row the bounce is about */
	int64_t when;
	const char *type;      /* bounce type name ("Invalid"); NULL: "Host" */
	const char *reason;    /* e.g. "userunknown", or NULL */
	const char *status;    /* DSN status "5.1.1", or NULL */
	const char *text;      /* the diagnostic, or NULL */
	const char *recipient; /* the address the bounce named, or NULL */
	const char *found_in;  /* where the VERP address was found, or NULL */
	int low_confidence;    /* matched by address, not by a signed VERP address */
	int threshold;         /* the type's hold threshold; 0: the store's bounce_types;
				* negative: never (a problem of the sender: recorded
				* and counted, never putting the email on hold) */
};

/* What bounce_add did. */
struct mr_bounce_added {
	int64_t email_id;      /* 0 when the row's email is gone (nothing counted) */
	int64_t count;         /* bounces of the email since its reset date */
	int64_t count_type;    /* of them, of this event's type */
	int threshold;         /* the threshold that applied; 0: never */
	int held;              /* 1: this bounce put the email on hold */
	int was_on_hold;       /* the email was on hold before */
};

/* The VERP actions (and complaints) verp_action records. */
enum mr_verp_action {
	MR_ACTION_REPLY = 1,       /* a reply event */
	MR_ACTION_UNSUBSCRIBE = 2, /* out of the mailing's included groups */
	MR_ACTION_OPTOUT = 3,      /* contact-wide is_opt_out = 1 */
	MR_ACTION_RESUBSCRIBE = 4, /* back into the mailing's included groups, opt-out cleared */
	MR_ACTION_COMPLAINT = 5    /* an ARF complaint: opt-out, recorded as such */
};

/* One row of bounce statistics: bounces of one type in one mailing. */
struct mr_bounce_stat {
	int64_t mailing_id;
	const char *mailing;   /* the mailing's name */
	const char *type;      /* bounce type name, "Unknown" when none */
	int64_t bounces;       /* bounce events */
	int64_t emails;        /* distinct emails they were about */
};
typedef int mr_bounce_stat_cb(void *cookie, const struct mr_bounce_stat *row);

/* Totals of bounce_stats. */
struct mr_bounce_totals {
	int64_t on_hold;       /* emails on hold because of bounces (on_hold = 1) */
	int64_t on_hold_manual;/* emails put on hold by hand (on_hold = 2) */
	int64_t opted_out;     /* contacts opted out */
	int64_t bounces;       /* bounce events in all */
	int64_t low_confidence;/* of them, matched by address only */
};

#endif
