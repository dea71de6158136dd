/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's bounce part (included by cases.c, so
 * that it shares its TAP counters): finding a bounce's recipient, bounce
 * events counted per email and type since the reset date, holds at the
 * threshold, VERP actions on groups and opt-out, hold releases, statistics, auto-replies
 * counted out per address and period.
 * Semantics checked here that plugin.h leaves implicit:
 * - an address matches whatever its case; a queue row must belong to the job;
 * - threshold 0 takes the store's bounce_types (CiviCRM's: Quota 3, Invalid 1);
 * - a hold by hand (on_hold = 2) is never changed by bounces;
 * - bounces before the reset date do not count;
 * - a queue outcome "bounced" (a refusal at send time, or a temporary
 *   failure past retry_for) counts towards the email's hold exactly like
 *   bounce_add: a 550 5.1.1 (Invalid, threshold 1) holds at once, a Quota
 *   refusal (threshold 3) at the third;
 * - a negative threshold (the rules' 0, for problems of the sender: our IP
 *   listed, HELO, TLS, policy) means never: the bounce is recorded and
 *   counted, at send time and by bounce_add, and never holds the email; a
 *   type first seen so is added with hold_threshold 0 (never).
 */

struct bstat_rows {
	int64_t mailing_id;
	int n;
	char type[8][32];
	int64_t bounces[8], emails[8];
};

static int bstat_collect(void *cookie, const struct mr_bounce_stat *r)
{
	struct bstat_rows *b = cookie;
	if (r->mailing_id != b->mailing_id || b->n >= 8)
		return 0;
	snprintf(b->type[b->n], sizeof(b->type[0]), "%s", r->type);
	b->bounces[b->n] = r->bounces;
	b->emails[b->n] = r->emails;
	b->n++;
	return 0;
}

static int64_t bstat_of(const struct bstat_rows *b, const char *type)
{
	for (int i = 0; i < b->n; i++)
		if (strcmp(b->type[i], type) == 0)
			return b->bounces[i];
	return 0;
}

static int member_count(struct mr_store *st, const char *group)
{
	struct contact_rows cr = { 0 };
	struct mr_error err = { 0 };
	mr_store_group_members(st, group, contact_collect, &cr, &err);
	return cr.n;
}

static int flag_of(struct mr_store *st, const char *email, int which)
{
	struct contact_rows cr = { 0 };
	struct mr_error err = { 0 };
	if (mr_store_contact_find(st, email, contact_collect, &cr, &err) != 0 || cr.n != 1)
		return -1;
	return which == 0 ? cr.on_hold[0] : cr.opt_out[0];
}

/* Whether a contact's event of action type says it came through the web
 * (verp_action's "web:" details): its details name the channel. */
struct web_event {
	const char *action;
	int web, seen;
};

static int web_event_cb(void *cookie, const struct mr_contact_event *ev)
{
	struct web_event *w = cookie;
	if (!ev->action || strcmp(ev->action, w->action) != 0)
		return 0;
	w->seen++;
	const char *d = ev->details ? ev->details : "";
	w->web |= strstr(d, "\"via\":\"web\"") != NULL || strstr(d, "\"via\": \"web\"") != NULL;
	return 0;
}

/* One send-time outcome per address of a run of a new mailing to group. */
static int64_t last_round; /* the mailing send_round made last */
struct send_case {
	const char *email;
	struct mr_queue_outcome o; /* queue_id and when are filled in */
};

/* Creates a mailing to group, builds its queue, claims and marks all of it
 * and records the outcome of each row whose address has a case (others are
 * sent); returns the number of rows queued. */
static int64_t send_round(struct mr_store *st, const char *group, int64_t now,
			  const struct send_case *cases, size_t n)
{
	struct mr_error err = { 0 };
	const char *inc[] = { group };
	struct mr_mailing m = {
		.name = "Send-time bounces", .subject = "Hi", .from_email = "news@example.org",
		.body_text = "Hi", .status = MR_MAILING_DRAFT, .include_groups = inc,
		.n_include = 1,
	};
	int64_t mid = 0, due_m = 0, due_j = 0, count = 0, after = 0;
	if (mr_store_mailing_create(st, &m, &mid, &err) != 0 ||
	    mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now - 5, &err) != 0)
		return -1;
	while (mr_store_mailing_due(st, now, after, &due_m, &due_j, &err) == 0 && due_m != mid)
		after = due_m;
	if (due_m != mid || mr_store_queue_build(st, due_j, 0, &count, &err) != 0)
		return -1;
	last_round = mid;
	struct rcpt_rows rr = { 0 };
	mr_store_queue_claim(st, mid, "sb", now, now + 600, MAX_ROWS, rcpt_collect, &rr, &err);
	mr_store_queue_mark(st, "sb", 1, &err);
	for (int i = 0; i < rr.n && i < MAX_ROWS; i++) {
		struct mr_queue_outcome o = { .result = MR_QUEUE_SENT, .code = 250 };
		for (size_t k = 0; k < n; k++)
			if (strcmp(rr.email[i], cases[k].email) == 0)
				o = cases[k].o;
		o.queue_id = rr.qid[i];
		o.when = o.when ? o.when : now;
		if (mr_store_queue_outcome(st, &o, 1, &err) != 0)
			printf("# queue_outcome %s: %s\n", rr.email[i], err.msg);
	}
	return count;
}

static void test_send_bounces(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t now = (int64_t)time(NULL);
	mr_store_group_add(st, "send-bounce-list", NULL, NULL, &err);
	static const char *const emails[] = { "s1@example.org", "s2@example.org",
					      "s3@example.org" };
	for (int i = 0; i < 3; i++) {
		struct mr_contact c = { .email = emails[i], .first_name = "S" };
		int64_t id = 0;
		mr_store_contact_upsert(st, &c, &id, NULL, &err);
		mr_store_group_member(st, "send-bounce-list", id, 1, &err);
	}
	const struct mr_queue_outcome invalid = {
		.result = MR_QUEUE_BOUNCED, .code = 550, .enhanced = "5.1.1",
		.text = "<s1@example.org>: user unknown", .bounce_type = "Invalid",
		.reason = "userunknown", .status = "5.1.1",
	};
	const struct mr_queue_outcome quota = {
		.result = MR_QUEUE_BOUNCED, .code = 552, .enhanced = "5.2.2",
		.text = "mailbox full", .bounce_type = "Quota", .reason = "mailboxfull",
	};
	struct send_case r1[] = { { "s1@example.org", invalid }, { "s2@example.org", quota } };
	TAP_INT(send_round(st, "send-bounce-list", now, r1, 2), 3, "send-time bounces: the first "
		"mailing queues s1, s2 and s3");
	TAP_INT(flag_of(st, "s1@example.org", 0), 1, "a 550 5.1.1 refusal (Invalid, threshold 1) "
		"puts the email on hold, as bounce_add does");
	TAP_INT(flag_of(st, "s2@example.org", 0), 0, "a first Quota refusal (threshold 3) does not");
	TAP_INT(flag_of(st, "s3@example.org", 0), 0, "a delivered email is not on hold");
	struct bstat_rows bs = { .mailing_id = last_round };
	struct mr_bounce_totals tot;
	mr_store_bounce_stats(st, bstat_collect, &bs, &tot, &err);
	TAP_OK(bstat_of(&bs, "Invalid") == 1 && bstat_of(&bs, "Quota") == 1,
	       "the refusals are bounce events of their types (Invalid %lld, Quota %lld)",
	       (long long)bstat_of(&bs, "Invalid"), (long long)bstat_of(&bs, "Quota"));

	struct send_case r2[] = { { "s2@example.org", quota } };
	TAP_INT(send_round(st, "send-bounce-list", now + 10, r2, 1), 2, "the second mailing "
		"leaves out s1, on hold");
	TAP_INT(flag_of(st, "s2@example.org", 0), 0, "a second Quota refusal: not on hold");
	/* the third: a temporary failure that ends as a bounce past retry_for */
	struct send_case r3[] = { { "s2@example.org", quota } };
	r3[0].o.result = MR_QUEUE_TEMPFAIL;
	r3[0].o.code = 452;
	r3[0].o.enhanced = "4.2.2";
	r3[0].o.retry_for = 0;
	r3[0].o.retry_base = 60;
	TAP_INT(send_round(st, "send-bounce-list", now + 20, r3, 1), 2, "the third mailing");
	TAP_INT(flag_of(st, "s2@example.org", 0), 1, "a third Quota bounce (a 4xx past "
		"retry_for) puts it on hold");
	/* the outcome's threshold (the rules') overrides the store's, as bounce_add's does */
	struct send_case r4[] = { { "s3@example.org", quota } };
	r4[0].o.threshold = 1;
	TAP_INT(send_round(st, "send-bounce-list", now + 30, r4, 1), 1, "the fourth mailing "
		"queues s3 only");
	TAP_INT(flag_of(st, "s3@example.org", 0), 1, "an outcome's threshold 1 holds at the "
		"first Quota bounce");
}

/* A problem of the sender (type "Sender", threshold -1: never) is recorded
 * but never holds, at send time or by bounce_add, however many. */
static void test_sender_never(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t now = (int64_t)time(NULL) + 1000;
	mr_store_group_add(st, "sender-never-list", NULL, NULL, &err);
	struct mr_contact c = { .email = "n1@example.org", .first_name = "N" };
	int64_t id = 0;
	mr_store_contact_upsert(st, &c, &id, NULL, &err);
	mr_store_group_member(st, "sender-never-list", id, 1, &err);
	const struct mr_queue_outcome blocked = {
		.result = MR_QUEUE_BOUNCED, .code = 554, .enhanced = "5.7.1",
		.text = "Service unavailable; Client host [192.0.2.1] blocked using "
			"zen.spamhaus.org", .bounce_type = "Sender", .reason = "blocked",
		.status = "5.7.1", .threshold = -1,
	};
	struct send_case r[] = { { "n1@example.org", blocked } };
	int64_t q = 0;
	for (int i = 0; i < 3; i++) {
		TAP_INT(send_round(st, "sender-never-list", now + 10 * i, r, 1), 1,
			"sender-side refusal %d at send time: the mailing queues n1", i + 1);
		TAP_INT(flag_of(st, "n1@example.org", 0), 0, "... a Sender refusal (threshold "
			"never) leaves n1 off hold");
	}
	struct bstat_rows bs = { .mailing_id = last_round };
	struct mr_bounce_totals tot;
	mr_store_bounce_stats(st, bstat_collect, &bs, &tot, &err);
	TAP_INT(bstat_of(&bs, "Sender"), 1, "the refusal is recorded as a Sender bounce");
	struct mr_bounce_target t;
	TAP_INT(mr_store_bounce_target(st, 0, 0, "n1@example.org", &t, &err), 0,
		"bounce_target of n1 (%s)", err.msg);
	q = t.queue_id;
	struct mr_bounce_event ev = { .queue_id = q, .when = now + 100, .type = "Sender",
				      .reason = "blocked", .status = "5.7.1",
				      .text = "Client host [192.0.2.1] blocked using zen.spamhaus.org",
				      .threshold = -1 };
	struct mr_bounce_added a;
	memset(&a, 0, sizeof(a));
	TAP_INT(mr_store_bounce_add(st, &ev, &a, &err), 0, "bounce_add of a Sender bounce (%s)",
		err.msg);
	TAP_OK(a.count_type == 4 && a.threshold == 0 && !a.held,
	       "a fourth Sender bounce is counted (%lld), threshold 0 (never), not held",
	       (long long)a.count_type);
	/* the store keeps the type as never: a later event without the rules'
	 * threshold (0: the store's) does not hold either */
	ev.threshold = 0;
	ev.when = now + 110;
	mr_store_bounce_add(st, &ev, &a, &err);
	TAP_OK(a.threshold == 0 && !a.held, "the Sender type was added to the store with "
	       "threshold 0 (never): the store's threshold does not hold either (%d)", a.threshold);
	TAP_INT(flag_of(st, "n1@example.org", 0), 0, "n1 is still not on hold");
}

static void test_bounces(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t now = (int64_t)time(NULL);
	static const char *const emails[] = { "b1@example.org", "b2@example.org", "b3@example.org",
					      "b4@example.org", "b5@example.org" };
	int64_t cid[5] = { 0 };
	TAP_INT(mr_store_group_add(st, "bounce-list", NULL, NULL, &err), 0, "group_add");
	for (int i = 0; i < 5; i++) {
		struct mr_contact c = { .email = emails[i], .first_name = "B" };
		mr_store_contact_upsert(st, &c, &cid[i], NULL, &err);
		mr_store_group_member(st, "bounce-list", cid[i], 1, &err);
	}
	const char *inc[] = { "bounce-list" };
	struct mr_mailing m = {
		.name = "Bounce test", .subject = "Hi", .from_email = "news@example.org",
		.reply_to = "replies@example.org", .body_text = "Hi", .status = MR_MAILING_DRAFT,
		.include_groups = inc, .n_include = 1,
	};
	int64_t mid = 0, due_m = 0, due_j = 0, count = 0;
	mr_store_mailing_create(st, &m, &mid, &err);
	mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now - 5, &err);
	int64_t after = 0;
	while (mr_store_mailing_due(st, now, after, &due_m, &due_j, &err) == 0 && due_m != mid)
		after = due_m;
	TAP_INT(due_m, mid, "the bounce test mailing is due");
	mr_store_queue_build(st, due_j, 0, &count, &err);
	TAP_INT(count, 5, "its queue holds 5 rows");
	struct rcpt_rows rr = { 0 };
	mr_store_queue_claim(st, mid, "bw", now, now + 600, 10, rcpt_collect, &rr, &err);
	mr_store_queue_mark(st, "bw", 1, &err);
	int64_t q[5] = { 0 }, job = 0;
	for (int i = 0; i < rr.n && i < MAX_ROWS; i++) {
		struct mr_queue_outcome o = { .queue_id = rr.qid[i], .result = MR_QUEUE_SENT,
					      .when = now, .code = 250 };
		mr_store_queue_outcome(st, &o, 1, &err);
		for (int k = 0; k < 5; k++)
			if (strcmp(rr.email[i], emails[k]) == 0)
				q[k] = rr.qid[i];
		job = rr.job[i];
	}
	TAP_OK(q[0] && q[1] && q[2] && q[3] && q[4], "every row was sent");

	/* bounce_target */
	struct mr_bounce_target t;
	TAP_INT(mr_store_bounce_target(st, job, q[0], NULL, &t, &err), 0, "bounce_target by "
		"queue row (%s)", err.msg);
	TAP_STR(t.email, "b1@example.org", "... gives the row's email");
	TAP_INT(t.mailing_id, mid, "... its mailing");
	TAP_INT(t.contact_id, cid[0], "... its contact");
	TAP_OK(t.email_id > 0, "... its email id");
	TAP_STR(t.reply_to, "replies@example.org", "... the mailing's reply-to");
	TAP_INT(mr_store_bounce_target(st, job + 1000, q[0], NULL, &t, &err), MR_ENOTFOUND,
		"a queue row of another job is MR_ENOTFOUND");
	TAP_INT(mr_store_bounce_target(st, job, q[0], "b2@example.org", &t, &err), MR_ENOTFOUND,
		"a queue row sent to another address is MR_ENOTFOUND");
	TAP_INT(mr_store_bounce_target(st, job, q[0], "B1@EXAMPLE.ORG", &t, &err), 0,
		"the row's address in capitals matches");
	TAP_INT(mr_store_bounce_target(st, 0, 0, "B2@Example.Org", &t, &err), 0,
		"bounce_target by address");
	TAP_INT(t.queue_id, q[1], "... finds the address's newest queue row");
	TAP_INT(mr_store_bounce_target(st, 0, 0, "nobody@example.org", &t, &err), MR_ENOTFOUND,
		"an unknown address is MR_ENOTFOUND");

	/* bounce_add: Quota (store threshold 3) three times on b1 */
	struct mr_bounce_added a;
	struct mr_bounce_event ev = { .queue_id = q[0], .when = now + 10, .type = "Quota",
				      .reason = "mailboxfull", .status = "5.2.2",
				      .text = "mailbox full", .recipient = "b1@example.org" };
	TAP_INT(mr_store_bounce_add(st, &ev, &a, &err), 0, "bounce_add (%s)", err.msg);
	TAP_OK(a.count == 1 && a.count_type == 1 && a.threshold == 3 && !a.held,
	       "first Quota bounce: 1 of 3, not held (got %lld/%lld of %d, held %d)",
	       (long long)a.count, (long long)a.count_type, a.threshold, a.held);
	ev.when = now + 20;
	mr_store_bounce_add(st, &ev, &a, &err);
	TAP_OK(a.count_type == 2 && !a.held, "second: 2 of 3, not held");
	TAP_INT(flag_of(st, "b1@example.org", 0), 0, "b1 is not on hold after two");
	ev.when = now + 30;
	mr_store_bounce_add(st, &ev, &a, &err);
	TAP_OK(a.count_type == 3 && a.held == 1, "third: 3 of 3, held");
	TAP_INT(flag_of(st, "b1@example.org", 0), 1, "b1 is on hold (on_hold = 1)");
	ev.when = now + 40;
	mr_store_bounce_add(st, &ev, &a, &err);
	TAP_OK(a.count_type == 4 && !a.held && a.was_on_hold, "a fourth does not hold it again");
	/* Invalid (threshold 1) on b2 with a caller's threshold of 2 */
	struct mr_bounce_event ev2 = { .queue_id = q[1], .when = now + 10, .type = "Invalid",
				       .reason = "userunknown", .status = "5.1.1",
				       .threshold = 2 };
	mr_store_bounce_add(st, &ev2, &a, &err);
	TAP_OK(a.threshold == 2 && !a.held, "a caller's threshold overrides the store's");
	ev2.threshold = 0;
	ev2.when = now + 20;
	mr_store_bounce_add(st, &ev2, &a, &err);
	TAP_OK(a.count_type == 2 && a.count == 2 && a.threshold == 1 && a.held,
	       "Invalid with the store's threshold 1 holds");
	/* a type the store does not know is added */
	struct mr_bounce_event ev3 = { .queue_id = q[2], .when = now + 10, .type = "Weird",
				       .threshold = 2, .low_confidence = 1 };
	TAP_INT(mr_store_bounce_add(st, &ev3, &a, &err), 0, "an unknown type is added");
	TAP_OK(a.threshold == 2 && !a.held, "... with the caller's threshold");
	/* a low-confidence bounce (matched by address, which anyone can write)
	 * is counted but never holds, nor counts towards a later hold */
	struct mr_bounce_event ev5 = { .queue_id = q[2], .when = now + 20, .type = "Invalid",
				       .reason = "userunknown", .status = "5.1.1",
				       .low_confidence = 1 };
	TAP_INT(mr_store_bounce_add(st, &ev5, &a, &err), 0, "a low-confidence Invalid is added");
	TAP_OK(!a.held, "... and holds nobody, though Invalid holds at 1");
	TAP_INT(flag_of(st, "b3@example.org", 0), 0, "... b3 is not on hold");
	ev3.low_confidence = 0;
	ev3.when = now + 30;
	mr_store_bounce_add(st, &ev3, &a, &err);
	TAP_OK(a.count_type == 1 && !a.held,
	       "a signed Weird after a low-confidence one counts 1 of 2: not held (%lld)",
	       (long long)a.count_type);
	/* a hold by hand stays */
	mr_store_contact_set_flag(st, "b4@example.org", MR_CONTACT_ON_HOLD, 2, &err);
	struct mr_bounce_event ev4 = { .queue_id = q[3], .when = now + 10, .type = "Invalid" };
	mr_store_bounce_add(st, &ev4, &a, &err);
	TAP_INT(flag_of(st, "b4@example.org", 0), 2, "a hold by hand is left as it is");
	ev4.queue_id = q[4] + 100000;
	TAP_INT(mr_store_bounce_add(st, &ev4, &a, &err), MR_ENOTFOUND,
		"bounce_add of an unknown row is MR_ENOTFOUND");

	/* VERP actions */
	int64_t changed = 0;
	int before = member_count(st, "bounce-list");
	TAP_INT(mr_store_verp_action(st, q[4], MR_ACTION_UNSUBSCRIBE, now + 50, "test",
				 &changed, &err), 0, "verp_action unsubscribe");
	TAP_INT(changed, 1, "... changes one membership");
	TAP_INT(member_count(st, "bounce-list"), before - 1, "... the contact left the group");
	mr_store_verp_action(st, q[4], MR_ACTION_UNSUBSCRIBE, now + 51, NULL, &changed, &err);
	TAP_INT(changed, 0, "unsubscribing twice changes nothing");
	mr_store_verp_action(st, q[4], MR_ACTION_OPTOUT, now + 52, NULL, &changed, &err);
	TAP_INT(flag_of(st, "b5@example.org", 1), 1, "opt-out sets is_opt_out");
	mr_store_verp_action(st, q[4], MR_ACTION_RESUBSCRIBE, now + 53, NULL, &changed, &err);
	TAP_INT(changed, 2, "resubscribe: back in the group and opt-out cleared");
	TAP_INT(member_count(st, "bounce-list"), before, "... the contact is a member again");
	TAP_INT(flag_of(st, "b5@example.org", 1), 0, "... and no longer opted out");
	mr_store_verp_action(st, q[2], MR_ACTION_COMPLAINT, now + 54, "abuse", &changed, &err);
	TAP_INT(flag_of(st, "b3@example.org", 1), 1, "a complaint opts out");
	TAP_INT(mr_store_verp_action(st, q[2], MR_ACTION_REPLY, now + 55, NULL, NULL, &err), 0,
		"a reply is recorded");
	TAP_INT(mr_store_verp_action(st, q[4] + 100000, MR_ACTION_REPLY, now, NULL, NULL, &err),
		MR_ENOTFOUND, "verp_action of an unknown row is MR_ENOTFOUND");
	TAP_INT(mr_store_verp_action(st, q[1], MR_ACTION_REPLY, now + 60, "web: 192.0.2.7", NULL,
				 &err), 0, "a reply taken through the web");
	struct web_event we = { .action = "reply" };
	TAP_INT(mr_store_contact_events(st, cid[1], 0, web_event_cb, &we, &err), 0,
		"... the contact's events");
	TAP_OK(we.seen == 1 && we.web, "... record its channel as web (details \"web: ...\")");

	/* bounce_stats */
	struct bstat_rows bs = { .mailing_id = mid };
	struct mr_bounce_totals tot;
	TAP_INT(mr_store_bounce_stats(st, bstat_collect, &bs, &tot, &err), 0, "bounce_stats");
	TAP_OK(bstat_of(&bs, "Quota") == 4 && bstat_of(&bs, "Invalid") == 4 &&
	       bstat_of(&bs, "Weird") == 2, "bounces by type of the mailing: Quota 4, Invalid 4, "
	       "Weird 2 (low-confidence ones counted)");
	TAP_OK(tot.on_hold >= 2 && tot.on_hold_manual >= 1 && tot.low_confidence >= 1,
	       "totals count holds, holds by hand and low-confidence bounces");

	/* holds_reset: b2 delivered after its bounces; b1 not */
	int64_t released = -1;
	struct mr_queue_outcome o = { .queue_id = q[1], .result = MR_QUEUE_SENT, .when = now + 100,
				      .code = 250 };
	mr_store_queue_outcome(st, &o, 1, &err);
	TAP_INT(mr_store_holds_reset(st, now + 100 + 5 * 86400, 30 * 86400, &released, &err), 0,
		"holds_reset");
	TAP_INT(released, 0, "nothing is released within clean_for of the last bounce");
	TAP_INT(mr_store_holds_reset(st, now + 31 * 86400, 30 * 86400, &released, &err), 0,
		"holds_reset 31 days later");
	TAP_INT(released, 1, "... releases the one delivered to since");
	TAP_INT(flag_of(st, "b2@example.org", 0), 0, "b2 is no longer on hold");
	TAP_INT(flag_of(st, "b1@example.org", 0), 1, "b1 (no delivery since) stays on hold");
	ev2.when = now + 31 * 86400 + 10;
	ev2.threshold = 3;
	mr_store_bounce_add(st, &ev2, &a, &err);
	TAP_OK(a.count == 1 && a.count_type == 1 && !a.held,
	       "bounces before the reset date no longer count (%lld)", (long long)a.count);
	test_send_bounces(st);
	test_sender_never(st);
}

/* auto_reply_due: one auto-reply per address (whatever its case) and period. */
static void test_auto_reply_due(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int due = -1;
	int64_t t = 1800000000;
	TAP_INT(mr_store_auto_reply_due(st, "Replier@Example.NET", t, 3600, &due, &err), 0,
		"auto_reply_due of a new address");
	TAP_INT(due, 1, "a new address is due");
	mr_store_auto_reply_due(st, "replier@example.net", t + 10, 3600, &due, &err);
	TAP_INT(due, 0, "the same address (another case) within the period is not");
	mr_store_auto_reply_due(st, "other@example.net", t + 10, 3600, &due, &err);
	TAP_INT(due, 1, "another address is");
	mr_store_auto_reply_due(st, "replier@example.net", t + 3599, 3600, &due, &err);
	TAP_INT(due, 0, "a second before the period ends: not yet");
	mr_store_auto_reply_due(st, "REPLIER@example.net", t + 3600, 3600, &due, &err);
	TAP_INT(due, 1, "once the period has passed: due again");
	mr_store_auto_reply_due(st, "replier@example.net", t + 3601, 3600, &due, &err);
	TAP_INT(due, 0, "and the period starts again from then");
	mr_store_auto_reply_due(st, "replier@example.net", t + 3602, 0, &due, &err);
	TAP_INT(due, 1, "period 0: always due");
	TAP_INT(mr_store_auto_reply_due(st, "", t, 3600, &due, &err), MR_EINPUT,
		"an empty address is MR_EINPUT");
	TAP_INT(mr_store_auto_reply_due(st, "x@example.net", t, -1, &due, &err), MR_EINPUT,
		"a negative period is MR_EINPUT");
}
