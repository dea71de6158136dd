/* SPDX-License-Identifier: MIT */
/* Fuzz target: activity parsing (mr_activity_parse: addresses, charsets, RFC 2047, HTML, attachments and their safe names), as job-fetch-activities and activity preview read a message. */
#include <mailroom/activity.h>
#include <mailroom/printable.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mr_activity_limits lim = { .max_attachments = 8, .max_attachment_size = 65536 };
	struct mr_activity *act = NULL;
	struct mr_error err = { 0 };
	if (mr_activity_parse((const char *)data, size, &lim, &act, &err) != 0)
		return 0;
	char buf[128];
	mr_printable_str(buf, sizeof(buf), act->subject);
	for (size_t i = 0; i < act->n_att; i++)
		if (act->att[i].safe_name && strchr(act->att[i].safe_name, '/'))
			abort(); /* a safe name never holds a path */
	mr_activity_free(act);
	return 0;
}
