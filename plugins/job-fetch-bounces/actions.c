/* SPDX-License-Identifier: MIT */
/* VERP actions of job-fetch-bounces: replies (recorded and forwarded to the mailing's reply-to through the transport), unsubscribe, opt-out, resubscribe, and ARF complaints (opt-out). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fetch-bounces.h"

static int already_forwarded(const struct fb_proc *p, const char *key)
{
	for (size_t i = 0; i < p->n_forwarded_keys; i++)
		if (strcmp(p->forwarded_keys[i], key) == 0)
			return 1;
	return 0;
}

static void remember_forwarded(struct fb_proc *p, const char *key)
{
	char **nk = realloc(p->forwarded_keys, (p->n_forwarded_keys + 1) * sizeof(*nk));
	if (!nk)
		return;
	p->forwarded_keys = nk;
	if ((nk[p->n_forwarded_keys] = strdup(key)) != NULL)
		p->n_forwarded_keys++;
}

/* Sends the reply on to t->reply_to with a null envelope sender (so that
 * its own bounce cannot loop back here) and one added header naming the
 * mailing.  A failure is logged: the reply is recorded either way. */
static void forward_reply(struct fb_proc *p, const struct mr_fetched *msg,
			  const struct mr_bounce_target *t)
{
	const char *label = msg->label ? msg->label : msg->key;
	if (!p->forward_replies || !p->transport || !p->transport->ops || !t->reply_to[0])
		return;
	if (already_forwarded(p, msg->key))
		return;
	int crlf = memmem(msg->data, msg->len, "\r\n", 2) != NULL;
	char head[160];
	int hl = snprintf(head, sizeof(head), "X-Mailroom-Reply-Of-Mailing: %lld%s",
			  (long long)t->mailing_id, crlf ? "\r\n" : "\n");
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return;
	char *data = malloc((size_t)hl + msg->len);
	if (!data) {
		p->core->log(p->log, MR_LOG_ERR, "message %s: out of memory forwarding a reply",
			     label);
		return;
	}
	memcpy(data, head, (size_t)hl);
	memcpy(data + hl, msg->data, msg->len);
	const char *rcpt = t->reply_to;
	struct mr_send_result res;
	memset(&res, 0, sizeof(res));
	struct mr_outmsg om = {
		.envelope_from = "",
		.rcpts = &rcpt,
		.n_rcpts = 1,
		.data = data,
		.len = (size_t)hl + msg->len,
		.results = &res,
	};
	struct mr_error e = { 0 };
	int rc = p->transport->ops->send_batch(p->transport->state, &om, 1, NULL, NULL, &e);
	free(data);
	if (rc) {
		p->core->log(p->log, MR_LOG_ERR, "message %s: forwarding the reply to %s: %s", label,
			     rcpt, e.msg);
	} else if (res.status != MR_SEND_OK) {
		p->core->log(p->log, MR_LOG_ERR, "message %s: forwarding the reply to %s failed: "
			     "%d %s %s", label, rcpt, res.code, res.enhanced, res.text);
	} else {
		p->n.forwarded++;
		remember_forwarded(p, msg->key);
		p->core->log(p->log, MR_LOG_INFO, "message %s: reply forwarded to %s", label, rcpt);
	}
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
	int rc = p->store->ops->verp_action(p->store->state, t->queue_id, a, p->core->now(p->core),
					    details, &changed, err);
	if (rc)
		return rc;
	p->n.actions++;
	p->core->log(p->log, MR_LOG_INFO, "account %s, message %s: %s of %s (mailing %lld): "
		     "%lld change%s", p->account, msg->label ? msg->label : msg->key, what, t->email,
		     (long long)t->mailing_id, (long long)changed, changed == 1 ? "" : "s");
	if (a == MR_ACTION_REPLY)
		forward_reply(p, msg, t);
	return MR_VERDICT_PROCESSED;
}
