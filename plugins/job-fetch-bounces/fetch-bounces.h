/* SPDX-License-Identifier: MIT */
/* Private interface of job-fetch-bounces: the bounce processor's state and counters, shared by its source files. */
#ifndef FETCH_BOUNCES_H
#define FETCH_BOUNCES_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/plugin.h>
#include <mailroom/mail.h>

/* What one run did. */
struct fb_counts {
	size_t messages;   /* messages handed to the processor */
	size_t bounces;    /* bounce events recorded (counted against holds) */
	size_t low;        /* of them, matched by address only */
	size_t holds;      /* emails this run put on hold */
	size_t ignored;    /* messages ignored (with a logged reason) */
	size_t forged;     /* of them, with a damaged VERP address of ours */
	size_t unsigned_;  /* of them, bounces or complaints with no signed id of ours */
	size_t actions;    /* VERP actions and complaints recorded */
	size_t forwarded;  /* replies forwarded to the mailing's reply-to */
	size_t auto_replied; /* auto-replies sent (auto_reply_file) */
};

/* The processor of one run. */
struct fb_proc {
	const struct mr_core *core;
	const struct mr_log *log;
	struct mr_store *store;
	struct mr_transport *transport; /* MAY be NULL: replies are then not forwarded */
	struct mr_bounce_rules *rules;
	struct mr_verp_conf *verp;
	const char *account;   /* the account's name, for the log */
	int forward_replies;
	int match_by_address; /* record unsigned bounces by address (never holding) */
	char *auto_body;       /* auto_reply_file's text, CRLF; NULL: no auto-replies */
	const char *auto_subject;
	long long auto_period; /* seconds */
	struct fb_counts n;
	/* replies to forward once their message is committed (after the
	 * account's fetch loop), one per message key */
	struct fb_reply {
		char *key;
		char *label;
		char *data;
		size_t len;
		int64_t mailing_id;
		char rcpt[320];    /* where it is forwarded ("" when it is not) */
		char replier[320]; /* who gets an auto-reply ("" when nobody) */
	} *replies;
	size_t n_replies;
	size_t reply_bytes;
	/* each message's part of the counters, by key, until it is recorded */
	struct fb_contrib {
		char *key;
		uint64_t hash;
		struct fb_counts c;
	} *contribs;
	size_t contrib_cap, n_contribs;
};

/* Moves what processing one message added to p->n since before into its
 * key's contribution (replacing an earlier one of the same key) (counts.c). */
void fb_contrib_put(struct fb_proc *p, const char *key, const struct fb_counts *before);
/* Adds to p->n the contributions of the messages the store recorded for
 * account, and forgets all of them. */
void fb_contrib_settle(struct fb_proc *p, const char *account);
void fb_contrib_free(struct fb_proc *p);

/* Forwards the queued replies whose messages the store recorded for
 * account, then forgets them all (actions.c). */
void fb_forward_replies(struct fb_proc *p, const char *account);

/* The fetch loop's processor (mr_fetch_processor): cookie is a struct fb_proc. */
int fb_process(void *cookie, const struct mr_fetched *msg, char *reason, size_t reason_size,
	       struct mr_error *err);

/* A message to one of our VERP action addresses, or a complaint about a
 * queue row: records it (actions.c).  Returns a verdict or <0. */
int fb_action(struct fb_proc *p, const struct mr_fetched *msg,
	      const struct mr_bounce_report *rep, const struct mr_bounce_target *t, char action,
	      char *reason, size_t reason_size, struct mr_error *err);

/* Sets reason (printf-style), counts the message ignored and returns
 * MR_VERDICT_IGNORED (counts.c). */
int fb_ignore(struct fb_proc *p, const struct mr_fetched *msg, char *reason, size_t size,
	      const char *fmt, ...) MR_PRINTF(5, 6);

void fb_proc_free(struct fb_proc *p);

/* How replies are forwarded (reply-forward.c): as the site's From. */
struct fb_fwd {
	const struct mr_core *core;
	const char *from;              /* [mailroom] from */
	const char *site_name;         /* [mailroom] from_name, else site */
	struct mr_dkim_signer *dkim;   /* [dkim], or NULL */
};
/* Appends to out the copy of reply r that is forwarded: From "NAME via
 * SITE" <site from> with the replier's Reply-To (else From) in Reply-To,
 * Resent-From/To/Date/Message-ID, the replier's signatures and
 * authentication results dropped, signed with the site's DKIM key so that
 * it passes DMARC as the site's mail.  0 or a status with err. */
int fb_reply_rewrite(const struct fb_fwd *fw, const struct fb_reply *r, struct mr_buf *out,
		     struct mr_error *err);
/* 16 random hex digits for a Message-ID (outgoing.c; "" when the kernel
 * gives no random bytes). */
void fb_random_hex(char out[17]);
/* Appends to out header h (without its blank line) and body, signed first
 * with fw's DKIM key when it has one.  0 or a status with err. */
int fb_assemble(const struct fb_fwd *fw, const struct mr_buf *h, const char *body, size_t body_len,
		int64_t now, struct mr_buf *out, struct mr_error *err);

/* Whether a reply may get an auto-reply (RFC 3834): not when it is one
 * itself or bulk mail (Auto-Submitted other than "no", Precedence bulk,
 * junk or list, List-Id or List-Unsubscribe, X-Auto-Response-Suppress) or
 * has no or a null Return-Path; *why_r says why not (auto-reply.c). */
int fb_auto_reply_allowed(const char *data, size_t len, const char **why_r);
/* Sends the auto-reply to r's replier through the transport when the
 * store says it is due (at most once per auto_period), as the site's mail
 * signed with fw's key, Auto-Submitted: auto-replied, with a null
 * envelope sender; logged, never an error of the run. */
void fb_auto_reply_send(struct fb_proc *p, const struct fb_fwd *fw, const struct fb_reply *r);

#endif
