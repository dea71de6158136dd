/* SPDX-License-Identifier: MIT */
/* The counters of a fetch-bounces run (and the ignored verdict that counts one), exact under the fetch loop's retries: each message's contribution is kept by key (a group processed again replaces it) and added to the run's totals only once the store has recorded the message. */
#include "config.h"
#include <mailroom/printable.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fetch-bounces.h"

static uint64_t key_hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *k; k++) {
		h ^= (unsigned char)*k;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Doubles the table (or makes the first one); 0 or -1 when out of memory. */
static int grow(struct fb_proc *p)
{
	size_t cap = p->contrib_cap ? p->contrib_cap * 2 : 256;
	struct fb_contrib *t = calloc(cap, sizeof(*t));
	if (!t)
		return -1;
	for (size_t i = 0; i < p->contrib_cap; i++) {
		struct fb_contrib *c = &p->contribs[i];
		if (!c->key)
			continue;
		size_t j = (size_t)c->hash & (cap - 1);
		while (t[j].key)
			j = (j + 1) & (cap - 1);
		t[j] = *c;
	}
	free(p->contribs);
	p->contribs = t;
	p->contrib_cap = cap;
	return 0;
}

static void sub(struct fb_counts *a, const struct fb_counts *b)
{
	a->messages -= b->messages;
	a->bounces -= b->bounces;
	a->low -= b->low;
	a->holds -= b->holds;
	a->ignored -= b->ignored;
	a->forged -= b->forged;
	a->unsigned_ -= b->unsigned_;
	a->actions -= b->actions;
	a->forwarded -= b->forwarded;
}

static void add(struct fb_counts *a, const struct fb_counts *b)
{
	a->messages += b->messages;
	a->bounces += b->bounces;
	a->low += b->low;
	a->holds += b->holds;
	a->ignored += b->ignored;
	a->forged += b->forged;
	a->unsigned_ += b->unsigned_;
	a->actions += b->actions;
	a->forwarded += b->forwarded;
}

void fb_contrib_put(struct fb_proc *p, const char *key, const struct fb_counts *before)
{
	struct fb_counts d = p->n;
	sub(&d, before);
	p->n = *before; /* counted only once the message is recorded */
	if ((p->n_contribs + 1) * 2 > p->contrib_cap && grow(p) != 0)
		return;
	uint64_t h = key_hash(key);
	size_t j = (size_t)h & (p->contrib_cap - 1);
	while (p->contribs[j].key && !(p->contribs[j].hash == h && !strcmp(p->contribs[j].key, key)))
		j = (j + 1) & (p->contrib_cap - 1);
	struct fb_contrib *c = &p->contribs[j];
	if (!c->key) {
		if (!(c->key = strdup(key)))
			return;
		c->hash = h;
		p->n_contribs++;
	}
	c->c = d; /* processed again: the new contribution replaces the old one */
}

void fb_contrib_settle(struct fb_proc *p, const char *account)
{
	for (size_t i = 0; i < p->contrib_cap; i++) {
		struct fb_contrib *c = &p->contribs[i];
		if (!c->key)
			continue;
		int seen = 0;
		struct mr_error e = { 0 };
		if (mr_store_msg_seen(p->store, account, c->key, &seen, &e) != 0)
			p->core->log(p->log, MR_LOG_ERR, "counting message %s: %s", c->key, e.msg);
		else if (seen)
			add(&p->n, &c->c);
		free(c->key);
		c->key = NULL;
	}
	p->n_contribs = 0;
}

void fb_contrib_free(struct fb_proc *p)
{
	for (size_t i = 0; i < p->contrib_cap; i++)
		free(p->contribs[i].key);
	free(p->contribs);
	p->contribs = NULL;
	p->contrib_cap = p->n_contribs = 0;
}

int fb_ignore(struct fb_proc *p, const struct mr_fetched *msg, char *reason, size_t size,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, size, fmt, ap);
	va_end(ap);
	/* the reason quotes the message (a VERP address): it is logged here and
	 * by the fetch loop, so it is made safe in place */
	char *safe = size ? malloc(size) : NULL;
	if (safe) {
		mr_printable_str(safe, size, reason);
		memcpy(reason, safe, strlen(safe) + 1);
		free(safe);
	}
	p->n.ignored++;
	/* the fetch loop logs the reason too, at notice */
	p->core->log(p->log, MR_LOG_DEBUG, "account %s, message %s: ignored: %s", p->account,
		     msg->label ? msg->label : msg->key, reason);
	return MR_VERDICT_IGNORED;
}
