/* SPDX-License-Identifier: MIT */
/* Unit tests of the sendmail-program runner shared by transport-sendmail and transport-mail, against small shell scripts standing in for sendmail. */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "sendmail-run.h"

static char dir[256];

static void fake_log(const struct mr_log *log, enum mr_log_level level, const char *fmt, ...)
{
}

static int fake_error_set(struct mr_error *err, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return err->status = status;
}

static const char *fake_cfg_name(const struct mr_section *sec)
{
	return "transport-sendmail";
}

static const struct mr_core fake_core = {
	.size = sizeof(struct mr_core),
	.log = fake_log,
	.error_set = fake_error_set,
	.cfg_name = fake_cfg_name,
};

static void script(const char *name, const char *body)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

static char *slurp(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("(missing)");
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

static void conf(struct sm_conf *c, const char *prog, const char *args, int from_headers,
		 long timeout)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, prog);
	struct mr_plugin_ctx ctx = { .core = &fake_core };
	struct mr_error err = { 0 };
	if (sm_conf_init(c, &ctx, path, args, from_headers, timeout, &err) != 0)
		printf("# conf: %s\n", err.msg);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int n_done;
static void on_done(void *cookie, size_t i, struct mr_outmsg *m)
{
	n_done++;
}

static const char msg_crlf[] = "From: a@example.org\r\nTo: x@example.org\r\n\r\n.\r\nline\r\n";

static void send1(struct sm_conf *c, const char *from, const char *const *rcpts, size_t n,
		  const char *data, size_t len, struct mr_send_result *res, int *rc_r)
{
	struct mr_outmsg m = { .size = sizeof(m), .envelope_from = from, .rcpts = rcpts,
			       .n_rcpts = n, .data = data, .len = len,
			       .result_size = sizeof(*res), .results = res };
	struct mr_send_hooks hooks = { .size = sizeof(hooks), .final = on_done };
	struct mr_error err = { 0 };
	memset(res, 0, n * sizeof(*res));
	n_done = 0;
	*rc_r = sm_send_batch(c, &m, 1, &hooks, &err);
	if (*rc_r)
		printf("# send: %s\n", err.msg);
}

/* An offered hook that lets only message 1 of a batch go. */
static int starts;
static int only_second(void *cookie, size_t i, struct mr_outmsg *m)
{
	(void)cookie;
	(void)m;
	starts++;
	return i == 1 ? 0 : -1;
}

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/mr-smrun.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 99;
	char body[1024];
	snprintf(body, sizeof(body), "cat > %s/in.txt; for a in \"$@\"; do echo \"[$a]\"; done > %s/args.txt; exit 0", dir, dir);
	script("ok.sh", body);
	script("temp.sh", "cat >/dev/null; echo 'queue file write error' >&2; exit 75");
	script("perm.sh", "cat >/dev/null; echo 'User unknown' >&2; exit 67");
	script("q451.sh", "cat >/dev/null; echo 'recipient: server said 451 4.2.1 try later' >&2; exit 69");
	script("q550.sh", "cat >/dev/null; echo 'recipient: server said 550 5.1.1 no such user' >&2; exit 69");
	script("one.sh", "cat >/dev/null; echo 'Failed to create spool file' >&2; exit 1");
	script("slow.sh", "exec sleep 30");
	script("noread.sh", "exit 0");
	script("daemon.sh", "cat >/dev/null; sleep 20 & exit 0");

	struct sm_conf c;
	struct mr_send_result res[2];
	int rc;
	const char *rcpts[] = { "x@example.org", "y+tag@example.org", "-oQ/tmp/x@example.org" };
	struct mr_send_result res3[3];

	conf(&c, "ok.sh", "-oi  -Xfoo", 0, 10);
	send1(&c, "bounce+1@example.org", rcpts, 3, msg_crlf, strlen(msg_crlf), res3, &rc);
	TAP_INT(rc, 0, "sendmail: batch returns 0");
	TAP_INT(res3[0].status, MR_SEND_OK, "exit 0 is sent");
	TAP_INT(res3[1].status, MR_SEND_OK, "every recipient gets the result");
	TAP_INT(res3[2].status, MR_SEND_PERMFAIL, "a recipient starting with '-' is refused alone");

	TAP_INT(n_done, 1, "done called once");
	char *args = slurp("args.txt");
	TAP_STR(args, "[-oi]\n[-Xfoo]\n[-i]\n[-f]\n[bounce+1@example.org]\n[--]\n[x@example.org]\n"
		"[y+tag@example.org]\n", "argv: extra args, -i, -f sender, --, recipients");
	free(args);
	char *in = slurp("in.txt");
	TAP_STR(in, "From: a@example.org\nTo: x@example.org\n\n.\nline\n",
		"stdin: the message with LF line ends, a lone dot kept");
	free(in);
	send1(&c, "", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	args = slurp("args.txt");
	TAP_OK(strstr(args, "[-f]\n[<>]\n") != NULL, "a null sender is passed as -f <>");
	free(args);
	/* a message its offered hook refuses is not run: TEMPFAIL, final called */
	struct mr_outmsg two[2] = {
		{ .size = sizeof(two[0]), .envelope_from = "b@example.org", .rcpts = rcpts,
		  .n_rcpts = 1, .data = msg_crlf, .len = strlen(msg_crlf),
		  .result_size = sizeof(res[0]), .results = &res[0] },
		{ .size = sizeof(two[0]), .envelope_from = "b@example.org", .rcpts = rcpts,
		  .n_rcpts = 1, .data = msg_crlf, .len = strlen(msg_crlf),
		  .result_size = sizeof(res[0]), .results = &res[1] },
	};
	struct mr_send_hooks hooks = { .size = sizeof(hooks), .offered = only_second,
				       .final = on_done };
	struct mr_error serr = { 0 };
	memset(res, 0, sizeof(res));
	n_done = 0;
	TAP_INT(sm_send_batch(&c, two, 2, &hooks, &serr), 0,
		"a batch with an offered hook returns 0");
	TAP_INT(starts, 2, "offered is asked once per message");
	TAP_INT(res[0].status, MR_SEND_TEMPFAIL, "a message offered refuses is a temporary failure");
	TAP_OK(strstr(res[0].text, "not tried") != NULL, "that says it was not tried");
	TAP_INT(res[1].status, MR_SEND_OK, "the message offered lets go is sent");
	TAP_INT(n_done, 2, "final is called for both");
	/* a message refused before any run is never offered, only final */
	const char *refused[] = { "-oQ/tmp/x@example.org" };
	two[0].rcpts = refused;
	starts = n_done = 0;
	memset(res, 0, sizeof(res));
	TAP_INT(sm_send_batch(&c, two, 1, &hooks, &serr), 0, "a batch of a refused message");
	TAP_INT(starts, 0, "a message refused before the program runs is not offered");
	TAP_INT(res[0].status, MR_SEND_PERMFAIL, "it is refused for good");
	TAP_INT(n_done, 1, "and final is called for it");
	sm_conf_free(&c);

	conf(&c, "ok.sh", NULL, 1, 10);
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	args = slurp("args.txt");
	TAP_STR(args, "[-t]\n[-i]\n[-f]\n[a@example.org]\n", "mail: -t -i -f sender, no recipients");
	free(args);
	sm_conf_free(&c);

	conf(&c, "temp.sh", NULL, 0, 10);
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	TAP_INT(res[0].status, MR_SEND_TEMPFAIL, "exit 75 is temporary");
	TAP_INT(res[0].code, 75, "the code is the exit status");
	TAP_OK(strstr(res[0].text, "EX_TEMPFAIL") && strstr(res[0].text, "queue file write error"),
	       "the text names the status and has stderr: %s", res[0].text);
	sm_conf_free(&c);

	conf(&c, "perm.sh", NULL, 0, 10);
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	TAP_INT(res[0].status, MR_SEND_PERMFAIL, "exit 67 is permanent");
	TAP_OK(strstr(res[0].text, "User unknown") != NULL, "stderr in the text: %s", res[0].text);
	sm_conf_free(&c);

	/* a quoted SMTP reply decides over the exit status; a program's own
	 * trouble is never a bounce */
	conf(&c, "q451.sh", NULL, 0, 10);
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	TAP_INT(res[0].status, MR_SEND_TEMPFAIL, "exit 69 quoting a 451 is temporary");
	sm_conf_free(&c);
	conf(&c, "q550.sh", NULL, 0, 10);
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	TAP_INT(res[0].status, MR_SEND_PERMFAIL, "exit 69 quoting a 550 is permanent");
	sm_conf_free(&c);
	conf(&c, "one.sh", NULL, 0, 10);
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	TAP_INT(res[0].status, MR_SEND_TEMPFAIL, "exit 1 without a reply (Exim's unusable spool) is temporary");
	TAP_INT(res[0].code, 1, "its code is the exit status");
	sm_conf_free(&c);

	conf(&c, "slow.sh", NULL, 0, 1);
	double t0 = now_s();
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	double el = now_s() - t0;
	TAP_INT(res[0].status, MR_SEND_TEMPFAIL, "a program past its timeout is temporary");
	TAP_OK(el < 5, "and it was killed in time (%.1fs)", el);
	TAP_OK(strstr(res[0].text, "timeout") != NULL, "the text says so: %s", res[0].text);
	sm_conf_free(&c);

	/* a program that does not read a large message must not kill us (SIGPIPE) */
	size_t big_len = 4 << 20;
	char *big = malloc(big_len);
	memset(big, 'x', big_len);
	conf(&c, "noread.sh", NULL, 0, 10);
	send1(&c, "a@example.org", rcpts, 1, big, big_len, res, &rc);
	TAP_INT(res[0].status, MR_SEND_OK, "a program that exits 0 without reading: sent");
	free(big);
	sm_conf_free(&c);

	conf(&c, "daemon.sh", NULL, 0, 30);
	t0 = now_s();
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	el = now_s() - t0;
	TAP_INT(res[0].status, MR_SEND_OK, "a program leaving a process behind: sent");
	TAP_OK(el < 5, "without waiting for the process it left (%.1fs)", el);
	sm_conf_free(&c);

	/* refusals before anything runs */
	conf(&c, "ok.sh", NULL, 0, 10);
	unlink(strcat(strcpy(body, dir), "/args.txt"));
	const char *bad[] = { "x@example.org\nRCPT TO:<evil@example.org>" };
	send1(&c, "a@example.org", bad, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	TAP_INT(res[0].status, MR_SEND_PERMFAIL, "a recipient with LF is refused");
	TAP_OK(access(body, F_OK) != 0, "and the program did not run");
	send1(&c, "-oQ/tmp@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	TAP_INT(res[0].status, MR_SEND_PERMFAIL, "a sender starting with '-' is refused");
	send1(&c, "a@example.org\r", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	TAP_INT(res[0].status, MR_SEND_PERMFAIL, "a sender with CR is refused");
	sm_conf_free(&c);

	/* SIGCHLD ignored by the host program: the status is lost, never "sent" */
	conf(&c, "ok.sh", NULL, 0, 10);
	signal(SIGCHLD, SIG_IGN);
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	signal(SIGCHLD, SIG_DFL);
	TAP_INT(res[0].status, MR_SEND_TEMPFAIL, "an unknown exit status is temporary, not sent");
	TAP_OK(strstr(res[0].text, "unknown") != NULL, "and says so: %s", res[0].text);
	sm_conf_free(&c);

	conf(&c, "missing.sh", NULL, 0, 10);
	send1(&c, "a@example.org", rcpts, 1, msg_crlf, strlen(msg_crlf), res, &rc);
	TAP_INT(rc, MR_ECONFIG, "a missing program: the batch is not attempted");
	TAP_INT(res[0].status, MR_SEND_PENDING, "and its results stay pending");
	sm_conf_free(&c);

	struct mr_error err = { 0 };
	struct mr_plugin_ctx ctx = { .core = &fake_core };
	TAP_INT(sm_conf_init(&c, &ctx, "sendmail", NULL, 0, 10, &err), MR_ECONFIG,
		"a relative path is refused");
	sm_conf_free(&c);

	static const char *const files[] = { "ok.sh", "temp.sh", "perm.sh", "q451.sh", "q550.sh",
					     "one.sh", "slow.sh", "noread.sh", "daemon.sh",
					     "in.txt", "args.txt" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	return tap_done();
}
