/* SPDX-License-Identifier: MIT */
/*
 * The mailroom plugin ABI: the one descriptor each plugin exports and the
 * versioned, append-only ops table of each plugin kind.
 *
 * Rules (doc/plugin-abi.md has them in full, with what each version holds):
 * - A plugin exports exactly one symbol, made by MR_PLUGIN_DEFINE().
 * - Every ops table starts with its own size; new slots are only ever
 *   appended, and appending bumps MR_ABI_MINOR.  A slot that lies beyond a
 *   plugin's ops->size does not exist for that plugin (MR_OPS_HAS()).
 * - Every array that crosses the ABI carries its element size (key_size,
 *   struct mr_outmsg's size and result_size, mr_job_ctx's account_size,
 *   the store records' size, attachment_size, party_size and file_size).
 * - Slots are marked MUST (the loader refuses a plugin that leaves it NULL)
 *   or MAY (callers check for NULL and report MR_EUNSUPPORTED).
 * - The loader checks magic, ABI major, sizes, MUST slots, the store's
 *   sub-tables and every key's field before any plugin code runs.
 * - Plugins reach the core only through the struct mr_core they are given.
 * - Threads: see doc/plugin-abi.md ("Threads").
 */
#ifndef MAILROOM_PLUGIN_H
#define MAILROOM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/error.h>
#include <mailroom/core.h>
#include <mailroom/store.h>

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

/* The C type of the config struct field a key is stored in (MR_KEY_FIELD
 * works it out; the loader checks it against the key's type). */
enum mr_key_ctype {
	MR_CTYPE_NONE = 0,  /* no field: MR_KEY_SECRET, never kept in the struct */
	MR_CTYPE_STR = 1,   /* const char *: STRING, PATH, EMAIL, ENUM, LIST */
	MR_CTYPE_LLONG = 2, /* long long: INT, DURATION (seconds) */
	MR_CTYPE_INT = 3,   /* int: BOOL (0 or 1) */
	MR_CTYPE_OTHER = 4  /* anything else: always refused */
};

/*
 * One INI key a plugin accepts.  A table of them ends with a zeroed entry
 * and is written with designated initializers.  Before the plugin's init,
 * the core fills the plugin's config struct (desc->conf_size bytes, handed
 * over as ctx->conf) once from the section's values and the declared
 * defaults, each key at its offset, by type:
 *   STRING, PATH, EMAIL, ENUM, LIST  const char *  (NULL when unset without
 *                                    default; LIST is the comma-separated
 *                                    text as written; owned by the core,
 *                                    valid for the instance's life)
 *   INT                              long long     (0 when unset)
 *   DURATION                         long long     seconds (0 when unset)
 *   BOOL                             int           0 or 1
 *   SECRET                           not stored: read it with cfg_secret
 * The loader refuses a key whose field does not lie inside the struct or
 * whose field type does not match, before any plugin code runs.
 *
 *   struct smtp_conf { const char *host; long long port; };
 *   static const struct mr_key keys[] = {
 *       { .name = "host", .type = MR_KEY_STRING, .def = "localhost",
 *         .help = "the server", MR_KEY_FIELD(struct smtp_conf, host) },
 *       { 0 }
 *   };
 */
struct mr_key {
	const char *name;
	enum mr_key_type type;
	const char *def;     /* default as it would be written in the INI, or NULL */
	const char *help;    /* one sentence for etc/mailroom.ini and `config dump` */
	unsigned flags;      /* MR_KEYF_* */
	const char *choices; /* MR_KEY_ENUM: "a|b|c" */
	long long min, max;  /* MR_KEY_INT: bounds when min < max */
	size_t offset;       /* of the field in the plugin's config struct */
	size_t size;         /* sizeof the field; 0 only for MR_KEY_SECRET */
	enum mr_key_ctype ctype; /* the field's C type */
};

/* The field a key is stored in: MR_KEY_FIELD(struct smtp_conf, host). */
#define MR_KEY_FIELD(type_, field_) \
	.offset = offsetof(type_, field_), \
	.size = sizeof(((type_ *)0)->field_), \
	.ctype = _Generic(((type_ *)0)->field_, \
		const char *: MR_CTYPE_STR, \
		long long: MR_CTYPE_LLONG, \
		int: MR_CTYPE_INT, \
		default: MR_CTYPE_OTHER)

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
	/* Accepted keys of its INI section (MAY be NULL: none), walked in
	 * steps of key_size, the sizeof(struct mr_key) it was built with. */
	const struct mr_key *keys;
	size_t key_size;
	/* sizeof its config struct (ctx->conf); 0 when it has no keys to fill. */
	size_t conf_size;
	const void *ops;      /* const struct mr_<kind>_ops * */
};

#if defined(__GNUC__)
#define MR_EXPORT __attribute__((visibility("default")))
#else
#define MR_EXPORT
#endif

/* Defines the plugin's descriptor.  Use exactly once per plugin; conf_size_
 * is sizeof the plugin's config struct, or 0 when it has none. */
#define MR_PLUGIN_DEFINE(kind_, name_, version_, description_, keys_, conf_size_, ops_) \
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
		.key_size = sizeof(struct mr_key), \
		.conf_size = (conf_size_), \
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
	/* Its config struct (desc->conf_size bytes; NULL when 0), filled from
	 * its section before init; owned by the core, valid until deinit
	 * returns.  The plugin may keep the pointer and the strings in it. */
	const void *conf;
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
	/* MAY, appended in ABI 1.1; called only by a transport with
	 * MR_TRANSPORT_CONTENT: right before message i's content goes out, on
	 * each try that gets that far.  Until then no copy of the message can
	 * exist anywhere (its envelope may go well ahead, after offered); a
	 * caller that journals sends need only journal this.  Non-zero: do not
	 * send it (the transport abandons the transaction; its results become
	 * TEMPFAIL). */
	int (*content)(void *cookie, size_t i, struct mr_outmsg *m);
};

/* Capabilities of a transport (mr_transport_ops.caps). */
#define MR_TRANSPORT_NO_STORE 0x1u  /* sending never touches the site's store: a caller
				       may send from one thread while it uses the store
				       in another */
#define MR_TRANSPORT_STREAMING 0x2u /* stream_open, stream_push and stream_close are set */
#define MR_TRANSPORT_CONTENT 0x4u   /* calls hooks->content before each message's content
				       (appended in ABI 1.1) */

/* An open stream of a transport (its own type, opaque to callers). */
struct mr_send_stream;

struct mr_transport_ops {
	size_t size;
	unsigned caps;       /* MR_TRANSPORT_* */
	/* The store capabilities (MR_STORE_CAP_*) the transport needs; a site
	 * whose store lacks one is refused at load time (`config check`). */
	unsigned store_caps;
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

/* struct mr_store_ops, its capability sub-tables, struct mr_store and the
 * mr_store_*() wrappers are in mailroom/store.h, included above. */

/* ---------------------------------------------------------------- job */

/* A loaded plugin instance: its ops and the state its init returned (struct
 * mr_store is in mailroom/store.h). */
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
	const void *conf;              /* the job's config struct, as ctx->conf at init */
	const struct mr_log *log;      /* prefixed with the job and its run id */
	const char *job;               /* NAME of [job-NAME] */
	struct mr_store *store;
	struct mr_transport *transport; /* the configured outbound transport */
	/* n_accounts pointers to accounts, each account_size bytes (the
	 * sizeof(struct mr_account) of the running core): fields beyond it do
	 * not exist. */
	struct mr_account *const *accounts;
	size_t n_accounts;
	size_t account_size;
	int64_t run_id;
	int worker;                    /* worker number, 0 for single jobs */
	int64_t deadline;              /* unix time the run should end by */
	/* Set (asynchronously) when the run must stop: SIGTERM or deadline. */
	const volatile int *stop;
	/* A short human summary and a small JSON object for the job log. */
	char message[256];
	char data[512];
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
	/* The store capabilities (MR_STORE_CAP_*) the job needs; a site whose
	 * store lacks one is refused at load time (`config check`). */
	unsigned store_caps;
};

#endif
