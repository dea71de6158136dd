/* SPDX-License-Identifier: MIT */
/* ESP webhooks of `mailroom serve`: Amazon SES through SNS (signature checked against the signing certificate) and Mailgun (HMAC), mapped onto the one bounce model: the same classifier, thresholds and store operations as DSNs (SendGrid and Postmark: serve-webhook-esp.c). */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "serve.h"

#define WH_SEEN 512 /* message ids / tokens remembered against replays */

struct sv_webhooks {
	pthread_mutex_t lock;
	char **sns_topics;
	size_t n_topics;
	X509 *sns_pinned;            /* [http] sns_cert_file, or NULL: fetch */
	char *sns_cert_url;          /* the fetched certificate's URL */
	X509 *sns_fetched;
	unsigned char *mg_key;       /* [http] mailgun_signing_key, or NULL */
	size_t mg_key_len;
	struct mr_bounce_rules *rules;
	char seen[WH_SEEN][72];      /* recent SNS MessageIds and Mailgun tokens */
	size_t seen_next;
};

int sv_webhook_replayed(struct sv_server *s, const char *kind, const char *id)
{
	struct sv_webhooks *w = s->webhooks;
	char key[72];
	snprintf(key, sizeof(key), "%s:%s", kind, id);
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < WH_SEEN; i++)
		if (strcmp(w->seen[i], key) == 0) {
			pthread_mutex_unlock(&w->lock);
			return 1;
		}
	snprintf(w->seen[w->seen_next++ % WH_SEEN], sizeof(w->seen[0]), "%s", key);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static X509 *pem_cert(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	return x;
}

int sv_webhooks_init(struct sv_server *s, const struct mr_section *http, char *why, size_t wn)
{
	struct sv_webhooks *w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	pthread_mutex_init(&w->lock, NULL);
	s->webhooks = w;
	const char *topics = http ? mr_cfg_str(http, "sns_topics") : NULL;
	for (const char *p = topics; p && *p;) {
		p += strspn(p, " ,\t");
		size_t l = strcspn(p, " ,\t");
		if (!l)
			break;
		char **nt = realloc(w->sns_topics, (w->n_topics + 1) * sizeof(*nt));
		if (!nt || !(nt[w->n_topics] = strndup(p, l)))
			return -1;
		w->sns_topics = nt;
		w->n_topics++;
		p += l;
	}
	const char *cf = http ? mr_cfg_str(http, "sns_cert_file") : NULL;
	if (cf && *cf) {
		FILE *f = fopen(cf, "r");
		w->sns_pinned = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
		if (f)
			fclose(f);
		if (!w->sns_pinned) {
			snprintf(why, wn, "[http] sns_cert_file %s: not a PEM certificate", cf);
			return -1;
		}
	}
	char *key = NULL;
	struct mr_error e = { 0 };
	if (http && mr_cfg_secret(http, "mailgun_signing_key", &key, &e) == 0 && key) {
		size_t l = strlen(key);
		while (l && isspace((unsigned char)key[l - 1]))
			key[--l] = 0;
		w->mg_key = (unsigned char *)key;
		w->mg_key_len = l;
	} else if (e.status && e.status != MR_ENOTFOUND) {
		snprintf(why, wn, "[http] mailgun_signing_key: %s", e.msg);
		return -1;
	}
	if (mr_mail_rules_load(&s->site->core, &w->rules, &e) != 0) {
		snprintf(why, wn, "%s", e.msg);
		return -1;
	}
	return sv_esp_hooks_init(s, http, why, wn);
}

void sv_webhooks_free(struct sv_server *s)
{
	struct sv_webhooks *w = s->webhooks;
	if (!w)
		return;
	for (size_t i = 0; i < w->n_topics; i++)
		free(w->sns_topics[i]);
	free(w->sns_topics);
	X509_free(w->sns_pinned);
	X509_free(w->sns_fetched);
	free(w->sns_cert_url);
	if (w->mg_key) {
		OPENSSL_cleanse(w->mg_key, w->mg_key_len);
		free(w->mg_key);
	}
	if (w->rules)
		mr_bounce_rules_free(w->rules);
	sv_esp_hooks_free(s);
	pthread_mutex_destroy(&w->lock);
	free(w);
	s->webhooks = NULL;
}

/* ---- the bounce model */

int sv_webhook_apply(struct sv_server *s, const char *esp, const char *verp,
		     const char *recipient, int action, int code, const char *status,
		     const char *text)
{
	struct mr_verp v;
	if (!verp || mr_verp_parse(s->verp, verp, strlen(verp), &v) != 0 ||
	    v.action != MR_VERP_BOUNCE)
		return MR_ENOTFOUND;
	struct mr_error e = { 0 };
	struct mr_bounce_target tg;
	memset(&tg, 0, sizeof(tg));
	char details[200];
	pthread_mutex_lock(&s->store_lock);
	int rc = mr_store_bounce_target(s->store, v.job_id, v.queue_id, recipient, &tg, &e);
	if (rc == 0 && action) {
		snprintf(details, sizeof(details), "web: %s %s", esp,
			 action == MR_ACTION_COMPLAINT ? "complaint" : "unsubscribe");
		rc = mr_store_verp_action(s->store, v.queue_id, (enum mr_verp_action)action,
					  (int64_t)time(NULL), details, NULL, &e);
	} else if (rc == 0) {
		struct mr_bounce_record rec;
		memset(&rec, 0, sizeof(rec));
		mr_bounce_classify(s->webhooks->rules, code, status, text, &rec);
		struct mr_bounce_event ev = {
			.queue_id = v.queue_id, .when = (int64_t)time(NULL),
			.type = rec.type, .reason = rec.reason,
			.status = rec.status[0] ? rec.status : NULL, .text = text,
			.recipient = recipient, .found_in = esp,
			.threshold = rec.type ? mr_bounce_type_threshold(s->webhooks->rules, rec.type) : 0,
		};
		struct mr_bounce_added added;
		rc = mr_store_bounce_add(s->store, &ev, &added, &e);
		if (rc == 0)
			sv_log(s, "%s bounce of queue row %lld: %s (%s)%s", esp, (long long)v.queue_id,
			       rec.type ? rec.type : "Host", rec.reason ? rec.reason : "?",
			       added.held ? ", email put on hold" : "");
	}
	pthread_mutex_unlock(&s->store_lock);
	if (rc && rc != MR_ENOTFOUND)
		sv_log(s, "%s event of queue row %lld not recorded: %s", esp, (long long)v.queue_id,
		       e.msg);
	if (rc == 0 && action)
		sv_log(s, "%s %s of queue row %lld", esp, action == MR_ACTION_COMPLAINT ?
		       "complaint (opted out)" : "unsubscribe", (long long)v.queue_id);
	return rc;
}

int sv_webhook_diag_code(const char *d)
{
	if (!d)
		return 0;
	const char *p = strchr(d, ';');
	p = p ? p + 1 : d;
	while (*p == ' ')
		p++;
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && !isdigit((unsigned char)p[3]))
		return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	return 0;
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

enum MHD_Result sv_webhook_refuse(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
				  unsigned status, const char *esp, const char *why)
{
	sv_log(s, "%s %s: refused a %s webhook: %s", r->ip, r->path, esp, why);
	char body[160];
	int l = snprintf(body, sizeof(body), "refused: %s\n", why);
	return sv_respond(s, r, c, status, NULL, body, l > 0 ? (size_t)l : 0);
}

/* ---- Amazon SES through SNS */

/* https://sns.REGION.amazonaws.com[.cn]/... .pem */
static int aws_cert_url(const char *u)
{
	if (!u || strncmp(u, "https://sns.", 12) != 0)
		return 0;
	const char *h = u + 8, *slash = strchr(h, '/');
	if (!slash)
		return 0;
	size_t hl = (size_t)(slash - h);
	char host[128];
	if (hl >= sizeof(host))
		return 0;
	memcpy(host, h, hl);
	host[hl] = 0;
	const char *suffix = NULL;
	if (hl > 18 && strcmp(host + hl - 14, ".amazonaws.com") == 0)
		suffix = host + hl - 14;
	else if (hl > 21 && strcmp(host + hl - 17, ".amazonaws.com.cn") == 0)
		suffix = host + hl - 17;
	if (!suffix)
		return 0;
	for (const char *p = host + 4; p < suffix; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
			return 0;
	size_t ul = strlen(u);
	return suffix > host + 4 && ul > 4 && strcmp(u + ul - 4, ".pem") == 0 &&
	       !strchr(slash, '?') && !strchr(slash, '#') && !strstr(slash, "..");
}

struct mem {
	char *p;
	size_t n;
};

static size_t mem_write(char *d, size_t sz, size_t nm, void *cookie)
{
	struct mem *m = cookie;
	size_t l = sz * nm;
	if (m->n + l > 65536)
		return 0;
	char *np = realloc(m->p, m->n + l + 1);
	if (!np)
		return 0;
	memcpy(np + m->n, d, l);
	m->n += l;
	np[m->n] = 0;
	m->p = np;
	return l;
}

/* GETs an https URL (TLS verified), body into m. */
static int https_get(const char *url, struct mem *m)
{
	CURL *h = curl_easy_init();
	if (!h)
		return -1;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mem_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, m);
	long code = 0;
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	return rc == CURLE_OK && code == 200 ? 0 : -1;
}

/* The certificate to check with (a new reference), or NULL. */
static X509 *sns_cert(struct sv_webhooks *w, const char *url)
{
	if (w->sns_pinned) {
		X509_up_ref(w->sns_pinned);
		return w->sns_pinned;
	}
	pthread_mutex_lock(&w->lock);
	if (w->sns_fetched && w->sns_cert_url && strcmp(w->sns_cert_url, url) == 0) {
		X509_up_ref(w->sns_fetched);
		pthread_mutex_unlock(&w->lock);
		return w->sns_fetched;
	}
	pthread_mutex_unlock(&w->lock);
	struct mem m = { 0 };
	X509 *x = https_get(url, &m) == 0 ? pem_cert(m.p, m.n) : NULL;
	free(m.p);
	if (!x)
		return NULL;
	pthread_mutex_lock(&w->lock);
	X509_free(w->sns_fetched);
	free(w->sns_cert_url);
	w->sns_fetched = x;
	w->sns_cert_url = strdup(url);
	X509_up_ref(x);
	pthread_mutex_unlock(&w->lock);
	return x;
}

/* Checks the SNS signature of message o; 0 when good. */
static int sns_verify(struct sv_webhooks *w, json_t *o, const char *type, const char **why)
{
	const char *ver = jstr(o, "SignatureVersion"), *sig = jstr(o, "Signature");
	const char *url = jstr(o, "SigningCertURL");
	if (!ver || !sig || !url) {
		*why = "unsigned";
		return -1;
	}
	if (!aws_cert_url(url)) {
		*why = "SigningCertURL is not on the AWS domain list";
		return -1;
	}
	static const char *const note[] = { "Message", "MessageId", "Subject", "Timestamp",
					    "TopicArn", "Type", NULL };
	static const char *const conf[] = { "Message", "MessageId", "SubscribeURL", "Timestamp",
					    "Token", "TopicArn", "Type", NULL };
	const char *const *keys = strcmp(type, "Notification") == 0 ? note : conf;
	size_t cap = 1024, n = 0;
	for (int i = 0; keys[i]; i++) {
		const char *v = jstr(o, keys[i]);
		cap += strlen(keys[i]) + (v ? strlen(v) : 0) + 2;
	}
	char *canon = malloc(cap);
	if (!canon) {
		*why = "out of memory";
		return -1;
	}
	for (int i = 0; keys[i]; i++) {
		const char *v = jstr(o, keys[i]);
		if (!v) {
			if (strcmp(keys[i], "Subject") == 0)
				continue;
			free(canon);
			*why = "a signed field is missing";
			return -1;
		}
		n += (size_t)snprintf(canon + n, cap - n, "%s\n%s\n", keys[i], v);
	}
	unsigned char raw[1024];
	size_t sl = strlen(sig);
	int rl = sl <= 1360 ? EVP_DecodeBlock(raw, (const unsigned char *)sig, (int)sl) : -1;
	if (rl > 0 && sl >= 2) {
		rl -= sig[sl - 1] == '=' ? 1 : 0;
		rl -= sig[sl - 2] == '=' ? 1 : 0;
	}
	const EVP_MD *md = strcmp(ver, "1") == 0 ? EVP_sha1() :
			   strcmp(ver, "2") == 0 ? EVP_sha256() : NULL;
	int ok = 0;
	X509 *x = md && rl > 0 ? sns_cert(w, url) : NULL;
	EVP_PKEY *pk = x ? X509_get0_pubkey(x) : NULL;
	if (pk) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1 &&
		     EVP_DigestVerify(ctx, raw, (size_t)rl, (const unsigned char *)canon, n) == 1;
		EVP_MD_CTX_free(ctx);
	}
	X509_free(x);
	free(canon);
	if (!ok)
		*why = !md ? "unknown SignatureVersion" : rl <= 0 ? "Signature is not base64" :
		       !pk ? "the signing certificate could not be had" : "bad signature";
	return ok ? 0 : -1;
}

/* The VERP address of an SES mail object: its source (the envelope sender),
 * else its X-Mailroom-Id header. */
static const char *ses_verp(json_t *mail)
{
	const char *src = jstr(mail, "source");
	if (src && strchr(src, '@'))
		return src;
	json_t *hs = json_object_get(mail, "headers");
	size_t i;
	json_t *h;
	json_array_foreach(hs, i, h) {
		const char *name = jstr(h, "name");
		if (name && strcasecmp(name, "X-Mailroom-Id") == 0)
			return jstr(h, "value");
	}
	return NULL;
}

static enum MHD_Result ses_message(struct sv_server *s, struct sv_req *r,
				   struct MHD_Connection *c, const char *message)
{
	json_error_t je;
	json_t *m = json_loads(message, 0, &je);
	if (!json_is_object(m)) {
		json_decref(m);
		return sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "SES", "the Message is not JSON");
	}
	const char *nt = jstr(m, "notificationType");
	if (!nt)
		nt = jstr(m, "eventType");
	json_t *mail = json_object_get(m, "mail");
	const char *verp = ses_verp(mail);
	char vbuf[400];
	if (verp) { /* X-Mailroom-Id is <...> */
		snprintf(vbuf, sizeof(vbuf), "%s", verp);
		verp = vbuf;
	}
	int applied = 0, notours = 0;
	enum MHD_Result res;
	if (nt && strcmp(nt, "Bounce") == 0) {
		json_t *b = json_object_get(m, "bounce"), *rcpt;
		const char *bt = jstr(b, "bounceType"), *bst = jstr(b, "bounceSubType");
		size_t i;
		json_array_foreach(json_object_get(b, "bouncedRecipients"), i, rcpt) {
			const char *addr = jstr(rcpt, "emailAddress");
			const char *diag = jstr(rcpt, "diagnosticCode");
			const char *st = jstr(rcpt, "status");
			char text[600];
			snprintf(text, sizeof(text), "%s", diag ? diag : "");
			if (!diag)
				snprintf(text, sizeof(text), "SES %s bounce (%s)", bt ? bt : "?",
					 bst ? bst : "?");
			int code = sv_webhook_diag_code(diag);
			if (!code && bt)
				code = strcmp(bt, "Transient") == 0 ? 450 : 550;
			int rc = sv_webhook_apply(s, "SES", verp, addr, 0, code, st, text);
			rc == 0 ? applied++ : notours++;
		}
		res = sv_respond(s, r, c, MHD_HTTP_OK, NULL, "ok\n", 3);
	} else if (nt && strcmp(nt, "Complaint") == 0) {
		json_t *cp = json_object_get(m, "complaint"), *rcpt;
		size_t i;
		json_array_foreach(json_object_get(cp, "complainedRecipients"), i, rcpt) {
			int rc = sv_webhook_apply(s, "SES", verp, jstr(rcpt, "emailAddress"),
						  MR_ACTION_COMPLAINT, 0, NULL, NULL);
			rc == 0 ? applied++ : notours++;
		}
		res = sv_respond(s, r, c, MHD_HTTP_OK, NULL, "ok\n", 3);
	} else if (nt && (strcmp(nt, "Delivery") == 0 || strcmp(nt, "Send") == 0)) {
		res = sv_respond(s, r, c, MHD_HTTP_OK, NULL, "ok\n", 3);
	} else {
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "SES", "unknown notification type");
	}
	if (notours)
		sv_log(s, "SES: %d recipient%s not ours (no valid signed VERP id, or another "
		       "address): nothing changed for them", notours, notours == 1 ? "" : "s");
	(void)applied;
	json_decref(m);
	return res;
}

enum MHD_Result sv_webhook_sns(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c)
{
	struct sv_webhooks *w = s->webhooks;
	if (!w || !w->n_topics)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "Not found", "<p>There is nothing here.</p>");
	if (strcmp(r->method, "POST") != 0)
		return sv_respond(s, r, c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "POST only\n", 10);
	json_error_t je;
	json_t *o = r->body ? json_loadb(r->body, r->len, 0, &je) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "SNS", "not a JSON object");
	}
	enum MHD_Result res;
	const char *type = jstr(o, "Type"), *topic = jstr(o, "TopicArn"), *why = NULL;
	const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-amz-sns-message-type");
	int known = 0;
	for (size_t i = 0; topic && i < w->n_topics; i++)
		known |= strcmp(topic, w->sns_topics[i]) == 0;
	if (!type || (strcmp(type, "Notification") && strcmp(type, "SubscriptionConfirmation") &&
		      strcmp(type, "UnsubscribeConfirmation")))
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "SNS", "unknown Type");
	else if (hdr && strcmp(hdr, type) != 0)
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "SNS", "x-amz-sns-message-type differs");
	else if (!known)
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "SNS", "TopicArn not in [http] sns_topics");
	else if (sns_verify(w, o, type, &why) != 0)
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "SNS", why);
	else if (!jstr(o, "MessageId") || sv_webhook_replayed(s, "sns", jstr(o, "MessageId")))
		res = sv_respond(s, r, c, MHD_HTTP_OK, NULL, "ok (seen)\n", 10);
	else if (strcmp(type, "Notification") == 0)
		res = ses_message(s, r, c, jstr(o, "Message"));
	else if (strcmp(type, "SubscriptionConfirmation") == 0) {
		/* confirm by visiting SubscribeURL, which must be on AWS too */
		const char *su = jstr(o, "SubscribeURL");
		struct mem m = { 0 };
		if (!su || strncmp(su, "https://sns.", 12) != 0 || !strstr(su, ".amazonaws.com"))
			res = sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "SNS", "SubscribeURL is not on AWS");
		else if (https_get(su, &m) != 0)
			res = sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_GATEWAY, "SNS",
				     "the subscription could not be confirmed");
		else {
			sv_log(s, "SNS: subscribed to %s", topic);
			res = sv_respond(s, r, c, MHD_HTTP_OK, NULL, "subscribed\n", 11);
		}
		free(m.p);
	} else
		res = sv_respond(s, r, c, MHD_HTTP_OK, NULL, "ok\n", 3);
	json_decref(o);
	return res;
}

/* ---- Mailgun */

enum MHD_Result sv_webhook_mailgun(struct sv_server *s, struct sv_req *r,
				   struct MHD_Connection *c)
{
	struct sv_webhooks *w = s->webhooks;
	if (!w || !w->mg_key)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "Not found", "<p>There is nothing here.</p>");
	if (strcmp(r->method, "POST") != 0)
		return sv_respond(s, r, c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "POST only\n", 10);
	json_error_t je;
	json_t *o = r->body ? json_loadb(r->body, r->len, 0, &je) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "Mailgun", "not a JSON object");
	}
	json_t *sig = json_object_get(o, "signature"), *ev = json_object_get(o, "event-data");
	const char *ts = jstr(sig, "timestamp"), *tok = jstr(sig, "token");
	const char *hex = jstr(sig, "signature");
	enum MHD_Result res;
	char msg[256];
	unsigned char mac[32];
	unsigned int ml = 0;
	char want[65];
	long long t = ts ? strtoll(ts, NULL, 10) : 0;
	if (!ts || !tok || !hex || strlen(ts) + strlen(tok) >= sizeof(msg)) {
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "Mailgun", "unsigned");
		goto out;
	}
	snprintf(msg, sizeof(msg), "%s%s", ts, tok);
	if (!HMAC(EVP_sha256(), w->mg_key, (int)w->mg_key_len, (const unsigned char *)msg,
		  strlen(msg), mac, &ml) || ml != 32) {
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Mailgun", "HMAC failed");
		goto out;
	}
	for (int i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", mac[i]);
	if (strlen(hex) != 64 || CRYPTO_memcmp(want, hex, 64) != 0) {
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "Mailgun", "bad signature");
		goto out;
	}
	if (llabs((long long)time(NULL) - t) > 900) {
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "Mailgun", "timestamp too old");
		goto out;
	}
	if (sv_webhook_replayed(s, "mg", tok)) {
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "Mailgun", "replayed token");
		goto out;
	}
	const char *event = jstr(ev, "event"), *sev = jstr(ev, "severity");
	const char *rcpt = jstr(ev, "recipient");
	const char *verp = jstr(json_object_get(ev, "envelope"), "sender");
	json_t *ds = json_object_get(ev, "delivery-status");
	if (event && strcmp(event, "failed") == 0 && sev && strcmp(sev, "permanent") == 0) {
		json_t *jc = json_object_get(ds, "code");
		int code = json_is_integer(jc) ? (int)json_integer_value(jc) : 550;
		const char *text = jstr(ds, "message");
		if (!text || !*text)
			text = jstr(ds, "description");
		int rc = sv_webhook_apply(s, "Mailgun", verp, rcpt, 0, code, NULL, text ? text : "");
		if (rc == MR_ENOTFOUND)
			sv_log(s, "Mailgun: a failure not ours (no valid signed VERP id, or another "
			       "address): nothing changed");
		res = sv_respond(s, r, c, MHD_HTTP_OK, NULL, "ok\n", 3);
	} else if (event && strcmp(event, "complained") == 0) {
		if (sv_webhook_apply(s, "Mailgun", verp, rcpt, MR_ACTION_COMPLAINT, 0, NULL, NULL) ==
		    MR_ENOTFOUND)
			sv_log(s, "Mailgun: a complaint not ours: nothing changed");
		res = sv_respond(s, r, c, MHD_HTTP_OK, NULL, "ok\n", 3);
	} else if (event && (strcmp(event, "failed") == 0 || strcmp(event, "delivered") == 0 ||
			     strcmp(event, "accepted") == 0 || strcmp(event, "opened") == 0 ||
			     strcmp(event, "clicked") == 0 || strcmp(event, "unsubscribed") == 0)) {
		/* temporary failures are Mailgun's retries, like a DSN's "delayed" */
		res = sv_respond(s, r, c, MHD_HTTP_OK, NULL, "ok (ignored)\n", 13);
	} else {
		/* 406 tells Mailgun not to retry */
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_NOT_ACCEPTABLE, "Mailgun", "unknown event");
	}
out:
	json_decref(o);
	return res;
}
