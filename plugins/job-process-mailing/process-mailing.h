/* SPDX-License-Identifier: MIT */
/* Private interface of the process-mailing job plugin, shared by its source files. */
#ifndef PROCESS_MAILING_H
#define PROCESS_MAILING_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/plugin.h>

/* Parses "N/s", "N/min", "N/h" (or "0"/"" for none) into messages per second. */
int pm_rate_parse(const char *s, double *per_sec_r);
/* Takes up to want tokens from the bucket file at path (waiting for at
 * least one); returns how many it got, 0 when stop or deadline came first.
 * per_sec <= 0 means no limit: returns want. */
size_t pm_rate_take(const char *path, double per_sec, size_t want, const volatile int *stop,
		    int64_t deadline);
/* The bounce type of an SMTP refusal (Invalid, Quota, Spam, ...). */
const char *pm_bounce_type(int code, const char *enhanced, const char *text);

#endif
