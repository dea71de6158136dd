/* SPDX-License-Identifier: MIT */
/* mailroom activity list|show|attachment: the Email activities the store has filed, their text and their attachments' exact bytes. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

static const char *role_word(enum mr_activity_role r)
{
	return r == MR_ROLE_SOURCE ? "source" : r == MR_ROLE_ASSIGNEE ? "assignee" : "target";
}

/* Writes text for a terminal: control characters (but \n and \t) become '?'. */
static void put_clean(const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		putchar((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : c);
	}
}

/* The same on one line: line breaks and tabs become spaces. */
static void put_line(const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		putchar(c == '\n' || c == '\r' || c == '\t' ? ' ' : c < 0x20 || c == 0x7f ? '?' : c);
	}
}

static void fmt_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static void json_activity(const struct mr_activity_rec *a, int full)
{
	char when[32];
	fmt_time(a->date, when, sizeof(when));
	json_t *contacts = json_array(), *files = json_array();
	for (size_t i = 0; i < a->n_parties; i++) {
		const struct mr_activity_party *p = mr_activity_party_at(a, i);
		json_array_append_new(contacts, json_pack("{s:I,s:s,s:o,s:o}", "contact_id",
							  (json_int_t)p->contact_id, "role",
							  role_word(p->role), "email",
							  cli_json_text_or_null(p->email),
							  "display_name",
							  cli_json_text_or_null(p->display_name)));
	}
	for (size_t i = 0; i < a->n_files; i++) {
		const struct mr_activity_file *f = mr_activity_file_at(a, i);
		json_array_append_new(files, json_pack("{s:I,s:o,s:o,s:I,s:o,s:o}", "n",
						       (json_int_t)(i + 1), "filename",
						       cli_json_text_or_null(f->filename),
						       "content_type",
						       cli_json_text_or_null(f->content_type), "size",
						       (json_int_t)f->size, "sha256",
						       cli_json_text_or_null(f->sha256), "skipped",
						       cli_json_text_or_null(f->skipped_reason)));
	}
	json_t *o = json_pack("{s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)a->id,
			      "date", cli_json_text(when), "date_unix", (json_int_t)a->date, "type",
			      cli_json_text_or_null(a->activity_type), "status",
			      cli_json_text_or_null(a->status), "subject",
			      cli_json_text_or_null(a->subject), "message_id",
			      cli_json_text_or_null(a->message_id), "account",
			      cli_json_text_or_null(a->account), "contacts", contacts,
			      "attachments", files);
	if (full && o) {
		json_object_set_new(o, "headers", cli_json_text_or_null(a->headers));
		json_object_set_new(o, "text", cli_json_text_or_null(a->text));
		json_object_set_new(o, "html", cli_json_text_or_null(a->html));
	}
	cli_json_print(o);
}

static int list_one(void *cookie, const struct mr_activity_rec *a)
{
	struct mr_cli *cli = cookie;
	if (cli->json) {
		json_activity(a, 0);
		return 0;
	}
	char when[32];
	fmt_time(a->date, when, sizeof(when));
	/* who it is from, else (mail the site sent) who it went to */
	char who[80] = "-";
	for (int pass = 0; pass < 2 && who[0] == '-'; pass++)
		for (size_t i = 0; i < a->n_parties; i++)
			if (mr_activity_party_at(a, i)->role == (pass ? MR_ROLE_TARGET : MR_ROLE_SOURCE)) {
				snprintf(who, sizeof(who), "%s%s", pass ? "to " : "",
					 mr_activity_party_at(a, i)->email);
				break;
			}
	printf("%-6lld %s  ", (long long)a->id, when);
	cli_cell(who, 30);
	printf("%5zu  ", a->n_files);
	put_line(a->subject ? a->subject : "(no subject)");
	putchar('\n');
	return 0;
}

static int show_one(void *cookie, const struct mr_activity_rec *a)
{
	struct mr_cli *cli = cookie;
	if (cli->json) {
		json_activity(a, 1);
		return 0;
	}
	char when[32];
	fmt_time(a->date, when, sizeof(when));
	printf("Activity:   %lld (%s, %s)\nDate:       %s\n", (long long)a->id, a->activity_type,
	       a->status, when);
	if (a->account)
		printf("Account:    %s\n", a->account);
	for (size_t i = 0; i < a->n_parties; i++) {
		const struct mr_activity_party *p = mr_activity_party_at(a, i);
		printf("Contact:    %-8s %lld ", role_word(p->role), (long long)p->contact_id);
		put_clean(p->display_name);
		fputs(" <", stdout);
		put_clean(p->email);
		puts(">");
	}
	if (a->headers) {
		putchar('\n');
		put_clean(a->headers);
	} else {
		fputs("Subject:    ", stdout);
		put_clean(a->subject ? a->subject : "(none)");
		putchar('\n');
	}
	for (size_t i = 0; i < a->n_files; i++) {
		const struct mr_activity_file *f = mr_activity_file_at(a, i);
		printf("Attachment %zu: ", i + 1);
		put_clean(f->filename);
		fputs(" (", stdout);
		put_clean(f->content_type);
		printf(", %zu bytes%s%s)\n", f->size, f->skipped_reason ? ", skipped: " : "",
		       f->skipped_reason ? f->skipped_reason : "");
	}
	putchar('\n');
	if (a->text) {
		put_clean(a->text);
		if (*a->text && a->text[strlen(a->text) - 1] != '\n')
			putchar('\n');
	} else {
		puts("(no text body)");
	}
	if (a->html)
		printf("\n[an HTML body of %zu bytes is kept: --json shows it]\n", strlen(a->html));
	return 0;
}

struct att_out {
	int written;
	char why[128];
};

static int write_att(void *cookie, const struct mr_activity_file *f)
{
	struct att_out *o = cookie;
	if (!f->data) {
		snprintf(o->why, sizeof(o->why), "%s",
			 f->skipped_reason ? f->skipped_reason : "no content stored");
		return 0;
	}
	size_t off = 0;
	while (off < f->size) {
		ssize_t w = write(STDOUT_FILENO, f->data + off, f->size - off);
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	o->written = 1;
	return 0;
}

int cli_activity_filed(struct mr_cli *cli, int argc, char **argv)
{
	const char *sub = argv[1];
	struct mr_activity_filter f = { 0 };
	int64_t id = 0, n = 0;
	if (strcmp(sub, "list") == 0) {
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--contact") == 0 && i + 1 < argc) {
				f.contact_email = argv[++i];
			} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
				if (mr_parse_local_time(argv[++i], &f.since))
					return cli_fail(EX_USAGE, "activity list", "--since '%s': not "
							"YYYY-MM-DD[ HH:MM[:SS]] or @UNIXTIME", argv[i]);
			} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
				if (cli_parse_id(argv[++i], &f.limit))
					return cli_usage("activity");
			} else {
				return cli_usage("activity");
			}
		}
	} else if (strcmp(sub, "show") == 0) {
		if (argc != 3 || cli_parse_id(argv[2], &id))
			return cli_usage("activity");
	} else {
		if (argc != 4 || cli_parse_id(argv[2], &id) || cli_parse_id(argv[3], &n))
			return cli_usage("activity");
		if (isatty(STDOUT_FILENO))
			return cli_fail(EX_USAGE, "activity attachment", "the attachment's bytes go to "
					"standard output: redirect it to a file");
	}
	struct mr_site *site = NULL;
	int code = cli_open_site(cli, MR_OPEN_STORE, &site);
	if (code)
		return code;
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	int rc = 0;
	if (!mr_store_has(st, MR_STORE_CAP_ACTIVITY)) {
		code = cli_fail(EX_UNAVAILABLE, "activity", "the store '%s' has no %s",
				st->name ? st->name : "?", mr_store_cap_name(MR_STORE_CAP_ACTIVITY));
	} else if (strcmp(sub, "list") == 0) {
		if (!cli->json)
			printf("%-6s %-19s  %-30s %5s  %s\n", "ID", "DATE", "FROM / TO", "FILES",
			       "SUBJECT");
		rc = mr_store_activity_list(st, &f, list_one, cli, &err);
	} else if (strcmp(sub, "show") == 0) {
		rc = mr_store_activity_get(st, id, show_one, cli, &err);
	} else {
		struct att_out o = { 0 };
		rc = mr_store_activity_attachment(st, id, (size_t)n, write_att, &o, &err);
		if (rc == -1)
			code = cli_fail(EX_IOERR, "activity attachment", "cannot write to standard "
					"output");
		else if (rc == 0 && !o.written)
			code = cli_fail(EX_DATAERR, "activity attachment", "attachment %lld of "
					"activity %lld was not stored: %s", (long long)n,
					(long long)id, o.why);
		if (rc == -1)
			rc = 0;
	}
	if (rc)
		code = cli_fail(mr_status_exit_code(rc), "activity", "%s", err.msg);
	fflush(stdout);
	mr_site_close(site);
	return code;
}
