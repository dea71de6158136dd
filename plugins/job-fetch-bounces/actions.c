/* SPDX-License-Identifier: MIT */
/* VERP actions of job-fetch-bounces: replies (recorded, forwarded to the mailing's reply-to through the transport as the site's mail: reply-forward.c, and answered by the auto-reply: auto-reply.c), unsubscribe, opt-out, resubscribe, and ARF complaints (opt-out). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fetch-bounces.h"

/* Replies held for forwarding at most, in bytes. */
#define REPLY_BYTES_MAX (64u << 20)

static void reply_free(struct fb_reply *r)
{
	free(r->key);
	free(r->label);
	free(r->data);
	memset(r, 0, sizeof(*r));
}

/* Queues the reply for forwarding and for its auto-reply after the commit;
 * the same message processed again (a group redone after a rollback)
 * replaces its entry. */
static void queue_reply(struct fb_proc *p, const struct mr_fetched *msg,
			const struct mr_bounce_target *t)
{
	const char *label = msg->label ? msg->label : msg->key;
	const char *why = NULL;
	int forward = p->forward_replies && t->reply_to[0];
	int answer = p->auto_body && t->email[0] && !t->on_hold && !t->is_opt_out;
	if (answer && !fb_auto_reply_allowed(msg->data, msg->len, &why)) {
		p->core->log(p->log, MR_LOG_INFO, "message %s: no auto-reply: %s", label, why);
		answer = 0;
	}
	if ((!forward && !answer) || !p->transport || !p->transport->ops)
		return;
	for (size_t i = 0; i < p->n_replies; i++)
		if (strcmp(p->replies[i].key, msg->key) == 0) {
			p->reply_bytes -= p->replies[i].len;
			reply_free(&p->replies[i]);
			p->replies[i] = p->replies[--p->n_replies];
			break;
		}
	if (p->reply_bytes + msg->len > REPLY_BYTES_MAX) {
		p->core->log(p->log, MR_LOG_WARNING, "message %s: not forwarded: more than %u MiB "
			     "of replies in one run", label, REPLY_BYTES_MAX >> 20);
		return;
	}
	struct fb_reply *nr = realloc(p->replies, (p->n_replies + 1) * sizeof(*nr));
	if (!nr)
		return;
	p->replies = nr;
	struct fb_reply *r = &nr[p->n_replies];
	memset(r, 0, sizeof(*r));
	r->key = strdup(msg->key);
	r->label = strdup(label);
	r->data = malloc(msg->len ? msg->len : 1);
	if (!r->key || !r->label || !r->data) {
		reply_free(r);
		p->core->log(p->log, MR_LOG_ERR, "message %s: out of memory queueing a reply", label);
		return;
	}
	memcpy(r->data, msg->data, msg->len);
	r->len = msg->len;
	r->mailing_id = t->mailing_id;
	snprintf(r->rcpt, sizeof(r->rcpt), "%s", forward ? t->reply_to : "");
	snprintf(r->replier, sizeof(r->replier), "%s", answer ? t->email : "");
	p->reply_bytes += msg->len;
	p->n_replies++;
}

/* Sends one reply on to its mailing's reply-to: as the site's mail (fw,
 * reply-forward.c) when the site has a From address, else as received with
 * one added header naming the mailing and a null envelope sender (so that
 * its own bounce cannot loop back here).  A failure is logged: the reply
 * stays recorded. */
static void forward_one(struct fb_proc *p, const struct fb_fwd *fw, const struct fb_reply *r)
{
	struct mr_buf b = { 0 };
	struct mr_error re = { 0 };
	if (fw->from && fb_reply_rewrite(fw, r, &b, &re) != 0) {
		p->core->log(p->log, MR_LOG_ERR, "message %s: forwarding the reply: %s", r->label,
			     re.msg);
		mr_buf_free(&b);
		return;
	}
	if (!fw->from) {
		int crlf = memmem(r->data, r->len, "\r\n", 2) != NULL;
		mr_buf_printf(&b, "X-Mailroom-Reply-Of-Mailing: %lld%s", (long long)r->mailing_id,
			      crlf ? "\r\n" : "\n");
		mr_buf_add(&b, r->data, r->len);
	}
	if (b.oom) {
		p->core->log(p->log, MR_LOG_ERR, "message %s: out of memory forwarding a reply",
			     r->label);
		mr_buf_free(&b);
		return;
	}
	char *data = b.p;
	size_t len = b.len;
	const char *rcpt = r->rcpt;
	struct mr_send_result res;
	memset(&res, 0, sizeof(res));
	struct mr_outmsg om = {
		.size = sizeof(om),
		.envelope_from = fw->from ? fw->from : "",
		.rcpts = &rcpt,
		.n_rcpts = 1,
		.data = data,
		.len = len,
		.result_size = sizeof(res),
		.results = &res,
	};
	struct mr_error e = { 0 };
	int rc = p->transport->ops->send(p->transport->state, &om, 1, NULL, &e);
	free(data);
	if (rc) {
		p->core->log(p->log, MR_LOG_ERR, "message %s: forwarding the reply to %s: %s",
			     r->label, rcpt, e.msg);
	} else if (res.status != MR_SEND_OK) {
		p->core->log(p->log, MR_LOG_ERR, "message %s: forwarding the reply to %s failed: "
			     "%d %s %s", r->label, rcpt, res.code, res.enhanced, res.text);
	} else {
		p->n.forwarded++;
		p->core->log(p->log, MR_LOG_INFO, "message %s: reply forwarded to %s", r->label,
			     rcpt);
	}
}

void fb_forward_replies(struct fb_proc *p, const char *account)
{
	const struct mr_core *core = p->core;
	const struct mr_section *main = core->cfg_section(core, "mailroom");
	const char *from = main ? core->cfg_str(main, "from") : NULL;
	const char *name = main ? core->cfg_str(main, "from_name") : NULL;
	struct fb_fwd fw = { core, from && *from ? from : NULL,
			     name && *name ? name : main ? core->cfg_str(main, "site") : NULL, NULL };
	struct mr_error de = { 0 };
	if (p->n_replies && fw.from && mr_mail_dkim_signer(core, &fw.dkim, &de) != 0)
		core->log(p->log, MR_LOG_WARNING, "replies forwarded unsigned: %s", de.msg);
	if (!fw.site_name)
		fw.site_name = "mailroom";
	for (size_t i = 0; i < p->n_replies; i++) {
		struct fb_reply *r = &p->replies[i];
		int seen = 0;
		struct mr_error e = { 0 };
		if (mr_store_msg_seen(p->store, account, r->key, &seen, &e) != 0)
			p->core->log(p->log, MR_LOG_ERR, "message %s: %s", r->label, e.msg);
		else if (seen && r->rcpt[0])
			forward_one(p, &fw, r);
		if (seen && r->replier[0])
			fb_auto_reply_send(p, &fw, r);
		reply_free(r);
	}
	mr_dkim_signer_free(fw.dkim);
	free(p->replies);
	p->replies = NULL;
	p->n_replies = 0;
	p->reply_bytes = 0;
}

int fb_action(struct fb_proc *p, const struct mr_fetched *msg,
	      const struct mr_bounce_report *rep, const struct mr_bounce_target *t, char action,
	      char *reason, size_t rsize, struct mr_error *err)
{
	enum mr_verp_action a;
	const char *what;
	if (action == 0) {
		a = MR_ACTION_COMPLAINT;
		what = "complaint (opt-out)";
	} else if (rep->kind == MR_BOUNCE_AUTOREPLY) {
		return fb_ignore(p, msg, reason, rsize, "an auto-reply to the '%c' address of %s",
				 action, t->email);
	} else if (action == MR_VERP_REPLY) {
		a = MR_ACTION_REPLY;
		what = "reply";
	} else if (action == MR_VERP_UNSUBSCRIBE) {
		a = MR_ACTION_UNSUBSCRIBE;
		what = "unsubscribe";
	} else if (action == MR_VERP_OPTOUT) {
		a = MR_ACTION_OPTOUT;
		what = "opt-out";
	} else if (action == MR_VERP_RESUBSCRIBE) {
		a = MR_ACTION_RESUBSCRIBE;
		what = "resubscribe";
	} else {
		return fb_ignore(p, msg, reason, rsize, "unknown VERP action '%c'", action);
	}
	char details[200];
	snprintf(details, sizeof(details), "message %s of account %s",
		 msg->label ? msg->label : msg->key, p->account);
	int64_t changed = 0;
	int rc = mr_store_verp_action(p->store, t->queue_id, a, p->core->now(p->core),
					    details, &changed, err);
	if (rc)
		return rc;
	p->n.actions++;
	p->core->log(p->log, MR_LOG_INFO, "account %s, message %s: %s of %s (mailing %lld): "
		     "%lld change%s", p->account, msg->label ? msg->label : msg->key, what, t->email,
		     (long long)t->mailing_id, (long long)changed, changed == 1 ? "" : "s");
	if (a == MR_ACTION_REPLY)
		queue_reply(p, msg, t);
	return MR_VERDICT_PROCESSED;
}
