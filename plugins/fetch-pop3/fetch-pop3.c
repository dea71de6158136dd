/* SPDX-License-Identifier: MIT */
/* fetch-pop3: reads a POP3 mailbox with libetpan (implicit TLS or STLS, certificates verified), keeps each handled message as a copy in a local dated Maildir, and only then deletes it from the server. */
#include "config.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../common/etpan-net.h"
#include "../common/etpan-login.h"

/* The plugin's keys, filled by the core from [account-NAME] (pop_keys). */
struct pop_conf {
	struct net_conf net;
	const char *dispose;
	const char *processed_dir;
	const char *auth, *oauth;
};

struct pop {
	char said[256];       /* the server's last words, made safe (said()) */
	const struct mr_core *core;
	const struct mr_log *log;
	char *instance;
	struct net net;
	char *username, *password;
	struct mr_oauth *oauth;    /* auth = oauth2: the token source */
	char *section;             /* "account-NAME", for errors */
	char *processed_dir;
	int keep;

	mailpop3 *pop;
	carray *msgs;   /* of struct mailpop3_msg_info *, owned by pop */
	unsigned pos;
	unsigned dpos;  /* where the search for the next disposed message starts */
	int unsynced;   /* copies written since the last sync */
	struct mailpop3_msg_info *cur;
	char *data;     /* the current message, from mailpop3_retr */
	size_t len;
	char *key;
};

static const struct mr_key pop_keys[] = {
	NET_KEYS(struct pop_conf, net, "POP3", "995", "110"),
	{ .name = "dispose", .type = MR_KEY_ENUM, .def = "move", .choices = "move|keep",
	  .help = "move: keep a copy under processed_dir, then delete from the server; keep: leave it",
	  MR_KEY_FIELD(struct pop_conf, dispose) },
	{ .name = "processed_dir", .type = MR_KEY_PATH,
	  .help = "directory of the local copies: processed/DATE/ and ignored/DATE/ Maildirs (needed "
	  "for dispose = move)", MR_KEY_FIELD(struct pop_conf, processed_dir) },
	MR_OAUTH_AUTH_KEYS(struct pop_conf, auth, oauth),
	{ 0 }
};

static void pop_free_cfg(struct pop *p)
{
	net_free(&p->net);
	free(p->instance);
	free(p->username);
	etpan_password_free(p->password);
	mr_oauth_close(p->oauth);
	free(p->section);
	free(p->processed_dir);
	free(p);
}

static int pop_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct mr_core *c = ctx->core;
	struct pop *p = calloc(1, sizeof(*p));
	if (!p)
		return c->error_set(err, MR_ENOMEM, "out of memory");
	p->core = c;
	p->log = ctx->log;
	const struct pop_conf *conf = ctx->conf;
	int rc = net_load(&p->net, ctx, &conf->net, "POP3", 995, 110, err);
	if (rc) {
		free(p);
		return rc;
	}
	const char *u = conf->net.username;
	const char *pd = conf->processed_dir;
	p->username = strdup(u ? u : "");
	p->instance = strdup(ctx->instance ? ctx->instance : "pop3");
	p->processed_dir = pd && *pd ? strdup(pd) : NULL;
	p->keep = strcmp(conf->dispose, "keep") == 0;
	p->section = strdup(c->cfg_name(ctx->cfg));
	rc = etpan_oauth_load(ctx, conf->auth, conf->oauth, &p->oauth, err);
	if (!rc && !p->oauth)
		rc = etpan_password_load(ctx, &p->password, err);
	if (!rc && (!p->username || !p->instance || !p->section))
		rc = c->error_set(err, MR_ENOMEM, "out of memory");
	else if (!rc && !p->keep && !p->processed_dir)
		rc = c->error_set(err, MR_ECONFIG, "[%s] needs processed_dir (where copies of "
				  "handled messages are kept before they are deleted from the "
				  "server), or dispose = keep", c->cfg_name(ctx->cfg));
	if (rc) {
		pop_free_cfg(p);
		return rc;
	}
	*state_r = p;
	return 0;
}

static void cur_free(struct pop *p)
{
	if (p->data)
		mailpop3_retr_free(p->data);
	p->data = NULL;
	p->len = 0;
	free(p->key);
	p->key = NULL;
	p->cur = NULL;
}

static void session_free(struct pop *p)
{
	cur_free(p);
	if (p->pop)
		mailpop3_free(p->pop);
	p->pop = NULL;
	p->msgs = NULL;
	p->pos = p->dpos = 0;
}

/* What the server last said, made safe for messages and logs. */
static const char *said(struct pop *p)
{
	return etpan_said(p->pop ? p->pop->pop3_response : NULL, p->said, sizeof(p->said));
}

static int pop_fail(struct pop *p, int r, const char *stage, const char *what,
		    struct mr_error *err)
{
	if (r == MAILPOP3_ERROR_STREAM)
		return p->core->error_set(err, MR_ETEMP, "%s: connection to %s lost during %s",
					  stage, p->net.server, what);
	return p->core->error_set(err, MR_ETEMP, "%s: %s failed (server: %s)", stage, what,
				  said(p));
}

/* libetpan's POP3 state after a login (its enum is private: disconnected,
 * authorization, transaction). */
#define POP_STATE_TRANSACTION 2

/* AUTH OAUTHBEARER or XOAUTH2 (RFC 5034), as CAPA's SASL line offers. */
static int pop_oauth_login(struct pop *p, struct mr_error *err)
{
	clist *caps = NULL;
	unsigned offered = 0;
	if (mailpop3_capa(p->pop, &caps) == MAILPOP3_NO_ERROR && caps) {
		for (clistiter *it = clist_begin(caps); it; it = clist_next(it)) {
			struct mailpop3_capa *cap = clist_content(it);
			if (!cap->cap_name || strcasecmp(cap->cap_name, "SASL") != 0 || !cap->cap_param)
				continue;
			for (clistiter *j = clist_begin(cap->cap_param); j; j = clist_next(j)) {
				const char *m = clist_content(j);
				if (m && strcasecmp(m, "OAUTHBEARER") == 0)
					offered |= ETPAN_SASL_OAUTHBEARER;
				else if (m && strcasecmp(m, "XOAUTH2") == 0)
					offered |= ETPAN_SASL_XOAUTH2;
			}
		}
		mailpop3_capa_resp_free(caps);
	}
	int rc = etpan_oauth_login(p->core, p->oauth, p->pop->pop3_stream, 0, 1, offered,
				   p->section, p->username, p->net.server, p->net.port, err);
	if (!rc)
		p->pop->pop3_state = POP_STATE_TRANSACTION;
	return rc;
}

static int pop_open(void *state, size_t *waiting_r, struct mr_error *err)
{
	struct pop *p = state;
	session_free(p);
	mailstream *s = NULL;
	int rc = net_open_stream(&p->net, &s, err);
	if (rc)
		return rc;
	p->pop = mailpop3_new(0, NULL);
	if (!p->pop) {
		mailstream_close(s);
		return p->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	mailpop3_set_timeout(p->pop, p->net.timeout);
	int r = mailpop3_connect(p->pop, s);
	if (r != MAILPOP3_NO_ERROR) {
		rc = pop_fail(p, r, "POP3", "reading the server's greeting", err);
		goto fail;
	}
	if (p->net.tls == NET_TLS_STARTTLS) {
		r = mailpop3_socket_starttls_with_callback(p->pop, net_tls_setup, &p->net);
		rc = r == MAILPOP3_ERROR_STLS_NOT_SUPPORTED
			? net_no_starttls(&p->net, "STLS", err)
			: net_starttls_done(&p->net, r == MAILPOP3_NO_ERROR, "STLS",
					    p->pop->pop3_stream, err);
		if (rc)
			goto fail;
	} else if (p->net.tls == NET_TLS_NONE) {
		net_warn_cleartext(&p->net);
	}
	if (p->oauth) {
		rc = pop_oauth_login(p, err);
		if (rc)
			goto fail;
		r = MAILPOP3_NO_ERROR;
	} else {
		r = mailpop3_user(p->pop, p->username);
		if (r == MAILPOP3_NO_ERROR)
			r = mailpop3_pass(p->pop, p->password);
	}
	if (r != MAILPOP3_NO_ERROR) {
		const char *w = said(p);
		int temp = r == MAILPOP3_ERROR_STREAM || strstr(w, "[IN-USE]") ||
			   strstr(w, "[SYS/TEMP]");
		rc = etpan_login_refused(p->core, temp, p->username, p->net.server, w, err);
		goto fail;
	}
	r = mailpop3_list(p->pop, &p->msgs);
	if (r != MAILPOP3_NO_ERROR) {
		rc = pop_fail(p, r, "folder", "listing the messages (LIST, UIDL)", err);
		goto fail;
	}
	size_t waiting = 0;
	for (unsigned i = 0; i < carray_count(p->msgs); i++) {
		struct mailpop3_msg_info *mi = carray_get(p->msgs, i);
		if (!mi || mi->msg_deleted)
			continue;
		if (!mi->msg_uidl) {
			rc = p->core->error_set(err, MR_ECONFIG, "folder: %s gives no UIDL for "
						"message %u: mailroom needs UIDL to recognise messages",
						p->net.server, mi->msg_index);
			goto fail;
		}
		waiting++;
	}
	if (waiting_r)
		*waiting_r = waiting;
	return 0;
fail:
	session_free(p);
	return rc;
}

static int pop_next(void *state, struct mr_fetched *msg_r, struct mr_error *err)
{
	struct pop *p = state;
	cur_free(p);
	if (!p->pop)
		return p->core->error_set(err, MR_EINTERNAL, "next() without open()");
	while (p->msgs && p->pos < carray_count(p->msgs)) {
		struct mailpop3_msg_info *mi = carray_get(p->msgs, p->pos++);
		if (!mi || mi->msg_deleted)
			continue;
		char *data = NULL;
		size_t len = 0;
		int r = mailpop3_retr(p->pop, mi->msg_index, &data, &len);
		if (r != MAILPOP3_NO_ERROR)
			return pop_fail(p, r, "POP3", "RETR", err);
		size_t kl = strlen(mi->msg_uidl) + 6;
		if (!(p->key = malloc(kl))) {
			mailpop3_retr_free(data);
			return p->core->error_set(err, MR_ENOMEM, "out of memory");
		}
		snprintf(p->key, kl, "pop3:%s", mi->msg_uidl);
		p->data = data;
		p->len = len;
		p->cur = mi;
		msg_r->key = p->key;
		msg_r->data = data;
		msg_r->len = len;
		msg_r->label = mi->msg_uidl;
		return 1;
	}
	return 0;
}

static int mkdir1(struct pop *p, const char *path, struct mr_error *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return p->core->error_set(err, MR_ETEMP, "cannot create %s: %s", path,
					  strerror(errno));
	return 0;
}

/* Writes the current message (LF line ends) into the dated Maildir under
 * processed_dir, unless an earlier run already did. */
static int keep_copy(struct pop *p, const struct mailpop3_msg_info *mi,
		     const struct mr_fetched *msg, enum mr_disposition d, struct mr_error *err)
{
	time_t now = (time_t)p->core->now(p->core);
	struct tm tm;
	localtime_r(&now, &tm);
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX], name[200];
	const char *kind = d == MR_DISPOSE_IGNORED ? "ignored" : "processed";
	int rc = mkdir1(p, p->processed_dir, err);
	snprintf(dir, sizeof(dir), "%s/%s", p->processed_dir, kind);
	if (!rc)
		rc = mkdir1(p, dir, err);
	snprintf(dir, sizeof(dir), "%s/%s/%04d-%02d-%02d", p->processed_dir, kind,
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (!rc)
		rc = mkdir1(p, dir, err);
	static const char *const subs[] = { "tmp", "new", "cur" };
	for (int i = 0; !rc && i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		rc = mkdir1(p, path, err);
	}
	if (rc)
		return rc;
	/* a name made of the account and the UIDL: the same message twice
	 * (a run that died before QUIT) is kept once */
	size_t n = 0;
	n += (size_t)snprintf(name, sizeof(name), "pop3.%s.", p->instance);
	for (const char *u = mi->msg_uidl; *u && n + 1 < sizeof(name); u++)
		name[n++] = (*u >= '0' && *u <= '9') || (*u >= 'a' && *u <= 'z') ||
			    (*u >= 'A' && *u <= 'Z') || *u == '-' || *u == '_' ? *u : '_';
	name[n] = '\0';
	snprintf(path, sizeof(path), "%s/new/%s", dir, name);
	struct stat sb;
	if (stat(path, &sb) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, name);
	FILE *f = fopen(tmp, "we");
	if (!f)
		return p->core->error_set(err, MR_ETEMP, "cannot create %s: %s", tmp, strerror(errno));
	for (size_t i = 0; i < msg->len; i++)
		if (!(msg->data[i] == '\r' && i + 1 < msg->len && msg->data[i + 1] == '\n'))
			putc(msg->data[i], f);
	/* made durable all at once before QUIT lets the server delete */
	int bad = fflush(f) != 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		rc = p->core->error_set(err, MR_ETEMP, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	p->unsynced = 1;
	return 0;
}

static int pop_dispose(void *state, const struct mr_fetched *msg, enum mr_disposition d,
		       struct mr_error *err)
{
	struct pop *p = state;
	if (d == MR_DISPOSE_KEEP || p->keep)
		return 0;
	/* messages come in the order next() gave them: search on from the last */
	const char *uidl = strncmp(msg->key, "pop3:", 5) == 0 ? msg->key + 5 : NULL;
	struct mailpop3_msg_info *mi = NULL;
	unsigned cnt = p->msgs ? carray_count(p->msgs) : 0;
	for (unsigned k = 0; uidl && k < cnt && !mi; k++) {
		struct mailpop3_msg_info *c = carray_get(p->msgs, (p->dpos + k) % cnt);
		if (c && c->msg_uidl && strcmp(c->msg_uidl, uidl) == 0) {
			mi = c;
			p->dpos = (p->dpos + k + 1) % cnt;
		}
	}
	if (!mi)
		return p->core->error_set(err, MR_EINTERNAL, "dispose(): %s is not a message of "
					  "this session", msg->key);
	int rc = keep_copy(p, mi, msg, d, err);
	if (rc)
		return rc;
	/* marked now, deleted by the server when the session ends with QUIT */
	int r = mailpop3_dele(p->pop, mi->msg_index);
	if (r != MAILPOP3_NO_ERROR)
		return pop_fail(p, r, "POP3", "DELE", err);
	return 0;
}

/* Flushes the copies to disk (one syncfs of their file system) before the
 * server may delete the originals. */
static int copies_synced(struct pop *p)
{
	int fd = open(p->processed_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ok = fd >= 0 && syncfs(fd) == 0;
	if (!ok)
		p->core->log(p->log, MR_LOG_ERR, "cannot flush the copies under %s (%s): leaving "
			     "the messages on the server", p->processed_dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	p->unsynced = 0;
	return ok;
}

static void pop_close(void *state)
{
	struct pop *p = state;
	if (p->pop && p->unsynced && !copies_synced(p)) {
		/* no QUIT: the server keeps every message; the next run finds
		 * them recorded, writes what is missing and deletes them then */
		cur_free(p);
		session_free(p);
		return;
	}
	if (p->pop) {
		cur_free(p);
		int r = mailpop3_quit(p->pop);
		if (r != MAILPOP3_NO_ERROR)
			p->core->log(p->log, MR_LOG_WARNING, "QUIT failed (%s): the server may keep "
				     "messages marked for deletion; the next run recognises them",
				     said(p));
	}
	session_free(p);
}

static void pop_deinit(void *state)
{
	struct pop *p = state;
	pop_close(p);
	pop_free_cfg(p);
}

static const struct mr_fetch_ops pop_ops = {
	.size = sizeof(struct mr_fetch_ops),
	.init = pop_init,
	.deinit = pop_deinit,
	.open = pop_open,
	.next = pop_next,
	.dispose = pop_dispose,
	.close = pop_close,
};

MR_PLUGIN_DEFINE(MR_KIND_FETCH, "pop3", PACKAGE_VERSION,
		 "Reads a POP3 mailbox (TLS verified); keeps copies of handled messages in "
		 "dated local Maildirs, then deletes them from the server.",
		 pop_keys, sizeof(struct pop_conf), &pop_ops);
