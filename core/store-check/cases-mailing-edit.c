/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's mailing edits (included by cases.c):
 * mailing_update, mailing_delete and mailing_tests, appended after 1.0.
 * Semantics checked here that store.h leaves implicit:
 * - an update replaces groups and attachments wholly, and a failed one
 *   (an unknown group) leaves the mailing as it was;
 * - a scheduled mailing may be edited until its queue is built, then not;
 * - a canceled mailing that was sent to anyone cannot be deleted;
 * - test counts start at 0 and are not in mailing_stats.
 */

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
