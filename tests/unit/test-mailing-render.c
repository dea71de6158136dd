/* SPDX-License-Identifier: MIT */
/* Unit test of mailing rendering: token templates, the MIME writer byte by byte (RFC 2047, QP, structure, VERP, List-Unsubscribe), and DKIM signatures checked by dkimpy. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include "mr.h"
#include <mailroom/mail.h>
#include "tap.h"

static char tmpdir[256];

static char *render_tpl(const char *src, const struct mr_token_values *v, int html)
{
	struct mr_tpl *t = NULL;
	struct mr_error err = { 0 };
	if (mr_tpl_compile(src, "test", &t, &err) != 0)
		return strdup(err.msg);
	struct mr_buf b = { 0 };
	mr_tpl_render(t, v, html, &b);
	mr_tpl_free(t);
	return b.p ? b.p : strdup("");
}

static void test_tokens(void)
{
	struct mr_token_values v = { .first_name = "Zoë", .last_name = "O'Brien <&>",
				     .email = "z@example.org", .domain = "example.org",
				     .unsubscribe_url = "https://u.example/x?a=1&b=2" };
	static const struct { const char *src, *want_text, *want_html; } cases[] = {
		{ "Hi {contact.first_name}!", "Hi Zoë!", "Hi Zoë!" },
		{ "{contact.last_name}", "O'Brien <&>", "O&#39;Brien &lt;&amp;&gt;" },
		{ "{contact.display_name|friend}", "friend", "friend" },
		{ "{contact.display_name|dear \"you\"}", "dear \"you\"", "dear &quot;you&quot;" },
		{ "{contact.first_name|friend}", "Zoë", "Zoë" },
		{ "{contact.display_name}", "", "" },
		{ "a{domain.name}b", "aexample.orgb", "aexample.orgb" },
		{ "<a href=\"{action.unsubscribeUrl}\">", "<a href=\"https://u.example/x?a=1&b=2\">",
		  "<a href=\"https://u.example/x?a=1&amp;b=2\">" },
		{ "p { color: red } {x.y} {contact.first_name", "p { color: red } {x.y} {contact.first_name",
		  "p { color: red } {x.y} {contact.first_name" },
		{ "", "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = render_tpl(cases[i].src, &v, 0), *h = render_tpl(cases[i].src, &v, 1);
		TAP_STR(t, cases[i].want_text, "text: %s", cases[i].src);
		TAP_STR(h, cases[i].want_html, "html: %s", cases[i].src);
		free(t);
		free(h);
	}
	struct mr_tpl *t = NULL;
	struct mr_error err = { 0 };
	int rc = mr_tpl_compile("line one\nHello {contact.nickname|x}", "the text body", &t, &err);
	TAP_INT(rc, MR_EINPUT, "an unknown token is an error at compile time");
	TAP_STR(err.msg, "the text body: unknown token {contact.nickname} at line 2, column 7",
		"the error names the token, line and column");
	rc = mr_tpl_compile("{contact.first_name} {contact.email} {contact.first_name|x}", "t", &t,
			    &err);
	TAP_OK(rc == 0 && mr_tpl_tokens(t) == 3, "three tokens compiled once");
	mr_tpl_free(t);

	/* custom fields: known only when listed, values from "NAME\x1fVALUE\x1e..." */
	static const char *const fields[] = { "age", "city", "preferred_language" };
	static const struct { const char *src, *values, *want; } custom[] = {
		{ "{contact.age} in {contact.city}", "age\x1f" "41\x1e" "city\x1fK<oln", "41 in K&lt;oln" },
		{ "{contact.city|nowhere}", "age\x1f" "41", "nowhere" },
		{ "{contact.city|nowhere}", "city\x1f", "nowhere" },
		{ "{contact.preferred_language|en}", "", "en" },
		{ "[{contact.age}]", NULL, "[]" },
		{ "{contact.age}", "ag\x1fno\x1e" "age\x1f" "7", "7" },
	};
	for (size_t i = 0; i < sizeof(custom) / sizeof(custom[0]); i++) {
		struct mr_token_values cv = { .fields = custom[i].values };
		t = NULL;
		rc = mr_tpl_compile_fields(custom[i].src, "t", fields, 3, &t, &err);
		struct mr_buf b = { 0 };
		if (rc == 0)
			mr_tpl_render(t, &cv, 1, &b);
		TAP_STR(rc ? err.msg : b.p ? b.p : "", custom[i].want, "custom field: %s",
			custom[i].src);
		free(b.p);
		mr_tpl_free(t);
	}
	rc = mr_tpl_compile_fields("{contact.agee}", "the subject", fields, 3, &t, &err);
	TAP_INT(rc, MR_EINPUT, "a custom field not listed is still an unknown token");
	rc = mr_tpl_compile("{contact.age}", "the subject", &t, &err);
	TAP_INT(rc, MR_EINPUT, "mr_tpl_compile knows no custom field");
}

static const char secret[] = "unit-test-site-secret";

static struct mr_render_conf base_conf(void)
{
	struct mr_render_conf c = {
		.from_email = "news@example.org", .from_name = "Example News",
		.domain = "example.org",
		.verp = { .localpart = "return+", .domain = "bounce.example.org", .sep = '.',
			  .secret = (const unsigned char *)secret, .secret_len = sizeof(secret) - 1 },
		.unsubscribe_url = "https://example.org/unsubscribe",
	};
	return c;
}

static const char *find(const char *hay, size_t n, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; i + nl <= n; i++)
		if (memcmp(hay + i, needle, nl) == 0)
			return hay + i;
	return NULL;
}

static int has(const struct mr_rendered_msg *m, const char *needle)
{
	return find(m->data, m->len, needle) != NULL;
}

/* Every line ends in CRLF, no bare CR or LF, none longer than 998. */
static int lines_ok(const char *d, size_t n, size_t *longest_r)
{
	size_t col = 0, longest = 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i] == '\r') {
			if (i + 1 >= n || d[i + 1] != '\n')
				return 0;
			if (col > longest)
				longest = col;
			col = 0;
			i++;
			continue;
		}
		if (d[i] == '\n')
			return 0;
		col++;
	}
	*longest_r = longest;
	return col == 0;
}

static struct mr_rendered_msg render_one(struct mr_render_conf *conf, const struct mr_mailing *m,
					 const struct mr_recipient *r)
{
	struct mr_renderer *rd = NULL;
	struct mr_error err = { 0 };
	struct mr_rendered_msg out = { 0 };
	if (mr_renderer_new(conf, 0, m, &rd, &err) != 0) {
		printf("# renderer_new: %s\n", err.msg);
		return out;
	}
	if (mr_render(rd, r, 1764460800, &out, &err) != 0)
		printf("# render: %s\n", err.msg);
	mr_renderer_free(rd);
	return out;
}

static void test_message(void)
{
	struct mr_render_conf conf = base_conf();
	static const unsigned char att_data[] = "PDF\x00\xff binary";
	struct mr_attachment att = { "dir/report \"q\".pdf", "application/pdf", att_data,
				     sizeof(att_data) - 1 };
	struct mr_mailing m = {
		.id = 7, .name = "Spring", .subject = "Grüße, {contact.first_name}!",
		.body_text = "Hello {contact.first_name|friend},\nunsubscribe: {action.unsubscribeUrl}\n"
			     "From here on = equals\n",
		.body_html = "<p>Hello {contact.first_name|friend} &amp; {contact.last_name}</p>",
		.attachments = &att, .n_attachments = 1,
	};
	struct mr_recipient r = { .queue_id = 12345, .job_id = 77, .mailing_id = 7,
				  .email = "zoe@example.net", .first_name = "Zoë",
				  .last_name = "<O'Brien>", .display_name = "" };
	struct mr_rendered_msg out = render_one(&conf, &m, &r);
	TAP_OK(out.len > 0, "a message is rendered (%zu bytes)", out.len);
	size_t longest = 0;
	TAP_OK(lines_ok(out.data, out.len, &longest) && longest <= 998,
	       "CRLF line endings only, longest line %zu", longest);
	TAP_OK(has(&out, "From: \"Example News\" <news@example.org>\r\n"), "From");
	TAP_OK(has(&out, "\r\nTo: =?UTF-8?B?Wm/DqyA8TydCcmllbj4=?= <zoe@example.net>\r\n"),
	       "To carries the contact's name, RFC 2047 encoded");
	TAP_OK(has(&out, "\r\nSubject: =?UTF-8?B?R3LDvMOfZSwgWm/DqyE=?=\r\n"),
	       "Subject: tokens expanded, then RFC 2047 B-encoded");
	TAP_OK(has(&out, "\r\nDate: Sun, 30 Nov 2025 00:00:00 +0000\r\n"), "Date in RFC 5322 form");
	TAP_OK(has(&out, "\r\nMessage-ID: <mr.77.12345.") && has(&out, "@example.org>\r\n"),
	       "Message-ID on the site's domain with job and queue id");
	TAP_OK(has(&out, "\r\nMIME-Version: 1.0\r\n"), "MIME-Version");
	TAP_OK(has(&out, "\r\nContent-Type: multipart/mixed; boundary=\"=_mr_mix_"),
	       "multipart/mixed with an attachment");
	TAP_OK(has(&out, "Content-Type: multipart/alternative; boundary=\"=_mr_alt_"),
	       "multipart/alternative inside");
	TAP_OK(has(&out, "Content-Type: text/plain; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\nHello Zo=C3=AB,\r\n"),
	       "the text part: quoted-printable UTF-8 with the token expanded");
	TAP_OK(has(&out, "=46rom here on =3D equals\r\n"), "QP escapes '=' and a line-start From");
	TAP_OK(has(&out, "<p>Hello Zo=C3=AB &amp; &lt;O&#39;Brien&gt;</p>"),
	       "the HTML part escapes the values");
	TAP_OK(has(&out, "Content-Type: application/pdf; name=\"report _q_.pdf\"\r\n"
		   "Content-Disposition: attachment; filename=\"report _q_.pdf\"\r\n"
		   "Content-Transfer-Encoding: base64\r\n\r\nUERGAP8gYmluYXJ5\r\n"),
	       "the attachment: a safe name, base64");
	char want_ef[128];
	snprintf(want_ef, sizeof(want_ef), "return+b.77.12345.");
	TAP_OK(strncmp(out.envelope_from, want_ef, strlen(want_ef)) == 0 &&
	       strstr(out.envelope_from, "@bounce.example.org"), "envelope sender %s is VERP",
	       out.envelope_from);
	struct mr_verp v = { 0 };
	int rc = mr_verp_parse(&conf.verp, out.envelope_from, strlen(out.envelope_from), &v);
	TAP_OK(rc == 0 && v.action == 'b' && v.job_id == 77 && v.queue_id == 12345,
	       "the VERP address parses back to job 77, queue 12345");
	char forged[320];
	snprintf(forged, sizeof(forged), "%s", out.envelope_from);
	char *h = strrchr(forged, '@') - 1;
	*h = *h == '0' ? '1' : '0';
	TAP_INT(mr_verp_parse(&conf.verp, forged, strlen(forged), &v), MR_EPERMANENT,
		"one changed character of the hash fails the check");
	char *q = strstr(forged, ".12345.");
	q[3] = '9';
	*h = out.envelope_from[h - forged];
	TAP_INT(mr_verp_parse(&conf.verp, forged, strlen(forged), &v), MR_EPERMANENT,
		"a changed queue id fails the check");
	char want[400];
	snprintf(want, sizeof(want), "\r\nX-Mailroom-Id: <%s>\r\n", out.envelope_from);
	TAP_OK(has(&out, want), "X-Mailroom-Id carries the same VERP address");
	const char *lu = find(out.data, out.len, "\r\nList-Unsubscribe: <mailto:return+u.77.12345.");
	TAP_OK(lu != NULL, "List-Unsubscribe with the VERP unsubscribe mailto");
	TAP_OK(has(&out, "@bounce.example.org>,\r\n <https://example.org/unsubscribe?mr=u.77.12345."),
	       "... and the https URL");
	TAP_OK(has(&out, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
	       "List-Unsubscribe-Post one-click");
	TAP_OK(has(&out, "unsubscribe: https://example.org/unsubscribe?mr=3Du.77.12345."),
	       "{action.unsubscribeUrl} in the body is the same URL");
	/* header injection: a name with CR LF stays on one line */
	r.display_name = "Evil\r\nBcc: victim@example.com";
	struct mr_rendered_msg out2 = render_one(&conf, &m, &r);
	TAP_OK(!has(&out2, "\r\nBcc:") && has(&out2, "To: \"Evil  Bcc: victim@example.com\" <"),
	       "CR/LF in a name cannot add a header");
	free(out2.data);
	/* without an https URL: mailto only, no one-click header; text only */
	conf.unsubscribe_url = NULL;
	m.body_html = NULL;
	m.n_attachments = 0;
	m.subject = "Plain {contact.email}";
	r.display_name = "";
	struct mr_rendered_msg out3 = render_one(&conf, &m, &r);
	TAP_OK(has(&out3, "\r\nSubject: Plain zoe@example.net\r\n"), "an ASCII subject as is");
	TAP_OK(has(&out3, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n"), "a single text/plain part");
	TAP_OK(!has(&out3, "List-Unsubscribe-Post"), "no one-click header without an https URL");
	TAP_OK(has(&out3, "\r\nList-Unsubscribe: <mailto:return+u.77.12345."), "mailto only");
	free(out3.data);
	/* a long 8-bit line is wrapped by QP soft breaks */
	char *longtext = malloc(5000);
	for (int i = 0; i < 4999; i++)
		longtext[i] = i % 7 == 0 ? ' ' : (i % 11 == 0 ? '\xc3' : 'x');
	longtext[4999] = '\0';
	m.body_text = longtext;
	struct mr_rendered_msg out4 = render_one(&conf, &m, &r);
	TAP_OK(lines_ok(out4.data, out4.len, &longest) && longest <= 76 + 300,
	       "a 5000-byte line is folded (longest line %zu)", longest);
	free(out4.data);
	free(longtext);
	free(out.data);
}

/* The action URLs that cost a signature each (opt-out, resubscribe, view) are
 * made only for templates that name them, and are then valid signed ids. */
static void test_action_urls(void)
{
	struct mr_tpl *t = NULL;
	struct mr_error err = { 0 };
	TAP_INT(mr_tpl_compile("a {action.optOutUrl} b {contact.email}", "t", &t, &err), 0,
		"a template with {action.optOutUrl} compiles");
	TAP_OK(mr_tpl_uses(t, "action.optOutUrl") && mr_tpl_uses(t, "contact.email") &&
	       !mr_tpl_uses(t, "action.viewUrl") && !mr_tpl_uses(t, "no.such") &&
	       !mr_tpl_uses(NULL, "action.optOutUrl"), "mr_tpl_uses names the tokens it has");
	mr_tpl_free(t);
	struct mr_render_conf conf = base_conf();
	conf.base_url = "https://example.org";
	struct mr_mailing m = {
		.id = 7, .name = "Spring", .subject = "News",
		.body_text = "out {action.optOutUrl}\nback {action.resubscribeUrl}\n"
			     "view {action.viewUrl}\n",
	};
	struct mr_recipient r = { .queue_id = 4242, .job_id = 77, .mailing_id = 7,
				  .email = "zoe@example.net" };
	struct mr_rendered_msg out = render_one(&conf, &m, &r);
	static const char *const want[] = { "out https://example.org/unsubscribe?mr=3Do.77.4242.",
					    "back https://example.org/unsubscribe?mr=3De.77.4242.",
					    "view https://example.org/v?mr=3Dv" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		TAP_OK(has(&out, want[i]), "a template that names it gets %.30s...", want[i]);
	/* the opt-out address in the URL is one of ours, signed for this row */
	const char *o = find(out.data, out.len, "mr=3Do.77.4242.");
	char addr[200] = "";
	if (o) {
		size_t n = 0;
		for (o += 5; n + 1 < sizeof(addr) && o[n] > ' ' && o[n] != '&' && o[n] != '='; n++)
			addr[n] = o[n];
		addr[n] = '\0';
	}
	struct mr_verp v = { 0 };
	char full[300];
	snprintf(full, sizeof(full), "return+%s@bounce.example.org", addr);
	TAP_OK(mr_verp_parse(&conf.verp, full, strlen(full), &v) == 0 && v.queue_id == 4242 &&
	       v.job_id == 77, "the opt-out URL carries a valid signed id (%s)", full);
	free(out.data);
	m.body_text = "plain {contact.email}\n";
	out = render_one(&conf, &m, &r);
	TAP_OK(out.data && has(&out, "plain zoe@example.net") && !has(&out, "mr=3Do.") &&
	       !has(&out, "mr=3De.") && !has(&out, "/v?mr") &&
	       has(&out, "List-Unsubscribe: <mailto:return+u.77.4242."),
	       "a template without them still has the unsubscribe header, and no other URL");
	free(out.data);
}

/* Writes the key record "v=DKIM1; k=...; p=..." of key to path. */
static int write_record(EVP_PKEY *key, int ed, const char *path)
{
	unsigned char der[4096], *p = der;
	size_t n = sizeof(der);
	if (ed) {
		if (EVP_PKEY_get_raw_public_key(key, der, &n) != 1)
			return -1;
	} else {
		int l = i2d_PUBKEY(key, &p);
		if (l <= 0)
			return -1;
		n = (size_t)l;
	}
	struct mr_buf b = { 0 };
	mr_buf_printf(&b, "v=DKIM1; k=%s; p=", ed ? "ed25519" : "rsa");
	mr_buf_add_b64(&b, der, n);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fwrite(b.p, 1, b.len, f);
	fclose(f);
	mr_buf_free(&b);
	return 0;
}

static int write_key(EVP_PKEY *key, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	chmod(path, 0600);
	return ok ? 0 : -1;
}

static int run_verify(const char *msg_path, const char *rec_path)
{
	char script[512];
	const char *src = getenv("MR_SRCDIR");
	snprintf(script, sizeof(script), "%s/tests/unit/dkim-verify.py", src ? src : ".");
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { "/usr/bin/python3", script, (char *)msg_path, (char *)rec_path, NULL };
		execv(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_dkim(int ed)
{
	const char *alg = ed ? "ed25519-sha256" : "rsa-sha256";
	EVP_PKEY *key = ed ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
			   : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (!TAP_OK(key != NULL, "%s: a key is generated", alg))
		return;
	char kpath[300], rpath[300], mpath[300];
	snprintf(kpath, sizeof(kpath), "%s/%s.key", tmpdir, alg);
	snprintf(rpath, sizeof(rpath), "%s/%s.txt", tmpdir, alg);
	TAP_OK(write_key(key, kpath) == 0 && write_record(key, ed, rpath) == 0,
	       "%s: key file and record written", alg);
	struct mr_error err = { 0 };
	struct mr_dkim_signer *s = NULL;
	int rc = mr_dkim_signer_new("mr2026", "example.org", kpath, alg, &s, &err);
	TAP_INT(rc, 0, "%s: signer loads the key (%s)", alg, rc ? err.msg : "ok");
	if (rc) {
		EVP_PKEY_free(key);
		return;
	}
	struct mr_dkim_signer *wrong = NULL;
	TAP_INT(mr_dkim_signer_new("mr2026", "example.org", kpath,
				   ed ? "rsa-sha256" : "ed25519-sha256", &wrong, &err), MR_ECONFIG,
		"%s: the key refused under the other algorithm", alg);
	chmod(kpath, 0644);
	TAP_INT(mr_dkim_signer_new("mr2026", "example.org", kpath, alg, &wrong, &err), MR_ECONFIG,
		"%s: a key file others can read is refused", alg);
	chmod(kpath, 0600);
	struct mr_render_conf conf = base_conf();
	conf.dkim = s;
	char *body_long = malloc(3000);
	memset(body_long, 'y', 2999);
	body_long[2999] = '\0';
	static const char *const bodies[] = {
		"Hello {contact.first_name}  \t \nwith trailing whitespace   \n\n\n\n",
		"8-bit: Grüße, Zoë, ñ, 日本語\n\tindented\nend",
		NULL, /* the long line */
		"",
	};
	for (int i = 0; i < 4; i++) {
		struct mr_mailing m = { .id = 1, .name = "d", .subject = "Grüße {contact.first_name}",
					.body_text = bodies[i] ? bodies[i] : body_long,
					.body_html = i == 1 ? "<p>Hi {contact.first_name}</p>  \n" : NULL };
		struct mr_recipient r = { .queue_id = 100 + i, .job_id = 5, .email = "a@example.net",
					  .first_name = "Zoë", .last_name = "X", .display_name = "" };
		struct mr_rendered_msg out = render_one(&conf, &m, &r);
		TAP_OK(out.len > 0 && strncmp(out.data, "DKIM-Signature: v=1; a=", 23) == 0,
		       "%s: message %d starts with its DKIM-Signature", alg, i);
		snprintf(mpath, sizeof(mpath), "%s/%s-%d.eml", tmpdir, alg, i);
		FILE *f = fopen(mpath, "wb");
		fwrite(out.data, 1, out.len, f);
		fclose(f);
		TAP_INT(run_verify(mpath, rpath), 0, "%s: dkimpy verifies message %d", alg, i);
		/* one changed body byte must fail */
		char *x = (char *)find(out.data, out.len, "\r\n\r\n");
		if (x && x + 6 < out.data + out.len) {
			x[5] = x[5] == 'Q' ? 'R' : 'Q';
			f = fopen(mpath, "wb");
			fwrite(out.data, 1, out.len, f);
			fclose(f);
			TAP_INT(run_verify(mpath, rpath), 1, "%s: a changed body byte fails dkimpy",
				alg);
		}
		free(out.data);
	}
	free(body_long);
	mr_dkim_signer_free(s);
	EVP_PKEY_free(key);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mr-render-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_tokens();
	test_message();
	test_action_urls();
	test_dkim(0);
	test_dkim(1);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "%s", tmpdir);
	/* leave no key files behind */
	for (int ed = 0; ed < 2; ed++) {
		const char *alg = ed ? "ed25519-sha256" : "rsa-sha256";
		char p[320];
		snprintf(p, sizeof(p), "%s/%s.key", tmpdir, alg);
		unlink(p);
		snprintf(p, sizeof(p), "%s/%s.txt", tmpdir, alg);
		unlink(p);
		for (int i = 0; i < 4; i++) {
			snprintf(p, sizeof(p), "%s/%s-%d.eml", tmpdir, alg, i);
			unlink(p);
		}
	}
	rmdir(cmd);
	return tap_done();
}
