/* SPDX-License-Identifier: MIT */
/* Private interface of the process-mailing job plugin, shared by its source files. */
#ifndef PROCESS_MAILING_H
#define PROCESS_MAILING_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <mailroom/plugin.h>
#include <mailroom/core.h>
#include <mailroom/mail.h>

/* Parses "N/s", "N/min", "N/h" (or "0"/"" for none) into messages per second. */
int pm_rate_parse(const char *s, double *per_sec_r);
/* Takes up to want tokens from the bucket file at path (waiting for at
 * least one); returns how many it got, 0 when stop or deadline came first.
 * per_sec <= 0 means no limit: returns want. */
size_t pm_rate_take(const char *path, double per_sec, size_t want, const volatile int *stop,
		    int64_t deadline);

/*
 * The pipeline: the job's thread claims batches and records outcomes (it
 * alone uses the store), render threads render a claimed batch, and the
 * sender thread hands rendered batches to the transport: message by message
 * into one stream per run when the transport streams (so its connections
 * never wait for the next batch), else one batch at a time.  The other
 * threads report to the job's thread through one lock and condition.
 */
struct pm_sync {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* the job's thread waits here for any report */
};

/* final messages the sender reports at once (fewer after 20 ms) */
#define PM_NEWS 16

/* render threads per batch (DKIM signing is the costly part) */
#define PM_PARTS 2

/* One claimed recipient, copied out of the store's callback. */
struct pm_rcpt {
	struct mr_recipient r;
	char *strs;
};

/* Where a slot is in the pipeline. */
enum pm_slot_state { PM_FREE, PM_RENDERING, PM_READY, PM_SENDING };

/* Slots in turn: one is pushed to the transport while the one before it gets
 * its last answers and the next ones are claimed and rendered. */
#define PM_SLOTS 4

/* journal.c: what happened to each row of the batches being sent */
struct pm_journal {
	int fd;
};

/* One render thread of a slot, with its own renderer. */
struct pm_slot;
struct pm_part {
	struct pm_slot *slot;
	struct mr_renderer *renderer;
	pthread_t tid;
	int running;
};

/* A batch: claimed under its own lease owner, rendered by PM_PARTS threads
 * that take its recipients one by one, then sent. */
struct pm_slot {
	char owner[160];
	char journal[800];             /* its sending journal's path, "" for none */
	enum pm_slot_state state;
	unsigned long seq;             /* claim order: slots are sent in it */
	size_t cap, n, nm;             /* room, claimed, rendered */
	struct pm_rcpt *rcpts;
	struct mr_rendered_msg *rendered;
	struct mr_outmsg *msgs;        /* nm rendered messages for the transport */
	struct mr_send_result *results;
	const char **rcpt_ptrs;
	struct mr_send_result *fail;   /* per recipient: PENDING or its render failure */
	struct pm_journal jr;          /* its journal, open from hand-over until reuse */
	size_t n_pushed;               /* messages the transport took (each gets a final) */
	size_t n_final;                /* their final answers the job's thread took */
	int pushed;                    /* the sender is done with it (n_pushed is set) */
	int64_t now;
	const struct mr_core *core;
	struct pm_sync *sync;
	size_t next;                   /* the next recipient to render (atomic) */
	int parts_left;                /* render threads still running (under sync->mu) */
	struct pm_part parts[PM_PARTS];
};

/* slots.c */
int pm_slot_alloc(struct pm_slot *sl, size_t cap, const char *owner, struct pm_sync *sync);
void pm_slot_free(struct pm_slot *sl);
/* The store's claim callback: copies one recipient into the slot. */
int pm_slot_add(void *slot, const struct mr_recipient *r);
/* Starts rendering the slot's n recipients; sl->parts_left reaches 0 (and
 * sync->cv is signalled) when they are done. */
void pm_slot_render(struct pm_slot *sl, struct mr_renderer *const *renderers, int64_t now);
/* After parts_left reached 0: joins the render threads and lists the
 * rendered messages in msgs (render failures stay in fail[]). */
void pm_slot_collect(struct pm_slot *sl);

/* Starts the journal at path afresh (0, or -1 when it cannot be kept). */
int pm_journal_open(struct pm_journal *j, const char *path);
/* Opens an existing journal to add lines to it (0, or -1). */
int pm_journal_append(struct pm_journal *j, const char *path);
/* Records that queue_id may reach a server from now (0, or -1: do not send it). */
int pm_journal_offered(struct pm_journal *j, int64_t queue_id);
/* Records queue_id's final answer (0, or -1 when it could not be written). */
int pm_journal_final(struct pm_journal *j, int64_t queue_id, const struct mr_send_result *res);
/* Records that the outcomes of ids[0..n) are about to be committed (one write). */
int pm_journal_committing(struct pm_journal *j, const int64_t *ids, size_t n);
void pm_journal_close(struct pm_journal *j);
/* One row of a journal read back. */
struct pm_journal_row {
	int64_t queue_id;
	int offered;                   /* a copy may have reached the server */
	int answered;                  /* res holds the transport's final answer */
	int committed;                 /* its outcome went (or was going) to the store */
	struct mr_send_result res;
};
/* Reads a journal: 1 with its rows (one per id, in id order; free them)
 * when it exists and was written since the machine booted, 0 when it cannot
 * be trusted, -1 when out of memory. */
int pm_journal_read(const char *path, struct pm_journal_row **rows_r, size_t *n_r);

/* sender.c: the sender thread and the final messages it queues */
struct pm_sender {
	struct pm_sync *sync;
	struct mr_transport *transport;
	const struct mr_core *core;
	const struct mr_log *log;
	struct pm_slot *slots;         /* the run's PM_SLOTS slots (a message's slot) */
	struct mr_send_hooks hooks;    /* content (else offered): journal; final: journal,
					  then done_q */
	pthread_cond_t work;           /* the sender waits here for a slot */
	pthread_t tid;
	int started, quit;
	int in_caller;                 /* the transport uses the store: send in the
					* job's thread, never beside its store work */
	int streaming;                 /* push into one stream instead of batches */
	struct mr_send_stream *stream; /* the sender's own, open until pm_sender_stop */
	struct pm_slot *todo;          /* handed to the sender, not pushed yet */
	struct pm_slot *finished;      /* pushed, not yet taken by the job's thread */
	int rc;                        /* the finished slot's send or push result */
	struct mr_error err;
	struct mr_outmsg **done_q;     /* final messages not yet taken */
	size_t done_n, done_cap;
};
int pm_sender_start(struct pm_sender *sd, struct pm_sync *sync, struct mr_transport *t,
		    struct pm_slot *slots, size_t cap, const struct mr_core *core,
		    const struct mr_log *log);
/* The slot a message handed to the transport belongs to. */
struct pm_slot *pm_slot_of(struct pm_sender *sd, const struct mr_outmsg *m);
/* Hands a rendered slot (its journal open) to the sender, which must be
 * idle; with in_caller it is sent before this returns.  sd->finished
 * reports when the transport has taken what it could (sl->n_pushed). */
void pm_sender_give(struct pm_sender *sd, struct pm_slot *sl);
/* Waits for the thread to end (after its slot, if any) and closes the
 * stream (after every final answer). */
void pm_sender_stop(struct pm_sender *sd);

#endif
