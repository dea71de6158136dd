/* SPDX-License-Identifier: MIT */
/* The bounce processor: parses one fetched message, finds the recipient by its signed VERP address (or, only when the site opts in, by a known address, recorded without holding), and records bounces, holds, complaints and VERP actions inside the fetch loop's store transaction. */
#include "config.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <mailroom/printable.h>
#include "fetch-bounces.h"

/* Job and queue id of one of our Message-IDs ("<mr.JOB.QUEUE.TAG@DOMAIN>"). */
static int msgid_ids(const char *mid, int64_t *job_r, int64_t *queue_r)
{
	if (!mid)
		return 0;
	while (*mid == '<' || *mid == ' ')
		mid++;
	long long j = 0, q = 0;
	int used = 0;
	if (sscanf(mid, "mr.%lld.%lld.%n", &j, &q, &used) != 2 || used == 0 || j <= 0 || q <= 0)
		return 0;
	*job_r = j;
	*queue_r = q;
	return 1;
}

/* The record of rep to count: the one naming email when there is one,
 * else the first that counts; NULL when none counts. */
static const struct mr_bounce_record *record_for(const struct mr_bounce_report *rep,
						 const char *email)
{
	const struct mr_bounce_record *first = NULL;
	for (size_t i = 0; i < rep->n_recs; i++) {
		const struct mr_bounce_record *r = &rep->recs[i];
		if (!mr_bounce_record_counts(rep, r))
			continue;
		if (email && r->recipient && strcasecmp(r->recipient, email) == 0)
			return r;
		if (!first)
			first = r;
	}
	return first;
}

/* Records one bounce of queue row t->queue_id. */
static int add_bounce(struct fb_proc *p, const struct mr_fetched *msg,
		      const struct mr_bounce_report *rep, const struct mr_bounce_record *rec,
		      const struct mr_bounce_target *t, int low, struct mr_error *err)
{
	int threshold = rec->type ? mr_bounce_type_threshold(p->rules, rec->type) : 0;
	struct mr_bounce_event ev = {
		.queue_id = t->queue_id,
		.when = p->core->now(p->core),
		.type = rec->type,
		.reason = rec->reason,
		.status = rec->status,
		.text = rec->diagnostic,
		.recipient = rec->recipient,
		.found_in = low ? "address" : rep->verp_found_in,
		.low_confidence = low,
		.threshold = threshold,
	};
	struct mr_bounce_added added;
	int rc = mr_store_bounce_add(p->store, &ev, &added, err);
	if (rc)
		return rc;
	p->n.bounces++;
	if (low)
		p->n.low++;
	if (added.held)
		p->n.holds++;
	/* what came from the message is made safe for a terminal and a log */
	char s_email[320], s_reason[200], s_status[64];
	mr_printable_str(s_email, sizeof(s_email), t->email);
	mr_printable_str(s_reason, sizeof(s_reason), rec->reason ? rec->reason : "-");
	mr_printable_str(s_status, sizeof(s_status), rec->status[0] ? rec->status : "no status");
	char s_of[48] = "";
	if (added.threshold > 0)
		snprintf(s_of, sizeof(s_of), " of %lld", (long long)added.threshold);
	p->core->log(p->log, MR_LOG_INFO,
		     "account %s, message %s: %s bounced (%s, %s, %s, type %s%s): %lld%s "
		     "bounces of this type since the reset date%s", p->account,
		     msg->label ? msg->label : msg->key, s_email, s_reason,
		     rec->hardsoft == MR_BOUNCE_HARD ? "hard" : "soft",
		     s_status, rec->type ? rec->type : "Host",
		     low ? ", matched by address" : "", (long long)added.count_type, s_of,
		     added.held ? ": now on hold"
		     : added.threshold <= 0 ? " (this type never holds: the sender's problem)" : "");
	return 0;
}

/* A bounce whose VERP address checked out: the queue row it names. */
static int verp_bounce(struct fb_proc *p, const struct mr_fetched *msg,
		       const struct mr_bounce_report *rep, const struct mr_bounce_target *t,
		       char *reason, size_t rsize, struct mr_error *err)
{
	switch (rep->kind) {
	case MR_BOUNCE_FEEDBACK:
		return fb_action(p, msg, rep, t, 0, reason, rsize, err);
	case MR_BOUNCE_AUTOREPLY:
		return fb_ignore(p, msg, reason, rsize, "an auto-reply from %s, not a bounce",
				 t->email);
	case MR_BOUNCE_NONE:
		return fb_ignore(p, msg, reason, rsize, "no bounce found in a message to the VERP "
				 "address of %s", t->email);
	default:
		break;
	}
	const struct mr_bounce_record *rec = record_for(rep, t->email);
	if (!rec)
		return fb_ignore(p, msg, reason, rsize, "a notice about %s that does not count "
				 "(delayed, delivered or no failed recipient)", t->email);
	int rc = add_bounce(p, msg, rep, rec, t, 0, err);
	return rc ? rc : MR_VERDICT_PROCESSED;
}

/* A delivery failure without a signed id, when the site opted in to
 * match_by_address: each counting recipient known in the store, with the
 * mailing from the returned Message-ID when it names a row sent to that
 * address, else the address's newest queue row.  Anyone can write such a
 * message, so the events are recorded with low confidence and never hold
 * (the store counts only signed bounces towards a hold). */
static int address_bounce(struct fb_proc *p, const struct mr_fetched *msg,
			  const struct mr_bounce_report *rep, char *reason, size_t rsize,
			  struct mr_error *err)
{
	int64_t mj = 0, mq = 0;
	int have_ids = msgid_ids(rep->orig_message_id, &mj, &mq);
	size_t done = 0;
	int64_t done_q[32];
	for (size_t i = 0; i < rep->n_recs; i++) {
		const struct mr_bounce_record *rec = &rep->recs[i];
		if (!rec->recipient || !*rec->recipient)
			continue;
		if (rep->kind == MR_BOUNCE_FAILURE && !mr_bounce_record_counts(rep, rec))
			continue;
		struct mr_bounce_target t;
		struct mr_error e = { 0 };
		int rc = MR_ENOTFOUND;
		if (have_ids)
			rc = mr_store_bounce_target(p->store, mj, mq, rec->recipient, &t, &e);
		if (rc == MR_ENOTFOUND)
			rc = mr_store_bounce_target(p->store, 0, 0, rec->recipient, &t, &e);
		if (rc == MR_ENOTFOUND || (rc == 0 && t.queue_id == 0)) {
			char s_rcpt[320];
			mr_printable_str(s_rcpt, sizeof(s_rcpt), rec->recipient);
			p->core->log(p->log, MR_LOG_INFO, "account %s, message %s: %s is %s", p->account,
				     msg->label ? msg->label : msg->key, s_rcpt,
				     rc ? "not in the store" : "in the store but was never mailed");
			continue;
		}
		if (rc) {
			*err = e;
			return rc;
		}
		int twice = 0; /* a recipient named twice in one report counts once */
		for (size_t k = 0; k < done && k < 32; k++)
			twice |= done_q[k] == t.queue_id;
		if (twice)
			continue;
		if (done < 32)
			done_q[done] = t.queue_id;
		rc = add_bounce(p, msg, rep, rec, &t, 1, err);
		if (rc < 0)
			return rc;
		done++;
	}
	if (!done)
		return fb_ignore(p, msg, reason, rsize, "no VERP address and no bounced recipient "
				 "known in the store (%zu recipient%s found)", rep->n_recs,
				 rep->n_recs == 1 ? "" : "s");
	return MR_VERDICT_PROCESSED;
}

/* True when a VERP address found there was the message's envelope recipient. */
static int envelope_header(const char *where)
{
	static const char *const hs[] = { "To", "Delivered-To", "X-Original-To", "Envelope-To",
					  "X-Envelope-To", "Original-Recipient" };
	for (size_t i = 0; where && i < sizeof(hs) / sizeof(hs[0]); i++)
		if (strcmp(where, hs[i]) == 0)
			return 1;
	return 0;
}

static int process(struct fb_proc *p, const struct mr_fetched *msg, char *reason, size_t rsize,
		   struct mr_error *err)
{
	const struct mr_core *core = p->core;
	p->n.messages++;
	if (!msg->data || msg->len == 0)
		return fb_ignore(p, msg, reason, rsize, "an empty message");
	struct mr_bounce_report rep;
	int rc = mr_bounce_parse(msg->data, msg->len, p->rules, p->verp, &rep);
	if (rc)
		return core->error_set(err, rc, "account %s, message %s: out of memory parsing it",
				       p->account, msg->label ? msg->label : msg->key);
	if (rep.verp && rep.verp_ok < 0) {
		p->n.forged++;
		char s_verp[320];
		mr_printable_str(s_verp, sizeof(s_verp), rep.verp);
		core->log(p->log, MR_LOG_WARNING, "account %s, message %s: forged VERP: %s (%s, "
			  "found in %s): nothing counted, no other address tried", p->account,
			  msg->label ? msg->label : msg->key, s_verp,
			  rep.verp_damage ? rep.verp_damage : "damaged",
			  rep.verp_found_in ? rep.verp_found_in : "?");
		rc = fb_ignore(p, msg, reason, rsize, "forged VERP (%s) in %s",
			       rep.verp_damage ? rep.verp_damage : "damaged", rep.verp);
	} else if (rep.verp && rep.verp_ok > 0) {
		struct mr_bounce_target t;
		const struct mr_verp *v = &rep.verp_parsed;
		rc = mr_store_bounce_target(p->store, v->job_id, v->queue_id, NULL, &t,
						  err);
		if (rc == MR_ENOTFOUND) {
			rc = fb_ignore(p, msg, reason, rsize, "the VERP address %s names no queue row "
				       "in the store", rep.verp);
		} else if (rc == 0) {
			if (v->action == MR_VERP_BOUNCE)
				rc = verp_bounce(p, msg, &rep, &t, reason, rsize, err);
			else if (envelope_header(rep.verp_found_in))
				rc = fb_action(p, msg, &rep, &t, v->action, reason, rsize, err);
			else if ((rep.kind == MR_BOUNCE_FAILURE || rep.kind == MR_BOUNCE_FEEDBACK) &&
				 rep.verp_found_in && strcmp(rep.verp_found_in, "body") != 0)
				/* a bounce returning the original's headers */
				rc = verp_bounce(p, msg, &rep, &t, reason, rsize, err);
			else
				rc = fb_ignore(p, msg, reason, rsize, "the '%c' address of %s is only "
					       "quoted (in %s), not written to", v->action, t.email,
					       rep.verp_found_in ? rep.verp_found_in : "?");
		}
	} else if (rep.kind == MR_BOUNCE_FAILURE && p->match_by_address) {
		rc = address_bounce(p, msg, &rep, reason, rsize, err);
	} else if (rep.kind == MR_BOUNCE_FAILURE || rep.kind == MR_BOUNCE_FEEDBACK) {
		/* no signed id of ours: anyone could have written it */
		p->n.unsigned_++;
		rc = fb_ignore(p, msg, reason, rsize, "%s with no signed id of ours (no valid VERP "
			       "address, original Return-Path or X-Mailroom-Id)%s",
			       rep.kind == MR_BOUNCE_FEEDBACK ? "a complaint" : "a bounce",
			       rep.kind == MR_BOUNCE_FEEDBACK ? ": never matched by address" :
			       ": match_by_address is off");
	} else if (rep.kind == MR_BOUNCE_AUTOREPLY) {
		rc = fb_ignore(p, msg, reason, rsize, "an auto-reply, not a bounce");
	} else {
		rc = fb_ignore(p, msg, reason, rsize, "not a bounce and no VERP address of ours");
	}
	mr_bounce_report_free(&rep);
	return rc;
}

int fb_process(void *cookie, const struct mr_fetched *msg, char *reason, size_t rsize,
	       struct mr_error *err)
{
	struct fb_proc *p = cookie;
	struct fb_counts before = p->n;
	int rc = process(p, msg, reason, rsize, err);
	fb_contrib_put(p, msg->key, &before);
	return rc;
}

void fb_proc_free(struct fb_proc *p)
{
	fb_contrib_free(p);
	for (size_t i = 0; i < p->n_replies; i++) {
		free(p->replies[i].key);
		free(p->replies[i].label);
		free(p->replies[i].data);
	}
	free(p->replies);
	p->replies = NULL;
	p->n_replies = 0;
	free(p->auto_body);
	p->auto_body = NULL;
	if (p->rules)
		mr_bounce_rules_free(p->rules);
	if (p->verp)
		mr_verp_conf_free(p->verp);
	p->rules = NULL;
	p->verp = NULL;
}
