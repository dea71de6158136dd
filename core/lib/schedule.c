/* SPDX-License-Identifier: MIT */
/* Job frequencies and when a job is next due, by calendar arithmetic in local time (month ends, leap years, DST). */
#include "config.h"
#include <string.h>
#include <time.h>
#include "mr.h"

static const char *const freq_names[] = {
	[MR_FREQ_ALWAYS] = "always", [MR_FREQ_HOURLY] = "hourly", [MR_FREQ_DAILY] = "daily",
	[MR_FREQ_WEEKLY] = "weekly", [MR_FREQ_MONTHLY] = "monthly",
	[MR_FREQ_QUARTERLY] = "quarterly", [MR_FREQ_YEARLY] = "yearly",
};

int mr_frequency_parse(const char *word, enum mr_frequency *f_r)
{
	for (int f = MR_FREQ_ALWAYS; f <= MR_FREQ_YEARLY; f++)
		if (word && strcmp(word, freq_names[f]) == 0) {
			*f_r = (enum mr_frequency)f;
			return 0;
		}
	return MR_EINPUT;
}

const char *mr_frequency_name(enum mr_frequency f)
{
	return f <= MR_FREQ_YEARLY ? freq_names[f] : "?";
}

static int days_in_month(int year, int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return mon == 1 && leap ? 29 : days[mon];
}

/* last + months calendar months, the day clamped to the target month's end. */
static int64_t add_months(int64_t last, int months)
{
	time_t t = (time_t)last;
	struct tm tm;
	localtime_r(&t, &tm);
	int total = tm.tm_mon + months;
	int year = tm.tm_year + 1900 + total / 12;
	int mon = total % 12;
	int dim = days_in_month(year, mon);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	if (tm.tm_mday > dim)
		tm.tm_mday = dim;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static int64_t add_days(int64_t last, int days)
{
	time_t t = (time_t)last;
	struct tm tm;
	localtime_r(&t, &tm);
	tm.tm_mday += days;
	tm.tm_isdst = -1; /* the same wall-clock time, whatever DST did in between */
	return (int64_t)mktime(&tm);
}

int64_t mr_next_due(enum mr_frequency f, int64_t last)
{
	if (last <= 0 || f == MR_FREQ_ALWAYS)
		return last <= 0 ? 0 : last;
	switch (f) {
	case MR_FREQ_HOURLY: return last + 3600;
	case MR_FREQ_DAILY: return add_days(last, 1);
	case MR_FREQ_WEEKLY: return add_days(last, 7);
	case MR_FREQ_MONTHLY: return add_months(last, 1);
	case MR_FREQ_QUARTERLY: return add_months(last, 3);
	case MR_FREQ_YEARLY: return add_months(last, 12);
	default: return last;
	}
}

int mr_job_is_due(enum mr_frequency f, int64_t last, int64_t now)
{
	return f == MR_FREQ_ALWAYS || last <= 0 || now >= mr_next_due(f, last);
}

int mr_parse_local_time(const char *s, int64_t *t_r)
{
	static const char *fmts[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
				      "%Y-%m-%dT%H:%M", "%Y-%m-%d" };
	if (s && s[0] == '@') {
		long long v;
		if (mr_parse_int(s + 1, &v))
			return MR_EINPUT;
		*t_r = v;
		return 0;
	}
	for (size_t i = 0; s && i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct tm tm = { 0 };
		const char *end = strptime(s, fmts[i], &tm);
		if (end && *end == '\0') {
			tm.tm_isdst = -1;
			*t_r = (int64_t)mktime(&tm);
			return 0;
		}
	}
	return MR_EINPUT;
}

void mr_format_local_time(int64_t t, char *buf, size_t n)
{
	if (t <= 0) {
		snprintf(buf, n, "-");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}
