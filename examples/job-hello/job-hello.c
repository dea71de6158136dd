/* SPDX-License-Identifier: MIT */
/*
 * job-hello: an example custom job, built out of tree against the installed
 * mailroom SDK.  Each run logs a greeting, counts the messages the spool
 * transport has kept, and reports both in the job log.
 */
#include <stdint.h>
#include <stdio.h>
#include <mailroom/plugin.h>

/* The job's typed configuration.  The core fills it once, before the job
 * is first run, from [job-NAME] and the defaults below: a STRING (also
 * PATH, EMAIL, ENUM, LIST) is a const char * owned by the core, an INT or
 * a DURATION (in seconds) a long long, a BOOL an int.  Secrets are never
 * stored here: read them with core->cfg_secret. */
struct hello_conf {
	const char *greeting;
	long long repeat;
};

/* The keys of [job-NAME] this plugin accepts, besides the core's own
 * (plugin, enabled, frequency, ...), each with the field it is stored in.
 * The core checks the values when it loads the INI file and the loader
 * checks that every field lies inside struct hello_conf with the right C
 * type, so run() can rely on both. */
static const struct mr_key hello_keys[] = {
	{ .name = "greeting", .type = MR_KEY_STRING, .def = "Hello from mailroom",
	  .help = "what the job says in the log on every run",
	  MR_KEY_FIELD(struct hello_conf, greeting) },
	{ .name = "repeat", .type = MR_KEY_INT, .def = "1", .min = 1, .max = 10,
	  .help = "how many times the greeting is logged per run",
	  MR_KEY_FIELD(struct hello_conf, repeat) },
	{ .name = NULL }
};

/* Counts spooled messages; stops early when the run is asked to stop. */
struct tally {
	int64_t n;
	const volatile int *stop;
};

static int count_one(void *cookie, const struct mr_spool_msg *msg)
{
	struct tally *t = cookie;
	(void)msg;
	t->n++;
	return *t->stop ? 1 : 0; /* non-zero ends the listing */
}

static int hello_run(void *state, struct mr_job_ctx *ctx, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	const struct hello_conf *conf = ctx->conf; /* filled by the core */
	const char *greeting = conf->greeting;
	(void)state;

	for (long long i = 0; i < conf->repeat; i++)
		core->log(ctx->log, MR_LOG_NOTICE, "%s (job %s, run %lld)", greeting, ctx->job,
			  (long long)ctx->run_id);

	struct tally t = { 0, ctx->stop };
	if (ctx->store) {
		int rc = mr_store_spool_list(ctx->store, 0, count_one, &t, err);
		if (rc < 0)
			return rc; /* the store filled err */
		if (*ctx->stop)
			return core->error_set(err, MR_ETEMP, "stopped after counting %lld spooled "
					       "messages", (long long)t.n);
	}
	snprintf(ctx->message, sizeof(ctx->message), "%s: said hello to %lld spooled message%s",
		 greeting, (long long)t.n, t.n == 1 ? "" : "s");
	snprintf(ctx->data, sizeof(ctx->data), "{\"spooled\":%lld}", (long long)t.n);
	return 0;
}

static const struct mr_job_ops hello_ops = {
	.size = sizeof(struct mr_job_ops),
	.run = hello_run, /* the one MUST slot of a job */
	.store_caps = MR_STORE_CAP_SPOOL,
};

MR_PLUGIN_DEFINE(MR_KIND_JOB, "hello", "1.0", "Example custom job: greets and counts the spool.",
		 hello_keys, sizeof(struct hello_conf), &hello_ops);
