/* SPDX-License-Identifier: MIT */
/* mailroom activity preview FILE...: what would be filed as an Email activity from each message file, without any store. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* Reads a whole file; returns 0 or errno. */
static int read_file(const char *path, char **data_r, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	int rc = 0;
	while (buf) {
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = EIO;
			break;
		}
	}
	fclose(f);
	if (!buf)
		return ENOMEM;
	if (rc) {
		free(buf);
		return rc;
	}
	*data_r = buf;
	*len_r = n;
	return 0;
}

static json_t *json_addrs(const struct mr_activity_addrs *l)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(arr, cli_json_text(l->v[i].addr));
	return arr;
}

static void print_json(const char *file, const struct mr_activity *a)
{
	json_t *atts = json_array();
	for (size_t i = 0; i < a->n_att; i++) {
		const struct mr_activity_attachment *t = &a->att[i];
		json_array_append_new(atts, json_pack("{s:o,s:o,s:o,s:I,s:o,s:o}", "filename",
						      cli_json_text_or_null(t->filename), "safe_name",
						      cli_json_text(t->safe_name), "content_type",
						      cli_json_text(t->content_type), "size",
						      (json_int_t)t->size, "sha256",
						      cli_json_text(t->sha256), "skipped",
						      cli_json_text_or_null(
							      mr_activity_skip_reason(t->skipped))));
	}
	cli_json_print(json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "file",
				 cli_json_text(file), "from", json_addrs(&a->from), "to",
				 json_addrs(&a->to), "cc", json_addrs(&a->cc), "bcc",
				 json_addrs(&a->bcc), "subject", cli_json_text_or_null(a->subject),
				 "date", cli_json_text_or_null(a->date), "message_id",
				 cli_json_text_or_null(a->message_id), "text",
				 cli_json_text_or_null(a->text), "text_source",
				 cli_json_text_or_null(a->text_source), "attachments", atts));
}

/* Writes message text for a terminal: control characters (but \n and \t)
 * become '?', so a message cannot send escape sequences to the screen. */
static void put_clean(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			putchar('?');
		} else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] < 0xa0) {
			putchar('?'); /* C1 controls */
			i++;
		} else {
			putchar(c);
		}
	}
}

static void puts_clean(const char *s)
{
	put_clean(s, strlen(s));
}

static void print_addrs(const char *label, const struct mr_activity_addrs *l)
{
	if (!l->n)
		return;
	printf("%-9s", label);
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			fputs(", ", stdout);
		if (l->v[i].name) {
			puts_clean(l->v[i].name);
			fputs(" <", stdout);
			puts_clean(l->v[i].addr);
			putchar('>');
		} else {
			puts_clean(l->v[i].addr);
		}
	}
	putchar('\n');
}

static void print_text(const char *file, const struct mr_activity *a)
{
	printf("== %s\n", file);
	print_addrs("From:", &a->from);
	print_addrs("To:", &a->to);
	print_addrs("Cc:", &a->cc);
	print_addrs("Bcc:", &a->bcc);
	fputs("Subject: ", stdout);
	puts_clean(a->subject ? a->subject : "(none)");
	printf("\nDate:    %s\n", a->date ? a->date : "(unknown)");
	if (a->message_id) {
		fputs("Message-ID: ", stdout);
		puts_clean(a->message_id);
		putchar('\n');
	}
	for (size_t i = 0; i < a->n_att; i++) {
		const struct mr_activity_attachment *t = &a->att[i];
		const char *why = mr_activity_skip_reason(t->skipped);
		printf("Attachment %zu: ", i + 1);
		puts_clean(t->safe_name);
		fputs(" (", stdout);
		puts_clean(t->content_type);
		printf(", %zu bytes)%s%s\n", t->size, why ? " skipped: " : "", why ? why : "");
	}
	if (a->text) {
		printf("\n");
		size_t n = strlen(a->text);
		const size_t show = 2000;
		put_clean(a->text, n > show ? show : n);
		if (n > show)
			printf("\n[... %zu more bytes]", n - show);
		if (n && a->text[n > show ? show - 1 : n - 1] != '\n')
			putchar('\n');
	} else {
		printf("\n(no text body)\n");
	}
	putchar('\n');
}

/* Takes "--max-attachments N" / "--max-attachment-size N" out of argv. */
static int take_limits(int *argc, char **argv, struct mr_activity_limits *lim)
{
	int out = 0;
	for (int i = 0; i < *argc; i++) {
		size_t *dst = NULL;
		if (strcmp(argv[i], "--max-attachments") == 0)
			dst = &lim->max_attachments;
		else if (strcmp(argv[i], "--max-attachment-size") == 0)
			dst = &lim->max_attachment_size;
		if (!dst) {
			argv[out++] = argv[i];
			continue;
		}
		long long v;
		if (i + 1 >= *argc || mr_parse_int(argv[i + 1], &v) || v < 0)
			return -1;
		*dst = (size_t)v;
		i++;
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

static int preview(struct mr_cli *cli, int argc, char **argv)
{
	struct mr_activity_limits lim = { 0 };
	if (take_limits(&argc, argv, &lim) || argc < 3)
		return cli_usage("activity");
	int code = EX_OK;
	for (int i = 2; i < argc; i++) {
		char *data = NULL;
		size_t len = 0;
		int e = read_file(argv[i], &data, &len);
		if (e) {
			cli_fail(EX_NOINPUT, "activity", "%s: %s", argv[i], strerror(e));
			code = EX_NOINPUT;
			continue;
		}
		struct mr_activity *act;
		struct mr_error err = { 0 };
		int rc = mr_activity_parse(data, len, &lim, &act, &err);
		free(data);
		if (rc) {
			cli_fail(EX_DATAERR, "activity", "%s: %s", argv[i], err.msg);
			if (cli->json) {
				cli_json_print(json_pack("{s:o,s:o}", "file", cli_json_text(argv[i]),
							 "error", cli_json_text(err.msg)));
			}
			if (code == EX_OK)
				code = rc == MR_ENOMEM ? EX_OSERR : EX_DATAERR;
			continue;
		}
		if (cli->json)
			print_json(argv[i], act);
		else
			print_text(argv[i], act);
		mr_activity_free(act);
		fflush(stdout);
	}
	return code;
}

int cmd_activity(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc < 2)
		return cli_usage("activity");
	if (strcmp(argv[1], "preview") == 0)
		return preview(cli, argc, argv);
	/* list, show and attachment read the store (activity-filed.c) */
	if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "show") == 0 ||
	    strcmp(argv[1], "attachment") == 0)
		return cli_activity_filed(cli, argc, argv);
	return cli_fail(EX_USAGE, "activity", "unknown subcommand '%s' (try: preview, list, show, "
			"attachment)", argv[1]);
}
