/* SPDX-License-Identifier: MIT */
/* Connecting the libetpan fetch plugins: DNS and TCP done here (so each failure is named), TLS through libetpan, and the peer's certificate chain verified with the core's OpenSSL service before any password is sent.  Included by one .c file per plugin: everything is static. */
#ifndef MR_ETPAN_NET_H
#define MR_ETPAN_NET_H

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libetpan/libetpan.h>
#include <mailroom/plugin.h>

enum net_tls { NET_TLS_NONE = 0, NET_TLS_IMPLICIT = 1, NET_TLS_STARTTLS = 2 };

/* A copy of a stream's low-level driver whose read turns end-of-file into
 * an error: libetpan 1.9's IMAP parser spins forever on a connection closed
 * in the middle of a literal, since it waits for more bytes on a 0 read. */
struct net_eof {
	mailstream_low_driver drv; /* first: the low's driver points here */
	mailstream_low_driver *orig;
};

struct net {
	const struct mr_core *core;
	const struct mr_log *log;
	const char *proto;  /* "IMAP", "POP3" */
	char *server;
	int port;
	enum net_tls tls;
	int verify;
	char *ca_file;
	time_t timeout;
	struct net_eof eof;
};

/* The keys every libetpan fetch plugin declares, as the core fills them. */
struct net_conf {
	const char *server;
	long long port;      /* 0: unset */
	const char *tls;     /* NULL: unset */
	int verify_peer;
	const char *ca_file;
	const char *username;
	long long timeout;   /* seconds */
};

/* Those keys' table entries (ports differ); conf_ is the plugin's config
 * struct and member_ its struct net_conf member. */
#define NET_KEY_(conf_, member_, field_) MR_KEY_FIELD(conf_, member_.field_)
#define NET_KEYS(conf_, member_, proto_, tlsport_, plainport_) \
	{ .name = "server", .type = MR_KEY_STRING, .flags = MR_KEYF_REQUIRED, \
	  .help = "host name or address of the " proto_ " server", \
	  NET_KEY_(conf_, member_, server) }, \
	{ .name = "port", .type = MR_KEY_INT, .min = 1, .max = 65535, \
	  .help = "TCP port (default " tlsport_ " for tls = implicit, else " plainport_ ")", \
	  NET_KEY_(conf_, member_, port) }, \
	{ .name = "tls", .type = MR_KEY_ENUM, .choices = "implicit|starttls|none", \
	  .help = "implicit TLS, STARTTLS/STLS upgrade, or none (default: starttls on port " \
		  plainport_ ", else implicit)", \
	  NET_KEY_(conf_, member_, tls) }, \
	{ .name = "verify_peer", .type = MR_KEY_BOOL, .def = "yes", \
	  .help = "verify the server's certificate and name before sending the password", \
	  NET_KEY_(conf_, member_, verify_peer) }, \
	{ .name = "ca_file", .type = MR_KEY_PATH, \
	  .help = "PEM file of the CAs (or self-signed certificate) to trust instead of the " \
		  "system store", \
	  NET_KEY_(conf_, member_, ca_file) }, \
	{ .name = "username", .type = MR_KEY_STRING, .flags = MR_KEYF_REQUIRED, \
	  .help = "login name", NET_KEY_(conf_, member_, username) }, \
	{ .name = "password", .type = MR_KEY_SECRET, \
	  .help = "password: password_file = a file only its owner can read (or the " \
		  "environment)" }, \
	{ .name = "timeout", .type = MR_KEY_DURATION, .def = "60s", \
	  .help = "network timeout of each step", NET_KEY_(conf_, member_, timeout) }

static void net_free(struct net *n)
{
	free(n->server);
	free(n->ca_file);
	n->server = n->ca_file = NULL;
}

static int net_load(struct net *n, const struct mr_plugin_ctx *ctx, const struct net_conf *nc,
		    const char *proto, int tls_port, int plain_port, struct mr_error *err)
{
	const struct mr_core *c = ctx->core;
	n->core = c;
	n->log = ctx->log;
	n->proto = proto;
	const char *server = nc->server;
	const char *ca = nc->ca_file;
	const char *tls = nc->tls;
	n->port = (int)nc->port;
	if (tls)
		n->tls = strcmp(tls, "none") == 0 ? NET_TLS_NONE
		       : strcmp(tls, "starttls") == 0 ? NET_TLS_STARTTLS : NET_TLS_IMPLICIT;
	else
		n->tls = n->port == plain_port ? NET_TLS_STARTTLS : NET_TLS_IMPLICIT;
	if (!n->port)
		n->port = n->tls == NET_TLS_IMPLICIT ? tls_port : plain_port;
	n->verify = nc->verify_peer;
	n->timeout = (time_t)nc->timeout;
	if (n->timeout <= 0)
		n->timeout = 60;
	n->server = strdup(server ? server : "");
	n->ca_file = ca && *ca ? strdup(ca) : NULL;
	if (!n->server || (ca && *ca && !n->ca_file)) {
		net_free(n);
		return c->error_set(err, MR_ENOMEM, "out of memory");
	}
	return 0;
}

/* Resolves and connects; the error says "DNS: ..." or "TCP: ...". */
static int net_tcp_connect(const struct net *n, int *fd_r, struct mr_error *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char port[16];
	snprintf(port, sizeof(port), "%d", n->port);
	int g = getaddrinfo(n->server, port, &hints, &ai);
	if (g != 0)
		return n->core->error_set(err, g == EAI_NONAME ? MR_ECONFIG : MR_ETEMP,
					  "DNS: cannot resolve %s: %s", n->server,
					  g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	int last = ECONNREFUSED;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				a->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		int r = connect(fd, a->ai_addr, a->ai_addrlen);
		if (r != 0 && errno == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			r = poll(&p, 1, (int)n->timeout * 1000);
			if (r == 0) {
				errno = ETIMEDOUT;
				r = -1;
			} else if (r > 0) {
				int soerr = 0;
				socklen_t sl = sizeof(soerr);
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
				r = soerr ? -1 : 0;
				if (soerr)
					errno = soerr;
			}
		}
		if (r == 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			freeaddrinfo(ai);
			*fd_r = fd;
			return 0;
		}
		last = errno;
		close(fd);
	}
	freeaddrinfo(ai);
	return n->core->error_set(err, MR_ETEMP, "TCP: cannot connect to %s port %d: %s",
				  n->server, n->port, strerror(last));
}

static int net_is_ip(const char *host)
{
	unsigned char b[16];
	return inet_pton(AF_INET, host, b) == 1 || inet_pton(AF_INET6, host, b) == 1;
}

/* libetpan calls this before its TLS handshake: send the server name (SNI). */
static void net_tls_setup(struct mailstream_ssl_context *sc, void *data)
{
	const struct net *n = data;
	if (!net_is_ip(n->server))
		mailstream_ssl_set_server_name(sc, n->server);
}

/* Checks the peer's certificate chain of a TLS stream (libetpan does not). */
static int net_verify(const struct net *n, mailstream *s, struct mr_error *err)
{
	if (!n->verify) {
		n->core->log(n->log, MR_LOG_WARNING, "verify_peer = no: the certificate of %s is "
			     "not checked", n->server);
		return 0;
	}
	carray *chain = mailstream_get_certificate_chain(s);
	if (!chain || carray_count(chain) == 0) {
		if (chain)
			mailstream_certificate_chain_free(chain);
		return n->core->error_set(err, MR_EPERMANENT, "TLS: %s sent no certificate",
					  n->server);
	}
	size_t cnt = carray_count(chain);
	const unsigned char **der = calloc(cnt, sizeof(*der));
	size_t *len = calloc(cnt, sizeof(*len));
	int rc;
	if (!der || !len) {
		rc = n->core->error_set(err, MR_ENOMEM, "out of memory");
	} else {
		for (size_t i = 0; i < cnt; i++) {
			MMAPString *ms = carray_get(chain, (unsigned)i);
			der[i] = (const unsigned char *)ms->str;
			len[i] = ms->len;
		}
		struct mr_error e = { 0 };
		rc = n->core->tls_verify_chain(der, len, cnt, n->server, n->ca_file, &e);
		if (rc)
			rc = n->core->error_set(err, rc == MR_EPERMANENT ? MR_ECONFIG : rc,
						"TLS: %s (set ca_file to trust it, or fix the "
						"server's certificate)", e.msg);
	}
	free(der);
	free(len);
	mailstream_certificate_chain_free(chain);
	return rc;
}

static ssize_t net_eof_read(mailstream_low *low, void *buf, size_t count)
{
	struct net_eof *e = (struct net_eof *)low->driver;
	ssize_t r = e->orig->mailstream_read(low, buf, count);
	return r == 0 && count > 0 ? -1 : r;
}

/* Installs the end-of-file guard on the stream's current low level (again
 * after STARTTLS, which replaces it). */
static void net_guard_eof(struct net *n, mailstream *s)
{
	mailstream_low *low = s ? mailstream_get_low(s) : NULL;
	if (!low || low->driver == &n->eof.drv)
		return;
	n->eof.orig = low->driver;
	n->eof.drv = *low->driver;
	n->eof.drv.mailstream_read = net_eof_read;
	low->driver = &n->eof.drv;
}

/* The error of a server that does not offer the STARTTLS command (POP3: STLS). */
static int net_no_starttls(const struct net *n, const char *cmd, struct mr_error *err)
{
	return n->core->error_set(err, MR_ECONFIG, "TLS: %s port %d does not offer %s (use "
				  "tls = implicit on its TLS port)", n->server, n->port, cmd);
}

/* After the STARTTLS (STLS) command: its failure, or the stream's new low
 * level guarded and the certificate checked. */
static int net_starttls_done(struct net *n, int ok, const char *cmd, mailstream *s,
			     struct mr_error *err)
{
	if (!ok)
		return n->core->error_set(err, MR_ETEMP, "TLS: %s handshake with %s port %d failed",
					  cmd, n->server, n->port);
	net_guard_eof(n, s);
	return net_verify(n, s, err);
}

/* With tls = none: the warning that the password goes in clear. */
static void net_warn_cleartext(const struct net *n)
{
	n->core->log(n->log, MR_LOG_WARNING, "tls = none: the password goes to %s in clear",
		     n->server);
}

/* Connects and, for implicit TLS, does the handshake and the check: a
 * stream ready for the greeting. */
static int net_open_stream(struct net *n, mailstream **s_r, struct mr_error *err)
{
	int fd = -1;
	int rc = net_tcp_connect(n, &fd, err);
	if (rc)
		return rc;
	mailstream *s;
	if (n->tls == NET_TLS_IMPLICIT)
		s = mailstream_ssl_open_with_callback_timeout(fd, n->timeout, net_tls_setup,
							      (void *)n);
	else
		s = mailstream_socket_open_timeout(fd, n->timeout);
	if (!s) {
		close(fd);
		return n->core->error_set(err, MR_ETEMP, n->tls == NET_TLS_IMPLICIT
					  ? "TLS: handshake with %s port %d failed (is it a TLS "
					    "port? try tls = starttls)"
					  : "TCP: cannot set up a stream to %s port %d",
					  n->server, n->port);
	}
	if (n->tls == NET_TLS_IMPLICIT && (rc = net_verify(n, s, err)) != 0) {
		mailstream_close(s);
		return rc;
	}
	net_guard_eof(n, s);
	*s_r = s;
	return 0;
}

#endif
