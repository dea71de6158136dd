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
	/* The RFC 2047-decoded, unfolded Subject of a raw message, malloc'ed
	 * (caller frees), or NULL when it has none. */
	char *(*mime_subject)(const char *data, size_t len);
};

#endif
