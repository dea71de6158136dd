/* SPDX-License-Identifier: MIT */
/* mailroom account list|test|fetch: the configured mail accounts, a connection test that names the failing step, and a fetch (dry run, or with the spool test processor). */
#include "config.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static const char *val(const struct mr_section *sec, const char *key)
{
	/* keys the account's plugin does not declare read as NULL */
	return mr_section_key(sec, key) ? mr_cfg_str(sec, key) : NULL;
}

static int account_list(struct mr_cli *cli)
{
	struct mr_site *site;
	int rc = cli_open_site(cli, 0, &site);
	if (rc)
		return rc;
	if (!cli->json)
		printf("%-16s %-9s %-9s %-32s %s\n", "ACCOUNT", "FETCH", "USED_FOR", "SERVER",
		       "SOURCE");
	for (size_t i = 0; i < site->n_insts; i++) {
		struct mr_instance *in = &site->insts[i];
		if (in->plugin->desc->kind != MR_KIND_FETCH)
			continue;
		const struct mr_section *sec = in->sec;
		const char *server = val(sec, "server"), *source = val(sec, "source");
		const char *port = val(sec, "port");
		if (cli->json) {
			json_t *o = json_pack("{s:o}", "account", cli_json_text(sec->inst));
			static const char *const keys[] = { "fetch", "used_for", "server", "port",
							    "tls", "username", "source", "batch",
							    "localpart", "domain", "return_path" };
			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
				const char *v = val(sec, keys[k]);
				if (strcmp(keys[k], "fetch") == 0)
					v = in->plugin->desc->name;
				if (!v)
					continue;
				json_object_set_new(o, keys[k], cli_json_text(v));
			}
			cli_json_print(o);
		} else {
			char where[160];
			snprintf(where, sizeof(where), "%s%s%s", server ? server : "-",
				 port ? ":" : "", port ? port : "");
			printf("%-16s %-9s %-9s %-32s %s\n", sec->inst, in->plugin->desc->name,
			       mr_cfg_str(sec, "used_for"), where, source ? source : "-");
		}
	}
	mr_site_close(site);
	return EX_OK;
}

static int open_account(struct mr_cli *cli, const char *name, struct mr_site **site_r,
			struct mr_account **acct_r)
{
	int rc = cli_open_site(cli, MR_OPEN_ACCOUNTS, site_r);
	if (rc)
		return rc;
	*acct_r = mr_site_account(*site_r, name);
	if (!*acct_r) {
		fprintf(stderr, "mailroom: account: no [account-%s] in %s (see mailroom account "
			"list)\n", name, cli->config_path);
		mr_site_close(*site_r);
		return EX_USAGE;
	}
	return 0;
}

static int account_test(struct mr_cli *cli, const char *name)
{
	struct mr_site *site;
	struct mr_account *a;
	int rc = open_account(cli, name, &site, &a);
	if (rc)
		return rc;
	struct mr_error err = { 0 };
	size_t waiting = 0;
	cli_account_oauth_state(site, name, 0);
	rc = a->ops->open(a->state, &waiting, &err);
	int code = EX_OK;
	if (rc) {
		code = cli_fail(mr_status_exit_code(rc), "account test", "%s: %s", name, err.msg);
	} else {
		const char *src = val(a->cfg, "source"), *server = val(a->cfg, "server");
		if (server)
			printf("account %s: connected to %s, logged in, opened %s: %zu message%s "
			       "waiting\n", name, server, src ? src : "INBOX", waiting,
			       waiting == 1 ? "" : "s");
		else
			printf("account %s: opened %s: %zu message%s waiting\n", name,
			       src ? src : "the source", waiting, waiting == 1 ? "" : "s");
		a->ops->close(a->state);
	}
	mr_site_close(site);
	return code;
}

static int dry_run(struct mr_cli *cli, struct mr_account *a, long long limit)
{
	struct mr_error err = { 0 };
	size_t waiting = 0;
	int rc = a->ops->open(a->state, &waiting, &err);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "account fetch", "%s: %s", a->name, err.msg);
	if (!cli->json)
		printf("%-24s %8s  %-32s %s\n", "MESSAGE", "SIZE", "FROM", "SUBJECT");
	long long n = 0;
	struct mr_fetched m;
	while ((limit <= 0 || n < limit) && (rc = a->ops->next(a->state, &m, &err)) == 1) {
		char *from = mr_msg_header(m.data, m.len, "From");
		char *subject = mr_mime_subject(m.data, m.len);
		if (cli->json) {
			cli_json_print(json_pack("{s:o,s:o,s:I,s:o,s:o}", "message",
						 cli_json_text(m.label), "key", cli_json_text(m.key),
						 "size", (json_int_t)m.len, "from", cli_json_text(from),
						 "subject", cli_json_text(subject)));
		} else {
			printf("%-24s %8zu  %-32s %s\n", m.label, m.len, from ? from : "",
			       subject ? subject : "");
		}
		free(from);
		free(subject);
		n++;
	}
	a->ops->close(a->state);
	if (rc < 0)
		return cli_fail(mr_status_exit_code(rc), "account fetch", "%s: %s", a->name, err.msg);
	if (!cli->json)
		printf("%lld message%s listed, %zu waiting, none disposed of (dry run)\n", n,
		       n == 1 ? "" : "s", waiting);
	return EX_OK;
}

/*
 * The spool test processor: stores each message in the store's spool (in
 * the loop's transaction, so `mailroom spool list` counts what was
 * processed) and ignores a message without a From header, as a real
 * processor ignores what it cannot parse.
 */
static int spool_processor(void *cookie, const struct mr_fetched *msg, char *reason,
			   size_t reason_size, struct mr_error *err)
{
	struct mr_site *site = cookie;
	struct mr_store *st = &site->store;
	char *from = mr_msg_header(msg->data, msg->len, "From");
	if (!from) {
		snprintf(reason, reason_size, "no From header");
		return MR_VERDICT_IGNORED;
	}
	char *to = mr_msg_header(msg->data, msg->len, "To");
	char *subject = mr_mime_subject(msg->data, msg->len);
	size_t boff, hl = mr_mime_header_len(msg->data, msg->len, &boff);
	(void)hl;
	struct mr_spool_msg sm = {
		.added = site->core.now(&site->core), .sender = from, .recipient = to ? to : "",
		.subject = subject ? subject : "", .headers = msg->data, .headers_len = boff,
		.body = msg->data + boff, .body_len = msg->len - boff,
	};
	int64_t id = 0;
	int rc = mr_store_spool_add(st, &sm, &id, err);
	free(from);
	free(to);
	free(subject);
	return rc ? rc : MR_VERDICT_PROCESSED;
}

static const char *end_name(enum mr_fetch_end e)
{
	switch (e) {
	case MR_FETCH_END_EMPTY: return "no message left";
	case MR_FETCH_END_BATCH: return "batch reached";
	case MR_FETCH_END_DEADLINE: return "deadline reached";
	case MR_FETCH_END_STOP: return "stopped";
	default: return "error";
	}
}

static int spool_run(struct mr_cli *cli, struct mr_site *site, struct mr_account *a,
		     long long batch)
{
	/* the first signal stops the run between messages, a second one kills */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct mr_fetch_opts o = {
		.process = spool_processor, .cookie = site,
		.batch = batch > 0 ? (size_t)batch : 0, .stop = &stop_flag,
	};
	struct mr_fetch_stats s;
	struct mr_error err = { 0 };
	int rc = mr_fetch_run(&site->core, a, &o, &s, &err);
	if (cli->json) {
		cli_json_print(json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "account",
					 cli_json_text(a->name), "waiting", (json_int_t)s.waiting,
					 "processed", (json_int_t)s.processed, "ignored",
					 (json_int_t)s.ignored, "already", (json_int_t)s.already,
					 "failed", (json_int_t)s.failed, "not_moved",
					 (json_int_t)s.dispose_failed, "end",
					 cli_json_text(end_name(s.end))));
	} else {
		printf("account %s: %zu waiting, %zu processed, %zu ignored, %zu already recorded, "
		       "%zu failed, %zu not moved (%s)\n", a->name, s.waiting, s.processed,
		       s.ignored, s.already, s.failed, s.dispose_failed, end_name(s.end));
	}
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "account fetch", "%s", err.msg);
	return s.failed || s.dispose_failed ? EX_TEMPFAIL : EX_OK;
}

static int account_fetch(struct mr_cli *cli, int argc, char **argv)
{
	int dry = 0, spool = 0, consume = 0;
	int64_t batch = 0;
	const char *name = NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else if (strcmp(argv[i], "--spool") == 0)
			spool = 1;
		else if (strcmp(argv[i], "--consume") == 0)
			consume = 1;
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			if (cli_parse_id(argv[++i], &batch) != 0)
				return cli_fail(EX_USAGE, "account fetch", "bad --batch '%s'", argv[i]);
		} else if (argv[i][0] == '-' || name)
			return cli_usage("account");
		else
			name = argv[i];
	}
	if (!name)
		return cli_fail(EX_USAGE, "account fetch", "give an account: mailroom account fetch "
				"NAME [--dry-run|--spool [--consume]]");
	if (dry && spool)
		return cli_fail(EX_USAGE, "account fetch", "--dry-run and --spool exclude each other");
	if (consume && !spool)
		return cli_fail(EX_USAGE, "account fetch", "--consume goes with --spool (the bounce "
				"and activity jobs run the real processors)");
	/* a look at an account changes nothing unless asked */
	if (!spool)
		dry = 1;
	struct mr_site *site;
	struct mr_account *a;
	int rc = open_account(cli, name, &site, &a);
	if (rc)
		return rc;
	const char *uf = mr_config_raw(a->cfg, "used_for");
	if (spool && uf && *uf && !consume) {
		char used_for[64];
		snprintf(used_for, sizeof(used_for), "%s", uf);
		mr_site_close(site);
		return cli_fail(EX_USAGE, "account fetch", "[account-%s] is used_for = %s: --spool "
				"would move its messages to the processed folder, where the %s job "
				"never sees them; add --consume to do it anyway, or use --dry-run",
				name, used_for, used_for);
	}
	rc = dry ? dry_run(cli, a, batch) : spool_run(cli, site, a, batch);
	mr_site_close(site);
	return rc;
}

int cmd_account(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc < 2)
		return cli_usage("account");
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		return account_list(cli);
	if (strcmp(argv[1], "test") == 0 && argc == 3)
		return account_test(cli, argv[2]);
	if (strcmp(argv[1], "fetch") == 0)
		return account_fetch(cli, argc, argv);
	if (strcmp(argv[1], "authorize") == 0 && argc == 3)
		return cli_account_authorize(cli, argv[2]);
	return cli_usage("account");
}
