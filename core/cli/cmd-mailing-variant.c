/* SPDX-License-Identifier: MIT */
/* mailroom mailing variant add|list|remove: a mailing's language variants (subject and bodies per preferred_language), kept in its settings. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "fields.h"
#include "mailing-form.h"
#include <mailroom/printable.h>

/* The largest variant part: what a MariaDB TEXT column holds. */
#define VARIANT_PART_MAX 65535

/* The stored mailing a variant is checked against. */
struct variant_base {
	int found;
	int64_t id;
	enum mr_mailing_status status;
	char *name, *subject, *template_name;
	int oom;
};

static int base_cb(void *cookie, const struct mr_mailing *m)
{
	struct variant_base *b = cookie;
	b->found = 1;
	b->status = m->status;
	b->name = m->name ? strdup(m->name) : NULL;
	b->subject = m->subject ? strdup(m->subject) : NULL;
	b->oom = (m->name && !b->name) || (m->subject && !b->subject);
	return 0;
}

/* One language's parts, as the listing shows them. */
struct variant_row {
	char lang[MR_LANG_TAG_MAX + 1];
	char *subject;
	int has[MR_LANG_PARTS];
};

struct variant_rows {
	struct variant_row v[64];
	size_t n;
	char *template_name;
};

static int row_cb(void *cookie, const char *name, const char *value)
{
	struct variant_rows *rows = cookie;
	char tag[MR_LANG_TAG_MAX + 1];
	enum mr_lang_part part;
	if (!strcmp(name, "template")) {
		free(rows->template_name);
		rows->template_name = strdup(value);
	}
	if (mr_language_setting(name, tag, &part) != 0)
		return 0;
	size_t i = 0;
	while (i < rows->n && strcmp(rows->v[i].lang, tag) != 0)
		i++;
	if (i == rows->n) {
		if (rows->n == sizeof(rows->v) / sizeof(rows->v[0]))
			return 0;
		memset(&rows->v[rows->n], 0, sizeof(rows->v[0]));
		memcpy(rows->v[rows->n++].lang, tag, sizeof(tag));
	}
	rows->v[i].has[part] = 1;
	if (part == MR_LANG_SUBJECT && !rows->v[i].subject)
		rows->v[i].subject = strdup(value);
	return 0;
}

static void rows_free(struct variant_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++)
		free(rows->v[i].subject);
	free(rows->template_name);
}

static int list(struct mr_cli *cli, struct mr_store *st, int64_t id)
{
	struct variant_rows rows = { .n = 0 };
	struct mr_error err = { 0 };
	int rc = mr_store_mailing_settings(st, id, row_cb, &rows, &err);
	if (rc) {
		rows_free(&rows);
		return cli_fail(mr_status_exit_code(rc), "mailing variant", "mailing %lld: %s",
				(long long)id, err.msg);
	}
	if (!cli->json)
		printf("%-12s %-5s %-5s %s\n", "LANGUAGE", "TEXT", "HTML", "SUBJECT");
	for (size_t i = 0; i < rows.n; i++) {
		const struct variant_row *v = &rows.v[i];
		int own_body = v->has[MR_LANG_TEXT] || v->has[MR_LANG_HTML];
		if (cli->json) {
			cli_json_print(json_pack("{s:s,s:o,s:b,s:b,s:b}", "lang", v->lang, "subject",
						 cli_json_text_or_null(v->subject), "text",
						 v->has[MR_LANG_TEXT], "html", v->has[MR_LANG_HTML],
						 "own_body", own_body));
			continue;
		}
		char safe[512];
		printf("%-12s %-5s %-5s %s\n", v->lang, !own_body ? "-" : v->has[MR_LANG_TEXT] ? "yes" :
		       "no", !own_body ? "-" : v->has[MR_LANG_HTML] ? "yes" : "no",
		       v->subject ? mr_printable_str(safe, sizeof(safe), v->subject) :
		       "(the mailing's)");
	}
	rows_free(&rows);
	return 0;
}

/* The variant's setting of part: value, or removed (NULL); 0 or the status. */
static int set_part(struct mr_store *st, int64_t id, const char *tag, enum mr_lang_part part,
		    const char *value, struct mr_error *err)
{
	char name[80];
	if (mr_language_setting_name(tag, part, name, sizeof(name)) != 0)
		return MR_EINPUT;
	return mr_store_mailing_setting_set(st, id, name, value, err);
}

/* 0 when mailing id may get or lose variants (a draft, or scheduled with no
 * recipient queued yet); else the exit code (printed). */
static int may_change(struct mr_store *st, int64_t id, struct variant_base *b, const char *cmd)
{
	struct mr_error err = { 0 };
	int rc = mr_store_mailing_get(st, id, base_cb, b, &err);
	if (rc == MR_ENOTFOUND)
		return cli_fail(EX_NOINPUT, cmd, "no mailing %lld", (long long)id);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
	if (b->oom)
		return cli_fail(EX_OSERR, cmd, "out of memory");
	struct mr_mailing_stats s;
	if (b->status == MR_MAILING_SCHEDULED && mr_store_mailing_stats(st, id, &s, &err) == 0 &&
	    s.total == 0)
		return 0;
	if (b->status != MR_MAILING_DRAFT)
		return cli_fail(EX_DATAERR, cmd, "mailing %lld is %s: only a draft, or a scheduled "
				"mailing not yet started, changes its variants", (long long)id,
				mailing_status_name(b->status));
	return 0;
}

static int add(struct mr_store *st, int64_t id, int argc, char **argv)
{
	static const char *const cmd = "mailing variant add";
	const char *lang = NULL;
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0;
	if (!rest)
		return cli_fail(EX_OSERR, cmd, "out of memory");
	for (int i = 0; i < argc; i++) {
		if (i >= 4 && !strcmp(argv[i], "--lang") && i + 1 < argc)
			lang = argv[++i];
		else
			rest[nrest++] = argv[i];
	}
	struct mailing_form f;
	struct variant_base b = { 0 };
	struct variant_rows rows = { .n = 0 };
	char tag[MR_LANG_TAG_MAX + 1];
	int code = mailing_form_parse(&f, 0, nrest, rest, 4, cmd);
	if (code)
		goto out;
	if (!lang || mr_language_tag(lang, tag) != 0) {
		code = cli_fail(EX_USAGE, cmd, "--lang \"%s\": a language tag such as de or pt-BR "
				"is needed", lang ? lang : "");
		goto out;
	}
	if (f.name || f.from_email || f.from_name || f.reply_to || f.reply_verp || f.schedule ||
	    f.list_id || f.template_name || f.n_inc || f.n_exc || f.n_att || f.track_given ||
	    f.precedence >= 0) {
		code = cli_fail(EX_USAGE, cmd, "a variant has --subject, --text and --html only");
		goto out;
	}
	if (!f.subject && !f.text_file && !f.html_file) {
		code = cli_fail(EX_USAGE, cmd, "give --subject S, --text FILE or --html FILE");
		goto out;
	}
	struct mr_error err = { 0 };
	int rc;
	if ((code = may_change(st, id, &b, cmd)) != 0)
		goto out;
	mr_store_mailing_settings(st, id, row_cb, &rows, &err);
	f.template_name = rows.template_name;
	if ((code = mailing_form_load(&f, cmd)) != 0 ||
	    (f.text_file || f.html_file ? (code = mailing_form_compose(st, &f, !f.text, cmd)) : 0))
		goto out;
	const char *parts[MR_LANG_PARTS] = { f.subject, f.text, f.html };
	for (int k = 0; k < MR_LANG_PARTS; k++)
		if (parts[k] && strlen(parts[k]) > VARIANT_PART_MAX) {
			code = cli_fail(EX_DATAERR, cmd, "the variant's %s is longer than %d bytes",
					k == MR_LANG_SUBJECT ? "subject" : k == MR_LANG_TEXT ? "text" :
					"HTML", VARIANT_PART_MAX);
			goto out;
		}
	struct mr_mailing m = { .id = id, .name = b.name,
				.subject = f.subject ? f.subject : b.subject,
				.body_text = f.text, .body_html = f.html };
	if ((rc = cli_check_mailing_templates(st, &m, &err)) != 0) {
		code = cli_fail(EX_DATAERR, cmd, "--lang %s: %s", tag, err.msg);
		goto out;
	}
	for (int k = 0; k < MR_LANG_PARTS && rc == 0; k++)
		rc = set_part(st, id, tag, (enum mr_lang_part)k, parts[k], &err);
	if (rc) {
		code = cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s", (long long)id,
				err.msg);
		goto out;
	}
	printf("mailing %lld: variant %s set (contacts whose preferred_language is %s get it)\n",
	       (long long)id, tag, tag);
out:
	mailing_form_free(&f);
	rows_free(&rows);
	free(b.name);
	free(b.subject);
	free(rest);
	return code;
}

static int remove_variant(struct mr_store *st, int64_t id, int argc, char **argv)
{
	static const char *const cmd = "mailing variant remove";
	char tag[MR_LANG_TAG_MAX + 1];
	if (argc != 6 || strcmp(argv[4], "--lang") != 0 || mr_language_tag(argv[5], tag) != 0)
		return cli_fail(EX_USAGE, cmd, "mailing variant remove ID --lang TAG");
	struct variant_base b = { 0 };
	struct variant_rows rows = { .n = 0 };
	struct mr_error err = { 0 };
	int code = may_change(st, id, &b, cmd), rc = 0;
	free(b.name);
	free(b.subject);
	if (code)
		return code;
	mr_store_mailing_settings(st, id, row_cb, &rows, &err);
	size_t i = 0;
	while (i < rows.n && strcmp(rows.v[i].lang, tag) != 0)
		i++;
	int found = i < rows.n;
	rows_free(&rows);
	if (!found)
		return cli_fail(EX_NOINPUT, cmd, "mailing %lld has no variant %s", (long long)id, tag);
	for (int k = 0; k < MR_LANG_PARTS && rc == 0; k++)
		rc = set_part(st, id, tag, (enum mr_lang_part)k, NULL, &err);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s", (long long)id,
				err.msg);
	printf("mailing %lld: variant %s removed\n", (long long)id, tag);
	return 0;
}

int cli_mailing_variant(struct mr_cli *cli, struct mr_site *site, int argc, char **argv)
{
	int64_t id;
	struct mr_store *st = &site->store;
	if (argc < 4 || cli_parse_id(argv[3], &id) != 0)
		return cli_usage("mailing");
	if (!MR_STORE_QUEUE_HAS(st, mailing_settings) || !MR_STORE_QUEUE_HAS(st, mailing_setting_set))
		return cli_fail(EX_UNAVAILABLE, "mailing variant", "the store '%s' keeps no mailing "
				"settings", st->name ? st->name : "?");
	if (!strcmp(argv[2], "add"))
		return add(st, id, argc, argv);
	if (!strcmp(argv[2], "remove"))
		return remove_variant(st, id, argc, argv);
	if (!strcmp(argv[2], "list") && argc == 4)
		return list(cli, st, id);
	return cli_usage("mailing");
}
