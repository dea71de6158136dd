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

static int disabled_send_batch(void *state, struct mr_outmsg *msgs, size_t n, mr_send_cb *done,
			       void *cookie, struct mr_error *err)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t r = 0; r < msgs[i].n_rcpts; r++) {
			struct mr_send_result *res = &msgs[i].results[r];
			res->status = MR_SEND_PERMFAIL;
			res->code = 0;
			snprintf(res->enhanced, sizeof(res->enhanced), "5.3.0");
			snprintf(res->text, sizeof(res->text),
				 "outbound email is disabled ([mailroom] transport = disabled)");
		}
		if (done)
			done(cookie, i, &msgs[i]);
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
	.init = disabled_init,
	.deinit = disabled_deinit,
	.send_batch = disabled_send_batch,
	.describe = disabled_describe,
	.uses_store = mr_transport_no_store,
};

MR_PLUGIN_DEFINE(MR_KIND_TRANSPORT, "disabled", PACKAGE_VERSION,
		 "Sends nothing: every message fails permanently with \"outbound email is disabled\".",
		 disabled_keys, 0, &disabled_ops);
