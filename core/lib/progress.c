/* SPDX-License-Identifier: MIT */
/* Progress of long commands on a terminal: one line on stderr, rewritten at most four times a second; nothing at all under cron or --quiet. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "mr.h"

static struct {
	int on;          /* stderr is a terminal and --quiet was not given */
	int shown;       /* a line is on the screen, not yet ended */
	double start, last;
	char what[96];
} pg;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mr_progress_setup(int on)
{
	pg.on = on;
}

int mr_progress(const struct mr_core *core, const char *what, long long done, long long total)
{
	(void)core;
	if (!pg.on)
		return 0;
	double t = now_s();
	if (done < 0) {
		if (pg.shown)
			fputc('\n', stderr);
		pg.shown = 0;
		pg.what[0] = '\0';
		return 1;
	}
	if (!pg.shown || strcmp(pg.what, what) != 0) {
		if (pg.shown)
			fputc('\n', stderr);
		snprintf(pg.what, sizeof(pg.what), "%s", what);
		pg.start = t;
		pg.last = 0;
	} else if (t - pg.last < 0.25 && !(total > 0 && done >= total)) {
		return 1;
	}
	pg.last = t;
	pg.shown = 1;
	double rate = t > pg.start ? (double)done / (t - pg.start) : 0;
	if (total > 0)
		fprintf(stderr, "\r%s: %lld of %lld (%.0f%%), %.0f/s  ", what, done, total,
			100.0 * (double)done / (double)total, rate);
	else
		fprintf(stderr, "\r%s: %lld, %.0f/s  ", what, done, rate);
	fflush(stderr);
	return 1;
}
