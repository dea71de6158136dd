/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's tracking part (included by cases.c, so that
 * it shares its TAP counters): what a mailing tracks, hits recorded in
 * batches, a mailing's opens and clicks by URL.
 * Semantics checked here that store.h leaves implicit:
 * - track_get of a mailing never set is MR_ENOTFOUND, not flags 0;
 * - a hit whose queue row is unknown, or belongs to another job, is skipped
 *   (counted out of *recorded_r), never an error that loses the batch;
 * - track_record inside begin()/rollback() leaves nothing;
 * - hits are read by the stride given, so a longer element still works;
 * - click rows come in the order of their link index;
 * - track_events counts a complaint as "complaint", not as "opt-out", and
 *   puts every event in the bucket its time falls in.
 */

struct trk_rows {
	int n;
	int64_t opens, opens_unique;
	char url[8][64];
	int64_t total[8], unique[8];
};

static int trk_collect(void *cookie, const struct mr_track_stat *s)
{
	struct trk_rows *t = cookie;
	if (s->kind == MR_TRACK_OPEN) {
		t->opens = s->total;
		t->opens_unique = s->unique;
	} else if (t->n < 8) {
		snprintf(t->url[t->n], sizeof(t->url[0]), "%s", s->url ? s->url : "(null)");
		t->total[t->n] = s->total;
		t->unique[t->n] = s->unique;
		t->n++;
	}
	return 0;
}

/* What track_events gave: "kind@start=total/unique" joined by spaces. */
struct trk_events {
	char text[1024];
};

static int trk_event_collect(void *cookie, const struct mr_track_event_count *e)
{
	struct trk_events *t = cookie;
	size_t l = strlen(t->text);
	snprintf(t->text + l, sizeof(t->text) - l, "%s%s@%lld=%lld/%lld", l ? " " : "", e->kind,
		 (long long)e->start, (long long)e->total, (long long)e->unique);
	return 0;
}

/* track_events of mailing mid, whose rows rr got the hits of test_tracking. */
static void test_track_events(struct mr_store *st, int64_t mid, const struct rcpt_rows *rr,
			      int64_t now)
{
	struct mr_error err = { 0 };
	int64_t hour = now - now % 3600;
	mr_store_verp_action(st, rr->qid[0], MR_ACTION_UNSUBSCRIBE, now, "web: test", NULL, &err);
	mr_store_verp_action(st, rr->qid[1], MR_ACTION_COMPLAINT, now, "abuse", NULL, &err);
	mr_store_verp_action(st, rr->qid[1], MR_ACTION_REPLY, now, NULL, NULL, &err);
	mr_store_verp_action(st, rr->qid[1], MR_ACTION_REPLY, now, NULL, NULL, &err);
	struct mr_track_hit later = { .size = sizeof(later), .kind = MR_TRACK_OPEN,
				      .queue_id = rr->qid[2], .job_id = rr->job[2], .link = -1,
				      .when = hour + 3600 + 5 };
	mr_store_track_record(st, &later, 1, sizeof(later), NULL, &err);
	struct trk_events t = { "" };
	int rc = mr_store_track_events(st, mid, 0, trk_event_collect, &t, &err);
	TAP_INT(rc, 0, "track_events over all time (%s)", rc ? err.msg : "ok");
	TAP_STR(t.text, "click@0=4/3 complaint@0=1/1 open@0=4/3 reply@0=2/1 unsubscribe@0=1/1",
		"track_events: every kind once, a complaint apart from opt-outs");
	char want[512];
	snprintf(want, sizeof(want), "click@%lld=4/3 complaint@%lld=1/1 open@%lld=3/2 "
		 "reply@%lld=2/1 unsubscribe@%lld=1/1 open@%lld=1/1", (long long)hour,
		 (long long)hour, (long long)hour, (long long)hour, (long long)hour,
		 (long long)hour + 3600);
	t.text[0] = '\0';
	rc = mr_store_track_events(st, mid, 3600, trk_event_collect, &t, &err);
	TAP_INT(rc, 0, "track_events by hour (%s)", rc ? err.msg : "ok");
	TAP_STR(t.text, want, "track_events: the later open in the next hour's bucket");
	t.text[0] = '\0';
	TAP_INT(mr_store_track_events(st, 987654321, 3600, trk_event_collect, &t, &err), 0,
		"track_events of an unknown mailing");
	TAP_STR(t.text, "", "gives no rows");
	TAP_INT(mr_store_track_events(st, mid, -1, trk_event_collect, &t, &err), MR_EINPUT,
		"track_events with a negative bucket is MR_EINPUT");
}

static void test_tracking(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t now = (int64_t)time(NULL), gid = 0;
	TAP_INT(mr_store_group_add(st, "tracked", NULL, &gid, &err), 0, "tracking: group_add");
	const char *emails[] = { "trk1@example.net", "trk2@example.net", "trk3@example.net" };
	for (int i = 0; i < 3; i++) {
		int created = 0;
		int64_t cid = upsert(st, emails[i], "T", &created);
		mr_store_group_member(st, "tracked", cid, 1, &err);
	}
	const char *inc[] = { "tracked" };
	struct mr_mailing m = {
		.name = "Tracked", .subject = "Hi", .from_email = "news@example.org",
		.body_html = "<a href=\"https://example.org/a\">a</a>", .status = MR_MAILING_DRAFT,
		.include_groups = inc, .n_include = 1,
	};
	int64_t mid = 0, due_m = 0, due_j = 0, count = 0, after = 0;
	TAP_INT(mr_store_mailing_create(st, &m, &mid, &err), 0, "tracking: a mailing");
	unsigned flags = 99;
	TAP_INT(mr_store_track_get(st, mid, &flags, &err), MR_ENOTFOUND,
		"track_get of a mailing never set is MR_ENOTFOUND");
	TAP_INT(mr_store_track_set(st, mid, MR_TRACK_OPENS | MR_TRACK_CLICKS, &err), 0, "track_set");
	TAP_INT(mr_store_track_get(st, mid, &flags, &err), 0, "track_get");
	TAP_INT((int)flags, (int)(MR_TRACK_OPENS | MR_TRACK_CLICKS), "track_get gives what was set");
	TAP_INT(mr_store_track_set(st, mid, MR_TRACK_CLICKS, &err), 0, "track_set again");
	mr_store_track_get(st, mid, &flags, &err);
	TAP_INT((int)flags, (int)MR_TRACK_CLICKS, "track_set replaces");
	TAP_INT(mr_store_track_set(st, mid, MR_TRACK_CLICKS, &err), 0,
		"track_set of the same flags again is fine");
	TAP_INT(mr_store_track_set(st, 987654321, MR_TRACK_OPENS, &err), MR_ENOTFOUND,
		"track_set of an unknown mailing is MR_ENOTFOUND");
	/* a queue of three */
	mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now - 5, &err);
	while (mr_store_mailing_due(st, now, after, &due_m, &due_j, &err) == 0 && due_m != mid)
		after = due_m;
	TAP_OK(due_m == mid && mr_store_queue_build(st, due_j, 0, &count, &err) == 0 && count == 3,
	       "tracking: the queue has 3 rows");
	struct rcpt_rows rr = { 0 };
	mr_store_queue_claim(st, mid, "trk", now, now + 600, MAX_ROWS, rcpt_collect, &rr, &err);
	if (!TAP_INT(rr.n, 3, "tracking: 3 rows claimed"))
		return;
	/* hits, read by a stride longer than the struct */
	struct wide { struct mr_track_hit h; char pad[24]; } hits[] = {
		{ { .kind = MR_TRACK_OPEN, .queue_id = rr.qid[0], .job_id = rr.job[0] }, "" },
		{ { .kind = MR_TRACK_OPEN, .queue_id = rr.qid[0], .job_id = rr.job[0] }, "" },
		{ { .kind = MR_TRACK_OPEN, .queue_id = rr.qid[1], .job_id = rr.job[1] }, "" },
		{ { .kind = MR_TRACK_CLICK, .queue_id = rr.qid[0], .job_id = rr.job[0], .link = 0,
		    .url = "https://example.org/a" }, "" },
		{ { .kind = MR_TRACK_CLICK, .queue_id = rr.qid[2], .job_id = rr.job[2], .link = 2,
		    .url = "https://example.org/c?x=1&y=2" }, "" },
		{ { .kind = MR_TRACK_CLICK, .queue_id = rr.qid[1], .job_id = rr.job[1], .link = 0,
		    .url = "https://example.org/a" }, "" },
		/* skipped: an unknown row, a row of another job */
		{ { .kind = MR_TRACK_OPEN, .queue_id = 987654321, .job_id = rr.job[0] }, "" },
		{ { .kind = MR_TRACK_OPEN, .queue_id = rr.qid[2], .job_id = rr.job[2] + 1000 }, "" },
	};
	size_t nh = sizeof(hits) / sizeof(hits[0]);
	for (size_t i = 0; i < nh; i++) {
		hits[i].h.size = sizeof(struct mr_track_hit);
		hits[i].h.when = now;
		if (hits[i].h.kind == MR_TRACK_OPEN)
			hits[i].h.link = -1;
	}
	int64_t rec = -1;
	TAP_INT(mr_store_track_record(st, &hits[0].h, 0, sizeof(hits[0]), &rec, &err), 0,
		"track_record of no hits");
	TAP_INT((int)rec, 0, "records nothing");
	/* inside a transaction that rolls back: nothing stays */
	TAP_INT(mr_store_begin(st, &err), 0, "begin");
	TAP_INT(mr_store_track_record(st, &hits[0].h, 3, sizeof(hits[0]), &rec, &err), 0,
		"track_record inside a transaction");
	mr_store_rollback(st);
	struct trk_rows t = { 0 };
	TAP_INT(mr_store_track_stats(st, mid, trk_collect, &t, &err), 0, "track_stats");
	TAP_INT((int)t.opens, 0, "a rolled back batch leaves no hit");
	rec = -1;
	int rc = mr_store_track_record(st, &hits[0].h, nh, sizeof(hits[0]), &rec, &err);
	TAP_INT(rc, 0, "track_record of a batch (%s)", rc ? err.msg : "ok");
	TAP_INT((int)rec, 6, "6 recorded, the unknown row and the other job's skipped");
	memset(&t, 0, sizeof(t));
	TAP_INT(mr_store_track_stats(st, mid, trk_collect, &t, &err), 0, "track_stats");
	TAP_INT((int)t.opens, 3, "opens: 3 hits");
	TAP_INT((int)t.opens_unique, 2, "opens: 2 recipients");
	TAP_INT(t.n, 2, "clicks: 2 URLs");
	TAP_STR(t.url[0], "https://example.org/a", "clicks: link 0 first");
	TAP_INT((int)t.total[0], 2, "clicks of link 0");
	TAP_INT((int)t.unique[0], 2, "clickers of link 0");
	TAP_STR(t.url[1], "https://example.org/c?x=1&y=2", "clicks: link 2 next, URL intact");
	TAP_INT((int)t.total[1], 1, "clicks of link 2");
	/* equal hits count twice */
	mr_store_track_record(st, &hits[3].h, 1, sizeof(hits[0]), &rec, &err);
	memset(&t, 0, sizeof(t));
	mr_store_track_stats(st, mid, trk_collect, &t, &err);
	TAP_OK(t.total[0] == 3 && t.unique[0] == 2, "a repeated click counts again, not as a new clicker");
	memset(&t, 0, sizeof(t));
	TAP_INT(mr_store_track_stats(st, 987654321, trk_collect, &t, &err), 0,
		"track_stats of an unknown mailing");
	TAP_OK(t.opens == 0 && t.n == 0, "is empty");

	/* smart groups on the hits (before test_track_events adds a later open): rows 0 and 1 opened, rows 0, 1 and 2 clicked */
	static const struct { const char *name, *where; int64_t want; } sg[] = {
		{ "trk-opened", "opened mailing %lld", 2 },
		{ "trk-clicked", "clicked mailing %lld", 3 },
		{ "trk-clicked-only", "clicked mailing %lld and not opened mailing %lld", 1 },
		{ "trk-none", "opened mailing 987654321 or clicked mailing 987654321", 0 },
	};
	for (size_t i = 0; i < sizeof(sg) / sizeof(sg[0]); i++) {
		char where[160];
		snprintf(where, sizeof(where), sg[i].where, (long long)mid, (long long)mid);
		int64_t n = -1;
		mr_store_group_add(st, sg[i].name, NULL, NULL, &err);
		int src = mr_store_group_set_where(st, sg[i].name, where, &err);
		TAP_INT(src, 0, "smart group %s (%s)", where, src ? err.msg : "ok");
		src = mr_store_group_refresh(st, sg[i].name, &n, &err);
		TAP_INT(src, 0, "... evaluates (%s)", src ? err.msg : "ok");
		TAP_INT(n, sg[i].want, "... to the recipients of those hits");
	}
	test_track_events(st, mid, &rr, now);
}
