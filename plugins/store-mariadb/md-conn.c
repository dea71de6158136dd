/* SPDX-License-Identifier: MIT */
/* The MariaDB store's connection and statements: connecting (TLS, timeouts, session settings), server-side prepared statements with numbered parameters, stored results and the errors that may be retried. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include "store-mariadb.h"
#include "md-conf.h"

/* Errors after which the whole unit of work may run again: a deadlock, a
 * lock wait that timed out, or a connection that went away. */
static int retryable_errno(unsigned e)
{
	switch (e) {
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case 1927: /* ER_CONNECTION_KILLED */
	case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */
	case 2055: /* CR_SERVER_LOST_EXTENDED */
	case ER_SERVER_SHUTDOWN:
		return 1;
	}
	return 0;
}

/* Errors that mean the connection is gone. */
static int lost_errno(unsigned e)
{
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == 1927 || e == 4031 ||
	       e == 2055 || e == ER_SERVER_SHUTDOWN || e == CR_CONNECTION_ERROR ||
	       e == CR_CONN_HOST_ERROR;
}

static void note_error(struct md_state *s, unsigned e, const char *msg)
{
	s->last_errno = e;
	snprintf(s->last_error, sizeof(s->last_error), "%s (MariaDB error %u)",
		 msg && *msg ? msg : "unknown error", e);
	s->retryable = retryable_errno(e);
	if (lost_errno(e)) {
		/* the server rolled back whatever was open; the next statement
		 * reconnects */
		if (s->db) {
			mysql_close(s->db);
			s->db = NULL;
		}
		s->tx_open = 0;
		md_joins_forget(s);
	}
}

void md_disconnect(struct md_state *s)
{
	if (s->db)
		mysql_close(s->db);
	s->db = NULL;
}

void md_twin(struct md_state *c, const struct md_state *s)
{
	c->core = s->core;
	c->log = s->log;
	c->conf = s->conf;
	c->password = s->password;
	snprintf(c->where, sizeof(c->where), "%s", s->where);
}

void md_twin_end(struct md_state *c)
{
	for (int i = 0; i < MD_N_STMTS; i++) {
		md_stmt_free(c->stmts[i]);
		c->stmts[i] = NULL;
	}
	md_disconnect(c);
}

int md_connect(struct md_state *s, struct mr_error *err)
{
	const struct mariadb_conf *c = s->conf;
	md_disconnect(s);
	MYSQL *db = mysql_init(NULL);
	if (!db)
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	unsigned timeout = c->connect_timeout > 0 ? (unsigned)c->connect_timeout : 10;
	unsigned io_timeout = c->io_timeout > 0 ? (unsigned)c->io_timeout : 600;
	my_bool off = 0, on = 1;
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	mysql_options(db, MYSQL_OPT_RECONNECT, &off);
	mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	const char *tls = c->tls ? c->tls : "none";
	if (strcmp(tls, "none") != 0) {
		mysql_options(db, MYSQL_OPT_SSL_ENFORCE, &on);
		if (c->ca_file && *c->ca_file)
			mysql_options(db, MYSQL_OPT_SSL_CA, c->ca_file);
		my_bool verify = strcmp(tls, "verify") == 0;
		mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
	}
	const char *host = c->socket && *c->socket ? "localhost" : c->host;
	if (!mysql_real_connect(db, host, c->user, s->password, c->database,
				(unsigned)c->port, c->socket && *c->socket ? c->socket : NULL,
				CLIENT_FOUND_ROWS)) {
		unsigned e = mysql_errno(db);
		int status = MR_ETEMP;
		/* a refused login or an unknown database will not heal by waiting */
		if (e == ER_ACCESS_DENIED_ERROR || e == ER_DBACCESS_DENIED_ERROR ||
		    e == ER_BAD_DB_ERROR || e == 1698 /* ER_ACCESS_DENIED_NO_PASSWORD_ERROR */)
			status = MR_ECONFIG;
		int rc = s->core->error_set(err, status, "cannot connect to %s as %s: %s (MariaDB "
					    "error %u)", s->where, c->user ? c->user : "?",
					    mysql_error(db), e);
		mysql_close(db);
		return rc;
	}
	s->db = db;
	s->gen++;
	s->tx_open = 0;
	/* STRICT: data that does not fit is an error, never cut short;
	 * PIPES_AS_CONCAT: || joins strings, as in store-sqlite's SQL.  READ
	 * COMMITTED: every statement sees what others committed before it,
	 * and leasing uses FOR UPDATE SKIP LOCKED, so workers never wait on
	 * each other's rows.  Times are unix seconds; the zone is UTC. */
	static const char *const session[] = {
		("SET SESSION sql_mode = 'STRICT_ALL_TABLES,PIPES_AS_CONCAT,NO_ZERO_DATE,"
		 "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'"), /* one statement */
		"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
		"SET SESSION time_zone = '+00:00'",
	};
	for (size_t i = 0; i < sizeof(session) / sizeof(session[0]); i++) {
		int rc = md_exec_const(s, session[i], "setting up the session", err);
		if (rc)
			return rc;
	}
	char lw[80];
	long long wait = c->lock_wait_timeout > 0 ? c->lock_wait_timeout : 20;
	snprintf(lw, sizeof(lw), "SET SESSION innodb_lock_wait_timeout = %lld", wait);
	return md_exec_const(s, lw, "setting the lock wait timeout", err);
}

int md_exec_const(struct md_state *s, const char *sql, const char *what, struct mr_error *err)
{
	if (s->joins.n || s->joins.group[0]) {
		int rc = md_joins_flush(s, err);
		if (rc)
			return rc;
	}
	if (!s->db) {
		int rc = md_connect(s, err);
		if (rc)
			return rc;
	}
	if (mysql_real_query(s->db, sql, (unsigned long)strlen(sql)) != 0) {
		note_error(s, mysql_errno(s->db), mysql_error(s->db));
		return md_fail(s, MD_ERROR, what, err);
	}
	MYSQL_RES *res = mysql_store_result(s->db);
	if (res)
		mysql_free_result(res);
	s->changes = (int64_t)mysql_affected_rows(s->db);
	return 0;
}

/* Rewrites ?N to ? outside quotes and records which parameter each is. */
static int translate(struct md_stmt *st)
{
	size_t n = strlen(st->src);
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return -1;
	char quote = 0;
	for (const char *p = st->src; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			*o++ = *p;
			continue;
		}
		if (*p == '\'' || *p == '"' || *p == '`') {
			quote = *p;
			*o++ = *p;
			continue;
		}
		if (*p == '?') {
			int num = 0;
			while (p[1] >= '0' && p[1] <= '9')
				num = num * 10 + (*++p - '0');
			if (num == 0)
				num = st->n_pos + 1; /* a bare ? is the next one */
			if (num > MD_MAX_PARAMS || st->n_pos >= (int)sizeof(st->pos)) {
				free(out);
				return -1;
			}
			st->pos[st->n_pos++] = (unsigned char)num;
			*o++ = '?';
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	st->sql = out;
	return 0;
}

struct md_stmt *md_stmt_new(struct md_state *s, const char *sql)
{
	struct md_stmt *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->s = s;
	st->src = sql;
	if (translate(st) != 0) {
		free(st);
		return NULL;
	}
	return st;
}

static void free_params(struct md_stmt *st)
{
	for (int i = 0; i <= MD_MAX_PARAMS; i++) {
		free(st->p[i].buf);
		st->p[i].buf = NULL;
		st->p[i].set = 0;
	}
}

void md_stmt_reset(struct md_stmt *st)
{
	if (st->h && st->busy && st->gen == st->s->gen && st->s->db)
		mysql_stmt_free_result(st->h);
	st->busy = 0;
	st->has_result = 0;
	free_params(st);
}

void md_stmt_free(struct md_stmt *st)
{
	if (!st)
		return;
	free_params(st);
	if (st->h)
		mysql_stmt_close(st->h); /* harmless on a closed connection */
	for (unsigned i = 0; i < st->n_cols; i++)
		free(st->rbuf[i]);
	free(st->rb);
	free(st->rlen);
	free(st->rnull);
	free(st->rerr);
	free(st->rbuf);
	free(st->rcap);
	free(st->sql);
	free(st);
}

void md_bind_int64(struct md_stmt *st, int i, long long v)
{
	if (i < 1 || i > MD_MAX_PARAMS)
		return;
	free(st->p[i].buf);
	st->p[i] = (struct md_param){ .set = 1, .type = MYSQL_TYPE_LONGLONG, .i = v };
}

void md_bind_null(struct md_stmt *st, int i)
{
	if (i < 1 || i > MD_MAX_PARAMS)
		return;
	free(st->p[i].buf);
	st->p[i] = (struct md_param){ .set = 1, .type = MYSQL_TYPE_NULL };
}

void md_bind_str(struct md_stmt *st, int i, const void *v, size_t len, int blob)
{
	if (i < 1 || i > MD_MAX_PARAMS)
		return;
	free(st->p[i].buf);
	char *b = malloc(len + 1);
	if (!b) {
		st->p[i] = (struct md_param){ .set = 1, .type = MYSQL_TYPE_NULL };
		return;
	}
	if (len)
		memcpy(b, v, len);
	b[len] = '\0';
	st->p[i] = (struct md_param){ .set = 1, .type = blob ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING,
				      .buf = b, .len = (unsigned long)len };
}

/* Prepares st on the current connection (again after a reconnection). */
static int prepare(struct md_stmt *st)
{
	struct md_state *s = st->s;
	if (!s->db) {
		struct mr_error e = { 0 };
		if (md_connect(s, &e) != 0) {
			s->last_errno = CR_SERVER_GONE_ERROR;
			snprintf(s->last_error, sizeof(s->last_error), "%s", e.msg);
			s->retryable = 1;
			return -1;
		}
		s->reconnects++;
		s->core->log(s->log, MR_LOG_NOTICE, "reconnected to %s", s->where);
	}
	if (st->h && st->gen == s->gen)
		return 0;
	if (st->h)
		mysql_stmt_close(st->h);
	st->h = mysql_stmt_init(s->db);
	if (!st->h) {
		note_error(s, CR_OUT_OF_MEMORY, "out of memory");
		return -1;
	}
	if (mysql_stmt_prepare(st->h, st->sql, (unsigned long)strlen(st->sql)) != 0) {
		note_error(s, mysql_stmt_errno(st->h), mysql_stmt_error(st->h));
		mysql_stmt_close(st->h);
		st->h = NULL;
		return -1;
	}
	my_bool one = 1;
	mysql_stmt_attr_set(st->h, STMT_ATTR_UPDATE_MAX_LENGTH, &one);
	st->gen = s->gen;
	return 0;
}

static int setup_result(struct md_stmt *st)
{
	struct md_state *s = st->s;
	unsigned n = mysql_stmt_field_count(st->h);
	if (mysql_stmt_store_result(st->h) != 0) {
		note_error(s, mysql_stmt_errno(st->h), mysql_stmt_error(st->h));
		return -1;
	}
	if (n != st->n_cols) {
		for (unsigned i = 0; i < st->n_cols; i++)
			free(st->rbuf[i]);
		free(st->rb);
		free(st->rlen);
		free(st->rnull);
		free(st->rerr);
		free(st->rbuf);
		free(st->rcap);
		st->rb = calloc(n, sizeof(*st->rb));
		st->rlen = calloc(n, sizeof(*st->rlen));
		st->rnull = calloc(n, sizeof(*st->rnull));
		st->rerr = calloc(n, sizeof(*st->rerr));
		st->rbuf = calloc(n, sizeof(*st->rbuf));
		st->rcap = calloc(n, sizeof(*st->rcap));
		st->n_cols = n;
		if (!st->rb || !st->rlen || !st->rnull || !st->rerr || !st->rbuf || !st->rcap) {
			st->n_cols = 0;
			note_error(s, CR_OUT_OF_MEMORY, "out of memory");
			return -1;
		}
	}
	MYSQL_RES *meta = mysql_stmt_result_metadata(st->h);
	MYSQL_FIELD *f = meta ? mysql_fetch_fields(meta) : NULL;
	for (unsigned i = 0; i < n; i++) {
		unsigned long want = f ? f[i].max_length + 1 : 64;
		if (want < 64)
			want = 64;
		if (st->rcap[i] < want) {
			char *b = realloc(st->rbuf[i], want);
			if (!b) {
				if (meta)
					mysql_free_result(meta);
				note_error(s, CR_OUT_OF_MEMORY, "out of memory");
				return -1;
			}
			st->rbuf[i] = b;
			st->rcap[i] = want;
		}
		memset(&st->rb[i], 0, sizeof(st->rb[i]));
		st->rb[i].buffer_type = MYSQL_TYPE_STRING;
		st->rb[i].buffer = st->rbuf[i];
		st->rb[i].buffer_length = st->rcap[i] - 1;
		st->rb[i].length = &st->rlen[i];
		st->rb[i].is_null = &st->rnull[i];
		st->rb[i].error = &st->rerr[i];
	}
	if (meta)
		mysql_free_result(meta);
	if (mysql_stmt_bind_result(st->h, st->rb) != 0) {
		note_error(s, mysql_stmt_errno(st->h), mysql_stmt_error(st->h));
		return -1;
	}
	st->has_result = 1;
	return 0;
}

static int execute(struct md_stmt *st)
{
	struct md_state *s = st->s;
	if (prepare(st) != 0)
		return MD_ERROR;
	MYSQL_BIND b[sizeof(st->pos)];
	memset(b, 0, sizeof(b));
	for (int k = 0; k < st->n_pos; k++) {
		struct md_param *p = &st->p[st->pos[k]];
		if (!p->set || p->type == MYSQL_TYPE_NULL) {
			b[k].buffer_type = MYSQL_TYPE_NULL;
		} else if (p->type == MYSQL_TYPE_LONGLONG) {
			b[k].buffer_type = MYSQL_TYPE_LONGLONG;
			b[k].buffer = &p->i;
		} else {
			b[k].buffer_type = p->type;
			b[k].buffer = p->buf;
			b[k].buffer_length = p->len;
			b[k].length = &p->len;
		}
	}
	if ((st->n_pos && mysql_stmt_bind_param(st->h, b) != 0) || mysql_stmt_execute(st->h) != 0) {
		note_error(s, mysql_stmt_errno(st->h), mysql_stmt_error(st->h));
		return MD_ERROR;
	}
	st->busy = 1;
	if (mysql_stmt_field_count(st->h) > 0)
		return setup_result(st) == 0 ? 0 : MD_ERROR;
	s->changes = (int64_t)mysql_stmt_affected_rows(st->h);
	s->last_id = (int64_t)mysql_stmt_insert_id(st->h);
	return MD_DONE;
}

int md_step(struct md_stmt *st)
{
	if (!st->busy) {
		int rc = execute(st);
		if (rc)
			return rc;
	}
	if (!st->has_result)
		return MD_DONE;
	int rc = mysql_stmt_fetch(st->h);
	if (rc == MYSQL_NO_DATA)
		return MD_DONE;
	if (rc == MYSQL_DATA_TRUNCATED) {
		int rebind = 0;
		for (unsigned i = 0; i < st->n_cols; i++) {
			if (!st->rerr[i])
				continue;
			unsigned long want = st->rlen[i] + 1;
			char *b = realloc(st->rbuf[i], want);
			if (!b) {
				note_error(st->s, CR_OUT_OF_MEMORY, "out of memory");
				return MD_ERROR;
			}
			st->rbuf[i] = b;
			st->rcap[i] = want;
			st->rb[i].buffer = b;
			st->rb[i].buffer_length = want - 1;
			if (mysql_stmt_fetch_column(st->h, &st->rb[i], i, 0) != 0) {
				note_error(st->s, mysql_stmt_errno(st->h), mysql_stmt_error(st->h));
				return MD_ERROR;
			}
			rebind = 1;
		}
		if (rebind)
			mysql_stmt_bind_result(st->h, st->rb);
		rc = 0;
	}
	if (rc != 0) {
		note_error(st->s, mysql_stmt_errno(st->h), mysql_stmt_error(st->h));
		return MD_ERROR;
	}
	for (unsigned i = 0; i < st->n_cols; i++)
		if (!st->rnull[i] && st->rlen[i] < st->rcap[i])
			st->rbuf[i][st->rlen[i]] = '\0';
	return MD_ROW;
}

int md_col_null(struct md_stmt *st, int i)
{
	return i < 0 || (unsigned)i >= st->n_cols || st->rnull[i];
}

const char *md_col_text(struct md_stmt *st, int i)
{
	return md_col_null(st, i) ? "" : st->rbuf[i];
}

int64_t md_col_int64(struct md_stmt *st, int i)
{
	return md_col_null(st, i) ? 0 : strtoll(st->rbuf[i], NULL, 10);
}

int md_col_int(struct md_stmt *st, int i)
{
	return (int)md_col_int64(st, i);
}

const void *md_col_blob(struct md_stmt *st, int i)
{
	return md_col_null(st, i) ? NULL : st->rbuf[i];
}

int md_col_bytes(struct md_stmt *st, int i)
{
	return md_col_null(st, i) ? 0 : (int)st->rlen[i];
}

int64_t md_changes(struct md_state *s)
{
	return s->changes;
}

int64_t md_last_id(struct md_state *s)
{
	return s->last_id;
}
