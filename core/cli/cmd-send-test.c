/* SPDX-License-Identifier: MIT */
/* mailroom send-test ADDRESS: builds a real MIME message, signs it with DKIM when [dkim] is set, and sends it through the configured transport. */
#include "config.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

int cli_sign_dkim(struct mr_site *site, char **data, size_t *len, struct mr_error *err)
{
	struct mr_dkim_signer *signer = NULL;
	int rc = mr_mail_dkim_signer(&site->core, &signer, err);
	if (rc || !signer)
		return rc;
	size_t body_off, hl = mr_mime_header_len(*data, *len, &body_off);
	struct mr_buf out = { 0 };
	rc = mr_dkim_sign(signer, *data, hl, *data + body_off, *len - body_off, (int64_t)time(NULL),
			  &out, err);
	mr_dkim_signer_free(signer);
	if (rc == 0) {
		mr_buf_add(&out, *data, *len);
		if (out.oom)
			rc = mr_error_set(err, MR_ENOMEM, "out of memory signing the message");
	}
	if (rc) {
		mr_buf_free(&out);
		return rc;
	}
	free(*data);
	*data = out.p;
	*len = out.len;
	return 0;
}

int cmd_send_test(struct mr_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "subject", required_argument, NULL, 'S' },
		{ 0 }
	};
	const char *subject = "mailroom test message";
	int c;
	while ((c = getopt_long(argc, argv, "S:", opts, NULL)) != -1) {
		if (c == 'S')
			subject = optarg;
		else
			return cli_usage("send-test");
	}
	if (optind != argc - 1)
		return cli_usage("send-test");
	const char *to = argv[optind];
	if (!mr_addr_valid(to))
		return cli_fail(EX_DATAERR, "send-test", "'%s' is not a valid email address", to);
	struct mr_site *site;
	int rc = cli_open_site(cli, MR_OPEN_STORE | MR_OPEN_TRANSPORT, &site);
	if (rc)
		return rc;
	const char *from = mr_cfg_str(site->main, "from");
	if (!from) {
		mr_site_close(site);
		return cli_fail(EX_CONFIG, "send-test", "no From address is configured: set "
				"'from = you@example.org' in the [mailroom] section of %s",
				cli->config_path);
	}
	const char *domain = mr_cfg_str(site->main, "domain");
	if (!domain)
		domain = strrchr(from, '@') + 1;
	char host[256] = "localhost", text[1024];
	gethostname(host, sizeof(host) - 1);
	snprintf(text, sizeof(text),
		 "This is a test message from mailroom %s on %s (site '%s').\n"
		 "It was sent through the transport '%s'.\n\n"
		 "Non-ASCII text survives: Grüße, ½, ✓.\n",
		 PACKAGE_VERSION, host, mr_cfg_str(site->main, "site"), site->transport.name);
	struct mr_test_message tm = { from, mr_cfg_str(site->main, "from_name"), to, subject, text,
				      domain };
	char *data, *msgid;
	size_t len;
	struct mr_error err = { 0 };
	if (mr_mime_build_test(&tm, &data, &len, &msgid, &err)) {
		mr_site_close(site);
		return cli_fail(mr_status_exit_code(err.status), "send-test", "%s", err.msg);
	}
	if ((rc = cli_sign_dkim(site, &data, &len, &err)) != 0) {
		free(data);
		free(msgid);
		mr_site_close(site);
		return cli_fail(mr_status_exit_code(rc), "send-test", "%s", err.msg);
	}
	struct mr_send_result res = { 0 };
	const char *rcpts[] = { to };
	struct mr_outmsg m = {
		.size = sizeof(m), .envelope_from = from, .rcpts = rcpts, .n_rcpts = 1,
		.data = data, .len = len, .result_size = sizeof(res), .results = &res,
	};
	rc = site->transport.ops->send(site->transport.state, &m, 1, NULL, &err);
	int code = EX_OK;
	if (rc) {
		code = cli_fail(mr_status_exit_code(rc), "send-test", "transport %s: %s",
				site->transport.name, err.msg);
	} else if (res.status == MR_SEND_OK) {
		printf("sent %s to %s via %s\n", msgid, to, site->transport.name);
		printf("reply: %d %s %s\n", res.code, res.enhanced, res.text);
	} else {
		code = cli_fail(res.status == MR_SEND_TEMPFAIL ? EX_TEMPFAIL : EX_UNAVAILABLE,
				"send-test", "%s failure for %s via %s: %d %s %s (Message-ID %s)",
				res.status == MR_SEND_TEMPFAIL ? "temporary" : "permanent", to,
				site->transport.name, res.code, res.enhanced, res.text, msgid);
	}
	free(data);
	free(msgid);
	mr_site_close(site);
	return code;
}
