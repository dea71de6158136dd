/* SPDX-License-Identifier: MIT */
/* The process-mailing job's sender thread: hands one rendered batch at a time to the transport and queues each final message for the job's thread to record. */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "process-mailing.h"

/* The transport's callback (in the sender thread): message is final. */
static void on_done(void *cookie, size_t i, struct mr_outmsg *msg)
{
	struct pm_sender *sd = cookie;
	(void)i;
	pthread_mutex_lock(&sd->sync->mu);
	if (sd->done_n < sd->done_cap)
		sd->done_q[sd->done_n++] = msg;
	/* the job's thread wakes for the first and then for every PM_NEWS */
	if (sd->done_n == 1 || sd->done_n % PM_NEWS == 0)
		pthread_cond_signal(&sd->sync->cv);
	pthread_mutex_unlock(&sd->sync->mu);
}

/* The transport's start callback (in any of its threads): journal first. */
static int on_start(void *cookie, size_t i, struct mr_outmsg *msg)
{
	struct pm_sender *sd = cookie;
	(void)i;
	return pm_journal_add(&sd->journal, sd->current->rcpts[(uintptr_t)msg->user].r.queue_id);
}

/* Sends one slot, journalled when the transport says when it starts a
 * message and the journal can be written. */
static int send_slot_batch(struct pm_sender *sd, struct pm_slot *sl, struct mr_error *err)
{
	const struct mr_transport *t = sd->transport;
	if (!sl->nm)
		return 0;
	sd->current = sl;
	if (MR_OPS_HAS(t->ops, send_batch_started) && t->ops->send_batch_started) {
		if (pm_journal_open(&sd->journal, sl->journal) == 0) {
			int rc = t->ops->send_batch_started(t->state, sl->msgs, sl->nm, on_start,
							    on_done, sd, err);
			pm_journal_close(&sd->journal);
			return rc;
		}
		if (!sd->journal_warned++)
			sd->core->log(sd->log, MR_LOG_WARNING, "cannot keep the sending journal "
				      "%s (%s): a worker killed while sending will leave its whole "
				      "batch in doubt", sl->journal[0] ? sl->journal : "(no place)",
				      sl->journal[0] ? strerror(errno) : "no lock_dir");
	}
	return t->ops->send_batch(t->state, sl->msgs, sl->nm, on_done, sd, err);
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
		int rc = send_slot_batch(sd, sl, &err);
		pthread_mutex_lock(&sy->mu);
		sd->todo = NULL;
		sd->finished = sl;
		sd->rc = rc;
		sd->err = err;
		pthread_cond_signal(&sy->cv);
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

int pm_sender_start(struct pm_sender *sd, struct pm_sync *sync, struct mr_transport *t,
		    size_t cap, const struct mr_core *core, const struct mr_log *log)
{
	memset(sd, 0, sizeof(*sd));
	sd->sync = sync;
	sd->transport = t;
	sd->core = core;
	sd->log = log;
	sd->done_cap = cap;
	sd->journal.fd = -1;
	sd->in_caller = !MR_OPS_HAS(t->ops, uses_store) || !t->ops->uses_store ||
			t->ops->uses_store(t->state);
	if (!(sd->done_q = calloc(cap ? cap : 1, sizeof(*sd->done_q))))
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
	if (sd->in_caller) {
		struct mr_error err = { 0 };
		int rc = send_slot_batch(sd, sl, &err);
		pthread_mutex_lock(&sd->sync->mu);
		sd->finished = sl;
		sd->rc = rc;
		sd->err = err;
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
