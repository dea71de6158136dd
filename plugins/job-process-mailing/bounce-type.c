/* SPDX-License-Identifier: MIT */
/* The bounce type of a refusal given at SMTP time, from its enhanced status code and words. */
#include "config.h"
#include <string.h>
#include <strings.h>
#include "process-mailing.h"

static int has(const char *text, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = text; p && *p; p++)
		if (strncasecmp(p, word, wl) == 0)
			return 1;
	return 0;
}

const char *pm_bounce_type(int code, const char *enhanced, const char *text)
{
	const char *e = enhanced ? enhanced : "";
	if (e[0] && e[1] == '.') {
		const char *sub = e + 2;
		if (!strncmp(sub, "1.", 2))
			return strcmp(sub, "1.2") == 0 ? "Dns" : "Invalid";
		if (!strcmp(sub, "2.2") || !strcmp(sub, "2.3"))
			return "Quota";
		if (!strcmp(sub, "2.1"))
			return "Inactive";
		if (!strncmp(sub, "7.", 2))
			return "Spam";
		if (!strcmp(sub, "4.6"))
			return "Loop";
		if (!strncmp(sub, "4.", 2))
			return "Relay";
		if (!strncmp(sub, "5.", 2))
			return "Syntax";
	}
	if (has(text, "quota") || has(text, "mailbox full") || has(text, "over limit"))
		return "Quota";
	if (has(text, "spam") || has(text, "blocked") || has(text, "blacklist") ||
	    has(text, "policy"))
		return "Spam";
	if (has(text, "unknown") || has(text, "no such") || has(text, "does not exist") ||
	    has(text, "invalid"))
		return "Invalid";
	if (code >= 400 && code < 500)
		return "Host";
	return code == 550 ? "Invalid" : "Syntax";
}
