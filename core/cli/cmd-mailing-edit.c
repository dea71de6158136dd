/* SPDX-License-Identifier: MIT */
/* mailroom mailing edit|copy|delete: a draft's or unstarted scheduled mailing's content changed with any create option, a mailing copied as a new draft, a draft or unsent canceled mailing deleted. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "fields.h"
#include "mailing-form.h"

/* A stored mailing copied out of the store's callback. */
struct stored_mailing {
	int found;
	char *name, *subject, *from_email, *from_name, *reply_to, *text, *html;
	enum mr_mailing_status status;
	char *inc[MAILING_MAX_GROUPS], *exc[MAILING_MAX_GROUPS];
	size_t n_inc, n_exc, n_att;
	struct mr_attachment att[MAILING_MAX_ATTACH];
	int text_from_html;   /* its text part was made from its HTML */
	int oom;
};

static char *dup_opt(struct stored_mailing *sm, const char *s)
{
	char *d = s ? strdup(s) : NULL;
	sm->oom |= s && !d;
	return d;
}

static int copy_cb(void *cookie, const struct mr_mailing *m)
{
	struct stored_mailing *sm = cookie;
	sm->found = 1;
	sm->name = dup_opt(sm, m->name);
	sm->subject = dup_opt(sm, m->subject);
	sm->from_email = dup_opt(sm, m->from_email && *m->from_email ? m->from_email : NULL);
	sm->from_name = dup_opt(sm, m->from_name);
	sm->reply_to = dup_opt(sm, m->reply_to);
	sm->text = dup_opt(sm, m->body_text);
	sm->html = dup_opt(sm, m->body_html);
	sm->status = m->status;
	for (size_t i = 0; i < m->n_include && sm->n_inc < MAILING_MAX_GROUPS; i++)
		sm->inc[sm->n_inc++] = dup_opt(sm, m->include_groups[i]);
	for (size_t i = 0; i < m->n_exclude && sm->n_exc < MAILING_MAX_GROUPS; i++)
		sm->exc[sm->n_exc++] = dup_opt(sm, m->exclude_groups[i]);
	for (size_t i = 0; i < m->n_attachments && sm->n_att < MAILING_MAX_ATTACH; i++) {
		const struct mr_attachment *a = mr_mailing_attachment(m, i);
		struct mr_attachment *c = &sm->att[sm->n_att++];
		unsigned char *d = malloc(a->len ? a->len : 1);
		if (d)
			memcpy(d, a->data, a->len);
		sm->oom |= !d;
		*c = (struct mr_attachment){ dup_opt(sm, a->filename), dup_opt(sm, a->content_type),
					     d, a->len };
	}
	return 0;
}

static void stored_free(struct stored_mailing *sm)
{
	free(sm->name);
	free(sm->subject);
	free(sm->from_email);
	free(sm->from_name);
	free(sm->reply_to);
	free(sm->text);
	free(sm->html);
	for (size_t i = 0; i < sm->n_inc; i++)
		free(sm->inc[i]);
	for (size_t i = 0; i < sm->n_exc; i++)
		free(sm->exc[i]);
	for (size_t i = 0; i < sm->n_att; i++) {
		free((void *)sm->att[i].filename);
		free((void *)sm->att[i].content_type);
		free((void *)sm->att[i].data);
	}
}

static int text_origin_cb(void *cookie, const char *name, const char *value)
{
	struct stored_mailing *sm = cookie;
	if (!strcmp(name, "text_from_html"))
		sm->text_from_html = !strcmp(value, "yes");
	return 0;
}

/* Reads mailing id into sm; 0 or the exit code (printed). */
static int load(struct mr_store *st, int64_t id, struct stored_mailing *sm, const char *cmd)
{
	struct mr_error err = { 0 };
	int rc = mr_store_mailing_get(st, id, copy_cb, sm, &err);
	if (rc == MR_ENOTFOUND)
		return cli_fail(EX_NOINPUT, cmd, "no mailing %lld", (long long)id);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
	if (MR_STORE_QUEUE_HAS(st, mailing_settings))
		mr_store_mailing_settings(st, id, text_origin_cb, sm, &err);
	return sm->oom ? cli_fail(EX_OSERR, cmd, "out of memory") : 0;
}

/* The stored mailing with what the form gives in its place. */
static struct mr_mailing merged(const struct stored_mailing *sm, const struct mailing_form *f)
{
	return (struct mr_mailing){
		.name = f->name ? f->name : sm->name,
		.subject = f->subject ? f->subject : sm->subject,
		.from_email = f->from_email ? f->from_email : sm->from_email,
		.from_name = f->from_name ? f->from_name : sm->from_name,
		.reply_to = f->reply_to ? f->reply_to : sm->reply_to,
		.body_text = f->text ? f->text : sm->text,
		.body_html = f->html ? f->html : sm->html,
		.status = sm->status,
		.include_groups = f->n_inc ? f->inc : (const char *const *)sm->inc,
		.n_include = f->n_inc ? f->n_inc : sm->n_inc,
		.exclude_groups = f->n_exc ? f->exc : (const char *const *)sm->exc,
		.n_exclude = f->n_exc ? f->n_exc : sm->n_exc,
		.attachments = f->n_att ? f->att : sm->att,
		.n_attachments = f->n_att ? f->n_att : sm->n_att,
		.attachment_size = sizeof(struct mr_attachment),
	};
}

static int edit(struct mr_site *site, int64_t id, int argc, char **argv)
{
	static const char *const cmd = "mailing edit";
	struct mr_store *st = &site->store;
	struct mailing_form f;
	struct stored_mailing sm = { 0 };
	unsigned stored_track = 0;
	struct mr_error err = { 0 };
	int track = mr_mail_track_flags(&site->core, id, &stored_track) == 0 ? (int)stored_track : 0;
	int code = mailing_form_parse(&f, track, argc, argv, 3, cmd);
	if (code)
		return code;
	if (argc <= 3)
		return cli_fail(EX_USAGE, cmd, "nothing to change: give any option of mailing "
				"create");
	if ((code = load(st, id, &sm, cmd)) != 0 || (code = mailing_form_load(&f, cmd)) != 0)
		goto out;
	if (f.template_name && !f.html && !f.text) {
		code = cli_fail(EX_USAGE, cmd, "--template needs the content: --html FILE or "
				"--text FILE");
		goto out;
	}
	/* a new HTML part remakes a text part that was made from the old one */
	if ((code = mailing_form_compose(st, &f, !f.text && (!sm.text || sm.text_from_html),
					 cmd)) != 0)
		goto out;
	struct mr_mailing m = merged(&sm, &f);
	int rc = cli_check_mailing_templates(st, &m, &err);
	if (rc) {
		code = cli_fail(EX_DATAERR, cmd, "%s", err.msg);
		goto out;
	}
	if ((rc = mr_store_mailing_update(st, id, &m, &err)) != 0) {
		code = cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
		goto out;
	}
	if ((f.track_given && (code = mailing_store_track(st, id, &f, cmd)) != 0) ||
	    (code = mailing_form_store_settings(st, id, &f, cmd)) != 0)
		goto out;
	if ((code = cli_mailing_unapprove(site, id)) != 0 ||
	    (f.schedule && (code = cli_mailing_may_schedule(site, id, cmd)) != 0))
		goto out;
	if (f.schedule &&
	    (rc = mr_store_mailing_set_status(st, id, MR_MAILING_SCHEDULED, f.scheduled_at, &err))) {
		code = cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld edited, not scheduled: %s",
				(long long)id, err.msg);
		goto out;
	}
	printf("mailing %lld edited\n", (long long)id);
out:
	mailing_form_free(&f);
	stored_free(&sm);
	return code;
}

struct setting_copy {
	struct mr_store *st;
	int64_t to;
	struct mr_error *err;
};

static int copy_setting(void *cookie, const char *name, const char *value)
{
	struct setting_copy *sc = cookie;
	if (strncmp(name, MAILING_AB_PREFIX, strlen(MAILING_AB_PREFIX)) == 0)
		return 0; /* an A/B test is its mailing's own */
	return mr_store_mailing_setting_set(sc->st, sc->to, name, value, sc->err);
}

int mailing_copy_as(struct mr_store *st, int64_t id, const struct mailing_form *over,
		    const char *name, int64_t *new_id_r, const char *cmd)
{
	struct stored_mailing sm = { 0 };
	char copy_name[512];
	int code = load(st, id, &sm, cmd);
	if (code == 0) {
		struct mr_mailing m = merged(&sm, over);
		snprintf(copy_name, sizeof(copy_name), "Copy of %s", sm.name);
		m.name = name ? name : copy_name;
		m.status = MR_MAILING_DRAFT;
		struct mr_error err = { 0 };
		unsigned track = 0;
		int rc = mr_store_mailing_create(st, &m, new_id_r, &err);
		if (rc == 0 && mr_store_has(st, MR_STORE_CAP_TRACKING) &&
		    mr_store_track_get(st, id, &track, &err) == 0)
			rc = mr_store_track_set(st, *new_id_r, track, &err);
		struct setting_copy sc = { st, *new_id_r, &err };
		if (rc == 0)
			rc = mr_store_mailing_settings(st, id, copy_setting, &sc, &err);
		if (rc)
			code = cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
	}
	stored_free(&sm);
	return code;
}

int mailing_update_with(struct mr_store *st, int64_t id, const struct mailing_form *f,
			const char *cmd)
{
	struct stored_mailing sm = { 0 };
	int code = load(st, id, &sm, cmd);
	if (code == 0) {
		struct mr_mailing m = merged(&sm, f);
		struct mr_error err = { 0 };
		int rc = mr_store_mailing_update(st, id, &m, &err);
		if (rc)
			code = cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s",
					(long long)id, err.msg);
	}
	stored_free(&sm);
	return code;
}

int mailing_take_content(struct mr_store *st, int64_t id, int64_t from, const char *cmd)
{
	struct stored_mailing to = { 0 }, src = { 0 };
	int code = load(st, id, &to, cmd);
	if (code == 0 && (code = load(st, from, &src, cmd)) == 0) {
		struct mailing_form f = { .subject = src.subject, .from_email = src.from_email,
					  .from_name = src.from_name, .text = src.text,
					  .html = src.html };
		struct mr_mailing m = merged(&to, &f);
		m.body_text = src.text; /* a part the source lacks goes too */
		m.body_html = src.html;
		struct mr_error err = { 0 };
		int rc = mr_store_mailing_update(st, id, &m, &err);
		if (rc)
			code = cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s",
					(long long)id, err.msg);
	}
	stored_free(&to);
	stored_free(&src);
	return code;
}

static int copy(struct mr_site *site, int64_t id, int argc, char **argv)
{
	static const char *const cmd = "mailing copy";
	const char *name = NULL;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--name") || i + 1 >= argc)
			return cli_fail(EX_USAGE, cmd, "%s: only --name N is accepted", argv[i]);
		name = argv[++i];
	}
	struct mailing_form none = { 0 };
	int64_t new_id = 0;
	int code = mailing_copy_as(&site->store, id, &none, name, &new_id, cmd);
	if (code == 0)
		printf("mailing %lld created (a draft copy of mailing %lld)\n", (long long)new_id,
		       (long long)id);
	return code;
}

int cli_mailing_edit(struct mr_cli *cli, struct mr_site *site, int argc, char **argv)
{
	(void)cli;
	int64_t id;
	if (argc < 3 || cli_parse_id(argv[2], &id) != 0)
		return cli_usage("mailing");
	if (!strcmp(argv[1], "edit"))
		return edit(site, id, argc, argv);
	if (!strcmp(argv[1], "copy"))
		return copy(site, id, argc, argv);
	if (argc != 3)
		return cli_usage("mailing");
	struct mr_error err = { 0 };
	int rc = mr_store_mailing_delete(&site->store, id, &err);
	if (rc == MR_ENOTFOUND)
		return cli_fail(EX_NOINPUT, "mailing delete", "no mailing %lld", (long long)id);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "mailing delete", "%s", err.msg);
	printf("mailing %lld deleted\n", (long long)id);
	return EX_OK;
}
