/* SPDX-License-Identifier: MIT */
/* job-reset-holds: releases the bounce holds of emails that have since had a successful delivery and no bounce for clean_days days, setting their reset date. */
#include "config.h"
#include <stdio.h>
#include <mailroom/plugin.h>

/* The plugin's keys, filled by the core from its section (rh_keys). */
struct rh_conf {
	long long clean_days;
};

static int rh_run(void *state, struct mr_job_ctx *ctx, struct mr_error *err)
{
	(void)state;
	const struct mr_core *core = ctx->core;
	struct mr_store *st = ctx->store;
	if (!mr_store_has(st, MR_STORE_CAP_BOUNCE))
		return mr_store_unsupported(st, MR_STORE_CAP_BOUNCE, err);
	long long days = ((const struct rh_conf *)ctx->conf)->clean_days;
	int64_t now = core->now(core), released = 0;
	int rc = mr_store_holds_reset(st, now, (int64_t)days * 86400, &released, err);
	if (rc)
		return rc;
	snprintf(ctx->message, sizeof(ctx->message),
		 "released %lld bounce holds (a delivery since, no bounce for %lld days)",
		 (long long)released, days);
	snprintf(ctx->data, sizeof(ctx->data), "{\"released\":%lld,\"clean_days\":%lld}",
		 (long long)released, days);
	core->log(ctx->log, MR_LOG_INFO, "%s", ctx->message);
	return 0;
}

static const struct mr_key rh_keys[] = {
	{ .name = "clean_days", .type = MR_KEY_INT, .def = "30", .min = 1, .max = 3650,
	  .help = "days without a bounce, after a successful delivery, before a bounce hold is "
	  "released", MR_KEY_FIELD(struct rh_conf, clean_days) },
	{ 0 }
};

static const struct mr_job_ops rh_ops = {
	.size = sizeof(struct mr_job_ops),
	.run = rh_run,
	.store_caps = MR_STORE_CAP_BOUNCE,
};

MR_PLUGIN_DEFINE(MR_KIND_JOB, "reset-holds", PACKAGE_VERSION,
		 "Releases bounce holds of emails delivered to since and clean for clean_days days.",
		 rh_keys, sizeof(struct rh_conf), &rh_ops);
