/* SPDX-License-Identifier: MIT */
/* transport-disabled driven through the fake core: its descriptor, init, send (every recipient refused for good, final called in order, nothing offered), describe and deinit. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "fake-core.h"

/* linked in from plugins/transport-disabled/transport-disabled.c */
extern const struct mr_plugin_desc mr_plugin_descriptor;

struct calls {
	size_t n, offered;
	size_t order[8];
};

static int on_offered(void *cookie, size_t i, struct mr_outmsg *msg)
{
	((struct calls *)cookie)->offered++;
	return 0;
}

static void on_done(void *cookie, size_t i, struct mr_outmsg *msg)
{
	struct calls *c = cookie;
	if (c->n < 8)
		c->order[c->n] = i;
	c->n++;
}

int main(void)
{
	const struct mr_plugin_desc *d = &mr_plugin_descriptor;
	TAP_INT(d->magic, MR_PLUGIN_MAGIC, "descriptor: magic");
	TAP_INT(d->abi_major, MR_ABI_MAJOR, "descriptor: ABI major");
	TAP_INT(d->size, sizeof(struct mr_plugin_desc), "descriptor: size");
	TAP_INT(d->kind, MR_KIND_TRANSPORT, "descriptor: a transport");
	TAP_STR(d->name, "disabled", "descriptor: name");
	TAP_OK(d->keys && d->keys[0].name == NULL, "descriptor: accepts no key");

	const struct mr_transport_ops *ops = d->ops;
	TAP_INT(ops->size, sizeof(struct mr_transport_ops), "ops: size");
	TAP_OK(ops->init && ops->deinit && ops->send, "ops: the MUST slots are set");
	TAP_OK(ops->caps & MR_TRANSPORT_NO_STORE, "ops: sending never touches the store");
	TAP_OK(!(ops->caps & MR_TRANSPORT_STREAMING) && !ops->stream_open,
	       "ops: no stream (a batch at a time)");

	struct fake_core fc;
	fake_core_init(&fc, NULL);
	struct mr_plugin_ctx ctx = fake_core_ctx(&fc, d, "off");
	TAP_STR(fc.core.cfg_name(ctx.cfg), "transport-off", "ctx: the section is transport-off");

	struct mr_error err = { 0 };
	void *state = NULL;
	TAP_INT(ops->init(&ctx, &state, &err), 0, "init succeeds");
	TAP_STR(ops->describe(state), "nowhere: outbound email is disabled", "describe");

	/* two messages, two recipients and one; results start PENDING */
	const char *r1[] = { "a@example.org", "b@example.org" };
	const char *r2[] = { "c@example.org" };
	struct mr_send_result res1[2], res2[1];
	memset(res1, 0, sizeof(res1));
	memset(res2, 0, sizeof(res2));
	static const char data[] = "From: x@example.org\nSubject: hi\n\nbody\n";
	struct mr_outmsg msgs[2] = {
		{ .size = sizeof(msgs[0]), .envelope_from = "x@example.org", .rcpts = r1,
		  .n_rcpts = 2, .data = data, .len = sizeof(data) - 1,
		  .result_size = sizeof(res1[0]), .results = res1 },
		{ .size = sizeof(msgs[0]), .envelope_from = "", .rcpts = r2, .n_rcpts = 1,
		  .data = data, .len = sizeof(data) - 1, .result_size = sizeof(res2[0]),
		  .results = res2 },
	};
	struct calls calls = { 0 };
	struct mr_send_hooks hooks = { .size = sizeof(hooks), .cookie = &calls,
				       .offered = on_offered, .final = on_done };
	TAP_INT(ops->send(state, msgs, 2, &hooks, &err), 0,
		"send: 0 (every message has a result)");
	const struct mr_send_result *all[] = { &res1[0], &res1[1], &res2[0] };
	for (size_t i = 0; i < 3; i++) {
		TAP_INT(all[i]->status, MR_SEND_PERMFAIL, "recipient %zu: permanent failure", i);
		TAP_STR(all[i]->enhanced, "5.3.0", "recipient %zu: status 5.3.0", i);
		TAP_STR(all[i]->text, "outbound email is disabled ([mailroom] transport = disabled)",
			"recipient %zu: says why", i);
	}
	TAP_INT(calls.n, 2, "final called once per message");
	TAP_OK(calls.order[0] == 0 && calls.order[1] == 1, "final called in message order");
	TAP_INT(calls.offered, 0, "nothing is offered to any server");

	/* hooks MAY be NULL; an empty batch is fine */
	res2[0].status = MR_SEND_PENDING;
	TAP_INT(ops->send(state, &msgs[1], 1, NULL, &err), 0, "send without hooks");
	TAP_INT(res2[0].status, MR_SEND_PERMFAIL, "without hooks: refused all the same");
	calls.n = 0;
	TAP_INT(ops->send(state, msgs, 0, &hooks, &err), 0, "an empty batch");
	TAP_INT(calls.n, 0, "an empty batch: final never called");

	ops->deinit(state);
	TAP_INT(fc.log_lines, 0, "it logs nothing (the caller logs the results)");
	TAP_INT(err.status, 0, "err untouched");
	return tap_done();
}
