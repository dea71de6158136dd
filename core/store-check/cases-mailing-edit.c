/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's mailing edits (included by cases.c):
 * mailing_update, mailing_delete, mailing_tests and the settings, appended
 * after 1.0 (a deleted mailing's settings go with it).
 * Semantics checked here that store.h leaves implicit:
 * - an update replaces groups and attachments wholly, and a failed one
 *   (an unknown group) leaves the mailing as it was;
 * - a scheduled mailing may be edited until its queue is built, then not;
 * - a canceled mailing that was sent to anyone cannot be deleted;
 * - test counts start at 0 and are not in mailing_stats;
 * - settings come back by name, setting one again replaces it, NULL
 *   removes it, and a copy of nothing else: other mailings have none.
 */

struct setting_rows {
	int n;
	char name[8][64], value[8][128];
};

static int setting_collect(void *cookie, const char *name, const char *value)
{
	struct setting_rows *r = cookie;
	if (r->n < 8) {
		snprintf(r->name[r->n], sizeof(r->name[0]), "%s", name);
		snprintf(r->value[r->n], sizeof(r->value[0]), "%s", value);
		r->n++;
	}
	return 0;
}

static void test_mailing_settings(struct mr_store *st, int64_t mid, int64_t other)
{
	struct mr_error err = { 0 };
	struct setting_rows r = { 0 };
	TAP_INT(mr_store_mailing_settings(st, mid, setting_collect, &r, &err), 0,
		"mailing_settings of a mailing without any");
	TAP_INT(r.n, 0, "... gives none");
	TAP_INT(mr_store_mailing_setting_set(st, mid, "precedence", "bulk", &err), 0,
		"mailing_setting_set");
	TAP_INT(mr_store_mailing_setting_set(st, mid, "list_id", "old.example.org", &err), 0,
		"mailing_setting_set of a second one");
	TAP_INT(mr_store_mailing_setting_set(st, mid, "list_id", "News <news.example.org> ✓", &err),
		0, "mailing_setting_set again replaces");
	mr_store_mailing_settings(st, mid, setting_collect, &r, &err);
	TAP_OK(r.n == 2 && !strcmp(r.name[0], "list_id") &&
	       !strcmp(r.value[0], "News <news.example.org> ✓") && !strcmp(r.name[1], "precedence") &&
	       !strcmp(r.value[1], "bulk"), "settings come back by name, UTF-8 intact");
	memset(&r, 0, sizeof(r));
	mr_store_mailing_settings(st, other, setting_collect, &r, &err);
	TAP_INT(r.n, 0, "another mailing has none of them");
	TAP_INT(mr_store_mailing_setting_set(st, mid, "precedence", NULL, &err), 0,
		"mailing_setting_set NULL removes");
	memset(&r, 0, sizeof(r));
	mr_store_mailing_settings(st, mid, setting_collect, &r, &err);
	TAP_OK(r.n == 1 && !strcmp(r.name[0], "list_id"), "... only that one");
	TAP_INT(mr_store_mailing_setting_set(st, mid, "bad name", "x", &err), MR_EINPUT,
		"a setting name with a space is MR_EINPUT");
	TAP_INT(mr_store_mailing_setting_set(st, mid + 100000, "list_id", "x", &err), MR_ENOTFOUND,
		"mailing_setting_set of an unknown mailing is MR_ENOTFOUND");
	TAP_INT(mr_store_mailing_settings(st, mid + 100000, setting_collect, &r, &err), MR_ENOTFOUND,
		"mailing_settings of an unknown mailing is MR_ENOTFOUND");
}

static void test_mailing_edit(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t now = (int64_t)time(NULL), gid = 0, count = -1;
	mr_store_group_add(st, "edits", NULL, &gid, &err);
	mr_store_group_add(st, "edits-b", NULL, &gid, &err);
	int created = 0;
	mr_store_group_member(st, "edits", upsert(st, "edit1@example.net", "E", &created), 1, &err);
	const char *inc[] = { "edits" }, *inc_b[] = { "edits-b" }, *unknown[] = { "nosuch" };
	static const unsigned char data[] = { 1, 2, 3 };
	struct mr_attachment att = { "a.bin", "application/octet-stream", data, sizeof(data) };
	struct mr_mailing m = {
		.name = "Draft", .subject = "S1", .from_email = "news@example.org",
		.body_text = "T1", .status = MR_MAILING_DRAFT, .include_groups = inc, .n_include = 1,
		.attachments = &att, .n_attachments = 1, .attachment_size = sizeof(att),
	};
	int64_t mid = 0;
	TAP_INT(mr_store_mailing_create(st, &m, &mid, &err), 0, "edit: a draft");
	TAP_INT(mr_store_mailing_tests(st, mid, 0, &count, &err), 0, "mailing_tests reads");
	TAP_INT((int)count, 0, "a new mailing has sent no test");
	mr_store_mailing_tests(st, mid, 2, &count, &err);
	TAP_INT(mr_store_mailing_tests(st, mid, 1, &count, &err), 0, "mailing_tests adds");
	TAP_INT((int)count, 3, "test counts add up");
	TAP_INT(mr_store_mailing_tests(st, mid + 1000, 1, &count, &err), MR_ENOTFOUND,
		"mailing_tests of an unknown mailing is MR_ENOTFOUND");
	struct mr_mailing_stats s;
	TAP_OK(mr_store_mailing_stats(st, mid, &s, &err) == 0 && s.total == 0 && s.sent == 0,
	       "tests are not in mailing_stats");

	struct mr_mailing u = m;
	u.name = "Edited";
	u.subject = "S2";
	u.body_text = NULL;
	u.body_html = "<p>H2</p>";
	u.include_groups = inc_b;
	u.n_attachments = 0;
	TAP_INT(mr_store_mailing_update(st, mid, &u, &err), 0, "mailing_update of a draft (%s)",
		err.msg);
	struct mailing_row r = { 0 };
	mr_store_mailing_get(st, mid, mailing_collect, &r, &err);
	TAP_OK(!strcmp(r.name, "Edited") && !strcmp(r.subject, "S2") && !strcmp(r.html, "<p>H2</p>"),
	       "the update's name, subject and HTML are stored");
	TAP_OK(r.n_inc == 1 && !strcmp(r.inc0, "edits-b") && r.n_att == 0,
	       "groups and attachments are replaced wholly");
	TAP_INT(r.status, MR_MAILING_DRAFT, "an update keeps the status");
	u.include_groups = unknown;
	u.name = "Broken";
	TAP_INT(mr_store_mailing_update(st, mid, &u, &err), MR_ENOTFOUND,
		"mailing_update with an unknown group is MR_ENOTFOUND");
	memset(&r, 0, sizeof(r));
	mr_store_mailing_get(st, mid, mailing_collect, &r, &err);
	TAP_OK(!strcmp(r.name, "Edited") && !strcmp(r.inc0, "edits-b"),
	       "... and leaves the mailing as it was");
	u.include_groups = inc;
	u.name = "Edited";
	TAP_INT(mr_store_mailing_update(st, mid + 1000, &u, &err), MR_ENOTFOUND,
		"mailing_update of an unknown mailing is MR_ENOTFOUND");

	/* scheduled: editable until the queue is built */
	TAP_INT(mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now - 5, &err), 0,
		"edit: scheduled");
	TAP_INT(mr_store_mailing_update(st, mid, &u, &err), 0,
		"mailing_update of a scheduled mailing not started");
	memset(&r, 0, sizeof(r));
	mr_store_mailing_get(st, mid, mailing_collect, &r, &err);
	TAP_INT(r.status, MR_MAILING_SCHEDULED, "it stays scheduled");
	TAP_INT(mr_store_mailing_delete(st, mid, &err), MR_EINPUT,
		"mailing_delete of a scheduled mailing is MR_EINPUT");
	int64_t due_m = 0, due_j = 0, after = 0, rows = 0;
	while (mr_store_mailing_due(st, now, after, &due_m, &due_j, &err) == 0 && due_m != mid)
		after = due_m;
	TAP_OK(due_m == mid && mr_store_queue_build(st, due_j, 0, &rows, &err) == 0 && rows == 1,
	       "edit: its queue is built (1 row)");
	TAP_INT(mr_store_mailing_update(st, mid, &u, &err), MR_EINPUT,
		"mailing_update of a running mailing is MR_EINPUT");
	struct rcpt_rows rr = { 0 };
	mr_store_queue_claim(st, mid, "edit", now, now + 600, MAX_ROWS, rcpt_collect, &rr, &err);
	TAP_INT(mr_store_mailing_set_status(st, mid, MR_MAILING_CANCELED, 0, &err), 0,
		"edit: canceled after one recipient was tried");
	TAP_INT(mr_store_mailing_delete(st, mid, &err), MR_EINPUT,
		"mailing_delete of a canceled mailing that was tried is MR_EINPUT (kept)");
	TAP_INT(mr_store_mailing_get(st, mid, mailing_collect, &r, &err), 0, "... it is still there");

	/* deletes: a draft, and a canceled mailing that sent nothing */
	int64_t d1 = 0, d2 = 0;
	mr_store_mailing_create(st, &m, &d1, &err);
	mr_store_mailing_create(st, &m, &d2, &err);
	test_mailing_settings(st, d1, d2);
	mr_store_mailing_tests(st, d1, 1, NULL, &err);
	TAP_INT(mr_store_mailing_delete(st, d1, &err), 0, "mailing_delete of a draft");
	TAP_INT(mr_store_mailing_get(st, d1, mailing_collect, &r, &err), MR_ENOTFOUND,
		"a deleted mailing is gone");
	TAP_INT(mr_store_mailing_delete(st, d1, &err), MR_ENOTFOUND,
		"mailing_delete of an unknown mailing is MR_ENOTFOUND");
	mr_store_mailing_set_status(st, d2, MR_MAILING_SCHEDULED, now + 3600, &err);
	mr_store_mailing_set_status(st, d2, MR_MAILING_CANCELED, 0, &err);
	TAP_INT(mr_store_mailing_delete(st, d2, &err), 0,
		"mailing_delete of a canceled mailing that sent nothing (%s)", err.msg);
}

struct template_rows {
	int n;
	char name[4][64], html[4][128], text[4][128];
	int html_null[4], text_null[4];
};

static int template_collect(void *cookie, const struct mr_template *t)
{
	struct template_rows *r = cookie;
	if (r->n < 4) {
		snprintf(r->name[r->n], sizeof(r->name[0]), "%s", t->name);
		snprintf(r->html[r->n], sizeof(r->html[0]), "%s", t->html ? t->html : "");
		snprintf(r->text[r->n], sizeof(r->text[0]), "%s", t->text ? t->text : "");
		r->html_null[r->n] = !t->html;
		r->text_null[r->n] = !t->text;
		r->n++;
	}
	return 0;
}

/* Templates: NULL layouts stay NULL, a put of the same name replaces. */
static void test_templates(struct mr_store *st)
{
	struct mr_error err = { 0 };
	struct mr_template t = { .name = "news-1.0", .html = "<p>{template.content}</p>" };
	int replaced = -1;
	TAP_INT(mr_store_template_put(st, &t, &replaced, &err), 0, "template_put (%s)", err.msg);
	TAP_INT(replaced, 0, "a new template replaces nothing");
	struct mr_template t2 = { .name = "appeal", .text = "{template.content}\n-- \nfooter ✓" };
	mr_store_template_put(st, &t2, NULL, &err);
	struct template_rows r = { 0 };
	TAP_INT(mr_store_template_get(st, NULL, template_collect, &r, &err), 0, "template_get all");
	TAP_OK(r.n == 2 && !strcmp(r.name[0], "appeal") && !strcmp(r.name[1], "news-1.0"),
	       "every template, by name");
	TAP_OK(r.html_null[0] && !r.text_null[0] && !strcmp(r.text[0], t2.text),
	       "a template without HTML has a NULL html, its text intact");
	t.text = "{template.content}";
	TAP_INT(mr_store_template_put(st, &t, &replaced, &err), 0, "template_put again");
	TAP_INT(replaced, 1, "... replaces the one of that name");
	memset(&r, 0, sizeof(r));
	TAP_INT(mr_store_template_get(st, "news-1.0", template_collect, &r, &err), 0,
		"template_get by name");
	TAP_OK(r.n == 1 && !strcmp(r.html[0], t.html) && !strcmp(r.text[0], t.text),
	       "the replaced template's layouts");
	TAP_INT(mr_store_template_get(st, "nosuch", template_collect, &r, &err), MR_ENOTFOUND,
		"template_get of an unknown name is MR_ENOTFOUND");
	struct mr_template bad = { .name = "a b", .html = "x" }, empty = { .name = "empty" };
	TAP_INT(mr_store_template_put(st, &bad, NULL, &err), MR_EINPUT,
		"a template name with a space is MR_EINPUT");
	TAP_INT(mr_store_template_put(st, &empty, NULL, &err), MR_EINPUT,
		"a template with neither HTML nor text is MR_EINPUT");
	TAP_INT(mr_store_template_delete(st, "appeal", &err), 0, "template_delete");
	TAP_INT(mr_store_template_delete(st, "appeal", &err), MR_ENOTFOUND,
		"template_delete of an unknown name is MR_ENOTFOUND");
	memset(&r, 0, sizeof(r));
	mr_store_template_get(st, NULL, template_collect, &r, &err);
	TAP_INT(r.n, 1, "one template is left");
}
