/* SPDX-License-Identifier: MIT */
/* job-cleanup driven through the fake core and a fake store: which purges run with which cut-off (keys from the table or their defaults, the core's clock), its message, data and log line, and a failing purge. */
#include "config.h"
#include <string.h>
#include "tap.h"
#include "fake-core.h"

/* linked in from plugins/job-cleanup/job-cleanup.c */
extern const struct mr_plugin_desc mr_plugin_descriptor;

/* The fake store: records each purge's cut-off and answers fixed counts. */
struct purges {
	int64_t runs_before, spool_before, msg_before; /* -1: not called */
	int fail_runs;
};

static int purge_runs(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	struct purges *p = state;
	p->runs_before = before;
	if (p->fail_runs) {
		err->status = MR_ETEMP;
		snprintf(err->msg, sizeof(err->msg), "database is locked");
		return MR_ETEMP;
	}
	*count_r = 3;
	return 0;
}

static int purge_spool(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	((struct purges *)state)->spool_before = before;
	*count_r = 5;
	return 0;
}

static int purge_msgs(void *state, int64_t before, int64_t *count_r, struct mr_error *err)
{
	((struct purges *)state)->msg_before = before;
	*count_r = 7;
	return 0;
}

/* only the slots the job uses are set (the loader never sees this table) */
static const struct mr_store_spool_ops store_spool_ops = {
	.size = sizeof(struct mr_store_spool_ops),
	.spool_purge = purge_spool,
};
static const struct mr_store_ops store_ops = {
	.size = sizeof(struct mr_store_ops),
	.job_run_purge = purge_runs,
	.msg_purge = purge_msgs,
	.spool = &store_spool_ops,
};

#define NOW 1800000000LL
#define DAY 86400LL

int main(void)
{
	const struct mr_plugin_desc *d = &mr_plugin_descriptor;
	TAP_INT(d->kind, MR_KIND_JOB, "descriptor: a job");
	TAP_STR(d->name, "cleanup", "descriptor: name");
	const struct mr_job_ops *ops = d->ops;
	TAP_OK(ops->run != NULL, "ops: run (MUST) is set");

	/* job_log_max_age from the table, spool kept, fetched_max_age its default */
	static const struct fake_cfg cfg[] = {
		{ "job-tidy", "job_log_max_age", "7d" },
		{ "job-tidy", "spool_max_age", "0" },
		{ "mailroom", "store", "fake" },
		{ NULL }
	};
	struct fake_core fc;
	fake_core_init(&fc, cfg);
	fc.now = NOW;
	struct purges p = { -1, -1, -1, 0 };
	struct mr_store store = { .ops = &store_ops, .state = &p, .name = "fake" };
	fc.store = &store;
	struct mr_plugin_ctx pctx = fake_core_ctx(&fc, d, "tidy");

	/* the fake core's configuration itself */
	{
		const struct mr_core *core = &fc.core;
		TAP_INT(core->cfg_duration(pctx.cfg, "job_log_max_age"), 7 * DAY,
			"fake core: 7d from the table is 7 days");
		TAP_INT(core->cfg_duration(pctx.cfg, "fetched_max_age"), 90 * DAY,
			"fake core: a key missing from the table has its declared default");
		TAP_OK(core->cfg_str(pctx.cfg, "no_such_key") == NULL, "fake core: unknown key: NULL");
		TAP_STR(core->cfg_str(core->cfg_section(core, "mailroom"), "store"), "fake",
			"fake core: cfg_section finds a section of the table");
		TAP_OK(core->cfg_section(core, "transport-none") == NULL,
		       "fake core: cfg_section: NULL for a section nobody set up");
		TAP_OK(core->store(core) == &store && core->now(core) == NOW,
		       "fake core: the test's store and clock");
	}

	struct mr_job_ctx ctx = {
		.size = sizeof(struct mr_job_ctx),
		.core = &fc.core,
		.cfg = pctx.cfg,
		.conf = pctx.conf,
		.log = pctx.log,
		.job = "tidy",
		.store = &store,
	};
	struct mr_error err = { 0 };
	TAP_INT(ops->run(NULL, &ctx, &err), 0, "run succeeds");
	TAP_INT(p.runs_before, NOW - 7 * DAY, "job runs purged before now - 7d");
	TAP_INT(p.spool_before, -1, "spool_max_age = 0: the spool is kept");
	TAP_INT(p.msg_before, NOW - 90 * DAY, "fetched records purged before now - 90d (default)");
	TAP_STR(ctx.message, "purged 3 job runs, 0 spooled messages, 7 fetched-message records",
		"the run's message");
	TAP_STR(ctx.data, "{\"job_runs\":3,\"spooled\":0,\"fetched\":7}", "the run's data");
	TAP_INT(fc.log_lines, 1, "one log line");
	TAP_OK(fake_core_logged(&fc, "info job-cleanup[tidy]: purged 3 job runs, 0 spooled"),
	       "logged at info with the job's prefix");

	/* the first purge fails: its status and words come back, nothing else runs */
	fake_core_log_clear(&fc);
	p = (struct purges){ -1, -1, -1, 1 };
	memset(&ctx.message, 0, sizeof(ctx.message));
	int rc = ops->run(NULL, &ctx, &err);
	TAP_INT(rc, MR_ETEMP, "a failing purge: its status");
	TAP_STR(err.msg, "database is locked", "a failing purge: its words in err");
	TAP_INT(p.msg_before, -1, "a failing purge: the later purges do not run");
	TAP_INT(fc.log_lines, 0, "a failing purge: the job logs nothing (the core does)");
	TAP_STR(ctx.message, "", "a failing purge: no message");
	return tap_done();
}
