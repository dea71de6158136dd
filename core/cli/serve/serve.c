/* SPDX-License-Identifier: MIT */
/* `mailroom serve`: runs the web endpoint in the foreground on GNU libmicrohttpd (one daemon per [http] listen address, or systemd's sockets), and stops gracefully on SIGTERM. */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "serve.h"

int sv_rate_init(struct sv_server *s);

#define SV_MAX_LISTEN 16

/* A key of [http], with its default when the section is absent. */
static const char *http_str(const struct mr_section *sec, const char *key)
{
	if (sec)
		return mr_cfg_str(sec, key);
	for (const struct mr_key *k = mr_keys_http; k->name; k++)
		if (strcmp(k->name, key) == 0)
			return k->def;
	return NULL;
}

static long long http_int(const struct mr_section *sec, const char *key)
{
	const char *v = http_str(sec, key);
	long long n = 0;
	if (v)
		mr_parse_int(v, &n);
	return n;
}

/* Splits "a, b,c" into a malloc'ed array of malloc'ed words. */
static size_t split_list(const char *v, char ***out_r)
{
	*out_r = NULL;
	size_t n = 0;
	if (!v)
		return 0;
	char *copy = strdup(v), *save = NULL;
	if (!copy)
		return 0;
	for (char *w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		char **nl = realloc(*out_r, (n + 1) * sizeof(*nl));
		if (!nl)
			break;
		*out_r = nl;
		nl[n++] = strdup(w);
	}
	free(copy);
	return n;
}

/* Parses ADDRESS:PORT or [IPv6]:PORT.  0, or -1. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, int *v6_r)
{
	char host[64];
	const char *port;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = 0;
		port = e + 2;
	} else {
		const char *e = strrchr(s, ':');
		if (!e || (size_t)(e - s) >= sizeof(host))
			return -1;
		memcpy(host, s, (size_t)(e - s));
		host[e - s] = 0;
		port = e + 1;
	}
	long long p;
	if (mr_parse_int(port, &p) != 0 || p < 1 || p > 65535)
		return -1;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		*v6_r = 0;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		*v6_r = 1;
		return 0;
	}
	return -1;
}

/* Reads a PEM file whole; a key must not be readable by others. */
static char *read_pem(const char *path, int is_key, char *why, size_t wn)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(why, wn, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (is_key && (st.st_mode & 077)) {
		snprintf(why, wn, "%s: a private key readable by group or others is refused "
			 "(chmod 600 it)", path);
		close(fd);
		return NULL;
	}
	if (st.st_size <= 0 || st.st_size > (1 << 20)) {
		snprintf(why, wn, "%s: not a PEM file of a sensible size", path);
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (got != st.st_size) {
		snprintf(why, wn, "%s: could not read it", path);
		free(buf);
		return NULL;
	}
	buf[got] = 0;
	return buf;
}

/* The path of a URL (https://host/path?x -> /path), or NULL. */
static char *url_path(const char *url)
{
	if (!url || strncmp(url, "mailto:", 7) == 0)
		return NULL;
	const char *p = strstr(url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	if (!p)
		return NULL;
	return strndup(p, strcspn(p, "?#"));
}

int cmd_serve(struct mr_cli *cli, int argc, char **argv)
{
	int quiet_requests = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-request-log") == 0)
			quiet_requests = 1;
		else
			return cli_usage("serve");
	}
	/* SIGTERM, SIGINT and SIGHUP are taken by sigwait below: block them
	 * before any thread starts (the site's and MHD's) so that every thread
	 * inherits the mask and none dies of them. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct mr_site *site = NULL;
	int code = cli_open_site(cli, MR_OPEN_STORE, &site);
	if (code)
		return code;
	/* the subscribe form sends confirmation mail: then the transport too */
	const struct mr_section *optin = mr_config_section(site->cfg, "optin");
	const char *wg = optin ? mr_cfg_str(optin, "web_groups") : NULL;
	if (wg && *wg) {
		mr_site_close(site);
		if ((code = cli_open_site(cli, MR_OPEN_STORE | MR_OPEN_TRANSPORT, &site)) != 0)
			return code;
		optin = mr_config_section(site->cfg, "optin");
		wg = mr_cfg_str(optin, "web_groups");
	}
	struct sv_server s;
	memset(&s, 0, sizeof(s));
	s.site = site;
	s.store = &site->store;
	s.quiet = quiet_requests;
	s.web_groups = wg && *wg ? wg : NULL;
	pthread_mutex_init(&s.store_lock, NULL);
	pthread_mutex_init(&s.send_lock, NULL);
	pthread_mutex_init(&s.log_lock, NULL);
	pthread_mutex_init(&s.rl_lock, NULL);
	struct MHD_Daemon *d[SV_MAX_LISTEN] = { 0 };
	MHD_socket quiesced[SV_MAX_LISTEN];
	size_t nd = 0;
	int activated = 0; /* the sockets are systemd's */
	char *cert = NULL, *key = NULL, **listen = NULL;
	size_t n_listen = 0;
	char *unsub_path = NULL;
	struct mr_error err = { 0 };
	code = EX_CONFIG;
	if (!mr_store_has(s.store, MR_STORE_CAP_BOUNCE | MR_STORE_CAP_QUEUE)) {
		code = cli_fail(EX_UNAVAILABLE, "serve", "the store has no bounce or mailing "
				"operations: nothing to serve");
		goto out;
	}
	if (mr_mail_verp_conf(&site->core, &s.verp, &err) != 0) {
		cli_fail(EX_CONFIG, "serve", "%s", err.msg);
		goto out;
	}
	if (!s.verp->secret) {
		cli_fail(EX_CONFIG, "serve", "[mailroom] secret is not set: links cannot be checked");
		goto out;
	}
	const struct mr_section *http = mr_config_section(site->cfg, "http");
	unsub_path = url_path(mr_config_raw(site->main, "unsubscribe_url"));
	s.unsub_path = unsub_path;
	/* [http] base_url with a /PREFIX: PREFIX/u, PREFIX/o and PREFIX/c too */
	char *bp = url_path(http_str(http, "base_url"));
	if (bp) {
		size_t l = strlen(bp);
		while (l > 0 && bp[l - 1] == '/')
			bp[--l] = 0;
		if (l > 0 && l < sizeof(s.base_path))
			snprintf(s.base_path, sizeof(s.base_path), "%s", bp);
		free(bp);
	}
	s.max_body = (size_t)http_int(http, "max_body");
	s.rate = (long)http_int(http, "rate_limit");
	s.n_proxies = split_list(http_str(http, "trusted_proxies"), &s.proxies);
	if (sv_rate_init(&s) != 0) {
		code = cli_fail(EX_OSERR, "serve", "out of memory");
		goto out;
	}
	const char *atf = http ? mr_cfg_str(http, "api_tokens_file") : NULL;
	s.api_tokens_file = atf && *atf ? atf : NULL;
	char whwhy[300] = "out of memory";
	if (sv_webhooks_init(&s, http, whwhy, sizeof(whwhy)) != 0) {
		code = cli_fail(EX_CONFIG, "serve", "%s", whwhy);
		goto out;
	}
	if (sv_track_start(&s) != 0) {
		code = cli_fail(EX_OSERR, "serve", "cannot start the tracking writer");
		goto out;
	}
	unsigned threads = (unsigned)http_int(http, "threads");
	unsigned maxconn = (unsigned)http_int(http, "max_connections");
	long long timeout = 30;
	if (http)
		timeout = mr_cfg_duration(http, "timeout");
	const char *cert_file = http_str(http, "tls_cert_file");
	const char *key_file = http_str(http, "tls_key_file");
	char why[600];
	if ((cert_file && *cert_file) != (key_file && *key_file)) {
		cli_fail(EX_CONFIG, "serve", "[http] tls_cert_file and tls_key_file go together");
		goto out;
	}
	if (cert_file && *cert_file) {
		if (!(cert = read_pem(cert_file, 0, why, sizeof(why))) ||
		    !(key = read_pem(key_file, 1, why, sizeof(why)))) {
			cli_fail(EX_CONFIG, "serve", "[http] %s", why);
			goto out;
		}
		s.https = 1;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 (s.https ? MHD_USE_TLS : 0);
	/* systemd socket activation: LISTEN_FDS sockets from fd 3 */
	const char *lpid = getenv("LISTEN_PID"), *lfds = getenv("LISTEN_FDS");
	long long nfds = 0, pid = 0;
	if (lpid && lfds && mr_parse_int(lpid, &pid) == 0 && pid == (long long)getpid() &&
	    mr_parse_int(lfds, &nfds) == 0 && nfds > 0) {
		activated = 1;
		for (long long i = 0; i < nfds && nd < SV_MAX_LISTEN; i++) {
			int fd = 3 + (int)i;
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			d[nd] = MHD_start_daemon(flags, 0, NULL, NULL, sv_on_request, &s,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_THREAD_POOL_SIZE, threads,
				MHD_OPTION_CONNECTION_LIMIT, maxconn,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout,
				MHD_OPTION_NOTIFY_COMPLETED, sv_on_completed, &s,
				s.https ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
				MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
			if (!d[nd]) {
				code = cli_fail(EX_OSERR, "serve", "cannot serve on systemd's socket %d", fd);
				goto stop;
			}
			nd++;
		}
		sv_log(&s, "listening on %zu socket%s from systemd", nd, nd == 1 ? "" : "s");
	} else {
		n_listen = split_list(http_str(http, "listen"), &listen);
		for (size_t i = 0; i < n_listen && nd < SV_MAX_LISTEN; i++) {
			struct sockaddr_storage ss;
			int v6 = 0;
			if (parse_listen(listen[i], &ss, &v6) != 0) {
				code = cli_fail(EX_CONFIG, "serve", "%s:%d: [http] listen: \"%s\" is not "
						"ADDRESS:PORT", site->cfg->path,
						mr_config_line(site->cfg, "http", "listen"), listen[i]);
				goto stop;
			}
			d[nd] = MHD_start_daemon(flags | (v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
				sv_on_request, &s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_THREAD_POOL_SIZE, threads,
				MHD_OPTION_CONNECTION_LIMIT, maxconn,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
				MHD_OPTION_NOTIFY_COMPLETED, sv_on_completed, &s,
				s.https ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
				MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
			if (!d[nd]) {
				code = cli_fail(EX_UNAVAILABLE, "serve", "cannot listen on %s: %s", listen[i],
						errno ? strerror(errno) : "libmicrohttpd refused");
				goto stop;
			}
			nd++;
			sv_log(&s, "listening on %s%s", listen[i], s.https ? " (https)" : "");
		}
		if (nd == 0) {
			code = cli_fail(EX_CONFIG, "serve", "[http] listen names no address");
			goto stop;
		}
	}
	/* the foreground: wait for a signal, then stop gracefully */
	int sig = 0;
	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		sv_log(&s, "SIGHUP: nothing to reload (restart to read the configuration)");
	sv_log(&s, "%s: finishing the requests in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
	code = EX_OK;
stop:
	/* accept no more connections: our own listening sockets are shut down
	 * at once, so that new clients are refused rather than left waiting in
	 * the backlog (systemd's stay as they are: it holds them for the next
	 * start); they are closed once the daemons have stopped */
	for (size_t i = 0; i < nd; i++) {
		quiesced[i] = MHD_quiesce_daemon(d[i]);
		if (!activated && quiesced[i] != MHD_INVALID_SOCKET)
			shutdown(quiesced[i], SHUT_RDWR);
	}
	/* the connections in flight may finish (bounded by 5 s or timeout) */
	for (int tries = 0; tries < 50; tries++) {
		unsigned open = 0;
		for (size_t i = 0; i < nd; i++) {
			const union MHD_DaemonInfo *di =
				MHD_get_daemon_info(d[i], MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
			open += di ? di->num_connections : 0;
		}
		if (open == 0 || tries * 100 >= timeout * 1000)
			break;
		usleep(100 * 1000);
	}
	for (size_t i = 0; i < nd; i++) {
		MHD_stop_daemon(d[i]);
		if (!activated && quiesced[i] != MHD_INVALID_SOCKET)
			close(quiesced[i]);
	}
	/* every hit answered is in the queue: write them all before exiting */
	sv_track_stop(&s);
	if (code == EX_OK)
		sv_log(&s, "stopped");
out:
	for (size_t i = 0; i < n_listen; i++)
		free(listen[i]);
	free(listen);
	for (size_t i = 0; i < s.n_proxies; i++)
		free(s.proxies[i]);
	free(s.proxies);
	sv_track_stop(&s);
	sv_webhooks_free(&s);
	free(s.buckets);
	free(cert);
	if (key) {
		memset(key, 0, strlen(key));
		free(key);
	}
	free(unsub_path);
	if (s.verp)
		mr_verp_conf_free(s.verp);
	mr_site_close(site);
	return code;
}
