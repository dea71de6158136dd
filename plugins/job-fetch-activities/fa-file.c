/* SPDX-License-Identifier: MIT */
/* Files one fetched message as an Email activity: reads it, matches or creates the contacts of its configured address fields (never the site's own addresses), and adds the activity with its attachments inside the fetch loop's transaction. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fetch-activities.h"

/* A growing string for the header lines kept with the activity. */
struct str {
	char *p;
	size_t n, cap;
	int oom;
};

static void str_add(struct str *s, const char *v)
{
	size_t l = strlen(v);
	if (s->oom)
		return;
	if (s->n + l + 1 > s->cap) {
		size_t nc = (s->n + l + 1) * 2;
		char *np = realloc(s->p, nc);
		if (!np) {
			s->oom = 1;
			return;
		}
		s->p = np;
		s->cap = nc;
	}
	for (size_t i = 0; i < l; i++) /* no line breaks from data inside a line */
		s->p[s->n++] = v[i] == '\r' || v[i] == '\n' ? ' ' : v[i];
	s->p[s->n] = '\0';
}

/* Ends a line: the only line break in the text, and it is ours. */
static void str_nl(struct str *s)
{
	str_add(s, " ");
	if (!s->oom)
		s->p[s->n - 1] = '\n';
}

static void header_addrs(struct str *s, const char *name, const struct mr_activity_addrs *l)
{
	if (!l->n)
		return;
	str_add(s, name);
	str_add(s, ": ");
	for (size_t i = 0; i < l->n; i++) {
		if (!l->v[i].addr)
			continue;
		if (i)
			str_add(s, ", ");
		if (l->v[i].name && *l->v[i].name) {
			str_add(s, l->v[i].name);
			str_add(s, " <");
			str_add(s, l->v[i].addr);
			str_add(s, ">");
		} else {
			str_add(s, l->v[i].addr);
		}
	}
	str_nl(s);
}

static void header_line(struct str *s, const char *name, const char *v)
{
	if (!v)
		return;
	str_add(s, name);
	str_add(s, ": ");
	str_add(s, v);
	str_nl(s);
}

struct parties {
	struct mr_activity_party *v;
	size_t n, cap;
};

static int party_add(struct parties *p, int64_t id, enum mr_activity_role role)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].contact_id == id && p->v[i].role == role)
			return 0;
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 8;
		struct mr_activity_party *nv = realloc(p->v, nc * sizeof(*nv));
		if (!nv)
			return MR_ENOMEM;
		p->v = nv;
		p->cap = nc;
	}
	p->v[p->n++] = (struct mr_activity_party){ .contact_id = id, .role = role };
	return 0;
}

/* Matches or creates the contacts of the fields in bits for role. */
static int add_role(struct fa_account *a, const struct mr_activity *act, unsigned bits,
		    enum mr_activity_role role, struct parties *p, size_t *unknown_r,
		    size_t *site_r, struct mr_error *err)
{
	const struct mr_activity_addrs *fields[4] = { &act->from, &act->to, &act->cc, &act->bcc };
	static const unsigned field_bits[4] = { FA_FROM, FA_TO, FA_CC, FA_BCC };
	struct mr_store *st = a->store;
	for (int f = 0; f < 4; f++) {
		if (!(bits & field_bits[f]))
			continue;
		for (size_t i = 0; i < fields[f]->n; i++) {
			const struct mr_activity_addr *ad = &fields[f]->v[i];
			const char *at = ad->addr ? strrchr(ad->addr, '@') : NULL;
			if (!at || at == ad->addr || !at[1]) {
				(*unknown_r)++;
				continue; /* a bare local part is nobody's email */
			}
			if (fa_is_site(a->site, a->n_site, ad->addr)) {
				(*site_r)++;
				continue;
			}
			int64_t id = 0;
			int created = 0;
			/* a hostile message may carry thousands of addresses: past
			 * max_new_contacts new ones, only existing contacts match */
			int may_create = a->create_contacts &&
					 (!a->max_new_contacts || a->msg_created < a->max_new_contacts);
			int rc = mr_store_activity_contact(st, ad->addr, ad->name, may_create, &id,
							   &created, err);
			if (rc)
				return rc;
			if (!id) {
				if (a->create_contacts && !may_create)
					a->msg_left++;
				else
					(*unknown_r)++;
				continue;
			}
			if (created) {
				a->msg_created++;
				a->contacts_created++;
				a->core->log(a->log, MR_LOG_INFO, "new contact %lld for %s",
					     (long long)id, ad->addr);
			}
			if ((rc = party_add(p, id, role)) != 0)
				return a->core->error_set(err, rc, "out of memory");
		}
	}
	return 0;
}

static const char *skip_reason(enum mr_activity_skip s)
{
	switch (s) {
	case MR_ATTACH_SKIP_COUNT: return "over max_attachments";
	case MR_ATTACH_SKIP_SIZE: return "over max_attachment_size";
	default: return NULL;
	}
}

/* Files a parsed message; returns a verdict or a negative status.  The
 * counts in a are per call: when the fetch loop processes a group again
 * after a store failure, the summary counts those messages twice (the store
 * does not: the rolled-back work is gone). */
static int file_parsed(struct fa_account *a, const struct mr_fetched *msg,
		       const struct mr_activity *act, char *reason, size_t rsize,
		       struct mr_error *err)
{
	const struct mr_core *core = a->core;
	struct parties p = { 0 };
	size_t unknown = 0, site = 0;
	a->msg_created = a->msg_left = 0;
	int rc = add_role(a, act, a->source, MR_ROLE_SOURCE, &p, &unknown, &site, err);
	if (!rc)
		rc = add_role(a, act, a->targets, MR_ROLE_TARGET, &p, &unknown, &site, err);
	if (!rc)
		rc = add_role(a, act, a->assignees, MR_ROLE_ASSIGNEE, &p, &unknown, &site, err);
	a->site_skipped += site;
	a->unknown_skipped += unknown;
	if (rc) {
		free(p.v);
		return rc;
	}
	if (a->msg_left) {
		a->contacts_left_out += a->msg_left;
		core->log(a->log, MR_LOG_NOTICE, "message %s: %zu new address%s left out: "
			  "max_new_contacts = %zu contacts created for one message", msg->label,
			  a->msg_left, a->msg_left == 1 ? "" : "es", a->max_new_contacts);
	}
	if (p.n == 0) {
		snprintf(reason, rsize, "no contact to file it against (%zu site address%s skipped, "
			 "%zu unknown address%s%s)", site, site == 1 ? "" : "es", unknown,
			 unknown == 1 ? "" : "es", a->create_contacts ? "" : " with create_contacts = no");
		free(p.v);
		return MR_VERDICT_IGNORED;
	}
	struct mr_activity_file *files = act->n_att ? calloc(act->n_att, sizeof(*files)) : NULL;
	if (act->n_att && !files) {
		free(p.v);
		return core->error_set(err, MR_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < act->n_att; i++) {
		const struct mr_activity_attachment *t = &act->att[i];
		files[i] = (struct mr_activity_file){
			.filename = t->safe_name,
			.content_type = t->content_type,
			.size = t->size,
			.sha256 = t->sha256[0] ? t->sha256 : NULL,
			.data = t->skipped ? NULL : t->data,
			.skipped_reason = skip_reason(t->skipped),
		};
		if (!t->skipped && !t->data)
			files[i].data = (const unsigned char *)"";
	}
	struct str h = { 0 };
	header_addrs(&h, "From", &act->from);
	header_addrs(&h, "To", &act->to);
	header_addrs(&h, "Cc", &act->cc);
	header_addrs(&h, "Bcc", &act->bcc);
	header_line(&h, "Subject", act->subject);
	header_line(&h, "Date", act->date);
	header_line(&h, "Message-ID", act->message_id);
	struct mr_activity_rec rec = {
		.activity_type = a->activity_type,
		.status = a->activity_status,
		.subject = act->subject,
		.date = act->date ? act->date_unix : core->now(core),
		.headers = h.oom ? NULL : h.p,
		.text = act->text,
		.html = act->html,
		.message_id = act->message_id && *act->message_id ? act->message_id : NULL,
		.account = a->name,
		.parties = p.v,
		.n_parties = p.n,
		.files = files,
		.n_files = act->n_att,
		.party_size = sizeof(*p.v),
		.file_size = sizeof(*files),
	};
	int64_t id = 0;
	int existing = 0;
	rc = mr_store_activity_add(a->store, &rec, &id, &existing, err);
	free(h.p);
	free(files);
	free(p.v);
	if (rc)
		return rc;
	if (existing) {
		a->duplicates++;
		core->log(a->log, MR_LOG_NOTICE, "message %s: Message-ID %s was filed before as "
			  "activity %lld: not filed again", msg->label, rec.message_id, (long long)id);
	} else {
		a->filed++;
		core->log(a->log, MR_LOG_INFO, "message %s filed as activity %lld (%zu contact%s, "
			  "%zu attachment%s)", msg->label, (long long)id, p.n, p.n == 1 ? "" : "s",
			  act->n_att, act->n_att == 1 ? "" : "s");
	}
	return MR_VERDICT_PROCESSED;
}

int fa_file_message(void *cookie, const struct mr_fetched *msg, char *reason, size_t rsize,
		    struct mr_error *err)
{
	struct fa_account *a = cookie;
	const struct mr_core *core = a->core;
	struct mr_activity *act = NULL;
	struct mr_error pe = { 0 };
	int rc = mr_activity_parse(msg->data, msg->len, &a->lim, &act, &pe);
	if (rc == MR_ENOMEM)
		return core->error_set(err, rc, "message %s: out of memory", msg->label);
	if (rc) {
		snprintf(reason, rsize, "not a message: %s", pe.msg);
		return MR_VERDICT_IGNORED;
	}
	rc = file_parsed(a, msg, act, reason, rsize, err);
	mr_activity_free(act);
	return rc;
}
