/* SPDX-License-Identifier: MIT */
/* A growing list of one-line problems, for reporting every configuration error at once. */
#include "config.h"
#include <stdlib.h>
#include <stdio.h>
#include "mr.h"

void mr_diag_add(struct mr_diags *d, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	char **items = realloc(d->items, (d->n + 1) * sizeof(*items));
	if (!items) {
		free(line);
		return;
	}
	d->items = items;
	d->items[d->n++] = line;
}

void mr_diags_free(struct mr_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i]);
	free(d->items);
	d->items = NULL;
	d->n = 0;
}
