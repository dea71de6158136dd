/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's contact management part (included by
 * cases.c after every other part, since it deletes contacts and groups):
 * soft delete, a contact's groups, emails and events, deleting and
 * renaming groups.  Semantics checked here that store.h leaves implicit:
 * - a deleted contact is found, listed, grouped and queued no more, and
 *   a new contact may take its email;
 * - a contact's events are its changes and mailing events, newest first;
 * - removing a member keeps the membership as Removed with its date.
 */

struct membership_rows {
	int n;
	char group[MAX_ROWS][32], status[MAX_ROWS][16];
	int64_t added[MAX_ROWS], removed[MAX_ROWS];
};

static int membership_collect(void *cookie, const struct mr_membership *m)
{
	struct membership_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		snprintf(rs->group[rs->n], sizeof(rs->group[0]), "%s", m->group);
		snprintf(rs->status[rs->n], sizeof(rs->status[0]), "%s", m->status);
		rs->added[rs->n] = m->added;
		rs->removed[rs->n] = m->removed;
	}
	rs->n++;
	return 0;
}

struct event_rows {
	int n;
	char who[MAX_ROWS][32], action[MAX_ROWS][32], details[MAX_ROWS][64];
	int64_t time[MAX_ROWS];
};

static int event_collect(void *cookie, const struct mr_contact_event *ev)
{
	struct event_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		snprintf(rs->who[rs->n], sizeof(rs->who[0]), "%s", ev->who);
		snprintf(rs->action[rs->n], sizeof(rs->action[0]), "%s", ev->action);
		snprintf(rs->details[rs->n], sizeof(rs->details[0]), "%s", ev->details);
		rs->time[rs->n] = ev->time;
	}
	rs->n++;
	return 0;
}

struct email_rows {
	int n;
	char email[MAX_ROWS][64];
	int primary[MAX_ROWS], on_hold[MAX_ROWS];
	int64_t hold_date[MAX_ROWS];
};

static int email_collect(void *cookie, const struct mr_contact_email *e)
{
	struct email_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		snprintf(rs->email[rs->n], sizeof(rs->email[0]), "%s", e->email);
		rs->primary[rs->n] = e->is_primary;
		rs->on_hold[rs->n] = e->on_hold;
		rs->hold_date[rs->n] = e->hold_date;
	}
	rs->n++;
	return 0;
}

static void test_contact_admin(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t kim = upsert(st, "kim@admin.example", "Kim", NULL);
	int64_t lou = upsert(st, "lou@admin.example", "Lou", NULL);
	TAP_OK(kim > 0 && lou > 0, "two contacts for the management cases");
	TAP_INT(mr_store_group_add(st, "admin-a", NULL, NULL, &err), 0, "group admin-a");
	TAP_INT(mr_store_group_add(st, "admin-b", "Board B", NULL, &err), 0, "group admin-b");
	mr_store_group_member(st, "admin-a", kim, 1, &err);
	mr_store_group_member(st, "admin-a", lou, 1, &err);
	mr_store_group_member(st, "admin-b", kim, 1, &err);
	TAP_INT(mr_store_group_member(st, "admin-b", kim, 0, &err), 0, "kim leaves admin-b");

	struct membership_rows ms = { 0 };
	TAP_INT(mr_store_contact_groups(st, kim, membership_collect, &ms, &err), 0,
		"contact_groups");
	TAP_INT(ms.n, 2, "kim has been in 2 groups");
	TAP_OK(!strcmp(ms.group[0], "admin-a") && !strcmp(ms.status[0], "Added") &&
	       ms.added[0] > 0 && ms.removed[0] == 0, "admin-a: Added, with its date");
	TAP_OK(!strcmp(ms.group[1], "admin-b") && !strcmp(ms.status[1], "Removed") &&
	       ms.removed[1] > 0, "admin-b: Removed, with its date");

	mr_store_contact_set_flag(st, "kim@admin.example", MR_CONTACT_ON_HOLD, 2, &err);
	struct email_rows es = { 0 };
	TAP_INT(mr_store_contact_emails(st, kim, email_collect, &es, &err), 0, "contact_emails");
	TAP_OK(es.n == 1 && es.primary[0] && es.on_hold[0] == 2 && es.hold_date[0] > 0 &&
	       !strcmp(es.email[0], "kim@admin.example"), "kim's email: primary, held by hand, "
	       "with the hold date");

	struct mr_contact_event ev = { .contact_id = kim, .time = 1000, .who = "ann",
				       .action = "added" };
	TAP_INT(mr_store_contact_event_add(st, &ev, &err), 0, "contact_event_add");
	ev.time = 2000;
	ev.action = "edited";
	ev.details = "first_name=Kim";
	TAP_INT(mr_store_contact_event_add(st, &ev, &err), 0, "a second event");
	ev.who = "";
	TAP_INT(mr_store_contact_event_add(st, &ev, &err), MR_EINPUT,
		"an event without who is refused");
	struct event_rows evs = { 0 };
	int rc = mr_store_contact_events(st, kim, 0, event_collect, &evs, &err);
	TAP_INT(rc, 0, "contact_events (%s)", rc ? err.msg : "ok");
	TAP_INT(evs.n, 2, "two events");
	TAP_OK(!strcmp(evs.action[0], "edited") && !strcmp(evs.who[0], "ann") &&
	       evs.time[0] == 2000 && !strcmp(evs.details[0], "first_name=Kim") &&
	       !strcmp(evs.action[1], "added") && !strcmp(evs.details[1], ""),
	       "newest first, with who, details and \"\" for none");
	memset(&evs, 0, sizeof(evs));
	mr_store_contact_events(st, kim, 1, event_collect, &evs, &err);
	TAP_INT(evs.n, 1, "contact_events with a limit");

	int64_t del = 0;
	TAP_INT(mr_store_contact_delete(st, "LOU@admin.example", &del, &err), 0,
		"contact_delete ignores case");
	TAP_INT(del, lou, "... and gives the id");
	struct contact_rows rs = { 0 };
	TAP_INT(mr_store_contact_find(st, "lou@admin.example", contact_collect, &rs, &err),
		MR_ENOTFOUND, "a deleted contact is not found");
	TAP_INT(mr_store_contact_delete(st, "lou@admin.example", NULL, &err), MR_ENOTFOUND,
		"deleting it again is MR_ENOTFOUND");
	memset(&rs, 0, sizeof(rs));
	mr_store_group_members(st, "admin-a", contact_collect, &rs, &err);
	TAP_OK(rs.n == 1 && rs.id[0] == kim, "a deleted contact is no group member");
	memset(&rs, 0, sizeof(rs));
	mr_store_contact_list(st, lou - 1, 0, contact_collect, &rs, &err);
	TAP_OK(rs.n >= 0 && (rs.n == 0 || rs.id[0] != lou), "a deleted contact is not listed");
	int created = 0;
	int64_t lou2 = upsert(st, "lou@admin.example", "Lou", &created);
	TAP_OK(created == 1 && lou2 != lou, "a new contact may take a deleted one's email");

	if (mr_store_has(st, MR_STORE_CAP_QUEUE)) {
		const char *inc[] = { "admin-a" };
		struct mr_mailing m = { .name = "Deleted never mailed", .subject = "s",
					.from_email = "news@example.org", .body_text = "t",
					.include_groups = inc, .n_include = 1 };
		int64_t mid = 0, due_m = 0, due_j = 0, count = -1;
		int64_t now = (int64_t)time(NULL);
		mr_store_contact_set_flag(st, "kim@admin.example", MR_CONTACT_ON_HOLD, 0, &err);
		mr_store_mailing_create(st, &m, &mid, &err);
		mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now - 5, &err);
		TAP_INT(mr_store_group_delete(st, "admin-a", &err), MR_EINPUT,
			"group_delete refuses a group a scheduled mailing uses");
		while (mr_store_mailing_due(st, now, due_m, &due_m, &due_j, &err) == 0 &&
		       due_m != mid)
			;
		TAP_INT(due_m, mid, "the mailing is due");
		TAP_INT(mr_store_queue_build(st, due_j, 0, &count, &err), 0, "queue_build");
		TAP_INT(count, 1, "the queue holds kim only, not the deleted lou");
		mr_store_mailing_set_status(st, mid, MR_MAILING_CANCELED, 0, &err);
	}

	TAP_INT(mr_store_group_rename(st, "admin-b", "admin-c", &err), 0, "group_rename");
	TAP_INT(mr_store_group_rename(st, "admin-c", "admin-a", &err), MR_EINPUT,
		"renaming onto a taken name is refused");
	TAP_INT(mr_store_group_rename(st, "nosuch", "x", &err), MR_ENOTFOUND,
		"renaming an unknown group is MR_ENOTFOUND");
	TAP_INT(mr_store_group_rename(st, "admin-c", "", &err), MR_EINPUT,
		"an empty new name is refused");
	struct group_rows gs = { 0 };
	mr_store_group_list(st, group_collect, &gs, &err);
	int seen_c = 0, seen_b = 0;
	for (int i = 0; i < gs.n && i < MAX_ROWS; i++) {
		seen_c += !strcmp(gs.name[i], "admin-c");
		seen_b += !strcmp(gs.name[i], "admin-b");
	}
	TAP_OK(seen_c == 1 && seen_b == 0, "the group is listed under its new name");
	TAP_INT(mr_store_group_delete(st, "admin-c", &err), 0, "group_delete");
	TAP_INT(mr_store_group_delete(st, "admin-c", &err), MR_ENOTFOUND,
		"deleting it again is MR_ENOTFOUND");
	memset(&ms, 0, sizeof(ms));
	mr_store_contact_groups(st, kim, membership_collect, &ms, &err);
	TAP_OK(ms.n == 1 && !strcmp(ms.group[0], "admin-a"), "its memberships went with it");
}

struct field_rows {
	int n;
	char name[MAX_ROWS][32], type[MAX_ROWS][16], choices[MAX_ROWS][32];
	int builtin[MAX_ROWS];
};

static int field_collect(void *cookie, const struct mr_field *f)
{
	struct field_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		snprintf(rs->name[rs->n], sizeof(rs->name[0]), "%s", f->name);
		snprintf(rs->type[rs->n], sizeof(rs->type[0]), "%s", f->type);
		snprintf(rs->choices[rs->n], sizeof(rs->choices[0]), "%s", f->choices);
		rs->builtin[rs->n] = f->builtin;
	}
	rs->n++;
	return 0;
}

struct value_rows {
	int n;
	char text[256];
};

static int value_collect(void *cookie, const struct mr_field_value *v)
{
	struct value_rows *rs = cookie;
	size_t len = strlen(rs->text);
	snprintf(rs->text + len, sizeof(rs->text) - len, "%s%s=%s", len ? " " : "", v->name,
		 v->value);
	rs->n++;
	return 0;
}

static int claimed_fields(void *cookie, const struct mr_recipient *r)
{
	snprintf(cookie, 64, "%s", r->fields ? r->fields : "(null)");
	return 0;
}

/* A claimed recipient carries its contact's custom fields. */
static void test_fields_claimed(struct mr_store *st, int64_t id)
{
	struct mr_error err = { 0 };
	const char *inc[] = { "fields-g" };
	struct mr_mailing m = { .name = "Fields", .subject = "s", .from_email = "news@example.org",
				.body_text = "{contact.age}", .include_groups = inc, .n_include = 1 };
	int64_t mid = 0, due_m = 0, due_j = 0, count = 0, now = (int64_t)time(NULL);
	mr_store_group_add(st, "fields-g", NULL, NULL, &err);
	mr_store_group_member(st, "fields-g", id, 1, &err);
	mr_store_contact_field_set(st, id, "preferred_language", "fr", &err);
	mr_store_mailing_create(st, &m, &mid, &err);
	mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now - 5, &err);
	while (mr_store_mailing_due(st, now, due_m, &due_m, &due_j, &err) == 0 && due_m != mid)
		;
	mr_store_queue_build(st, due_j, 0, &count, &err);
	char got[64] = "";
	int rc = mr_store_queue_claim(st, mid, "wf", now, now + 600, 10, claimed_fields, got, &err);
	TAP_INT(rc, 0, "queue_claim of a contact with custom fields (%s)", rc ? err.msg : "ok");
	TAP_OK(!strcmp(got, "age\x1f" "42\x1e" "preferred_language\x1f" "fr") ||
	       !strcmp(got, "preferred_language\x1f" "fr\x1e" "age\x1f" "42"),
	       "a claimed recipient carries its fields as NAME US VALUE RS ... (in any order)");
	mr_store_mailing_set_status(st, mid, MR_MAILING_CANCELED, 0, &err);
}

/* Custom fields: preferred_language is built in; values are text per
 * contact, set, replaced and cleared; deleting a field deletes its values. */
static void test_fields(struct mr_store *st)
{
	struct mr_error err = { 0 };
	struct field_rows fs = { 0 };
	TAP_INT(mr_store_field_list(st, field_collect, &fs, &err), 0, "field_list");
	TAP_OK(fs.n == 1 && !strcmp(fs.name[0], "preferred_language") &&
	       !strcmp(fs.type[0], "text") && fs.builtin[0] == 1,
	       "a new store has the built-in preferred_language (text)");
	struct mr_field f = { .name = "size", .type = "choice", .choices = "S,M,L" };
	TAP_INT(mr_store_field_add(st, &f, &err), 0, "field_add choice");
	struct mr_field age = { .name = "age", .type = "int" };
	TAP_INT(mr_store_field_add(st, &age, &err), 0, "field_add int");
	TAP_INT(mr_store_field_add(st, &age, &err), MR_EINPUT, "a taken name is refused");
	struct mr_field bad = { .name = "colour", .type = "colour" };
	TAP_INT(mr_store_field_add(st, &bad, &err), MR_EINPUT, "an unknown type is refused");
	memset(&fs, 0, sizeof(fs));
	mr_store_field_list(st, field_collect, &fs, &err);
	TAP_OK(fs.n == 3 && !strcmp(fs.name[0], "age") && !strcmp(fs.name[2], "size") &&
	       !strcmp(fs.choices[2], "S,M,L") && !strcmp(fs.choices[0], ""),
	       "fields by name, with their choices (\"\" for none)");

	int64_t id = upsert(st, "field@admin.example", "Fie", NULL);
	TAP_INT(mr_store_contact_field_set(st, id, "age", "41", &err), 0, "contact_field_set");
	TAP_INT(mr_store_contact_field_set(st, id, "size", "M", &err), 0, "a second value");
	TAP_INT(mr_store_contact_field_set(st, id, "preferred_language", "de_DE", &err), 0,
		"the built-in field takes values");
	TAP_INT(mr_store_contact_field_set(st, id, "age", "42", &err), 0, "a value replaced");
	TAP_INT(mr_store_contact_field_set(st, id, "nosuch", "1", &err), MR_ENOTFOUND,
		"an unknown field is MR_ENOTFOUND");
	struct value_rows vs = { 0 };
	TAP_INT(mr_store_contact_fields(st, id, value_collect, &vs, &err), 0, "contact_fields");
	TAP_STR(vs.text, "age=42 preferred_language=de_DE size=M", "the values by field name");
	mr_store_contact_field_set(st, id, "preferred_language", NULL, &err);
	TAP_INT(mr_store_field_delete(st, "size", &err), 0, "field_delete");
	TAP_INT(mr_store_field_delete(st, "size", &err), MR_ENOTFOUND,
		"deleting it again is MR_ENOTFOUND");
	TAP_INT(mr_store_field_delete(st, "preferred_language", &err), MR_EINPUT,
		"the built-in field cannot be deleted");
	memset(&vs, 0, sizeof(vs));
	mr_store_contact_fields(st, id, value_collect, &vs, &err);
	TAP_STR(vs.text, "age=42", "a cleared value and a deleted field's value are gone");
	if (mr_store_has(st, MR_STORE_CAP_QUEUE))
		test_fields_claimed(st, id);
}

/* Smart groups: the expression is checked when set, evaluated by
 * group_refresh into ordinary memberships (so group_members and the
 * queue see them); a static group is left alone. */
static void test_smart_groups(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t a = upsert(st, "smart-a@admin.example", "Smarty", NULL);
	int64_t b = upsert(st, "smart-b@admin.example", "Smarty", NULL);
	upsert(st, "smart-c@admin.example", "Other", NULL);
	mr_store_contact_field_set(st, a, "age", "30", &err);
	mr_store_contact_field_set(st, b, "age", "70", &err);
	TAP_INT(mr_store_group_add(st, "smart", NULL, NULL, &err), 0, "a group for a smart one");
	int rc = mr_store_group_set_where(st, "smart", "first_name = 'Smarty' and not (age > 60)",
					  &err);
	TAP_INT(rc, 0, "group_set_where (%s)", rc ? err.msg : "ok");
	TAP_INT(mr_store_group_set_where(st, "smart", "age >", &err), MR_EINPUT,
		"a bad expression is MR_EINPUT");
	TAP_OK(strstr(err.msg, "column 6") != NULL, "... naming its column (%s)", err.msg);
	TAP_INT(mr_store_group_set_where(st, "nosuch", "age > 1", &err), MR_ENOTFOUND,
		"an unknown group is MR_ENOTFOUND");
	int64_t count = -5;
	rc = mr_store_group_refresh(st, "smart", &count, &err);
	TAP_INT(rc, 0, "group_refresh (%s)", rc ? err.msg : "ok");
	TAP_INT(count, 1, "one contact matches");
	struct contact_rows rs = { 0 };
	mr_store_group_members(st, "smart", contact_collect, &rs, &err);
	TAP_OK(rs.n == 1 && rs.id[0] == a, "group_members lists the match");
	mr_store_contact_field_set(st, b, "age", "50", &err);
	mr_store_group_refresh(st, "smart", &count, &err);
	TAP_INT(count, 2, "a changed contact comes in at the next evaluation");
	mr_store_contact_delete(st, "smart-a@admin.example", NULL, &err);
	mr_store_group_refresh(st, "smart", &count, &err);
	TAP_INT(count, 1, "a deleted contact goes out");
	count = 0;
	TAP_INT(mr_store_group_refresh(st, "fields-g", &count, &err), 0, "refreshing a static group");
	TAP_INT(count, -1, "... leaves it alone and says -1");
	TAP_INT(mr_store_group_refresh(st, "nosuch", &count, &err), MR_ENOTFOUND,
		"refreshing an unknown group is MR_ENOTFOUND");
}
