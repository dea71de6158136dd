/* SPDX-License-Identifier: MIT */
/* SendGrid's Event Webhook (ECDSA P-256 signature over timestamp and body, verified with OpenSSL) and Postmark's webhooks (HTTP basic auth from a file) for `mailroom serve`: bounces, spam reports and unsubscribes that carry our signed id become events of the one bounce model. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <mailroom/buf.h>
#include "serve.h"

#define SG_MAX_AGE 600   /* seconds a signed SendGrid timestamp stays good */
#define KEY_FILE_MAX 8192

struct sv_esp_hooks {
	EVP_PKEY *sendgrid;     /* [http] sendgrid_public_key_file, or NULL: off */
	char *postmark;         /* [http] postmark_credentials: "USER:PASSWORD", or NULL: off */
};

/* SendGrid's verification key: PEM, or the base64 DER SendGrid shows. */
static EVP_PKEY *load_public_key(const char *path, char *why, size_t wn)
{
	FILE *f = fopen(path, "r");
	char text[KEY_FILE_MAX + 1];
	size_t n = f ? fread(text, 1, KEY_FILE_MAX, f) : 0;
	if (f)
		fclose(f);
	if (!f || n == 0 || n == KEY_FILE_MAX) {
		snprintf(why, wn, "[http] sendgrid_public_key_file %s: cannot read it", path);
		return NULL;
	}
	text[n] = '\0';
	EVP_PKEY *k = NULL;
	if (strstr(text, "-----BEGIN")) {
		BIO *b = BIO_new_mem_buf(text, (int)n);
		k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	} else {
		struct mr_buf der = { 0 };
		if (mr_buf_add_b64_decoded(&der, text, n) == 0 && !der.oom && der.len) {
			const unsigned char *p = (const unsigned char *)der.p;
			k = d2i_PUBKEY(NULL, &p, (long)der.len);
		}
		mr_buf_free(&der);
	}
	if (!k || EVP_PKEY_base_id(k) != EVP_PKEY_EC) {
		EVP_PKEY_free(k);
		snprintf(why, wn, "[http] sendgrid_public_key_file %s: not an ECDSA public key "
			 "(PEM, or SendGrid's base64 verification key)", path);
		return NULL;
	}
	return k;
}

int sv_esp_hooks_init(struct sv_server *s, const struct mr_section *http, char *why, size_t wn)
{
	struct sv_esp_hooks *h = calloc(1, sizeof(*h));
	if (!h)
		return -1;
	s->esp_hooks = h;
	const char *kf = http ? mr_cfg_str(http, "sendgrid_public_key_file") : NULL;
	if (kf && *kf && !(h->sendgrid = load_public_key(kf, why, wn)))
		return -1;
	struct mr_error e = { 0 };
	char *cred = NULL;
	if (http && mr_cfg_secret(http, "postmark_credentials", &cred, &e) == 0 && cred) {
		size_t l = strlen(cred);
		while (l && isspace((unsigned char)cred[l - 1]))
			cred[--l] = '\0';
		if (!strchr(cred, ':')) {
			OPENSSL_cleanse(cred, l);
			free(cred);
			snprintf(why, wn, "[http] postmark_credentials: USER:PASSWORD expected");
			return -1;
		}
		h->postmark = cred;
	} else if (e.status && e.status != MR_ENOTFOUND) {
		snprintf(why, wn, "[http] postmark_credentials: %s", e.msg);
		return -1;
	}
	return 0;
}

void sv_esp_hooks_free(struct sv_server *s)
{
	struct sv_esp_hooks *h = s->esp_hooks;
	if (!h)
		return;
	EVP_PKEY_free(h->sendgrid);
	if (h->postmark) {
		OPENSSL_cleanse(h->postmark, strlen(h->postmark));
		free(h->postmark);
	}
	free(h);
	s->esp_hooks = NULL;
}

static const char *str_of(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* How many events a request applied, ignored and refused. */
struct tally {
	int applied, ignored, refused;
};

static void count(struct sv_server *s, const char *esp, const char *what, int rc,
		  struct tally *t)
{
	if (rc == 0) {
		t->applied++;
	} else {
		t->refused++;
		sv_log(s, "%s: refused a%s %s event: %s", esp, what[0] == 'u' ? "n" : "", what,
		       rc == MR_ENOTFOUND ? "no valid signed id of ours for that address, nothing "
		       "changed" : "the store failed");
	}
}

static enum MHD_Result answer(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
			      const struct tally *t)
{
	char body[96];
	int l = snprintf(body, sizeof(body), "ok: %d applied, %d ignored, %d refused\n",
			 t->applied, t->ignored, t->refused);
	return sv_respond(s, r, c, MHD_HTTP_OK, NULL, body, l > 0 ? (size_t)l : 0);
}

/* ---- SendGrid */

/* Whether sig64 (base64 DER ECDSA) signs timestamp || body under key. */
static int sendgrid_signed(EVP_PKEY *key, const char *sig64, const char *ts, const char *body,
			   size_t len)
{
	struct mr_buf sig = { 0 };
	int ok = 0;
	if (mr_buf_add_b64_decoded(&sig, sig64, strlen(sig64)) == 0 && !sig.oom && sig.len) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
		     EVP_DigestVerifyUpdate(md, ts, strlen(ts)) == 1 &&
		     EVP_DigestVerifyUpdate(md, body, len) == 1 &&
		     EVP_DigestVerifyFinal(md, (const unsigned char *)sig.p, sig.len) == 1;
		EVP_MD_CTX_free(md);
	}
	mr_buf_free(&sig);
	return ok;
}

/* One event of a verified batch. */
static void sendgrid_event(struct sv_server *s, json_t *ev, struct tally *t)
{
	const char *event = str_of(ev, "event"), *email = str_of(ev, "email");
	const char *id = str_of(ev, "mailroom_id"), *sg_id = str_of(ev, "sg_event_id");
	static const char *const ignored[] = { "processed", "deferred", "delivered", "open",
					       "click", "dropped", "group_resubscribe" };
	if (!event) {
		t->refused++;
		sv_log(s, "SendGrid: refused an event without a name");
		return;
	}
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (strcmp(event, ignored[i]) == 0) {
			t->ignored++;
			return;
		}
	int bounce = strcmp(event, "bounce") == 0, spam = strcmp(event, "spamreport") == 0;
	int unsub = strcmp(event, "unsubscribe") == 0 || strcmp(event, "group_unsubscribe") == 0;
	if (!bounce && !spam && !unsub) {
		t->refused++;
		sv_log(s, "SendGrid: refused an unknown event");
		return;
	}
	if (sg_id && sv_webhook_replayed(s, "sg", sg_id)) {
		t->ignored++; /* SendGrid sent it before */
		return;
	}
	int rc;
	if (bounce) {
		const char *status = str_of(ev, "status"), *reason = str_of(ev, "reason");
		int code = status && status[0] == '4' ? 450 : 550;
		rc = sv_webhook_apply(s, "SendGrid", id, email, 0, code, status,
				      reason ? reason : "");
	} else {
		rc = sv_webhook_apply(s, "SendGrid", id, email,
				      spam ? MR_ACTION_COMPLAINT : MR_ACTION_UNSUBSCRIBE, 0, NULL, NULL);
	}
	count(s, "SendGrid", event, rc, t);
}

enum MHD_Result sv_webhook_sendgrid(struct sv_server *s, struct sv_req *r,
				    struct MHD_Connection *c)
{
	struct sv_esp_hooks *h = s->esp_hooks;
	if (!h || !h->sendgrid)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "Not found", "<p>There is nothing here.</p>");
	if (strcmp(r->method, "POST") != 0)
		return sv_respond(s, r, c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "POST only\n", 10);
	const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "X-Twilio-Email-Event-Webhook-Signature");
	const char *ts = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     "X-Twilio-Email-Event-Webhook-Timestamp");
	char *end = NULL;
	long long t = ts ? strtoll(ts, &end, 10) : 0;
	if (!sig || !ts || !*ts || *end || strlen(sig) > 512)
		return sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "SendGrid", "unsigned");
	if (!r->body || !sendgrid_signed(h->sendgrid, sig, ts, r->body, r->len))
		return sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "SendGrid", "bad signature");
	if (llabs((long long)time(NULL) - t) > SG_MAX_AGE)
		return sv_webhook_refuse(s, r, c, MHD_HTTP_FORBIDDEN, "SendGrid", "timestamp too old");
	json_error_t je;
	json_t *batch = json_loadb(r->body, r->len, 0, &je);
	if (!json_is_array(batch)) {
		json_decref(batch);
		return sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "SendGrid",
					 "not a JSON array of events");
	}
	struct tally tl = { 0 };
	size_t i;
	json_t *ev;
	json_array_foreach(batch, i, ev) {
		if (json_is_object(ev))
			sendgrid_event(s, ev, &tl);
		else
			tl.refused++;
	}
	json_decref(batch);
	return answer(s, r, c, &tl);
}

/* ---- Postmark */

/* Whether the request's basic auth is creds, compared in constant time. */
static int postmark_authorized(struct MHD_Connection *c, const char *creds)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!auth || strncasecmp(auth, "Basic ", 6) != 0 || strlen(auth) > 1024)
		return 0;
	struct mr_buf got = { 0 };
	int ok = 0;
	if (mr_buf_add_b64_decoded(&got, auth + 6, strlen(auth + 6)) == 0 && !got.oom) {
		size_t want = strlen(creds);
		ok = got.len == want && CRYPTO_memcmp(got.p, creds, want) == 0;
	}
	if (got.p)
		OPENSSL_cleanse(got.p, got.len);
	mr_buf_free(&got);
	return ok;
}

enum MHD_Result sv_webhook_postmark(struct sv_server *s, struct sv_req *r,
				    struct MHD_Connection *c)
{
	struct sv_esp_hooks *h = s->esp_hooks;
	if (!h || !h->postmark)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "Not found", "<p>There is nothing here.</p>");
	if (strcmp(r->method, "POST") != 0)
		return sv_respond(s, r, c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "POST only\n", 10);
	if (!postmark_authorized(c, h->postmark)) {
		sv_log(s, "%s %s: refused a Postmark webhook: wrong or no credentials", r->ip,
		       r->path);
		return sv_respond_x(s, r, c, MHD_HTTP_UNAUTHORIZED, NULL, "refused\n", 8,
				    "WWW-Authenticate", "Basic realm=\"mailroom\"");
	}
	json_error_t je;
	json_t *o = r->body ? json_loadb(r->body, r->len, 0, &je) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "Postmark",
					 "not a JSON object");
	}
	const char *rt = str_of(o, "RecordType"), *type = str_of(o, "Type");
	const char *email = str_of(o, "Email");
	const char *id = str_of(json_object_get(o, "Metadata"), "mailroom-id");
	json_t *jid = json_object_get(o, "ID");
	char key[32];
	snprintf(key, sizeof(key), "%lld", json_is_integer(jid) ? (long long)json_integer_value(jid) : -1LL);
	struct tally tl = { 0 };
	enum MHD_Result res;
	static const char *const hard[] = { "HardBounce", "BadEmailAddress", "Blocked",
					    "ManuallyDeactivated" };
	int is_hard = 0;
	for (size_t i = 0; type && i < sizeof(hard) / sizeof(hard[0]); i++)
		is_hard |= strcmp(type, hard[i]) == 0;
	if (!rt) {
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "Postmark", "no RecordType");
	} else if (strcmp(rt, "Bounce") == 0 && type && strcmp(type, "SpamComplaint") != 0) {
		if (!is_hard) {
			tl.ignored++; /* soft bounces, auto-replies: Postmark retries or they are noise */
		} else if (json_is_integer(jid) && sv_webhook_replayed(s, "pm", key)) {
			tl.ignored++;
		} else {
			const char *details = str_of(o, "Details"), *desc = str_of(o, "Description");
			int code = sv_webhook_diag_code(details);
			if (code < 500 || code > 599)
				code = 550; /* a hard bounce, whatever the text says */
			count(s, "Postmark", "bounce",
			      sv_webhook_apply(s, "Postmark", id, email, 0, code, NULL,
					       details && *details ? details : desc ? desc : ""), &tl);
		}
		res = answer(s, r, c, &tl);
	} else if (strcmp(rt, "SpamComplaint") == 0 ||
		   (strcmp(rt, "Bounce") == 0 && type && strcmp(type, "SpamComplaint") == 0)) {
		count(s, "Postmark", "spam complaint",
		      sv_webhook_apply(s, "Postmark", id, email, MR_ACTION_COMPLAINT, 0, NULL, NULL),
		      &tl);
		res = answer(s, r, c, &tl);
	} else if (strcmp(rt, "SubscriptionChange") == 0) {
		json_t *sup = json_object_get(o, "SuppressSending");
		const char *reason = str_of(o, "SuppressionReason");
		if (json_is_true(sup) && reason && strcmp(reason, "ManualSuppression") == 0)
			count(s, "Postmark", "unsubscribe",
			      sv_webhook_apply(s, "Postmark", id, str_of(o, "Recipient"),
					       MR_ACTION_UNSUBSCRIBE, 0, NULL, NULL), &tl);
		else
			tl.ignored++; /* a reactivation, or Postmark's own bounce/complaint suppression */
		res = answer(s, r, c, &tl);
	} else if (strcmp(rt, "Delivery") == 0 || strcmp(rt, "Open") == 0 ||
		   strcmp(rt, "Click") == 0) {
		tl.ignored++;
		res = answer(s, r, c, &tl);
	} else {
		res = sv_webhook_refuse(s, r, c, MHD_HTTP_BAD_REQUEST, "Postmark",
					"unknown RecordType");
	}
	json_decref(o);
	return res;
}
