/* SPDX-License-Identifier: MIT */
/* Custom fields of contacts in the CLI: the definitions loaded from the store, type checks of values (text, int, date, bool, choice) and the nearest known name for an unknown column. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"
#include "csv.h"
#include "fields.h"

#define TEXT_MAX 4096

static int keep_field(void *cookie, const struct mr_field *f)
{
	struct cli_fields *fs = cookie;
	struct mr_field *nv = realloc(fs->v, (fs->n + 1) * sizeof(*nv));
	if (!nv)
		return MR_ENOMEM;
	fs->v = nv;
	struct mr_field *c = &fs->v[fs->n];
	*c = *f;
	c->name = strdup(f->name);
	c->type = strdup(f->type);
	c->choices = strdup(f->choices ? f->choices : "");
	fs->n++;
	return c->name && c->type && c->choices ? 0 : MR_ENOMEM;
}

int cli_fields_load(struct mr_store *st, struct cli_fields *fs, struct mr_error *err)
{
	memset(fs, 0, sizeof(*fs));
	int rc = mr_store_field_list(st, keep_field, fs, err);
	if (rc == MR_ENOMEM)
		mr_error_set(err, rc, "out of memory");
	return rc;
}

void cli_fields_free(struct cli_fields *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free((char *)fs->v[i].name);
		free((char *)fs->v[i].type);
		free((char *)fs->v[i].choices);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

const struct mr_field *cli_fields_find(const struct cli_fields *fs, const char *name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].name, name) == 0)
			return &fs->v[i];
	return NULL;
}

static int valid_date(const char *s)
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;
	char tail;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return 0;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

/* Whether word is one of the comma-separated choices. */
static int is_choice(const char *choices, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = choices; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == wl && memcmp(p, word, l) == 0)
			return 1;
		p += l + (e ? 1 : 0);
	}
	return 0;
}

int cli_field_value(const struct mr_field *f, const char *value, char *out, size_t n,
		    char *why, size_t wn)
{
	if (!mr_utf8_valid(value)) {
		snprintf(why, wn, "not UTF-8");
		return -1;
	}
	if (strcmp(f->type, "int") == 0) {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (!*value || *end || errno || value[0] == ' ' || value[0] == '+') {
			snprintf(why, wn, "not a whole number");
			return -1;
		}
		snprintf(out, n, "%lld", v);
	} else if (strcmp(f->type, "date") == 0) {
		if (!valid_date(value)) {
			snprintf(why, wn, "not a date (YYYY-MM-DD)");
			return -1;
		}
		snprintf(out, n, "%s", value);
	} else if (strcmp(f->type, "bool") == 0) {
		static const char *const yes[] = { "1", "yes", "true" }, *const no[] = { "0", "no",
											  "false" };
		int v = -1;
		for (size_t i = 0; i < 3; i++) {
			if (strcasecmp(value, yes[i]) == 0)
				v = 1;
			if (strcasecmp(value, no[i]) == 0)
				v = 0;
		}
		if (v < 0) {
			snprintf(why, wn, "not yes or no");
			return -1;
		}
		snprintf(out, n, "%d", v);
	} else if (strcmp(f->type, "choice") == 0) {
		if (!is_choice(f->choices, value)) {
			snprintf(why, wn, "not one of %s", f->choices);
			return -1;
		}
		snprintf(out, n, "%s", value);
	} else {
		for (const char *p = value; *p; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t') {
				snprintf(why, wn, "holds a control character");
				return -1;
			}
		if (strlen(value) >= n || strlen(value) > TEXT_MAX) {
			snprintf(why, wn, "longer than %d bytes", TEXT_MAX);
			return -1;
		}
		snprintf(out, n, "%s", value);
	}
	return 0;
}

int cli_field_parse(const char *name, char *spec, struct mr_field *f, char *why, size_t wn)
{
	memset(f, 0, sizeof(*f));
	size_t nl = strlen(name);
	int ok = nl > 0 && nl <= 64 && name[0] >= 'a' && name[0] <= 'z';
	for (size_t i = 0; ok && i < nl; i++)
		ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		     name[i] == '_';
	if (!ok) {
		snprintf(why, wn, "field name \"%s\": a lower-case letter, then letters, digits or _ "
			 "(at most 64)", name);
		return -1;
	}
	static const char *const taken[] = { "id", "email", "first_name", "last_name",
					     "display_name", "contact_type", "groups", "on_hold",
					     "do_not_email", "is_opt_out", "is_deleted", "created",
					     "modified" };
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (strcmp(name, taken[i]) == 0) {
			snprintf(why, wn, "field name \"%s\" is a contact column already", name);
			return -1;
		}
	f->name = name;
	if (strncmp(spec, "choice:", 7) == 0) {
		f->type = "choice";
		f->choices = spec + 7;
		if (!*f->choices || strstr(f->choices, ",,") || f->choices[0] == ',' ||
		    f->choices[strlen(f->choices) - 1] == ',') {
			snprintf(why, wn, "--type \"%s\": choice:A,B,C with no empty choice", spec);
			return -1;
		}
		return 0;
	}
	static const char *const types[] = { "text", "int", "date", "bool" };
	for (size_t i = 0; i < 4; i++)
		if (strcmp(spec, types[i]) == 0) {
			f->type = types[i];
			return 0;
		}
	snprintf(why, wn, "--type \"%s\": text, int, date, bool or choice:A,B,C", spec);
	return -1;
}

const char *cli_fields_nearest(const struct cli_fields *fs, const char *const *names, size_t n,
			       const char *name)
{
	const char *best = NULL;
	size_t best_d = 4;
	for (size_t i = 0; i < n + fs->n; i++) {
		const char *cand = i < n ? names[i] : fs->v[i - n].name;
		size_t d = mr_edit_distance(name, cand);
		if (d < best_d) {
			best_d = d;
			best = cand;
		}
	}
	return best;
}

int cli_check_mailing_templates(struct mr_store *st, const struct mr_mailing *m,
				struct mr_error *err)
{
	struct cli_fields fs = { 0 };
	int rc = mr_store_has(st, MR_STORE_CAP_CONTACTS) ? cli_fields_load(st, &fs, err) : 0;
	const char **names = rc ? NULL : calloc(fs.n + 1, sizeof(*names));
	if (!rc && !names)
		rc = mr_error_set(err, MR_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < fs.n; i++)
		names[i] = fs.v[i].name;
	if (!rc)
		rc = mr_mailing_check_templates_fields(m, names, fs.n, err);
	free(names);
	cli_fields_free(&fs);
	return rc;
}
