/* SPDX-License-Identifier: MIT */
/* Column mapping of contact import (--map, --map-file): CSV headers renamed to contact columns or custom fields, or ignored. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "import-map.h"

#define MAP_LINE_MAX 1024

/* Strips spaces and tabs at both ends of s in place. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* Adds one "HEADER=COLUMN" (pair is modified); 0, or -1 with why. */
static int add_pair(struct import_map *m, char *pair, const char *where, char *why, size_t wn)
{
	char *eq = strrchr(pair, '=');
	if (!eq) {
		snprintf(why, wn, "%s\"%s\": HEADER=COLUMN", where, pair);
		return -1;
	}
	*eq = '\0';
	char *from = trim(pair), *to = trim(eq + 1);
	if (!*from || !*to) {
		snprintf(why, wn, "%s\"%s=%s\": an empty header or column", where, from, to);
		return -1;
	}
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->from[i], from) == 0) {
			snprintf(why, wn, "%s\"%s\" is mapped twice", where, from);
			return -1;
		}
	char **nf = realloc(m->from, (m->n + 1) * sizeof(*nf));
	if (nf)
		m->from = nf;
	char **nt = nf ? realloc(m->to, (m->n + 1) * sizeof(*nt)) : NULL;
	if (nt)
		m->to = nt;
	if (!nf || !nt || !(m->from[m->n] = strdup(from)) || !(m->to[m->n] = strdup(to))) {
		if (nf && nt)
			free(m->from[m->n]);
		snprintf(why, wn, "out of memory");
		return -1;
	}
	m->n++;
	return 0;
}

int import_map_add_list(struct import_map *m, const char *list, char *why, size_t wn)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy) {
		snprintf(why, wn, "out of memory");
		return -1;
	}
	int rc = 0;
	for (char *p = strtok_r(copy, ",", &save); p && rc == 0; p = strtok_r(NULL, ",", &save))
		rc = add_pair(m, p, "--map: ", why, wn);
	free(copy);
	return rc;
}

int import_map_add_file(struct import_map *m, const char *path, char *why, size_t wn)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, wn, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[MAP_LINE_MAX], where[300];
	int rc = 0;
	for (unsigned long no = 1; rc == 0 && fgets(line, sizeof(line), f); no++) {
		snprintf(where, sizeof(where), "%s:%lu: ", path, no);
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(why, wn, "%sa line longer than %d bytes", where, MAP_LINE_MAX - 1);
			rc = -1;
			break;
		}
		char *t = trim(line);
		if (*t && *t != '#')
			rc = add_pair(m, t, where, why, wn);
	}
	fclose(f);
	return rc;
}

const char *import_map_apply(const struct import_map *m, const char *header)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->from[i], header) == 0)
			return m->to[i];
	return header;
}

void import_map_free(struct import_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->from[i]);
		free(m->to[i]);
	}
	free(m->from);
	free(m->to);
	memset(m, 0, sizeof(*m));
}
