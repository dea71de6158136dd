/* SPDX-License-Identifier: MIT */
/* Unit tests of plugins/common/oauth.c's pure parts: the JSON reader of token endpoint answers (hostile input included) and the SASL XOAUTH2 / OAUTHBEARER initial responses. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "../../plugins/common/oauth.h"

struct json_case {
	const char *json, *key, *want; /* want NULL: not found */
	size_t size;
};

static const struct json_case json_cases[] = {
	{ "{\"access_token\":\"abc\",\"expires_in\":3600}", "access_token", "abc", 64 },
	{ "{\"access_token\":\"abc\",\"expires_in\":3600}", "expires_in", "3600", 64 },
	{ " { \"a\" : { \"access_token\":\"inner\" } , \"access_token\" : \"outer\" } ",
	  "access_token", "outer", 64 },
	{ "{\"a\":[1,{\"b\":\"]\"},\"x\\\"y\"],\"k\":\"v\"}", "k", "v", 64 },
	{ "{\"e\":\"a\\u0041\\n\\\"\\\\\"}", "e", "aA\n\"\\", 64 },
	{ "{\"e\":\"\\u00e9\"}", "e", "?", 64 },
	{ "{\"k\":null}", "k", NULL, 64 },
	{ "{\"k\":true}", "k", "true", 64 },
	{ "{\"k\":\"toolong\"}", "k", NULL, 4 },
	{ "{\"k\":\"unterminated", "k", NULL, 64 },
	{ "{\"k\":\"ctl\001\"}", "k", NULL, 64 },
	{ "[\"k\",\"v\"]", "k", NULL, 64 },
	{ "", "k", NULL, 64 },
	{ "{\"k\":\"v\"", "other", NULL, 64 },
	{ "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"
	  "\"k\":\"v\"}", "k", NULL, 64 },
	{ "{\"error\":\"invalid_grant\",\"error_description\":\"revoked\"}", "error",
	  "invalid_grant", 64 },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		const struct json_case *c = &json_cases[i];
		char out[64] = "";
		int found = mr_oauth_json_get(c->json, c->key, out, c->size);
		if (c->want) {
			TAP_INT(found, 1, "json case %zu: %s found", i, c->key);
			TAP_STR(out, c->want, "json case %zu: value", i);
		} else {
			TAP_INT(found, 0, "json case %zu: %s not taken", i, c->key);
		}
	}

	char *x = mr_oauth_sasl_xoauth2("u@example.org", "tok");
	TAP_STR(x, "user=u@example.org\001auth=Bearer tok\001\001", "XOAUTH2 initial response");
	free(x);
	char *b = mr_oauth_sasl_oauthbearer("a,b=c", "imap.example.org", 993, "tok");
	const char *want_b = "n,a=a=2Cb=3Dc,\001host=imap.example.org\001port=993\001auth=Bearer "
			     "tok\001\001";
	TAP_STR(b, want_b, "OAUTHBEARER initial response, authzid escaped (RFC 5801)");
	free(b);

	static const struct { const char *in, *out; } b64[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foobar", "Zm9vYmFy" }, { "\001\001", "AQE=" },
	};
	for (size_t i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		char *s = mr_oauth_b64((const unsigned char *)b64[i].in, strlen(b64[i].in));
		TAP_STR(s, b64[i].out, "base64 of '%s'", b64[i].in);
		free(s);
	}
	return tap_done();
}
