/* SPDX-License-Identifier: MIT */
/* The struct mr_core services table handed to every plugin. */
#include "config.h"
#include <stdlib.h>
#include <time.h>
#include "mr.h"

static void core_log(const struct mr_log *log, enum mr_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mr_log_v(log, level, fmt, ap);
	va_end(ap);
}

static int core_error_set(struct mr_error *err, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mr_error_vset(err, status, fmt, ap);
	va_end(ap);
	return status;
}

struct mr_site *mr_core_site(const struct mr_core *core)
{
	return (struct mr_site *)((char *)core - offsetof(struct mr_site, core));
}

static const struct mr_section *core_cfg_section(const struct mr_core *core, const char *name)
{
	return mr_config_section(mr_core_site(core)->cfg, name);
}

static const char *core_cfg_name(const struct mr_section *sec)
{
	return sec->name;
}

static const struct mr_section *core_cfg_section_at(const struct mr_core *core, size_t i)
{
	const struct mr_config *cfg = mr_core_site(core)->cfg;
	return i < cfg->n_secs ? &cfg->secs[i] : NULL;
}

/* Unix time now; MAILROOM_FAKE_NOW (unix seconds) pins it for tests. */
static int64_t core_now(const struct mr_core *core)
{
	const char *fake = getenv("MAILROOM_FAKE_NOW");
	if (fake && *fake)
		return strtoll(fake, NULL, 10);
	return (int64_t)time(NULL);
}

static struct mr_store *core_store(const struct mr_core *core)
{
	struct mr_site *site = mr_core_site(core);
	return site->store.ops ? &site->store : NULL;
}

void mr_core_fill(struct mr_core *core)
{
	core->size = sizeof(*core);
	core->abi_minor = MR_ABI_MINOR;
	core->log = core_log;
	core->error_set = core_error_set;
	core->cfg_str = mr_cfg_str;
	core->cfg_int = mr_cfg_int;
	core->cfg_bool = mr_cfg_bool;
	core->cfg_duration = mr_cfg_duration;
	core->cfg_section = core_cfg_section;
	core->cfg_name = core_cfg_name;
	core->cfg_section_at = core_cfg_section_at;
	core->cfg_secret = mr_cfg_secret;
	core->now = core_now;
	core->store = core_store;
	core->tls_verify_chain = mr_tls_verify_chain;
	core->fetch_run = mr_fetch_run;
	core->progress = mr_progress;
}
