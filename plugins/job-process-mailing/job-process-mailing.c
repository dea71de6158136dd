/* SPDX-License-Identifier: MIT */
/*
 * job-process-mailing ("Send Scheduled Mailings"): builds a due mailing's
 * recipient queue once, then leases batches of it, renders each message
 * through the core's renderer (tokens, VERP, List-Unsubscribe, DKIM), hands
 * the batch to the site's transport and records each recipient's outcome as
 * the transport reports it.  A refusal (5xx) or temporary failure (4xx) is
 * classified by the site's bounce rules, the same classifier as DSNs, so that
 * the store counts a send-time bounce towards the email's hold like a DSN.
 *
 * Three kinds of thread overlap (see process-mailing.h): the job's thread
 * claims the next batch and commits outcomes (it alone uses the store),
 * render threads render the claimed batch (slots.c), and the sender thread
 * pushes rendered batches into the transport's stream, or hands it one
 * batch at a time when it does not stream (sender.c).
 *
 * Crash safety: rows are leased (state leased) before rendering and marked
 * sending right before the batch goes to the transport; an outcome is
 * committed only from the transport's final hook, i.e. after the server
 * answered.  Each batch's sending journal (journal.c) gets one line when a
 * message may reach a server (its content is about to go out, or, with a
 * transport that cannot tell, its transaction is about to start), one with
 * its final answer and one when
 * its outcome is about to be committed.  A worker killed mid-batch leaves
 * rows in sending: the next run of the same worker on the same host (same
 * lease owner, "JOB/worker-N/SLOT@HOST")
 * records the answers its journal holds, puts back in the queue the rows
 * never offered, and marks in doubt only those offered without an answer,
 * as any worker does with all of them after the lease expired; with
 * resend_in_doubt = yes they are queued again.
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <mailroom/bounce.h>
#include <mailroom/host.h>
#include "process-mailing.h"

/* outcomes committed at once at most (fewer after 20 ms without news).  The
 * journal holds each answer until its commit, so a killed worker loses none
 * of them; only after a power loss (the journal is not trusted) do up to
 * this many answered rows stay in doubt.  128 rather than 32 made
 * store-mariadb's one worker 27% faster (bench/RESULTS.md) and store-sqlite
 * no slower. */
#define FLUSH_EVERY 128

/* The job's keys, filled by the core from [job-NAME] (pm_keys). */
struct pm_conf {
	long long batch_limit;
	long long batch_size;
	const char *rate;
	long long throttle;
	long long retry_for;
	long long retry_delay;
	int resend_in_doubt;
	long long job_size;
	long long lease;
};

static const struct mr_key pm_keys[] = {
	{ .name = "batch_limit", .type = MR_KEY_INT, .def = "100000", .min = 1, .max = 1000000000,
	  .help = "messages sent per run at most", MR_KEY_FIELD(struct pm_conf, batch_limit) },
	{ .name = "batch_size", .type = MR_KEY_INT, .def = "256", .min = 1, .max = 100000,
	  .help = "messages handed to the transport at once",
	  MR_KEY_FIELD(struct pm_conf, batch_size) },
	{ .name = "rate", .type = MR_KEY_STRING, .def = "0",
	  .help = "global limit across all workers: N/s, N/min or N/h (0: none)",
	  MR_KEY_FIELD(struct pm_conf, rate) },
	{ .name = "throttle", .type = MR_KEY_INT, .def = "0", .max = 3600000,
	  .help = "milliseconds to wait between messages (per worker)",
	  MR_KEY_FIELD(struct pm_conf, throttle) },
	{ .name = "retry_for", .type = MR_KEY_DURATION, .def = "2d",
	  .help = "a temporary failure is retried with backoff until this long after the first try",
	  MR_KEY_FIELD(struct pm_conf, retry_for) },
	{ .name = "retry_delay", .type = MR_KEY_DURATION, .def = "5m",
	  .help = "the first retry's delay, doubled each time",
	  MR_KEY_FIELD(struct pm_conf, retry_delay) },
	{ .name = "resend_in_doubt", .type = MR_KEY_BOOL, .def = "no",
	  .help = "resend messages that were in flight when a worker died (may duplicate)",
	  MR_KEY_FIELD(struct pm_conf, resend_in_doubt) },
	{ .name = "job_size", .type = MR_KEY_INT, .def = "0", .max = 1000000000,
	  .help = "split a mailing into child jobs of this many recipients (0: one job)",
	  MR_KEY_FIELD(struct pm_conf, job_size) },
	{ .name = "lease", .type = MR_KEY_DURATION, .def = "10m",
	  .help = "how long a worker holds its claimed recipients before others may take them",
	  MR_KEY_FIELD(struct pm_conf, lease) },
	{ 0 }
};


struct pm_run {
	const struct mr_core *core;
	struct mr_job_ctx *ctx;
	const struct pm_conf *conf;
	struct mr_store *st;
	int64_t retry_for, retry_delay;
	size_t cap;
	struct pm_sync sync;
	struct pm_slot slots[PM_SLOTS];
	struct pm_sender sender;
	struct mr_outmsg **taken;         /* final messages taken from the sender */
	struct mr_queue_outcome *pending; /* outcomes not yet committed */
	char (*pending_status)[16];       /* their classified statuses */
	struct pm_slot **pending_slot;    /* the slot (and journal) of each */
	int64_t *committing;              /* ids of one slot's pending outcomes */
	struct pm_slot *pushing;          /* handed to the sender, not reported back */
	int journal_warned;
	size_t n_pending;
	struct mr_bounce_rules *rules;    /* the site's bounce rules, loaded once per run */
	int store_failed;
	struct mr_error store_err;
	int transport_refused;            /* the transport's configuration error (MR_ECONFIG) */
	struct mr_error transport_err;
	long long sent, retried, bounced;
};

/* Each slot's journal learns which of its rows are about to be committed
 * (one write per slot), so recovery never records them a second time. */
static void journal_committing(struct pm_run *run)
{
	for (int k = 0; k < PM_SLOTS; k++) {
		struct pm_slot *sl = &run->slots[k];
		size_t n = 0;
		for (size_t i = 0; i < run->n_pending; i++)
			if (run->pending_slot[i] == sl)
				run->committing[n++] = run->pending[i].queue_id;
		if (n)
			pm_journal_committing(&sl->jr, run->committing, n);
	}
}

static void flush(struct pm_run *run)
{
	if (!run->n_pending)
		return;
	journal_committing(run);
	struct mr_error err = { 0 };
	int rc = mr_store_queue_outcome(run->st, run->pending, run->n_pending, &err);
	if (rc && !run->store_failed) {
		run->store_failed = rc;
		run->store_err = err;
		run->core->log(run->ctx->log, MR_LOG_ERR, "recording outcomes: %s", err.msg);
	}
	run->n_pending = 0;
}

/* Classifies a refusal or temporary failure with the bounce rules (as a
 * DSN with that status and diagnostic would be): reason, status, type and
 * the type's threshold go with the outcome, to be counted by the store. */
static void classify(struct pm_run *run, struct mr_queue_outcome *o, char status[16],
		     const struct mr_send_result *res)
{
	const struct mr_core *core = run->core;
	struct mr_bounce_record rec;
	memset(&rec, 0, sizeof(rec));
	mr_bounce_classify(run->rules, res->code, res->enhanced, res->text, &rec);
	snprintf(status, 16, "%s", rec.status);
	o->status = status;
	o->reason = rec.reason;
	o->bounce_type = rec.type;
	o->threshold = rec.type ? mr_bounce_type_threshold(run->rules, rec.type) : 0;
	if (res->status == MR_SEND_PERMFAIL)
		core->log(run->ctx->log, MR_LOG_INFO, "recipient %lld refused: %d %s %s (%s, %s, "
			  "%s, type %s)", (long long)o->queue_id, res->code, res->enhanced,
			  res->text, rec.reason ? rec.reason : "-",
			  rec.hardsoft == MR_BOUNCE_HARD ? "hard" : "soft",
			  status[0] ? status : "no status", rec.type ? rec.type : "Syntax");
}

/* Adds queue_id's outcome (of slot sl, whose journal learns when it is
 * committed) to those to commit. */
static void add_outcome(struct pm_run *run, struct pm_slot *sl, int64_t queue_id,
			const struct mr_send_result *res)
{
	run->pending_slot[run->n_pending] = sl;
	char *status = run->pending_status[run->n_pending];
	struct mr_queue_outcome *o = &run->pending[run->n_pending++];
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->queue_id = queue_id;
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
		classify(run, o, status, res);
		run->bounced++;
		break;
	default:
		/* classified too: it becomes a bounce once retry_for has passed */
		o->result = MR_QUEUE_TEMPFAIL;
		classify(run, o, status, res);
		run->retried++;
		break;
	}
	if (run->n_pending >= FLUSH_EVERY)
		flush(run);
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

/* Hands a rendered slot to the sender: render failures recorded, rows marked
 * sending (from here on a crash leaves them in doubt unless the journal
 * tells otherwise), its journal started afresh. */
static int send_slot(struct pm_run *run, struct pm_slot *sl, struct mr_error *err)
{
	const struct mr_core *core = run->core;
	for (size_t i = 0; i < sl->n; i++)
		if (sl->fail[i].status == MR_SEND_PERMFAIL) {
			core->log(run->ctx->log, MR_LOG_WARNING, "recipient %lld: %s",
				  (long long)sl->rcpts[i].r.queue_id, sl->fail[i].text);
			add_outcome(run, NULL, sl->rcpts[i].r.queue_id, &sl->fail[i]);
		}
	int rc = mr_store_queue_mark(run->st, sl->owner, 1, err);
	if (rc)
		return rc;
	pm_journal_close(&sl->jr);
	if (pm_journal_open(&sl->jr, sl->journal) != 0 && !run->journal_warned++)
		core->log(run->ctx->log, MR_LOG_WARNING, "cannot keep the sending journal %s (%s): a "
			  "worker killed while sending will leave its whole batch in doubt",
			  sl->journal[0] ? sl->journal : "(no place)",
			  sl->journal[0] ? strerror(errno) : "no lock_dir");
	pm_sender_give(&run->sender, sl);
	return 0;
}

/* The sender is done with a slot: the messages the transport did not take
 * (trc < 0: it could not) are to be retried.  A configuration error of the
 * transport (a refused login) is nobody's delivery attempt: those rows stay
 * in sending until send_mailing gives them back to the queue unmarked. */
static void slot_sent(struct pm_run *run, struct pm_slot *sl, int trc, const struct mr_error *terr)
{
	sl->pushed = 1;
	if (trc < 0) {
		run->core->log(run->ctx->log, MR_LOG_ERR, "transport %s: %s",
			       run->ctx->transport->name, terr->msg);
		if (trc == MR_ECONFIG) {
			if (!run->transport_refused)
				run->transport_err = *terr;
			run->transport_refused = 1;
			return;
		}
		for (size_t k = sl->n_pushed; k < sl->nm; k++) {
			struct mr_send_result res = { .status = MR_SEND_TEMPFAIL };
			snprintf(res.text, sizeof(res.text), "transport: %s", terr->msg);
			add_outcome(run, sl, sl->rcpts[(uintptr_t)sl->msgs[k].user].r.queue_id, &res);
		}
	}
}

/* What the other threads reported since the job's thread last looked. */
struct pm_news {
	size_t n_done;
	struct pm_slot *finished;
	int trc;
	struct mr_error terr;
	unsigned rendered; /* bit k: slots[k] finished rendering */
	int timed_out;
};

static unsigned rendered_slots(const struct pm_run *run)
{
	unsigned bits = 0;
	for (int k = 0; k < PM_SLOTS; k++)
		if (run->slots[k].state == PM_RENDERING && run->slots[k].parts_left == 0)
			bits |= 1u << k;
	return bits;
}

/* Waits for a report: PM_NEWS final messages, a finished batch or a
 * rendered one.  With outcomes waiting to be taken or committed it waits at
 * most 20 ms. */
static void wait_news(struct pm_run *run, struct pm_news *nw)
{
	struct pm_sender *sd = &run->sender;
	memset(nw, 0, sizeof(*nw));
	pthread_mutex_lock(&run->sync.mu);
	while (sd->done_n < PM_NEWS && !sd->finished && !rendered_slots(run)) {
		if (!run->n_pending && !sd->done_n) {
			pthread_cond_wait(&run->sync.cv, &run->sync.mu);
			continue;
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 20 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&run->sync.cv, &run->sync.mu, &until) != 0) {
			nw->timed_out = 1;
			break;
		}
	}
	nw->n_done = sd->done_n;
	memcpy(run->taken, sd->done_q, sd->done_n * sizeof(*run->taken));
	sd->done_n = 0;
	if ((nw->finished = sd->finished) != NULL) {
		nw->trc = sd->rc;
		nw->terr = sd->err;
		sd->finished = NULL;
	}
	nw->rendered = rendered_slots(run);
	pthread_mutex_unlock(&run->sync.mu);
}

/* The mailing's renderers: one per render thread of each slot. */
struct mailing_copy {
	struct mr_renderer *renderers[PM_SLOTS * PM_PARTS];
	int rc;
	struct mr_error err;
	const struct mr_core *core;
};

static int make_renderer(void *cookie, const struct mr_mailing *m)
{
	struct mailing_copy *mc = cookie;
	for (int k = 0; k < PM_SLOTS * PM_PARTS && mc->rc == 0; k++)
		mc->rc = mr_mail_renderer_new(mc->core, m, &mc->renderers[k], &mc->err);
	return 0;
}

static void free_renderers(struct mailing_copy *mc)
{
	for (int k = 0; k < PM_SLOTS * PM_PARTS; k++)
		if (mc->renderers[k])
			mr_renderer_free(mc->renderers[k]);
}

/* 1 while the mailing is running: a batch claimed ahead is not sent once it
 * was paused or canceled (so either takes effect within the batch being
 * sent).  The due query is the store's cheapest look at a mailing's status. */
static int still_running(struct pm_run *run, int64_t mid)
{
	int64_t due = 0, job = 0;
	struct mr_error e = { 0 };
	int rc = mr_store_mailing_due(run->st, run->core->now(run->core), mid - 1,
					   &due, &job, &e);
	return rc == 0 && due == mid;
}

/* Claims the next batch into sl and starts rendering it; 0 with sl->n == 0
 * when there is nothing (more) to send now. */
static int claim_next(struct pm_run *run, struct pm_slot *sl, int64_t mid, size_t batch,
		      const char *rate_path, double per_sec, long long *budget,
		      struct mr_renderer *const *renderers, struct mr_error *err)
{
	const struct mr_core *core = run->core;
	sl->n = sl->nm = 0;
	if (*budget <= 0 || stopping(run) || run->store_failed)
		return 0;
	size_t want = batch < (size_t)*budget ? batch : (size_t)*budget;
	want = pm_rate_take(rate_path, per_sec, want, run->ctx->stop, run->ctx->deadline);
	if (want == 0)
		return 0;
	int64_t now = core->now(core);
	long long lease = run->conf->lease;
	int rc = mr_store_queue_claim(run->st, mid, sl->owner, now, now + lease, want,
					   pm_slot_add, sl, err);
	if (rc)
		return rc;
	*budget -= (long long)sl->n;
	if (sl->n) {
		sl->core = core;
		sl->state = PM_RENDERING;
		pm_slot_render(sl, renderers, now);
	}
	return 0;
}

/*
 * Sends batches of one mailing until its queue, the run's limit or time
 * ends.  The job's thread claims the next batch and commits outcomes while
 * the sender thread sends the current one; a batch is marked sending only
 * when it is handed to the sender.  Whatever goes wrong, the loop ends only
 * when no render thread and no send is left, every outcome recorded.
 */
static int send_mailing(struct pm_run *run, int64_t mid, const char *rate_path, double per_sec,
			long long *budget, struct mr_error *err)
{
	const struct mr_core *core = run->core;
	struct mr_job_ctx *ctx = run->ctx;
	struct mailing_copy mc = { .core = core };
	int rc = mr_store_mailing_get(run->st, mid, make_renderer, &mc, err);
	if (rc)
		return rc;
	if (mc.rc) {
		*err = mc.err;
		free_renderers(&mc);
		return mc.rc;
	}
	long long throttle = ((const struct pm_conf *)ctx->conf)->throttle;
	size_t batch = throttle > 0 ? 1 : run->cap;
	/* progress on a terminal: "mailing ID: done of waiting"; the count of
	 * waiting rows (a pass over the mailing) only when a line is shown */
	char what[64];
	snprintf(what, sizeof(what), "mailing %lld", (long long)mid);
	int show = core->progress(core, what, 0, 0);
	long long done0 = run->sent + run->bounced + run->retried, waiting = 0, waiting0 = 0;
	struct mr_mailing_stats ms;
	struct mr_error serr = { 0 };
	int64_t total0 = 0, counted = 0;
	if (show && mr_store_mailing_stats(run->st, mid, &ms, &serr) == 0) {
		waiting = waiting0 = ms.queued + ms.retrying;
		total0 = ms.total;
	}
	unsigned long seq = 0;
	int more = 1, tfail = 0, handed = 0, paused = 0;
	for (;;) {
		int halt = rc || tfail || run->store_failed || paused;
		int k = 0, busy = 0, ready = 0, flying = 0;
		for (int j = 0; j < PM_SLOTS; j++) {
			busy += run->slots[j].state == PM_RENDERING;
			ready += run->slots[j].state == PM_READY;
			flying += run->slots[j].state == PM_SENDING;
			if (run->slots[j].state == PM_FREE)
				k = j + 1;
		}
		if (k && more && !halt) {
			struct pm_slot *sl = &run->slots[k - 1];
			flush(run); /* pending outcomes may point into the slot */
			rc = claim_next(run, sl, mid, batch, rate_path, per_sec, budget,
					&mc.renderers[(k - 1) * PM_PARTS], err);
			sl->seq = seq++;
			busy += sl->n > 0;
			more = sl->n > 0;
			halt = rc != 0;
		}
		if (!busy && !flying && (!ready || halt))
			break;
		struct pm_news nw;
		wait_news(run, &nw);
		for (size_t i = 0; i < nw.n_done; i++) {
			struct mr_outmsg *m = run->taken[i];
			struct pm_slot *sl = pm_slot_of(&run->sender, m);
			if (!sl)
				continue;
			add_outcome(run, sl, sl->rcpts[(uintptr_t)m->user].r.queue_id,
				    mr_outmsg_result(m, 0));
			sl->n_final++;
		}
		if (show && nw.n_done) {
			long long done = run->sent + run->bounced + run->retried - done0;
			/* a queue that a store builds in parts grows as it sends
			 * (counted again at most once a second: a pass over the
			 * mailing, and news comes per message) */
			if (done >= waiting && core->now(core) != counted &&
			    mr_store_mailing_stats(run->st, mid, &ms, &serr) == 0) {
				counted = core->now(core);
				waiting = waiting0 + (long long)(ms.total - total0);
			}
			core->progress(core, what, done, waiting);
		}
		if (nw.finished) {
			slot_sent(run, nw.finished, nw.trc, &nw.terr);
			tfail |= nw.trc < 0;
			run->pushing = NULL;
		} else if (nw.timed_out) {
			flush(run);
		}
		struct pm_slot *next = NULL;
		for (int j = 0; j < PM_SLOTS; j++) {
			struct pm_slot *sl = &run->slots[j];
			/* every message the transport took has its answer: free again
			 * (its journal stays open for the C lines until reuse) */
			if (sl->state == PM_SENDING && sl->pushed && sl->n_final >= sl->n_pushed)
				sl->state = PM_FREE;
			if (nw.rendered & (1u << j)) {
				pm_slot_collect(sl);
				sl->state = PM_READY;
			}
			if (sl->state == PM_READY && (!next || sl->seq < next->seq))
				next = sl;
		}
		if (next && !run->pushing && !(rc || tfail || run->store_failed) &&
		    !(paused = !still_running(run, mid))) {
			if (throttle > 0 && handed++)
				ms_sleep((long)throttle);
			next->state = PM_SENDING;
			run->pushing = next;
			if ((rc = send_slot(run, next, err)) != 0) {
				next->state = PM_READY;
				run->pushing = NULL;
			}
		}
	}
	flush(run);
	if (show)
		core->progress(core, what, -1, 0);
	/* rows still leased (claimed, not handed to the transport) go back to the
	 * queue, and so do those a refused transport never offered */
	struct mr_error e2 = { 0 };
	for (int k = 0; k < PM_SLOTS; k++) {
		mr_store_queue_mark(run->st, run->slots[k].owner, 0, &e2);
		if (run->transport_refused && !run->store_failed &&
		    mr_store_queue_unstarted(run->st, run->slots[k].owner, NULL, 0, NULL, &e2) != 0)
			core->log(ctx->log, MR_LOG_ERR, "giving back the recipients of a refused "
				  "transport: %s", e2.msg);
		run->slots[k].state = PM_FREE;
	}
	free_renderers(&mc);
	if (!rc && run->store_failed) {
		*err = run->store_err;
		rc = run->store_failed;
	}
	/* the admin's to mend: the run fails with the transport's words, the
	 * recipients wait in the queue, the mailing stays as it was */
	if (!rc && run->transport_refused)
		rc = core->error_set(err, MR_ECONFIG, "transport %s: %s", ctx->transport->name,
				     run->transport_err.msg);
	return rc;
}

static void free_run(struct pm_run *run)
{
	pm_sender_stop(&run->sender);
	for (int k = 0; k < PM_SLOTS; k++) {
		/* every outcome is recorded: the journals have nothing to tell */
		if (run->slots[k].journal[0] && !run->store_failed)
			unlink(run->slots[k].journal);
		pm_slot_free(&run->slots[k]);
	}
	free(run->taken);
	free(run->pending);
	free(run->pending_status);
	if (run->rules)
		mr_bounce_rules_free(run->rules);
	free(run->pending_slot);
	free(run->committing);
	pthread_cond_destroy(&run->sync.cv);
	pthread_mutex_destroy(&run->sync.mu);
}

/* The path of the job's state file NAME.SUFFIX in the site's lock
 * namespace ('/' in name becomes '-'); "" when the core gives no place. */
static void state_path(const struct mr_job_ctx *ctx, const char *name, const char *suffix,
		       char *out, size_t size)
{
	out[0] = '\0';
	if (ctx->size < offsetof(struct mr_job_ctx, state_prefix) + sizeof(ctx->state_prefix) ||
	    !ctx->state_prefix)
		return;
	int n = snprintf(out, size, "%s%s.%s", ctx->state_prefix, name, suffix);
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return;
	}
	for (char *p = out + strlen(ctx->state_prefix); *p; p++)
		if (*p == '/')
			*p = '-';
}

/* An earlier run of this worker was killed while sending: the answers its
 * journal holds are recorded (those not committed already), and the rows
 * it shows were never offered to a server go back to the queue.  What
 * stays in sending (offered, no answer) queue_recover puts in doubt. */
static int recover_journal(struct pm_run *run, struct pm_slot *sl, int64_t *back_r,
			   int64_t *answered_r, struct mr_error *err)
{
	struct mr_store *st = run->st;
	struct pm_journal_row *rows = NULL;
	size_t n = 0;
	int got = pm_journal_read(sl->journal, &rows, &n);
	if (got < 0)
		return run->core->error_set(err, MR_ENOMEM, "out of memory reading %s", sl->journal);
	int64_t *ids = got > 0 ? malloc((n ? n : 1) * sizeof(*ids)) : NULL;
	if (got > 0 && !ids) {
		free(rows);
		return run->core->error_set(err, MR_ENOMEM, "out of memory reading %s", sl->journal);
	}
	/* the answers go through flush(), which writes their C lines first */
	if (got > 0)
		pm_journal_append(&sl->jr, sl->journal);
	for (size_t i = 0; i < n; i++) {
		ids[i] = rows[i].queue_id;
		if (rows[i].answered && !rows[i].committed) {
			add_outcome(run, sl, rows[i].queue_id, &rows[i].res);
			++*answered_r;
		}
	}
	flush(run);
	pm_journal_close(&sl->jr);
	int rc = run->store_failed;
	if (rc)
		*err = run->store_err;
	if (!rc && got > 0)
		rc = mr_store_queue_unstarted(st, sl->owner, ids, n, back_r, err);
	free(ids);
	free(rows);
	return rc;
}

static int alloc_run(struct pm_run *run)
{
	pthread_mutex_init(&run->sync.mu, NULL);
	pthread_cond_init(&run->sync.cv, NULL);
	/* the owner names the host: the same worker number on another host
	 * is another owner, whose journal is not this host's to read */
	char host[64];
	mr_host_name_fill(host, sizeof(host));
	for (int k = 0; k < PM_SLOTS; k++) {
		char owner[160];
		snprintf(owner, sizeof(owner), "%s/worker-%d/%c@%s", run->ctx->job, run->ctx->worker,
			 'a' + k, host);
		if (pm_slot_alloc(&run->slots[k], run->cap, owner, &run->sync) != 0)
			return -1;
		state_path(run->ctx, owner, "sending", run->slots[k].journal,
			   sizeof(run->slots[k].journal));
	}
	run->pending = calloc(FLUSH_EVERY + run->cap, sizeof(*run->pending));
	run->pending_status = calloc(FLUSH_EVERY + run->cap, sizeof(*run->pending_status));
	run->pending_slot = calloc(FLUSH_EVERY + run->cap, sizeof(*run->pending_slot));
	run->committing = calloc(FLUSH_EVERY + run->cap, sizeof(*run->committing));
	run->taken = calloc(run->cap * PM_SLOTS, sizeof(*run->taken));
	if (!run->pending || !run->pending_status || !run->pending_slot || !run->committing ||
	    !run->taken)
		return -1;
	return pm_sender_start(&run->sender, &run->sync, run->ctx->transport, run->slots,
			       run->cap, run->core, run->ctx->log);
}

static int pm_run(void *state, struct mr_job_ctx *ctx, struct mr_error *err)
{
	(void)state;
	const struct mr_core *core = ctx->core;
	struct mr_store *st = ctx->store;
	if (!mr_store_has(st, MR_STORE_CAP_QUEUE))
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	if (!mr_store_has(st, MR_STORE_CAP_CONTACTS))
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	if (!ctx->transport || !ctx->transport->ops)
		return core->error_set(err, MR_ECONFIG, "no outbound transport is configured");
	const struct pm_conf *conf = ctx->conf;
	double per_sec = 0;
	if (pm_rate_parse(conf->rate, &per_sec) != 0)
		return core->error_set(err, MR_ECONFIG, "[%s] rate \"%s\": use N/s, N/min or N/h",
				       core->cfg_name(ctx->cfg), conf->rate);
	struct pm_run run = { .core = core, .ctx = ctx, .conf = conf, .st = st };
	run.retry_for = conf->retry_for;
	run.retry_delay = conf->retry_delay;
	run.cap = (size_t)conf->batch_size;
	/* refusals are classified by the rules that classify DSNs (loaded before
	 * anything that free_run would undo, such as an earlier run's journals) */
	int rc = mr_mail_rules_load(core, &run.rules, err);
	if (rc)
		return rc;
	if (alloc_run(&run) != 0) {
		free_run(&run);
		return core->error_set(err, MR_ENOMEM, "out of memory");
	}
	/* the rate's token bucket, shared by the workers of this site's job */
	char rate_path[800];
	state_path(ctx, ctx->job, "rate", rate_path, sizeof(rate_path));
	if (!rate_path[0]) {
		const struct mr_section *main = core->cfg_section(core, "mailroom");
		const char *lock_dir = main ? core->cfg_str(main, "lock_dir") : NULL;
		const char *site = main ? core->cfg_str(main, "site") : NULL;
		snprintf(rate_path, sizeof(rate_path), "%s/mailroom-%s-%s.rate",
			 lock_dir ? lock_dir : "/tmp", site ? site : "default", ctx->job);
	}
	int resend = conf->resend_in_doubt;
	int64_t requeued = 0, doubt = 0, answered = 0;
	for (int k = 0; k < PM_SLOTS && rc == 0; k++) {
		int64_t rq = 0, dq = 0, back = 0;
		if ((rc = recover_journal(&run, &run.slots[k], &back, &answered, err)) != 0)
			break;
		requeued += back;
		rc = mr_store_queue_recover(st, run.slots[k].owner, core->now(core), resend,
					    &rq, &dq, err);
		requeued += rq;
		doubt += dq;
	}
	if (rc == 0 && (requeued || doubt || answered))
		core->log(ctx->log, MR_LOG_NOTICE, "recovered %lld recipients of an earlier run "
			  "(%lld back in the queue, %lld in doubt, %lld with the answer its journal "
			  "held)", (long long)(requeued + doubt + answered), (long long)requeued,
			  (long long)doubt, (long long)answered);
	/* this run's counts: the answers recovered were the earlier run's */
	run.sent = run.retried = run.bounced = 0;
	long long budget = conf->batch_limit;
	int64_t after = 0, built_total = 0;
	int mailings = 0, completed = 0;
	long long job_size = conf->job_size;
	while (rc == 0 && budget > 0 && !stopping(&run)) {
		int64_t mid = 0, jid = 0, built = 0;
		struct mr_error e = { 0 };
		int drc = mr_store_mailing_due(st, core->now(core), after, &mid, &jid, &e);
		if (drc == MR_ENOTFOUND)
			break;
		if (drc) {
			*err = e;
			rc = drc;
			break;
		}
		after = mid;
		mailings++;
		if ((rc = mr_store_queue_build(st, jid, job_size, &built, err)) != 0)
			break;
		if (built) {
			built_total += built;
			core->log(ctx->log, MR_LOG_NOTICE, "mailing %lld: %lld recipients queued",
				  (long long)mid, (long long)built);
		}
		if ((rc = send_mailing(&run, mid, rate_path, per_sec, &budget, err)) != 0)
			break;
		int complete = 0;
		if ((rc = mr_store_mailing_finish(st, mid, core->now(core), &complete,
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
	.store_caps = MR_STORE_CAP_QUEUE | MR_STORE_CAP_CONTACTS,
};

MR_PLUGIN_DEFINE(MR_KIND_JOB, "process-mailing", PACKAGE_VERSION,
		 "Send Scheduled Mailings: builds each due mailing's queue once, renders and "
		 "sends it in leased batches, records every recipient's outcome.",
		 pm_keys, sizeof(struct pm_conf), &pm_ops);
