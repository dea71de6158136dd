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

#define MR_PLUGIN_MAGIC 0x4d52504cu /* "MRPL" */
#define MR_ABI_MAJOR 1
#define MR_ABI_MINOR 1

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

/* Outcome of one recipient of one message. */
enum mr_send_status {
	MR_SEND_PENDING = 0,  /* not attempted (set by the caller before a batch) */
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
	const char *envelope_from;    /* may be "" for a null sender */
	const char *const *rcpts;     /* envelope recipients */
	size_t n_rcpts;
	const char *data;             /* the whole RFC 5322 message, CRLF or LF */
	size_t len;
	struct mr_send_result *results; /* n_rcpts entries, owned by the caller */
	void *user;                   /* the caller's cookie, untouched */
};

/* Called (MAY be NULL) as soon as message i's results are final. */
typedef void mr_send_cb(void *cookie, size_t i, struct mr_outmsg *msg);

struct mr_transport_ops {
	size_t size;
	/* MUST: set up from ctx->cfg; *state_r is passed to every other slot. */
	int (*init)(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err);
	/* MUST: release everything init made. */
	void (*deinit)(void *state);
	/* MUST: deliver n messages; fill every results[] entry; call done(cookie,
	 * i, msg) when message i is final.  Returns 0 when every message has a
	 * result (which may be a failure), <0 only if the batch could not be
	 * attempted at all (results then stay PENDING). */
	int (*send_batch)(void *state, struct mr_outmsg *msgs, size_t n,
			  mr_send_cb *done, void *cookie, struct mr_error *err);
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
	/* MUST: dispose of the message last returned by next(). */
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
