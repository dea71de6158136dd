/* SPDX-License-Identifier: MIT */
/* Unit tests of schedule.c: when each frequency is next due, with month ends, leap years and DST changes, in a fixed time zone. */
#include "config.h"
#include <stdlib.h>
#include <time.h>
#include "tap.h"
#include "mr.h"
#include <mailroom/mail.h>

static int64_t at(const char *s)
{
	int64_t t = 0;
	if (mr_parse_local_time(s, &t) != 0)
		abort();
	return t;
}

static void check_next(enum mr_frequency f, const char *last, const char *want)
{
	char got[32];
	mr_format_local_time(mr_next_due(f, at(last)), got, sizeof(got));
	TAP_STR(got, want, "%s after %s", mr_frequency_name(f), last);
}

int main(void)
{
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	static const struct { enum mr_frequency f; const char *last, *want; } cases[] = {
		{ MR_FREQ_HOURLY, "2026-01-15 10:20:00", "2026-01-15 11:20:00" },
		{ MR_FREQ_DAILY, "2026-01-15 10:20:00", "2026-01-16 10:20:00" },
		{ MR_FREQ_DAILY, "2026-12-31 23:30:00", "2027-01-01 23:30:00" },
		{ MR_FREQ_WEEKLY, "2026-02-25 08:00:00", "2026-03-04 08:00:00" },
		{ MR_FREQ_MONTHLY, "2026-01-31 09:00:00", "2026-02-28 09:00:00" },
		{ MR_FREQ_MONTHLY, "2028-01-31 09:00:00", "2028-02-29 09:00:00" },
		{ MR_FREQ_MONTHLY, "2026-03-31 09:00:00", "2026-04-30 09:00:00" },
		{ MR_FREQ_MONTHLY, "2026-12-15 09:00:00", "2027-01-15 09:00:00" },
		{ MR_FREQ_QUARTERLY, "2026-11-30 09:00:00", "2027-02-28 09:00:00" },
		{ MR_FREQ_YEARLY, "2028-02-29 12:00:00", "2029-02-28 12:00:00" },
		{ MR_FREQ_YEARLY, "2026-06-01 12:00:00", "2027-06-01 12:00:00" },
		/* DST starts 2026-03-29 02:00 in Berlin: daily keeps the wall clock */
		{ MR_FREQ_DAILY, "2026-03-28 10:00:00", "2026-03-29 10:00:00" },
		/* DST ends 2026-10-25 03:00 */
		{ MR_FREQ_DAILY, "2026-10-24 10:00:00", "2026-10-25 10:00:00" },
		{ MR_FREQ_WEEKLY, "2026-10-20 01:30:00", "2026-10-27 01:30:00" },
		/* a wall-clock time that does not exist on the target day moves forward */
		{ MR_FREQ_DAILY, "2026-03-28 02:30:00", "2026-03-29 03:30:00" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_next(cases[i].f, cases[i].last, cases[i].want);
	/* hourly is elapsed time: across the spring-forward gap it is 60 minutes */
	TAP_INT(mr_next_due(MR_FREQ_HOURLY, at("2026-03-29 01:30:00")) - at("2026-03-29 01:30:00"),
		3600, "hourly is 3600 s across the DST change");
	TAP_INT(at("2026-03-29 10:00:00") - at("2026-03-28 10:00:00"), 23 * 3600,
		"the DST day is 23 hours long");

	int64_t last = at("2026-05-01 10:00:00");
	TAP_OK(mr_job_is_due(MR_FREQ_ALWAYS, last, last), "always is always due");
	TAP_OK(mr_job_is_due(MR_FREQ_DAILY, 0, last), "a job that never ran is due");
	TAP_OK(!mr_job_is_due(MR_FREQ_DAILY, last, at("2026-05-02 09:59:59")), "not due a second early");
	TAP_OK(mr_job_is_due(MR_FREQ_DAILY, last, at("2026-05-02 10:00:00")), "due at last start + interval");
	TAP_OK(!mr_job_is_due(MR_FREQ_HOURLY, last, last + 3599), "hourly not due after 59:59");

	static const char *words[] = { "always", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly" };
	for (int i = 0; i < 7; i++) {
		enum mr_frequency f;
		TAP_OK(mr_frequency_parse(words[i], &f) == 0 && f == (enum mr_frequency)i &&
		       strcmp(mr_frequency_name(f), words[i]) == 0, "frequency '%s' round-trips", words[i]);
	}
	enum mr_frequency f;
	TAP_INT(mr_frequency_parse("fortnightly", &f), MR_EINPUT, "an unknown frequency is refused");
	int64_t t;
	TAP_INT(mr_parse_local_time("2026-13-01 10:00", &t), MR_EINPUT, "a bad date is refused");
	TAP_INT(mr_parse_local_time("@1700000000", &t), 0, "@UNIXTIME is accepted");
	TAP_INT(t, 1700000000, "and read exactly");
	return tap_done();
}
