/* SPDX-License-Identifier: MIT */
/* The library's error setter, integer parser, version and one-time GMime setup. */
#include "config.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <gmime/gmime.h>
#include "mail-internal.h"

int mail_error_set(struct mr_error *err, int status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->status = status;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return status;
}

int mail_parse_int(const char *s, long long *v_r)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*v_r = v;
	return 0;
}

const char *mr_mail_version(void)
{
	return PACKAGE_VERSION;
}

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_setup(void)
{
	g_mime_init();
}

void mr_mail_init(void)
{
	pthread_once(&gmime_once, gmime_setup);
}
