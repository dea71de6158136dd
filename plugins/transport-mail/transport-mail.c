/* SPDX-License-Identifier: MIT */
/* transport-mail: the zero-configuration default, like PHP's mail(): hands each message to the machine's own MTA as /usr/sbin/sendmail -t -i -f SENDER. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mailroom/plugin.h>
#include "sendmail-run.h"

static int mail_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	const char *path = core->cfg_str(ctx->cfg, "path");
	if (path && path[0] == '/' && access(path, X_OK) != 0) {
		int e = errno;
		return core->error_set(err, MR_ECONFIG, "no mail transfer agent is installed: %s "
				       "%s (install one, such as postfix or exim4, or choose "
				       "another transport, e.g. 'transport = smtp' in [mailroom])",
				       path, e == ENOENT ? "does not exist" : strerror(e));
	}
	struct sm_conf *c = calloc(1, sizeof(*c));
	if (!c)
		return core->error_set(err, MR_ENOMEM, "out of memory");
	int rc = sm_conf_init(c, ctx, path, NULL, 1,
			      (long)core->cfg_duration(ctx->cfg, "timeout"), err);
	if (rc) {
		sm_conf_free(c);
		free(c);
		return rc;
	}
	*state_r = c;
	return 0;
}

static void mail_deinit(void *state)
{
	sm_conf_free(state);
	free(state);
}

static int mail_send_batch(void *state, struct mr_outmsg *msgs, size_t n, mr_send_cb *done,
			   void *cookie, struct mr_error *err)
{
	return sm_send_batch(state, msgs, n, done, cookie, err);
}

static const char *mail_describe(void *state)
{
	return ((struct sm_conf *)state)->describe;
}

/* Nothing needs setting: both keys exist for unusual machines and tests. */
static const struct mr_key mail_keys[] = {
	{ "path", MR_KEY_PATH, "/usr/sbin/sendmail", "the MTA's sendmail interface (the "
	  "program learns its own configuration, e.g. Postfix's from MAIL_CONFIG)" },
	{ "timeout", MR_KEY_DURATION, "2m", "the longest one run may take; then the program "
	  "is killed and the message is retried later" },
	{ 0 }
};

static const struct mr_transport_ops mail_ops = {
	.size = sizeof(struct mr_transport_ops),
	.init = mail_init,
	.deinit = mail_deinit,
	.send_batch = mail_send_batch,
	.describe = mail_describe,
};

MR_PLUGIN_DEFINE(MR_KIND_TRANSPORT, "mail", PACKAGE_VERSION,
		 "Hands each message to the machine's own MTA (sendmail -t -i), like PHP's "
		 "mail(): recipients come from the To, Cc and Bcc headers.",
		 mail_keys, &mail_ops);
