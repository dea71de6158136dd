/* SPDX-License-Identifier: MIT */
/* Unit tests of the doctor's pure helpers: raw header fields, DKIM tag lists and keys, base64, organizational domains, reverse names. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "mr.h"
#include <mailroom/mail.h>
#include "doctor/doctor.h"

static void test_rawmsg(void)
{
	static const char msg[] = "From mbox-line Mon Jan  6 09:00:00 2025\n"
				  "Subject: one\n two\n"
				  "X-Empty:\n"
				  "DKIM-Signature: v=1; a=rsa-sha256;\n\tb=abc\n def\n"
				  "\n"
				  "body line\n";
	struct mr_rawmsg m;
	TAP_INT(mr_rawmsg_parse(msg, strlen(msg), &m), 0, "a LF message parses");
	TAP_INT(m.nh, 3, "three fields (the mbox From line is not one)");
	TAP_OK(mr_hfield_is(&m.h[0], "subject"), "field names compare case-insensitively");
	TAP_OK(m.h[0].raw_len == strlen("Subject: one\r\n two\r\n") &&
	       memcmp(m.h[0].raw, "Subject: one\r\n two\r\n", m.h[0].raw_len) == 0,
	       "the raw field keeps its folding, with CRLF");
	char *v = mr_hfield_value(&m.h[0]);
	TAP_STR(v, "one two", "the value is unfolded");
	free(v);
	v = mr_hfield_value(&m.h[1]);
	TAP_STR(v, "", "an empty value");
	free(v);
	v = mr_hfield_value(&m.h[2]);
	char *b = mr_dkim_tag(v, "b"), *a = mr_dkim_tag(v, "a"), *x = mr_dkim_tag(v, "x");
	TAP_STR(b, "abcdef", "a folded tag value loses its whitespace");
	TAP_STR(a, "rsa-sha256", "tag a");
	TAP_OK(x == NULL, "an absent tag is NULL");
	free(a);
	free(b);
	free(v);
	TAP_OK(m.body_len == strlen("body line\r\n") && memcmp(m.body, "body line\r\n", m.body_len) == 0,
	       "the body, CRLF");
	mr_rawmsg_free(&m);
	TAP_INT(mr_rawmsg_parse("no header here", 14, &m), MR_EINPUT, "text without fields is refused");
}

static void test_tags(void)
{
	static const struct { const char *list, *tag, *want; } cases[] = {
		{ "v=DKIM1; k=rsa; p=AB CD", "p", "ABCD" },
		{ "v=DKIM1;p=", "p", "" },
		{ "b=1; bh=2", "b", "1" },
		{ "bh=2; b=1", "b", "1" },
		{ " adkim = s ; p=none", "adkim", "s" },
		{ "v=DMARC1", "p", NULL },
		{ "garbage without equals", "p", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = mr_dkim_tag(cases[i].list, cases[i].tag);
		TAP_STR(got, cases[i].want, "tag %s of \"%s\"", cases[i].tag, cases[i].list);
		free(got);
	}
}

static void test_base64(void)
{
	unsigned char *out;
	size_t n;
	TAP_INT(mr_base64_decode("aGVs\r\n bG8=", 11, &out, &n), 0, "base64 with whitespace");
	TAP_OK(n == 5 && memcmp(out, "hello", 5) == 0, "decodes to hello");
	free(out);
	TAP_INT(mr_base64_decode("a*b", 3, &out, &n), -1, "a bad character is refused");
}

static void test_keys(void)
{
	struct mr_dkim_key k;
	TAP_INT(mr_dkim_key_parse("v=DKIM1; k=rsa; p=", &k), 0, "an empty p= parses");
	TAP_OK(k.revoked && !k.pkey, "and means revoked");
	TAP_INT(mr_dkim_key_parse("v=DKIM1; k=rsa; p=AAAA", &k), -1, "a p= that is no RSA key");
	TAP_STR(k.why, "p= is not an RSA public key", "says why");
	TAP_INT(mr_dkim_key_parse("v=DKIM1; k=ed25519; p=AAAA", &k), -1, "a short Ed25519 key");
	/* 32 zero bytes are a syntactically valid Ed25519 public key */
	TAP_INT(mr_dkim_key_parse("v=DKIM1; k=ed25519; t=y; p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
				  &k), 0, "a 32-byte Ed25519 key");
	TAP_OK(k.pkey && k.testing, "loaded, testing mode seen");
	mr_dkim_key_free(&k);
	TAP_INT(mr_dkim_key_parse("v=DKIM2; p=AAAA", &k), -1, "v=DKIM2 is refused");
	TAP_INT(mr_dkim_key_parse("v=DKIM1; k=dsa; p=AAAA", &k), -1, "an unknown k= is refused");
}

static void test_org_domain(void)
{
	static const struct { const char *d, *want; } cases[] = {
		{ "example.org", "example.org" },
		{ "bounces.Example.ORG", "example.org" },
		{ "a.b.example.org", "example.org" },
		{ "mail.example.co.uk", "example.co.uk" },
		{ "localhost", "localhost" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[256];
		mr_org_domain(cases[i].d, buf, sizeof(buf));
		TAP_STR(buf, cases[i].want, "organizational domain of %s", cases[i].d);
	}
}

static void test_reverse(void)
{
	char buf[128];
	TAP_INT(mr_dns_reverse_name("192.0.2.10", NULL, buf, sizeof(buf)), 0, "IPv4 reverse");
	TAP_STR(buf, "10.2.0.192.in-addr.arpa", "in-addr.arpa name");
	mr_dns_reverse_name("192.0.2.66", "zen.spamhaus.org", buf, sizeof(buf));
	TAP_STR(buf, "66.2.0.192.zen.spamhaus.org", "DNSBL name");
	TAP_INT(mr_dns_reverse_name("2001:db8::1", NULL, buf, sizeof(buf)), 0, "IPv6 reverse");
	TAP_STR(buf, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
		"ip6.arpa name");
	TAP_INT(mr_dns_reverse_name("not-an-ip", NULL, buf, sizeof(buf)), -1, "not an address");
}

static void test_resolver_config(void)
{
	struct mr_resolver *r = NULL;
	struct mr_error err = { 0 };
	TAP_INT(mr_resolver_new("127.0.0.1:5353", &r, &err), 0, "HOST:PORT resolver");
	TAP_STR(r ? mr_resolver_name(r) : NULL, "127.0.0.1:5353", "named by its address");
	mr_resolver_free(r);
	TAP_INT(mr_resolver_new("127.0.0.1:0", &r, &err), MR_ECONFIG, "port 0 is refused");
	TAP_INT(mr_resolver_new("dns.example", &r, &err), MR_ECONFIG, "a host name is refused");
	TAP_OK(strstr(err.msg, "not an IPv4 address") != NULL, "saying why: %s", err.msg);
}

int main(void)
{
	test_rawmsg();
	test_tags();
	test_base64();
	test_keys();
	test_org_domain();
	test_reverse();
	test_resolver_config();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
