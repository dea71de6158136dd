/* SPDX-License-Identifier: MIT */
/* mailroom template add|list|show|delete: mailing layouts (headers, footers, styles) whose {template.content} slot a mailing fills (mailing create --template). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "mailing-form.h"

/* Checks one layout: exactly one slot, known tokens; warns (stderr) when
 * it shows no unsubscribe or opt-out link or no postal address.  0 or the
 * exit code (printed). */
static int check_layout(const char *name, const char *layout, const char *what)
{
	const char *slot = strstr(layout, MAILING_TEMPLATE_SLOT);
	if (!slot || strstr(slot + 1, MAILING_TEMPLATE_SLOT))
		return cli_fail(EX_DATAERR, "template add", "%s: the %s layout needs %s exactly "
				"once, where a mailing's content goes", name, what,
				MAILING_TEMPLATE_SLOT);
	struct mr_tpl *tpl = NULL;
	struct mr_error err = { 0 };
	int rc = mr_tpl_compile(layout, what, &tpl, &err);
	mr_tpl_free(tpl);
	if (rc)
		return cli_fail(EX_DATAERR, "template add", "%s: %s", name, err.msg);
	if (!strstr(layout, "{action.unsubscribeUrl") && !strstr(layout, "{action.optOutUrl"))
		fprintf(stderr, "mailroom: template add: warning: %s: the %s layout has no "
			"{action.unsubscribeUrl} or {action.optOutUrl}: a bulk mailing must offer "
			"one\n", name, what);
	if (!strstr(layout, "{domain.address"))
		fprintf(stderr, "mailroom: template add: warning: %s: the %s layout has no "
			"{domain.address}: many laws ask bulk mail to show the sender's postal "
			"address\n", name, what);
	return 0;
}

static int add(struct mr_store *st, int argc, char **argv)
{
	static const char *const cmd = "template add";
	struct mailing_form f;
	if (argc < 3)
		return cli_usage("template");
	int code = mailing_form_parse(&f, 0, argc, argv, 3, cmd);
	if (code)
		return code;
	if (f.name || f.subject || f.n_inc || f.n_exc || f.n_att || f.schedule || f.template_name ||
	    f.list_id || f.precedence >= 0 || f.track_given || f.from_email || f.from_name ||
	    f.reply_to || f.reply_verp)
		return cli_fail(EX_USAGE, cmd, "a template takes only --html FILE and --text FILE");
	if (!f.html_file && !f.text_file)
		return cli_fail(EX_USAGE, cmd, "--html FILE or --text FILE (or both) is needed");
	struct mr_template t = { .name = argv[2] };
	int replaced = 0;
	struct mr_error err = { 0 };
	if ((code = mailing_form_load(&f, cmd)) != 0 ||
	    (f.html && (code = check_layout(t.name, f.html, "HTML")) != 0) ||
	    (f.text && (code = check_layout(t.name, f.text, "text")) != 0))
		goto out;
	t.html = f.html;
	t.text = f.text;
	int rc = mr_store_template_put(st, &t, &replaced, &err);
	if (rc)
		code = cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
	else
		printf("template %s %s\n", t.name, replaced ? "replaced" : "added");
out:
	mailing_form_free(&f);
	return code;
}

static int print_template(void *cookie, const struct mr_template *t)
{
	const int *how = cookie; /* 0 table, 1 JSON, 2 full */
	char when[32];
	mr_format_local_time(t->created, when, sizeof(when));
	if (how[0] == 1) {
		cli_json_print(json_pack("{s:o,s:o,s:o,s:o}", "name", cli_json_text(t->name),
					 "created", cli_json_text(when), "html",
					 cli_json_text_or_null(t->html), "text",
					 cli_json_text_or_null(t->text)));
	} else if (how[0] == 0) {
		cli_cell(t->name, 24);
		printf("%-19s %-4s %s\n", when, t->html ? "yes" : "no", t->text ? "yes" : "no");
	} else {
		printf("name:    %s\ncreated: %s\n", t->name, when);
		if (t->html)
			printf("--- html ---\n%s\n", t->html);
		if (t->text)
			printf("--- text ---\n%s\n", t->text);
	}
	return 0;
}

int cmd_template(struct mr_cli *cli, int argc, char **argv)
{
	struct mr_site *site = NULL;
	int code = cli_open_subcommand(cli, "template", &argc, argv, &site);
	if (code)
		return code;
	struct mr_store *st = &site->store;
	const char *sub = argv[1];
	struct mr_error err = { 0 };
	int rc = 0, how = cli->json ? 1 : 0;
	if (!mr_store_has(st, MR_STORE_CAP_QUEUE)) {
		code = cli_fail(EX_UNAVAILABLE, "template", "the store '%s' has no %s",
				st->name ? st->name : "?", mr_store_cap_name(MR_STORE_CAP_QUEUE));
	} else if (!strcmp(sub, "add")) {
		code = add(st, argc, argv);
	} else if (!strcmp(sub, "list") && argc == 2) {
		if (!cli->json)
			printf("%-24s %-19s %-4s %s\n", "NAME", "CREATED", "HTML", "TEXT");
		rc = mr_store_template_get(st, NULL, print_template, &how, &err);
	} else if (!strcmp(sub, "show") && argc == 3) {
		how = cli->json ? 1 : 2;
		rc = mr_store_template_get(st, argv[2], print_template, &how, &err);
	} else if (!strcmp(sub, "delete") && argc == 3) {
		if ((rc = mr_store_template_delete(st, argv[2], &err)) == 0)
			printf("template %s deleted\n", argv[2]);
	} else {
		code = cli_usage("template");
	}
	if (rc)
		code = cli_fail(rc == MR_ENOTFOUND ? EX_NOINPUT : mr_status_exit_code(rc), "template",
				"%s", err.msg);
	mr_site_close(site);
	return code;
}
