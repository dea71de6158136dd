/* SPDX-License-Identifier: MIT */
/*
 * The mailroom plugin ABI: the one descriptor each plugin exports and the
 * versioned, append-only ops table of each plugin kind.
 *
 * Rules (see doc/plugin-abi.md for the history):
 * - A plugin exports exactly one symbol, made by MR_PLUGIN_DEFINE().
 * - Every ops table starts with its own size; new slots are only ever
 *   appended, and appending bumps MR_ABI_MINOR.  A slot that lies beyond a
 *   plugin's ops->size does not exist for that plugin (MR_OPS_HAS()).
 * - Slots are marked MUST (the loader refuses a plugin that leaves it NULL)
 *   or MAY (callers check for NULL and report MR_EUNSUPPORTED).
 * - The loader checks magic, ABI major, sizes, MUST slots and duplicate
 *   (kind, name) before any plugin code runs.
 * - Plugins reach the core only through the struct mr_core they are given.
 */
#ifndef MAILROOM_PLUGIN_H
#define MAILROOM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/error.h>
#include <mailroom/core.h>
#include <mailroom/mailing.h>
#include <mailroom/activity-store.h>
#include <mailroom/bounce-store.h>

#define MR_PLUGIN_MAGIC 0x4d52504cu /* "MRPL" */
#define MR_ABI_MAJOR 1
#define MR_ABI_MINOR 3

/* The name of the one symbol a plugin exports. */
#define MR_PLUGIN_SYMBOL "mr_plugin_descriptor"

enum mr_plugin_kind {
	MR_KIND_TRANSPORT = 1,
	MR_KIND_FETCH = 2,
	MR_KIND_STORE = 3,
	MR_KIND_JOB = 4
};

/* Types of INI keys a plugin declares; the core checks values against them. */
enum mr_key_type {
	MR_KEY_STRING = 1,
	MR_KEY_INT,      /* a decimal integer, optionally bounded by min/max */
	MR_KEY_BOOL,     /* yes/no/true/false/on/off/1/0 */
	MR_KEY_ENUM,     /* one of the '|'-separated words in choices */
	MR_KEY_PATH,     /* a file or directory name */
	MR_KEY_DURATION, /* seconds, or a number with s, m, h, d or w */
	MR_KEY_LIST,     /* comma-separated words */
	MR_KEY_EMAIL,    /* an addr-spec */
	MR_KEY_SECRET    /* given as KEY_file (a file only its owner can read)
	                    or the environment, never inline */
};

/* Flags of a declared key. */
#define MR_KEYF_REQUIRED 0x1u

/* One INI key a plugin accepts.  A table of them ends with a zeroed entry. */
struct mr_key {
	const char *name;
	enum mr_key_type type;
	const char *def;     /* default as it would be written in the INI, or NULL */
	const char *help;    /* one sentence for etc/mailroom.ini and `config dump` */
	unsigned flags;      /* MR_KEYF_* */
	const char *choices; /* MR_KEY_ENUM: "a|b|c" */
	long long min, max;  /* MR_KEY_INT: bounds when min < max */
};

/* The descriptor: the only symbol a plugin exports. */
struct mr_plugin_desc {
	uint32_t magic;       /* MR_PLUGIN_MAGIC */
	uint16_t abi_major;   /* MR_ABI_MAJOR the plugin was built against */
	uint16_t abi_minor;   /* MR_ABI_MINOR the plugin was built against */
	uint32_t size;        /* sizeof(struct mr_plugin_desc) when built */
	enum mr_plugin_kind kind;
	const char *name;     /* e.g. "smtp"; unique per kind */
	const char *version;  /* the plugin's own version */
	const char *description;
	const struct mr_key *keys; /* accepted keys of its INI section */
	const void *ops;      /* const struct mr_<kind>_ops * */
};

#if defined(__GNUC__)
#define MR_EXPORT __attribute__((visibility("default")))
#else
#define MR_EXPORT
#endif

/* Defines the plugin's descriptor.  Use exactly once per plugin. */
#define MR_PLUGIN_DEFINE(kind_, name_, version_, description_, keys_, ops_) \
	MR_EXPORT extern const struct mr_plugin_desc mr_plugin_descriptor; \
	const struct mr_plugin_desc mr_plugin_descriptor = { \
		.magic = MR_PLUGIN_MAGIC, \
		.abi_major = MR_ABI_MAJOR, \
		.abi_minor = MR_ABI_MINOR, \
		.size = sizeof(struct mr_plugin_desc), \
		.kind = (kind_), \
		.name = (name_), \
		.version = (version_), \
		.description = (description_), \
		.keys = (keys_), \
		.ops = (ops_), \
	}

/* True when an ops table of the given plugin is large enough to hold slot. */
#define MR_OPS_HAS(ops, slot) \
	((ops)->size >= offsetof(__typeof__(*(ops)), slot) + sizeof((ops)->slot) && \
	 (ops)->slot != NULL)

/* What every plugin instance gets at init: services, its section, its log. */
struct mr_plugin_ctx {
	const struct mr_core *core;
	const struct mr_section *cfg; /* its own INI section */
	const struct mr_log *log;     /* lines prefixed "kind-name[instance]" */
	const char *instance;         /* the section's NAME */
};

/* ---------------------------------------------------------------- transport */
/*
 * A transport takes messages and reports one delivery status per recipient.
 * Every message goes through two moments the caller may hook: offered
 * (right before its transaction starts: MAIL FROM, a pipe, a spool write,
 * and again before each new try) and final (its results will not change).
 * The caller gives either a batch (send) or, when the transport has
 * MR_TRANSPORT_STREAMING, a stream: one message after another into a
 * running pool, so that rendering and sending overlap without a batch's
 * ramp-down tail.
 *
 * Arrays that cross the ABI carry their element size: a struct mr_outmsg
 * starts with its own size (the stride of a msgs array: every element of
 * one array has the same size), and names the size of its results[]
 * elements.  Callers MUST set both to the sizeof they were built with;
 * mr_outmsg_at() and mr_outmsg_result() index with them.
 */

/* Outcome of one recipient of one message. */
enum mr_send_status {
	MR_SEND_PENDING = 0,  /* not attempted (set by the caller before sending) */
	MR_SEND_OK = 1,       /* the server accepted it (2xx after DATA) */
	MR_SEND_TEMPFAIL = 2, /* 4xx, or the connection was lost: retry later */
	MR_SEND_PERMFAIL = 3  /* 5xx or a permanent local refusal */
};

struct mr_send_result {
	enum mr_send_status status;
	int code;           /* SMTP reply code, or a program's exit status; 0 if none */
	char enhanced[16];  /* RFC 3463 status such as "5.1.1", or "" */
	char text[256];     /* the server's or program's words */
};

/* One outbound message with its envelope.  The transport fills results[]. */
struct mr_outmsg {
	size_t size;                  /* MUST: sizeof(struct mr_outmsg) */
	const char *envelope_from;    /* may be "" for a null sender */
	const char *const *rcpts;     /* envelope recipients */
	size_t n_rcpts;
	const char *data;             /* the whole RFC 5322 message, CRLF or LF */
	size_t len;
	size_t result_size;           /* MUST: sizeof(struct mr_send_result) */
	struct mr_send_result *results; /* n_rcpts entries, owned by the caller */
	void *user;                   /* the caller's cookie, untouched */
};

/* Message i of an array of messages (its stride is msgs[0].size). */
static inline struct mr_outmsg *mr_outmsg_at(struct mr_outmsg *msgs, size_t i)
{
	return (struct mr_outmsg *)(void *)((char *)msgs + i * msgs->size);
}

/* The result of recipient r of m (its stride is m->result_size). */
static inline struct mr_send_result *mr_outmsg_result(const struct mr_outmsg *m, size_t r)
{
	return (struct mr_send_result *)(void *)((char *)m->results + r * m->result_size);
}

/*
 * What the caller wants to know while messages are sent.  Both hooks MAY be
 * NULL (as may the whole struct).  They MAY be called from any thread of
 * the transport, for different messages at the same time, and before send
 * or stream_push returns: they must be thread-safe and quick.  For one
 * message, offered always comes before final.  i is the message's index in
 * the batch (send) or in the order of pushes since stream_open.
 */
struct mr_send_hooks {
	size_t size;  /* MUST: sizeof(struct mr_send_hooks) */
	void *cookie; /* passed to both hooks */
	/* right before message i's transaction starts (MAIL FROM, a pipe, a
	 * spool write) and before each new try of it; non-zero: do not try it
	 * (its results become TEMPFAIL).  Not called for a message refused
	 * before any transaction (a bad address): it goes straight to final. */
	int (*offered)(void *cookie, size_t i, struct mr_outmsg *m);
	/* exactly once per message sent or pushed successfully, when its
	 * results are final; the transport touches m no more after it. */
	void (*final)(void *cookie, size_t i, struct mr_outmsg *m);
};

/* Capabilities of a transport (mr_transport_ops.caps). */
#define MR_TRANSPORT_NO_STORE 0x1u  /* sending never touches the site's store: a caller
				       may send from one thread while it uses the store
				       in another */
#define MR_TRANSPORT_STREAMING 0x2u /* stream_open, stream_push and stream_close are set */

/* An open stream of a transport (its own type, opaque to callers). */
struct mr_send_stream;

struct mr_transport_ops {
	size_t size;
	unsigned caps; /* MR_TRANSPORT_* */
	/* MUST: set up from ctx->cfg; *state_r is passed to every other slot. */
	int (*init)(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err);
	/* MUST: release everything init made. */
	void (*deinit)(void *state);
	/* MUST: deliver n messages (hooks MAY be NULL); fill every result and
	 * call hooks->final for each message.  Returns 0 when every message has
	 * a result (which may be a failure), <0 only if the batch could not be
	 * attempted at all (no hook was called, results stay PENDING).  One
	 * send or stream at a time per state. */
	int (*send)(void *state, struct mr_outmsg *msgs, size_t n, const struct mr_send_hooks *hooks,
		    struct mr_error *err);
	/* MUST with MR_TRANSPORT_STREAMING: opens a stream that reports through
	 * hooks (copied; MAY be NULL) until stream_close. */
	int (*stream_open)(void *state, const struct mr_send_hooks *hooks,
			   struct mr_send_stream **stream_r, struct mr_error *err);
	/* MUST with MR_TRANSPORT_STREAMING: queues one message and returns,
	 * waiting while the transport's queue is full.  0: final will be
	 * called for m (perhaps before this returns); m must stay valid until
	 * then.  <0: m was not taken (no hook is called for it). */
	int (*stream_push)(struct mr_send_stream *stream, struct mr_outmsg *m, struct mr_error *err);
	/* MUST with MR_TRANSPORT_STREAMING: waits for the final answer of every
	 * message pushed, then frees the stream. */
	void (*stream_close)(struct mr_send_stream *stream);
	/* MAY: a one-line description of where mail goes ("smtp://host:587"). */
	const char *(*describe)(void *state);
};

/* ---------------------------------------------------------------- fetch */

enum mr_disposition {
	MR_DISPOSE_KEEP = 0,      /* leave it where it is */
	MR_DISPOSE_PROCESSED = 1, /* move to the processed folder */
	MR_DISPOSE_IGNORED = 2    /* move to the ignored folder */
};

/* One fetched message; valid until the next next() or close(). */
struct mr_fetched {
	const char *key;   /* stable identity within the account, e.g.
			      "imap:UIDVALIDITY:UID", "pop3:UIDL", "maildir:FILE" */
	const char *data;  /* the raw message */
	size_t len;
	const char *label; /* for humans: UID or file name */
};

struct mr_fetch_ops {
	size_t size;
	/* MUST: read the account's section; connect nothing yet. */
	int (*init)(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err);
	/* MUST */
	void (*deinit)(void *state);
	/* MUST: connect, log in, open the source folder; *waiting_r (MAY be NULL)
	 * receives the number of messages waiting. */
	int (*open)(void *state, size_t *waiting_r, struct mr_error *err);
	/* MUST: the next message: 1 with *msg_r filled, 0 at the end, <0 error. */
	int (*next)(void *state, struct mr_fetched *msg_r, struct mr_error *err);
	/* MUST: dispose of a message next() returned since open().  The fetch
	 * loop may do so after later next() calls (once the transaction that
	 * records it has committed), not always in next()'s order; msg then
	 * holds copies of the key, label and data next() gave. */
	int (*dispose)(void *state, const struct mr_fetched *msg, enum mr_disposition d,
		       struct mr_error *err);
	/* MUST: log out and disconnect; open() may be called again after it. */
	void (*close)(void *state);
};

/* ---------------------------------------------------------------- store */

struct mr_spool_msg {
	int64_t id;
	int64_t added;         /* unix time */
	int64_t job_id;        /* mailing job, or 0 */
	const char *sender;    /* envelope sender */
	const char *recipient; /* envelope recipient(s), comma-separated */
	const char *subject;   /* decoded Subject for listings */
	const char *headers;   /* the header block exactly as it would be sent */
	size_t headers_len;
	const char *body;      /* the body exactly as it would be sent */
	size_t body_len;
};
typedef int mr_spool_cb(void *cookie, const struct mr_spool_msg *msg);

enum mr_job_outcome {
	MR_JOB_RUNNING = 0,
	MR_JOB_OK = 1,
	MR_JOB_FAILED = 2,
	MR_JOB_SKIPPED_LOCKED = 3,
	MR_JOB_CRASHED = 4
};

struct mr_job_run {
	int64_t id;
	const char *job;
	int worker;
	int pid;
	int64_t started;
	int64_t ended;        /* 0 while running */
	enum mr_job_outcome outcome;
	const char *message;
	const char *data;     /* a small JSON object, or "" */
};
typedef int mr_job_run_cb(void *cookie, const struct mr_job_run *run);

/* Permissions of a mailroom user (cron identity). */
#define MR_PERM_SEND_MAIL     0x1u
#define MR_PERM_PROCESS_MAIL  0x2u
#define MR_PERM_VIEW_CONTACTS 0x4u

struct mr_user {
	const char *name;
	const char *pwhash;   /* "pbkdf2-sha256$ITER$SALT$HASH" */
	unsigned perms;       /* MR_PERM_* */
	int64_t created;
};
typedef int mr_user_cb(void *cookie, const struct mr_user *user);

/*
 * Callbacks of list operations return 0 to go on or non-zero to stop; a
 * non-zero return is passed back as the operation's result.  Strings given
 * to a callback are valid only during the call.
 */
struct mr_store_ops {
	size_t size;
	/* MUST: open (and create or upgrade) the store. */
	int (*init)(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err);
	/* MUST */
	void (*deinit)(void *state);

	/* MUST: group several operations into one atomic unit.  Operations
	 * outside begin/commit are each atomic on their own. */
	int (*begin)(void *state, struct mr_error *err);
	int (*commit)(void *state, struct mr_error *err);
	void (*rollback)(void *state);

	/* MUST: the schema version the store is at. */
	int (*schema_version)(void *state, int *version_r, struct mr_error *err);

	/* MUST: mail spool (the "redirect to database" transport). */
	int (*spool_add)(void *state, const struct mr_spool_msg *msg, int64_t *id_r,
			 struct mr_error *err);
	/* newest first; limit 0 means all */
	int (*spool_list)(void *state, int64_t limit, mr_spool_cb *cb, void *cookie,
			  struct mr_error *err);
	/* MR_ENOTFOUND when there is no such id */
	int (*spool_get)(void *state, int64_t id, mr_spool_cb *cb, void *cookie,
			 struct mr_error *err);
	int (*spool_purge)(void *state, int64_t before, int64_t *count_r, struct mr_error *err);

	/* MUST: job log. */
	int (*job_run_start)(void *state, const char *job, int worker, int pid, int64_t started,
			     int64_t *run_id_r, struct mr_error *err);
	int (*job_run_end)(void *state, int64_t run_id, int64_t ended,
			   enum mr_job_outcome outcome, const char *message, const char *data,
			   struct mr_error *err);
	/* newest first; job NULL for every job; limit 0 means all */
	int (*job_run_list)(void *state, const char *job, int64_t limit, mr_job_run_cb *cb,
			    void *cookie, struct mr_error *err);
	int (*job_run_purge)(void *state, int64_t before, int64_t *count_r, struct mr_error *err);

	/* MUST: records of fetched messages, for idempotent processing.  Call
	 * msg_mark inside the transaction that commits the message's result. */
	int (*msg_seen)(void *state, const char *account, const char *key, int *seen_r,
			struct mr_error *err);
	int (*msg_mark)(void *state, const char *account, const char *key, const char *outcome,
			int64_t when, struct mr_error *err);
	int (*msg_purge)(void *state, int64_t before, int64_t *count_r, struct mr_error *err);

	/* MUST: users for the cron identity.  user_put inserts or replaces;
	 * user_get calls cb once or returns MR_ENOTFOUND. */
	int (*user_put)(void *state, const struct mr_user *user, struct mr_error *err);
	int (*user_get)(void *state, const char *name, mr_user_cb *cb, void *cookie,
			struct mr_error *err);
	int (*user_list)(void *state, mr_user_cb *cb, void *cookie, struct mr_error *err);
	int (*user_delete)(void *state, const char *name, struct mr_error *err);

	/* ---- appended in ABI 1.1 */
	/* MAY: the outcome msg_mark recorded for (account, key), malloc'ed
	 * into *outcome_r (caller frees); MR_ENOTFOUND when there is none.
	 * The fetch loop uses it to dispose of a message found recorded by an
	 * earlier run the way that run decided; without it, as processed. */
	int (*msg_outcome)(void *state, const char *account, const char *key, char **outcome_r,
			   struct mr_error *err);

	/* ---- appended in ABI 1.2: contacts, groups, mailings and the recipient
	 * queue (mailroom/mailing.h).  All MAY; mass mailing needs all of them. */
	/* MAY: insert a contact with c->email as its primary email, or update
	 * the contact that has that email (case-insensitive): non-NULL names
	 * and type replace the stored ones.  *id_r gets the contact id,
	 * *created_r (MAY be NULL) 1 when it was new.  MR_EINPUT for an empty
	 * email or a bad contact_type. */
	int (*contact_upsert)(void *state, const struct mr_contact *c, int64_t *id_r,
			      int *created_r, struct mr_error *err);
	/* MAY: the contact whose email is email (case-insensitive): cb once, or
	 * MR_ENOTFOUND. */
	int (*contact_find)(void *state, const char *email, mr_contact_cb *cb, void *cookie,
			    struct mr_error *err);
	/* MAY: contacts by id, those with id > after_id; limit 0 means all. */
	int (*contact_list)(void *state, int64_t after_id, int64_t limit, mr_contact_cb *cb,
			    void *cookie, struct mr_error *err);
	/* MAY: sets a flag of the contact (or its email) found by email;
	 * MR_ENOTFOUND when there is none. */
	int (*contact_set_flag)(void *state, const char *email, enum mr_contact_flag flag,
				int value, struct mr_error *err);
	/* MAY: adds group name (title NULL: the name); an existing name is not
	 * an error and gives its id.  *id_r MAY be NULL. */
	int (*group_add)(void *state, const char *name, const char *title, int64_t *id_r,
			 struct mr_error *err);
	/* MAY: every group by name, with its member count. */
	int (*group_list)(void *state, mr_group_cb *cb, void *cookie, struct mr_error *err);
	/* MAY: adds (add = 1) or removes (add = 0) a contact to or from a group;
	 * adding twice is not an error.  MR_ENOTFOUND for an unknown group. */
	int (*group_member)(void *state, const char *group, int64_t contact_id, int add,
			    struct mr_error *err);
	/* MAY: the contacts in a group (status Added) by id; MR_ENOTFOUND for an
	 * unknown group. */
	int (*group_members)(void *state, const char *group, mr_contact_cb *cb, void *cookie,
			     struct mr_error *err);
	/* MAY: stores a new mailing (status draft, or scheduled when
	 * m->status says so with m->scheduled_at) with its groups (names; an
	 * unknown one is MR_ENOTFOUND) and attachments. */
	int (*mailing_create)(void *state, const struct mr_mailing *m, int64_t *id_r,
			      struct mr_error *err);
	/* MAY: one mailing with groups and attachments (cb once) or MR_ENOTFOUND. */
	int (*mailing_get)(void *state, int64_t id, mr_mailing_cb *cb, void *cookie,
			   struct mr_error *err);
	/* MAY: every mailing by id, without bodies' attachments data. */
	int (*mailing_list)(void *state, mr_mailing_cb *cb, void *cookie, struct mr_error *err);
	/* MAY: moves a mailing to status: SCHEDULED (from draft or paused-before-
	 * start; when is the send time; makes its parent mailing job), PAUSED
	 * (from scheduled or running), RUNNING (resume, from paused), CANCELED
	 * (from any but complete: its waiting recipients become canceled).
	 * MR_EINPUT for a move that is not allowed, MR_ENOTFOUND. */
	int (*mailing_set_status)(void *state, int64_t id, enum mr_mailing_status status,
				  int64_t when, struct mr_error *err);
	/* MAY: the first mailing with id > after_id that has work at time now:
	 * scheduled with scheduled_at <= now, or running.  *mailing_id_r and
	 * *job_id_r (its parent job), or MR_ENOTFOUND. */
	int (*mailing_due)(void *state, int64_t now, int64_t after_id, int64_t *mailing_id_r,
			   int64_t *job_id_r, struct mr_error *err);
	/* MAY: builds the queue of a scheduled mailing's parent job once, in one
	 * transaction: contacts in its included groups minus the excluded,
	 * minus emails on hold, opted-out, do-not-email and deleted contacts, one
	 * row per distinct address (domain case-insensitive); job_size > 0
	 * splits the rows into child jobs of that many.  Moves the mailing and
	 * job to running.  *count_r gets the rows made (0 when the queue was
	 * built before). */
	int (*queue_build)(void *state, int64_t job_id, int64_t job_size, int64_t *count_r,
			   struct mr_error *err);
	/* MAY: returns rows whose lease is owner's or expired before now to the
	 * queue: leased ones to queued, sending ones to in_doubt (to queued, as
	 * every in_doubt row, when resend_in_doubt).  Counts MAY be NULL. */
	int (*queue_recover)(void *state, const char *owner, int64_t now, int resend_in_doubt,
			     int64_t *requeued_r, int64_t *in_doubt_r, struct mr_error *err);
	/* MAY: leases up to max rows of a running mailing that are queued, or
	 * retry with next_attempt <= now, to owner until lease_until (state
	 * leased, attempts + 1), in queue order, and calls cb for each. */
	int (*queue_claim)(void *state, int64_t mailing_id, const char *owner, int64_t now,
			   int64_t lease_until, size_t max, mr_recipient_cb *cb, void *cookie,
			   struct mr_error *err);
	/* MAY: owner's leased rows become sending (call it right before handing
	 * them to the transport; a row's first sending time starts its
	 * retry_for); sending = 0 makes them queued instead (given back, e.g.
	 * on pause). */
	int (*queue_mark)(void *state, const char *owner, int sending, struct mr_error *err);
	/* MAY: records n outcomes in one transaction: sent (with a delivered
	 * event), retry (next_attempt by exponential backoff, bounced once
	 * retry_for has passed since the first try), bounced (a bounce event
	 * of the bounce type), in doubt.  Clears the leases. */
	int (*queue_outcome)(void *state, const struct mr_queue_outcome *o, size_t n,
			     struct mr_error *err);
	/* MAY: a running mailing with no row waiting, leased, sending or
	 * retrying becomes complete (with its jobs); *complete_r 1 when it is. */
	int (*mailing_finish)(void *state, int64_t mailing_id, int64_t now, int *complete_r,
			      struct mr_error *err);
	/* MAY: the counts of a mailing's queue (mailroom/mailing.h). */
	int (*mailing_stats)(void *state, int64_t mailing_id, struct mr_mailing_stats *stats_r,
			     struct mr_error *err);

	/* ---- appended in ABI 1.2 for bounce processing (mailroom/bounce-store.h).
	 * All MAY; job-fetch-bounces needs bounce_target, bounce_add and
	 * verp_action, job-reset-holds holds_reset, `bounce stats` bounce_stats. */
	/* MAY: the recipient a bounce or VERP action is about.  queue_id > 0:
	 * the queue row with that id and job_id (MR_ENOTFOUND when there is
	 * none, or when email is not NULL and is not the row's address).
	 * queue_id == 0: the email (case-insensitive) of a contact not
	 * deleted, with its newest queue row when it has one (t_r->queue_id 0
	 * when not); MR_ENOTFOUND when the address is not in the store. */
	int (*bounce_target)(void *state, int64_t job_id, int64_t queue_id, const char *email,
			     struct mr_bounce_target *t_r, struct mr_error *err);
	/* MAY: records a bounce event of ev->queue_id (type, reason, status,
	 * text, confidence), marks a sent row bounced, counts the email's
	 * bounces (all, and of ev->type) since its reset date, and puts it on
	 * hold (on_hold = 1, hold_date = ev->when) when the type's count
	 * reaches the threshold and it is not on hold.  An unknown type name is
	 * added to the bounce types.  MR_ENOTFOUND for an unknown queue row. */
	int (*bounce_add)(void *state, const struct mr_bounce_event *ev,
			  struct mr_bounce_added *added_r, struct mr_error *err);
	/* MAY: records a VERP action (or a complaint) of queue row queue_id
	 * as an event (details MAY be NULL) and applies it: reply (the event
	 * only), unsubscribe (the contact's Added memberships of the mailing's
	 * included groups become Removed), opt-out and complaint (is_opt_out
	 * = 1), resubscribe (the included groups Added again, is_opt_out = 0).
	 * *changed_r (MAY be NULL) gets the groups or flags changed.
	 * MR_ENOTFOUND for an unknown queue row. */
	int (*verp_action)(void *state, int64_t queue_id, enum mr_verp_action action,
			   int64_t when, const char *details, int64_t *changed_r,
			   struct mr_error *err);
	/* MAY: releases the bounce holds (on_hold = 1) of emails that had a
	 * delivered event after their newest bounce and no bounce since
	 * now - clean_for: on_hold = 0, reset_date = now.  *released_r (MAY
	 * be NULL) gets how many. */
	int (*holds_reset)(void *state, int64_t now, int64_t clean_for, int64_t *released_r,
			   struct mr_error *err);
	/* MAY: bounces by mailing and type (cb per row, by mailing id then
	 * type) and the totals (totals_r MAY be NULL). */
	int (*bounce_stats)(void *state, mr_bounce_stat_cb *cb, void *cookie,
			    struct mr_bounce_totals *totals_r, struct mr_error *err);

	/* ---- appended in ABI 1.2 for email-to-activity (mailroom/activity-store.h).
	 * All MAY; job-fetch-activities needs activity_contact and
	 * activity_add, `mailroom activity` the other three. */
	/* MAY: the Individual contact of email (case-insensitive, not deleted)
	 * into *id_r.  When there is none and create is non-zero, a new
	 * Individual with that primary email is made, named from name (an
	 * RFC 2047-decoded display name, MAY be NULL: the email is its display
	 * name), also when the email belongs only to an Organization.  When
	 * there is none and create is 0, *id_r is 0 (not an error).
	 * *created_r (MAY be NULL) gets 1 when one was made.  MR_EINPUT for an
	 * empty email. */
	int (*activity_contact)(void *state, const char *email, const char *name, int create,
				int64_t *id_r, int *created_r, struct mr_error *err);
	/* MAY: files activity a (a->id and a->created are ignored) with its
	 * parties and attachments (content blobs) as one unit.  When
	 * a->message_id is not NULL and an activity of a->account with that
	 * Message-ID exists, nothing is added: *id_r gets its id and
	 * *existing_r (MAY be NULL) 1. */
	int (*activity_add)(void *state, const struct mr_activity_rec *a, int64_t *id_r,
			    int *existing_r, struct mr_error *err);
	/* MAY: activities matching f (MAY be NULL), newest first (by date,
	 * then id); each with parties and attachments (without data), but
	 * without the text and HTML bodies and headers. */
	int (*activity_list)(void *state, const struct mr_activity_filter *f,
			     mr_activity_rec_cb *cb, void *cookie, struct mr_error *err);
	/* MAY: one activity with bodies, headers, parties and attachments
	 * (without data): cb once, or MR_ENOTFOUND. */
	int (*activity_get)(void *state, int64_t id, mr_activity_rec_cb *cb, void *cookie,
			    struct mr_error *err);
	/* MAY: attachment n (1 = the first, in message order) of activity id
	 * with its data (NULL for a skipped one): cb once, or MR_ENOTFOUND
	 * when there is no such activity or attachment. */
	int (*activity_attachment)(void *state, int64_t id, size_t n, mr_activity_file_cb *cb,
				   void *cookie, struct mr_error *err);

	/* ---- appended in ABI 1.3 */
	/* MAY: owner's sending rows whose id is not among started[0..n) never
	 * reached a server: they go back to the queue (queued, attempts - 1)
	 * so that queue_recover does not put them in doubt.  *requeued_r (MAY
	 * be NULL) gets how many. */
	int (*queue_unstarted)(void *state, const char *owner, const int64_t *started, size_t n,
			       int64_t *requeued_r, struct mr_error *err);
};

/* ---------------------------------------------------------------- job */

/* A loaded plugin instance: its ops and the state its init returned. */
struct mr_store {
	const struct mr_store_ops *ops;
	void *state;
	const char *name;
};
struct mr_transport {
	const struct mr_transport_ops *ops;
	void *state;
	const char *name;
};
struct mr_account {
	const struct mr_fetch_ops *ops;
	void *state;
	const char *name;            /* the NAME of [account-NAME] */
	const struct mr_section *cfg;
	const char *used_for;        /* "bounce" or "activity" */
};

/* Everything a job run gets.  Owned by the core, valid during run(). */
struct mr_job_ctx {
	size_t size;
	const struct mr_core *core;
	const struct mr_section *cfg;  /* the job's [job-NAME] section */
	const struct mr_log *log;      /* prefixed with the job and its run id */
	const char *job;               /* NAME of [job-NAME] */
	struct mr_store *store;
	struct mr_transport *transport; /* the configured outbound transport */
	struct mr_account *const *accounts;
	size_t n_accounts;
	int64_t run_id;
	int worker;                    /* worker number, 0 for single jobs */
	int64_t deadline;              /* unix time the run should end by */
	/* Set (asynchronously) when the run must stop: SIGTERM or deadline. */
	const volatile int *stop;
	/* A short human summary and a small JSON object for the job log. */
	char message[256];
	char data[512];
	/* ---- appended in ABI 1.3 */
	/* The start of the path of small state files the job may keep:
	 * "LOCK_DIR/mailroom-SITE-DIGEST-" (the site's lock namespace, unique
	 * per config file). */
	const char *state_prefix;
};

struct mr_job_ops {
	size_t size;
	/* MAY: set up once from ctx->cfg (the job section). */
	int (*init)(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err);
	/* MAY */
	void (*deinit)(void *state);
	/* MUST: do one run.  Return 0 when the run succeeded (ctx->message says
	 * what it did) or a negative status with err filled. */
	int (*run)(void *state, struct mr_job_ctx *ctx, struct mr_error *err);
	/* MAY: the lock group of the job (jobs of one group never run at the
	 * same time), e.g. "mailbox"; NULL for a lock of its own. */
	const char *(*lock_group)(void *state);
	/* MAY: the MR_PERM_* permissions the cron user needs to run this job
	 * when [mailroom] require_user = yes; NULL means none. */
	unsigned (*permissions)(void *state);
};

#endif
