/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's email-to-activity part (included by
 * cases.c, so that it shares its TAP counters): matching or creating
 * Individuals by email, filing activities once per Message-ID and account,
 * listing, reading and attachments' exact bytes.  Semantics checked here
 * that plugin.h leaves implicit:
 * - a display name "First Last" or "Last, First" gives first and last
 *   names; no name gives the email as display name;
 * - an activity whose contact has a bad role is not stored at all;
 * - an activity added and rolled back with the caller's transaction is gone.
 */

struct act_contact {
	int n;
	int64_t id;
	char type[16], first[32], last[32], display[64];
};

static int act_contact_collect(void *cookie, const struct mr_contact *c)
{
	struct act_contact *r = cookie;
	r->n++;
	r->id = c->id;
	snprintf(r->type, sizeof(r->type), "%s", c->contact_type ? c->contact_type : "");
	snprintf(r->first, sizeof(r->first), "%s", c->first_name ? c->first_name : "");
	snprintf(r->last, sizeof(r->last), "%s", c->last_name ? c->last_name : "");
	snprintf(r->display, sizeof(r->display), "%s", c->display_name ? c->display_name : "");
	return 0;
}

/* The contact with that id, found among all contacts. */
struct act_by_id {
	int64_t want;
	struct act_contact got;
};

static int act_by_id_collect(void *cookie, const struct mr_contact *c)
{
	struct act_by_id *b = cookie;
	if (c->id == b->want)
		act_contact_collect(&b->got, c);
	return 0;
}

static struct act_contact act_contact_by_id(struct mr_store *st, int64_t id)
{
	struct act_by_id b = { .want = id };
	struct mr_error err = { 0 };
	mr_store_contact_list(st, 0, 0, act_by_id_collect, &b, &err);
	return b.got;
}

/* One collected activity (the first one, or all ids of a listing). */
struct act_rows {
	int n;
	int64_t ids[MAX_ROWS];
	int64_t date;
	char subject[128], type[32], status[32], msgid[128], account[32];
	char text[256], html[256], headers[512];
	int n_parties, n_files;
	int64_t party_id[8];
	int party_role[8];
	char party_email[8][64];
	char file_name[8][64], file_type[8][64], file_sha[8][80], file_skip[8][64];
	size_t file_size[8];
	int file_has_data[8];
};

static int act_collect(void *cookie, const struct mr_activity_rec *a)
{
	struct act_rows *r = cookie;
	if (r->n < MAX_ROWS)
		r->ids[r->n] = a->id;
	if (r->n++ > 0)
		return 0;
	r->date = a->date;
	snprintf(r->subject, sizeof(r->subject), "%s", a->subject ? a->subject : "(null)");
	snprintf(r->type, sizeof(r->type), "%s", a->activity_type ? a->activity_type : "(null)");
	snprintf(r->status, sizeof(r->status), "%s", a->status ? a->status : "(null)");
	snprintf(r->msgid, sizeof(r->msgid), "%s", a->message_id ? a->message_id : "(null)");
	snprintf(r->account, sizeof(r->account), "%s", a->account ? a->account : "(null)");
	snprintf(r->text, sizeof(r->text), "%s", a->text ? a->text : "(null)");
	snprintf(r->html, sizeof(r->html), "%s", a->html ? a->html : "(null)");
	snprintf(r->headers, sizeof(r->headers), "%s", a->headers ? a->headers : "(null)");
	r->n_parties = (int)a->n_parties;
	for (size_t i = 0; i < a->n_parties && i < 8; i++) {
		r->party_id[i] = mr_activity_party_at(a, i)->contact_id;
		r->party_role[i] = (int)mr_activity_party_at(a, i)->role;
		snprintf(r->party_email[i], sizeof(r->party_email[0]), "%s",
			 mr_activity_party_at(a, i)->email ? mr_activity_party_at(a, i)->email : "(null)");
	}
	r->n_files = (int)a->n_files;
	for (size_t i = 0; i < a->n_files && i < 8; i++) {
		const struct mr_activity_file *f = mr_activity_file_at(a, i);
		snprintf(r->file_name[i], sizeof(r->file_name[0]), "%s", f->filename ? f->filename : "(null)");
		snprintf(r->file_type[i], sizeof(r->file_type[0]), "%s",
			 f->content_type ? f->content_type : "(null)");
		snprintf(r->file_sha[i], sizeof(r->file_sha[0]), "%s", f->sha256 ? f->sha256 : "(null)");
		snprintf(r->file_skip[i], sizeof(r->file_skip[0]), "%s",
			 f->skipped_reason ? f->skipped_reason : "(null)");
		r->file_size[i] = f->size;
		r->file_has_data[i] = f->data != NULL;
	}
	return 0;
}

struct act_bytes {
	int n;
	unsigned char *data;
	size_t size;
	int has_data;
	char skip[64], name[64];
};

static int act_bytes_collect(void *cookie, const struct mr_activity_file *f)
{
	struct act_bytes *b = cookie;
	b->n++;
	b->size = f->size;
	b->has_data = f->data != NULL;
	snprintf(b->skip, sizeof(b->skip), "%s", f->skipped_reason ? f->skipped_reason : "(null)");
	snprintf(b->name, sizeof(b->name), "%s", f->filename ? f->filename : "(null)");
	free(b->data);
	b->data = NULL;
	if (f->data && (b->data = malloc(f->size + 1)) != NULL)
		memcpy(b->data, f->data, f->size);
	return 0;
}

/* A listing callback that reads each activity's first attachment. */
struct act_nested {
	struct mr_store *st;
	int rows, stop_at;
	size_t bytes;
};

static int act_nested_collect(void *cookie, const struct mr_activity_rec *a)
{
	struct act_nested *n = cookie;
	struct act_bytes b = { 0 };
	struct mr_error err = { 0 };
	n->rows++;
	if (a->n_files && mr_store_activity_attachment(n->st, a->id, 1, act_bytes_collect,
							  &b, &err) == 0)
		n->bytes += b.size;
	free(b.data);
	return n->stop_at && n->rows >= n->stop_at ? 7 : 0;
}

static int64_t act_count(struct mr_store *st, const struct mr_activity_filter *f)
{
	struct act_rows r = { 0 };
	struct mr_error err = { 0 };
	int rc = mr_store_activity_list(st, f, act_collect, &r, &err);
	return rc ? -1 : r.n;
}

static void test_activity_contacts(struct mr_store *st, int64_t *ada_r, int64_t *bob_r)
{
	struct mr_error err = { 0 };
	int64_t id = -1;
	int created = -1;
	int rc = mr_store_activity_contact(st, "", "Nobody", 1, &id, &created, &err);
	TAP_INT(rc, MR_EINPUT, "activity_contact of an empty email is MR_EINPUT");
	rc = mr_store_activity_contact(st, "ada@act.example", "Ada Lovelace", 0, &id,
				       &created, &err);
	TAP_INT(rc, 0, "activity_contact lookup only of an unknown email");
	TAP_INT(id, 0, "lookup only: no contact (id 0)");
	TAP_INT(created, 0, "lookup only: nothing created");
	struct act_contact none = { 0 };
	rc = mr_store_contact_find(st, "ada@act.example", act_contact_collect, &none, &err);
	TAP_INT(rc, MR_ENOTFOUND, "lookup only made no contact");

	static const struct {
		const char *email, *name, *first, *last, *display;
	} cases[] = {
		{ "ada@act.example", "Ada Lovelace", "Ada", "Lovelace", "Ada Lovelace" },
		{ "hopper@act.example", "Hopper, Grace", "Grace", "Hopper", "Hopper, Grace" },
		{ "cher@act.example", "Cher", "Cher", "", "Cher" },
		{ "noname@act.example", NULL, "", "", "noname@act.example" },
		{ "quoted@act.example", "\"Ana María Pérez\"", "Ana María", "Pérez", "Ana María Pérez" },
		{ "same@act.example", "same@act.example", "", "", "same@act.example" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		id = 0;
		created = 0;
		rc = mr_store_activity_contact(st, cases[i].email, cases[i].name, 1, &id,
					       &created, &err);
		TAP_INT(rc, 0, "activity_contact creates %s (%s)", cases[i].email, rc ? err.msg : "ok");
		TAP_INT(created, 1, "%s: created", cases[i].email);
		struct act_contact c = act_contact_by_id(st, id);
		TAP_INT(c.n, 1, "%s: the new contact is listed", cases[i].email);
		TAP_STR(c.type, "Individual", "%s: an Individual", cases[i].email);
		TAP_STR(c.first, cases[i].first, "%s: first name", cases[i].email);
		TAP_STR(c.last, cases[i].last, "%s: last name", cases[i].email);
		TAP_STR(c.display, cases[i].display, "%s: display name", cases[i].email);
		if (i == 0)
			*ada_r = id;
	}
	rc = mr_store_activity_contact(st, "ADA@Act.Example", "Someone Else", 1, &id,
				       &created, &err);
	TAP_INT(rc, 0, "activity_contact of a known email in other case");
	TAP_INT(id, *ada_r, "it matches the existing Individual");
	TAP_INT(created, 0, "nothing is created");
	TAP_STR(act_contact_by_id(st, id).display, "Ada Lovelace", "a matched contact keeps its name");

	/* an email only an Organization has: a new Individual with that email */
	struct mr_contact org = { .contact_type = "Organization", .display_name = "Bob's Bikes",
				  .email = "bob@act.example" };
	int64_t org_id = 0;
	rc = mr_store_contact_upsert(st, &org, &org_id, NULL, &err);
	TAP_INT(rc, 0, "an Organization with bob@act.example");
	rc = mr_store_activity_contact(st, "bob@act.example", "Bob Builder", 0, &id, &created,
				       &err);
	TAP_INT(rc == 0 && id == 0, 1, "lookup only does not take the Organization for an Individual");
	rc = mr_store_activity_contact(st, "bob@act.example", "Bob Builder", 1, &id, &created,
				       &err);
	TAP_INT(rc, 0, "activity_contact of the Organization's email");
	TAP_OK(id > 0 && id != org_id, "a new contact, not the Organization (%lld vs %lld)",
	       (long long)id, (long long)org_id);
	TAP_INT(created, 1, "created");
	TAP_STR(act_contact_by_id(st, id).type, "Individual", "it is an Individual");
	TAP_STR(act_contact_by_id(st, org_id).type, "Organization", "the Organization is unchanged");
	*bob_r = id;
	int64_t again = 0;
	rc = mr_store_activity_contact(st, "bob@act.example", NULL, 1, &again, &created, &err);
	TAP_INT(again, id, "the next time the Individual is matched");
	TAP_INT(created, 0, "and not created again");
}

static void test_activity(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int64_t ada = 0, bob = 0;
	test_activity_contacts(st, &ada, &bob);

	unsigned char bin[300];
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7);
	bin[0] = 0;
	const struct mr_activity_party parties[] = {
		{ .contact_id = ada, .role = MR_ROLE_SOURCE },
		{ .contact_id = bob, .role = MR_ROLE_TARGET },
		{ .contact_id = bob, .role = MR_ROLE_TARGET }, /* twice: kept once */
	};
	const struct mr_activity_file files[] = {
		{ .filename = "report.bin", .content_type = "application/octet-stream",
		  .size = sizeof(bin), .sha256 = "0123abcd", .data = bin },
		{ .filename = "huge.pdf", .content_type = "application/pdf", .size = 99999999,
		  .sha256 = "feed", .skipped_reason = "over max_attachment_size" },
		{ .filename = "empty.txt", .content_type = "text/plain", .size = 0,
		  .data = (const unsigned char *)"" },
	};
	struct mr_activity_rec rec = {
		.activity_type = "Email", .status = "Completed", .subject = "Grüße, Ada",
		.date = 1700000000, .headers = "From: Ada <ada@act.example>\nTo: bob@act.example\n",
		.text = "Hello\nBob", .html = "<p>Hello</p>", .message_id = "<m1@act.example>",
		.account = "inbox", .parties = parties, .n_parties = 3, .files = files, .n_files = 3,
	};
	int64_t id1 = 0, id = 0;
	int existing = -1;
	int rc = mr_store_activity_add(st, &rec, &id1, &existing, &err);
	TAP_INT(rc, 0, "activity_add (%s)", rc ? err.msg : "ok");
	TAP_OK(id1 > 0, "it gets an id");
	TAP_INT(existing, 0, "it is new");
	rc = mr_store_activity_add(st, &rec, &id, &existing, &err);
	TAP_INT(rc, 0, "activity_add of the same Message-ID and account again");
	TAP_INT(id, id1, "gives the first activity's id");
	TAP_INT(existing, 1, "and says it existed");
	rec.account = "bcc";
	rc = mr_store_activity_add(st, &rec, &id, &existing, &err);
	TAP_OK(rc == 0 && id != id1 && existing == 0, "the same Message-ID of another account is "
	       "another activity");
	int64_t id_bcc = id;
	rec.account = "inbox";
	rec.message_id = NULL;
	rec.date = 1600000000;
	rec.subject = "no id";
	rec.n_files = 0;
	rec.n_parties = 1;
	int64_t n1 = 0, n2 = 0;
	mr_store_activity_add(st, &rec, &n1, NULL, &err);
	mr_store_activity_add(st, &rec, &n2, NULL, &err);
	TAP_OK(n1 > 0 && n2 > 0 && n1 != n2, "without a Message-ID each filing is an activity");

	/* a bad role stores nothing */
	const struct mr_activity_party bad[] = { { .contact_id = ada, .role = MR_ROLE_SOURCE },
						 { .contact_id = ada, .role = (enum mr_activity_role)9 } };
	struct mr_activity_rec badrec = { .subject = "bad", .date = 1, .message_id = "<bad@x>",
					  .account = "inbox", .parties = bad, .n_parties = 2 };
	int64_t before = act_count(st, NULL);
	rc = mr_store_activity_add(st, &badrec, &id, NULL, &err);
	TAP_INT(rc, MR_EINPUT, "a contact with a bad role is MR_EINPUT");
	TAP_INT(act_count(st, NULL), before, "and nothing of that activity is stored");

	/* inside the caller's transaction: rolled back with it */
	badrec.parties = bad;
	badrec.n_parties = 1;
	rc = mr_store_begin(st, &err);
	TAP_INT(rc, 0, "begin");
	rc = mr_store_activity_add(st, &badrec, &id, NULL, &err);
	TAP_INT(rc, 0, "activity_add inside a transaction");
	mr_store_rollback(st);
	TAP_INT(act_count(st, NULL), before, "rollback removes it");
	rc = mr_store_activity_add(st, &badrec, &id, &existing, &err);
	TAP_INT(existing, 0, "its Message-ID is free again");

	/* reading back */
	struct act_rows r = { 0 };
	rc = mr_store_activity_get(st, id1, act_collect, &r, &err);
	TAP_INT(rc, 0, "activity_get");
	TAP_INT(r.n, 1, "one callback");
	TAP_STR(r.subject, "Grüße, Ada", "subject");
	TAP_STR(r.type, "Email", "type");
	TAP_STR(r.status, "Completed", "status");
	TAP_INT(r.date, 1700000000, "date");
	TAP_STR(r.msgid, "<m1@act.example>", "Message-ID");
	TAP_STR(r.account, "inbox", "account");
	TAP_STR(r.text, "Hello\nBob", "text");
	TAP_STR(r.html, "<p>Hello</p>", "html");
	TAP_STR(r.headers, "From: Ada <ada@act.example>\nTo: bob@act.example\n", "headers");
	TAP_INT(r.n_parties, 2, "two contacts (a repeated one once)");
	TAP_INT(r.party_id[0], ada, "the first is Ada");
	TAP_INT(r.party_role[0], MR_ROLE_SOURCE, "as source");
	TAP_STR(r.party_email[0], "ada@act.example", "with her email");
	TAP_INT(r.party_role[1], MR_ROLE_TARGET, "Bob as target");
	TAP_STR(r.party_email[1], "bob@act.example", "with his email");
	TAP_INT(r.n_files, 3, "three attachments");
	TAP_STR(r.file_name[0], "report.bin", "name 1");
	TAP_STR(r.file_type[0], "application/octet-stream", "type 1");
	TAP_INT(r.file_size[0], sizeof(bin), "size 1");
	TAP_STR(r.file_sha[0], "0123abcd", "sha256 1");
	TAP_STR(r.file_skip[0], "(null)", "1 is kept");
	TAP_INT(r.file_has_data[0], 0, "listings carry no data");
	TAP_STR(r.file_skip[1], "over max_attachment_size", "2 is skipped, with the reason");
	TAP_INT(r.file_size[1], 99999999, "2 keeps its size");
	struct act_rows r0 = { 0 };
	rc = mr_store_activity_get(st, 999999, act_collect, &r0, &err);
	TAP_INT(rc, MR_ENOTFOUND, "activity_get of an unknown id is MR_ENOTFOUND");
	TAP_INT(r0.n, 0, "no callback");

	struct act_bytes b = { 0 };
	rc = mr_store_activity_attachment(st, id1, 1, act_bytes_collect, &b, &err);
	TAP_INT(rc, 0, "activity_attachment 1");
	TAP_OK(b.n == 1 && b.has_data && b.size == sizeof(bin) && b.data &&
	       memcmp(b.data, bin, sizeof(bin)) == 0, "gives the exact bytes (NUL included)");
	rc = mr_store_activity_attachment(st, id1, 2, act_bytes_collect, &b, &err);
	TAP_OK(rc == 0 && !b.has_data, "a skipped attachment has no data");
	TAP_STR(b.skip, "over max_attachment_size", "and says why");
	rc = mr_store_activity_attachment(st, id1, 3, act_bytes_collect, &b, &err);
	TAP_OK(rc == 0 && b.has_data && b.size == 0, "an empty attachment is kept, 0 bytes");
	TAP_INT(mr_store_activity_attachment(st, id1, 4, act_bytes_collect, &b, &err),
		MR_ENOTFOUND, "attachment 4 is MR_ENOTFOUND");
	TAP_INT(mr_store_activity_attachment(st, id1, 0, act_bytes_collect, &b, &err),
		MR_ENOTFOUND, "attachment 0 is MR_ENOTFOUND");
	TAP_INT(mr_store_activity_attachment(st, 999999, 1, act_bytes_collect, &b, &err),
		MR_ENOTFOUND, "an unknown activity's attachment is MR_ENOTFOUND");
	free(b.data);

	/* listings */
	struct act_rows all = { 0 };
	rc = mr_store_activity_list(st, NULL, act_collect, &all, &err);
	TAP_INT(rc, 0, "activity_list");
	TAP_INT(all.n, 5, "five activities");
	TAP_OK(all.n == 5 && all.ids[0] == id_bcc && all.ids[1] == id1 && all.ids[2] == n2 &&
	       all.ids[3] == n1 && all.ids[4] == id, "newest date first, equal dates by higher id");
	struct mr_activity_filter f = { .contact_email = "BOB@act.example" };
	TAP_INT(act_count(st, &f), 2, "--contact bob (any case): the two with Bob");
	f.contact_email = "nobody@act.example";
	TAP_INT(act_count(st, &f), 0, "an unknown contact: none");
	f.contact_email = NULL;
	f.since = 1650000000;
	TAP_INT(act_count(st, &f), 2, "since a date: the newer two");
	f.limit = 2;
	TAP_INT(act_count(st, &f), 2, "limit 2");
	struct act_nested nest = { .st = st };
	rc = mr_store_activity_list(st, NULL, act_nested_collect, &nest, &err);
	TAP_INT(rc, 0, "a listing whose callback reads attachments");
	TAP_INT(nest.rows, 5, "every row is listed");
	TAP_INT(nest.bytes, sizeof(bin) * 2, "and the nested reads give the data");
	nest = (struct act_nested){ .st = st, .stop_at = 2 };
	rc = mr_store_activity_list(st, NULL, act_nested_collect, &nest, &err);
	TAP_INT(rc, 7, "activity_list returns the callback's non-zero value");
	TAP_INT(nest.rows, 2, "and stops there");
}
