/* SPDX-License-Identifier: MIT */
/* mailroom spool list|show|purge: the messages the spool transport stored instead of sending. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"

static void fmt_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static int list_one(void *cookie, const struct mr_spool_msg *m)
{
	struct mr_cli *cli = cookie;
	char when[32];
	fmt_time(m->added, when, sizeof(when));
	if (cli->json) {
		cli_json_print(json_pack("{s:I,s:o,s:I,s:o,s:o,s:o}", "id", (json_int_t)m->id,
					 "added", cli_json_text(when), "job_id",
					 (json_int_t)m->job_id, "sender", cli_json_text(m->sender),
					 "recipient", cli_json_text(m->recipient), "subject",
					 cli_json_text(m->subject)));
	} else {
		printf("%-6lld %s  %-28s %-28s %s\n", (long long)m->id, when, m->sender,
		       m->recipient, m->subject ? m->subject : "");
	}
	return 0;
}

static int show_one(void *cookie, const struct mr_spool_msg *m)
{
	fwrite(m->headers, 1, m->headers_len, stdout);
	fwrite(m->body, 1, m->body_len, stdout);
	return 0;
}

/* Parses YYYY-MM-DD[ HH:MM[:SS]] (local time) or @UNIXTIME. */
static int parse_date(const char *s, int64_t *t_r)
{
	if (s[0] == '@') {
		char *end;
		*t_r = strtoll(s + 1, &end, 10);
		return *end ? -1 : 0;
	}
	static const char *fmts[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
				      "%Y-%m-%d" };
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct tm tm = { 0 };
		const char *end = strptime(s, fmts[i], &tm);
		if (end && *end == '\0') {
			tm.tm_isdst = -1;
			*t_r = (int64_t)mktime(&tm);
			return 0;
		}
	}
	return -1;
}

int cmd_spool(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc < 2)
		return cli_usage("spool");
	const char *sub = argv[1];
	int64_t id = 0, before = 0;
	if (strcmp(sub, "list") == 0) {
		if (argc != 2)
			return cli_usage("spool");
	} else if (strcmp(sub, "show") == 0) {
		if (argc != 3 || cli_parse_id(argv[2], &id) != 0)
			return cli_usage("spool");
	} else if (strcmp(sub, "purge") == 0) {
		if (argc != 4 || strcmp(argv[2], "--before") != 0)
			return cli_usage("spool");
		if (parse_date(argv[3], &before))
			return cli_fail(EX_USAGE, "spool", "bad date '%s' (want YYYY-MM-DD, "
					"'YYYY-MM-DD HH:MM[:SS]' or @UNIXTIME)", argv[3]);
	} else {
		return cli_usage("spool");
	}
	struct mr_site *site;
	int rc = cli_open_site(cli, MR_OPEN_STORE, &site);
	if (rc)
		return rc;
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	int code = EX_OK;
	if (strcmp(sub, "list") == 0) {
		if (!cli->json)
			printf("%-6s %-19s  %-28s %-28s %s\n", "ID", "ADDED", "SENDER", "RECIPIENT",
			       "SUBJECT");
		rc = mr_store_spool_list(st, 0, list_one, cli, &err);
	} else if (strcmp(sub, "show") == 0) {
		rc = mr_store_spool_get(st, id, show_one, cli, &err);
		if (rc == MR_ENOTFOUND)
			code = cli_fail(EX_NOINPUT, "spool", "no spooled message with id %lld",
					(long long)id);
	} else {
		int64_t count = 0;
		rc = mr_store_spool_purge(st, before, &count, &err);
		if (rc == 0)
			printf("purged %lld spooled message%s\n", (long long)count, count == 1 ? "" : "s");
	}
	if (rc && code == EX_OK)
		code = cli_fail(mr_status_exit_code(rc), "spool", "%s", err.msg);
	mr_site_close(site);
	return code;
}
