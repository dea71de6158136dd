/* SPDX-License-Identifier: MIT */
/* The host name mailroom goes by (shared locks, lease owners, the job log), for the core and the store plugins alike. */
#ifndef MAILROOM_HOST_H
#define MAILROOM_HOST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The name this host goes by in shared locks, lease owners and the job log:
 * $MAILROOM_HOSTNAME, else gethostname(), else "localhost"; into buf. */
static inline void mr_host_name_fill(char *buf, size_t n)
{
	const char *env = getenv("MAILROOM_HOSTNAME");
	if (env && *env)
		snprintf(buf, n, "%s", env);
	else if (n < 2 || gethostname(buf, n - 1) != 0 || !buf[0])
		snprintf(buf, n, "localhost");
	else
		buf[n - 1] = '\0';
}

#endif
