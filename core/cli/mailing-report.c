/* SPDX-License-Identifier: MIT */
/* A mailing's report built from the store (queue counts, bounces by type, opens, clicks by URL, recipients' actions, hourly buckets) as one Jansson object, shared by the CLI and the API. */
#include "config.h"
#include <string.h>
#include "cli.h"
#include "mailing-report.h"

static int head_cb(void *cookie, const struct mr_mailing *m)
{
	*(json_t **)cookie = json_pack("{s:I,s:s?,s:s?}", "id", (json_int_t)m->id, "name", m->name,
				       "subject", m->subject);
	return 0;
}

static int clicks_cb(void *cookie, const struct mr_track_stat *row)
{
	json_t *r = cookie;
	if (row->kind == MR_TRACK_OPEN) {
		json_object_set_new(json_object_get(r, "opened"), "total", json_integer(row->total));
		json_object_set_new(json_object_get(r, "opened"), "unique",
				    json_integer(row->unique));
		return 0;
	}
	json_t *by_url = json_object_get(json_object_get(r, "clicked"), "by_url");
	json_array_append_new(by_url, json_pack("{s:s?,s:I,s:I}", "url", row->url, "total",
						(json_int_t)row->total, "unique",
						(json_int_t)row->unique));
	return 0;
}

/* The recipients of each action, and the clickers over every URL. */
static int totals_cb(void *cookie, const struct mr_track_event_count *e)
{
	json_t *r = cookie;
	static const char *const actions[][2] = {
		{ "unsubscribe", "unsubscribed" }, { "opt-out", "opted_out" },
		{ "complaint", "complaints" }, { "resubscribe", "resubscribed" },
		{ "reply", "replied" },
	};
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(e->kind, actions[i][0]) == 0)
			json_object_set_new(r, actions[i][1], json_integer(e->unique));
	if (strcmp(e->kind, "click") == 0) {
		json_t *c = json_object_get(r, "clicked");
		json_object_set_new(c, "total", json_integer(e->total));
		json_object_set_new(c, "unique", json_integer(e->unique));
	}
	return 0;
}

/* One row per hour with deliveries, opens, clicks or bounces. */
static int buckets_cb(void *cookie, const struct mr_track_event_count *e)
{
	json_t *rows = cookie;
	static const char *const kinds[][2] = {
		{ "delivered", "delivered" }, { "open", "opens" }, { "click", "clicks" },
		{ "bounce", "bounces" },
	};
	const char *name = NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(e->kind, kinds[i][0]) == 0)
			name = kinds[i][1];
	if (!name)
		return 0;
	size_t n = json_array_size(rows);
	json_t *last = n ? json_array_get(rows, n - 1) : NULL;
	if (!last || json_integer_value(json_object_get(last, "start")) != e->start) {
		last = json_pack("{s:I,s:i,s:i,s:i,s:i}", "start", (json_int_t)e->start,
				 "delivered", 0, "opens", 0, "clicks", 0, "bounces", 0);
		if (!last || json_array_append_new(rows, last) != 0)
			return MR_ENOMEM;
	}
	json_object_set_new(last, name, json_integer(e->total));
	return 0;
}

static json_t *queue_counts(const struct mr_mailing_stats *s)
{
	json_t *types = json_object();
	for (size_t i = 0; i < s->n_types; i++)
		json_object_set_new(types, s->by_type[i].name, json_integer(s->by_type[i].count));
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}",
			 "recipients", (json_int_t)s->total, "queued", (json_int_t)s->queued,
			 "sending", (json_int_t)s->sending, "sent", (json_int_t)s->sent,
			 "delivered", (json_int_t)s->delivered, "retrying", (json_int_t)s->retrying,
			 "bounced", (json_int_t)s->bounced, "in_doubt", (json_int_t)s->in_doubt,
			 "canceled", (json_int_t)s->canceled, "bounced_by_type", types);
}

int mr_mailing_report(const struct mr_store *st, int64_t id, json_t **report_r,
		      struct mr_error *err)
{
	json_t *r = NULL;
	struct mr_mailing_stats s;
	int rc = mr_store_mailing_get(st, id, head_cb, &r, err);
	if (rc == 0 && !r)
		rc = mr_error_set(err, MR_ENOMEM, "mailing %lld: out of memory", (long long)id);
	if (rc == 0)
		rc = mr_store_mailing_stats(st, id, &s, err);
	if (rc == 0 && json_object_update(r, queue_counts(&s)) != 0)
		rc = mr_error_set(err, MR_ENOMEM, "mailing %lld: out of memory", (long long)id);
	if (rc == 0 && mr_store_has(st, MR_STORE_CAP_TRACKING)) {
		json_t *rows = json_array();
		json_object_set_new(r, "opened", json_pack("{s:i,s:i}", "unique", 0, "total", 0));
		json_object_set_new(r, "clicked", json_pack("{s:i,s:i,s:[]}", "unique", 0, "total",
							    0, "by_url"));
		static const char *const zero[] = { "unsubscribed", "opted_out", "complaints",
						    "resubscribed", "replied" };
		for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
			json_object_set_new(r, zero[i], json_integer(0));
		json_object_set_new(r, "over_time", json_pack("{s:i,s:o}", "bucket",
							      MR_REPORT_BUCKET, "rows", rows));
		rc = mr_store_track_stats(st, id, clicks_cb, r, err);
		if (rc == 0)
			rc = mr_store_track_events(st, id, 0, totals_cb, r, err);
		if (rc == 0)
			rc = mr_store_track_events(st, id, MR_REPORT_BUCKET, buckets_cb, rows, err);
		if (rc == MR_ENOMEM)
			mr_error_set(err, rc, "mailing %lld: out of memory", (long long)id);
	}
	if (rc) {
		json_decref(r);
		return rc;
	}
	*report_r = r;
	return 0;
}
