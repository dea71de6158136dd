/* SPDX-License-Identifier: MIT */
/* Column mapping of contact import: a CSV header (a CRM's "E-mail") renamed to a contact column or custom field ("email"), or "-" to ignore it. */
#ifndef MR_CLI_IMPORT_MAP_H
#define MR_CLI_IMPORT_MAP_H
#include <stddef.h>

struct import_map {
	char **from, **to;
	size_t n;
};

/* Adds "HEADER=COLUMN,HEADER=COLUMN" (--map).  0, or -1 with why. */
int import_map_add_list(struct import_map *m, const char *list, char *why, size_t wn);
/* Adds a mapping file: one HEADER=COLUMN per line, '#' comments and blank
 * lines ignored (--map-file).  0, or -1 with why (naming file and line). */
int import_map_add_file(struct import_map *m, const char *path, char *why, size_t wn);
/* The column a header maps to ("-": ignored), or the header itself. */
const char *import_map_apply(const struct import_map *m, const char *header);
void import_map_free(struct import_map *m);
#endif
