/* SPDX-License-Identifier: MIT */
/* job-probe: a test job that appends "start PID" and "end PID" lines to a file and sleeps in between, so tests can see overlap, kills and deadlines. */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mailroom/plugin.h>

static void note(const char *path, const char *what)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%s %d\n", what, (int)getpid());
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n)
			n = -1;
		close(fd);
	}
}

static int probe_run(void *state, struct mr_job_ctx *ctx, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	const char *file = core->cfg_str(ctx->cfg, "file");
	long long ms = core->cfg_int(ctx->cfg, "sleep_ms");
	note(file, "start");
	for (long long slept = 0; slept < ms && !*ctx->stop; slept += 10) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (*ctx->stop) {
		note(file, "stopped");
		return core->error_set(err, MR_ETEMP, "stopped before the end");
	}
	note(file, "end");
	if (core->cfg_bool(ctx->cfg, "fail"))
		return core->error_set(err, MR_EPERMANENT, "probe failed as configured");
	snprintf(ctx->message, sizeof(ctx->message), "slept %lld ms as worker %d", ms, ctx->worker);
	return 0;
}

static unsigned probe_permissions(void *state)
{
	return MR_PERM_SEND_MAIL;
}

static const struct mr_key probe_keys[] = {
	{ "file", MR_KEY_PATH, NULL, "file the probe appends to", MR_KEYF_REQUIRED },
	{ "sleep_ms", MR_KEY_INT, "0", "how long a run takes" },
	{ "fail", MR_KEY_BOOL, "no", "whether the run fails" },
	{ 0 }
};

static const struct mr_job_ops probe_ops = {
	.size = sizeof(struct mr_job_ops),
	.run = probe_run,
	.permissions = probe_permissions,
};

MR_PLUGIN_DEFINE(MR_KIND_JOB, "probe", "1.0", "A test job for the scheduler's tests.", probe_keys,
		 &probe_ops);
