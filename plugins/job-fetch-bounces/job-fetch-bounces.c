/* SPDX-License-Identifier: MIT */
/* job-fetch-bounces: reads the bounce account(s) through the fetch loop and hands each message to the bounce processor; one unusable message is ignored with a logged reason and never stops the run. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fetch-bounces.h"

/* The plugin's keys, filled by the core from its section (fb_keys). */
struct fb_conf {
	const char *account;
	int forward_replies;
	int match_by_address;
	const char *auto_reply_file;
	const char *auto_reply_subject;
	long long auto_reply_period;
};

static const struct mr_key fb_keys[] = {
	{ .name = "account", .type = MR_KEY_STRING,
	  .help = "the NAME of the [account-NAME] to read; unset: every account with used_for = bounce",
	  MR_KEY_FIELD(struct fb_conf, account) },
	{ .name = "forward_replies", .type = MR_KEY_BOOL, .def = "yes",
	  .help = "forward mail to a VERP reply address to the mailing's Reply-To (else From) through "
	  "the transport", MR_KEY_FIELD(struct fb_conf, forward_replies) },
	{ .name = "match_by_address", .type = MR_KEY_BOOL, .def = "no",
	  .help = "record a bounce that carries no signed id of ours (VERP address, original "
	  "Return-Path or X-Mailroom-Id) against the known addresses it names: forgeable by anyone "
	  "who can mail the bounce account, so such events are flagged low confidence and never put "
	  "an email on hold; complaints are never matched by address",
	  MR_KEY_FIELD(struct fb_conf, match_by_address) },
	{ .name = "auto_reply_file", .type = MR_KEY_PATH,
	  .help = "a UTF-8 text file: its text is sent back to whoever replies to a mailing (unset: "
	  "no auto-reply), at most once per address and auto_reply_period, never to an automatic "
	  "or bulk message or one with a null Return-Path (RFC 3834), nor to a contact on hold or "
	  "opted out", MR_KEY_FIELD(struct fb_conf, auto_reply_file) },
	{ .name = "auto_reply_subject", .type = MR_KEY_STRING, .def = "Thank you for your reply",
	  .help = "the Subject of the auto-reply", MR_KEY_FIELD(struct fb_conf, auto_reply_subject) },
	{ .name = "auto_reply_period", .type = MR_KEY_DURATION, .def = "7d",
	  .help = "an address gets at most one auto-reply in this time",
	  MR_KEY_FIELD(struct fb_conf, auto_reply_period) },
	{ 0 }
};

/* The auto-reply's text (at most 64 KiB) into p; 0 or MR_ECONFIG naming
 * the key and the file. */
static int load_auto_reply(const struct mr_core *core, struct fb_proc *p,
			   const struct fb_conf *conf, struct mr_error *err)
{
	if (!conf->auto_reply_file || !*conf->auto_reply_file)
		return 0;
	if (!MR_STORE_BOUNCE_HAS(p->store, auto_reply_due))
		return mr_store_unsupported(p->store, MR_STORE_CAP_BOUNCE, err);
	FILE *f = fopen(conf->auto_reply_file, "rb");
	char *d = f ? calloc(1, 65537) : NULL;
	size_t n = d ? fread(d, 1, 65537, f) : 0;
	int bad = !d || n > 65536 || ferror(f) || memchr(d, '\0', n) || n == 0;
	if (f)
		fclose(f);
	if (bad) {
		free(d);
		return core->error_set(err, MR_ECONFIG, "auto_reply_file %s: %s",
				       conf->auto_reply_file, !f ? "cannot be read" :
				       "not a text of 1 to 65536 bytes");
	}
	p->auto_body = d;
	p->auto_subject = conf->auto_reply_subject && *conf->auto_reply_subject ?
			  conf->auto_reply_subject : "Thank you for your reply";
	for (const char *c = p->auto_subject; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return core->error_set(err, MR_ECONFIG, "auto_reply_subject: a control "
					       "character");
	p->auto_period = conf->auto_reply_period;
	return 0;
}

/* The store slots this job needs. */
static int store_ready(const struct mr_core *core, const struct mr_store *st,
		       struct mr_error *err)
{
	if (!st || !st->ops)
		return core->error_set(err, MR_ECONFIG, "fetch-bounces needs a store");
	if (!mr_store_has(st, MR_STORE_CAP_BOUNCE))
		return mr_store_unsupported(st, MR_STORE_CAP_BOUNCE, err);
	return 0;
}

static int run_account(struct fb_proc *p, struct mr_job_ctx *ctx, struct mr_account *a,
		       struct mr_fetch_stats *total, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	struct mr_fetch_opts o = {
		.process = fb_process,
		.cookie = p,
		.deadline = ctx->deadline,
		.stop = ctx->stop,
		.log = ctx->log,
	};
	struct mr_fetch_stats s;
	memset(&s, 0, sizeof(s));
	p->account = a->name;
	int rc = core->fetch_run(core, a, &o, &s, err);
	fb_contrib_settle(p, a->name);
	fb_forward_replies(p, a->name);
	total->processed += s.processed;
	total->ignored += s.ignored;
	total->already += s.already;
	total->failed += s.failed;
	total->dispose_failed += s.dispose_failed;
	return rc;
}

static int fb_run(void *state, struct mr_job_ctx *ctx, struct mr_error *err)
{
	(void)state;
	const struct mr_core *core = ctx->core;
	int rc = store_ready(core, ctx->store, err);
	if (rc)
		return rc;
	struct fb_proc p;
	memset(&p, 0, sizeof(p));
	p.core = core;
	p.log = ctx->log;
	p.store = ctx->store;
	p.transport = ctx->transport;
	const struct fb_conf *conf = ctx->conf;
	p.forward_replies = conf->forward_replies;
	p.match_by_address = conf->match_by_address;
	if ((rc = load_auto_reply(core, &p, conf, err)) != 0) {
		fb_proc_free(&p);
		return rc;
	}
	if ((rc = mr_mail_rules_load(core, &p.rules, err)) != 0) {
		fb_proc_free(&p);
		return rc;
	}
	if ((rc = mr_mail_verp_conf(core, &p.verp, err)) != 0) {
		fb_proc_free(&p);
		return rc;
	}
	if (!p.verp->secret || !p.verp->secret_len) {
		fb_proc_free(&p);
		return core->error_set(err, MR_ECONFIG, "fetch-bounces: no site secret ([mailroom] "
				       "secret_file): VERP hashes cannot be checked, so no bounce "
				       "could be told from a forged one");
	}
	const char *only = conf->account;
	if (only && !*only)
		only = NULL;
	struct mr_fetch_stats total;
	memset(&total, 0, sizeof(total));
	size_t accounts = 0;
	for (size_t i = 0; i < ctx->n_accounts && rc == 0; i++) {
		struct mr_account *a = ctx->accounts[i];
		if (only ? strcmp(a->name, only) != 0 :
			   !(a->used_for && strcmp(a->used_for, "bounce") == 0))
			continue;
		accounts++;
		rc = run_account(&p, ctx, a, &total, err);
		if (ctx->stop && *ctx->stop)
			break;
	}
	if (rc == 0 && accounts == 0)
		rc = core->error_set(err, MR_ECONFIG, only ? "fetch-bounces: no account named %s" :
				     "fetch-bounces: no account has used_for = bounce%s",
				     only ? only : "");
	snprintf(ctx->message, sizeof(ctx->message),
		 "%zu messages: %zu bounces counted (%zu by address only), %zu holds, %zu actions, "
		 "%zu ignored (%zu forged, %zu unsigned), %zu replies forwarded, %zu auto-replies, "
		 "%zu left for the next run",
		 p.n.messages, p.n.bounces, p.n.low, p.n.holds, p.n.actions, p.n.ignored, p.n.forged,
		 p.n.unsigned_, p.n.forwarded, p.n.auto_replied, total.failed + total.dispose_failed);
	snprintf(ctx->data, sizeof(ctx->data),
		 "{\"messages\":%zu,\"bounces\":%zu,\"low_confidence\":%zu,\"holds\":%zu,"
		 "\"actions\":%zu,\"ignored\":%zu,\"forged\":%zu,\"unsigned\":%zu,\"forwarded\":%zu,"
		 "\"auto_replied\":%zu,"
		 "\"processed\":%zu,\"already\":%zu,\"failed\":%zu,\"not_moved\":%zu}",
		 p.n.messages, p.n.bounces, p.n.low, p.n.holds, p.n.actions, p.n.ignored,
		 p.n.forged, p.n.unsigned_, p.n.forwarded, p.n.auto_replied, total.processed,
		 total.already, total.failed,
		 total.dispose_failed);
	core->log(ctx->log, MR_LOG_INFO, "%s", ctx->message);
	fb_proc_free(&p);
	return rc;
}

static const char *fb_lock_group(void *state)
{
	(void)state;
	return "mailbox";
}

static unsigned fb_permissions(void *state)
{
	(void)state;
	return MR_PERM_PROCESS_MAIL;
}

static const struct mr_job_ops fb_ops = {
	.size = sizeof(struct mr_job_ops),
	.run = fb_run,
	.lock_group = fb_lock_group,
	.permissions = fb_permissions,
	.store_caps = MR_STORE_CAP_BOUNCE,
};

MR_PLUGIN_DEFINE(MR_KIND_JOB, "fetch-bounces", PACKAGE_VERSION,
		 "Fetch Bounces: reads the bounce mailbox, counts bounces by VERP address, puts "
		 "emails on hold at their type's threshold, and records VERP actions.",
		 fb_keys, sizeof(struct fb_conf), &fb_ops);
