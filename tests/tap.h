/* SPDX-License-Identifier: MIT */
/* A minimal TAP producer for the C unit tests: one "ok N - what" line per check. */
#ifndef MR_TAP_H
#define MR_TAP_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* got/want string comparison with both shown on failure */
#define TAP_STR(got, want, ...) tap_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define TAP_INT(got, want, ...) tap_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5)))
static inline int tap_ok(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!ok) {
		tap_failed++;
		printf("#   at %s:%d\n", file, line);
	}
	fflush(stdout);
	return ok;
}

__attribute__((format(printf, 5, 6)))
static inline int tap_str(const char *got, const char *want, const char *file, int line,
			  const char *fmt, ...)
{
	int ok = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tap_ok(ok, file, line, "%s", what);
	if (!ok)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)", want ? want : "(null)");
	return ok;
}

__attribute__((format(printf, 5, 6)))
static inline int tap_int(long long got, long long want, const char *file, int line,
			  const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tap_ok(got == want, file, line, "%s", what);
	if (got != want)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return got == want;
}

/* Prints the plan; returns the exit status for main. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
