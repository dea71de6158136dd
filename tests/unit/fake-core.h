/* SPDX-License-Identifier: MIT */
/*
 * A fake core for plugin unit tests: a struct mr_core whose services are test
 * doubles (log lines kept in a buffer the test reads, configuration from an
 * in-memory table, a settable clock, a test-provided store), so a plugin's
 * ops can be driven without a site, an INI file or libmailroom.
 *
 * A test program links fake-core.c with the plugin's own sources and never
 * with libmailroom: the fake defines its own struct mr_section and struct
 * mr_log (both opaque to plugins), which would clash with the core's.
 *
 * Usage:
 *   static const struct fake_cfg cfg[] = {
 *       { "job-cleanup", "spool_max_age", "0" },
 *       { NULL }
 *   };
 *   struct fake_core fc;
 *   fake_core_init(&fc, cfg);
 *   fc.now = 1700000000;           // the clock core->now returns
 *   fc.store = &my_fake_store;     // what core->store returns (NULL: none)
 *   struct mr_plugin_ctx ctx = fake_core_ctx(&fc, &mr_plugin_descriptor, "cleanup");
 *   ... drive the plugin's ops with ctx ...
 *   TAP_OK(fake_core_logged(&fc, "info job-cleanup[cleanup]: purged"), ...);
 */
#ifndef MR_FAKE_CORE_H
#define MR_FAKE_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/plugin.h>

#define FAKE_CORE_SECTIONS 16
#define FAKE_CORE_LOGS 16
#define FAKE_CORE_LOG_SIZE 16384
#define FAKE_CORE_CONF_SIZE 1024 /* bytes of a plugin's config struct at most */

/* One configuration value; a table of them ends with a zeroed entry. */
struct fake_cfg {
	const char *section; /* full name: "transport-smtp", "job-cleanup", "mailroom" */
	const char *key;
	const char *value;   /* as it would be written in the INI file */
};

struct fake_core;

/* The fake core's section: a name, the declared keys (for their defaults)
 * and the core it belongs to. */
struct mr_section {
	struct fake_core *fc;
	char name[64];
	const struct mr_key *keys; /* MAY be NULL: then no defaults */
};

/* The fake core's logger: a prefix such as "transport-disabled[off]". */
struct mr_log {
	struct fake_core *fc;
	char prefix[96];
};

struct fake_core {
	struct mr_core core;         /* hand &fc.core to plugins (it comes first) */
	const struct fake_cfg *cfg;  /* the values core->cfg_* read; MAY be NULL */
	int64_t now;                 /* what core->now returns; set it freely */
	struct mr_store *store;      /* what core->store returns; NULL by default */
	int progress_calls;          /* how often core->progress was called */
	/* Every logged line, "LEVEL PREFIX: MESSAGE\n" (LEVEL: err, warning,
	 * notice, info, debug), in order; log_lines counts them.  Lines that
	 * do not fit are counted in log_dropped. */
	char log[FAKE_CORE_LOG_SIZE];
	size_t log_len, log_lines, log_dropped;
	struct mr_section sections[FAKE_CORE_SECTIONS];
	size_t n_sections;
	struct mr_log logs[FAKE_CORE_LOGS];
	size_t n_logs;
	/* The config structs fake_core_ctx filled, one per section. */
	long long confs[FAKE_CORE_SECTIONS][FAKE_CORE_CONF_SIZE / sizeof(long long)];
};

/* Fills fc: every generic slot of fc->core points to a test implementation,
 * the domain slots stay NULL; cfg (MAY be NULL) must outlive fc. */
void fake_core_init(struct fake_core *fc, const struct fake_cfg *cfg);

/* The section NAME (made on first use, even when the table has no value for
 * it); keys (MAY be NULL) give the defaults of keys the table lacks.  NULL
 * only when FAKE_CORE_SECTIONS are used up. */
const struct mr_section *fake_core_section(struct fake_core *fc, const char *name,
					   const struct mr_key *keys);

/* A logger with this prefix; NULL only when FAKE_CORE_LOGS are used up. */
const struct mr_log *fake_core_logger(struct fake_core *fc, const char *prefix);

/* The context the core would give instance INSTANCE of the plugin desc: its
 * section ("transport-NAME", "job-NAME", "store-NAME", or "account-NAME"
 * for a fetch plugin) with desc->keys for defaults, a logger prefixed
 * "KIND-PLUGIN[INSTANCE]" like the real core's, and its config struct
 * (ctx.conf, desc->conf_size bytes) filled from the table and the defaults
 * the way the core fills it.  ctx.conf is NULL when desc->conf_size is 0 or
 * larger than FAKE_CORE_CONF_SIZE, or a field lies outside it. */
struct mr_plugin_ctx fake_core_ctx(struct fake_core *fc, const struct mr_plugin_desc *desc,
				   const char *instance);

/* 1 when a logged line contains needle, else 0. */
int fake_core_logged(const struct fake_core *fc, const char *needle);

/* Forgets the logged lines. */
void fake_core_log_clear(struct fake_core *fc);

#endif
