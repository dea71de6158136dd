/* SPDX-License-Identifier: MIT */
/* The process-mailing job's sender thread: hands rendered slots to the transport (pushed into one stream per run, or one batch at a time), journals each message's start and final answer, and queues final messages for the job's thread to record. */
#include "config.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "process-mailing.h"

struct pm_slot *pm_slot_of(struct pm_sender *sd, const struct mr_outmsg *m)
{
	for (int k = 0; k < PM_SLOTS; k++) {
		struct pm_slot *sl = &sd->slots[k];
		if (m >= sl->msgs && m < sl->msgs + sl->cap)
			return sl;
	}
	return NULL;
}

static int64_t queue_id_of(const struct pm_slot *sl, const struct mr_outmsg *m)
{
	return sl->rcpts[(uintptr_t)m->user].r.queue_id;
}

/* The hook that says a copy of the message may reach the server from now
 * on (in any of the transport's threads): the content hook of a transport
 * that has one, else the offered hook.  Journal first; a journal that
 * cannot be written stops the message. */
static int on_started(void *cookie, size_t i, struct mr_outmsg *m)
{
	struct pm_sender *sd = cookie;
	struct pm_slot *sl = pm_slot_of(sd, m);
	(void)i;
	if (!sl || sl->jr.fd < 0)
		return 0; /* no journal kept: a kill leaves the slot's rows in doubt */
	return pm_journal_offered(&sl->jr, queue_id_of(sl, m));
}

/* The final hook (in any of the transport's threads): the answer goes to
 * the journal, then to the job's thread. */
static void on_final(void *cookie, size_t i, struct mr_outmsg *m)
{
	struct pm_sender *sd = cookie;
	struct pm_slot *sl = pm_slot_of(sd, m);
	(void)i;
	if (sl && sl->jr.fd >= 0)
		pm_journal_final(&sl->jr, queue_id_of(sl, m), mr_outmsg_result(m, 0));
	pthread_mutex_lock(&sd->sync->mu);
	if (sd->done_n < sd->done_cap)
		sd->done_q[sd->done_n++] = m;
	/* the job's thread wakes for the first and then for every PM_NEWS */
	if (sd->done_n == 1 || sd->done_n % PM_NEWS == 0)
		pthread_cond_signal(&sd->sync->cv);
	pthread_mutex_unlock(&sd->sync->mu);
}

/* Hands one slot to the transport; *pushed_r gets how many of its messages
 * the transport took (each of them gets a final answer). */
static int send_slot_msgs(struct pm_sender *sd, struct pm_slot *sl, size_t *pushed_r,
			  struct mr_error *err)
{
	const struct mr_transport *t = sd->transport;
	*pushed_r = 0;
	if (!sl->nm)
		return 0;
	if (!sd->streaming) {
		int rc = t->ops->send(t->state, sl->msgs, sl->nm, &sd->hooks, err);
		*pushed_r = rc < 0 ? 0 : sl->nm;
		return rc < 0 ? rc : 0;
	}
	if (!sd->stream) {
		int rc = t->ops->stream_open(t->state, &sd->hooks, &sd->stream, err);
		if (rc)
			return rc;
	}
	for (size_t k = 0; k < sl->nm; k++) {
		int rc = t->ops->stream_push(sd->stream, &sl->msgs[k], err);
		if (rc)
			return rc;
		*pushed_r = k + 1;
	}
	return 0;
}

/* Reports a slot the transport took what it could of (with sync->mu held). */
static void report(struct pm_sender *sd, struct pm_slot *sl, size_t pushed, int rc,
		   const struct mr_error *err)
{
	sl->n_pushed = pushed;
	sd->finished = sl;
	sd->rc = rc;
	sd->err = *err;
}

static void *sender_main(void *arg)
{
	struct pm_sender *sd = arg;
	struct pm_sync *sy = sd->sync;
	pthread_mutex_lock(&sy->mu);
	for (;;) {
		while (!sd->todo && !sd->quit)
			pthread_cond_wait(&sd->work, &sy->mu);
		if (!sd->todo)
			break;
		struct pm_slot *sl = sd->todo;
		pthread_mutex_unlock(&sy->mu);
		struct mr_error err = { 0 };
		size_t pushed = 0;
		int rc = send_slot_msgs(sd, sl, &pushed, &err);
		pthread_mutex_lock(&sy->mu);
		sd->todo = NULL;
		report(sd, sl, pushed, rc, &err);
		pthread_cond_signal(&sy->cv);
	}
	pthread_mutex_unlock(&sy->mu);
	if (sd->stream)
		sd->transport->ops->stream_close(sd->stream);
	sd->stream = NULL;
	return NULL;
}

int pm_sender_start(struct pm_sender *sd, struct pm_sync *sync, struct mr_transport *t,
		    struct pm_slot *slots, size_t cap, const struct mr_core *core,
		    const struct mr_log *log)
{
	memset(sd, 0, sizeof(*sd));
	sd->sync = sync;
	sd->transport = t;
	sd->slots = slots;
	sd->core = core;
	sd->log = log;
	/* a transport that tells when the content goes out: a message killed
	 * before that is not in doubt (nothing of it can have arrived) */
	int content = (t->ops->caps & MR_TRANSPORT_CONTENT) != 0;
	sd->hooks = (struct mr_send_hooks){ .size = sizeof(sd->hooks), .cookie = sd,
					    .offered = content ? NULL : on_started,
					    .final = on_final,
					    .content = content ? on_started : NULL };
	/* every slot may be in flight at once */
	sd->done_cap = cap * PM_SLOTS;
	sd->in_caller = !(t->ops->caps & MR_TRANSPORT_NO_STORE);
	sd->streaming = !sd->in_caller && (t->ops->caps & MR_TRANSPORT_STREAMING) &&
			t->ops->stream_open && t->ops->stream_push && t->ops->stream_close;
	if (!(sd->done_q = calloc(sd->done_cap ? sd->done_cap : 1, sizeof(*sd->done_q))))
		return -1;
	if (sd->in_caller)
		return 0;
	pthread_cond_init(&sd->work, NULL);
	/* the sender takes no signals: they stay with the job's thread */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	sd->started = pthread_create(&sd->tid, NULL, sender_main, sd) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!sd->started) {
		pthread_cond_destroy(&sd->work);
		free(sd->done_q);
		sd->done_q = NULL;
		return -1;
	}
	return 0;
}

void pm_sender_give(struct pm_sender *sd, struct pm_slot *sl)
{
	sl->n_pushed = sl->n_final = 0;
	sl->pushed = 0;
	if (sd->in_caller) {
		struct mr_error err = { 0 };
		size_t pushed = 0;
		int rc = send_slot_msgs(sd, sl, &pushed, &err);
		pthread_mutex_lock(&sd->sync->mu);
		report(sd, sl, pushed, rc, &err);
		pthread_mutex_unlock(&sd->sync->mu);
		return;
	}
	pthread_mutex_lock(&sd->sync->mu);
	sd->todo = sl;
	pthread_cond_signal(&sd->work);
	pthread_mutex_unlock(&sd->sync->mu);
}

void pm_sender_stop(struct pm_sender *sd)
{
	if (!sd->started) {
		free(sd->done_q);
		sd->done_q = NULL;
		return;
	}
	pthread_mutex_lock(&sd->sync->mu);
	sd->quit = 1;
	pthread_cond_signal(&sd->work);
	pthread_mutex_unlock(&sd->sync->mu);
	pthread_join(sd->tid, NULL);
	pthread_cond_destroy(&sd->work);
	free(sd->done_q);
	sd->done_q = NULL;
	sd->started = 0;
}
