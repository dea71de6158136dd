/* SPDX-License-Identifier: MIT */
/* mailroom mailing create|list|show|schedule|pause|resume|cancel|stats: mass mailings, their templates checked at creation (report in cmd-mailing-report.c, test and preview in cmd-mailing-test.c, edit, copy and delete in cmd-mailing-edit.c, language variants in cmd-mailing-variant.c, A/B tests in cmd-mailing-ab.c). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "fields.h"
#include "mailing-form.h"
#include <mailroom/printable.h>

static int create(struct mr_site *site, struct mr_store *st, int argc, char **argv)
{
	static const char *const cmd = "mailing create";
	struct mailing_form f;
	int code = mailing_form_parse(&f, mr_mail_track_defaults(&site->core), argc, argv, 2, cmd);
	if (code)
		return code;
	if (!f.name || !f.subject || f.n_inc == 0)
		return cli_fail(EX_USAGE, cmd, "--name, --subject and at least one "
				"--include-group are needed");
	if (!f.text_file && !f.html_file)
		return cli_fail(EX_USAGE, cmd, "--text FILE or --html FILE is needed");
	if (f.schedule && (code = cli_mailing_may_schedule(site, 0, cmd)) != 0)
		return code;
	if (f.track && f.track_asked && !mr_store_has(st, MR_STORE_CAP_TRACKING))
		return mailing_store_track(st, 0, &f, cmd);
	if ((code = mailing_form_load(&f, cmd)) != 0 ||
	    (code = mailing_form_compose(st, &f, 1, cmd)) != 0)
		goto out;
	struct mr_mailing m = {
		.name = f.name, .subject = f.subject, .from_email = f.from_email,
		.from_name = f.from_name, .reply_to = f.reply_to, .body_text = f.text,
		.body_html = f.html, .status = f.schedule ? MR_MAILING_SCHEDULED : MR_MAILING_DRAFT,
		.scheduled_at = f.scheduled_at, .include_groups = f.inc, .n_include = f.n_inc,
		.exclude_groups = f.exc, .n_exclude = f.n_exc, .attachments = f.att,
		.n_attachments = f.n_att, .attachment_size = sizeof(f.att[0]),
	};
	struct mr_error err = { 0 };
	int rc = cli_check_mailing_templates(st, &m, &err);
	if (rc) {
		code = cli_fail(EX_DATAERR, cmd, "%s", err.msg);
		goto out;
	}
	int64_t id = 0;
	if ((rc = mr_store_mailing_create(st, &m, &id, &err)) != 0) {
		code = cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
		goto out;
	}
	if ((code = mailing_store_track(st, id, &f, cmd)) != 0 ||
	    (code = mailing_form_store_settings(st, id, &f, cmd)) != 0)
		goto out;
	char when[32];
	mr_format_local_time(m.scheduled_at, when, sizeof(when));
	printf("mailing %lld created (%s%s%s)\n", (long long)id,
	       f.schedule ? "scheduled for " : "draft", f.schedule ? when : "",
	       f.schedule ? "" : ": mailroom mailing schedule ID now|TIME");
out:
	mailing_form_free(&f);
	return code;
}

struct show_ctx {
	struct mr_cli *cli;
	int full;
	struct mr_store *st;
	json_t *settings; /* --json: the shown mailing's settings being collected */
};

/* One setting of a shown mailing: "name":"value" in JSON, else a line. */
static int print_setting(void *cookie, const char *name, const char *value)
{
	struct show_ctx *sc = cookie;
	if (sc->cli->json) {
		cli_json_set(sc->settings, name, cli_json_text(value));
	} else {
		char safe[512];
		printf("setting:   %s = %s\n", name, mr_printable_str(safe, sizeof(safe), value));
	}
	return 0;
}

/* The settings of a shown mailing (none when the store has no settings). */
static void print_settings(struct show_ctx *sc, int64_t id)
{
	struct mr_error err = { 0 };
	if (sc->full && MR_STORE_QUEUE_HAS(sc->st, mailing_settings))
		mr_store_mailing_settings(sc->st, id, print_setting, sc, &err);
}

static int print_mailing(void *cookie, const struct mr_mailing *m)
{
	struct show_ctx *sc = cookie;
	char when[32];
	mr_format_local_time(m->scheduled_at, when, sizeof(when));
	if (sc->cli->json) {
		json_t *inc = json_array(), *exc = json_array();
		for (size_t i = 0; i < m->n_include; i++)
			json_array_append_new(inc, cli_json_text(m->include_groups[i]));
		for (size_t i = 0; i < m->n_exclude; i++)
			json_array_append_new(exc, cli_json_text(m->exclude_groups[i]));
		json_t *o = json_pack("{s:I,s:o,s:o,s:s,s:o,s:o,s:o}", "id", (json_int_t)m->id,
				      "name", cli_json_text(m->name), "subject",
				      cli_json_text(m->subject), "status", mailing_status_name(m->status),
				      "scheduled", cli_json_text(m->scheduled_at ? when : ""),
				      "include", inc, "exclude", exc);
		if (sc->full && o) {
			sc->settings = json_object();
			print_settings(sc, m->id);
			json_object_set_new(o, "settings", sc->settings);
			sc->settings = NULL;
		}
		cli_json_print(o);
		return 0;
	}
	if (!sc->full) {
		printf("%-6lld %-10s %-19s ", (long long)m->id, mailing_status_name(m->status), when);
		cli_cell(m->name, 24);
		printf("%s\n", m->subject ? m->subject : "");
		return 0;
	}
	printf("id:        %lld\nname:      %s\nsubject:   %s\nstatus:    %s\nscheduled: %s\n"
	       "from:      %s%s%s\n", (long long)m->id, m->name, m->subject,
	       mailing_status_name(m->status), when, m->from_email && *m->from_email ? m->from_email :
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
	print_settings(sc, m->id);
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

static void print_stats(struct mr_cli *cli, struct mr_store *st, int64_t id,
			const struct mr_mailing_stats *s, const struct track_rows *t, int64_t tests)
{
	if (cli->json) {
		json_t *by_type = json_object();
		for (size_t i = 0; i < s->n_types; i++)
			cli_json_set(by_type, s->by_type[i].name, cli_json_int(s->by_type[i].count));
		json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "id",
				      (json_int_t)id, "total", (json_int_t)s->total, "queued",
				      (json_int_t)s->queued, "sending", (json_int_t)s->sending,
				      "sent", (json_int_t)s->sent, "delivered",
				      (json_int_t)s->delivered, "retrying", (json_int_t)s->retrying,
				      "bounced", (json_int_t)s->bounced, "in_doubt",
				      (json_int_t)s->in_doubt, "canceled", (json_int_t)s->canceled,
				      "bounced_by_type", by_type);
		if (tests >= 0 && o)
			json_object_set_new(o, "tests_sent", json_integer((json_int_t)tests));
		if (t->have && o) {
			json_t *clicks = json_array();
			for (size_t i = 0; i < t->n; i++)
				json_array_append_new(clicks, json_pack("{s:o,s:I,s:I}", "url",
									cli_json_text(t->clicks[i].url),
									"total",
									(json_int_t)t->clicks[i].total,
									"unique",
									(json_int_t)t->clicks[i].unique));
			json_object_set_new(o, "opens", json_pack("{s:I,s:I}", "total",
								  (json_int_t)t->opens, "unique",
								  (json_int_t)t->opens_unique));
			json_object_set_new(o, "clicks", clicks);
		}
		json_t *ab = cli_mailing_ab_stats(st, id, 0);
		if (ab && o)
			json_object_set_new(o, "ab", ab);
		else
			json_decref(ab);
		cli_json_print(o);
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
	if (tests >= 0)
		printf("  tests      %lld (mailing test, apart from the counts above)\n",
		       (long long)tests);
	json_decref(cli_mailing_ab_stats(st, id, 1));
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
	struct show_ctx sc = { cli, 0, st, 0 };
	if (!mr_store_has(st, MR_STORE_CAP_QUEUE | MR_STORE_CAP_CONTACTS)) {
		code = cli_fail(EX_UNAVAILABLE, "mailing", "the store '%s' has no %s",
				st->name ? st->name : "?",
				mr_store_cap_name(mr_store_has(st, MR_STORE_CAP_QUEUE) ?
						  MR_STORE_CAP_CONTACTS : MR_STORE_CAP_QUEUE));
	} else if (strcmp(sub, "create") == 0) {
		code = create(site, st, argc, argv);
	} else if (!strcmp(sub, "edit") || !strcmp(sub, "copy") || !strcmp(sub, "delete")) {
		code = cli_mailing_edit(cli, site, argc, argv);
	} else if (!strcmp(sub, "ab-test") || !strcmp(sub, "ab-pick")) {
		code = cli_mailing_ab(cli, site, argc, argv);
	} else if (!strcmp(sub, "variant") && argc >= 3) {
		code = cli_mailing_variant(cli, site, argc, argv);
	} else if (!strcmp(sub, "approve")) {
		code = cli_mailing_approve(cli, site, argc, argv);
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
		if (mailing_parse_when(argv[3], &when) != 0) {
			code = cli_fail(EX_USAGE, "mailing schedule", "\"%s\": now or YYYY-MM-DD HH:MM",
					argv[3]);
		} else if ((code = cli_mailing_ab_pending(st, id, "mailing schedule")) != 0 ||
			   (code = cli_mailing_may_schedule(site, id, "mailing schedule")) != 0) {
			/* printed */
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
	} else if (strcmp(sub, "report") == 0 && argc == 3) {
		code = cli_mailing_report(cli, st, id);
	} else if (strcmp(sub, "stats") == 0 && argc == 3) {
		struct mr_mailing_stats s;
		struct track_rows *t = calloc(1, sizeof(*t));
		if (!t) {
			code = cli_fail(EX_OSERR, "mailing", "out of memory");
		} else if ((rc = mr_store_mailing_stats(st, id, &s, &err)) == 0) {
			if (mr_store_has(st, MR_STORE_CAP_TRACKING) &&
			    (rc = mr_store_track_stats(st, id, track_row, t, &err)) == 0)
				t->have = 1;
			int64_t tests = -1;
			if (rc == 0 && mr_store_mailing_tests(st, id, 0, &tests, &err) != 0)
				tests = -1;
			if (rc == 0)
				print_stats(cli, st, id, &s, t, tests);
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
