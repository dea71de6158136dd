/* SPDX-License-Identifier: MIT */
/* Open and click tracking in `mailroom serve`: the pixel, click redirects only to the mailing's own links, and a writer thread that records hits in batches. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "serve.h"

#define TR_BATCH 2000          /* hits per store transaction at most */
#define TR_MAX_PENDING 200000  /* hits waiting at most; past it: 503 */
#define TR_CACHE 64            /* mailings whose links are kept */

/* The 1x1 transparent GIF. */
static const unsigned char gif[] = {
	0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b
};

struct tr_links {
	int64_t mailing_id;
	int n;
	char **urls;
};

struct sv_tracker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mr_track_hit *pending;
	size_t n, cap;
	int stop;
	pthread_t writer;
	int started;
	int64_t recorded, skipped, failures;
	/* links of recent mailings (under lock) */
	struct tr_links cache[TR_CACHE];
	size_t cache_next;
};

static void hits_free(struct mr_track_hit *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)h[i].url);
	free(h);
}

/* Records one batch under the store lock; 0 or a status. */
static int write_batch(struct sv_server *s, struct mr_track_hit *h, size_t n)
{
	struct mr_error e = { 0 };
	int64_t rec = 0;
	pthread_mutex_lock(&s->store_lock);
	int rc = mr_store_track_record(s->store, h, n, sizeof(*h), &rec, &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc) {
		sv_log(s, "recording %zu tracking hits failed (kept for a retry): %s", n, e.msg);
		return rc;
	}
	pthread_mutex_lock(&s->tracker->lock);
	s->tracker->recorded += rec;
	s->tracker->skipped += (int64_t)n - rec;
	pthread_mutex_unlock(&s->tracker->lock);
	return 0;
}

static void *writer_main(void *arg)
{
	struct sv_server *s = arg;
	struct sv_tracker *t = s->tracker;
	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (t->n == 0 && !t->stop) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&t->cond, &t->lock, &ts);
		}
		if (t->n == 0 && t->stop)
			break;
		/* take up to TR_BATCH hits from the front */
		size_t take = t->n < TR_BATCH ? t->n : TR_BATCH;
		struct mr_track_hit *batch = malloc(take * sizeof(*batch));
		if (!batch) {
			pthread_mutex_unlock(&t->lock);
			usleep(50 * 1000);
			pthread_mutex_lock(&t->lock);
			continue;
		}
		memcpy(batch, t->pending, take * sizeof(*batch));
		memmove(t->pending, t->pending + take, (t->n - take) * sizeof(*batch));
		t->n -= take;
		pthread_mutex_unlock(&t->lock);
		int rc = write_batch(s, batch, take);
		pthread_mutex_lock(&t->lock);
		if (rc) {
			/* put them back in front, and wait a little (never drop them) */
			t->failures++;
			if (t->n + take <= t->cap) {
				memmove(t->pending + take, t->pending, t->n * sizeof(*batch));
				memcpy(t->pending, batch, take * sizeof(*batch));
				t->n += take;
				free(batch);
			} else {
				hits_free(batch, take);
			}
			if (t->stop && t->failures > 20)
				break; /* the store is gone: give up at exit */
			pthread_mutex_unlock(&t->lock);
			usleep(200 * 1000);
			pthread_mutex_lock(&t->lock);
			continue;
		}
		hits_free(batch, take);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int sv_track_start(struct sv_server *s)
{
	if (!mr_store_has(s->store, MR_STORE_CAP_TRACKING))
		return 0; /* /o and /c answer 404 */
	struct sv_tracker *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->cap = TR_MAX_PENDING;
	t->pending = calloc(t->cap, sizeof(*t->pending));
	s->tracker = t;
	if (!t->pending || pthread_create(&t->writer, NULL, writer_main, s) != 0) {
		free(t->pending);
		free(t);
		s->tracker = NULL;
		return -1;
	}
	t->started = 1;
	return 0;
}

void sv_track_stop(struct sv_server *s)
{
	struct sv_tracker *t = s->tracker;
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = 1;
	size_t left = t->n;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (t->started)
		pthread_join(t->writer, NULL);
	sv_log(s, "tracking: %lld hits recorded, %lld for unknown recipients skipped "
	       "(%zu were waiting at the stop%s)", (long long)t->recorded, (long long)t->skipped,
	       left, t->n ? ", SOME NOT WRITTEN" : "");
	hits_free(t->pending, t->n);
	for (size_t i = 0; i < TR_CACHE; i++) {
		for (int k = 0; k < t->cache[i].n; k++)
			free(t->cache[i].urls[k]);
		free(t->cache[i].urls);
	}
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
	s->tracker = NULL;
}

/* Queues a hit (url copied).  0, or -1 when the queue is full. */
static int enqueue(struct sv_server *s, const struct mr_track_token *tk, const char *url)
{
	struct sv_tracker *t = s->tracker;
	char *u = NULL;
	if (url && !(u = strdup(url)))
		return -1;
	pthread_mutex_lock(&t->lock);
	if (t->n >= t->cap || t->stop) {
		pthread_mutex_unlock(&t->lock);
		free(u);
		return -1;
	}
	t->pending[t->n++] = (struct mr_track_hit){
		.size = sizeof(struct mr_track_hit),
		.kind = tk->kind == MR_TRACK_TOKEN_CLICK ? MR_TRACK_CLICK : MR_TRACK_OPEN,
		.job_id = tk->job_id, .queue_id = tk->queue_id, .link = tk->link, .url = u,
		.when = (int64_t)time(NULL),
	};
	if (t->n >= TR_BATCH)
		pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

unsigned sv_track_token_of(struct sv_server *s, struct MHD_Connection *c, char kind,
			   struct mr_track_token *tk)
{
	const char *mr = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mr");
	if (!mr || !*mr || strlen(mr) > 100)
		return MHD_HTTP_BAD_REQUEST;
	int rc = mr_track_parse(s->verp, mr, tk);
	if (rc == MR_EPERMANENT)
		return MHD_HTTP_FORBIDDEN;
	if (rc)
		return MHD_HTTP_BAD_REQUEST;
	if (tk->kind != kind)
		return MHD_HTTP_FORBIDDEN; /* a pixel token used as a click, or the reverse */
	return 0;
}

enum MHD_Result sv_track_open(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c)
{
	if (!s->tracker)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "Not found", "<p>There is nothing here.</p>");
	struct mr_track_token tk;
	unsigned bad = sv_track_token_of(s, c, MR_TRACK_TOKEN_OPEN, &tk);
	if (bad) {
		sv_log(s, "%s %s: refused a %s token", r->ip, r->path,
		       bad == MHD_HTTP_FORBIDDEN ? "forged or wrong-purpose" : "malformed");
		return sv_respond(s, r, c, bad, NULL, "not a valid link\n", 17);
	}
	if (strcmp(r->method, "GET") == 0 && enqueue(s, &tk, NULL) != 0)
		return sv_respond(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "busy\n", 5);
	return sv_respond_x(s, r, c, MHD_HTTP_OK, "image/gif", (const char *)gif, sizeof(gif),
			    "Expires", "0");
}

struct links_ctx {
	char **urls;
	int n;
	int oom;
};

static int link_cb(void *cookie, int index, size_t start, size_t len, const char *url)
{
	struct links_ctx *lc = cookie;
	(void)start;
	(void)len;
	char **nu = realloc(lc->urls, (size_t)(index + 1) * sizeof(*nu));
	if (!nu || !(nu[index] = strdup(url))) {
		if (nu)
			lc->urls = nu;
		lc->oom = 1;
		return 1;
	}
	lc->urls = nu;
	lc->n = index + 1;
	return 0;
}

static int mailing_links_cb(void *cookie, const struct mr_mailing *m)
{
	mr_track_links(m->body_html, link_cb, cookie);
	return 0;
}

/* The URL of link `link` of mailing_id, copied into out; 0, MR_ENOTFOUND,
 * or another status. */
static int link_url(struct sv_server *s, int64_t mailing_id, int link, char *out, size_t n)
{
	struct sv_tracker *t = s->tracker;
	int rc = MR_ENOTFOUND;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < TR_CACHE; i++)
		if (t->cache[i].mailing_id == mailing_id && t->cache[i].urls) {
			if (link < t->cache[i].n && snprintf(out, n, "%s", t->cache[i].urls[link]) < (int)n)
				rc = 0;
			pthread_mutex_unlock(&t->lock);
			return rc;
		}
	pthread_mutex_unlock(&t->lock);
	struct links_ctx lc = { 0 };
	struct mr_error e = { 0 };
	pthread_mutex_lock(&s->store_lock);
	rc = mr_store_mailing_get(s->store, mailing_id, mailing_links_cb, &lc, &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc == 0 && lc.oom)
		rc = MR_ENOMEM;
	if (rc == 0) {
		rc = MR_ENOTFOUND;
		if (link < lc.n && snprintf(out, n, "%s", lc.urls[link]) < (int)n)
			rc = 0;
		pthread_mutex_lock(&t->lock);
		struct tr_links *slot = &t->cache[t->cache_next++ % TR_CACHE];
		for (int k = 0; k < slot->n; k++)
			free(slot->urls[k]);
		free(slot->urls);
		*slot = (struct tr_links){ mailing_id, lc.n, lc.urls };
		lc.urls = NULL;
		pthread_mutex_unlock(&t->lock);
	}
	for (int k = 0; lc.urls && k < lc.n; k++)
		free(lc.urls[k]);
	free(lc.urls);
	return rc;
}

enum MHD_Result sv_track_click(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c)
{
	if (!s->tracker)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "Not found", "<p>There is nothing here.</p>");
	struct mr_track_token tk;
	unsigned bad = sv_track_token_of(s, c, MR_TRACK_TOKEN_CLICK, &tk);
	if (bad) {
		sv_log(s, "%s %s: refused a %s token", r->ip, r->path,
		       bad == MHD_HTTP_FORBIDDEN ? "forged or wrong-purpose" : "malformed");
		return sv_page(s, r, c, bad, "This link is not valid",
			       "<p>This link is not valid: it may have been cut short when it was "
			       "copied. Open it again from the message.</p>");
	}
	/* any other query parameter is ignored: the target is only ever the
	 * signed link of the stored mailing, never something the request says */
	struct mr_bounce_target tg;
	memset(&tg, 0, sizeof(tg));
	struct mr_error e = { 0 };
	pthread_mutex_lock(&s->store_lock);
	int rc = mr_store_bounce_target(s->store, tk.job_id, tk.queue_id, NULL, &tg, &e);
	pthread_mutex_unlock(&s->store_lock);
	char url[2048];
	if (rc == 0)
		rc = tg.mailing_id ? link_url(s, tg.mailing_id, tk.link, url, sizeof(url)) :
				     MR_ENOTFOUND;
	if (rc == MR_ENOTFOUND)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "This link has expired",
			       "<p>The message this link came from is no longer known here.</p>");
	if (rc) {
		sv_log(s, "click of queue row %lld: %s", (long long)tk.queue_id, e.msg);
		return sv_page(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again later",
			       "<p>This link could not be followed just now.</p>");
	}
	if (strcmp(r->method, "GET") == 0 && enqueue(s, &tk, url) != 0)
		sv_log(s, "tracking queue full: a click of queue row %lld not recorded",
		       (long long)tk.queue_id);
	char body[2200];
	int bl = snprintf(body, sizeof(body), "%s\n", url);
	return sv_respond_x(s, r, c, MHD_HTTP_FOUND, NULL, body, bl > 0 ? (size_t)bl : 0,
			    "Location", url);
}
