/* SPDX-License-Identifier: MIT */
/* transport-mail: the zero-configuration default, like PHP's mail(): hands each message to the machine's own MTA as /usr/sbin/sendmail -t -i -f SENDER. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <mailroom/plugin.h>
#include "sendmail-run.h"

/* The plugin's keys, filled by the core from its section (mail_keys). */
struct mail_conf {
	const char *path;
	long long timeout;
};

static int mail_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	const struct mail_conf *conf = ctx->conf;
	const char *path = conf->path;
	if (path && path[0] == '/' && access(path, X_OK) != 0) {
		int e = errno;
		return core->error_set(err, MR_ECONFIG, "no mail transfer agent is installed: %s "
				       "%s (install one, such as postfix or exim4, or choose "
				       "another transport, e.g. 'transport = smtp' in [mailroom])",
				       path, e == ENOENT ? "does not exist" : strerror(e));
	}
	return sm_transport_new(ctx, path, NULL, 1, conf->timeout, state_r, err);
}

static const struct mr_key mail_keys[] = {
	{ .name = "path", .type = MR_KEY_PATH, .def = "/usr/sbin/sendmail",
	  .help = "the MTA's sendmail interface (the program learns its own configuration, e.g. "
	  "Postfix's from MAIL_CONFIG)", MR_KEY_FIELD(struct mail_conf, path) },
	{ .name = "timeout", .type = MR_KEY_DURATION, .def = "2m",
	  .help = "the longest one run may take; then the program is killed and the message is "
	  "retried later", MR_KEY_FIELD(struct mail_conf, timeout) },
	{ 0 }
};

static const struct mr_transport_ops mail_ops = {
	.size = sizeof(struct mr_transport_ops),
	.caps = MR_TRANSPORT_NO_STORE,
	.init = mail_init,
	.deinit = sm_transport_free,
	.send = sm_transport_send,
	.describe = sm_transport_describe,
};

MR_PLUGIN_DEFINE(MR_KIND_TRANSPORT, "mail", PACKAGE_VERSION,
		 "Hands each message to the machine's own MTA (sendmail -t -i), like PHP's "
		 "mail(): recipients come from the To, Cc and Bcc headers.",
		 mail_keys, sizeof(struct mail_conf), &mail_ops);
