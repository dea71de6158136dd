/* SPDX-License-Identifier: MIT */
/* Unit tests of verp.c: build, parse-back, every action letter, separators, and that any changed character fails the hash check. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "tap.h"
#include "mr.h"
#include <mailroom/mail.h>

static const char secret[] = "s3cret-site-key";

static struct mr_verp_conf conf(char sep)
{
	struct mr_verp_conf c = { "return+", "bounce.example.org", sep,
				  (const unsigned char *)secret, sizeof(secret) - 1 };
	return c;
}

int main(void)
{
	struct mr_error err = { 0 };
	char buf[256];
	struct mr_verp_conf c = conf('.');

	/* The exact bytes: the hash is HMAC-SHA256("b.12.345") truncated. */
	TAP_INT(mr_verp_build(&c, MR_VERP_BOUNCE, 12, 345, buf, sizeof(buf), &err), 0, "build b.12.345");
	unsigned char md[32];
	unsigned int mdl = 0;
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)"b.12.345", 8, md, &mdl);
	char want[128], hex[17];
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(want, sizeof(want), "return+b.12.345.%s@bounce.example.org", hex);
	TAP_STR(buf, want, "address is LOCALPART b SEP job SEP queue SEP hash @ DOMAIN");

	/* Secrets of 64 bytes (one SHA-256 block) and longer (hashed first, RFC
	 * 2104) agree with OpenSSL's HMAC too. */
	static const size_t key_lens[] = { 1, 63, 64, 65, 200 };
	for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
		unsigned char key[200];
		for (size_t i = 0; i < key_lens[k]; i++)
			key[i] = (unsigned char)('a' + i % 26);
		struct mr_verp_conf kc = { "r+", "b.example.org", '.', key, key_lens[k] };
		char got[128], exp[128], h[17];
		TAP_INT(mr_verp_build(&kc, MR_VERP_OPTOUT, 7, 99999999999LL, got, sizeof(got), &err),
			0, "build with a %zu-byte secret", key_lens[k]);
		HMAC(EVP_sha256(), key, (int)key_lens[k], (const unsigned char *)"o.7.99999999999", 15,
		     md, &mdl);
		for (int i = 0; i < 8; i++)
			snprintf(h + 2 * i, 3, "%02x", md[i]);
		snprintf(exp, sizeof(exp), "r+o.7.99999999999.%s@b.example.org", h);
		TAP_STR(got, exp, "a %zu-byte secret signs as HMAC-SHA256 does", key_lens[k]);
	}

	struct mr_verp v;
	TAP_INT(mr_verp_parse(&c, buf, strlen(buf), &v), 0, "parse back");
	TAP_INT(v.action, 'b', "action letter");
	TAP_INT(v.job_id, 12, "job id");
	TAP_INT(v.queue_id, 345, "queue id");
	TAP_STR(v.hash, hex, "hash");

	/* With angle brackets, as in a Return-Path header. */
	char br[300];
	snprintf(br, sizeof(br), "<%s>", buf);
	TAP_INT(mr_verp_parse(&c, br, strlen(br), &v), 0, "parse <address>");

	/* Every other action letter, and a hash that differs per letter. */
	const char letters[] = { MR_VERP_REPLY, MR_VERP_UNSUBSCRIBE, MR_VERP_OPTOUT, MR_VERP_RESUBSCRIBE };
	for (size_t i = 0; i < sizeof(letters); i++) {
		char a[256];
		TAP_INT(mr_verp_build(&c, letters[i], 12, 345, a, sizeof(a), &err), 0, "build action %c", letters[i]);
		TAP_INT(mr_verp_parse(&c, a, strlen(a), &v), 0, "parse action %c", letters[i]);
		TAP_INT(v.action, letters[i], "action %c back", letters[i]);
		TAP_OK(strcmp(v.hash, hex) != 0, "action %c signs differently from b", letters[i]);
		/* the letter swapped for b with the same hash is forged */
		a[strlen("return+")] = 'b';
		TAP_INT(mr_verp_parse(&c, a, strlen(a), &v), MR_EPERMANENT, "letter %c changed to b fails", letters[i]);
	}

	/* Every single changed character of the signed part fails or is not ours. */
	size_t lp = strlen("return+"), at = strchr(buf, '@') - buf;
	int all_fail = 1;
	for (size_t i = lp; i < at; i++) {
		char m[256];
		strcpy(m, buf);
		const char *repl = "0123456789abcdefxb";
		for (const char *r = repl; *r; r++) {
			if (*r == m[i])
				continue;
			m[i] = *r;
			if (mr_verp_parse(&c, m, strlen(m), &v) == 0) {
				all_fail = 0;
				printf("# accepted altered %s\n", m);
			}
			m[i] = buf[i];
		}
	}
	TAP_OK(all_fail, "every altered character between local part and @ is refused");

	/* Hex compares case-insensitively: a genuine hash in upper case is good
	 * (some relays upper-case local parts), and comes back lower case. */
	char up[256], want_hash[MR_VERP_HASH_LEN + 1];
	strcpy(up, buf);
	memcpy(want_hash, buf + at - MR_VERP_HASH_LEN, MR_VERP_HASH_LEN);
	want_hash[MR_VERP_HASH_LEN] = 0;
	for (size_t i = at - MR_VERP_HASH_LEN; i < at; i++)
		if (up[i] >= 'a' && up[i] <= 'f')
			up[i] = (char)(up[i] - 32);
	TAP_INT(mr_verp_parse(&c, up, strlen(up), &v), 0, "upper-case hash of a genuine address: good");
	TAP_STR(v.hash, want_hash, "... its hash back in lower case");
	/* an upper-case hash that was also altered is still forged */
	up[at - 1] = up[at - 1] == '0' ? '1' : '0';
	TAP_INT(mr_verp_parse(&c, up, strlen(up), &v), MR_EPERMANENT, "altered upper-case hash: forged");

	/* A different secret fails; no secret parses without checking. */
	struct mr_verp_conf c2 = c;
	c2.secret = (const unsigned char *)"other";
	c2.secret_len = 5;
	TAP_INT(mr_verp_parse(&c2, buf, strlen(buf), &v), MR_EPERMANENT, "other secret: forged");
	c2.secret = NULL;
	c2.secret_len = 0;
	TAP_INT(mr_verp_parse(&c2, buf, strlen(buf), &v), 0, "no secret: parsed, unchecked");
	TAP_INT(mr_verp_build(&c2, 'b', 1, 2, buf, sizeof(buf), &err), MR_EINPUT, "no secret: build refused");

	/* Not ours: another domain or local part; no address at all. */
	const char *notours[] = {
		"return+b.12.345.0123456789abcdef@other.example.org",
		"bounce+b.12.345.0123456789abcdef@bounce.example.org",
		"return@bounce.example.org",
		"no-at-sign",
		"",
	};
	for (size_t i = 0; i < sizeof(notours) / sizeof(notours[0]); i++)
		TAP_INT(mr_verp_parse(&c, notours[i], strlen(notours[i]), &v), MR_ENOTFOUND, "not ours: \"%s\"",
			notours[i]);
	/* Ours (our local part at our domain) but damaged: each kind of damage is
	 * forged (MR_EPERMANENT), never "not ours", so that no caller falls back
	 * to another address or to matching by address. */
	static const struct {
		const char *addr, *damage;
	} damaged[] = {
		{ "return+x.12.345.0123456789abcdef@bounce.example.org", "unknown action letter" },
		{ "return+b12.345.0123456789abcdef@bounce.example.org", "no separator after the action" },
		{ "return+b.12.0123456789abcdef@bounce.example.org", "queue id missing" },
		{ "return+b.1a.345.0123456789abcdef@bounce.example.org", "non-digit in the job id" },
		{ "return+b..345.0123456789abcdef@bounce.example.org", "empty job id" },
		{ "return+b.12345678901234567890.345.0123456789abcdef@bounce.example.org", "id of 20 digits" },
		{ "return+b.9223372036854775808.345.0123456789abcdef@bounce.example.org", "id over INT64_MAX" },
		{ "return+b.12.99999999999999999999999.0123456789abcdef@bounce.example.org", "queue id far over INT64_MAX" },
		{ "return+b.0.345.0123456789abcdef@bounce.example.org", "job id 0" },
		{ "return+b.012.345.0123456789abcdef@bounce.example.org", "leading zero in the job id" },
		{ "return+b.12.-345.0123456789abcdef@bounce.example.org", "negative queue id" },
		{ "return+b.12.+345.0123456789abcdef@bounce.example.org", "signed queue id" },
		{ "return+b.12.345.0123456789abcde@bounce.example.org", "hash truncated by one" },
		{ "return+b.12.345.01234567@bounce.example.org", "hash truncated by half" },
		{ "return+b.12.345.@bounce.example.org", "hash missing" },
		{ "return+b.12.345.0123456789abcdef0@bounce.example.org", "hash too long" },
		{ "return+b.12.345.0123456789abcdeg@bounce.example.org", "non-hex hash" },
		{ "return+b.12.345.0123456789abcd\xc3\xa9@bounce.example.org", "8-bit byte in the hash" },
		{ "return+b.12.345.0123456789abcdef@bounce.example.org", "well-formed, wrong hash" },
		{ "return+@bounce.example.org", "nothing after the local part" },
		{ "<RETURN+b.12.345.0123456789abcdef@BOUNCE.EXAMPLE.ORG>", "case of local part and domain changed, wrong hash" },
	};
	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++)
		TAP_INT(mr_verp_parse(&c, damaged[i].addr, strlen(damaged[i].addr), &v), MR_EPERMANENT,
			"damaged (%s): forged", damaged[i].damage);
	/* the same damage without a secret: still not a usable address */
	struct mr_verp_conf cns = c;
	cns.secret = NULL;
	cns.secret_len = 0;
	TAP_INT(mr_verp_parse(&cns, damaged[6].addr, strlen(damaged[6].addr), &v), MR_EPERMANENT,
		"no secret: a truncated hash is still damaged");

	/* A configurable separator: '-' and '='. */
	struct mr_verp_conf cd = conf('-');
	TAP_INT(mr_verp_build(&cd, 'u', 7, 8, buf, sizeof(buf), &err), 0, "build with '-'");
	TAP_OK(strncmp(buf, "return+u-7-8-", 13) == 0, "separator '-' used: %s", buf);
	TAP_INT(mr_verp_parse(&cd, buf, strlen(buf), &v), 0, "parse with '-'");
	TAP_INT(mr_verp_parse(&c, buf, strlen(buf), &v), MR_EPERMANENT,
		"an address of ours with another separator than the configured one is damaged");
	struct mr_verp_conf ce = conf('=');
	TAP_INT(mr_verp_build(&ce, 'o', 9007199254740993LL, 1, buf, sizeof(buf), &err), 0, "build with '=' and a large id");
	TAP_INT(mr_verp_parse(&ce, buf, strlen(buf), &v), 0, "parse large id");
	TAP_INT(v.job_id, 9007199254740993LL, "large job id back");
	struct mr_verp_conf cbad = conf('a');
	TAP_INT(mr_verp_build(&cbad, 'b', 1, 2, buf, sizeof(buf), &err), MR_EINPUT, "alphanumeric separator refused");
	TAP_INT(mr_verp_build(&c, 'z', 1, 2, buf, sizeof(buf), &err), MR_EINPUT, "unknown action refused");
	TAP_INT(mr_verp_build(&c, 'b', -1, 2, buf, sizeof(buf), &err), MR_EINPUT, "negative id refused");
	TAP_INT(mr_verp_build(&c, 'b', 0, 2, buf, sizeof(buf), &err), MR_EINPUT, "job id 0 refused");
	TAP_INT(mr_verp_build(&c, 'b', 1, 0, buf, sizeof(buf), &err), MR_EINPUT, "queue id 0 refused");
	/* both 0: a test message's address, which parses back and names no row */
	TAP_INT(mr_verp_build(&c, 'u', 0, 0, buf, sizeof(buf), &err), 0, "ids 0 and 0 (a test message) built");
	TAP_OK(strncmp(buf, "return+u.0.0.", 13) == 0, "as u.0.0: %s", buf);
	TAP_INT(mr_verp_parse(&c, buf, strlen(buf), &v), 0, "and parsed back");
	TAP_OK(v.job_id == 0 && v.queue_id == 0 && v.action == 'u', "with ids 0 and 0");
	buf[13] = buf[13] == 'a' ? 'b' : 'a';
	TAP_INT(mr_verp_parse(&c, buf, strlen(buf), &v), MR_EPERMANENT, "a test address's hash is checked too");
	TAP_INT(mr_verp_build(&c, 'b', INT64_MIN, 2, buf, sizeof(buf), &err), MR_EINPUT, "INT64_MIN refused");

	/* Build and parse agree for every positive int64 id: each number of
	 * digits from 1 to 19 (the fuzz finding was a 19-digit queue id, which
	 * parse refused as too long), its edges, and INT64_MAX. */
	static const int64_t edge[] = { 1, 9, 10, 99, 100, 999999999999999999LL,
					1000000000000000000LL, 3329624893933355008LL, INT64_MAX - 1,
					INT64_MAX };
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (int which = 0; which < 2; which++) {
			int64_t job = which ? 25970 : edge[i], queue = which ? edge[i] : 25970;
			int ok = mr_verp_build(&c, 'b', job, queue, buf, sizeof(buf), &err) == 0 &&
				 mr_verp_parse(&c, buf, strlen(buf), &v) == 0 && v.job_id == job &&
				 v.queue_id == queue;
			TAP_OK(ok, "%s id %lld: built and parsed back (%s)", which ? "queue" : "job",
			       (long long)edge[i], buf);
		}
	int64_t p10 = 1;
	for (int digits = 1; digits <= 19; digits++) {
		int64_t lo = p10, hi = digits == 19 ? INT64_MAX : p10 * 10 - 1;
		int ok = 1;
		for (int k = 0; k < 4; k++) { /* lo and hi, as the job id and as the queue id */
			int64_t id = k % 2 ? hi : lo;
			int64_t job = k < 2 ? id : 345, queue = k < 2 ? 345 : id;
			ok = ok && mr_verp_build(&c, 'u', job, queue, buf, sizeof(buf), &err) == 0 &&
			     mr_verp_parse(&c, buf, strlen(buf), &v) == 0 && v.job_id == job &&
			     v.queue_id == queue;
		}
		TAP_OK(ok, "ids of %d digits (%lld and %lld) round-trip", digits, (long long)lo, (long long)hi);
		if (digits < 19)
			p10 *= 10;
	}
	/* two 19-digit ids make a local part over 64 bytes: build refuses it
	 * rather than write an address that is not one */
	TAP_INT(mr_verp_build(&c, 'b', INT64_MAX, INT64_MAX, buf, sizeof(buf), &err), MR_EINPUT,
		"two 19-digit ids: local part too long, refused");
	/* the fuzz reproducer (fuzz/corpus/verp/roundtrip-19-digits): job 25970, queue 3329624893933355008 */
	TAP_INT(mr_verp_build(&c, 'b', 25970, 3329624893933355008LL, buf, sizeof(buf), &err), 0,
		"build the reproducer's ids");
	TAP_INT(mr_verp_parse(&c, buf, strlen(buf), &v), 0, "the reproducer's address parses back");
	TAP_OK(v.job_id == 25970 && v.queue_id == 3329624893933355008LL, "the reproducer's ids back");
	TAP_INT(mr_verp_build(&c, 'b', 1, 2, buf, 20, &err), MR_ENOMEM, "too small buffer refused");
	return tap_done();
}
