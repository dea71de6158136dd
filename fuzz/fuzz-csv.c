/* SPDX-License-Identifier: MIT */
/* Fuzz target: the CSV reader of contact import (core/cli/csv.c): every record of the input, each field NUL-free, within the field cap and checked for UTF-8. */
#include <stdio.h>
#include "config.h"
#include "mr.h"
#include "csv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	struct mr_csv c;
	struct mr_error err = { 0 };
	mr_csv_init(&c, f);
	for (int guard = 0; guard < 100000; guard++) {
		int rc = mr_csv_next(&c, &err);
		if (rc == 0 || (rc < 0 && (rc != MR_EINPUT || feof(f))))
			break;
		if (rc < 0)
			continue;
		for (size_t i = 0; i < c.n; i++) {
			if (strlen(c.fields[i]) > MR_CSV_MAX_FIELD)
				abort(); /* the cap holds */
			(void)mr_utf8_valid(c.fields[i]);
		}
	}
	mr_csv_free(&c);
	fclose(f);
	return 0;
}
