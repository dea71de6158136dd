/* SPDX-License-Identifier: MIT */
/*
 * job-process-mailing ("Send Scheduled Mailings"): builds a due mailing's
 * recipient queue once, then leases batches of it, renders each message
 * through the core's renderer (tokens, VERP, List-Unsubscribe, DKIM), hands
 * the batch to the site's transport and records each recipient's outcome as
 * the transport reports it.
 *
 * Rendering overlaps sending: a render thread renders the next batch while
 * the transport sends the current one (store and transport are only used
 * from the job's own thread).
 *
 * Crash safety: rows are leased (state leased) before rendering and marked
 * sending right before the batch goes to the transport; an outcome is
 * committed only from the transport's done callback, i.e. after the server
 * answered.  A worker killed mid-batch leaves rows in sending: the next run
 * of the same worker (same lease owner) or any worker after the lease expired
 * marks them in doubt, or queues them again with resend_in_doubt = yes.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include "process-mailing.h"

#define FLUSH_EVERY 32
/* render threads per batch (DKIM signing is the costly part) */
#define PM_PARTS 2

static const struct mr_key pm_keys[] = {
	{ "batch_limit", MR_KEY_INT, "100000", "messages sent per run at most", 0, NULL, 1,
	  1000000000 },
	{ "batch_size", MR_KEY_INT, "256", "messages handed to the transport at once", 0, NULL, 1,
	  100000 },
	{ "rate", MR_KEY_STRING, "0",
	  "global limit across all workers: N/s, N/min or N/h (0: none)" },
	{ "throttle", MR_KEY_INT, "0", "milliseconds to wait between messages (per worker)", 0,
	  NULL, 0, 3600000 },
	{ "retry_for", MR_KEY_DURATION, "2d",
	  "a temporary failure is retried with backoff until this long after the first try" },
	{ "retry_delay", MR_KEY_DURATION, "5m", "the first retry's delay, doubled each time" },
	{ "resend_in_doubt", MR_KEY_BOOL, "no",
	  "resend messages that were in flight when a worker died (may duplicate)" },
	{ "job_size", MR_KEY_INT, "0", "split a mailing into child jobs of this many recipients "
	  "(0: one job)", 0, NULL, 0, 1000000000 },
	{ "lease", MR_KEY_DURATION, "10m",
	  "how long a worker holds its claimed recipients before others may take them" },
	{ 0 }
};

/* One claimed recipient, copied out of the store's callback. */
struct pm_rcpt {
	struct mr_recipient r;
	char *strs;
};

/*
 * A batch in one of two slots: while the transport sends one slot's batch
 * (in the main thread, which also records the outcomes in the store), a
 * render thread renders the other's.  Each slot leases under its own owner
 * name, so that marking one batch as sending never touches the other.
 */
struct pm_slot {
	char owner[160];
	size_t n, nm;
	struct pm_rcpt *rcpts;
	struct mr_rendered_msg *rendered;
	struct mr_outmsg *msgs;
	struct mr_send_result *results;
	const char **rcpt_ptrs;
	struct mr_send_result *fail;   /* per recipient: status PENDING or its render failure */
	int64_t now;
	const struct mr_core *core;
	/* rendered in PM_PARTS parts at once, each by its own thread and renderer */
	struct pm_part {
		struct pm_slot *slot;
		struct mr_renderer *renderer;
		size_t from, to;
		pthread_t tid;
		int running;
	} parts[PM_PARTS];
};

struct pm_run {
	const struct mr_core *core;
	struct mr_job_ctx *ctx;
	struct mr_store *st;
	int64_t retry_for, retry_delay;
	size_t cap;
	struct pm_slot slots[2];
	struct pm_slot *sending;
	struct mr_queue_outcome *pending;
	size_t n_pending;
	int store_failed;
	struct mr_error store_err;
	long long sent, retried, bounced;
};

static int copy_rcpt(void *cookie, const struct mr_recipient *r)
{
	struct pm_slot *sl = cookie;
	struct pm_rcpt *c = &sl->rcpts[sl->n];
	size_t l1 = strlen(r->email) + 1, l2 = strlen(r->first_name) + 1,
	       l3 = strlen(r->last_name) + 1, l4 = strlen(r->display_name) + 1;
	free(c->strs);
	if (!(c->strs = malloc(l1 + l2 + l3 + l4)))
		return MR_ENOMEM;
	char *p = c->strs;
	c->r = *r;
	c->r.email = memcpy(p, r->email, l1);
	c->r.first_name = memcpy(p += l1, r->first_name, l2);
	c->r.last_name = memcpy(p += l2, r->last_name, l3);
	c->r.display_name = memcpy(p += l3, r->display_name, l4);
	sl->n++;
	return 0;
}

static void flush(struct pm_run *run)
{
	if (!run->n_pending)
		return;
	struct mr_error err = { 0 };
	int rc = run->st->ops->queue_outcome(run->st->state, run->pending, run->n_pending, &err);
	if (rc && !run->store_failed) {
		run->store_failed = rc;
		run->store_err = err;
		run->core->log(run->ctx->log, MR_LOG_ERR, "recording outcomes: %s", err.msg);
	}
	run->n_pending = 0;
}

static void add_outcome(struct pm_run *run, struct pm_slot *sl, size_t i,
			const struct mr_send_result *res)
{
	struct mr_queue_outcome *o = &run->pending[run->n_pending++];
	memset(o, 0, sizeof(*o));
	o->queue_id = sl->rcpts[i].r.queue_id;
	o->when = run->core->now(run->core);
	o->code = res->code;
	o->enhanced = res->enhanced;
	o->text = res->text;
	o->retry_base = run->retry_delay;
	o->retry_max = 6 * 3600;
	o->retry_for = run->retry_for;
	switch (res->status) {
	case MR_SEND_OK:
		o->result = MR_QUEUE_SENT;
		run->sent++;
		break;
	case MR_SEND_PERMFAIL:
		o->result = MR_QUEUE_BOUNCED;
		o->bounce_type = pm_bounce_type(res->code, res->enhanced, res->text);
		run->bounced++;
		break;
	default:
		o->result = MR_QUEUE_TEMPFAIL;
		o->bounce_type = pm_bounce_type(res->code, res->enhanced, res->text);
		run->retried++;
		break;
	}
	if (run->n_pending >= FLUSH_EVERY)
		flush(run);
}

/* The transport's callback: message i is final; record it at once. */
static void on_done(void *cookie, size_t i, struct mr_outmsg *msg)
{
	struct pm_run *run = cookie;
	(void)i;
	add_outcome(run, run->sending, (size_t)(uintptr_t)msg->user, &msg->results[0]);
}

static void ms_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int stopping(struct pm_run *run)
{
	return (run->ctx->stop && *run->ctx->stop) ||
	       (run->ctx->deadline && run->core->now(run->core) >= run->ctx->deadline);
}

/* Renders part of a slot's recipients (a render thread: no store, no log). */
static void *render_part(void *arg)
{
	struct pm_part *pt = arg;
	struct pm_slot *sl = pt->slot;
	const struct mr_core *core = sl->core;
	for (size_t i = pt->from; i < pt->to; i++) {
		struct mr_error e = { 0 };
		memset(&sl->fail[i], 0, sizeof(sl->fail[i]));
		if (core->mailing_render(pt->renderer, &sl->rcpts[i].r, sl->now, &sl->rendered[i],
					 &e) != 0) {
			sl->fail[i].status = MR_SEND_PERMFAIL;
			snprintf(sl->fail[i].enhanced, sizeof(sl->fail[i].enhanced), "5.1.3");
			snprintf(sl->fail[i].text, sizeof(sl->fail[i].text), "not rendered: %s", e.msg);
		}
	}
	return NULL;
}

/* Starts rendering a slot's n recipients in parts. */
static void start_slot(struct pm_slot *sl, struct mr_renderer *const *renderers)
{
	size_t per = (sl->n + PM_PARTS - 1) / PM_PARTS;
	for (int k = 0; k < PM_PARTS; k++) {
		struct pm_part *pt = &sl->parts[k];
		pt->slot = sl;
		pt->renderer = renderers[k];
		pt->from = (size_t)k * per < sl->n ? (size_t)k * per : sl->n;
		pt->to = pt->from + per < sl->n ? pt->from + per : sl->n;
		pt->running = 0;
		if (pt->from == pt->to)
			continue;
		if (pthread_create(&pt->tid, NULL, render_part, pt) == 0)
			pt->running = 1;
		else
			render_part(pt);
	}
}

/* Waits for a slot's render threads and lists its rendered messages. */
static void join_slot(struct pm_slot *sl)
{
	int any = 0;
	for (int k = 0; k < PM_PARTS; k++)
		if (sl->parts[k].running) {
			pthread_join(sl->parts[k].tid, NULL);
			sl->parts[k].running = 0;
			any = 1;
		}
	if (!any && sl->nm)
		return;
	sl->nm = 0;
	for (size_t i = 0; i < sl->n; i++) {
		if (sl->fail[i].status == MR_SEND_PERMFAIL)
			continue;
		struct mr_rendered_msg *out = &sl->rendered[i];
		size_t k = sl->nm++;
		sl->rcpt_ptrs[k] = sl->rcpts[i].r.email;
		memset(&sl->results[k], 0, sizeof(sl->results[k]));
		sl->msgs[k] = (struct mr_outmsg){
			.envelope_from = out->envelope_from, .rcpts = &sl->rcpt_ptrs[k], .n_rcpts = 1,
			.data = out->data, .len = out->len, .results = &sl->results[k],
			.user = (void *)(uintptr_t)i,
		};
	}
}

/* Sends a rendered slot: render failures recorded, rows marked sending, the
 * batch handed to the transport, outcomes recorded as they come.  Returns
 * <0 when the transport could not be used at all. */
static int send_slot(struct pm_run *run, struct pm_slot *sl, struct mr_error *err)
{
	const struct mr_core *core = run->core;
	struct mr_job_ctx *ctx = run->ctx;
	for (size_t i = 0; i < sl->n; i++)
		if (sl->fail[i].status == MR_SEND_PERMFAIL) {
			core->log(ctx->log, MR_LOG_WARNING, "recipient %lld: %s",
				  (long long)sl->rcpts[i].r.queue_id, sl->fail[i].text);
			add_outcome(run, sl, i, &sl->fail[i]);
		}
	flush(run);
	/* from here on a crash leaves these rows in doubt */
	int rc = run->st->ops->queue_mark(run->st->state, sl->owner, 1, err);
	if (rc)
		return rc;
	struct mr_error terr = { 0 };
	run->sending = sl;
	int trc = sl->nm ? ctx->transport->ops->send_batch(ctx->transport->state, sl->msgs, sl->nm,
							    on_done, run, &terr) : 0;
	if (trc < 0) {
		core->log(ctx->log, MR_LOG_ERR, "transport %s: %s", ctx->transport->name, terr.msg);
		for (size_t k = 0; k < sl->nm; k++) {
			struct mr_send_result res = { .status = MR_SEND_TEMPFAIL };
			snprintf(res.text, sizeof(res.text), "transport: %s", terr.msg);
			add_outcome(run, sl, (size_t)(uintptr_t)sl->msgs[k].user, &res);
		}
	}
	flush(run);
	sl->n = sl->nm = 0;
	return trc < 0 ? -1 : 0;
}

struct mailing_copy {
	struct mr_renderer *renderers[PM_PARTS];
	int rc;
	struct mr_error err;
	const struct mr_core *core;
};

static int make_renderer(void *cookie, const struct mr_mailing *m)
{
	struct mailing_copy *mc = cookie;
	for (int k = 0; k < PM_PARTS && mc->rc == 0; k++)
		mc->rc = mc->core->mailing_renderer_new(mc->core, m, &mc->renderers[k], &mc->err);
	return 0;
}

static void free_renderers(struct mailing_copy *mc)
{
	for (int k = 0; k < PM_PARTS; k++)
		if (mc->renderers[k])
			mc->core->mailing_renderer_free(mc->renderers[k]);
}

/* Sends batches of one mailing until its queue, the run's limit or time ends. */
static int send_mailing(struct pm_run *run, int64_t mid, const char *rate_path, double per_sec,
			long long *budget, struct mr_error *err)
{
	const struct mr_core *core = run->core;
	struct mr_job_ctx *ctx = run->ctx;
	struct mailing_copy mc = { .core = core };
	int rc = run->st->ops->mailing_get(run->st->state, mid, make_renderer, &mc, err);
	if (rc)
		return rc;
	if (mc.rc) {
		*err = mc.err;
		free_renderers(&mc);
		return mc.rc;
	}
	long long lease = core->cfg_duration(ctx->cfg, "lease");
	long long throttle = core->cfg_int(ctx->cfg, "throttle");
	size_t batch = run->cap;
	if (throttle > 0)
		batch = 1;
	struct pm_slot *ready = NULL; /* rendered, waiting to be sent */
	int cur = 0, tfail = 0;
	for (;;) {
		struct pm_slot *sl = &run->slots[cur];
		sl->n = 0;
		if (*budget > 0 && !stopping(run) && !run->store_failed && !tfail) {
			size_t want = batch < (size_t)*budget ? batch : (size_t)*budget;
			want = pm_rate_take(rate_path, per_sec, want, ctx->stop, ctx->deadline);
			int64_t now = core->now(core);
			if (want > 0 && (rc = run->st->ops->queue_claim(run->st->state, mid, sl->owner,
									now, now + lease, want, copy_rcpt,
									sl, err)) != 0)
				break;
			*budget -= (long long)sl->n;
			sl->nm = 0;
			if (sl->n) {
				sl->now = now;
				sl->core = core;
				start_slot(sl, mc.renderers);
			}
		}
		if (ready) {
			if (send_slot(run, ready, err) < 0)
				tfail = 1;
			if (throttle > 0)
				ms_sleep((long)throttle);
			ready = NULL;
		}
		join_slot(sl);
		if (sl->n == 0)
			break; /* empty, paused, canceled, limit or time reached */
		ready = sl;
		cur ^= 1;
	}
	for (int k = 0; k < 2; k++)
		join_slot(&run->slots[k]);
	if (ready && rc == 0)
		send_slot(run, ready, err);
	/* rows still leased (not sent) go back to the queue */
	struct mr_error e2 = { 0 };
	for (int k = 0; k < 2; k++)
		run->st->ops->queue_mark(run->st->state, run->slots[k].owner, 0, &e2);
	free_renderers(&mc);
	if (!rc && run->store_failed) {
		*err = run->store_err;
		rc = run->store_failed;
	}
	return rc;
}

static void free_run(struct pm_run *run)
{
	for (int k = 0; k < 2; k++) {
		struct pm_slot *sl = &run->slots[k];
		for (size_t i = 0; i < run->cap; i++) {
			if (sl->rcpts)
				free(sl->rcpts[i].strs);
			if (sl->rendered)
				free(sl->rendered[i].data);
		}
		free(sl->rcpts);
		free(sl->rendered);
		free(sl->msgs);
		free(sl->results);
		free(sl->rcpt_ptrs);
		free(sl->fail);
	}
	free(run->pending);
}

static int alloc_run(struct pm_run *run)
{
	for (int k = 0; k < 2; k++) {
		struct pm_slot *sl = &run->slots[k];
		snprintf(sl->owner, sizeof(sl->owner), "%s/worker-%d/%c", run->ctx->job,
			 run->ctx->worker, 'a' + k);
		sl->rcpts = calloc(run->cap, sizeof(*sl->rcpts));
		sl->rendered = calloc(run->cap, sizeof(*sl->rendered));
		sl->msgs = calloc(run->cap, sizeof(*sl->msgs));
		sl->results = calloc(run->cap, sizeof(*sl->results));
		sl->rcpt_ptrs = calloc(run->cap, sizeof(*sl->rcpt_ptrs));
		sl->fail = calloc(run->cap, sizeof(*sl->fail));
		if (!sl->rcpts || !sl->rendered || !sl->msgs || !sl->results || !sl->rcpt_ptrs ||
		    !sl->fail)
			return -1;
	}
	run->pending = calloc(FLUSH_EVERY + run->cap, sizeof(*run->pending));
	return run->pending ? 0 : -1;
}

static int pm_run(void *state, struct mr_job_ctx *ctx, struct mr_error *err)
{
	(void)state;
	const struct mr_core *core = ctx->core;
	struct mr_store *st = ctx->store;
	if (!st || !MR_OPS_HAS(st->ops, mailing_stats))
		return core->error_set(err, MR_EUNSUPPORTED, "the store '%s' has no mailings",
				       st && st->name ? st->name : "?");
	if (!ctx->transport || !ctx->transport->ops)
		return core->error_set(err, MR_ECONFIG, "no outbound transport is configured");
	if (core->size < offsetof(struct mr_core, mailing_renderer_free) + sizeof(void *) ||
	    !core->mailing_render)
		return core->error_set(err, MR_EUNSUPPORTED, "this mailroom core cannot render "
				       "mailings (it is older than the plugin)");
	double per_sec = 0;
	if (pm_rate_parse(core->cfg_str(ctx->cfg, "rate"), &per_sec) != 0)
		return core->error_set(err, MR_ECONFIG, "[%s] rate \"%s\": use N/s, N/min or N/h",
				       core->cfg_name(ctx->cfg), core->cfg_str(ctx->cfg, "rate"));
	struct pm_run run = { .core = core, .ctx = ctx, .st = st };
	run.retry_for = core->cfg_duration(ctx->cfg, "retry_for");
	run.retry_delay = core->cfg_duration(ctx->cfg, "retry_delay");
	run.cap = (size_t)core->cfg_int(ctx->cfg, "batch_size");
	if (alloc_run(&run) != 0) {
		free_run(&run);
		return core->error_set(err, MR_ENOMEM, "out of memory");
	}
	const struct mr_section *main = core->cfg_section(core, "mailroom");
	const char *lock_dir = main ? core->cfg_str(main, "lock_dir") : NULL;
	const char *site = main ? core->cfg_str(main, "site") : NULL;
	char rate_path[600];
	snprintf(rate_path, sizeof(rate_path), "%s/mailroom-%s-%s.rate", lock_dir ? lock_dir : "/tmp",
		 site ? site : "default", ctx->job);
	int resend = core->cfg_bool(ctx->cfg, "resend_in_doubt");
	int64_t requeued = 0, doubt = 0, rq2 = 0, dq2 = 0;
	int rc = st->ops->queue_recover(st->state, run.slots[0].owner, core->now(core), resend,
					&requeued, &doubt, err);
	if (rc == 0)
		rc = st->ops->queue_recover(st->state, run.slots[1].owner, core->now(core), resend,
					    &rq2, &dq2, err);
	requeued += rq2;
	doubt += dq2;
	if (rc == 0 && (requeued || doubt))
		core->log(ctx->log, MR_LOG_NOTICE, "recovered %lld recipients of an earlier run "
			  "(%lld back in the queue, %lld in doubt)", (long long)(requeued + doubt),
			  (long long)requeued, (long long)doubt);
	long long budget = core->cfg_int(ctx->cfg, "batch_limit");
	int64_t after = 0, built_total = 0;
	int mailings = 0, completed = 0;
	long long job_size = core->cfg_int(ctx->cfg, "job_size");
	while (rc == 0 && budget > 0 && !stopping(&run)) {
		int64_t mid = 0, jid = 0, built = 0;
		struct mr_error e = { 0 };
		int drc = st->ops->mailing_due(st->state, core->now(core), after, &mid, &jid, &e);
		if (drc == MR_ENOTFOUND)
			break;
		if (drc) {
			*err = e;
			rc = drc;
			break;
		}
		after = mid;
		mailings++;
		if ((rc = st->ops->queue_build(st->state, jid, job_size, &built, err)) != 0)
			break;
		if (built) {
			built_total += built;
			core->log(ctx->log, MR_LOG_NOTICE, "mailing %lld: queue built with %lld "
				  "recipients", (long long)mid, (long long)built);
		}
		if ((rc = send_mailing(&run, mid, rate_path, per_sec, &budget, err)) != 0)
			break;
		int complete = 0;
		if ((rc = st->ops->mailing_finish(st->state, mid, core->now(core), &complete,
						  err)) != 0)
			break;
		if (complete) {
			completed++;
			core->log(ctx->log, MR_LOG_NOTICE, "mailing %lld complete", (long long)mid);
		}
	}
	free_run(&run);
	snprintf(ctx->message, sizeof(ctx->message), "%d mailings: %lld sent, %lld to retry, "
		 "%lld bounced, %d complete%s", mailings, run.sent, run.retried, run.bounced,
		 completed, doubt ? ", earlier run's messages in doubt" : "");
	snprintf(ctx->data, sizeof(ctx->data), "{\"mailings\":%d,\"queued\":%lld,\"sent\":%lld,"
		 "\"retry\":%lld,\"bounced\":%lld,\"complete\":%d,\"in_doubt\":%lld}", mailings,
		 (long long)built_total, run.sent, run.retried, run.bounced, completed,
		 (long long)doubt);
	if (rc == 0)
		core->log(ctx->log, MR_LOG_INFO, "%s", ctx->message);
	return rc;
}

static const char *pm_lock_group(void *state)
{
	(void)state;
	return NULL;
}

static unsigned pm_permissions(void *state)
{
	(void)state;
	return MR_PERM_SEND_MAIL;
}

static const struct mr_job_ops pm_ops = {
	.size = sizeof(struct mr_job_ops),
	.run = pm_run,
	.lock_group = pm_lock_group,
	.permissions = pm_permissions,
};

MR_PLUGIN_DEFINE(MR_KIND_JOB, "process-mailing", PACKAGE_VERSION,
		 "Send Scheduled Mailings: builds each due mailing's queue once, renders and "
		 "sends it in leased batches, records every recipient's outcome.",
		 pm_keys, &pm_ops);
