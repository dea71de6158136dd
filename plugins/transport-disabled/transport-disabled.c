/* SPDX-License-Identifier: MIT */
/* transport-disabled: outbound email is switched off; every send fails permanently and nothing is marked sent. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <mailroom/plugin.h>

static int disabled_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	*state_r = (void *)ctx;
	return 0;
}

static void disabled_deinit(void *state)
{
}

/* Nothing is offered to any server: every message goes straight to final. */
static int disabled_send(void *state, struct mr_outmsg *msgs, size_t n,
			 const struct mr_send_hooks *hooks, struct mr_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct mr_outmsg *m = mr_outmsg_at(msgs, i);
		for (size_t r = 0; r < m->n_rcpts; r++) {
			struct mr_send_result *res = mr_outmsg_result(m, r);
			res->status = MR_SEND_PERMFAIL;
			res->code = 0;
			snprintf(res->enhanced, sizeof(res->enhanced), "5.3.0");
			snprintf(res->text, sizeof(res->text),
				 "outbound email is disabled ([mailroom] transport = disabled)");
		}
		if (hooks && hooks->final)
			hooks->final(hooks->cookie, i, m);
	}
	return 0;
}

static const char *disabled_describe(void *state)
{
	return "nowhere: outbound email is disabled";
}

static const struct mr_key disabled_keys[] = { { 0 } };

static const struct mr_transport_ops disabled_ops = {
	.size = sizeof(struct mr_transport_ops),
	.caps = MR_TRANSPORT_NO_STORE,
	.init = disabled_init,
	.deinit = disabled_deinit,
	.send = disabled_send,
	.describe = disabled_describe,
};

MR_PLUGIN_DEFINE(MR_KIND_TRANSPORT, "disabled", PACKAGE_VERSION,
		 "Sends nothing: every message fails permanently with \"outbound email is disabled\".",
		 disabled_keys, 0, &disabled_ops);
