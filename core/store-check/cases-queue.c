/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's mass-mailing part (included by
 * cases.c, so that it shares its TAP counters): contacts, groups,
 * mailings, the recipient queue with leases, outcomes and statistics.
 * Semantics checked here that plugin.h leaves implicit:
 * - contact lookups by email ignore case; group listings are by name;
 * - a mailing whose groups are unknown is not stored at all;
 * - the queue of a mailing is built once, and holds each included contact
 *   once, minus excluded groups, holds, opt-outs and do-not-email;
 * - a claimed row is leased to its owner only; expired leases come back.
 */

struct contact_rows {
	int n;
	int64_t id[MAX_ROWS];
	char email[MAX_ROWS][64];
	char first[MAX_ROWS][32];
	int on_hold[MAX_ROWS], opt_out[MAX_ROWS], dne[MAX_ROWS];
};

static int contact_collect(void *cookie, const struct mr_contact *c)
{
	struct contact_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		rs->id[rs->n] = c->id;
		snprintf(rs->email[rs->n], sizeof(rs->email[0]), "%s", c->email ? c->email : "");
		snprintf(rs->first[rs->n], sizeof(rs->first[0]), "%s",
			 c->first_name ? c->first_name : "");
		rs->on_hold[rs->n] = c->on_hold;
		rs->opt_out[rs->n] = c->is_opt_out;
		rs->dne[rs->n] = c->do_not_email;
	}
	rs->n++;
	return 0;
}

struct group_rows {
	int n;
	char name[MAX_ROWS][32];
	int64_t members[MAX_ROWS];
};

static int group_collect(void *cookie, const struct mr_group *g)
{
	struct group_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		snprintf(rs->name[rs->n], sizeof(rs->name[0]), "%s", g->name);
		rs->members[rs->n] = g->members;
	}
	rs->n++;
	return 0;
}

struct mailing_row {
	int n;
	int64_t id;
	char name[64], subject[128], html[128];
	enum mr_mailing_status status;
	size_t n_inc, n_exc, n_att;
	char inc0[32], exc0[32], att_name[64];
	size_t att_len;
	unsigned char att0;
};

static int mailing_collect(void *cookie, const struct mr_mailing *m)
{
	struct mailing_row *r = cookie;
	r->n++;
	r->id = m->id;
	snprintf(r->name, sizeof(r->name), "%s", m->name);
	snprintf(r->subject, sizeof(r->subject), "%s", m->subject);
	snprintf(r->html, sizeof(r->html), "%s", m->body_html ? m->body_html : "(null)");
	r->status = m->status;
	r->n_inc = m->n_include;
	r->n_exc = m->n_exclude;
	r->n_att = m->n_attachments;
	snprintf(r->inc0, sizeof(r->inc0), "%s", m->n_include ? m->include_groups[0] : "");
	snprintf(r->exc0, sizeof(r->exc0), "%s", m->n_exclude ? m->exclude_groups[0] : "");
	if (m->n_attachments) {
		snprintf(r->att_name, sizeof(r->att_name), "%s", mr_mailing_attachment(m, 0)->filename);
		r->att_len = mr_mailing_attachment(m, 0)->len;
		r->att0 = mr_mailing_attachment(m, 0)->len ? mr_mailing_attachment(m, 0)->data[0] : 0;
	}
	return 0;
}

struct rcpt_rows {
	int n;
	int64_t qid[MAX_ROWS], job[MAX_ROWS], contact[MAX_ROWS];
	char email[MAX_ROWS][64], first[MAX_ROWS][32];
	int attempts[MAX_ROWS];
};

static int rcpt_collect(void *cookie, const struct mr_recipient *r)
{
	struct rcpt_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		rs->qid[rs->n] = r->queue_id;
		rs->job[rs->n] = r->job_id;
		rs->contact[rs->n] = r->contact_id;
		snprintf(rs->email[rs->n], sizeof(rs->email[0]), "%s", r->email);
		snprintf(rs->first[rs->n], sizeof(rs->first[0]), "%s", r->first_name);
		rs->attempts[rs->n] = r->attempts;
	}
	rs->n++;
	return 0;
}

/* A contact's "delivered" events by one mailing (who, "mailing ID"): how
 * many, and the last one's time. */
struct delivered_rows {
	char who[32];
	int n;
	int64_t time;
};

static int delivered_collect(void *cookie, const struct mr_contact_event *ev)
{
	struct delivered_rows *d = cookie;
	if (ev->action && strcmp(ev->action, "delivered") == 0 && ev->who &&
	    strcmp(ev->who, d->who) == 0) {
		d->n++;
		d->time = ev->time;
	}
	return 0;
}

static const char *type_count(const struct mr_mailing_stats *s, const char *type, int64_t *n_r)
{
	*n_r = 0;
	for (size_t i = 0; i < s->n_types; i++)
		if (strcmp(s->by_type[i].name, type) == 0)
			*n_r = s->by_type[i].count;
	return type;
}

static int64_t upsert(struct mr_store *st, const char *email, const char *first, int *created_r)
{
	struct mr_error err = { 0 };
	struct mr_contact c = { .email = email, .first_name = first, .last_name = "Tester" };
	int64_t id = 0;
	int rc = mr_store_contact_upsert(st, &c, &id, created_r, &err);
	if (rc)
		printf("# contact_upsert %s: %s\n", email, err.msg);
	return id;
}

static void test_contacts_groups(struct mr_store *st)
{
	struct mr_error err = { 0 };
	static const char *const people[][2] = {
		{ "alice@example.org", "Alice" }, { "bob@example.org", "Bob" },
		{ "carol@example.org", "Carol" }, { "dave@example.org", "Dave" },
		{ "erin@Example.ORG", "Erin" },   { "frank@example.org", "Frank" },
		{ "grace@example.org", "Gr\xc3\xa2" "ce" },
	};
	int64_t ids[7];
	for (int i = 0; i < 7; i++) {
		int created = -1;
		ids[i] = upsert(st, people[i][0], people[i][1], &created);
		TAP_OK(ids[i] > 0 && created == 1, "contact_upsert creates %s", people[i][0]);
	}
	int created = -1;
	int64_t again = upsert(st, "ALICE@EXAMPLE.ORG", "Alicia", &created);
	TAP_INT(again, ids[0], "re-upserting an email in other case updates the same contact");
	TAP_INT(created, 0, "... and says it was not created");
	struct contact_rows rs = { 0 };
	int rc = mr_store_contact_find(st, "Alice@example.org", contact_collect, &rs, &err);
	TAP_INT(rc, 0, "contact_find ignores case");
	TAP_STR(rs.first[0], "Alicia", "contact_find sees the updated first name");
	TAP_STR(rs.email[0], "alice@example.org", "the stored email keeps its first spelling");
	rc = mr_store_contact_find(st, "nobody@example.org", contact_collect, &rs, &err);
	TAP_INT(rc, MR_ENOTFOUND, "contact_find of an unknown email is MR_ENOTFOUND");
	struct mr_contact bad = { .email = "" };
	TAP_INT(mr_store_contact_upsert(st, &bad, NULL, NULL, &err), MR_EINPUT,
		"contact_upsert refuses an empty email");
	struct mr_contact badt = { .email = "x@example.org", .contact_type = "Household" };
	TAP_INT(mr_store_contact_upsert(st, &badt, NULL, NULL, &err), MR_EINPUT,
		"contact_upsert refuses an unknown contact type");
	memset(&rs, 0, sizeof(rs));
	rc = mr_store_contact_list(st, ids[1], 3, contact_collect, &rs, &err);
	TAP_OK(rc == 0 && rs.n == 3 && rs.id[0] == ids[2] && rs.id[2] == ids[4],
	       "contact_list after an id with a limit");

	int64_t g1 = 0, g2 = 0, g1b = 0;
	TAP_INT(mr_store_group_add(st, "newsletter", "The Newsletter", &g1, &err), 0,
		"group_add newsletter");
	TAP_INT(mr_store_group_add(st, "newsletter", NULL, &g1b, &err), 0,
		"group_add of an existing name succeeds");
	TAP_INT(g1b, g1, "... and gives the same id");
	TAP_INT(mr_store_group_add(st, "board", NULL, &g2, &err), 0, "group_add board");
	TAP_INT(mr_store_group_add(st, "", NULL, NULL, &err), MR_EINPUT,
		"group_add refuses an empty name");
	for (int i = 0; i < 7; i++)
		mr_store_group_member(st, "newsletter", ids[i], 1, &err);
	TAP_INT(mr_store_group_member(st, "newsletter", ids[0], 1, &err), 0,
		"adding a member twice is no error");
	TAP_INT(mr_store_group_member(st, "board", ids[5], 1, &err), 0, "board member");
	TAP_INT(mr_store_group_member(st, "board", ids[6], 1, &err), 0, "board member 2");
	TAP_INT(mr_store_group_member(st, "board", ids[6], 0, &err), 0, "member removed");
	TAP_INT(mr_store_group_member(st, "nosuch", ids[0], 1, &err), MR_ENOTFOUND,
		"group_member of an unknown group is MR_ENOTFOUND");
	struct group_rows gs = { 0 };
	rc = mr_store_group_list(st, group_collect, &gs, &err);
	TAP_OK(rc == 0 && gs.n == 2, "group_list lists 2 groups");
	TAP_STR(gs.name[0], "board", "groups by name");
	TAP_INT(gs.members[0], 1, "board has 1 member (one removed)");
	TAP_INT(gs.members[1], 7, "newsletter has 7 members (one added twice)");
	memset(&rs, 0, sizeof(rs));
	rc = mr_store_group_members(st, "board", contact_collect, &rs, &err);
	TAP_OK(rc == 0 && rs.n == 1 && rs.id[0] == ids[5], "group_members of board: frank");

	TAP_INT(mr_store_contact_set_flag(st, "BOB@example.org", MR_CONTACT_ON_HOLD, 1, &err),
		0, "hold bob");
	TAP_INT(mr_store_contact_set_flag(st, "carol@example.org", MR_CONTACT_OPT_OUT, 1,
					  &err), 0, "carol opts out");
	TAP_INT(mr_store_contact_set_flag(st, "dave@example.org", MR_CONTACT_DO_NOT_EMAIL, 1,
					  &err), 0, "dave: do not email");
	TAP_INT(mr_store_contact_set_flag(st, "nobody@example.org", MR_CONTACT_OPT_OUT, 1,
					  &err), MR_ENOTFOUND, "flag of an unknown email");
	TAP_INT(mr_store_contact_set_flag(st, "bob@example.org", MR_CONTACT_ON_HOLD, 7, &err),
		MR_EINPUT, "on_hold 7 is refused");
	memset(&rs, 0, sizeof(rs));
	mr_store_contact_find(st, "bob@example.org", contact_collect, &rs, &err);
	TAP_INT(rs.on_hold[0], 1, "bob's email is on hold");
	memset(&rs, 0, sizeof(rs));
	mr_store_contact_find(st, "carol@example.org", contact_collect, &rs, &err);
	TAP_INT(rs.opt_out[0], 1, "carol is opted out");
}

/* What an import does inside begin()/commit(): an upsert and a membership
 * per row (a store may keep memberships and write them later): reads in the
 * transaction see them, commit keeps them, rollback drops them with the
 * contacts, an unknown group is MR_ENOTFOUND at once. */
static void test_import_transaction(struct mr_store *st)
{
	struct mr_error err = { 0 };
	static const char *const rows[] = { "imp1@example.org", "imp2@example.org",
					    "imp3@example.org", "IMP1@example.org" };
	TAP_INT(mr_store_group_add(st, "imported", NULL, NULL, &err), 0, "group_add imported");
	TAP_INT(mr_store_begin(st, &err), 0, "begin an import");
	int fails = 0, created = 0;
	for (int i = 0; i < 4; i++) {
		int64_t id = 0;
		int made = 0;
		fails += mr_store_contact_upsert(st, &(struct mr_contact){ .email = rows[i],
						 .first_name = "Imp" }, &id, &made, &err) != 0;
		created += made;
		fails += mr_store_group_member(st, "imported", id, 1, &err) != 0;
	}
	TAP_OK(fails == 0 && created == 3, "4 rows: 3 contacts made, the 4th the first again "
	       "(%s)", fails ? err.msg : "ok");
	struct contact_rows rs = { 0 };
	mr_store_group_members(st, "imported", contact_collect, &rs, &err);
	TAP_INT(rs.n, 3, "the transaction sees its 3 members");
	int64_t id = 0;
	memset(&rs, 0, sizeof(rs));
	mr_store_contact_find(st, "imp2@example.org", contact_collect, &rs, &err);
	TAP_INT(mr_store_group_member(st, "no-such-group", rs.id[0], 1, &err), MR_ENOTFOUND,
		"a member of an unknown group is MR_ENOTFOUND at once");
	int crc = mr_store_commit(st, &err);
	TAP_INT(crc, 0, "commit the import (%s)", crc ? err.msg : "ok");
	memset(&rs, 0, sizeof(rs));
	mr_store_group_members(st, "imported", contact_collect, &rs, &err);
	TAP_INT(rs.n, 3, "3 members after commit");
	mr_store_begin(st, &err);
	mr_store_contact_upsert(st, &(struct mr_contact){ .email = "imp4@example.org" }, &id,
				NULL, &err);
	mr_store_group_member(st, "imported", id, 1, &err);
	mr_store_rollback(st);
	memset(&rs, 0, sizeof(rs));
	mr_store_group_members(st, "imported", contact_collect, &rs, &err);
	TAP_INT(rs.n, 3, "a rolled back row adds no member");
	TAP_INT(mr_store_contact_find(st, "imp4@example.org", contact_collect, &rs, &err),
		MR_ENOTFOUND, "... and no contact");
}

static int64_t stats_of(struct mr_store *st, int64_t mid, struct mr_mailing_stats *s)
{
	struct mr_error err = { 0 };
	int rc = mr_store_mailing_stats(st, mid, s, &err);
	if (rc)
		printf("# mailing_stats: %s\n", err.msg);
	return rc;
}

static void test_mailings(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t now = st->ops == NULL ? 0 : (int64_t)time(NULL);
	const char *inc[] = { "newsletter" }, *exc[] = { "board" }, *unknown[] = { "nosuch" };
	static const unsigned char pdf[] = { 0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0d, 0x0a };
	struct mr_attachment att = { "report.pdf", "application/pdf", pdf, sizeof(pdf) };
	struct mr_mailing m = {
		.name = "Spring appeal", .subject = "Hello {contact.first_name}",
		.from_email = "news@example.org", .body_text = "Hi {contact.first_name|friend}",
		.body_html = "<p>Hi</p>", .status = MR_MAILING_DRAFT,
		.include_groups = unknown, .n_include = 1,
	};
	int64_t mid = 0;
	TAP_INT(mr_store_mailing_create(st, &m, &mid, &err), MR_ENOTFOUND,
		"mailing_create with an unknown group is MR_ENOTFOUND");
	struct mailing_row mr = { 0 };
	mr_store_mailing_list(st, mailing_collect, &mr, &err);
	TAP_INT(mr.n, 0, "... and stores nothing");
	m.include_groups = inc;
	m.exclude_groups = exc;
	m.n_exclude = 1;
	m.attachments = &att;
	m.n_attachments = 1;
	m.attachment_size = sizeof(att);
	TAP_INT(mr_store_mailing_create(st, &m, &mid, &err), 0, "mailing_create (%s)",
		err.msg);
	memset(&mr, 0, sizeof(mr));
	TAP_INT(mr_store_mailing_get(st, mid, mailing_collect, &mr, &err), 0, "mailing_get");
	TAP_STR(mr.subject, "Hello {contact.first_name}", "the subject round-trips");
	TAP_STR(mr.html, "<p>Hi</p>", "the HTML body round-trips");
	TAP_INT(mr.status, MR_MAILING_DRAFT, "a new mailing is a draft");
	TAP_OK(mr.n_inc == 1 && mr.n_exc == 1 && !strcmp(mr.inc0, "newsletter") &&
	       !strcmp(mr.exc0, "board"), "included and excluded groups round-trip");
	TAP_OK(mr.n_att == 1 && mr.att_len == sizeof(pdf) && mr.att0 == 0x25 &&
	       !strcmp(mr.att_name, "report.pdf"), "the attachment round-trips byte for byte");
	TAP_INT(mr_store_mailing_get(st, mid + 1000, mailing_collect, &mr, &err),
		MR_ENOTFOUND, "mailing_get of an unknown id");
	int64_t due_m = 0, due_j = 0;
	TAP_INT(mr_store_mailing_due(st, now, 0, &due_m, &due_j, &err), MR_ENOTFOUND,
		"a draft is not due");
	TAP_INT(mr_store_mailing_set_status(st, mid, MR_MAILING_RUNNING, 0, &err), MR_EINPUT,
		"a draft cannot be resumed");
	TAP_INT(mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now + 3600, &err),
		0, "schedule in an hour");
	TAP_INT(mr_store_mailing_due(st, now, 0, &due_m, &due_j, &err), MR_ENOTFOUND,
		"not due before its time");
	TAP_INT(mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now - 10, &err),
		0, "re-schedule to now");
	TAP_INT(mr_store_mailing_due(st, now, 0, &due_m, &due_j, &err), 0, "now it is due");
	TAP_INT(due_m, mid, "the due mailing is ours");
	TAP_INT(mr_store_mailing_due(st, now, mid, &due_m, &due_j, &err), MR_ENOTFOUND,
		"none after it");

	int64_t count = -1;
	TAP_INT(mr_store_queue_build(st, due_j, 0, &count, &err), 0, "queue_build (%s)",
		err.msg);
	/* newsletter: alice bob carol dave erin frank grace; minus board (frank),
	 * bob (hold), carol (opt-out), dave (do not email) */
	TAP_INT(count, 3, "the queue holds alice, erin and grace");
	TAP_INT(mr_store_queue_build(st, due_j, 0, &count, &err), 0, "queue_build again");
	TAP_INT(count, 0, "... builds nothing the second time");
	memset(&mr, 0, sizeof(mr));
	mr_store_mailing_get(st, mid, mailing_collect, &mr, &err);
	TAP_INT(mr.status, MR_MAILING_RUNNING, "the mailing is running");

	/* two lease owners longer than a store may keep as they are, equal in
	 * their first 80 bytes, the second with a non-ASCII byte: each names
	 * its own leases only */
#define W_HOST "mailing/worker-1/a@a-host-name-that-goes-on-and-on-for-quite-a-while" \
	".example.org/"
#define W1 W_HOST "w1"
#define W2 W_HOST "w2-\xc3\xa9"
	struct rcpt_rows r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	TAP_INT(mr_store_queue_claim(st, mid, W1, now, now + 600, 2, rcpt_collect, &r1,
				     &err), 0, "queue_claim 2 for w1");
	TAP_INT(r1.n, 2, "w1 leased 2 rows");
	TAP_INT(r1.attempts[0], 1, "a first claim is attempt 1");
	TAP_OK(!strcmp(r1.email[0], "alice@example.org") && !strcmp(r1.first[0], "Alicia"),
	       "claimed rows carry the email and the contact's names");
	mr_store_queue_claim(st, mid, W2, now, now + 600, 10, rcpt_collect, &r2, &err);
	TAP_INT(r2.n, 1, "w2 gets the one row left");
	mr_store_queue_claim(st, mid, "w3", now, now + 600, 10, rcpt_collect, &r3, &err);
	TAP_INT(r3.n, 0, "nothing is left for w3");
	struct mr_mailing_stats s;
	stats_of(st, mid, &s);
	TAP_INT(s.queued, 3, "leased rows count as queued");

	/* w1 crashes while sending; w2 finishes */
	TAP_INT(mr_store_queue_mark(st, W1, 1, &err), 0, "w1 marks its rows sending");
	TAP_INT(mr_store_queue_mark(st, W2, 1, &err), 0, "w2 marks its row sending");
	struct mr_queue_outcome o2 = { .queue_id = r2.qid[0], .result = MR_QUEUE_TEMPFAIL,
				       .when = now, .code = 451, .enhanced = "4.3.0",
				       .text = "try later", .retry_base = 60, .retry_for = 3600 };
	TAP_INT(mr_store_queue_outcome(st, &o2, 1, &err), 0, "a temporary failure");
	int64_t rq = -1, dq = -1;
	TAP_INT(mr_store_queue_recover(st, W1, now, 0, &rq, &dq, &err), 0,
		"queue_recover of w1's rows");
	TAP_INT(dq, 2, "w1's sending rows are in doubt");
#undef W1
#undef W2
#undef W_HOST
	stats_of(st, mid, &s);
	TAP_INT(s.in_doubt, 2, "stats count 2 in doubt");
	TAP_INT(s.retrying, 1, "stats count 1 retrying");
	TAP_INT(mr_store_queue_recover(st, "nobody", now, 1, &rq, &dq, &err), 0,
		"recover with resend_in_doubt");
	TAP_INT(rq, 2, "in-doubt rows of a running mailing are queued again when resending");
	struct rcpt_rows r5 = { 0 };
	mr_store_queue_claim(st, mid, "w4", now, now + 600, 10, rcpt_collect, &r5, &err);
	TAP_OK(r5.n == 2 && r5.attempts[0] == 2, "resent rows are claimed as attempt 2");
	mr_store_queue_mark(st, "w4", 1, &err);
	struct mr_queue_outcome o5[2] = {
		{ .queue_id = r5.qid[0], .result = MR_QUEUE_SENT, .when = now, .code = 250 },
		{ .queue_id = r5.qid[1], .result = MR_QUEUE_SENT, .when = now, .code = 250 },
	};
	mr_store_queue_outcome(st, o5, 2, &err);
	memset(&r3, 0, sizeof(r3));
	mr_store_queue_claim(st, mid, "w3", now + 30, now + 600, 10, rcpt_collect, &r3, &err);
	TAP_INT(r3.n, 0, "a retry row is not claimed before its next attempt");
	memset(&r3, 0, sizeof(r3));
	mr_store_queue_claim(st, mid, "w3", now + 61, now + 600, 10, rcpt_collect, &r3, &err);
	TAP_OK(r3.n == 1 && r3.qid[0] == r2.qid[0] && r3.attempts[0] == 2,
	       "after the backoff it is claimed again as attempt 2");
	mr_store_queue_mark(st, "w3", 1, &err);
	o2.when = now + 4000; /* past retry_for */
	mr_store_queue_outcome(st, &o2, 1, &err);
	stats_of(st, mid, &s);
	TAP_INT(s.bounced, 1, "a temporary failure past retry_for is a bounce");
	int64_t syn = 0;
	type_count(&s, "Syntax", &syn);
	TAP_INT(syn, 1, "counted under its bounce type");
	int complete = -1;
	TAP_INT(mr_store_mailing_finish(st, mid, now, &complete, &err), 0, "mailing_finish");
	TAP_INT(complete, 1, "nothing waits: the mailing is complete (2 sent, 1 bounced)");
	stats_of(st, mid, &s);
	TAP_OK(s.sent == 2 && s.bounced == 1 && s.in_doubt == 0 && s.total == 3,
	       "stats of the complete mailing");

	/* a second mailing: sends, bounces by type, expired leases, pause, cancel */
	int64_t m2 = 0;
	m.name = "Second";
	m.status = MR_MAILING_SCHEDULED;
	m.scheduled_at = now - 5;
	m.n_exclude = 0;
	m.n_attachments = 0;
	TAP_INT(mr_store_mailing_create(st, &m, &m2, &err), 0, "a scheduled mailing");
	TAP_INT(mr_store_mailing_due(st, now, mid, &due_m, &due_j, &err), 0, "it is due");
	TAP_INT(due_m, m2, "the due one is the second");
	mr_store_queue_build(st, due_j, 2, &count, &err);
	TAP_INT(count, 4, "4 recipients (frank is not excluded this time)");
	struct rcpt_rows r4 = { 0 };
	mr_store_queue_claim(st, m2, "x1", now, now - 1, 10, rcpt_collect, &r4, &err);
	TAP_INT(r4.n, 4, "all 4 claimed (from 2 child jobs)");
	TAP_OK(r4.job[0] != r4.job[3] && r4.job[0] != due_j, "job_size 2 made child jobs");
	TAP_INT(mr_store_queue_recover(st, "x2", now, 0, &rq, &dq, &err), 0,
		"another worker recovers expired leases");
	TAP_INT(rq, 4, "expired leased rows go back to the queue");
	memset(&r4, 0, sizeof(r4));
	mr_store_queue_claim(st, m2, "x2", now, now + 600, 10, rcpt_collect, &r4, &err);
	TAP_INT(r4.n, 4, "and are claimed again");
	TAP_INT(r4.attempts[0], 1, "returned leases do not count as attempts");
	mr_store_queue_mark(st, "x2", 1, &err);
	struct mr_queue_outcome o4[3] = {
		{ .queue_id = r4.qid[0], .result = MR_QUEUE_SENT, .when = now, .code = 250,
		  .text = "ok" },
		{ .queue_id = r4.qid[1], .result = MR_QUEUE_BOUNCED, .when = now, .code = 550,
		  .enhanced = "5.1.1", .text = "no such user", .bounce_type = "Invalid" },
		{ .queue_id = r4.qid[2], .result = MR_QUEUE_SENT, .when = now, .code = 250 },
	};
	TAP_INT(mr_store_queue_outcome(st, o4, 3, &err), 0, "three outcomes at once");
	TAP_INT(mr_store_mailing_finish(st, m2, now, &complete, &err), 0, "finish?");
	TAP_INT(complete, 0, "not complete while one row is sending");
	stats_of(st, m2, &s);
	TAP_OK(s.sent == 2 && s.delivered == 2 && s.sending == 1 && s.bounced == 1 && s.total == 4,
	       "stats: 2 sent, 2 delivered, 1 sending, 1 bounced of 4");
	struct delivered_rows dv = { .n = 0 };
	snprintf(dv.who, sizeof(dv.who), "mailing %lld", (long long)m2);
	TAP_INT(mr_store_contact_events(st, r4.contact[0], 0, delivered_collect, &dv, &err), 0,
		"contact_events of a delivered recipient");
	TAP_OK(dv.n == 1 && dv.time == now,
	       "... list the delivery once, by its mailing, at the time the server took it");
	dv.n = 0;
	mr_store_contact_events(st, r4.contact[1], 0, delivered_collect, &dv, &err);
	TAP_INT(dv.n, 0, "a refused recipient has no delivery");
	int64_t inv = 0;
	type_count(&s, "Invalid", &inv);
	TAP_INT(inv, 1, "the bounce counts as Invalid");
	TAP_INT(mr_store_mailing_set_status(st, m2, MR_MAILING_PAUSED, 0, &err), 0, "pause");
	memset(&r4, 0, sizeof(r4));
	TAP_INT(mr_store_mailing_due(st, now, mid, &due_m, &due_j, &err), MR_ENOTFOUND,
		"a paused mailing is not due");
	TAP_INT(mr_store_mailing_set_status(st, m2, MR_MAILING_RUNNING, 0, &err), 0,
		"resume");
	memset(&mr, 0, sizeof(mr));
	mr_store_mailing_get(st, m2, mailing_collect, &mr, &err);
	TAP_INT(mr.status, MR_MAILING_RUNNING, "resumed to running");
	mr_store_queue_recover(st, "x2", now, 0, &rq, &dq, &err);
	TAP_INT(mr_store_mailing_set_status(st, m2, MR_MAILING_CANCELED, 0, &err), 0,
		"cancel");
	stats_of(st, m2, &s);
	TAP_INT(s.in_doubt, 1, "the in-flight row stays in doubt after cancel");
	TAP_INT(mr_store_mailing_set_status(st, m2, MR_MAILING_RUNNING, 0, &err), MR_EINPUT,
		"a canceled mailing cannot be resumed");
	memset(&r4, 0, sizeof(r4));
	mr_store_queue_claim(st, m2, "x3", now, now + 600, 10, rcpt_collect, &r4, &err);
	TAP_INT(r4.n, 0, "nothing is claimed from a canceled mailing");
	/* a third: queued rows become canceled (3: the address refused with
	 * 5.1.1 in the second is on hold, Invalid's threshold being 1) */
	int64_t m3 = 0;
	m.name = "Third";
	mr_store_mailing_create(st, &m, &m3, &err);
	mr_store_mailing_due(st, now, m2, &due_m, &due_j, &err);
	mr_store_queue_build(st, due_j, 0, &count, &err);
	mr_store_mailing_set_status(st, m3, MR_MAILING_CANCELED, 0, &err);
	stats_of(st, m3, &s);
	TAP_OK(s.canceled == 3 && s.queued == 0, "cancel makes the 3 queued rows canceled "
	       "(got %lld)", (long long)s.canceled);
	memset(&mr, 0, sizeof(mr));
	mr_store_mailing_list(st, mailing_collect, &mr, &err);
	TAP_INT(mr.n, 3, "mailing_list lists 3 mailings");
	TAP_INT(mr.status, MR_MAILING_CANCELED, "the last is canceled");

	/* a fourth: the rows a killed worker never offered to a server go
	 * back to the queue, the offered one stays in doubt */
	int64_t m4 = 0, back = -1;
	m.name = "Fourth";
	mr_store_mailing_create(st, &m, &m4, &err);
	mr_store_mailing_due(st, now, m3, &due_m, &due_j, &err);
	mr_store_queue_build(st, due_j, 0, &count, &err);
	struct rcpt_rows r6 = { 0 };
	mr_store_queue_claim(st, m4, "y1", now, now + 600, 3, rcpt_collect, &r6, &err);
	TAP_INT(r6.n, 3, "the fourth's 3 rows leased to y1");
	mr_store_queue_mark(st, "y1", 1, &err);
	TAP_INT(mr_store_queue_unstarted(st, "y1", r6.qid, 1, &back, &err), 0,
		"queue_unstarted: 1 of y1's 3 sending rows was started");
	TAP_INT(back, 2, "the 2 never started go back to the queue");
	stats_of(st, m4, &s);
	TAP_OK(s.queued == 2 && s.sending == 1, "stats: 2 queued, 1 sending");
	TAP_INT(mr_store_queue_unstarted(st, "y1", r6.qid, 1, &back, &err), 0,
		"queue_unstarted again");
	TAP_INT(back, 0, "changes nothing more");
	mr_store_queue_recover(st, "y1", now, 0, &rq, &dq, &err);
	TAP_INT(dq, 1, "only the started row is in doubt");
	memset(&r6, 0, sizeof(r6));
	mr_store_queue_claim(st, m4, "y2", now, now + 600, 10, rcpt_collect, &r6, &err);
	TAP_INT(r6.n, 2, "the 2 queued rows are claimed again");
	TAP_INT(r6.attempts[0], 1, "a row never started was not an attempt");
	/* sent rows recorded together (a store may batch them): server texts
	 * with quotes, backslashes, UTF-8 and a long one, an enhanced code or none */
	static char long_text[3000];
	memset(long_text, 'x', sizeof(long_text) - 1);
	mr_store_queue_mark(st, "y2", 1, &err);
	struct mr_queue_outcome o6[2] = {
		{ .queue_id = r6.qid[0], .result = MR_QUEUE_SENT, .when = now, .code = 250,
		  .enhanced = "2.0.0", .text = "Ok: \"queued\" as \\A1 \xe2\x80\x93 r\xc3\xa9" "sum\xc3\xa9 [{,]}" },
		{ .queue_id = r6.qid[1], .result = MR_QUEUE_SENT, .when = now, .code = 250,
		  .enhanced = "", .text = long_text },
	};
	int orc = mr_store_queue_outcome(st, o6, 2, &err);
	TAP_INT(orc, 0, "two sent outcomes with odd server texts (%s)", orc ? err.msg : "ok");
	stats_of(st, m4, &s);
	TAP_OK(s.sent == 2 && s.delivered == 2 && s.in_doubt == 1 && s.queued == 0,
	       "stats: 2 sent and delivered, 1 in doubt");
}

/* Counts what a claim hands over and remembers one id. */
struct claimed {
	int64_t n, wanted, found;
};

static int claimed_count(void *cookie, const struct mr_recipient *r)
{
	struct claimed *c = cookie;
	c->n++;
	c->found |= r->queue_id == c->wanted;
	return 0;
}

/* A row given back to the queue while later ones are claimed is still
 * claimed before the queue ends, maybe in one batch with the queue's last
 * row, 1,000 rows after it (a store may keep where its last claim ended,
 * or the span of a batch's ids: neither may lose the row or mark too
 * little). */
static void test_queue_given_back(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t now = (int64_t)time(NULL), id = 0, mid = 0, due_m = 0, due_j = 0, count = 0;
	enum { MANY = 1100 };
	int fails = mr_store_group_add(st, "many", NULL, NULL, &err) != 0;
	fails += mr_store_begin(st, &err) != 0;
	for (int i = 0; i < MANY; i++) {
		char email[64];
		snprintf(email, sizeof(email), "many%d@example.net", i);
		fails += mr_store_contact_upsert(st, &(struct mr_contact){ .email = email }, &id,
						 NULL, &err) != 0;
		fails += mr_store_group_member(st, "many", id, 1, &err) != 0;
	}
	fails += mr_store_commit(st, &err) != 0;
	TAP_INT(fails, 0, "%d contacts in the group many (%s)", MANY, fails ? err.msg : "ok");
	const char *inc[] = { "many" };
	struct mr_mailing m = {
		.name = "Many", .subject = "Hello", .from_email = "news@example.org",
		.body_text = "Hi", .status = MR_MAILING_SCHEDULED, .scheduled_at = now - 5,
		.include_groups = inc, .n_include = 1,
	};
	mr_store_mailing_create(st, &m, &mid, &err);
	mr_store_mailing_due(st, now, mid - 1, &due_m, &due_j, &err);
	TAP_INT(due_m, mid, "the mailing to many is due");
	mr_store_queue_build(st, due_j, 0, &count, &err);
	TAP_INT(count, MANY, "its queue holds %d rows", MANY);
	struct claimed c = { 0 };
	mr_store_queue_claim(st, mid, "z1", now, now + 600, 1, claimed_count, &c, &err);
	struct rcpt_rows first = { 0 };
	mr_store_queue_mark(st, "z1", 0, &err); /* given back */
	mr_store_queue_claim(st, mid, "z1", now, now + 600, 1, rcpt_collect, &first, &err);
	mr_store_queue_mark(st, "z1", 0, &err); /* again, its id now known */
	TAP_INT(first.n, 1, "one row claimed and given back, twice");
	c = (struct claimed){ .wanted = first.qid[0] };
	mr_store_queue_claim(st, mid, "z1", now, now + 600, MANY - 3, claimed_count, &c, &err);
	TAP_INT(c.n, MANY - 3, "then %d rows claimed", MANY - 3);
	int mrc = mr_store_queue_mark(st, "z1", 1, &err);
	TAP_INT(mrc, 0, "and marked sending (%s)", mrc ? err.msg : "ok");
	struct claimed last = { .wanted = first.qid[0] };
	mr_store_queue_claim(st, mid, "z1", now, now + 600, 10, claimed_count, &last, &err);
	TAP_INT(c.found + last.found, 1, "the given-back row is claimed once before the end");
	TAP_INT(last.n, MANY - c.n, "the last claim takes the %lld rows left",
		(long long)(MANY - c.n));
	mr_store_queue_mark(st, "z1", 1, &err);
	struct mr_mailing_stats s;
	stats_of(st, mid, &s);
	TAP_OK(s.sending == MANY && s.queued == 0,
	       "all %d rows are sending, none waiting or leased (%lld, %lld)", MANY,
	       (long long)s.sending, (long long)s.queued);
}
