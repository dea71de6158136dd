/* SPDX-License-Identifier: MIT */
/* OAuth 2.0 tokens for mail accounts and transports: [oauth-NAME] settings and presets, the 0600 token file, refresh under the site's lock, the device and client-credentials grants, and the SASL XOAUTH2 / OAUTHBEARER responses (see oauth.h). */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "oauth.h"

#define OAUTH_MAX_BODY 65536
#define OAUTH_TOKEN_MAX 8192

struct mr_oauth {
	const struct mr_core *core;
	const struct mr_log *log;
	char *name;              /* NAME of [oauth-NAME] */
	char *user_section;      /* "account-bounce", for errors */
	char *token_url, *device_url, *client_id, *scope, *token_file, *ca_file, *grant;
	char *lock_path;
	long long margin, timeout;
	pthread_mutex_t mu;
	/* the current access token, in memory */
	char *access;
	int64_t expires_at;
};

/* What a token file holds. */
struct tokens {
	char access[OAUTH_TOKEN_MAX];
	char refresh[OAUTH_TOKEN_MAX];
	char scope[512];
	char grant[32];
	int64_t expires_at, obtained_at;
};

static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

void mr_oauth_free_token(char *token)
{
	if (token) {
		wipe(token, strlen(token));
		free(token);
	}
}

/* ---- a reader for the flat JSON objects token endpoints answer with */

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Reads a JSON string at p (after the quote) into out (when not NULL);
 * returns the position after the closing quote, or NULL when malformed or
 * too long. */
static const char *json_string(const char *p, char *out, size_t size, int *fit)
{
	size_t n = 0;
	*fit = 1;
	for (;;) {
		unsigned char ch = (unsigned char)*p++;
		if (ch == '\0' || ch < 0x20)
			return NULL;
		if (ch == '"')
			break;
		if (ch == '\\') {
			char e = *p++;
			switch (e) {
			case '"': case '\\': case '/': ch = (unsigned char)e; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case 'u': {
				unsigned v = 0;
				for (int i = 0; i < 4; i++, p++) {
					if (!isxdigit((unsigned char)*p))
						return NULL;
					v = v * 16 + (unsigned)(isdigit((unsigned char)*p) ? *p - '0' :
								 (tolower((unsigned char)*p) - 'a' + 10));
				}
				/* tokens and codes are ASCII; anything else is shown as '?' */
				ch = v >= 0x20 && v < 0x7f ? (unsigned char)v : '?';
				break;
			}
			default:
				return NULL;
			}
		}
		if (out) {
			if (n + 1 < size)
				out[n++] = (char)ch;
			else
				*fit = 0;
		}
	}
	if (out && size)
		out[n < size ? n : size - 1] = '\0';
	return p;
}

/* Skips one JSON value (depth-limited); returns the position after it. */
static const char *json_skip(const char *p, int depth)
{
	int fit;
	p = json_ws(p);
	if (depth > 32)
		return NULL;
	if (*p == '"')
		return json_string(p + 1, NULL, 0, &fit);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (*p != '"' || !(p = json_string(p + 1, NULL, 0, &fit)))
					return NULL;
				p = json_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = json_skip(p, depth + 1)))
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
			p = json_ws(p);
		}
	}
	const char *s = p;
	while (*p && (isalnum((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.'))
		p++;
	return p > s ? p : NULL;
}

int mr_oauth_json_get(const char *json, const char *key, char *out, size_t out_size)
{
	const char *p = json_ws(json);
	int fit;
	if (*p++ != '{' || out_size == 0)
		return 0;
	p = json_ws(p);
	if (*p == '}')
		return 0;
	char k[128];
	for (;;) {
		if (*p != '"' || !(p = json_string(p + 1, k, sizeof(k), &fit)))
			return 0;
		p = json_ws(p);
		if (*p++ != ':')
			return 0;
		p = json_ws(p);
		if (fit && strcmp(k, key) == 0) {
			if (*p == '"')
				return json_string(p + 1, out, out_size, &fit) && fit;
			const char *end = json_skip(p, 0);
			if (!end || *p == '{' || *p == '[' || (size_t)(end - p) >= out_size)
				return 0;
			memcpy(out, p, (size_t)(end - p));
			out[end - p] = '\0';
			return strcmp(out, "null") != 0;
		}
		if (!(p = json_skip(p, 0)))
			return 0;
		p = json_ws(p);
		if (*p != ',')
			return 0;
		p = json_ws(p + 1);
	}
}

/* ---- SASL */

char *mr_oauth_b64(const unsigned char *in, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

char *mr_oauth_sasl_xoauth2(const char *user, const char *token)
{
	char *s = NULL;
	if (asprintf(&s, "user=%s\001auth=Bearer %s\001\001", user, token) < 0)
		return NULL;
	return s;
}

char *mr_oauth_sasl_oauthbearer(const char *user, const char *host, int port, const char *token)
{
	/* a ',' or '=' in the authzid is escaped as =2C / =3D (RFC 5801) */
	size_t n = strlen(user);
	char *u = malloc(3 * n + 1), *q = u;
	if (!u)
		return NULL;
	for (const char *p = user; *p; p++) {
		if (*p == ',' || *p == '=') {
			memcpy(q, *p == ',' ? "=2C" : "=3D", 3);
			q += 3;
		} else {
			*q++ = *p;
		}
	}
	*q = '\0';
	char *s = NULL;
	if (asprintf(&s, "n,a=%s,\001host=%s\001port=%d\001auth=Bearer %s\001\001", u, host, port,
		     token) < 0)
		s = NULL;
	free(u);
	return s;
}

/* ---- settings */

static char *subst_tenant(const char *tmpl, const char *tenant)
{
	const char *at = strstr(tmpl, "{tenant}");
	char *s = NULL;
	if (!at)
		return strdup(tmpl);
	if (asprintf(&s, "%.*s%s%s", (int)(at - tmpl), tmpl, tenant, at + 8) < 0)
		return NULL;
	return s;
}

/* The presets: endpoints and scopes a provider needs, so that a site only
 * gives provider, tenant and client_id. */
struct preset {
	const char *provider, *token_url, *device_url, *scope, *app_scope;
};
static const struct preset presets[] = {
	{ .provider = "microsoft",
	  .token_url = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
	  .device_url = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
	  .scope = "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
		   "https://outlook.office.com/POP.AccessAsUser.All "
		   "https://outlook.office.com/SMTP.Send",
	  .app_scope = "https://outlook.office365.com/.default" },
	{ .provider = "google",
	  .token_url = "https://oauth2.googleapis.com/token",
	  .device_url = "https://oauth2.googleapis.com/device/code",
	  .scope = "https://mail.google.com/",
	  .app_scope = "https://mail.google.com/" },
};

/* http:// is allowed only to this machine (tests, a local proxy). */
static int url_ok(const char *url)
{
	if (strncmp(url, "https://", 8) == 0)
		return 1;
	static const char *const local[] = { "http://127.0.0.1:", "http://127.0.0.1/",
					     "http://localhost:", "http://localhost/",
					     "http://[::1]:", "http://[::1]/" };
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (strncmp(url, local[i], strlen(local[i])) == 0)
			return 1;
	return 0;
}

void mr_oauth_close(struct mr_oauth *o)
{
	if (!o)
		return;
	pthread_mutex_destroy(&o->mu);
	mr_oauth_free_token(o->access);
	free(o->name);
	free(o->user_section);
	free(o->token_url);
	free(o->device_url);
	free(o->client_id);
	free(o->scope);
	free(o->token_file);
	free(o->ca_file);
	free(o->grant);
	free(o->lock_path);
	free(o);
}

static char *dup_nonempty(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

int mr_oauth_open(const struct mr_core *core, const struct mr_log *log, const char *name,
		  const char *user_section, struct mr_oauth **o_r, struct mr_error *err)
{
	*o_r = NULL;
	if (!name || !*name)
		return core->error_set(err, MR_ECONFIG, "[%s] auth = oauth2 needs oauth = NAME of an "
				       "[oauth-NAME] section", user_section);
	char secname[160];
	snprintf(secname, sizeof(secname), "oauth-%s", name);
	const struct mr_section *sec = core->cfg_section(core, secname);
	if (!sec)
		return core->error_set(err, MR_ECONFIG, "[%s] oauth = %s: there is no [%s] section",
				       user_section, name, secname);
	struct mr_oauth *o = calloc(1, sizeof(*o));
	if (!o)
		return core->error_set(err, MR_ENOMEM, "out of memory");
	pthread_mutex_init(&o->mu, NULL);
	o->core = core;
	o->log = log;
	o->name = strdup(name);
	o->user_section = strdup(user_section);
	const char *provider = core->cfg_str(sec, "provider");
	const char *tenant = core->cfg_str(sec, "tenant");
	const char *grant = core->cfg_str(sec, "grant");
	const struct preset *pre = NULL;
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (provider && strcmp(provider, presets[i].provider) == 0)
			pre = &presets[i];
	int app = grant && strcmp(grant, "client_credentials") == 0;
	const char *v;
	v = core->cfg_str(sec, "token_url");
	o->token_url = v && *v ? subst_tenant(v, tenant) : pre ? subst_tenant(pre->token_url, tenant)
							 : NULL;
	v = core->cfg_str(sec, "device_url");
	o->device_url = v && *v ? subst_tenant(v, tenant) : pre ? subst_tenant(pre->device_url, tenant)
							  : NULL;
	v = core->cfg_str(sec, "scope");
	o->scope = dup_nonempty(v && *v ? v : pre ? (app ? pre->app_scope : pre->scope) : NULL);
	o->client_id = dup_nonempty(core->cfg_str(sec, "client_id"));
	o->token_file = dup_nonempty(core->cfg_str(sec, "token_file"));
	o->ca_file = dup_nonempty(core->cfg_str(sec, "ca_file"));
	o->grant = strdup(grant ? grant : "device");
	o->margin = core->cfg_duration(sec, "refresh_margin");
	o->timeout = core->cfg_duration(sec, "timeout");
	if (o->timeout <= 0)
		o->timeout = 30;
	const struct mr_section *main_sec = core->cfg_section(core, "mailroom");
	const char *lock_dir = main_sec ? core->cfg_str(main_sec, "lock_dir") : NULL;
	const char *site = main_sec ? core->cfg_str(main_sec, "site") : NULL;
	if (asprintf(&o->lock_path, "%s/mailroom-%s-oauth-%s.lock", lock_dir ? lock_dir : "/tmp",
		     site ? site : "default", name) < 0)
		o->lock_path = NULL;
	int rc = 0;
	if (!o->name || !o->user_section || !o->grant || !o->lock_path)
		rc = core->error_set(err, MR_ENOMEM, "out of memory");
	else if (!o->token_url)
		rc = core->error_set(err, MR_ECONFIG, "[%s] needs token_url (or provider = microsoft "
				     "or google)", secname);
	else if (!url_ok(o->token_url))
		rc = core->error_set(err, MR_ECONFIG, "[%s] token_url %s: only https:// URLs (or "
				     "http:// to this machine)", secname, o->token_url);
	else if (o->device_url && !url_ok(o->device_url))
		rc = core->error_set(err, MR_ECONFIG, "[%s] device_url %s: only https:// URLs (or "
				     "http:// to this machine)", secname, o->device_url);
	else if (!o->client_id)
		rc = core->error_set(err, MR_ECONFIG, "[%s] needs client_id", secname);
	else if (!o->token_file)
		rc = core->error_set(err, MR_ECONFIG, "[%s] needs token_file (where the tokens are "
				     "kept, mode 0600)", secname);
	if (rc) {
		mr_oauth_close(o);
		return rc;
	}
	*o_r = o;
	return 0;
}

/* ---- the token file: "key value" lines, mode 0600, replaced atomically */

static int tokens_read(struct mr_oauth *o, struct tokens *t, struct mr_error *err)
{
	memset(t, 0, sizeof(*t));
	int fd = open(o->token_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return o->core->error_set(err, MR_ENOTFOUND, "[oauth-%s] is not authorized "
						  "yet (no %s): run mailroom account authorize %s",
						  o->name, o->token_file, o->name);
		return o->core->error_set(err, MR_ECONFIG, "[oauth-%s] cannot read %s: %s",
					  o->name, o->token_file, strerror(errno));
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || (sb.st_mode & 077) || !S_ISREG(sb.st_mode)) {
		close(fd);
		return o->core->error_set(err, MR_ECONFIG, "[oauth-%s] %s must be a file only its "
					  "owner can read (chmod 600)", o->name, o->token_file);
	}
	char *buf = malloc(3 * OAUTH_TOKEN_MAX);
	if (!buf) {
		close(fd);
		return o->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	size_t n = 0;
	ssize_t r;
	while (n < 3 * OAUTH_TOKEN_MAX - 1 &&
	       (r = read(fd, buf + n, 3 * OAUTH_TOKEN_MAX - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp++ = '\0';
		if (strcmp(line, "access_token") == 0)
			snprintf(t->access, sizeof(t->access), "%s", sp);
		else if (strcmp(line, "refresh_token") == 0)
			snprintf(t->refresh, sizeof(t->refresh), "%s", sp);
		else if (strcmp(line, "scope") == 0)
			snprintf(t->scope, sizeof(t->scope), "%s", sp);
		else if (strcmp(line, "grant") == 0)
			snprintf(t->grant, sizeof(t->grant), "%s", sp);
		else if (strcmp(line, "expires_at") == 0)
			t->expires_at = strtoll(sp, NULL, 10);
		else if (strcmp(line, "obtained_at") == 0)
			t->obtained_at = strtoll(sp, NULL, 10);
	}
	wipe(buf, n);
	free(buf);
	return 0;
}

static int tokens_write(struct mr_oauth *o, const struct tokens *t, struct mr_error *err)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.%d.tmp", o->token_file, (int)getpid()) < 0)
		return o->core->error_set(err, MR_ENOMEM, "out of memory");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int rc = o->core->error_set(err, MR_ECONFIG, "[oauth-%s] cannot write %s: %s",
					    o->name, tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	FILE *f = fdopen(fd, "w");
	int ok = f != NULL;
	if (ok) {
		fprintf(f, "grant %s\nobtained_at %lld\nexpires_at %lld\nscope %s\n", t->grant,
			(long long)t->obtained_at, (long long)t->expires_at, t->scope);
		if (t->access[0])
			fprintf(f, "access_token %s\n", t->access);
		if (t->refresh[0])
			fprintf(f, "refresh_token %s\n", t->refresh);
		ok = fflush(f) == 0 && fsync(fd) == 0;
		ok = fclose(f) == 0 && ok;
	} else {
		close(fd);
	}
	if (!ok || rename(tmp, o->token_file) != 0) {
		int rc = o->core->error_set(err, MR_ECONFIG, "[oauth-%s] cannot write %s: %s",
					    o->name, o->token_file, strerror(errno));
		unlink(tmp);
		free(tmp);
		return rc;
	}
	free(tmp);
	return 0;
}

/* ---- the site's lock for this section: flock, waited for (bounded) */

static int lock_take(struct mr_oauth *o, int *fd_r, struct mr_error *err)
{
	int fd = open(o->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return o->core->error_set(err, MR_ECONFIG, "cannot open lock file %s: %s (check "
					  "[mailroom] lock_dir)", o->lock_path, strerror(errno));
	/* the holder refreshes for at most timeout seconds: wait a little longer */
	long long tries = (o->timeout + 5) * 20;
	for (long long i = 0; i < tries; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			*fd_r = fd;
			return 0;
		}
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 50000000 };
		nanosleep(&ts, NULL);
	}
	close(fd);
	return o->core->error_set(err, MR_ETEMP, "[oauth-%s] another mailroom has been getting a "
				  "token for too long (%s)", o->name, o->lock_path);
}

static void lock_drop(int fd)
{
	flock(fd, LOCK_UN);
	close(fd);
}

/* ---- HTTP */

struct body {
	char *data;
	size_t len;
	int too_big;
};

static size_t on_body(char *p, size_t size, size_t n, void *cookie)
{
	struct body *b = cookie;
	size_t len = size * n;
	if (b->len + len > OAUTH_MAX_BODY) {
		b->too_big = 1;
		return 0;
	}
	char *d = realloc(b->data, b->len + len + 1);
	if (!d)
		return 0;
	memcpy(d + b->len, p, len);
	b->data = d;
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* A form field, URL-encoded, appended to *form. */
static int form_add(CURL *e, char **form, const char *key, const char *value)
{
	char *v = curl_easy_escape(e, value, 0);
	if (!v)
		return -1;
	char *s = NULL;
	int r = asprintf(&s, "%s%s%s=%s", *form ? *form : "", *form ? "&" : "", key, v);
	curl_free(v);
	if (*form) {
		wipe(*form, strlen(*form));
		free(*form);
	}
	*form = r < 0 ? NULL : s;
	return r < 0 ? -1 : 0;
}

/* POSTs a form (pairs of key, value, NULL-ended) to url; returns 0 with
 * *status_r and *body_r (malloc'ed, JSON), or MR_ETEMP when no answer. */
static int post_form(struct mr_oauth *o, const char *url, const char *const *kv, long *status_r,
		     char **body_r, struct mr_error *err)
{
	*body_r = NULL;
	CURL *e = curl_easy_init();
	if (!e)
		return o->core->error_set(err, MR_EINTERNAL, "curl_easy_init failed");
	char *form = NULL;
	int bad = 0;
	for (size_t i = 0; kv[i]; i += 2)
		if (kv[i + 1] && form_add(e, &form, kv[i], kv[i + 1]) != 0)
			bad = 1;
	if (bad || !form) {
		curl_easy_cleanup(e);
		mr_oauth_free_token(form);
		return o->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	struct body b = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = curl_slist_append(NULL, "Accept: application/json");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)o->timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)o->timeout);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mailroom/" PACKAGE_VERSION);
	if (o->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
	CURLcode r = curl_easy_perform(e);
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(e);
	mr_oauth_free_token(form);
	if (r != CURLE_OK) {
		free(b.data);
		return o->core->error_set(err, MR_ETEMP, "[oauth-%s] %s: %s", o->name, url,
					  b.too_big ? "answer too long" :
					  errbuf[0] ? errbuf : curl_easy_strerror(r));
	}
	*status_r = status;
	*body_r = b.data ? b.data : strdup("");
	return 0;
}

/* The error of an endpoint's answer: "error: error_description". */
static void server_said(const char *body, long status, char *out, size_t size)
{
	char e[64] = "", d[256] = "";
	mr_oauth_json_get(body, "error", e, sizeof(e));
	mr_oauth_json_get(body, "error_description", d, sizeof(d));
	for (char *p = d; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	if (e[0])
		snprintf(out, size, "%s%s%s", e, d[0] ? ": " : "", d);
	else
		snprintf(out, size, "HTTP %ld", status);
}

/* Takes the tokens out of a successful token endpoint answer into t. */
static int take_tokens(struct mr_oauth *o, const char *body, struct tokens *t,
		       struct mr_error *err)
{
	char type[32] = "", exp[32] = "", scope[512] = "";
	if (!mr_oauth_json_get(body, "access_token", t->access, sizeof(t->access)) ||
	    !t->access[0])
		return o->core->error_set(err, MR_ETEMP, "[oauth-%s] the token endpoint answered "
					  "without an access_token", o->name);
	for (const char *p = t->access; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return o->core->error_set(err, MR_ETEMP, "[oauth-%s] the access token has "
						  "bytes a token cannot have", o->name);
	if (mr_oauth_json_get(body, "token_type", type, sizeof(type)) &&
	    strcasecmp(type, "bearer") != 0)
		return o->core->error_set(err, MR_ETEMP, "[oauth-%s] token_type %s is not Bearer",
					  o->name, type);
	char refresh[OAUTH_TOKEN_MAX] = "";
	if (mr_oauth_json_get(body, "refresh_token", refresh, sizeof(refresh)) && refresh[0]) {
		int clean = 1;
		for (const char *p = refresh; *p; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
				clean = 0;
		if (clean)
			memcpy(t->refresh, refresh, sizeof(refresh));
		/* else: keep the one we had */
	}
	wipe(refresh, sizeof(refresh));
	long long ttl = 3600;
	if (mr_oauth_json_get(body, "expires_in", exp, sizeof(exp))) {
		ttl = strtoll(exp, NULL, 10);
		if (ttl <= 0 || ttl > 366LL * 86400)
			ttl = 3600;
	}
	if (mr_oauth_json_get(body, "scope", scope, sizeof(scope))) {
		for (char *p = scope; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		snprintf(t->scope, sizeof(t->scope), "%s", scope);
	} else if (!t->scope[0] && o->scope) {
		snprintf(t->scope, sizeof(t->scope), "%s", o->scope);
	}
	snprintf(t->grant, sizeof(t->grant), "%s", o->grant);
	t->obtained_at = o->core->now(o->core);
	t->expires_at = t->obtained_at + ttl;
	return 0;
}

/* Asks the token endpoint for a new access token (refresh_token or
 * client_credentials grant) and stores it; called under the lock. */
static int refresh(struct mr_oauth *o, struct tokens *t, struct mr_error *err)
{
	const struct mr_core *c = o->core;
	char secname[160];
	snprintf(secname, sizeof(secname), "oauth-%s", o->name);
	char *secret = NULL;
	struct mr_error e = { 0 };
	int rc = c->cfg_secret(c->cfg_section(c, secname), "client_secret", &secret, &e);
	if (rc && rc != MR_ENOTFOUND)
		return c->error_set(err, rc, "%s", e.msg);
	int app = strcmp(o->grant, "client_credentials") == 0;
	if (app && !secret)
		return c->error_set(err, MR_ECONFIG, "[%s] grant = client_credentials needs "
				    "client_secret_file", secname);
	if (!app && !t->refresh[0]) {
		mr_oauth_free_token(secret);
		return c->error_set(err, MR_ECONFIG, "[%s] has no refresh token: authorize again "
				    "with mailroom account authorize %s", secname, o->name);
	}
	const char *kv[] = { "grant_type", app ? "client_credentials" : "refresh_token",
			     app ? "scope" : "refresh_token", app ? o->scope : t->refresh,
			     "client_id", o->client_id, "client_secret", secret, NULL };
	long status = 0;
	char *body = NULL;
	rc = post_form(o, o->token_url, kv, &status, &body, err);
	mr_oauth_free_token(secret);
	if (rc)
		return rc;
	if (status == 200) {
		rc = take_tokens(o, body, t, err);
		if (!rc)
			rc = tokens_write(o, t, err);
		if (!rc && o->log)
			c->log(o->log, MR_LOG_INFO, "oauth-%s: new access token, valid for %llds",
			       o->name, (long long)(t->expires_at - t->obtained_at));
	} else {
		char said[400];
		server_said(body, status, said, sizeof(said));
		if (strncmp(said, "invalid_grant", 13) == 0 || strncmp(said, "invalid_client", 14) == 0
		    || strncmp(said, "unauthorized_client", 19) == 0)
			rc = c->error_set(err, MR_ECONFIG, "[%s] the token endpoint refused the %s "
					  "(%s): authorize again with mailroom account authorize %s",
					  secname, app ? "client credentials" : "refresh token",
					  said, o->name);
		else
			rc = c->error_set(err, status >= 500 || status == 429 ? MR_ETEMP : MR_ECONFIG,
					  "[%s] the token endpoint answered %s", secname, said);
	}
	wipe(body, strlen(body));
	free(body);
	return rc;
}

static int usable(const struct mr_oauth *o, const char *access, int64_t expires_at)
{
	return access && access[0] && expires_at - o->margin > o->core->now(o->core);
}

int mr_oauth_token(struct mr_oauth *o, char **token_r, struct mr_error *err)
{
	*token_r = NULL;
	pthread_mutex_lock(&o->mu);
	int rc = 0;
	struct tokens *t = NULL;
	int fd = -1;
	if (usable(o, o->access, o->expires_at))
		goto have;
	t = malloc(sizeof(*t));
	if (!t) {
		rc = o->core->error_set(err, MR_ENOMEM, "out of memory");
		goto out;
	}
	rc = tokens_read(o, t, err);
	if (rc == MR_ENOTFOUND && strcmp(o->grant, "client_credentials") == 0) {
		memset(t, 0, sizeof(*t));
		rc = 0;
	}
	if (rc == MR_ENOTFOUND) /* never authorized: a configuration step is missing */
		rc = err->status = MR_ECONFIG;
	if (rc)
		goto out;
	if (!usable(o, t->access, t->expires_at)) {
		/* one process refreshes; the others wait, then read its tokens */
		rc = lock_take(o, &fd, err);
		if (rc)
			goto out;
		rc = tokens_read(o, t, err);
		if (rc == MR_ENOTFOUND && strcmp(o->grant, "client_credentials") == 0) {
			memset(t, 0, sizeof(*t));
			rc = 0;
		}
		if (!rc && !usable(o, t->access, t->expires_at))
			rc = refresh(o, t, err);
		lock_drop(fd);
		if (rc)
			goto out;
	}
	mr_oauth_free_token(o->access);
	o->access = strdup(t->access);
	o->expires_at = t->expires_at;
	if (!o->access) {
		rc = o->core->error_set(err, MR_ENOMEM, "out of memory");
		goto out;
	}
have:
	*token_r = strdup(o->access);
	if (!*token_r)
		rc = o->core->error_set(err, MR_ENOMEM, "out of memory");
out:
	if (t) {
		wipe(t, sizeof(*t));
		free(t);
	}
	pthread_mutex_unlock(&o->mu);
	return rc;
}

void mr_oauth_invalidate(struct mr_oauth *o, const char *token)
{
	pthread_mutex_lock(&o->mu);
	if (o->access && strcmp(o->access, token) == 0)
		o->expires_at = 0;
	struct tokens *t = malloc(sizeof(*t));
	struct mr_error e = { 0 };
	int fd = -1;
	if (t && lock_take(o, &fd, &e) == 0) {
		if (tokens_read(o, t, &e) == 0 && strcmp(t->access, token) == 0) {
			t->expires_at = 0;
			if (tokens_write(o, t, &e) != 0 && o->log)
				o->core->log(o->log, MR_LOG_WARNING, "%s", e.msg);
		}
		lock_drop(fd);
	}
	if (t) {
		wipe(t, sizeof(*t));
		free(t);
	}
	pthread_mutex_unlock(&o->mu);
}

int mr_oauth_state(struct mr_oauth *o, struct mr_oauth_state *st, struct mr_error *err)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->token_file, sizeof(st->token_file), "%s", o->token_file);
	struct tokens *t = malloc(sizeof(*t));
	if (!t)
		return o->core->error_set(err, MR_ENOMEM, "out of memory");
	int rc = tokens_read(o, t, err);
	if (!rc) {
		st->expires_at = t->access[0] ? t->expires_at : 0;
		st->obtained_at = t->obtained_at;
		st->has_refresh = t->refresh[0] != 0;
		snprintf(st->scope, sizeof(st->scope), "%s", t->scope);
		snprintf(st->grant, sizeof(st->grant), "%s", t->grant);
	}
	wipe(t, sizeof(*t));
	free(t);
	return rc;
}

/* ---- mailroom account authorize */

static int store_new(struct mr_oauth *o, struct tokens *t, struct mr_error *err)
{
	int fd = -1;
	int rc = lock_take(o, &fd, err);
	if (rc)
		return rc;
	rc = tokens_write(o, t, err);
	lock_drop(fd);
	if (!rc) {
		mr_oauth_free_token(o->access);
		o->access = strdup(t->access);
		o->expires_at = t->expires_at;
	}
	return rc;
}

static int authorize_device(struct mr_oauth *o, FILE *out, struct mr_error *err)
{
	const struct mr_core *c = o->core;
	if (!o->device_url)
		return c->error_set(err, MR_ECONFIG, "[oauth-%s] needs device_url for the device "
				    "authorization grant (or provider = microsoft or google)", o->name);
	char secname[160];
	snprintf(secname, sizeof(secname), "oauth-%s", o->name);
	char *secret = NULL;
	struct mr_error e = { 0 };
	int rc = c->cfg_secret(c->cfg_section(c, secname), "client_secret", &secret, &e);
	if (rc && rc != MR_ENOTFOUND)
		return c->error_set(err, rc, "%s", e.msg);
	const char *kv[] = { "client_id", o->client_id, "scope", o->scope, "client_secret", secret,
			     NULL };
	long status = 0;
	char *body = NULL;
	rc = post_form(o, o->device_url, kv, &status, &body, err);
	if (rc) {
		mr_oauth_free_token(secret);
		return rc;
	}
	char device_code[2048] = "", user_code[128] = "", uri[512] = "", uri_full[1024] = "";
	char num[32] = "";
	long long expires_in = 900, interval = 5;
	if (status != 200 || !mr_oauth_json_get(body, "device_code", device_code,
						sizeof(device_code)) ||
	    !mr_oauth_json_get(body, "user_code", user_code, sizeof(user_code)) ||
	    (!mr_oauth_json_get(body, "verification_uri", uri, sizeof(uri)) &&
	     !mr_oauth_json_get(body, "verification_url", uri, sizeof(uri)))) {
		char said[400];
		server_said(body, status, said, sizeof(said));
		free(body);
		mr_oauth_free_token(secret);
		return c->error_set(err, status >= 500 ? MR_ETEMP : MR_ECONFIG, "[oauth-%s] the "
				    "device authorization endpoint %s answered %s", o->name,
				    o->device_url, status == 200 ? "without a device code" : said);
	}
	mr_oauth_json_get(body, "verification_uri_complete", uri_full, sizeof(uri_full));
	if (mr_oauth_json_get(body, "expires_in", num, sizeof(num)))
		expires_in = strtoll(num, NULL, 10);
	if (mr_oauth_json_get(body, "interval", num, sizeof(num)))
		interval = strtoll(num, NULL, 10);
	free(body);
	if (expires_in <= 0 || expires_in > 3600)
		expires_in = 900;
	if (interval <= 0 || interval > 60)
		interval = 5;
	/* what a person types: printable characters only */
	for (char *p = user_code; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			*p = '?';
	for (char *p = uri; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			*p = '?';
	fprintf(out, "To authorize mailroom for [oauth-%s], open\n    %s\nand enter the code\n"
		"    %s\n", o->name, uri, user_code);
	if (uri_full[0] && url_ok(uri_full))
		fprintf(out, "(or open %s)\n", uri_full);
	fprintf(out, "Waiting for the authorization (the code expires in %lld minutes)...\n",
		(expires_in + 59) / 60);
	fflush(out);
	const char *poll_kv[] = { "grant_type", "urn:ietf:params:oauth:grant-type:device_code",
				  "device_code", device_code, "client_id", o->client_id,
				  "client_secret", secret, NULL };
	int64_t deadline = (int64_t)time(NULL) + expires_in;
	struct tokens *t = calloc(1, sizeof(*t));
	if (!t) {
		mr_oauth_free_token(secret);
		return c->error_set(err, MR_ENOMEM, "out of memory");
	}
	rc = c->error_set(err, MR_ETEMP, "[oauth-%s] the code expired before it was entered: run "
			  "mailroom account authorize again", o->name);
	while ((int64_t)time(NULL) < deadline) {
		sleep((unsigned)interval);
		int r = post_form(o, o->token_url, poll_kv, &status, &body, err);
		if (r) {
			rc = r; /* the server did not answer: try again at the next interval */
			continue;
		}
		if (status == 200) {
			rc = take_tokens(o, body, t, err);
			if (!rc && !t->refresh[0])
				rc = c->error_set(err, MR_ECONFIG, "[oauth-%s] the server gave no "
						  "refresh token (add offline_access to scope?)",
						  o->name);
			if (!rc)
				rc = store_new(o, t, err);
			wipe(body, strlen(body));
			free(body);
			break;
		}
		char said[400];
		server_said(body, status, said, sizeof(said));
		free(body);
		if (strcmp(said, "authorization_pending") == 0 ||
		    strncmp(said, "authorization_pending:", 22) == 0)
			continue;
		if (strncmp(said, "slow_down", 9) == 0) {
			interval += 5;
			continue;
		}
		if (status >= 500) {
			rc = c->error_set(err, MR_ETEMP, "[oauth-%s] the token endpoint answered %s",
					  o->name, said);
			continue;
		}
		if (strncmp(said, "access_denied", 13) == 0)
			rc = c->error_set(err, MR_ECONFIG, "[oauth-%s] the authorization was "
					  "declined (%s)", o->name, said);
		else if (strncmp(said, "expired_token", 13) == 0)
			rc = c->error_set(err, MR_ETEMP, "[oauth-%s] the code expired (%s): run "
					  "mailroom account authorize again", o->name, said);
		else
			rc = c->error_set(err, MR_ECONFIG, "[oauth-%s] the token endpoint refused "
					  "(%s)", o->name, said);
		break;
	}
	wipe(device_code, sizeof(device_code));
	wipe(t, sizeof(*t));
	free(t);
	mr_oauth_free_token(secret);
	return rc;
}

int mr_oauth_authorize(struct mr_oauth *o, FILE *out, struct mr_error *err)
{
	if (strcmp(o->grant, "client_credentials") == 0) {
		struct tokens *t = calloc(1, sizeof(*t));
		if (!t)
			return o->core->error_set(err, MR_ENOMEM, "out of memory");
		int fd = -1;
		int rc = lock_take(o, &fd, err);
		if (!rc) {
			rc = refresh(o, t, err);
			lock_drop(fd);
		}
		if (!rc) {
			mr_oauth_free_token(o->access);
			o->access = strdup(t->access);
			o->expires_at = t->expires_at;
		}
		wipe(t, sizeof(*t));
		free(t);
		return rc;
	}
	return authorize_device(o, out, err);
}
