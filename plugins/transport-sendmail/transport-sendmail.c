/* SPDX-License-Identifier: MIT */
/* transport-sendmail: hands each message to a sendmail-compatible program (Postfix's or Exim's sendmail, msmtp) as PATH ARGS -i -f SENDER -- RECIPIENTS. */
#include "config.h"
#include <mailroom/plugin.h>
#include "sendmail-run.h"

static int sendmail_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	return sm_transport_new(ctx, core->cfg_str(ctx->cfg, "path"),
				core->cfg_str(ctx->cfg, "args"), 0, state_r, err);
}

static const struct mr_key sendmail_keys[] = {
	{ "path", MR_KEY_PATH, "/usr/sbin/sendmail", "the sendmail-compatible program, an "
	  "absolute file name (run with execve: no shell, no PATH search)" },
	{ "args", MR_KEY_STRING, NULL, "extra arguments put before mailroom's own "
	  "(-i -f SENDER -- RECIPIENTS), split at spaces, no quoting; e.g. "
	  "'-C /etc/msmtprc' or '-odb'" },
	{ "timeout", MR_KEY_DURATION, "2m", "the longest one run may take; then the program "
	  "is killed and the message is retried later" },
	{ 0 }
};

static const struct mr_transport_ops sendmail_ops = {
	.size = sizeof(struct mr_transport_ops),
	.caps = MR_TRANSPORT_NO_STORE,
	.init = sendmail_init,
	.deinit = sm_transport_free,
	.send = sm_transport_send,
	.describe = sm_transport_describe,
};

MR_PLUGIN_DEFINE(MR_KIND_TRANSPORT, "sendmail", PACKAGE_VERSION,
		 "Hands each message to a sendmail-compatible program; exit 75 is a temporary "
		 "failure, any other non-zero exit a permanent one.",
		 sendmail_keys, &sendmail_ops);
