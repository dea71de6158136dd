/* SPDX-License-Identifier: MIT */
/* The fake core of the plugin unit tests (see fake-core.h): test doubles behind every generic slot of struct mr_core. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fake-core.h"

static struct fake_core *fake_of(const struct mr_core *core)
{
	/* core is the first member of struct fake_core */
	return (struct fake_core *)(void *)core;
}

static const char *level_word(enum mr_log_level level)
{
	switch (level) {
	case MR_LOG_ERR: return "err";
	case MR_LOG_WARNING: return "warning";
	case MR_LOG_NOTICE: return "notice";
	case MR_LOG_INFO: return "info";
	case MR_LOG_DEBUG: return "debug";
	}
	return "unknown";
}

__attribute__((format(printf, 3, 4)))
static void fake_log(const struct mr_log *log, enum mr_log_level level, const char *fmt, ...)
{
	struct fake_core *fc = log ? log->fc : NULL;
	char text[1024], line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	int n = snprintf(line, sizeof(line), "%s %s: %s\n", level_word(level),
			 log && log->prefix[0] ? log->prefix : "mailroom", text);
	if (getenv("FAKE_CORE_ECHO"))
		printf("# log: %s", line);
	if (!fc)
		return;
	if (n < 0 || (size_t)n >= sizeof(fc->log) - fc->log_len) {
		fc->log_dropped++;
		return;
	}
	memcpy(fc->log + fc->log_len, line, (size_t)n + 1);
	fc->log_len += (size_t)n;
	fc->log_lines++;
}

__attribute__((format(printf, 3, 4)))
static int fake_error_set(struct mr_error *err, int status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->status = status;
	}
	return status;
}

/* The value of key in sec: the table's, else the declared default, else NULL. */
static const char *fake_cfg_str(const struct mr_section *sec, const char *key)
{
	if (!sec || !key)
		return NULL;
	for (const struct fake_cfg *c = sec->fc->cfg; c && c->section; c++)
		if (strcasecmp(c->section, sec->name) == 0 && strcasecmp(c->key, key) == 0)
			return c->value;
	for (const struct mr_key *k = sec->keys; k && k->name; k++)
		if (strcasecmp(k->name, key) == 0)
			return k->def;
	return NULL;
}

static long long fake_cfg_int(const struct mr_section *sec, const char *key)
{
	const char *v = fake_cfg_str(sec, key);
	return v ? strtoll(v, NULL, 10) : 0;
}

static int fake_cfg_bool(const struct mr_section *sec, const char *key)
{
	const char *v = fake_cfg_str(sec, key);
	if (!v)
		return 0;
	return strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	       strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0;
}

/* Seconds, or a number followed by s, m, h, d or w. */
static long long fake_cfg_duration(const struct mr_section *sec, const char *key)
{
	const char *v = fake_cfg_str(sec, key);
	if (!v)
		return 0;
	char *end;
	long long n = strtoll(v, &end, 10);
	switch (*end) {
	case 'm': return n * 60;
	case 'h': return n * 3600;
	case 'd': return n * 86400;
	case 'w': return n * 7 * 86400;
	default: return n;
	}
}

static int table_has_section(const struct fake_core *fc, const char *name)
{
	for (const struct fake_cfg *c = fc->cfg; c && c->section; c++)
		if (strcasecmp(c->section, name) == 0)
			return 1;
	return 0;
}

static const struct mr_section *find_section(const struct fake_core *fc, const char *name)
{
	for (size_t i = 0; i < fc->n_sections; i++)
		if (strcasecmp(fc->sections[i].name, name) == 0)
			return &fc->sections[i];
	return NULL;
}

/* A section the test made, or one the table has values for, else NULL. */
static const struct mr_section *fake_cfg_section(const struct mr_core *core, const char *name)
{
	struct fake_core *fc = fake_of(core);
	const struct mr_section *sec = find_section(fc, name);
	if (sec)
		return sec;
	return table_has_section(fc, name) ? fake_core_section(fc, name, NULL) : NULL;
}

static const char *fake_cfg_name(const struct mr_section *sec)
{
	return sec ? sec->name : NULL;
}

/* The i-th distinct section named by the table, in table order. */
static const struct mr_section *fake_cfg_section_at(const struct mr_core *core, size_t i)
{
	struct fake_core *fc = fake_of(core);
	size_t seen = 0;
	for (const struct fake_cfg *c = fc->cfg; c && c->section; c++) {
		int first = 1;
		for (const struct fake_cfg *p = fc->cfg; p < c; p++)
			if (strcasecmp(p->section, c->section) == 0)
				first = 0;
		if (first && seen++ == i)
			return fake_cfg_section(core, c->section);
	}
	return NULL;
}

/* The fake takes a secret straight from the table (no file, no environment). */
static int fake_cfg_secret(const struct mr_section *sec, const char *key, char **secret_r,
			   struct mr_error *err)
{
	const char *v = fake_cfg_str(sec, key);
	if (!v)
		return fake_error_set(err, MR_ENOTFOUND, "[%s] has no %s", sec ? sec->name : "?",
				      key);
	*secret_r = strdup(v);
	return *secret_r ? 0 : fake_error_set(err, MR_ENOMEM, "out of memory");
}

static int64_t fake_now(const struct mr_core *core)
{
	return fake_of(core)->now;
}

static struct mr_store *fake_store(const struct mr_core *core)
{
	return fake_of(core)->store;
}

static int fake_tls_verify_chain(const unsigned char *const *der, const size_t *der_len, size_t n,
				 const char *host, const char *ca_file, struct mr_error *err)
{
	return fake_error_set(err, MR_EUNSUPPORTED, "the fake core verifies no certificate");
}

static int fake_fetch_run(const struct mr_core *core, struct mr_account *account,
			  const struct mr_fetch_opts *opts, struct mr_fetch_stats *stats_r,
			  struct mr_error *err)
{
	return fake_error_set(err, MR_EUNSUPPORTED, "the fake core has no fetch loop");
}

static int fake_progress(const struct mr_core *core, const char *what, long long done,
			 long long total)
{
	fake_of(core)->progress_calls++;
	return 0;
}

void fake_core_init(struct fake_core *fc, const struct fake_cfg *cfg)
{
	memset(fc, 0, sizeof(*fc));
	fc->core = (struct mr_core){
		.size = sizeof(struct mr_core),
		.abi_minor = MR_ABI_MINOR,
		.log = fake_log,
		.error_set = fake_error_set,
		.cfg_str = fake_cfg_str,
		.cfg_int = fake_cfg_int,
		.cfg_bool = fake_cfg_bool,
		.cfg_duration = fake_cfg_duration,
		.cfg_section = fake_cfg_section,
		.cfg_name = fake_cfg_name,
		.cfg_section_at = fake_cfg_section_at,
		.cfg_secret = fake_cfg_secret,
		.now = fake_now,
		.store = fake_store,
		.tls_verify_chain = fake_tls_verify_chain,
		.fetch_run = fake_fetch_run,
		.progress = fake_progress,
	};
	fc->cfg = cfg;
}

const struct mr_section *fake_core_section(struct fake_core *fc, const char *name,
					   const struct mr_key *keys)
{
	struct mr_section *sec = (struct mr_section *)find_section(fc, name);
	if (!sec) {
		if (fc->n_sections == FAKE_CORE_SECTIONS)
			return NULL;
		sec = &fc->sections[fc->n_sections++];
		sec->fc = fc;
		snprintf(sec->name, sizeof(sec->name), "%s", name);
	}
	if (keys)
		sec->keys = keys;
	return sec;
}

const struct mr_log *fake_core_logger(struct fake_core *fc, const char *prefix)
{
	for (size_t i = 0; i < fc->n_logs; i++)
		if (strcmp(fc->logs[i].prefix, prefix) == 0)
			return &fc->logs[i];
	if (fc->n_logs == FAKE_CORE_LOGS)
		return NULL;
	struct mr_log *log = &fc->logs[fc->n_logs++];
	log->fc = fc;
	snprintf(log->prefix, sizeof(log->prefix), "%s", prefix);
	return log;
}

/* Fills the config struct of sec (one buffer per section) by key type. */
static const void *fake_conf_fill(struct fake_core *fc, const struct mr_section *sec,
				  const struct mr_plugin_desc *desc)
{
	if (!desc->conf_size || desc->conf_size > FAKE_CORE_CONF_SIZE)
		return NULL;
	char *conf = (char *)fc->confs[sec - fc->sections];
	memset(conf, 0, FAKE_CORE_CONF_SIZE);
	for (size_t i = 0; desc->keys; i++) {
		const struct mr_key *k = (const void *)((const char *)desc->keys + i * desc->key_size);
		if (!k->name)
			break;
		if (k->type == MR_KEY_SECRET)
			continue;
		if (k->size > desc->conf_size || k->offset > desc->conf_size - k->size)
			return NULL;
		char *at = conf + k->offset;
		if (k->type == MR_KEY_INT || k->type == MR_KEY_DURATION) {
			long long v = k->type == MR_KEY_INT ? fake_cfg_int(sec, k->name)
							    : fake_cfg_duration(sec, k->name);
			memcpy(at, &v, sizeof(v));
		} else if (k->type == MR_KEY_BOOL) {
			int v = fake_cfg_bool(sec, k->name);
			memcpy(at, &v, sizeof(v));
		} else {
			const char *v = fake_cfg_str(sec, k->name);
			memcpy(at, &v, sizeof(v));
		}
	}
	return conf;
}

struct mr_plugin_ctx fake_core_ctx(struct fake_core *fc, const struct mr_plugin_desc *desc,
				   const char *instance)
{
	const char *kind = "plugin", *section_kind = "plugin";
	switch (desc->kind) {
	case MR_KIND_TRANSPORT: kind = section_kind = "transport"; break;
	case MR_KIND_FETCH: kind = "fetch"; section_kind = "account"; break;
	case MR_KIND_STORE: kind = section_kind = "store"; break;
	case MR_KIND_JOB: kind = section_kind = "job"; break;
	}
	char name[64], prefix[96];
	snprintf(name, sizeof(name), "%s-%s", section_kind, instance);
	snprintf(prefix, sizeof(prefix), "%s-%s[%s]", kind, desc->name, instance);
	const struct mr_section *sec = fake_core_section(fc, name, desc->keys);
	return (struct mr_plugin_ctx){
		.core = &fc->core,
		.cfg = sec,
		.log = fake_core_logger(fc, prefix),
		.instance = instance,
		.conf = sec ? fake_conf_fill(fc, sec, desc) : NULL,
	};
}

int fake_core_logged(const struct fake_core *fc, const char *needle)
{
	return strstr(fc->log, needle) != NULL;
}

void fake_core_log_clear(struct fake_core *fc)
{
	fc->log[0] = '\0';
	fc->log_len = fc->log_lines = fc->log_dropped = 0;
}
