/* SPDX-License-Identifier: MIT */
/* transport-sendmail: hands each message to a sendmail-compatible program (Postfix's or Exim's sendmail, msmtp) as PATH ARGS -i -f SENDER -- RECIPIENTS. */
#include "config.h"
#include <mailroom/plugin.h>
#include "sendmail-run.h"

/* The plugin's keys, filled by the core from its section (sendmail_keys). */
struct sendmail_conf {
	const char *path;
	const char *args;
	long long timeout;
};

static int sendmail_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct sendmail_conf *conf = ctx->conf;
	return sm_transport_new(ctx, conf->path, conf->args, 0, conf->timeout, state_r, err);
}

static const struct mr_key sendmail_keys[] = {
	{ .name = "path", .type = MR_KEY_PATH, .def = "/usr/sbin/sendmail",
	  .help = "the sendmail-compatible program, an absolute file name (run with execve: no shell, "
	  "no PATH search)", MR_KEY_FIELD(struct sendmail_conf, path) },
	{ .name = "args", .type = MR_KEY_STRING,
	  .help = "extra arguments put before mailroom's own (-i -f SENDER -- RECIPIENTS), split at "
	  "spaces, no quoting; e.g. '-C /etc/msmtprc' or '-odb'",
	  MR_KEY_FIELD(struct sendmail_conf, args) },
	{ .name = "timeout", .type = MR_KEY_DURATION, .def = "2m",
	  .help = "the longest one run may take; then the program is killed and the message is "
	  "retried later", MR_KEY_FIELD(struct sendmail_conf, timeout) },
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
		 "Hands each message to a sendmail-compatible program; a quoted 4xx/5xx reply, "
		 "else exits 65, 67, 68 and 77, are permanent failures, any other non-zero exit "
		 "a temporary one.",
		 sendmail_keys, sizeof(struct sendmail_conf), &sendmail_ops);
