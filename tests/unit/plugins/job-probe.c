/* SPDX-License-Identifier: MIT */
/* job-probe: a test job that appends "start PID" and "end PID" lines to a file and sleeps in between (or until a release file appears), so tests can see overlap, kills and deadlines. */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mailroom/plugin.h>

/* The probe's keys, filled by the core from [job-NAME] (probe_keys). */
struct probe_conf {
	const char *file;
	const char *release_file;
	long long sleep_ms;
	int fail;
};

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
	const struct probe_conf *conf = ctx->conf;
	const char *file = conf->file;
	long long ms = conf->sleep_ms;
	note(file, "start");
	for (long long slept = 0; slept < ms && !*ctx->stop; slept += 10) {
		if (conf->release_file && access(conf->release_file, F_OK) == 0)
			break;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (*ctx->stop) {
		note(file, "stopped");
		return core->error_set(err, MR_ETEMP, "stopped before the end");
	}
	note(file, "end");
	if (conf->fail)
		return core->error_set(err, MR_EPERMANENT, "probe failed as configured");
	snprintf(ctx->message, sizeof(ctx->message), "slept %lld ms as worker %d", ms, ctx->worker);
	return 0;
}

static unsigned probe_permissions(void *state)
{
	return MR_PERM_SEND_MAIL;
}

static const struct mr_key probe_keys[] = {
	{ .name = "file", .type = MR_KEY_PATH, .flags = MR_KEYF_REQUIRED,
	  .help = "file the probe appends to", MR_KEY_FIELD(struct probe_conf, file) },
	{ .name = "sleep_ms", .type = MR_KEY_INT, .def = "0", .help = "how long a run takes",
	  MR_KEY_FIELD(struct probe_conf, sleep_ms) },
	{ .name = "release_file", .type = MR_KEY_PATH,
	  .help = "a run ends as soon as this file exists (sleep_ms stays the upper bound)",
	  MR_KEY_FIELD(struct probe_conf, release_file) },
	{ .name = "fail", .type = MR_KEY_BOOL, .def = "no", .help = "whether the run fails",
	  MR_KEY_FIELD(struct probe_conf, fail) },
	{ 0 }
};

static const struct mr_job_ops probe_ops = {
	.size = sizeof(struct mr_job_ops),
	.run = probe_run,
	.permissions = probe_permissions,
};

MR_PLUGIN_DEFINE(MR_KIND_JOB, "probe", "1.0", "A test job for the scheduler's tests.", probe_keys,
		 sizeof(struct probe_conf), &probe_ops);
