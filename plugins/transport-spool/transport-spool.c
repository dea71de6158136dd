/* SPDX-License-Identifier: MIT */
/* transport-spool: "redirect to database": every message is stored in the store's spool, with its envelope, instead of being sent. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mailroom/plugin.h>
#include <mailroom/message.h>

struct spool {
	const struct mr_core *core;
	const struct mr_log *log;
};

static int spool_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	struct spool *s = calloc(1, sizeof(*s));
	if (!s)
		return ctx->core->error_set(err, MR_ENOMEM, "out of memory");
	s->core = ctx->core;
	s->log = ctx->log;
	*state_r = s;
	return 0;
}

static void spool_deinit(void *state)
{
	free(state);
}

/* Offset of the body: just after the empty line that ends the header. */
static size_t body_offset(const char *d, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (d[i] == '\n' && (d[i + 1] == '\n' || (d[i + 1] == '\r' && i + 2 < len &&
							  d[i + 2] == '\n')))
			return i + (d[i + 1] == '\n' ? 2 : 3);
	return len;
}

static char *join_rcpts(const struct mr_outmsg *m)
{
	size_t need = 1;
	for (size_t r = 0; r < m->n_rcpts; r++)
		need += strlen(m->rcpts[r]) + 1;
	char *out = malloc(need), *p = out;
	if (!out)
		return NULL;
	for (size_t r = 0; r < m->n_rcpts; r++)
		p += sprintf(p, "%s%s", r ? "," : "", m->rcpts[r]);
	*p = '\0';
	return out;
}

static void set_all(struct mr_outmsg *m, enum mr_send_status st, int code, const char *enh,
		    const char *text)
{
	for (size_t r = 0; r < m->n_rcpts; r++) {
		struct mr_send_result *res = mr_outmsg_result(m, r);
		res->status = st;
		res->code = code;
		snprintf(res->enhanced, sizeof(res->enhanced), "%s", enh);
		snprintf(res->text, sizeof(res->text), "%s", text);
	}
}

/* One store transaction per batch: each message is offered right before its
 * spool write, and every message becomes final after the commit. */
static int spool_send(void *state, struct mr_outmsg *msgs, size_t n,
		      const struct mr_send_hooks *hooks, struct mr_error *err)
{
	struct spool *s = state;
	struct mr_store *st = s->core->store(s->core);
	if (!st)
		return s->core->error_set(err, MR_EINTERNAL, "the spool transport has no store");
	int rc = mr_store_begin(st, err);
	if (rc)
		return rc;
	size_t stored = 0;
	int64_t now = s->core->now(s->core);
	for (size_t i = 0; i < n; i++) {
		struct mr_outmsg *m = mr_outmsg_at(msgs, i);
		if (hooks && hooks->offered && hooks->offered(hooks->cookie, i, m) != 0) {
			set_all(m, MR_SEND_TEMPFAIL, 0, "4.3.0",
				"not tried: the sender could not record that it starts");
			continue;
		}
		char *rcpts = join_rcpts(m);
		char *subject = mr_mime_subject(m->data, m->len);
		size_t boff = body_offset(m->data, m->len);
		struct mr_spool_msg sm = {
			.added = now, .sender = m->envelope_from, .recipient = rcpts ? rcpts : "",
			.subject = subject ? subject : "", .headers = m->data, .headers_len = boff,
			.body = m->data + boff, .body_len = m->len - boff,
		};
		int64_t id = 0;
		struct mr_error e = { 0 };
		if (!rcpts || mr_store_spool_add(st, &sm, &id, &e) != 0) {
			set_all(m, MR_SEND_TEMPFAIL, 451, "4.3.0",
				rcpts ? e.msg : "out of memory");
		} else {
			char text[64];
			snprintf(text, sizeof(text), "stored in the spool as id %lld", (long long)id);
			set_all(m, MR_SEND_OK, 250, "2.0.0", text);
			stored++;
		}
		free(rcpts);
		free(subject);
	}
	rc = mr_store_commit(st, err);
	if (rc) {
		/* nothing was stored: no message may be reported as sent */
		mr_store_rollback(st);
		for (size_t i = 0; i < n; i++)
			set_all(mr_outmsg_at(msgs, i), MR_SEND_TEMPFAIL, 451, "4.3.0", err->msg);
	}
	for (size_t i = 0; hooks && hooks->final && i < n; i++)
		hooks->final(hooks->cookie, i, mr_outmsg_at(msgs, i));
	s->core->log(s->log, MR_LOG_DEBUG, "spooled %zu of %zu messages", rc ? 0 : stored, n);
	return 0;
}

static const char *spool_describe(void *state)
{
	return "the store's spool (nothing leaves the machine)";
}

static const struct mr_key spool_keys[] = { { 0 } };

static const struct mr_transport_ops spool_ops = {
	.size = sizeof(struct mr_transport_ops),
	.caps = 0, /* it writes to the site's store */
	.init = spool_init,
	.deinit = spool_deinit,
	.send = spool_send,
	.describe = spool_describe,
	.store_caps = MR_STORE_CAP_SPOOL,
};

MR_PLUGIN_DEFINE(MR_KIND_TRANSPORT, "spool", PACKAGE_VERSION,
		 "Redirects to the database: stores every message in the spool instead of sending it.",
		 spool_keys, 0, &spool_ops);
