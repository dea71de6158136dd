/* SPDX-License-Identifier: MIT */
/* fetch-imap: reads an IMAP folder with libetpan (implicit TLS or STARTTLS, certificates verified), identifies messages by UIDVALIDITY and UID, and moves handled ones to <source>.processed / <source>.ignored. */
#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../common/etpan-net.h"
#include "../common/etpan-login.h"
#include "imap-utf7.h"

/* Bodies are fetched this many at a time (and at most CHUNK_BYTES); moves
 * are sent when FLUSH_MSGS messages wait (and at close), as a few large
 * UID MOVE commands cost the server much less than many small ones. */
#define CHUNK_MSGS 250
#define CHUNK_BYTES (32u << 20)
#define FLUSH_MSGS 1000

struct pending {
	uint32_t *uids;
	size_t n, cap;
};

struct cur_msg {
	uint32_t uid;
	const char *data;
	size_t len;
};

/* The plugin's keys, filled by the core from [account-NAME] (im_keys). */
struct im_conf {
	struct net_conf net;
	const char *source;
	const char *dispose;
	const char *processed_folder;
	const char *ignored_folder;
	const char *auth, *oauth;
};

struct im {
	const struct mr_core *core;
	const struct mr_log *log;
	const char *instance;
	struct net net;
	char *username, *password;
	struct mr_oauth *oauth;    /* auth = oauth2: the token source */
	char *section;             /* "account-NAME", for errors */
	char *source_cfg, *processed_cfg, *ignored_cfg;
	int keep;

	mailimap *imap;
	char sep;
	char *source, *folder[3];  /* server names in UTF-8 (for messages): source, processed, ignored */
	char *wire[3];             /* the same in modified UTF-7, for commands: source, processed, ignored */
	int ensured[3];
	int has_move, has_uidplus;
	uint32_t uidvalidity;
	uint32_t *uids, *sizes;
	size_t n_uids, pos;
	/* the current chunk of fetched bodies */
	clist *chunk_result;
	struct cur_msg *chunk;
	size_t n_chunk, chunk_pos;
	struct pending pend[3];
	char key[64], label[32];
	/* the mover: a second session that sends the moves while this one
	 * goes on fetching (the server's work on both overlaps) */
	struct {
		struct net net;     /* a copy of net with its own EOF guard */
		mailimap *imap;
		pthread_t th;
		pthread_mutex_t mu;
		pthread_cond_t cv;
		int started, has_job, quit, failed_start;
		struct pending job[3];
		int rc;
		struct mr_error err;
	} mv;
};

static const struct mr_key im_keys[] = {
	NET_KEYS(struct im_conf, net, "IMAP", "993", "143"),
	{ .name = "source", .type = MR_KEY_STRING, .def = "INBOX",
	  .help = "the folder to read, e.g. INBOX.CiviMail ('/' is turned into the server's separator)",
	  MR_KEY_FIELD(struct im_conf, source) },
	{ .name = "dispose", .type = MR_KEY_ENUM, .def = "move", .choices = "move|keep",
	  .help = "move handled messages to the processed / ignored folders, or keep them in source",
	  MR_KEY_FIELD(struct im_conf, dispose) },
	{ .name = "processed_folder", .type = MR_KEY_STRING,
	  .help = "where processed messages go (default: source, the separator, processed)",
	  MR_KEY_FIELD(struct im_conf, processed_folder) },
	{ .name = "ignored_folder", .type = MR_KEY_STRING,
	  .help = "where ignored messages go (default: source, the separator, ignored)",
	  MR_KEY_FIELD(struct im_conf, ignored_folder) },
	MR_OAUTH_AUTH_KEYS(struct im_conf, auth, oauth),
	{ 0 }
};

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static int im_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct mr_core *c = ctx->core;
	struct im *m = calloc(1, sizeof(*m));
	if (!m)
		return c->error_set(err, MR_ENOMEM, "out of memory");
	m->core = c;
	m->log = ctx->log;
	m->instance = ctx->instance;
	const struct im_conf *conf = ctx->conf;
	int rc = net_load(&m->net, ctx, &conf->net, "IMAP", 993, 143, err);
	if (rc) {
		free(m);
		return rc;
	}
	m->username = dup_or_null(conf->net.username);
	m->source_cfg = dup_or_null(conf->source);
	m->processed_cfg = dup_or_null(conf->processed_folder);
	m->ignored_cfg = dup_or_null(conf->ignored_folder);
	m->keep = strcmp(conf->dispose, "keep") == 0;
	m->section = strdup(c->cfg_name(ctx->cfg));
	rc = etpan_oauth_load(ctx, conf->auth, conf->oauth, &m->oauth, err);
	if (!rc && !m->oauth)
		rc = etpan_password_load(ctx, &m->password, err);
	if (!rc && (!m->username || !m->source_cfg || !m->section))
		rc = c->error_set(err, MR_ENOMEM, "out of memory");
	if (rc) {
		net_free(&m->net);
		free(m->username);
		etpan_password_free(m->password);
		mr_oauth_close(m->oauth);
		free(m->section);
		free(m->source_cfg);
		free(m->processed_cfg);
		free(m->ignored_cfg);
		free(m);
		return rc;
	}
	*state_r = m;
	return 0;
}

/* An error from libetpan, saying what was being done and what the server said. */
static int fail_on(struct im *m, mailimap *imap, int r, int status, const char *stage,
		   const char *what, struct mr_error *err)
{
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE)
		return m->core->error_set(err, MR_ETEMP, "%s: connection to %s lost during %s",
					  stage, m->net.server, what);
	char safe[256];
	const char *said = etpan_said(imap ? imap->imap_response : NULL, safe, sizeof(safe));
	return m->core->error_set(err, status, "%s: %s failed%s%s%s", stage, what,
				  *said ? " (server: " : "", said, *said ? ")" : "");
}

static int im_fail(struct im *m, int r, int status, const char *stage, const char *what,
		   struct mr_error *err)
{
	return fail_on(m, m->imap, r, status, stage, what, err);
}

static void pending_clear(struct im *m)
{
	for (int d = 0; d < 3; d++)
		m->pend[d].n = 0;
}

static void chunk_free(struct im *m)
{
	if (m->chunk_result)
		mailimap_fetch_list_free(m->chunk_result);
	m->chunk_result = NULL;
	free(m->chunk);
	m->chunk = NULL;
	m->n_chunk = m->chunk_pos = 0;
}

static void session_free(struct im *m)
{
	chunk_free(m);
	if (m->imap)
		mailimap_free(m->imap);
	m->imap = NULL;
	free(m->uids);
	free(m->sizes);
	m->uids = m->sizes = NULL;
	m->n_uids = m->pos = 0;
	free(m->source);
	free(m->folder[1]);
	free(m->folder[2]);
	m->source = m->folder[1] = m->folder[2] = NULL;
	for (int d = 0; d < 3; d++) {
		free(m->wire[d]);
		m->wire[d] = NULL;
	}
	memset(m->ensured, 0, sizeof(m->ensured));
	pending_clear(m);
}

static int has_cap(struct mailimap_capability_data *cd, const char *name)
{
	if (!cd)
		return 0;
	for (clistiter *it = clist_begin(cd->cap_list); it; it = clist_next(it)) {
		struct mailimap_capability *c = clist_content(it);
		if (c->cap_type == MAILIMAP_CAPABILITY_NAME && c->cap_data.cap_name &&
		    strcasecmp(c->cap_data.cap_name, name) == 0)
			return 1;
	}
	return 0;
}

/* Whether the server offers SASL mechanism name (AUTH=name). */
static int has_auth(struct mailimap_capability_data *cd, const char *name)
{
	if (!cd)
		return 0;
	for (clistiter *it = clist_begin(cd->cap_list); it; it = clist_next(it)) {
		struct mailimap_capability *c = clist_content(it);
		if (c->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE && c->cap_data.cap_auth_type &&
		    strcasecmp(c->cap_data.cap_auth_type, name) == 0)
			return 1;
	}
	return 0;
}

/* A folder name with '/' turned into the server's separator. */
static char *server_name(const struct im *m, const char *name)
{
	char *s = strdup(name);
	if (s && m->sep && m->sep != '/')
		for (char *p = s; *p; p++)
			if (*p == '/')
				*p = m->sep;
	return s;
}

static char *child_name(const struct im *m, const char *parent, const char *leaf)
{
	size_t need = strlen(parent) + strlen(leaf) + 2;
	char *s = malloc(need);
	if (s)
		snprintf(s, need, "%s%c%s", parent, m->sep ? m->sep : '.', leaf);
	return s;
}

/* Connect, TLS, check the certificate, log in. */
static int im_login(struct im *m, struct mr_error *err)
{
	mailstream *s = NULL;
	int rc = net_open_stream(&m->net, &s, err);
	if (rc)
		return rc;
	m->imap = mailimap_new(0, NULL);
	if (!m->imap) {
		mailstream_close(s);
		return m->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	mailimap_set_timeout(m->imap, m->net.timeout);
	int r = mailimap_connect(m->imap, s);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		return im_fail(m, r, MR_ETEMP, "IMAP", "reading the server's greeting", err);
	if (m->net.tls == NET_TLS_STARTTLS) {
		struct mailimap_capability_data *cd = NULL;
		r = mailimap_capability(m->imap, &cd);
		if (r != MAILIMAP_NO_ERROR)
			return im_fail(m, r, MR_ETEMP, "IMAP", "CAPABILITY", err);
		int ok = has_cap(cd, "STARTTLS");
		mailimap_capability_data_free(cd);
		if (!ok)
			return net_no_starttls(&m->net, "STARTTLS", err);
		r = mailimap_socket_starttls_with_callback(m->imap, net_tls_setup, &m->net);
		rc = net_starttls_done(&m->net, r == MAILIMAP_NO_ERROR, "STARTTLS",
				       m->imap->imap_stream, err);
		if (rc)
			return rc;
	} else if (m->net.tls == NET_TLS_NONE) {
		net_warn_cleartext(&m->net);
	}
	if (m->oauth) {
		struct mailimap_capability_data *ac = NULL;
		r = mailimap_capability(m->imap, &ac);
		if (r != MAILIMAP_NO_ERROR)
			return im_fail(m, r, MR_ETEMP, "IMAP", "CAPABILITY", err);
		unsigned offered = (has_auth(ac, "OAUTHBEARER") ? ETPAN_SASL_OAUTHBEARER : 0) |
				   (has_auth(ac, "XOAUTH2") ? ETPAN_SASL_XOAUTH2 : 0);
		int ir = has_cap(ac, "SASL-IR");
		mailimap_capability_data_free(ac);
		rc = etpan_oauth_login(m->core, m->oauth, m->imap->imap_stream, 1, ir, offered,
				       m->section, m->username, m->net.server, m->net.port, err);
		if (rc)
			return rc;
		m->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
		r = MAILIMAP_NO_ERROR;
	} else {
		r = mailimap_login(m->imap, m->username, m->password);
	}
	if (r != MAILIMAP_NO_ERROR) {
		const char *said = m->imap->imap_response ? m->imap->imap_response : "";
		int temp = strstr(said, "[UNAVAILABLE]") || strstr(said, "[INUSE]") ||
			   r == MAILIMAP_ERROR_STREAM;
		return etpan_login_refused(m->core, temp, m->username, m->net.server, said, err);
	}
	struct mailimap_capability_data *cd = NULL;
	r = mailimap_capability(m->imap, &cd);
	if (r != MAILIMAP_NO_ERROR)
		return im_fail(m, r, MR_ETEMP, "IMAP", "CAPABILITY", err);
	m->has_move = has_cap(cd, "MOVE");
	m->has_uidplus = has_cap(cd, "UIDPLUS");
	mailimap_capability_data_free(cd);
	return 0;
}

/* The hierarchy separator, from LIST "" "". */
static int im_separator(struct im *m, struct mr_error *err)
{
	clist *res = NULL;
	int r = mailimap_list(m->imap, "", "", &res);
	if (r != MAILIMAP_NO_ERROR)
		return im_fail(m, r, MR_ETEMP, "folder", "LIST", err);
	m->sep = '.';
	if (res && clist_begin(res)) {
		struct mailimap_mailbox_list *mb = clist_content(clist_begin(res));
		if (mb->mb_delimiter)
			m->sep = mb->mb_delimiter;
	}
	if (res)
		mailimap_list_result_free(res);
	return 0;
}

static int add_uid_size(struct im *m, uint32_t uid, uint32_t size, size_t *cap)
{
	if (m->n_uids == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		uint32_t *u = realloc(m->uids, nc * sizeof(*u));
		if (!u)
			return -1;
		m->uids = u;
		uint32_t *s = realloc(m->sizes, nc * sizeof(*s));
		if (!s)
			return -1;
		m->sizes = s;
		*cap = nc;
	}
	m->uids[m->n_uids] = uid;
	m->sizes[m->n_uids++] = size;
	return 0;
}

static int cmp_uid_pair(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int has_deleted_flag(clist *flags)
{
	for (clistiter *k = clist_begin(flags); k; k = clist_next(k)) {
		struct mailimap_flag_fetch *ff = clist_content(k);
		if (ff->fl_type == MAILIMAP_FLAG_FETCH_OTHER && ff->fl_flag &&
		    ff->fl_flag->fl_type == MAILIMAP_FLAG_DELETED)
			return 1;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* UID and RFC822.SIZE of every message of the selected folder. */
static int im_list_uids(struct im *m, uint32_t exists, struct mr_error *err)
{
	if (exists == 0)
		return 0;
	struct mailimap_set *set = mailimap_set_new_interval(1, 0);
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (!set || !ft) {
		if (set)
			mailimap_set_free(set);
		if (ft)
			mailimap_fetch_type_free(ft);
		return m->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_flags());
	clist *res = NULL;
	int r = mailimap_uid_fetch(m->imap, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return im_fail(m, r, MR_ETEMP, "IMAP", "listing the messages (UID FETCH)", err);
	size_t cap = 0;
	int rc = 0;
	for (clistiter *it = clist_begin(res); it && !rc; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		uint32_t uid = 0, size = 0;
		int deleted = 0;
		for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC && item->att_data.att_dyn &&
			    item->att_data.att_dyn->att_list)
				deleted |= has_deleted_flag(item->att_data.att_dyn->att_list);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
				size = st->att_data.att_rfc822_size;
		}
		/* \Deleted: copied by an earlier run whose EXPUNGE failed; skip it */
		if (uid && !deleted && add_uid_size(m, uid, size, &cap) != 0)
			rc = m->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	mailimap_fetch_list_free(res);
	if (rc)
		return rc;
	/* sort UIDs, keeping each size with its UID */
	uint32_t *pairs = malloc(m->n_uids * 2 * sizeof(*pairs));
	if (!pairs)
		return m->core->error_set(err, MR_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->n_uids; i++) {
		pairs[2 * i] = m->uids[i];
		pairs[2 * i + 1] = m->sizes[i];
	}
	qsort(pairs, m->n_uids, 2 * sizeof(*pairs), cmp_uid_pair);
	for (size_t i = 0; i < m->n_uids; i++) {
		m->uids[i] = pairs[2 * i];
		m->sizes[i] = pairs[2 * i + 1];
	}
	free(pairs);
	return 0;
}

static int im_open(void *state, size_t *waiting_r, struct mr_error *err)
{
	struct im *m = state;
	session_free(m);
	int rc = im_login(m, err);
	if (!rc)
		rc = im_separator(m, err);
	if (!rc) {
		m->source = server_name(m, m->source_cfg);
		m->folder[MR_DISPOSE_PROCESSED] = m->processed_cfg ? server_name(m, m->processed_cfg)
			: m->source ? child_name(m, m->source, "processed") : NULL;
		m->folder[MR_DISPOSE_IGNORED] = m->ignored_cfg ? server_name(m, m->ignored_cfg)
			: m->source ? child_name(m, m->source, "ignored") : NULL;
		if (!m->source || !m->folder[1] || !m->folder[2])
			rc = m->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	for (int d = 0; d < 3 && !rc; d++) {
		const char *name = d ? m->folder[d] : m->source;
		if (!(m->wire[d] = imap_utf7_encode(name)))
			rc = m->core->error_set(err, MR_ECONFIG, "[%s] folder '%s' is not valid UTF-8 "
						"or has a control character", m->section, name);
	}
	if (!rc) {
		int r = mailimap_select(m->imap, m->wire[0]);
		if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE)
			rc = im_fail(m, r, MR_ETEMP, "folder", "SELECT", err);
		else if (r != MAILIMAP_NO_ERROR) {
			char safe[256];
			const char *said = etpan_said(m->imap->imap_response, safe, sizeof(safe));
			rc = m->core->error_set(err, MR_ECONFIG, "folder: cannot open %s on %s "
						"(server: %s)", m->source, m->net.server, said);
		}
	}
	uint32_t exists = 0;
	if (!rc) {
		struct mailimap_selection_info *si = m->imap->imap_selection_info;
		m->uidvalidity = si ? si->sel_uidvalidity : 0;
		exists = si ? si->sel_exists : 0;
		rc = im_list_uids(m, exists, err);
	}
	if (rc) {
		session_free(m);
		return rc;
	}
	m->core->log(m->log, MR_LOG_DEBUG, "%s: UIDVALIDITY %u, %zu messages, MOVE %s",
		     m->source, m->uidvalidity, m->n_uids, m->has_move ? "yes" : "no");
	if (waiting_r)
		*waiting_r = m->n_uids;
	return 0;
}

/* An IMAP set of the given sorted UIDs, consecutive ones as ranges. */
static struct mailimap_set *uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	for (size_t i = 0; set && i < n;) {
		size_t j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) != MAILIMAP_NO_ERROR) {
			mailimap_set_free(set);
			return NULL;
		}
		i = j + 1;
	}
	return set;
}

/* 1 when LIST's answer res names the folder d (its names decoded from
 * modified UTF-7; one that does not decode is named, made safe, in the log). */
static int list_has(struct im *m, clist *res, int d)
{
	int found = 0;
	for (clistiter *it = res ? clist_begin(res) : NULL; it && !found; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		const char *wire = mb && mb->mb_name ? mb->mb_name : "";
		char *name = imap_utf7_decode(wire);
		if (name)
			found = strcmp(name, m->folder[d]) == 0;
		else {
			char safe[256];
			m->core->log(m->log, MR_LOG_WARNING, "LIST: the server named a folder '%s', "
				     "which is not modified UTF-7 (RFC 3501 5.1.3)",
				     etpan_said(wire, safe, sizeof(safe)));
		}
		free(name);
	}
	return found;
}

/* Creates a folder unless LIST finds it. */
static int ensure_folder(struct im *m, int d, struct mr_error *err)
{
	if (m->ensured[d])
		return 0;
	clist *res = NULL;
	int r = mailimap_list(m->imap, "", m->wire[d], &res);
	if (r != MAILIMAP_NO_ERROR)
		return im_fail(m, r, MR_ETEMP, "folder", "LIST", err);
	int found = list_has(m, res, d);
	if (res)
		mailimap_list_result_free(res);
	if (!found) {
		r = mailimap_create(m->imap, m->wire[d]);
		if (r != MAILIMAP_NO_ERROR)
			return im_fail(m, r, MR_ETEMP, "folder", "creating the folder", err);
		mailimap_subscribe(m->imap, m->wire[d]);
		m->core->log(m->log, MR_LOG_INFO, "created folder %s", m->folder[d]);
	}
	m->ensured[d] = 1;
	return 0;
}

/* Moves the given sets with one session: UID MOVE, else UID COPY, \Deleted
 * and UID EXPUNGE.  Logs nothing (the mover thread runs it). */
static int move_with(struct im *m, mailimap *imap, struct pending *pend, struct mr_error *err)
{
	for (int d = 1; d <= 2; d++) {
		struct pending *p = &pend[d];
		if (p->n == 0)
			continue;
		qsort(p->uids, p->n, sizeof(*p->uids), cmp_u32);
		struct mailimap_set *set = uid_set(p->uids, p->n);
		if (!set)
			return m->core->error_set(err, MR_ENOMEM, "out of memory");
		int r;
		if (m->has_move) {
			r = mailimap_uid_move(imap, set, m->wire[d]);
			if (r != MAILIMAP_NO_ERROR) {
				mailimap_set_free(set);
				return fail_on(m, imap, r, MR_ETEMP, "IMAP", "UID MOVE", err);
			}
		} else {
			r = mailimap_uid_copy(imap, set, m->wire[d]);
			if (r == MAILIMAP_NO_ERROR) {
				struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
				mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
				struct mailimap_store_att_flags *sa =
					mailimap_store_att_flags_new_add_flags_silent(fl);
				r = mailimap_uid_store(imap, set, sa);
				mailimap_store_att_flags_free(sa);
			}
			if (r == MAILIMAP_NO_ERROR)
				r = m->has_uidplus ? mailimap_uid_expunge(imap, set)
						   : mailimap_expunge(imap);
			if (r != MAILIMAP_NO_ERROR) {
				mailimap_set_free(set);
				return fail_on(m, imap, r, MR_ETEMP, "IMAP", "UID COPY/STORE/EXPUNGE",
					       err);
			}
		}
		mailimap_set_free(set);
		p->n = 0;
	}
	return 0;
}

static void *mover_main(void *arg)
{
	struct im *m = arg;
	pthread_mutex_lock(&m->mv.mu);
	for (;;) {
		while (!m->mv.has_job && !m->mv.quit)
			pthread_cond_wait(&m->mv.cv, &m->mv.mu);
		if (!m->mv.has_job)
			break;
		pthread_mutex_unlock(&m->mv.mu);
		struct mr_error e = { 0 };
		int rc = move_with(m, m->mv.imap, m->mv.job, &e);
		pthread_mutex_lock(&m->mv.mu);
		if (rc && !m->mv.rc) {
			m->mv.rc = rc;
			m->mv.err = e;
		}
		for (int d = 0; d < 3; d++)
			m->mv.job[d].n = 0;
		m->mv.has_job = 0;
		pthread_cond_broadcast(&m->mv.cv);
	}
	pthread_mutex_unlock(&m->mv.mu);
	return NULL;
}

/* Opens the mover's session (on this thread) and starts its thread; 0, or
 * non-zero when the moves are to be sent on the main session instead. */
static int mover_start(struct im *m)
{
	if (m->mv.started)
		return 0;
	if (m->mv.failed_start)
		return -1;
	m->mv.failed_start = 1;
	/* im_login works on m->imap and m->net: lend it the mover's */
	mailimap *main_imap = m->imap;
	struct net main_net = m->net;
	int has_move = m->has_move, has_uidplus = m->has_uidplus;
	m->mv.net = m->net;
	memset(&m->mv.net.eof, 0, sizeof(m->mv.net.eof));
	m->net = m->mv.net;
	m->imap = NULL;
	struct mr_error e = { 0 };
	int rc = im_login(m, &e);
	mailimap *mv_imap = m->imap;
	m->mv.net = m->net;
	/* the mover's stream reads through its own copy of the EOF guard */
	mailstream_low *low = mv_imap && mv_imap->imap_stream
		? mailstream_get_low(mv_imap->imap_stream) : NULL;
	if (low && low->driver == &m->net.eof.drv)
		low->driver = &m->mv.net.eof.drv;
	m->imap = main_imap;
	m->net = main_net;
	m->has_move = has_move;
	m->has_uidplus = has_uidplus;
	if (!rc && mailimap_select(mv_imap, m->wire[0]) != MAILIMAP_NO_ERROR)
		rc = m->core->error_set(&e, MR_ETEMP, "SELECT %s failed", m->source);
	if (!rc) {
		m->mv.imap = mv_imap;
		if (pthread_mutex_init(&m->mv.mu, NULL) != 0) {
			rc = -1;
		} else if (pthread_cond_init(&m->mv.cv, NULL) != 0) {
			pthread_mutex_destroy(&m->mv.mu);
			rc = -1;
		} else if (pthread_create(&m->mv.th, NULL, mover_main, m) != 0) {
			pthread_cond_destroy(&m->mv.cv);
			pthread_mutex_destroy(&m->mv.mu);
			rc = -1;
		}
	}
	if (rc) {
		m->core->log(m->log, MR_LOG_INFO, "moving on the main session (a second session "
			     "could not be opened: %s)", e.msg[0] ? e.msg : "no thread");
		if (mv_imap)
			mailimap_free(mv_imap);
		m->mv.imap = NULL;
		return -1;
	}
	m->mv.started = 1;
	m->mv.failed_start = 0;
	m->mv.rc = 0;
	return 0;
}

/* Waits for the mover to finish what it has; its first failure, if any. */
static int mover_wait(struct im *m, struct mr_error *err)
{
	pthread_mutex_lock(&m->mv.mu);
	while (m->mv.has_job)
		pthread_cond_wait(&m->mv.cv, &m->mv.mu);
	int rc = m->mv.rc;
	if (rc)
		*err = m->mv.err;
	pthread_mutex_unlock(&m->mv.mu);
	return rc;
}

/* Stops the mover and closes its session. */
static void mover_stop(struct im *m)
{
	if (!m->mv.started)
		return;
	pthread_mutex_lock(&m->mv.mu);
	m->mv.quit = 1;
	pthread_cond_broadcast(&m->mv.cv);
	pthread_mutex_unlock(&m->mv.mu);
	pthread_join(m->mv.th, NULL);
	pthread_cond_destroy(&m->mv.cv);
	pthread_mutex_destroy(&m->mv.mu);
	mailimap_logout(m->mv.imap);
	mailimap_free(m->mv.imap);
	m->mv.imap = NULL;
	m->mv.started = m->mv.quit = m->mv.has_job = 0;
}

/* Sends the moves of the messages disposed of so far: handed to the mover,
 * which works while this session fetches on, or sent here when there is
 * no mover.  The folders are made here first when missing. */
static int flush_pending(struct im *m, struct mr_error *err)
{
	if (m->pend[1].n == 0 && m->pend[2].n == 0)
		return 0;
	for (int d = 1; d <= 2; d++) {
		int rc = m->pend[d].n ? ensure_folder(m, d, err) : 0;
		if (rc)
			return rc;
	}
	size_t n = m->pend[1].n + m->pend[2].n;
	if (mover_start(m) != 0) {
		int rc = move_with(m, m->imap, m->pend, err);
		if (!rc)
			m->core->log(m->log, MR_LOG_DEBUG, "moved %zu messages", n);
		return rc;
	}
	int rc = mover_wait(m, err);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->mv.mu);
	for (int d = 1; d <= 2; d++) {
		struct pending t = m->mv.job[d];
		m->mv.job[d] = m->pend[d];
		m->pend[d] = t;
		m->pend[d].n = 0;
	}
	m->mv.has_job = 1;
	pthread_cond_broadcast(&m->mv.cv);
	pthread_mutex_unlock(&m->mv.mu);
	m->core->log(m->log, MR_LOG_DEBUG, "handed %zu messages to the mover", n);
	return 0;
}

static int cmp_cur(const void *a, const void *b)
{
	const struct cur_msg *x = a, *y = b;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Fetches the bodies of the next UIDs. */
static int fetch_chunk(struct im *m, struct mr_error *err)
{
	chunk_free(m);
	size_t n = 0, bytes = 0;
	while (m->pos + n < m->n_uids && n < CHUNK_MSGS &&
	       (n == 0 || bytes + m->sizes[m->pos + n] <= CHUNK_BYTES))
		bytes += m->sizes[m->pos + n++];
	struct mailimap_set *set = uid_set(m->uids + m->pos, n);
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_section *sec = mailimap_section_new(NULL);
	if (!set || !ft || !sec) {
		if (set)
			mailimap_set_free(set);
		if (ft)
			mailimap_fetch_type_free(ft);
		if (sec)
			mailimap_section_free(sec);
		return m->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_body_peek_section(sec));
	int r = mailimap_uid_fetch(m->imap, set, ft, &m->chunk_result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	m->pos += n;
	if (r != MAILIMAP_NO_ERROR) {
		m->chunk_result = NULL;
		return im_fail(m, r, MR_ETEMP, "IMAP", "fetching messages (UID FETCH)", err);
	}
	m->chunk = calloc(n ? n : 1, sizeof(*m->chunk));
	if (!m->chunk)
		return m->core->error_set(err, MR_ENOMEM, "out of memory");
	for (clistiter *it = clist_begin(m->chunk_result); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		struct cur_msg c = { 0 };
		for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID) {
				c.uid = st->att_data.att_uid;
			} else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
				   st->att_data.att_body_section) {
				c.data = st->att_data.att_body_section->sec_body_part;
				c.len = st->att_data.att_body_section->sec_length;
			}
		}
		if (c.uid && c.data && m->n_chunk < n)
			m->chunk[m->n_chunk++] = c;
	}
	qsort(m->chunk, m->n_chunk, sizeof(*m->chunk), cmp_cur);
	return 0;
}

static int im_next(void *state, struct mr_fetched *msg_r, struct mr_error *err)
{
	struct im *m = state;
	if (!m->imap)
		return m->core->error_set(err, MR_EINTERNAL, "next() without open()");
	while (m->chunk_pos >= m->n_chunk) {
		if (m->pos >= m->n_uids)
			return 0;
		/* move what was handled before reading more, in large sets */
		int rc = m->pend[1].n + m->pend[2].n >= FLUSH_MSGS ? flush_pending(m, err) : 0;
		if (!rc)
			rc = fetch_chunk(m, err);
		if (rc)
			return rc;
	}
	struct cur_msg *c = &m->chunk[m->chunk_pos++];
	snprintf(m->key, sizeof(m->key), "imap:%u:%u", m->uidvalidity, c->uid);
	snprintf(m->label, sizeof(m->label), "UID %u", c->uid);
	msg_r->key = m->key;
	msg_r->label = m->label;
	msg_r->data = c->data;
	msg_r->len = c->len;
	return 1;
}

static int im_dispose(void *state, const struct mr_fetched *msg, enum mr_disposition d,
		      struct mr_error *err)
{
	struct im *m = state;
	if (d == MR_DISPOSE_KEEP || m->keep)
		return 0;
	unsigned uv = 0, uid = 0;
	if (!m->imap || sscanf(msg->key, "imap:%u:%u", &uv, &uid) != 2 || uv != m->uidvalidity)
		return m->core->error_set(err, MR_EINTERNAL, "dispose(): %s is not a message of "
					  "this session", msg->key);
	int slot = d == MR_DISPOSE_IGNORED ? 2 : 1;
	struct pending *p = &m->pend[slot];
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 256;
		uint32_t *u = realloc(p->uids, nc * sizeof(*u));
		if (!u)
			return m->core->error_set(err, MR_ENOMEM, "out of memory");
		p->uids = u;
		p->cap = nc;
	}
	/* moved with the next flush: before the next fetch, or at close */
	p->uids[p->n++] = uid;
	return 0;
}

static void im_close(void *state)
{
	struct im *m = state;
	if (m->imap) {
		struct mr_error e = { 0 };
		int rc = flush_pending(m, &e);
		if (!rc && m->mv.started)
			rc = mover_wait(m, &e);
		if (rc)
			m->core->log(m->log, MR_LOG_WARNING, "messages recorded but not moved (the "
				     "next run will move them): %s", e.msg);
		mover_stop(m);
		mailimap_logout(m->imap);
	}
	mover_stop(m);
	m->mv.failed_start = 0;
	session_free(m);
}

static void im_deinit(void *state)
{
	struct im *m = state;
	im_close(m);
	for (int d = 0; d < 3; d++) {
		free(m->pend[d].uids);
		free(m->mv.job[d].uids);
	}
	net_free(&m->net);
	free(m->username);
	etpan_password_free(m->password);
	mr_oauth_close(m->oauth);
	free(m->section);
	free(m->source_cfg);
	free(m->processed_cfg);
	free(m->ignored_cfg);
	free(m);
}

static const struct mr_fetch_ops im_ops = {
	.size = sizeof(struct mr_fetch_ops),
	.init = im_init,
	.deinit = im_deinit,
	.open = im_open,
	.next = im_next,
	.dispose = im_dispose,
	.close = im_close,
};

MR_PLUGIN_DEFINE(MR_KIND_FETCH, "imap", PACKAGE_VERSION,
		 "Reads an IMAP folder (TLS verified); moves handled messages to "
		 "<source>.processed / <source>.ignored.",
		 im_keys, sizeof(struct im_conf), &im_ops);
