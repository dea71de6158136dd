/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's double opt-in part (included by cases.c
 * after the contact management part, whose membership_collect it uses):
 * pending requests, their confirmation and expiry.  Semantics checked
 * here that store.h leaves implicit:
 * - a pending contact is no member: not listed as one, never queued;
 * - a request confirmed after its expiry is refused, even before the
 *   cleanup removed it;
 * - confirming twice is not an error (a second click of the same link).
 */

static void test_optin(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t now = (int64_t)time(NULL);
	int64_t pia = upsert(st, "pia@optin.example", "Pia", NULL);
	int64_t quinn = upsert(st, "quinn@optin.example", "Quinn", NULL);
	TAP_OK(pia > 0 && quinn > 0, "two contacts for the opt-in cases");
	TAP_INT(mr_store_group_add(st, "optin-news", "Opt-in News", NULL, &err), 0,
		"group optin-news");
	TAP_INT(mr_store_group_add(st, "optin-smart", NULL, NULL, &err), 0, "group optin-smart");
	TAP_INT(mr_store_group_set_where(st, "optin-smart", "first_name = 'Pia'", &err), 0,
		"optin-smart is a smart group");

	int64_t gid = 0;
	int member = -1;
	TAP_INT(mr_store_optin_pending_add(st, "optin-nosuch", pia, now + 100, &gid, &member,
					   &err), MR_ENOTFOUND, "an unknown group is MR_ENOTFOUND");
	TAP_INT(mr_store_optin_pending_add(st, "optin-smart", pia, now + 100, NULL, NULL, &err),
		MR_EINPUT, "nobody subscribes to a smart group");
	int rc = mr_store_optin_pending_add(st, "optin-news", pia, now + 100, &gid, &member, &err);
	TAP_INT(rc, 0, "optin_pending_add (%s)", rc ? err.msg : "ok");
	TAP_OK(gid > 0 && member == 0, "it gives the group's id, not yet a member");
	TAP_INT(mr_store_optin_pending_add(st, "optin-news", quinn, now + 100, NULL, NULL, &err),
		0, "quinn asks too");

	struct contact_rows rs = { 0 };
	mr_store_group_members(st, "optin-news", contact_collect, &rs, &err);
	TAP_INT(rs.n, 0, "pending contacts are no members");
	struct membership_rows ms = { 0 };
	TAP_INT(mr_store_optin_pending_list(st, pia, now, membership_collect, &ms, &err), 0,
		"optin_pending_list");
	TAP_OK(ms.n == 1 && !strcmp(ms.group[0], "optin-news") &&
	       !strcmp(ms.status[0], "Pending") && ms.added[0] > 0 && ms.removed[0] == now + 100,
	       "pia's request: Pending, with its time and expiry");
	memset(&ms, 0, sizeof(ms));
	mr_store_optin_pending_list(st, pia, now + 100, membership_collect, &ms, &err);
	TAP_INT(ms.n, 0, "an expired request is not listed");

	if (mr_store_has(st, MR_STORE_CAP_QUEUE)) {
		/* pia becomes a member so that the queue has someone */
		TAP_INT(mr_store_optin_confirm(st, gid, pia, now, NULL, &err), 0,
			"pia confirms before the mailing");
		const char *inc[] = { "optin-news" };
		struct mr_mailing m = { .name = "Confirmed only", .subject = "s",
					.from_email = "news@example.org", .body_text = "t",
					.include_groups = inc, .n_include = 1 };
		int64_t mid = 0, due_m = 0, due_j = 0, count = -1;
		mr_store_mailing_create(st, &m, &mid, &err);
		mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now - 5, &err);
		while (mr_store_mailing_due(st, now, due_m, &due_m, &due_j, &err) == 0 &&
		       due_m != mid)
			;
		TAP_INT(mr_store_queue_build(st, due_j, 0, &count, &err), 0, "queue_build");
		TAP_INT(count, 1, "the queue holds the confirmed pia, not the pending quinn");
		mr_store_mailing_set_status(st, mid, MR_MAILING_CANCELED, 0, &err);
	} else {
		TAP_INT(mr_store_optin_confirm(st, gid, pia, now, NULL, &err), 0, "pia confirms");
	}

	int already = -1;
	TAP_INT(mr_store_optin_confirm(st, gid, quinn, now + 100, &already, &err), MR_ENOTFOUND,
		"a request confirmed at its expiry is refused");
	memset(&rs, 0, sizeof(rs));
	mr_store_group_members(st, "optin-news", contact_collect, &rs, &err);
	TAP_OK(rs.n == 1 && rs.id[0] == pia, "the confirmed pia is the only member");
	memset(&ms, 0, sizeof(ms));
	mr_store_contact_groups(st, pia, membership_collect, &ms, &err);
	TAP_OK(ms.n == 1 && !strcmp(ms.status[0], "Added") && ms.added[0] == now,
	       "pia's membership: Added at the confirmation");
	memset(&ms, 0, sizeof(ms));
	mr_store_optin_pending_list(st, pia, now, membership_collect, &ms, &err);
	TAP_INT(ms.n, 0, "pia has no pending request left");
	TAP_INT(mr_store_optin_confirm(st, gid, pia, now, &already, &err), 0,
		"confirming again is no error");
	TAP_INT(already, 1, "... and says it was a member already");
	member = -1;
	TAP_INT(mr_store_optin_pending_add(st, "optin-news", pia, now + 100, NULL, &member, &err),
		0, "a member asking again");
	TAP_INT(member, 1, "... is told it is a member, nothing recorded");

	int64_t n = -1;
	TAP_INT(mr_store_optin_expire(st, now + 99, &n, &err), 0, "optin_expire before expiry");
	TAP_INT(n, 0, "... removes nothing");
	TAP_INT(mr_store_optin_expire(st, now + 100, &n, &err), 0, "optin_expire at expiry");
	TAP_INT(n, 1, "... removes quinn's request");
	TAP_INT(mr_store_optin_confirm(st, gid, quinn, now, NULL, &err), MR_ENOTFOUND,
		"an expired and removed request cannot be confirmed");

	TAP_INT(mr_store_optin_pending_add(st, "optin-news", quinn, now + 100, NULL, NULL, &err),
		0, "quinn asks again");
	mr_store_contact_delete(st, "quinn@optin.example", NULL, &err);
	TAP_INT(mr_store_optin_confirm(st, gid, quinn, now, NULL, &err), MR_ENOTFOUND,
		"a deleted contact cannot confirm");
	TAP_INT(mr_store_optin_confirm(st, gid, 0x7fffffff, now, NULL, &err), MR_ENOTFOUND,
		"an unknown contact cannot confirm");
}
