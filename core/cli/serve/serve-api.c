/* SPDX-License-Identifier: MIT */
/* The read-only JSON API of `mailroom serve` under /api/v1/: mailings and their reports, a contact by email with its groups and holds; bearer tokens of existing users, their permissions checked on every request; JSON written with Jansson. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "serve.h"
#include "../users.h"
#include "../api-tokens.h"
#include "../mailing-form.h"
#include "../mailing-report.h"

static enum MHD_Result send_json(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
				 unsigned status, json_t *j)
{
	char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!txt)
		return sv_respond(s, r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "error\n", 6);
	size_t l = strlen(txt);
	txt[l] = 0;
	enum MHD_Result rc = sv_respond_x(s, r, c, status, "application/json", txt, l, NULL, NULL);
	free(txt);
	return rc;
}

static enum MHD_Result api_error(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
				 unsigned status, const char *msg)
{
	json_t *j = json_pack("{s:s}", "error", msg);
	if (status == MHD_HTTP_UNAUTHORIZED) {
		char *txt = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		enum MHD_Result rc = sv_respond_x(s, r, c, status, "application/json", txt ? txt : "{}",
						  txt ? strlen(txt) : 2, "WWW-Authenticate",
						  "Bearer realm=\"mailroom\"");
		free(txt);
		return rc;
	}
	return send_json(s, r, c, status, j);
}

/* ---- mailings */

static json_t *mailing_json(const struct mr_mailing *m)
{
	json_t *inc = json_array(), *exc = json_array();
	for (size_t i = 0; i < m->n_include; i++)
		json_array_append_new(inc, json_string(m->include_groups[i]));
	for (size_t i = 0; i < m->n_exclude; i++)
		json_array_append_new(exc, json_string(m->exclude_groups[i]));
	return json_pack("{s:I,s:s?,s:s?,s:s,s:I,s:I,s:o,s:o}", "id", (json_int_t)m->id,
			 "name", m->name, "subject", m->subject, "status", mailing_status_name(m->status),
			 "scheduled_at", (json_int_t)m->scheduled_at, "created", (json_int_t)m->created,
			 "include_groups", inc, "exclude_groups", exc);
}

static int list_cb(void *cookie, const struct mr_mailing *m)
{
	json_t *o = mailing_json(m);
	if (o)
		json_array_append_new(cookie, o);
	return 0;
}

static int one_cb(void *cookie, const struct mr_mailing *m)
{
	*(json_t **)cookie = mailing_json(m);
	return 0;
}

struct trk {
	json_t *opens, *clicks;
};

static int trk_cb(void *cookie, const struct mr_track_stat *st)
{
	struct trk *t = cookie;
	if (st->kind == MR_TRACK_OPEN)
		t->opens = json_pack("{s:I,s:I}", "total", (json_int_t)st->total, "unique",
				     (json_int_t)st->unique);
	else
		json_array_append_new(t->clicks, json_pack("{s:s?,s:I,s:I}", "url", st->url,
							   "total", (json_int_t)st->total,
							   "unique", (json_int_t)st->unique));
	return 0;
}

static enum MHD_Result mailing_one(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
				   int64_t id)
{
	json_t *m = NULL;
	struct mr_mailing_stats ms;
	struct trk t = { NULL, json_array() };
	struct mr_error e = { 0 };
	pthread_mutex_lock(&s->store_lock);
	int rc = mr_store_mailing_get(s->store, id, one_cb, &m, &e);
	if (rc == 0 && m)
		rc = mr_store_mailing_stats(s->store, id, &ms, &e);
	if (rc == 0 && m && mr_store_has(s->store, MR_STORE_CAP_TRACKING))
		rc = mr_store_track_stats(s->store, id, trk_cb, &t, &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc == MR_ENOTFOUND || (rc == 0 && !m)) {
		json_decref(m);
		json_decref(t.clicks);
		return api_error(s, r, c, MHD_HTTP_NOT_FOUND, "no such mailing");
	}
	if (rc) {
		json_decref(m);
		json_decref(t.clicks);
		json_decref(t.opens);
		sv_log(s, "api: mailing %lld: %s", (long long)id, e.msg);
		return api_error(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "the store failed");
	}
	json_t *types = json_object();
	for (size_t i = 0; i < ms.n_types; i++)
		json_object_set_new(types, ms.by_type[i].name, json_integer(ms.by_type[i].count));
	json_t *report = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}",
				   "total", (json_int_t)ms.total, "queued", (json_int_t)ms.queued,
				   "sending", (json_int_t)ms.sending, "sent", (json_int_t)ms.sent,
				   "delivered", (json_int_t)ms.delivered,
				   "retrying", (json_int_t)ms.retrying,
				   "bounced", (json_int_t)ms.bounced, "in_doubt", (json_int_t)ms.in_doubt,
				   "canceled", (json_int_t)ms.canceled, "bounced_by_type", types);
	if (t.opens)
		json_object_set_new(report, "opens", t.opens);
	json_object_set_new(report, "clicks", t.clicks);
	json_object_set_new(m, "report", report);
	return send_json(s, r, c, MHD_HTTP_OK, m);
}

/* GET /api/v1/mailings/ID/report: the report `mailroom mailing report --json` prints. */
static enum MHD_Result mailing_report(struct sv_server *s, struct sv_req *r,
				      struct MHD_Connection *c, int64_t id)
{
	json_t *report = NULL;
	struct mr_error e = { 0 };
	pthread_mutex_lock(&s->store_lock);
	int rc = mr_mailing_report(s->store, id, &report, &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc == MR_ENOTFOUND)
		return api_error(s, r, c, MHD_HTTP_NOT_FOUND, "no such mailing");
	if (rc) {
		sv_log(s, "api: report of mailing %lld: %s", (long long)id, e.msg);
		return api_error(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "the store failed");
	}
	return send_json(s, r, c, MHD_HTTP_OK, report);
}

/* ---- contacts */

struct contact_q {
	json_t *c;
	int64_t id;
};

static int contact_cb(void *cookie, const struct mr_contact *ct)
{
	struct contact_q *q = cookie;
	if (q->c)
		return 0;
	q->id = ct->id;
	q->c = json_pack("{s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:i,s:b,s:b,s:o}", "id", (json_int_t)ct->id,
			 "contact_type", ct->contact_type, "first_name", ct->first_name,
			 "last_name", ct->last_name, "display_name", ct->display_name,
			 "email", ct->email, "on_hold", ct->on_hold,
			 "do_not_email", ct->do_not_email != 0, "is_opt_out", ct->is_opt_out != 0,
			 "groups", json_array());
	return 0;
}

/* Adds each group the contact is an Added member of to its "groups". */
static int membership_cb(void *cookie, const struct mr_membership *m)
{
	struct contact_q *q = cookie;
	if (strcmp(m->status, "Added") == 0)
		json_array_append_new(json_object_get(q->c, "groups"), json_string(m->group));
	return 0;
}

static enum MHD_Result contact(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c)
{
	const char *email = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "email");
	if (!email || !*email || strlen(email) > 320 || !strchr(email, '@'))
		return api_error(s, r, c, MHD_HTTP_BAD_REQUEST, "give ?email=ADDRESS");
	struct contact_q q = { 0 };
	struct mr_error e = { 0 };
	pthread_mutex_lock(&s->store_lock);
	int rc = mr_store_contact_find(s->store, email, contact_cb, &q, &e);
	if (rc == 0 && q.c)
		rc = mr_store_contact_groups(s->store, q.id, membership_cb, &q, &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc == MR_ENOTFOUND || (rc == 0 && !q.c)) {
		json_decref(q.c);
		return api_error(s, r, c, MHD_HTTP_NOT_FOUND, "no such contact");
	}
	if (rc) {
		json_decref(q.c);
		sv_log(s, "api: contact lookup: %s", e.msg);
		return api_error(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "the store failed");
	}
	return send_json(s, r, c, MHD_HTTP_OK, json_pack("{s:o}", "contact", q.c));
}

/* ---- auth and routing */

static int perms_cb(void *cookie, const struct mr_user *u)
{
	*(unsigned *)cookie = u->perms | 0x80000000u;
	return 0;
}

enum MHD_Result sv_api(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
		       const char *rel)
{
	if (!s->api_tokens_file)
		return api_error(s, r, c, MHD_HTTP_NOT_FOUND, "the API is off");
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
		return api_error(s, r, c, MHD_HTTP_METHOD_NOT_ALLOWED, "the API is read-only");
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return api_error(s, r, c, MHD_HTTP_UNAUTHORIZED, "a bearer token is needed");
	const char *tok = auth + 7;
	while (*tok == ' ')
		tok++;
	char user[MR_USER_NAME_MAX + 8];
	int rc = strlen(tok) == MR_API_TOKEN_LEN && strncmp(tok, "mrt_", 4) == 0 ?
		 mr_api_token_user(s->api_tokens_file, tok, user, sizeof(user)) : MR_ENOTFOUND;
	if (rc == MR_ECONFIG) {
		sv_log(s, "api: %s is missing or readable by others: no token is accepted",
		       s->api_tokens_file);
		return api_error(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "the API is not set up");
	}
	if (rc) {
		sv_log(s, "%s %s: refused an unknown bearer token", r->ip, r->path);
		return api_error(s, r, c, MHD_HTTP_UNAUTHORIZED, "unknown token");
	}
	/* the user's permissions now, from the store (a user deleted or
	 * revoked since the token was made loses the API with it) */
	unsigned perms = 0;
	struct mr_error e = { 0 };
	pthread_mutex_lock(&s->store_lock);
	rc = mr_store_user_get(s->store, user, perms_cb, &perms, &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc || !(perms & 0x80000000u))
		return api_error(s, r, c, MHD_HTTP_UNAUTHORIZED, "the token's user is gone");
	perms &= ~0x80000000u;
	if (!(perms & MR_PERM_VIEW_CONTACTS))
		return api_error(s, r, c, MHD_HTTP_FORBIDDEN, "the user lacks view-contacts");
	if (strcmp(rel, "/mailings") == 0 || strcmp(rel, "/mailings/") == 0) {
		json_t *arr = json_array();
		pthread_mutex_lock(&s->store_lock);
		rc = mr_store_mailing_list(s->store, list_cb, arr, &e);
		pthread_mutex_unlock(&s->store_lock);
		if (rc) {
			json_decref(arr);
			return api_error(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "the store failed");
		}
		return send_json(s, r, c, MHD_HTTP_OK, json_pack("{s:o}", "mailings", arr));
	}
	if (strncmp(rel, "/mailings/", 10) == 0) {
		int64_t id = 0;
		const char *tail = strchr(rel + 10, '/');
		if (tail && strcmp(tail, "/report") == 0) {
			char num[24];
			size_t l = (size_t)(tail - (rel + 10));
			if (l == 0 || l >= sizeof(num))
				return api_error(s, r, c, MHD_HTTP_NOT_FOUND, "no such mailing");
			memcpy(num, rel + 10, l);
			num[l] = '\0';
			if (cli_parse_id(num, &id) != 0)
				return api_error(s, r, c, MHD_HTTP_NOT_FOUND, "no such mailing");
			return mailing_report(s, r, c, id);
		}
		if (cli_parse_id(rel + 10, &id) != 0)
			return api_error(s, r, c, MHD_HTTP_NOT_FOUND, "no such mailing");
		return mailing_one(s, r, c, id);
	}
	if (strcmp(rel, "/contacts") == 0)
		return contact(s, r, c);
	return api_error(s, r, c, MHD_HTTP_NOT_FOUND, "no such endpoint");
}
