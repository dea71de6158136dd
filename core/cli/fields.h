/* SPDX-License-Identifier: MIT */
/* Custom fields of contacts in the CLI: the store's definitions loaded once, values checked against their type, the nearest known column for a misspelt one. */
#ifndef MR_CLI_FIELDS_H
#define MR_CLI_FIELDS_H
#include <mailroom/store.h>

struct cli_fields {
	struct mr_field *v;
	size_t n;
};

/* Loads every custom field of the store into fs (free with
 * cli_fields_free); 0 or a store status with err. */
int cli_fields_load(struct mr_store *st, struct cli_fields *fs, struct mr_error *err);
void cli_fields_free(struct cli_fields *fs);
/* The field named name, or NULL. */
const struct mr_field *cli_fields_find(const struct cli_fields *fs, const char *name);
/* Checks value against f's type and writes its stored form into out
 * (int: decimal, bool: 0 or 1, date: YYYY-MM-DD).  Returns 0, or -1 with
 * why filled ("not a whole number"). */
int cli_field_value(const struct mr_field *f, const char *value, char *out, size_t n,
		    char *why, size_t wn);
/* Checks a field definition given as NAME and TYPE ("choice:a,b,c"):
 * fills f (its strings point into name and into spec); 0, or -1 with why. */
int cli_field_parse(const char *name, char *spec, struct mr_field *f, char *why, size_t wn);
/* The name among names[0..n) and the fields nearest to name (at most 3
 * edits away), or NULL. */
const char *cli_fields_nearest(const struct cli_fields *fs, const char *const *names, size_t n,
			       const char *name);
/* Checks a mailing's templates (mailing create and edit), knowing the
 * store's custom fields as {contact.NAME} tokens; 0 or a status with err. */
struct mr_mailing;
int cli_check_mailing_templates(struct mr_store *st, const struct mr_mailing *m,
				struct mr_error *err);
#endif
