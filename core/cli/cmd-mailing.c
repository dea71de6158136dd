/* SPDX-License-Identifier: MIT */
/* mailroom mailing create|list|show|schedule|pause|resume|cancel|stats: mass mailings, their templates checked at creation (test and preview in cmd-mailing-test.c). */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include "cli.h"
#include "csv.h"
#include <mailroom/printable.h>

#define MAX_GROUPS 64
#define MAX_ATTACH 16
#define MAX_FILE (10L * 1024 * 1024)

static const char *status_name(enum mr_mailing_status s)
{
	switch (s) {
	case MR_MAILING_DRAFT: return "draft";
	case MR_MAILING_SCHEDULED: return "scheduled";
	case MR_MAILING_RUNNING: return "running";
	case MR_MAILING_PAUSED: return "paused";
	case MR_MAILING_COMPLETE: return "complete";
	case MR_MAILING_CANCELED: return "canceled";
	}
	return "?";
}

/* Reads a whole file (at most MAX_FILE bytes); NULL with a message printed. */
static char *slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		cli_fail(EX_NOINPUT, "mailing create", "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > MAX_FILE) {
		cli_fail(EX_DATAERR, "mailing create", "%s: not a regular file of at most %ld bytes",
			 path, MAX_FILE);
		fclose(f);
		return NULL;
	}
	char *d = malloc((size_t)sb.st_size + 1);
	size_t n = d ? fread(d, 1, (size_t)sb.st_size, f) : 0;
	fclose(f);
	if (!d || n != (size_t)sb.st_size) {
		free(d);
		cli_fail(EX_IOERR, "mailing create", "%s: cannot read it", path);
		return NULL;
	}
	d[n] = '\0';
	*len_r = n;
	return d;
}

static const char *content_type_of(const char *name)
{
	static const char *const map[][2] = {
		{ ".pdf", "application/pdf" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" }, { ".gif", "image/gif" }, { ".txt", "text/plain" },
		{ ".csv", "text/csv" }, { ".html", "text/html" }, { ".zip", "application/zip" },
		{ ".ics", "text/calendar" }, { ".doc", "application/msword" },
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(dot, map[i][0]) == 0)
			return map[i][1];
	return "application/octet-stream";
}

/* "now" or a local time; 0 or -1. */
static int parse_when(const char *s, int64_t *t_r)
{
	if (strcmp(s, "now") == 0) {
		*t_r = (int64_t)time(NULL);
		return 0;
	}
	return mr_parse_local_time(s, t_r) == 0 ? 0 : -1;
}

static int create(struct mr_site *site, struct mr_store *st, int argc, char **argv)
{
	int track = mr_mail_track_defaults(&site->core), track_asked = 0;
	struct mr_mailing m = { .status = MR_MAILING_DRAFT };
	const char *inc[MAX_GROUPS], *exc[MAX_GROUPS], *text_file = NULL, *html_file = NULL;
	struct mr_attachment att[MAX_ATTACH];
	size_t n_inc = 0, n_exc = 0, n_att = 0;
	const char *schedule = NULL;
	int code = EX_OK;
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		static const struct { const char *opt; unsigned flag; int on; } tflags[] = {
			{ "--track-opens", MR_TRACK_OPENS, 1 }, { "--no-track-opens", MR_TRACK_OPENS, 0 },
			{ "--track-clicks", MR_TRACK_CLICKS, 1 },
			{ "--no-track-clicks", MR_TRACK_CLICKS, 0 },
		};
		int flag_opt = 0;
		for (size_t k = 0; k < sizeof(tflags) / sizeof(tflags[0]); k++)
			if (!strcmp(o, tflags[k].opt)) {
				track = tflags[k].on ? (track | (int)tflags[k].flag) :
						       (track & ~(int)tflags[k].flag);
				track_asked |= tflags[k].on;
				flag_opt = 1;
			}
		if (flag_opt)
			continue;
		if (!v)
			return cli_fail(EX_USAGE, "mailing create", "%s needs a value", o);
		i++;
		if (!strcmp(o, "--name")) m.name = v;
		else if (!strcmp(o, "--subject")) m.subject = v;
		else if (!strcmp(o, "--from")) m.from_email = v;
		else if (!strcmp(o, "--from-name")) m.from_name = v;
		else if (!strcmp(o, "--reply-to")) m.reply_to = v;
		else if (!strcmp(o, "--text")) text_file = v;
		else if (!strcmp(o, "--html")) html_file = v;
		else if (!strcmp(o, "--schedule")) schedule = v;
		else if (!strcmp(o, "--include-group") && n_inc < MAX_GROUPS) inc[n_inc++] = v;
		else if (!strcmp(o, "--exclude-group") && n_exc < MAX_GROUPS) exc[n_exc++] = v;
		else if (!strcmp(o, "--attach") && n_att < MAX_ATTACH) {
			att[n_att].filename = v;
			att[n_att].content_type = content_type_of(v);
			att[n_att].data = NULL;
			n_att++;
		} else
			return cli_fail(EX_USAGE, "mailing create", "unknown option %s (or too many)", o);
	}
	if (!m.name || !m.subject || n_inc == 0)
		return cli_fail(EX_USAGE, "mailing create", "--name, --subject and at least one "
				"--include-group are needed");
	if (!text_file && !html_file)
		return cli_fail(EX_USAGE, "mailing create", "--text FILE or --html FILE is needed");
	if (m.from_email && !mr_addr_valid(m.from_email))
		return cli_fail(EX_DATAERR, "mailing create", "--from \"%s\" is not an address",
				m.from_email);
	if (m.reply_to && !mr_addr_valid(m.reply_to))
		return cli_fail(EX_DATAERR, "mailing create", "--reply-to \"%s\" is not an address",
				m.reply_to);
	if (schedule) {
		if (parse_when(schedule, &m.scheduled_at) != 0)
			return cli_fail(EX_USAGE, "mailing create", "--schedule \"%s\": now or "
					"YYYY-MM-DD HH:MM", schedule);
		m.status = MR_MAILING_SCHEDULED;
	}
	char *text = NULL, *html = NULL;
	size_t len;
	if ((text_file && !(text = slurp(text_file, &len))) ||
	    (html_file && !(html = slurp(html_file, &len)))) {
		code = EX_NOINPUT;
		goto out;
	}
	if ((text && !mr_utf8_valid(text)) || (html && !mr_utf8_valid(html))) {
		code = cli_fail(EX_DATAERR, "mailing create", "the %s body is not UTF-8",
				text && !mr_utf8_valid(text) ? "text" : "HTML");
		goto out;
	}
	m.body_text = text;
	m.body_html = html;
	for (size_t i = 0; i < n_att; i++) {
		char *d = slurp(att[i].filename, &att[i].len);
		if (!d) {
			code = EX_NOINPUT;
			goto out;
		}
		att[i].data = (unsigned char *)d;
		const char *slash = strrchr(att[i].filename, '/');
		att[i].filename = slash ? slash + 1 : att[i].filename;
	}
	m.include_groups = inc;
	m.n_include = n_inc;
	m.exclude_groups = exc;
	m.n_exclude = n_exc;
	m.attachments = att;
	m.n_attachments = n_att;
	m.attachment_size = sizeof(*att);
	struct mr_error err = { 0 };
	int rc = mr_mailing_check_templates(&m, &err);
	if (rc) {
		code = cli_fail(EX_DATAERR, "mailing create", "%s", err.msg);
		goto out;
	}
	if (track && !mr_store_has(st, MR_STORE_CAP_TRACKING)) {
		if (track_asked) {
			code = cli_fail(EX_UNAVAILABLE, "mailing create", "the store '%s' has no %s",
					st->name ? st->name : "?",
					mr_store_cap_name(MR_STORE_CAP_TRACKING));
			goto out;
		}
		track = 0; /* the site's default, which this store cannot keep */
	}
	int64_t id = 0;
	if ((rc = mr_store_mailing_create(st, &m, &id, &err)) != 0) {
		code = cli_fail(mr_status_exit_code(rc), "mailing create", "%s", err.msg);
		goto out;
	}
	if (mr_store_has(st, MR_STORE_CAP_TRACKING) &&
	    (rc = mr_store_track_set(st, id, (unsigned)track, &err)) != 0) {
		code = cli_fail(mr_status_exit_code(rc), "mailing create", "mailing %lld: %s",
				(long long)id, err.msg);
		goto out;
	}
	char when[32];
	mr_format_local_time(m.scheduled_at, when, sizeof(when));
	printf("mailing %lld created (%s%s%s)\n", (long long)id,
	       schedule ? "scheduled for " : "draft", schedule ? when : "",
	       schedule ? "" : ": mailroom mailing schedule ID now|TIME");
out:
	free(text);
	free(html);
	for (size_t i = 0; i < n_att; i++)
		free((void *)att[i].data);
	return code;
}

struct show_ctx {
	struct mr_cli *cli;
	int full;
};

static int print_mailing(void *cookie, const struct mr_mailing *m)
{
	struct show_ctx *sc = cookie;
	char when[32];
	mr_format_local_time(m->scheduled_at, when, sizeof(when));
	if (sc->cli->json) {
		printf("{\"id\":%lld,\"name\":", (long long)m->id);
		cli_json_str(stdout, m->name);
		printf(",\"subject\":");
		cli_json_str(stdout, m->subject);
		printf(",\"status\":\"%s\",\"scheduled\":", status_name(m->status));
		cli_json_str(stdout, m->scheduled_at ? when : "");
		printf(",\"include\":[");
		for (size_t i = 0; i < m->n_include; i++) {
			printf(i ? "," : "");
			cli_json_str(stdout, m->include_groups[i]);
		}
		printf("],\"exclude\":[");
		for (size_t i = 0; i < m->n_exclude; i++) {
			printf(i ? "," : "");
			cli_json_str(stdout, m->exclude_groups[i]);
		}
		printf("]}\n");
		return 0;
	}
	if (!sc->full) {
		printf("%-6lld %-10s %-19s ", (long long)m->id, status_name(m->status), when);
		cli_cell(m->name, 24);
		printf("%s\n", m->subject ? m->subject : "");
		return 0;
	}
	printf("id:        %lld\nname:      %s\nsubject:   %s\nstatus:    %s\nscheduled: %s\n"
	       "from:      %s%s%s\n", (long long)m->id, m->name, m->subject,
	       status_name(m->status), when, m->from_email && *m->from_email ? m->from_email :
	       "(the site's)", m->reply_to && *m->reply_to ? "\nreply-to:  " : "",
	       m->reply_to ? m->reply_to : "");
	printf("include:  ");
	for (size_t i = 0; i < m->n_include; i++)
		printf(" %s", m->include_groups[i]);
	printf("\nexclude:  ");
	for (size_t i = 0; i < m->n_exclude; i++)
		printf(" %s", m->exclude_groups[i]);
	printf("\n");
	for (size_t i = 0; i < m->n_attachments; i++)
		printf("attached:  %s (%s, %zu bytes)\n", mr_mailing_attachment(m, i)->filename,
		       mr_mailing_attachment(m, i)->content_type, mr_mailing_attachment(m, i)->len);
	if (m->body_text)
		printf("--- text ---\n%s\n", m->body_text);
	if (m->body_html)
		printf("--- html ---\n%s\n", m->body_html);
	return 0;
}

/* A mailing's opens and clicks (mr_store_track_stats), collected. */
struct track_rows {
	int have;
	int64_t opens, opens_unique;
	size_t n;
	struct { char *url; int64_t total, unique; } clicks[256];
};

static int track_row(void *cookie, const struct mr_track_stat *row)
{
	struct track_rows *t = cookie;
	if (row->kind == MR_TRACK_OPEN) {
		t->opens = row->total;
		t->opens_unique = row->unique;
	} else if (t->n < sizeof(t->clicks) / sizeof(t->clicks[0])) {
		t->clicks[t->n].url = strdup(row->url ? row->url : "");
		t->clicks[t->n].total = row->total;
		t->clicks[t->n].unique = row->unique;
		if (t->clicks[t->n].url)
			t->n++;
	}
	return 0;
}

static void print_stats(struct mr_cli *cli, int64_t id, const struct mr_mailing_stats *s,
			const struct track_rows *t)
{
	if (cli->json) {
		printf("{\"id\":%lld,\"total\":%lld,\"queued\":%lld,\"sending\":%lld,\"sent\":%lld,"
		       "\"delivered\":%lld,\"retrying\":%lld,\"bounced\":%lld,\"in_doubt\":%lld,"
		       "\"canceled\":%lld,\"bounced_by_type\":{", (long long)id, (long long)s->total,
		       (long long)s->queued, (long long)s->sending, (long long)s->sent,
		       (long long)s->delivered, (long long)s->retrying, (long long)s->bounced,
		       (long long)s->in_doubt, (long long)s->canceled);
		for (size_t i = 0; i < s->n_types; i++) {
			printf(i ? "," : "");
			cli_json_str(stdout, s->by_type[i].name);
			printf(":%lld", (long long)s->by_type[i].count);
		}
		printf("}");
		if (t->have) {
			printf(",\"opens\":{\"total\":%lld,\"unique\":%lld},\"clicks\":[",
			       (long long)t->opens, (long long)t->opens_unique);
			for (size_t i = 0; i < t->n; i++) {
				printf("%s{\"url\":", i ? "," : "");
				cli_json_str(stdout, t->clicks[i].url);
				printf(",\"total\":%lld,\"unique\":%lld}", (long long)t->clicks[i].total,
				       (long long)t->clicks[i].unique);
			}
			printf("]");
		}
		printf("}\n");
		return;
	}
	printf("mailing %lld: %lld recipients\n  queued     %lld\n  sending    %lld\n"
	       "  sent       %lld\n  delivered  %lld\n  retrying   %lld\n  bounced    %lld\n"
	       "  in doubt   %lld\n  canceled   %lld\n", (long long)id, (long long)s->total,
	       (long long)s->queued, (long long)s->sending, (long long)s->sent,
	       (long long)s->delivered, (long long)s->retrying, (long long)s->bounced,
	       (long long)s->in_doubt, (long long)s->canceled);
	for (size_t i = 0; i < s->n_types; i++)
		printf("    %-10s %lld\n", s->by_type[i].name, (long long)s->by_type[i].count);
	if (!t->have)
		return;
	printf("  opened     %lld (%lld opens)\n", (long long)t->opens_unique, (long long)t->opens);
	int64_t clicks = 0;
	for (size_t i = 0; i < t->n; i++)
		clicks += t->clicks[i].total;
	printf("  clicks     %lld\n", (long long)clicks);
	for (size_t i = 0; i < t->n; i++) {
		char safe[512];
		printf("    %lld (%lld unique) %s\n", (long long)t->clicks[i].total,
		       (long long)t->clicks[i].unique,
		       mr_printable_str(safe, sizeof(safe), t->clicks[i].url));
	}
}

int cmd_mailing(struct mr_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return cli_mailing_test(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "preview") == 0)
		return cli_mailing_preview(cli, argc, argv);
	struct mr_site *site = NULL;
	int code = cli_open_subcommand(cli, "mailing", &argc, argv, &site);
	if (code)
		return code;
	const char *sub = argv[1];
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	int rc = 0;
	int64_t id = 0;
	struct show_ctx sc = { cli, 0 };
	if (!mr_store_has(st, MR_STORE_CAP_QUEUE | MR_STORE_CAP_CONTACTS)) {
		code = cli_fail(EX_UNAVAILABLE, "mailing", "the store '%s' has no %s",
				st->name ? st->name : "?",
				mr_store_cap_name(mr_store_has(st, MR_STORE_CAP_QUEUE) ?
						  MR_STORE_CAP_CONTACTS : MR_STORE_CAP_QUEUE));
	} else if (strcmp(sub, "create") == 0) {
		code = create(site, st, argc, argv);
	} else if (strcmp(sub, "list") == 0 && argc == 2) {
		if (!cli->json)
			printf("%-6s %-10s %-19s %-24s %s\n", "ID", "STATUS", "SCHEDULED", "NAME",
			       "SUBJECT");
		rc = mr_store_mailing_list(st, print_mailing, &sc, &err);
	} else if (argc < 3 || cli_parse_id(argv[2], &id) != 0) {
		code = cli_usage("mailing");
	} else if (strcmp(sub, "show") == 0 && argc == 3) {
		sc.full = 1;
		rc = mr_store_mailing_get(st, id, print_mailing, &sc, &err);
	} else if (strcmp(sub, "schedule") == 0 && argc == 4) {
		int64_t when = 0;
		if (parse_when(argv[3], &when) != 0) {
			code = cli_fail(EX_USAGE, "mailing schedule", "\"%s\": now or YYYY-MM-DD HH:MM",
					argv[3]);
		} else if ((rc = mr_store_mailing_set_status(st, id, MR_MAILING_SCHEDULED, when,
							      &err)) == 0) {
			char buf[32];
			mr_format_local_time(when, buf, sizeof(buf));
			printf("mailing %lld scheduled for %s\n", (long long)id, buf);
		}
	} else if ((strcmp(sub, "pause") == 0 || strcmp(sub, "resume") == 0 ||
		    strcmp(sub, "cancel") == 0) && argc == 3) {
		enum mr_mailing_status to = sub[0] == 'p' ? MR_MAILING_PAUSED :
					    sub[0] == 'r' ? MR_MAILING_RUNNING : MR_MAILING_CANCELED;
		if ((rc = mr_store_mailing_set_status(st, id, to, 0, &err)) == 0)
			printf("mailing %lld %s\n", (long long)id, sub[0] == 'p' ? "paused" :
			       sub[0] == 'r' ? "resumed" : "canceled");
	} else if (strcmp(sub, "stats") == 0 && argc == 3) {
		struct mr_mailing_stats s;
		struct track_rows *t = calloc(1, sizeof(*t));
		if (!t) {
			code = cli_fail(EX_OSERR, "mailing", "out of memory");
		} else if ((rc = mr_store_mailing_stats(st, id, &s, &err)) == 0) {
			if (mr_store_has(st, MR_STORE_CAP_TRACKING) &&
			    (rc = mr_store_track_stats(st, id, track_row, t, &err)) == 0)
				t->have = 1;
			if (rc == 0)
				print_stats(cli, id, &s, t);
		}
		for (size_t i = 0; t && i < t->n; i++)
			free(t->clicks[i].url);
		free(t);
	} else {
		code = cli_usage("mailing");
	}
	if (rc)
		code = cli_fail(mr_status_exit_code(rc), "mailing", "%s", err.msg);
	mr_site_close(site);
	return code;
}
