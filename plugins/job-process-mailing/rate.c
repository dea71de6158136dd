/* SPDX-License-Identifier: MIT */
/* A token bucket shared by every worker of a job through a small file under flock: the rate limit holds across processes. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include "process-mailing.h"

int pm_rate_parse(const char *s, double *per_sec_r)
{
	*per_sec_r = 0;
	if (!s || !*s || strcmp(s, "0") == 0 || strcmp(s, "none") == 0)
		return 0;
	char *end;
	double v = strtod(s, &end);
	if (end == s || v <= 0)
		return -1;
	while (*end == ' ')
		end++;
	if (*end == '/')
		end++;
	if (!*end || !strcmp(end, "s") || !strcmp(end, "sec") || !strcmp(end, "second"))
		*per_sec_r = v;
	else if (!strcmp(end, "m") || !strcmp(end, "min") || !strcmp(end, "minute"))
		*per_sec_r = v / 60;
	else if (!strcmp(end, "h") || !strcmp(end, "hour"))
		*per_sec_r = v / 3600;
	else
		return -1;
	return 0;
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct bucket {
	double tokens;
	double when;
};

size_t pm_rate_take(const char *path, double per_sec, size_t want, const volatile int *stop,
		    int64_t deadline)
{
	if (per_sec <= 0 || want == 0)
		return want;
	double cap = per_sec < 1 ? 1 : per_sec; /* a burst of one second's worth */
	for (int guard = 0; guard < 1000000; guard++) {
		if ((stop && *stop) || (deadline && time(NULL) >= deadline))
			return 0;
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return 0;
		double wait = 0;
		size_t got = 0;
		if (flock(fd, LOCK_EX) == 0) {
			struct bucket b;
			double now = mono_now();
			if (pread(fd, &b, sizeof(b), 0) != (ssize_t)sizeof(b) || b.when <= 0 ||
			    b.when > now + 1)
				b = (struct bucket){ cap, now };
			b.tokens += (now - b.when) * per_sec;
			if (b.tokens > cap)
				b.tokens = cap;
			b.when = now;
			if (b.tokens >= 1) {
				got = (size_t)b.tokens < want ? (size_t)b.tokens : want;
				b.tokens -= (double)got;
			} else {
				wait = (1 - b.tokens) / per_sec;
			}
			if (pwrite(fd, &b, sizeof(b), 0) != (ssize_t)sizeof(b))
				got = 0;
			flock(fd, LOCK_UN);
		}
		close(fd);
		if (got)
			return got;
		if (wait > 0.5)
			wait = 0.5;
		if (wait < 0.001)
			wait = 0.001;
		struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
		nanosleep(&ts, NULL);
	}
	return 0;
}
