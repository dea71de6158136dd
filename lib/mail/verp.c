/* SPDX-License-Identifier: MIT */
/* VERP addresses: build and check LOCALPART action SEP job SEP queue SEP hash @ DOMAIN, signed with a truncated HMAC-SHA256. */
#include "config.h"
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "mail-internal.h"

static int action_valid(char a)
{
	return a == MR_VERP_BOUNCE || a == MR_VERP_REPLY || a == MR_VERP_UNSUBSCRIBE ||
	       a == MR_VERP_OPTOUT || a == MR_VERP_RESUBSCRIBE;
}

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* HMAC-SHA256 (RFC 2104) with SHA-256 fetched once: OpenSSL's one-shot HMAC()
 * fetches its algorithms on every call, which costs more than the hashing
 * when three addresses are made for every message of a mailing. */
static int hmac_sha256(const unsigned char *key, size_t key_len, const char *msg, size_t len,
		       unsigned char out[32])
{
	pthread_once(&sha256_once, sha256_fetch);
	if (!sha256_md || len > 64)
		return -1;
	unsigned char k[64] = { 0 }, buf[64 + 64], inner[32];
	unsigned int n = 0;
	if (key_len > sizeof(k)) {
		if (!EVP_Digest(key, key_len, k, &n, sha256_md, NULL))
			return -1;
	} else {
		memcpy(k, key, key_len);
	}
	for (size_t i = 0; i < 64; i++)
		buf[i] = k[i] ^ 0x36;
	memcpy(buf + 64, msg, len);
	int ok = EVP_Digest(buf, 64 + len, inner, &n, sha256_md, NULL);
	for (size_t i = 0; i < 64; i++)
		buf[i] = k[i] ^ 0x5c;
	memcpy(buf + 64, inner, sizeof(inner));
	ok = ok && EVP_Digest(buf, 64 + sizeof(inner), out, &n, sha256_md, NULL);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(buf, sizeof(buf));
	return ok ? 0 : -1;
}

/* The hash of (action, job, queue): independent of the separator and the
 * domain, so that changing those does not invalidate mail in flight. */
static int verp_hash(const struct mr_verp_conf *conf, char action, int64_t job, int64_t queue,
		     char out[MR_VERP_HASH_LEN + 1])
{
	char msg[64];
	unsigned char md[32];
	int n = snprintf(msg, sizeof(msg), "%c.%" PRId64 ".%" PRId64, action, job, queue);
	if (n < 0 || (size_t)n >= sizeof(msg) ||
	    hmac_sha256(conf->secret, conf->secret_len, msg, (size_t)n, md) != 0)
		return -1;
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < MR_VERP_HASH_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[MR_VERP_HASH_LEN] = 0;
	return 0;
}

int mail_hmac_sha256(const unsigned char *key, size_t key_len, const char *msg, size_t len,
		     unsigned char out[32])
{
	return hmac_sha256(key, key_len, msg, len, out);
}

static char conf_sep(const struct mr_verp_conf *conf)
{
	return conf->sep ? conf->sep : '.';
}

int mr_verp_build(const struct mr_verp_conf *conf, char action, int64_t job_id,
		  int64_t queue_id, char *buf, size_t size, struct mr_error *err)
{
	if (!conf || !conf->localpart || !conf->domain || !conf->domain[0])
		return mail_error_set(err, MR_EINPUT, "VERP: no local part or domain configured");
	if (!conf->secret || conf->secret_len == 0)
		return mail_error_set(err, MR_EINPUT, "VERP: no site secret configured");
	if (!action_valid(action))
		return mail_error_set(err, MR_EINPUT, "VERP: unknown action letter '%c'", action);
	/* ids are store row ids: positive, so that what is built parses back;
	 * both 0 mark a test message (mailing test), which names no queue row */
	if ((job_id <= 0 || queue_id <= 0) && (job_id != 0 || queue_id != 0))
		return mail_error_set(err, MR_EINPUT, "VERP: job and queue ids must be positive "
				      "(or both 0 for a test message)");
	char sep = conf_sep(conf);
	if (isalnum((unsigned char)sep) || sep == '@' || isspace((unsigned char)sep))
		return mail_error_set(err, MR_EINPUT, "VERP: separator '%c' is not usable", sep);
	char hash[MR_VERP_HASH_LEN + 1];
	if (verp_hash(conf, action, job_id, queue_id, hash) != 0)
		return mail_error_set(err, MR_EINTERNAL, "VERP: HMAC-SHA256 failed");
	int n = snprintf(buf, size, "%s%c%c%" PRId64 "%c%" PRId64 "%c%s@%s", conf->localpart,
			 action, sep, job_id, sep, queue_id, sep, hash, conf->domain);
	if (n < 0 || (size_t)n >= size)
		return mail_error_set(err, MR_ENOMEM, "VERP: address longer than %zu bytes", size);
	if (!mr_addr_valid(buf))
		return mail_error_set(err, MR_EINPUT, "VERP: \"%s\" is not a valid address", buf);
	return 0;
}

/* Reads a positive decimal id as mr_verp_build writes it (PRId64 of a value
 * from 1 to INT64_MAX: no sign, no leading zero, at most 19 digits); returns
 * the end, or NULL when the id is empty, starts with 0, or exceeds INT64_MAX. */
static const char *read_id(const char *p, const char *end, int64_t *v_r)
{
	if (p >= end || *p < '1' || *p > '9')
		return NULL;
	int64_t v = 0;
	while (p < end && *p >= '0' && *p <= '9') {
		int d = *p - '0';
		if (v > (INT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
		p++;
	}
	*v_r = v;
	return p;
}

int mail_verp_check(const struct mr_verp_conf *conf, const char *addr, size_t len,
		    struct mr_verp *v_r, const char **why_r)
{
	const char *why_dummy;
	if (!why_r)
		why_r = &why_dummy;
	*why_r = NULL;
	if (!conf || !conf->localpart || !addr)
		return MR_ENOTFOUND;
	const char *p = addr, *end = addr + len;
	while (p < end && (*p == '<' || *p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == '>' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	const char *at = NULL;
	for (const char *q = end; q > p; q--)
		if (q[-1] == '@') {
			at = q - 1;
			break;
		}
	if (!at)
		return MR_ENOTFOUND;
	if (conf->domain && conf->domain[0]) {
		size_t dl = strlen(conf->domain);
		if ((size_t)(end - at - 1) != dl || strncasecmp(at + 1, conf->domain, dl) != 0)
			return MR_ENOTFOUND;
	}
	size_t ll = strlen(conf->localpart);
	if ((size_t)(at - p) < ll || strncasecmp(p, conf->localpart, ll) != 0)
		return MR_ENOTFOUND;
	p += ll;
	char sep = conf_sep(conf);
	/* With an empty local part every address of the domain would be ours:
	 * then only ACTION SEP marks one. */
	if (ll == 0 && (p + 2 > at || !action_valid(*p) || p[1] != sep))
		return MR_ENOTFOUND;
	/* From here on the address is ours (our local part at our domain), so
	 * whatever is wrong with it is damage: forged, never "not ours". */
	struct mr_verp v = { 0 };
	if (p + 2 > at || !action_valid(*p) || p[1] != sep) {
		*why_r = "unknown action or no separator";
		return MR_EPERMANENT;
	}
	v.action = *p;
	p += 2;
	size_t test_ids = 4; /* "0" SEP "0" SEP: a test message's */
	if ((size_t)(at - p) > test_ids && p[0] == '0' && p[1] == sep && p[2] == '0' &&
	    p[3] == sep) {
		p += test_ids;
	} else {
		if (!(p = read_id(p, at, &v.job_id)) || p >= at || *p++ != sep) {
			*why_r = "malformed job id";
			return MR_EPERMANENT;
		}
		if (!(p = read_id(p, at, &v.queue_id)) || p >= at || *p++ != sep) {
			*why_r = "malformed queue id";
			return MR_EPERMANENT;
		}
	}
	for (const char *h = p; h < at; h++)
		if (!isxdigit((unsigned char)*h)) {
			*why_r = "hash is not hexadecimal";
			return MR_EPERMANENT;
		}
	if (at - p != MR_VERP_HASH_LEN) {
		*why_r = at - p < MR_VERP_HASH_LEN ? "hash truncated" : "hash too long";
		return MR_EPERMANENT;
	}
	/* hex compares case-insensitively: a genuine hash in upper case is good */
	for (int i = 0; i < MR_VERP_HASH_LEN; i++)
		v.hash[i] = (char)tolower((unsigned char)p[i]);
	v.hash[MR_VERP_HASH_LEN] = 0;
	if (conf->secret && conf->secret_len) {
		char want[MR_VERP_HASH_LEN + 1];
		if (verp_hash(conf, v.action, v.job_id, v.queue_id, want) != 0)
			return MR_EINTERNAL;
		if (CRYPTO_memcmp(want, v.hash, MR_VERP_HASH_LEN) != 0) {
			*why_r = "hash does not match";
			return MR_EPERMANENT;
		}
	}
	if (v_r)
		*v_r = v;
	return 0;
}

int mr_verp_parse(const struct mr_verp_conf *conf, const char *addr, size_t len,
		  struct mr_verp *v_r)
{
	return mail_verp_check(conf, addr, len, v_r, NULL);
}
