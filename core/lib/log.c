/* SPDX-License-Identifier: MIT */
/* Log lines with a "kind-name[instance]" prefix to stderr or syslog. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include "mr.h"

static struct {
	enum mr_log_level level;
	int use_syslog;
} sink = { MR_LOG_NOTICE, 0 };

void mr_log_setup(enum mr_log_level level, int use_syslog)
{
	sink.level = level;
	if (use_syslog && !sink.use_syslog)
		openlog("mailroom", LOG_PID, LOG_MAIL);
	sink.use_syslog = use_syslog;
}

int mr_log_level_parse(const char *word, enum mr_log_level *level_r)
{
	static const struct { const char *name; enum mr_log_level level; } names[] = {
		{ "err", MR_LOG_ERR }, { "error", MR_LOG_ERR }, { "warning", MR_LOG_WARNING },
		{ "notice", MR_LOG_NOTICE }, { "info", MR_LOG_INFO }, { "debug", MR_LOG_DEBUG },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(word, names[i].name) == 0) {
			*level_r = names[i].level;
			return 0;
		}
	return MR_EINPUT;
}

struct mr_log *mr_log_new(const char *prefix, int64_t run_id)
{
	struct mr_log *log = calloc(1, sizeof(*log));
	if (!log)
		return NULL;
	snprintf(log->prefix, sizeof(log->prefix), "%s", prefix);
	log->run_id = run_id;
	return log;
}

static const char *level_word(enum mr_log_level level)
{
	switch (level) {
	case MR_LOG_ERR: return "error";
	case MR_LOG_WARNING: return "warning";
	case MR_LOG_NOTICE: return "notice";
	case MR_LOG_INFO: return "info";
	default: return "debug";
	}
}

void mr_log_v(const struct mr_log *log, enum mr_log_level level, const char *fmt, va_list ap)
{
	if (level > sink.level)
		return;
	char text[2048];
	vsnprintf(text, sizeof(text), fmt, ap);
	/* No CR or LF from data may split a log line. */
	for (char *p = text; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	const char *prefix = log && log->prefix[0] ? log->prefix : "mailroom";
	char run[32] = "";
	if (log && log->run_id > 0)
		snprintf(run, sizeof(run), " run=%lld", (long long)log->run_id);
	if (sink.use_syslog)
		syslog((int)level, "%s%s: %s", prefix, run, text);
	else
		fprintf(stderr, "mailroom: %s%s: %s: %s\n", prefix, run, level_word(level), text);
}

void mr_log(const struct mr_log *log, enum mr_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mr_log_v(log, level, fmt, ap);
	va_end(ap);
}
