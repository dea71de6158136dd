/* SPDX-License-Identifier: MIT */
/*
 * The sendmail-program code shared by transport-sendmail and transport-mail
 * (compiled into both): runs a sendmail-compatible program once per message
 * with execve (no shell), feeds the message on its stdin, captures what it
 * says, kills it by its PID after the timeout, and maps its exit status:
 * 0 = sent; an SMTP reply the program quotes decides (4xx temporary, 5xx
 * permanent); else the exits that refuse the message or its recipient (65,
 * 67, 68, 77) are permanent and every other exit, a kill or a timeout is
 * temporary, since a program's own trouble (Exim exits 1 when its spool is
 * unusable, msmtp 69 for a 451) must not bounce a recipient.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "sendmail-run.h"

extern char **environ;

int sm_conf_init(struct sm_conf *c, const struct mr_plugin_ctx *ctx, const char *path,
		 const char *args, int from_headers, long timeout, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	memset(c, 0, sizeof(*c));
	c->core = core;
	c->log = ctx->log;
	c->section = core->cfg_name(ctx->cfg);
	c->from_headers = from_headers;
	c->timeout = timeout > 0 ? timeout : 1;
	if (!path || path[0] != '/')
		return core->error_set(err, MR_ECONFIG, "[%s] path '%s' must be an absolute file "
				       "name (the program is run without a shell or PATH search)",
				       c->section, path ? path : "");
	if (!(c->path = strdup(path)))
		return core->error_set(err, MR_ENOMEM, "out of memory");
	size_t n = 0, cap = 1;
	for (const char *p = args ? args : ""; *p; p++)
		cap += *p == ' ' || *p == '\t';
	cap += 1;
	if (!(c->args = calloc(cap + 1, sizeof(*c->args))))
		return core->error_set(err, MR_ENOMEM, "out of memory");
	for (const char *p = args ? args : ""; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t w = strcspn(p, " \t");
		if (!w)
			break;
		if (!(c->args[n++] = strndup(p, w)))
			return core->error_set(err, MR_ENOMEM, "out of memory");
		p += w;
	}
	size_t dl = (size_t)snprintf(c->describe, sizeof(c->describe), "%s%s", c->path,
				     from_headers ? " -t" : "");
	for (size_t k = 0; k < n && dl < sizeof(c->describe); k++)
		dl += (size_t)snprintf(c->describe + dl, sizeof(c->describe) - dl, " %s",
				       c->args[k]);
	if (dl < sizeof(c->describe))
		snprintf(c->describe + dl, sizeof(c->describe) - dl, " -i -f SENDER%s",
			 from_headers ? "" : " -- RECIPIENTS");
	return 0;
}

void sm_conf_free(struct sm_conf *c)
{
	for (size_t k = 0; c->args && c->args[k]; k++)
		free(c->args[k]);
	free(c->args);
	free(c->path);
	c->args = NULL;
	c->path = NULL;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The message with every CRLF turned into LF, the local convention of
 * sendmail programs.  malloc'ed. */
static char *to_lf(const char *data, size_t len, size_t *len_r)
{
	char *out = malloc(len ? len : 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue;
		out[o++] = data[i];
	}
	*len_r = o;
	return out;
}

/* In the child: plumbing, then execve; reports an exec failure on ex_fd. */
static void child_exec(const char *const *argv, int in_fd, int out_fd, int ex_fd)
{
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) {
		int e = errno;
		(void)!write(ex_fd, &e, sizeof(e));
		_exit(127);
	}
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		if (fd != ex_fd)
			close(fd);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execve(argv[0], (char *const *)argv, environ);
	int e = errno;
	(void)!write(ex_fd, &e, sizeof(e));
	_exit(127);
}

/* Keeps the first bytes of what the program says; drops control characters. */
static void out_add(struct sm_outcome *o, size_t *have, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && *have + 1 < sizeof(o->output); i++) {
		unsigned char ch = (unsigned char)buf[i];
		char put = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
		if (put == ' ' && (*have == 0 || o->output[*have - 1] == ' '))
			continue;
		o->output[(*have)++] = put;
	}
	o->output[*have] = '\0';
}

int sm_run(const char *const *argv, const char *data, size_t len, long timeout,
	   struct sm_outcome *o, struct mr_error *err)
{
	memset(o, 0, sizeof(*o));
	size_t lf_len = 0;
	char *lf = to_lf(data, len, &lf_len);
	if (!lf) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return err->status = MR_ENOMEM;
	}
	int in_sv[2] = { -1, -1 }, out_p[2] = { -1, -1 }, ex_p[2] = { -1, -1 };
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_sv) != 0 ||
	    pipe2(out_p, O_CLOEXEC) != 0 || pipe2(ex_p, O_CLOEXEC) != 0) {
		int e = errno;
		for (int k = 0; k < 2; k++) {
			if (in_sv[k] >= 0) close(in_sv[k]);
			if (out_p[k] >= 0) close(out_p[k]);
			if (ex_p[k] >= 0) close(ex_p[k]);
		}
		free(lf);
		snprintf(err->msg, sizeof(err->msg), "cannot make pipes for %s: %s", argv[0],
			 strerror(e));
		return err->status = MR_EINTERNAL;
	}
	pid_t pid = fork();
	if (pid == 0)
		child_exec(argv, in_sv[1], out_p[1], ex_p[1]);
	int fork_errno = errno;
	close(in_sv[1]);
	close(out_p[1]);
	close(ex_p[1]);
	if (pid < 0) {
		close(in_sv[0]);
		close(out_p[0]);
		close(ex_p[0]);
		free(lf);
		snprintf(err->msg, sizeof(err->msg), "cannot start %s: fork: %s", argv[0],
			 strerror(fork_errno));
		return err->status = MR_EINTERNAL;
	}
	/* EOF on ex_p means execve succeeded (the pipe is close-on-exec) */
	int e = 0;
	ssize_t r;
	do
		r = read(ex_p[0], &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	close(ex_p[0]);
	if (r == (ssize_t)sizeof(e)) {
		o->exec_errno = e ? e : ENOEXEC;
		close(in_sv[0]);
		close(out_p[0]);
		free(lf);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return 0;
	}
	fcntl(in_sv[0], F_SETFL, O_NONBLOCK);
	fcntl(out_p[0], F_SETFL, O_NONBLOCK);
	int in_fd = in_sv[0], out_fd = out_p[0];
	size_t sent = 0, have = 0;
	if (lf_len == 0) {
		close(in_fd);
		in_fd = -1;
	}
	long long deadline = now_ms() + timeout * 1000LL;
	int status = 0, reaped = 0;
	while (in_fd >= 0 || out_fd >= 0) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			o->timed_out = 1;
			break;
		}
		struct pollfd pf[2];
		int np = 0, ii = -1, oi = -1;
		if (in_fd >= 0) {
			pf[np] = (struct pollfd){ in_fd, POLLOUT, 0 };
			ii = np++;
		}
		if (out_fd >= 0) {
			pf[np] = (struct pollfd){ out_fd, POLLIN, 0 };
			oi = np++;
		}
		/* once the message is in, check now and then whether the program
		 * has exited: a process it left behind may hold its output open */
		int wait_ms = in_fd >= 0 ? (int)(left < 1000 ? left : 1000) :
			      (int)(left < 50 ? left : 50);
		int pr = poll(pf, (nfds_t)np, wait_ms);
		if (pr < 0 && errno != EINTR)
			break;
		if (ii >= 0 && pf[ii].revents) {
			ssize_t w = send(in_fd, lf + sent, lf_len - sent, MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == lf_len) {
				/* done, or the program stopped reading: it will say why */
				close(in_fd);
				in_fd = -1;
			}
		}
		if (oi >= 0 && pf[oi].revents) {
			char buf[4096];
			ssize_t got = read(out_fd, buf, sizeof(buf));
			if (got > 0) {
				out_add(o, &have, buf, (size_t)got);
			} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(out_fd);
				out_fd = -1;
			}
		}
		if (in_fd < 0 && out_fd >= 0 && pr == 0 && waitpid(pid, &status, WNOHANG) == pid) {
			reaped = 1;
			char buf[4096];
			ssize_t got;
			while ((got = read(out_fd, buf, sizeof(buf))) > 0)
				out_add(o, &have, buf, (size_t)got);
			close(out_fd);
			out_fd = -1;
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	free(lf);
	if (o->timed_out && !reaped) {
		/* by its PID: TERM, a second to go, then KILL */
		kill(pid, SIGTERM);
		for (int k = 0; k < 20 && !reaped; k++) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				reaped = 1;
			else
				usleep(50000);
		}
		if (!reaped)
			kill(pid, SIGKILL);
	}
	while (!reaped) {
		pid_t w = waitpid(pid, &status, 0);
		if (w == pid) {
			reaped = 1;
		} else if (w < 0 && errno != EINTR) {
			/* e.g. SIGCHLD ignored by the program that loaded us: the
			 * status is lost, and "sent" must not be guessed */
			o->wait_errno = errno;
			return 0;
		}
	}
	if (WIFEXITED(status)) {
		o->exited = 1;
		o->status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		o->signal = WTERMSIG(status);
	}
	while (have && o->output[have - 1] == ' ')
		o->output[--have] = '\0';
	return 0;
}

/* True when an envelope address may be given as an argument. */
static int arg_addr_ok(const char *a, int may_be_empty)
{
	if (!a || (!*a && !may_be_empty))
		return 0;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p < 0x21 || *p == 0x7f)
			return 0;
	return !*a || (a[0] != '-' && strchr(a, '@') != NULL);
}

/* Sets the result of every recipient not refused already. */
static void set_all(struct mr_outmsg *m, enum mr_send_status st, int code, const char *text)
{
	for (size_t r = 0; r < m->n_rcpts; r++) {
		struct mr_send_result *res = mr_outmsg_result(m, r);
		if (res->status == MR_SEND_PERMFAIL && res->code == 0 &&
		    strncmp(res->text, "refused before", 14) == 0)
			continue;
		res->status = st;
		res->code = code;
		snprintf(res->enhanced, sizeof(res->enhanced), "%s", st == MR_SEND_OK ? "2.0.0" : "");
		snprintf(res->text, sizeof(res->text), "%s", text);
	}
}

static const char *exit_name(int st)
{
	switch (st) {
	case 64: return " (EX_USAGE)";
	case 65: return " (EX_DATAERR)";
	case 66: return " (EX_NOINPUT)";
	case 67: return " (EX_NOUSER)";
	case 68: return " (EX_NOHOST)";
	case 69: return " (EX_UNAVAILABLE)";
	case 70: return " (EX_SOFTWARE)";
	case 71: return " (EX_OSERR)";
	case 72: return " (EX_OSFILE)";
	case 73: return " (EX_CANTCREAT)";
	case 74: return " (EX_IOERR)";
	case 75: return " (EX_TEMPFAIL)";
	case 76: return " (EX_PROTOCOL)";
	case 77: return " (EX_NOPERM)";
	case 78: return " (EX_CONFIG)";
	default: return "";
	}
}

/* The first SMTP reply code quoted in text ("451 4.2.1", "550-5.1.1"), or 0. */
static int quoted_smtp_code(const char *text)
{
	for (const char *p = text; *p; p++) {
		if ((p != text && p[-1] >= '0' && p[-1] <= '9') || (p[0] != '4' && p[0] != '5') ||
		    p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' ||
		    (p[3] != ' ' && p[3] != '-'))
			continue;
		/* an enhanced status of the same class must follow: "451 4.", "550 5." */
		if (p[4] == p[0] && p[5] == '.')
			return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	}
	return 0;
}

/* Whether a non-zero exit means the message or its recipients are refused
 * for good: a quoted 5xx reply, or EX_DATAERR, EX_NOUSER, EX_NOHOST,
 * EX_NOPERM with no 4xx quoted. */
static int exit_is_permanent(int st, const char *output)
{
	int code = quoted_smtp_code(output);
	if (code)
		return code >= 500;
	return st == 65 || st == 67 || st == 68 || st == 77;
}

/* Runs the program for one message and fills its results.  Returns 0, or
 * the errno of a failed execve (nothing was run). */
static int send_one(struct sm_conf *c, struct mr_outmsg *m, struct mr_error *err)
{
	if (!arg_addr_ok(m->envelope_from, 1)) {
		set_all(m, MR_SEND_PERMFAIL, 0, "refused before running the program: the envelope "
			"sender has a control character or a space, starts with '-', or has no '@'");
		return 0;
	}
	/* a bad recipient is refused on its own; the others still go */
	size_t n_ok = 0;
	for (size_t r = 0; r < m->n_rcpts; r++) {
		if (c->from_headers || arg_addr_ok(m->rcpts[r], 0)) {
			n_ok++;
			continue;
		}
		struct mr_send_result *res = mr_outmsg_result(m, r);
		res->status = MR_SEND_PERMFAIL;
		res->code = 0;
		res->enhanced[0] = '\0';
		snprintf(res->text, sizeof(res->text), "refused before running the program: the "
			 "recipient has a control character or a space, starts with '-', or has "
			 "no '@'");
	}
	if (!n_ok)
		return 0;
	size_t n_args = 0;
	while (c->args[n_args])
		n_args++;
	const char **argv = calloc(n_args + m->n_rcpts + 8, sizeof(*argv));
	if (!argv) {
		set_all(m, MR_SEND_TEMPFAIL, 0, "out of memory");
		return 0;
	}
	size_t a = 0;
	argv[a++] = c->path;
	for (size_t k = 0; k < n_args; k++)
		argv[a++] = c->args[k];
	if (c->from_headers)
		argv[a++] = "-t";
	argv[a++] = "-i";
	argv[a++] = "-f";
	argv[a++] = m->envelope_from[0] ? m->envelope_from : "<>";
	if (!c->from_headers) {
		argv[a++] = "--";
		for (size_t r = 0; r < m->n_rcpts; r++)
			if (arg_addr_ok(m->rcpts[r], 0))
				argv[a++] = m->rcpts[r];
	}
	argv[a] = NULL;
	struct sm_outcome o;
	struct mr_error e = { 0 };
	int rc = sm_run(argv, m->data, m->len, c->timeout, &o, &e);
	free(argv);
	char text[256];
	if (rc) {
		set_all(m, MR_SEND_TEMPFAIL, 0, e.msg);
	} else if (o.exec_errno) {
		snprintf(err->msg, sizeof(err->msg), "[%s] cannot run %s: %s", c->section, c->path,
			 strerror(o.exec_errno));
		err->status = MR_ECONFIG;
		return o.exec_errno;
	} else if (o.wait_errno) {
		snprintf(text, sizeof(text), "the exit status of %s is unknown (waitpid: %s)%s%s",
			 c->path, strerror(o.wait_errno), o.output[0] ? ": " : "", o.output);
		set_all(m, MR_SEND_TEMPFAIL, 0, text);
	} else if (o.timed_out) {
		snprintf(text, sizeof(text), "%s was killed after the %lds timeout%s%s", c->path,
			 c->timeout, o.output[0] ? ": " : "", o.output);
		set_all(m, MR_SEND_TEMPFAIL, 0, text);
	} else if (!o.exited) {
		snprintf(text, sizeof(text), "%s was killed by signal %d%s%s", c->path, o.signal,
			 o.output[0] ? ": " : "", o.output);
		set_all(m, MR_SEND_TEMPFAIL, 0, text);
	} else if (o.status == 0) {
		snprintf(text, sizeof(text), "accepted by %s (exit 0)%s%s", c->path,
			 o.output[0] ? ": " : "", o.output);
		set_all(m, MR_SEND_OK, 0, text);
	} else {
		snprintf(text, sizeof(text), "%s exited with %d%s%s%s", c->path, o.status,
			 exit_name(o.status), o.output[0] ? ": " : "", o.output);
		set_all(m, exit_is_permanent(o.status, o.output) ? MR_SEND_PERMFAIL : MR_SEND_TEMPFAIL,
			o.status, text);
	}
	return 0;
}

/* True when the program would get m (a recipient left after the checks). */
static int will_run(const struct sm_conf *c, const struct mr_outmsg *m)
{
	if (!arg_addr_ok(m->envelope_from, 1))
		return 0;
	for (size_t r = 0; r < m->n_rcpts; r++)
		if (c->from_headers || arg_addr_ok(m->rcpts[r], 0))
			return 1;
	return 0;
}

int sm_send_batch(struct sm_conf *c, struct mr_outmsg *msgs, size_t n,
		  const struct mr_send_hooks *hooks, struct mr_error *err)
{
	void (*final)(void *, size_t, struct mr_outmsg *) = hooks ? hooks->final : NULL;
	void *cookie = hooks ? hooks->cookie : NULL;
	for (size_t i = 0; i < n; i++) {
		struct mr_outmsg *m = mr_outmsg_at(msgs, i);
		if (hooks && hooks->offered && will_run(c, m) &&
		    hooks->offered(cookie, i, m) != 0) {
			set_all(m, MR_SEND_TEMPFAIL, 0,
				"not tried: the sender could not record that it starts");
			if (final)
				final(cookie, i, m);
			continue;
		}
		if (send_one(c, m, err) != 0) {
			if (i == 0)
				return err->status; /* nothing attempted: results stay PENDING */
			for (size_t j = i; j < n; j++) {
				struct mr_outmsg *mj = mr_outmsg_at(msgs, j);
				set_all(mj, MR_SEND_TEMPFAIL, 0, err->msg);
				if (final)
					final(cookie, j, mj);
			}
			c->core->log(c->log, MR_LOG_ERR, "%s", err->msg);
			return 0;
		}
		if (final)
			final(cookie, i, m);
	}
	return 0;
}

int sm_transport_new(const struct mr_plugin_ctx *ctx, const char *path, const char *args,
		     int from_headers, long long timeout, void **state_r, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	struct sm_conf *c = calloc(1, sizeof(*c));
	if (!c)
		return core->error_set(err, MR_ENOMEM, "out of memory");
	int rc = sm_conf_init(c, ctx, path, args, from_headers, (long)timeout, err);
	if (rc) {
		sm_transport_free(c);
		return rc;
	}
	*state_r = c;
	return 0;
}

void sm_transport_free(void *state)
{
	sm_conf_free(state);
	free(state);
}

int sm_transport_send(void *state, struct mr_outmsg *msgs, size_t n,
		      const struct mr_send_hooks *hooks, struct mr_error *err)
{
	return sm_send_batch(state, msgs, n, hooks, err);
}

const char *sm_transport_describe(void *state)
{
	return ((struct sm_conf *)state)->describe;
}
