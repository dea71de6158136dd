/* SPDX-License-Identifier: MIT */
/* The library's error setter, integer parser, version, RFC 5322 dates and one-time GMime setup. */
#include "config.h"
#include <time.h>
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

void mr_mail_date(int64_t t, char *buf, size_t size)
{
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	snprintf(buf, size, "%s, %d %s %04d %02d:%02d:%02d +0000", wday[tm.tm_wday % 7],
		 tm.tm_mday, mon[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}
