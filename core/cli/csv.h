/* SPDX-License-Identifier: MIT */
/* Internal interface of the streaming CSV reader and writer (csv.c). */
#ifndef MR_CSV_H
#define MR_CSV_H

#include <stdio.h>

struct mr_error;

struct mr_csv {
	FILE *f;
	unsigned long line;     /* the next line to read */
	unsigned long rec_line; /* the line the last record started on */
	const char **fields;    /* the last record's fields, NUL-terminated */
	size_t n;               /* its number of fields */
	/* private */
	char *buf;
	size_t len, cap, start;
	size_t *offs;
	size_t fcap, fpcap;
	int bom_checked;
	int bad;                /* MR_CSV_BAD_* seen in the current record */
};

/* The longest field accepted (bytes): a longer one makes its record an
 * error, never a huge value held in memory or echoed to the terminal. */
#define MR_CSV_MAX_FIELD 65536

void mr_csv_init(struct mr_csv *c, FILE *f);
void mr_csv_free(struct mr_csv *c);
/* Reads the next record: 1 with fields/n set, 0 at the end, or MR_EINPUT
 * (an unclosed quote, text after a closing quote, a NUL byte, a field over
 * MR_CSV_MAX_FIELD bytes; err names the line, and the next call reads the
 * record after it) or MR_ENOMEM. */
int mr_csv_next(struct mr_csv *c, struct mr_error *err);
/* Writes s as one RFC 4180 field: quoted (quotes doubled) when it holds a
 * comma, quote, CR or LF or starts or ends with a space or tab. */
void mr_csv_write_field(FILE *f, const char *s);
/* True when s is valid UTF-8. */
int mr_utf8_valid(const char *s);

#endif
