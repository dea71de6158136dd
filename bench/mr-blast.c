/* SPDX-License-Identifier: MIT */
/*
 * mr-blast: drives a site's configured transport directly, for tests and
 * benchmarks.  Either sends one given message file with an exact envelope
 * and prints every recipient's result, or sends N generated messages of a
 * given size in batches and prints the rate and the peak RSS.
 *
 *   mr-blast -c FILE -f FROM -t TO [-t TO...] -m MESSAGE-FILE [-k COPIES]
 *   mr-blast -c FILE -l LIST   (one batch; each line FROM<TAB>TO,TO...<TAB>FILE,
 *                               FROM "<>" for the null sender; then prints how
 *                               often each message was offered and its
 *                               content sent, as the hooks said)
 *   mr-blast -c FILE -n COUNT [-s BYTES] [-b BATCH] [-w PAUSE] [-f FROM] [-t TO]
 *                               (-w: seconds to wait between batches)
 */
#include "config.h"
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "mr.h"
#include <mailroom/mail.h>

struct blast_counts {
	size_t done_calls;
	size_t ok, temp, perm, pending;
	int print;
	size_t *offered, *content; /* -l: calls of those hooks per message */
};

static const char *status_word(enum mr_send_status s)
{
	switch (s) {
	case MR_SEND_OK: return "ok";
	case MR_SEND_TEMPFAIL: return "tempfail";
	case MR_SEND_PERMFAIL: return "permfail";
	default: return "pending";
	}
}

/* The final hook: pool threads call it concurrently, hence the lock. */
static pthread_mutex_t counts_mu = PTHREAD_MUTEX_INITIALIZER;
static void on_final(void *cookie, size_t i, struct mr_outmsg *m)
{
	struct blast_counts *c = cookie;
	pthread_mutex_lock(&counts_mu);
	c->done_calls++;
	for (size_t r = 0; r < m->n_rcpts; r++) {
		const struct mr_send_result *res = mr_outmsg_result(m, r);
		switch (res->status) {
		case MR_SEND_OK: c->ok++; break;
		case MR_SEND_TEMPFAIL: c->temp++; break;
		case MR_SEND_PERMFAIL: c->perm++; break;
		default: c->pending++; break;
		}
		if (c->print)
			printf("msg %zu rcpt %s: %s %d %s %s\n", (size_t)(uintptr_t)m->user,
			       m->rcpts[r], status_word(res->status), res->code,
			       res->enhanced[0] ? res->enhanced : "-", res->text);
	}
	pthread_mutex_unlock(&counts_mu);
}

/* -l's offered and content hooks: counted per message, printed at the end. */
static int count_call(size_t *per_msg, const struct mr_outmsg *m)
{
	pthread_mutex_lock(&counts_mu);
	per_msg[(uintptr_t)m->user]++;
	pthread_mutex_unlock(&counts_mu);
	return 0;
}

static int on_offered(void *cookie, size_t i, struct mr_outmsg *m)
{
	(void)i;
	return count_call(((struct blast_counts *)cookie)->offered, m);
}

static int on_content(void *cookie, size_t i, struct mr_outmsg *m)
{
	(void)i;
	return count_call(((struct blast_counts *)cookie)->content, m);
}

static char *read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	*len_r = len;
	return buf;
}

static long blast_pid;

/* Writes generated message number seq of about size bytes into buf. */
static size_t gen_message(char *buf, size_t size, size_t seq, const char *from, const char *to)
{
	int n = snprintf(buf, size,
			 "From: <%s>\r\nTo: <%s>\r\nSubject: mr-blast message %zu\r\n"
			 "Message-ID: <blast.%zu.%ld@mailroom.test>\r\n"
			 "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\nMIME-Version: 1.0\r\n"
			 "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
			 from, to, seq, seq, blast_pid);
	size_t len = n > 0 && (size_t)n < size ? (size_t)n : 0;
	while (len + 2 < size) {
		size_t line = size - len - 2 > 72 ? 72 : size - len - 2;
		for (size_t k = 0; k < line; k++)
			buf[len + k] = (char)('a' + (seq + k) % 26);
		len += line;
		buf[len++] = '\r';
		buf[len++] = '\n';
	}
	return len;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sends the messages of a list file as one batch; prints every result. */
static int blast_list(struct mr_transport *tr, const char *list, struct blast_counts *counts)
{
	size_t len;
	char *text = read_file(list, &len);
	if (!text) {
		fprintf(stderr, "mr-blast: cannot read %s\n", list);
		return 66;
	}
	text = realloc(text, len + 1);
	text[len] = '\0';
	size_t cap = 16, n = 0;
	struct mr_outmsg *msgs = calloc(cap, sizeof(*msgs));
	int rc = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char *from = line, *to = strchr(from, '\t'), *file = to ? strchr(to + 1, '\t') : NULL;
		if (!file) {
			fprintf(stderr, "mr-blast: %s: a line is not FROM<TAB>TO<TAB>FILE\n", list);
			rc = 64;
			break;
		}
		*to++ = '\0';
		*file++ = '\0';
		if (n == cap)
			msgs = realloc(msgs, (cap *= 2) * sizeof(*msgs));
		struct mr_outmsg *m = &msgs[n];
		memset(m, 0, sizeof(*m));
		m->size = sizeof(*m);
		m->result_size = sizeof(struct mr_send_result);
		m->envelope_from = strcmp(from, "<>") == 0 ? "" : from;
		size_t nr = 1;
		for (char *p = to; *p; p++)
			nr += *p == ',';
		const char **r = calloc(nr, sizeof(*r));
		nr = 0;
		for (char *s2 = NULL, *t = strtok_r(to, ",", &s2); t; t = strtok_r(NULL, ",", &s2))
			r[nr++] = t;
		m->rcpts = r;
		m->n_rcpts = nr;
		size_t dl;
		m->data = read_file(file, &dl);
		m->len = dl;
		m->results = calloc(nr ? nr : 1, sizeof(*m->results));
		m->user = (void *)(uintptr_t)n;
		if (!m->data) {
			fprintf(stderr, "mr-blast: cannot read %s\n", file);
			rc = 66;
		}
		n++;
	}
	struct mr_error err = { 0 };
	struct mr_send_hooks hooks = { .size = sizeof(hooks), .cookie = counts, .final = on_final,
				       .offered = on_offered, .content = on_content };
	counts->offered = calloc(n ? n : 1, sizeof(size_t));
	counts->content = calloc(n ? n : 1, sizeof(size_t));
	if (!counts->offered || !counts->content)
		rc = 71;
	if (!rc && tr->ops->send(tr->state, msgs, n, &hooks, &err) != 0) {
		fprintf(stderr, "mr-blast: send: %s\n", err.msg);
		rc = 75;
	}
	for (size_t i = 0; !rc && i < n; i++)
		printf("msg %zu offered %zu content %zu\n", i, counts->offered[i], counts->content[i]);
	free(counts->offered);
	free(counts->content);
	if (!rc && counts->done_calls != n)
		fprintf(stderr, "mr-blast: done was called %zu times for %zu messages\n",
			counts->done_calls, n);
	for (size_t i = 0; i < n; i++) {
		free((void *)msgs[i].rcpts);
		free((void *)msgs[i].data);
		free(msgs[i].results);
	}
	free(msgs);
	free(text);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: mr-blast -c CONFIG -f FROM -t TO [-t TO...] -m MESSAGE-FILE "
		"[-k COPIES]\n       mr-blast -c CONFIG -n COUNT [-s BYTES] [-b BATCH] "
		"[-w PAUSE] [-f FROM] [-t TO]\n");
	return 64;
}

int main(int argc, char **argv)
{
	const char *config = NULL, *msgfile = NULL, *list = NULL, *from = "blast@mailroom.test";
	const char *tos[256];
	setvbuf(stdout, NULL, _IOLBF, 0);
	blast_pid = (long)getpid();
	size_t n_to = 0, count = 0, size = 1024, batch = 1000, copies = 1, pause = 0;
	int c;
	while ((c = getopt(argc, argv, "c:f:t:m:k:n:s:b:l:w:")) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': from = optarg; break;
		case 't':
			if (n_to < 256)
				tos[n_to++] = optarg;
			break;
		case 'm': msgfile = optarg; break;
		case 'l': list = optarg; break;
		case 'w': pause = strtoul(optarg, NULL, 10); break;
		case 'k': copies = strtoul(optarg, NULL, 10); break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 's': size = strtoul(optarg, NULL, 10); break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		default: return usage();
		}
	}
	if (!config || (!msgfile && !count && !list) || (msgfile && !n_to) || !batch || size < 300)
		return usage();
	if (!n_to)
		tos[n_to++] = "sink@mailroom.test";
	struct mr_diags d = { 0 };
	struct mr_site *site = NULL;
	struct mr_error err = { 0 };
	if (mr_site_open(config, MR_OPEN_TRANSPORT, &d, &site, &err) != 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "mr-blast: %s\n", d.items[i]);
		fprintf(stderr, "mr-blast: %s\n", err.msg);
		mr_diags_free(&d);
		return 78;
	}
	mr_diags_free(&d);
	struct mr_transport *tr = &site->transport;
	struct blast_counts counts = { .print = msgfile != NULL || list != NULL };
	struct mr_send_hooks hooks = { .size = sizeof(hooks), .cookie = &counts, .final = on_final };
	int rc = 0;
	if (list) {
		rc = blast_list(tr, list, &counts);
		mr_site_close(site);
		return rc ? rc : counts.temp ? 75 : counts.perm ? 69 : 0;
	} else if (msgfile) {
		size_t len;
		char *data = read_file(msgfile, &len);
		if (!data) {
			fprintf(stderr, "mr-blast: cannot read %s\n", msgfile);
			mr_site_close(site);
			return 66;
		}
		struct mr_outmsg *msgs = calloc(copies, sizeof(*msgs));
		struct mr_send_result *res = calloc(copies * n_to, sizeof(*res));
		for (size_t i = 0; i < copies; i++)
			msgs[i] = (struct mr_outmsg){ .size = sizeof(*msgs), .envelope_from = from,
						      .rcpts = tos, .n_rcpts = n_to, .data = data,
						      .len = len, .result_size = sizeof(*res),
						      .results = res + i * n_to,
						      .user = (void *)(uintptr_t)i };
		rc = tr->ops->send(tr->state, msgs, copies, &hooks, &err);
		if (rc)
			fprintf(stderr, "mr-blast: send: %s\n", err.msg);
		if (counts.done_calls != copies)
			fprintf(stderr, "mr-blast: done was called %zu times for %zu messages\n",
				counts.done_calls, copies);
		free(msgs);
		free(res);
		free(data);
	} else {
		if (batch > count)
			batch = count;
		struct mr_outmsg *msgs = calloc(batch, sizeof(*msgs));
		struct mr_send_result *res = calloc(batch * n_to, sizeof(*res));
		char *bufs = malloc(batch * (size + 1024));
		double t0 = now_s();
		size_t sent = 0;
		while (sent < count && !rc) {
			if (sent && pause)
				sleep((unsigned)pause);
			size_t k = count - sent < batch ? count - sent : batch;
			for (size_t i = 0; i < k; i++) {
				char *b = bufs + i * (size + 1024);
				size_t len = gen_message(b, size, sent + i, from, tos[0]);
				memset(res + i * n_to, 0, n_to * sizeof(*res));
				msgs[i] = (struct mr_outmsg){ .size = sizeof(*msgs),
							      .envelope_from = from, .rcpts = tos,
							      .n_rcpts = n_to, .data = b, .len = len,
							      .result_size = sizeof(*res),
							      .results = res + i * n_to,
							      .user = (void *)(uintptr_t)(sent + i) };
			}
			rc = tr->ops->send(tr->state, msgs, k, &hooks, &err);
			if (rc)
				fprintf(stderr, "mr-blast: send: %s\n", err.msg);
			sent += k;
		}
		double el = now_s() - t0;
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		printf("messages %zu ok %zu tempfail %zu permfail %zu pending %zu seconds %.3f "
		       "rate %.0f maxrss_kb %ld cpu_s %.2f\n",
		       sent, counts.ok, counts.temp, counts.perm, counts.pending, el,
		       el > 0 ? sent / el : 0.0, ru.ru_maxrss,
		       ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
		free(msgs);
		free(res);
		free(bufs);
	}
	mr_site_close(site);
	if (rc)
		return 75;
	return counts.temp ? 75 : counts.perm ? 69 : 0;
}
