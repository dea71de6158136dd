/* SPDX-License-Identifier: MIT */
/*
 * The services the core offers to plugins: a versioned, append-only table of
 * function pointers handed to each plugin (never global symbols), so that a
 * plugin can be unit-tested against a fake core.
 */
#ifndef MAILROOM_CORE_H
#define MAILROOM_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <mailroom/error.h>

struct mr_store;
struct mr_account;
struct mr_fetched;
/* One INI section, opaque to plugins. */
struct mr_section;
/* A logger bound to a prefix such as "transport-smtp[relay]", opaque. */
struct mr_log;

enum mr_log_level {
	MR_LOG_ERR = 3,
	MR_LOG_WARNING = 4,
	MR_LOG_NOTICE = 5,
	MR_LOG_INFO = 6,
	MR_LOG_DEBUG = 7
};

#if defined(__GNUC__)
#define MR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MR_PRINTF(f, a)
#endif

/* ---- the fetch loop (core->fetch_run), for the jobs that read mailboxes */

/* What a processor did with one message. */
enum mr_verdict {
	MR_VERDICT_PROCESSED = 1, /* used: dispose of it as processed */
	MR_VERDICT_IGNORED = 2    /* not usable (unparsable, not ours): as ignored */
};

/*
 * A processor handles one message inside the store transaction the loop
 * has begun; the loop then records the message (msg_mark) in the same
 * transaction, commits, and only after the commit disposes of it.  Returns
 * a verdict (for MR_VERDICT_IGNORED, a short reason in reason[]), or a
 * negative status with err filled: the transaction is then rolled back and
 * the message stays where it is for the next run.
 */
typedef int mr_fetch_processor(void *cookie, const struct mr_fetched *msg, char *reason,
			       size_t reason_size, struct mr_error *err);

struct mr_fetch_opts {
	mr_fetch_processor *process; /* MUST */
	void *cookie;                /* passed to process */
	size_t batch;                /* messages per run; 0: the account's batch key */
	int64_t deadline;            /* unix time to stop by; 0: none */
	const volatile int *stop;    /* stop when *stop becomes non-zero; MAY be NULL */
	const struct mr_log *log;    /* where to log; NULL: the account's log */
	/* Messages recorded per store transaction (0: 128).  All of a group
	 * are disposed of after its commit; when the processor fails on one,
	 * the transaction is rolled back and the group's earlier messages are
	 * processed again in a new one, so a processor must keep all its
	 * effects inside the store transaction. */
	size_t group;
};

/* Why a run ended. */
enum mr_fetch_end {
	MR_FETCH_END_EMPTY = 0,    /* no message left */
	MR_FETCH_END_BATCH = 1,    /* batch reached */
	MR_FETCH_END_DEADLINE = 2, /* deadline reached */
	MR_FETCH_END_STOP = 3,     /* asked to stop */
	MR_FETCH_END_ERROR = 4     /* the account or the store failed */
};

struct mr_fetch_stats {
	size_t waiting;        /* messages the account reported when opened */
	size_t processed;      /* processed and committed in this run */
	size_t ignored;        /* ignored and committed in this run */
	size_t already;        /* recorded by an earlier run: only disposed again */
	size_t failed;         /* the processor failed: left for the next run */
	size_t dispose_failed; /* committed, but not moved: the next run will */
	enum mr_fetch_end end;
};

struct mr_core {
	size_t size;          /* sizeof(struct mr_core) of the running core */
	unsigned abi_minor;   /* MR_ABI_MINOR of the running core */

	/* Logs one line with the logger's prefix. */
	void (*log)(const struct mr_log *log, enum mr_log_level level, const char *fmt, ...)
		MR_PRINTF(3, 4);

	/* Fills err (status and formatted message) and returns status. */
	int (*error_set)(struct mr_error *err, int status, const char *fmt, ...) MR_PRINTF(3, 4);

	/* The value of a key of a section: the INI value, else the declared
	 * default, else NULL.  Owned by the core. */
	const char *(*cfg_str)(const struct mr_section *sec, const char *key);
	/* An integer, boolean or duration (in seconds) key; the core checked
	 * the types when it loaded the file, so these cannot fail. */
	long long (*cfg_int)(const struct mr_section *sec, const char *key);
	int (*cfg_bool)(const struct mr_section *sec, const char *key);
	long long (*cfg_duration)(const struct mr_section *sec, const char *key);
	/* A section by full name ("mailroom", "account-bounce"), or NULL. */
	const struct mr_section *(*cfg_section)(const struct mr_core *core, const char *name);
	/* The section's name, e.g. "transport-smtp". */
	const char *(*cfg_name)(const struct mr_section *sec);
	/* The i-th section of the file (0 first), or NULL past the last. */
	const struct mr_section *(*cfg_section_at)(const struct mr_core *core, size_t i);
	/* Reads secret KEY from KEY_file (refused if group or others can read
	 * it) or from the environment variable MAILROOM_<SECTION>_<KEY>.
	 * Returns 0 with *secret_r malloc'ed (caller frees), MR_ENOTFOUND when
	 * neither is set, or another status with err filled. */
	int (*cfg_secret)(const struct mr_section *sec, const char *key, char **secret_r,
			  struct mr_error *err);

	/* Unix time now (tests inject a clock). */
	int64_t (*now)(const struct mr_core *core);
	/* The site's store, once it is initialised (transports and jobs use
	 * it; the store's own init must not), else NULL. */
	struct mr_store *(*store)(const struct mr_core *core);

	/* Verifies a TLS peer's certificate chain (DER, leaf first) against
	 * ca_file (PEM; NULL or "" for the system store) and the host name
	 * or IP address.  Returns 0, or MR_EPERMANENT with the reason in err.
	 * Plugins whose TLS library does not verify call it after the
	 * handshake and before sending any credential. */
	int (*tls_verify_chain)(const unsigned char *const *der, const size_t *der_len,
				size_t n, const char *host, const char *ca_file,
				struct mr_error *err);
	/* Runs the fetch loop of one account (see struct mr_fetch_opts). */
	int (*fetch_run)(const struct mr_core *core, struct mr_account *account,
			 const struct mr_fetch_opts *opts, struct mr_fetch_stats *stats_r,
			 struct mr_error *err);
	/* Shows how far a long run is ("what: done of total, rate/s"; total 0
	 * when unknown) on one line of a terminal, at most four times a second;
	 * done < 0 ends the line.  Does nothing under cron or --quiet.  Returns
	 * 1 when it shows lines, 0 when not (work only the line needs, such as
	 * counting the total, can then be skipped).  Call it from the job's own
	 * thread. */
	int (*progress)(const struct mr_core *core, const char *what, long long done,
			long long total);
};

#endif
