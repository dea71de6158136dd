/* SPDX-License-Identifier: MIT */
/* job-cleanup: purges job-log rows, spool rows and processed-message records older than configured ages, and removes expired double opt-in requests. */
#include "config.h"
#include <stdio.h>
#include <mailroom/plugin.h>

/* The plugin's keys, filled by the core from its section (cleanup_keys). */
struct cleanup_conf {
	long long job_log_max_age;
	long long spool_max_age;
	long long fetched_max_age;
};

static int cleanup_run(void *state, struct mr_job_ctx *ctx, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	struct mr_store *st = ctx->store;
	int64_t now = core->now(core);
	int64_t runs = 0, spooled = 0, fetched = 0, expired = 0;
	const struct cleanup_conf *conf = ctx->conf;
	long long log_age = conf->job_log_max_age;
	long long spool_age = conf->spool_max_age;
	long long fetched_age = conf->fetched_max_age;
	int rc = 0;
	if (log_age > 0)
		rc = mr_store_job_run_purge(st, now - log_age, &runs, err);
	/* a store without a spool has none to purge */
	if (!rc && spool_age > 0 && mr_store_has(st, MR_STORE_CAP_SPOOL))
		rc = mr_store_spool_purge(st, now - spool_age, &spooled, err);
	if (!rc && fetched_age > 0)
		rc = mr_store_msg_purge(st, now - fetched_age, &fetched, err);
	/* subscription requests expire on their own date ([optin] expire) */
	int optin = mr_store_has(st, MR_STORE_CAP_CONTACTS) && mr_store_has_optin(st);
	if (!rc && optin)
		rc = mr_store_optin_expire(st, now, &expired, err);
	if (rc)
		return rc;
	int n = snprintf(ctx->message, sizeof(ctx->message),
			 "purged %lld job runs, %lld spooled messages, %lld fetched-message records",
			 (long long)runs, (long long)spooled, (long long)fetched);
	if (optin && n > 0 && (size_t)n < sizeof(ctx->message))
		snprintf(ctx->message + n, sizeof(ctx->message) - (size_t)n,
			 ", %lld expired subscription requests", (long long)expired);
	n = snprintf(ctx->data, sizeof(ctx->data),
		     "{\"job_runs\":%lld,\"spooled\":%lld,\"fetched\":%lld", (long long)runs,
		     (long long)spooled, (long long)fetched);
	if (n > 0 && (size_t)n < sizeof(ctx->data) && optin)
		snprintf(ctx->data + n, sizeof(ctx->data) - (size_t)n, ",\"optin_expired\":%lld}",
			 (long long)expired);
	else if (n > 0 && (size_t)n < sizeof(ctx->data))
		snprintf(ctx->data + n, sizeof(ctx->data) - (size_t)n, "}");
	core->log(ctx->log, MR_LOG_INFO, "%s", ctx->message);
	return 0;
}

static const struct mr_key cleanup_keys[] = {
	{ .name = "job_log_max_age", .type = MR_KEY_DURATION, .def = "90d",
	  .help = "job-log rows older than this are purged (0: keep)",
	  MR_KEY_FIELD(struct cleanup_conf, job_log_max_age) },
	{ .name = "spool_max_age", .type = MR_KEY_DURATION, .def = "30d",
	  .help = "spooled messages older than this are purged (0: keep)",
	  MR_KEY_FIELD(struct cleanup_conf, spool_max_age) },
	{ .name = "fetched_max_age", .type = MR_KEY_DURATION, .def = "90d",
	  .help = "records of processed incoming messages older than this are purged (0: keep)",
	  MR_KEY_FIELD(struct cleanup_conf, fetched_max_age) },
	{ 0 }
};

static const struct mr_job_ops cleanup_ops = {
	.size = sizeof(struct mr_job_ops),
	.run = cleanup_run,
	/* the job log and fetched-message records are in every store; the
	 * spool is purged only when the store has one */
	.store_caps = 0,
};

MR_PLUGIN_DEFINE(MR_KIND_JOB, "cleanup", PACKAGE_VERSION,
		 "Purges old job-log rows, spooled messages and processed-message records, "
		 "and expired double opt-in requests.",
		 cleanup_keys, sizeof(struct cleanup_conf), &cleanup_ops);
