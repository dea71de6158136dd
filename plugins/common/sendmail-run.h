/* SPDX-License-Identifier: MIT */
/* The sendmail-program code shared by transport-sendmail and transport-mail: runs a sendmail-compatible program per message (execve, no shell) and maps its exit status to results. */
#ifndef MR_SENDMAIL_RUN_H
#define MR_SENDMAIL_RUN_H

#include <stddef.h>
#include <mailroom/plugin.h>

/* How a message is handed to the program. */
struct sm_conf {
	const struct mr_core *core;
	const struct mr_log *log;
	const char *section;  /* for messages: "transport-sendmail" */
	char *path;           /* the program */
	char **args;          /* extra arguments before ours, NULL-terminated */
	int from_headers;     /* -t: recipients from To/Cc/Bcc (transport-mail) */
	long timeout;         /* seconds one run may take before it is killed */
	char describe[512];
};

/* The outcome of one run. */
struct sm_outcome {
	int exec_errno;       /* execve failed with this errno (nothing ran) */
	int exited;           /* exited normally, with status */
	int status;
	int signal;           /* killed by this signal */
	int timed_out;        /* killed by us after the timeout */
	int wait_errno;       /* waitpid failed: the exit status is unknown */
	char output[1024];    /* what it wrote on stderr and stdout, cleaned */
};

/* Fills c from its section's keys (path, args, timeout as each plugin
 * declares them).  Returns 0 or MR_ECONFIG/MR_ENOMEM with err. */
int sm_conf_init(struct sm_conf *c, const struct mr_plugin_ctx *ctx, const char *path,
		 const char *args, int from_headers, long timeout, struct mr_error *err);
void sm_conf_free(struct sm_conf *c);

/* Runs argv[0] with argv, the message on its stdin (CRLF turned into LF),
 * stdout and stderr captured, killed by its PID after timeout seconds.
 * Returns 0 when it ran (see o), or MR_ENOMEM/MR_EINTERNAL with err. */
int sm_run(const char *const *argv, const char *data, size_t len, long timeout,
	   struct sm_outcome *o, struct mr_error *err);

/* Sends a batch, one run per message (hooks->offered, when set, is asked
 * before each run; hooks->final follows it), and fills every result.
 * Returns 0, or MR_ECONFIG when the program cannot be run at all (results
 * of the messages not run stay PENDING). */
int sm_send_batch(struct sm_conf *c, struct mr_outmsg *msgs, size_t n,
		  const struct mr_send_hooks *hooks, struct mr_error *err);

/* The transport ops both plugins use as they are; the state is a malloc'ed
 * struct sm_conf; timeout (seconds) is the plugin's "timeout" key. */
int sm_transport_new(const struct mr_plugin_ctx *ctx, const char *path, const char *args,
		     int from_headers, long long timeout, void **state_r, struct mr_error *err);
void sm_transport_free(void *state);
int sm_transport_send(void *state, struct mr_outmsg *msgs, size_t n,
		      const struct mr_send_hooks *hooks, struct mr_error *err);
const char *sm_transport_describe(void *state);

#endif
