/* SPDX-License-Identifier: MIT */
/* A batch slot of the process-mailing job: its claimed recipients, rendered in parts by render threads, and the message list handed to the transport. */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "process-mailing.h"

int pm_slot_alloc(struct pm_slot *sl, size_t cap, const char *owner, struct pm_sync *sync)
{
	memset(sl, 0, sizeof(*sl));
	sl->jr.fd = -1;
	snprintf(sl->owner, sizeof(sl->owner), "%s", owner);
	sl->cap = cap;
	sl->sync = sync;
	sl->rcpts = calloc(cap, sizeof(*sl->rcpts));
	sl->rendered = calloc(cap, sizeof(*sl->rendered));
	sl->msgs = calloc(cap, sizeof(*sl->msgs));
	sl->results = calloc(cap, sizeof(*sl->results));
	sl->rcpt_ptrs = calloc(cap, sizeof(*sl->rcpt_ptrs));
	sl->fail = calloc(cap, sizeof(*sl->fail));
	return sl->rcpts && sl->rendered && sl->msgs && sl->results && sl->rcpt_ptrs && sl->fail
		       ? 0
		       : -1;
}

void pm_slot_free(struct pm_slot *sl)
{
	for (size_t i = 0; i < sl->cap; i++) {
		if (sl->rcpts)
			free(sl->rcpts[i].strs);
		if (sl->rendered)
			free(sl->rendered[i].data);
	}
	free(sl->rcpts);
	free(sl->rendered);
	free(sl->msgs);
	free(sl->results);
	free(sl->rcpt_ptrs);
	free(sl->fail);
	pm_journal_close(&sl->jr);
	memset(sl, 0, sizeof(*sl));
	sl->jr.fd = -1;
}

int pm_slot_add(void *slot, const struct mr_recipient *r)
{
	struct pm_slot *sl = slot;
	if (sl->n >= sl->cap)
		return MR_EINTERNAL;
	struct pm_rcpt *c = &sl->rcpts[sl->n];
	size_t l1 = strlen(r->email) + 1, l2 = strlen(r->first_name) + 1,
	       l3 = strlen(r->last_name) + 1, l4 = strlen(r->display_name) + 1,
	       l5 = r->fields ? strlen(r->fields) + 1 : 1;
	free(c->strs);
	if (!(c->strs = malloc(l1 + l2 + l3 + l4 + l5)))
		return MR_ENOMEM;
	char *p = c->strs;
	c->r = *r;
	c->r.email = memcpy(p, r->email, l1);
	c->r.first_name = memcpy(p += l1, r->first_name, l2);
	c->r.last_name = memcpy(p += l2, r->last_name, l3);
	c->r.display_name = memcpy(p += l3, r->display_name, l4);
	c->r.fields = memcpy(p += l4, r->fields ? r->fields : "", l5);
	sl->n++;
	return 0;
}

/* A render thread (no store, no log): renders the slot's recipients one by
 * one with its own renderer until none is left. */
static void *render_part(void *arg)
{
	struct pm_part *pt = arg;
	struct pm_slot *sl = pt->slot;
	size_t i;
	while ((i = __atomic_fetch_add(&sl->next, 1, __ATOMIC_RELAXED)) < sl->n) {
		struct mr_error e = { 0 };
		memset(&sl->fail[i], 0, sizeof(sl->fail[i]));
		if (mr_render(pt->renderer, &sl->rcpts[i].r, sl->now, &sl->rendered[i],
					 &e) != 0) {
			sl->fail[i].status = MR_SEND_PERMFAIL;
			snprintf(sl->fail[i].enhanced, sizeof(sl->fail[i].enhanced), "5.1.3");
			snprintf(sl->fail[i].text, sizeof(sl->fail[i].text), "not rendered: %s", e.msg);
		}
	}
	pthread_mutex_lock(&sl->sync->mu);
	if (--sl->parts_left == 0)
		pthread_cond_signal(&sl->sync->cv);
	pthread_mutex_unlock(&sl->sync->mu);
	return NULL;
}

void pm_slot_render(struct pm_slot *sl, struct mr_renderer *const *renderers, int64_t now)
{
	sl->now = now;
	sl->nm = 0;
	sl->next = 0;
	pthread_mutex_lock(&sl->sync->mu);
	sl->parts_left = PM_PARTS;
	pthread_mutex_unlock(&sl->sync->mu);
	/* render threads take no signals: they stay with the job's thread */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int k = 0; k < PM_PARTS; k++) {
		sl->parts[k].slot = sl;
		sl->parts[k].renderer = renderers[k];
		sl->parts[k].running = pthread_create(&sl->parts[k].tid, NULL, render_part,
						      &sl->parts[k]) == 0;
		if (!sl->parts[k].running)
			render_part(&sl->parts[k]);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void pm_slot_collect(struct pm_slot *sl)
{
	for (int k = 0; k < PM_PARTS; k++)
		if (sl->parts[k].running) {
			pthread_join(sl->parts[k].tid, NULL);
			sl->parts[k].running = 0;
		}
	sl->nm = 0;
	for (size_t i = 0; i < sl->n; i++) {
		if (sl->fail[i].status == MR_SEND_PERMFAIL)
			continue;
		struct mr_rendered_msg *out = &sl->rendered[i];
		size_t k = sl->nm++;
		sl->rcpt_ptrs[k] = sl->rcpts[i].r.email;
		memset(&sl->results[k], 0, sizeof(sl->results[k]));
		sl->msgs[k] = (struct mr_outmsg){
			.size = sizeof(sl->msgs[k]), .envelope_from = out->envelope_from,
			.rcpts = &sl->rcpt_ptrs[k], .n_rcpts = 1, .data = out->data, .len = out->len,
			.result_size = sizeof(sl->results[k]), .results = &sl->results[k],
			.user = (void *)(uintptr_t)i,
		};
	}
}
