/* SPDX-License-Identifier: MIT */
/* Unit tests of config.c: value parsers, line numbers, unknown keys with suggestions, types, required keys, secrets, typed config structs. */
#include "config.h"
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "mr.h"
#include <mailroom/mail.h>

struct test_conf {
	const char *host;
	long long port;
	const char *tls;
	int verify_peer;
	long long timeout;
};

static const struct mr_key test_keys[] = {
	{ .name = "host", .type = MR_KEY_STRING, .def = "localhost", .flags = MR_KEYF_REQUIRED,
	  .help = "server", MR_KEY_FIELD(struct test_conf, host) },
	{ .name = "port", .type = MR_KEY_INT, .def = "25", .min = 1, .max = 65535, .help = "port",
	  MR_KEY_FIELD(struct test_conf, port) },
	{ .name = "tls", .type = MR_KEY_ENUM, .def = "starttls", .choices = "starttls|implicit|none",
	  .help = "tls", MR_KEY_FIELD(struct test_conf, tls) },
	{ .name = "verify_peer", .type = MR_KEY_BOOL, .def = "yes", .help = "verify",
	  MR_KEY_FIELD(struct test_conf, verify_peer) },
	{ .name = "timeout", .type = MR_KEY_DURATION, .def = "30s", .help = "timeout",
	  MR_KEY_FIELD(struct test_conf, timeout) },
	{ .name = "password", .type = MR_KEY_SECRET, .help = "password" },
	{ 0 }
};

static char *write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static int has_diag(const struct mr_diags *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->items[i], needle))
			return 1;
	return 0;
}

static void test_parsers(void)
{
	static const struct { const char *in; int ok; long long want; } durations[] = {
		{ "30", 1, 30 }, { "30s", 1, 30 }, { "5m", 1, 300 }, { "2h", 1, 7200 },
		{ "1d", 1, 86400 }, { "1w", 1, 604800 }, { "5x", 0, 0 }, { "", 0, 0 }, { "-1", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		long long v = 0;
		int rc = mr_parse_duration(durations[i].in, &v);
		TAP_OK((rc == 0) == durations[i].ok && (!durations[i].ok || v == durations[i].want),
		       "duration '%s' -> %s %lld", durations[i].in, durations[i].ok ? "ok" : "error",
		       durations[i].want);
	}
	static const struct { const char *in; int rc; int want; } bools[] = {
		{ "yes", 0, 1 }, { "On", 0, 1 }, { "1", 0, 1 }, { "no", 0, 0 }, { "false", 0, 0 },
		{ "maybe", MR_EINPUT, 0 },
	};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		int v = -1;
		int rc = mr_parse_bool(bools[i].in, &v);
		TAP_OK(rc == bools[i].rc && (rc || v == bools[i].want), "bool '%s'", bools[i].in);
	}
	TAP_INT(mr_edit_distance("prot", "port"), 2, "edit distance prot/port");
	TAP_INT(mr_edit_distance("hots", "host"), 2, "edit distance hots/host");
	TAP_INT(mr_edit_distance("same", "same"), 0, "edit distance of equal words");
	static const struct { const char *addr; int valid; } addrs[] = {
		{ "a@example.org", 1 }, { "a.b+c@sub.example.org", 1 }, { "nodomain", 0 },
		{ "a@", 0 }, { "@b", 0 }, { "a b@c", 0 }, { "a@b@c", 0 }, { "a@b\r\nBcc: x", 0 },
		{ "a@.b", 0 }, { "a@b..c", 0 },
	};
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		TAP_INT(mr_addr_valid(addrs[i].addr), addrs[i].valid, "address '%s' valid=%d",
			addrs[i].addr, addrs[i].valid);
}

static void test_file(const char *dir)
{
	char *secret_ok = write_file(dir, "pw-ok", "s3cret\n", 0600);
	char *secret_bad = write_file(dir, "pw-bad", "s3cret\n", 0644);
	char text[2048];
	snprintf(text, sizeof(text),
		 "; a comment\n"
		 "[transport-test]\n"
		 "host = mail.example.org\n"
		 "prot = 25\n"                  /* line 4: unknown, did you mean port */
		 "tls = sometimes\n"            /* line 5: bad enum */
		 "verify_peer = perhaps\n"      /* line 6: bad bool */
		 "password_file = %s\n"         /* line 7: ok */
		 "\n"
		 "[transport-other]\n"          /* line 9 */
		 "password = inline\n"          /* line 10: inline secret */
		 "password_file = %s\n",        /* line 11: readable by others */
		 secret_ok, secret_bad);
	char *path = write_file(dir, "test.ini", text, 0644);
	struct mr_config *cfg;
	struct mr_error err;
	TAP_INT(mr_config_load(path, &cfg, &err), 0, "config loads");
	struct mr_section *a = mr_config_section(cfg, "transport-test");
	struct mr_section *b = mr_config_section(cfg, "transport-other");
	TAP_OK(a && b && mr_config_section(cfg, "mailroom"), "sections found (and [mailroom] implied)");
	a->keys[1] = test_keys;
	b->keys[1] = test_keys;
	TAP_INT(mr_config_line(cfg, "transport-test", "prot"), 4, "line of a key");
	TAP_INT(a->line, 2, "line of a section");
	struct mr_diags d = { 0 };
	mr_config_check_section(a, &d);
	char want[512];
	snprintf(want, sizeof(want), "%s:4: [transport-test] unknown key 'prot' (did you mean 'port'?)", path);
	TAP_OK(has_diag(&d, want), "unknown key named with file, line and nearest key");
	TAP_OK(has_diag(&d, ":5: [transport-test] tls = sometimes: must be one of starttls|implicit|none"),
	       "bad enum value named");
	TAP_OK(has_diag(&d, ":6: [transport-test] verify_peer = perhaps: is not a boolean"),
	       "bad boolean named");
	TAP_INT(d.n, 3, "exactly three problems in the first section");
	mr_diags_free(&d);
	mr_config_check_section(b, &d);
	TAP_OK(has_diag(&d, ":10: [transport-other] password: secrets are not accepted inline"),
	       "inline secret refused");
	TAP_OK(has_diag(&d, "can be read by group or others (mode 644)"), "readable secret file refused");
	TAP_OK(has_diag(&d, ":9: [transport-other] required key 'host' is missing"),
	       "missing required key named with the section's line");
	mr_diags_free(&d);
	TAP_STR(mr_cfg_str(a, "host"), "mail.example.org", "value from the file");
	TAP_STR(mr_cfg_str(a, "timeout"), "30s", "declared default");
	TAP_INT(mr_cfg_duration(a, "timeout"), 30, "duration getter");
	TAP_INT(mr_cfg_int(b, "port"), 25, "int getter with default");
	char *secret = NULL;
	TAP_INT(mr_cfg_secret(a, "password", &secret, &err), 0, "secret read from its file");
	TAP_STR(secret, "s3cret", "secret without its newline");
	free(secret);
	TAP_INT(mr_cfg_secret(b, "password", &secret, &err), MR_ECONFIG, "readable secret file refused at read");
	mr_config_free(cfg);

	char *broken = write_file(dir, "broken.ini", "[mailroom]\nthis line has no equals sign\n", 0644);
	TAP_INT(mr_config_load(broken, &cfg, &err), MR_ECONFIG, "syntax error refused");
	TAP_OK(strstr(err.msg, "broken.ini") != NULL, "syntax error names the file: %s", err.msg);
	TAP_INT(mr_config_load("/nonexistent/x.ini", &cfg, &err), MR_ECONFIG, "missing file refused");
	free(secret_ok);
	free(secret_bad);
	free(path);
	free(broken);
}

/* A config struct with a field of every stored type, set and unset. */
struct fill_conf {
	const char *host;     /* STRING from the file */
	long long port;       /* INT from the file */
	const char *tls;      /* ENUM default */
	int verify;           /* BOOL from the file (no) */
	int pipelining;       /* BOOL default (yes) */
	long long timeout;    /* DURATION from the file (5m) */
	long long idle;       /* DURATION default (1h) */
	const char *dir;      /* PATH from the file */
	const char *from;     /* EMAIL from the file */
	const char *fields;   /* LIST default */
	const char *helo;     /* STRING unset, no default: NULL */
	long long limit;      /* INT unset, no default: 0 */
	int flag;             /* BOOL unset, no default: 0 */
	long long canary;     /* no key: stays 0 */
};

#define FILL_KEY(n, t, d, f) { .name = n, .type = t, .def = d, .help = n, \
			       .choices = (t) == MR_KEY_ENUM ? "starttls|implicit|none" : NULL, \
			       MR_KEY_FIELD(struct fill_conf, f) }
static const struct mr_key fill_keys[] = {
	FILL_KEY("host", MR_KEY_STRING, "localhost", host),
	FILL_KEY("port", MR_KEY_INT, "25", port),
	FILL_KEY("tls", MR_KEY_ENUM, "starttls", tls),
	FILL_KEY("verify_peer", MR_KEY_BOOL, "yes", verify),
	FILL_KEY("pipelining", MR_KEY_BOOL, "yes", pipelining),
	FILL_KEY("timeout", MR_KEY_DURATION, "30s", timeout),
	FILL_KEY("idle", MR_KEY_DURATION, "1h", idle),
	FILL_KEY("dir", MR_KEY_PATH, "/var/tmp", dir),
	FILL_KEY("from", MR_KEY_EMAIL, NULL, from),
	FILL_KEY("fields", MR_KEY_LIST, "To,Cc", fields),
	FILL_KEY("helo", MR_KEY_STRING, NULL, helo),
	FILL_KEY("limit", MR_KEY_INT, NULL, limit),
	FILL_KEY("flag", MR_KEY_BOOL, NULL, flag),
	{ .name = "password", .type = MR_KEY_SECRET, .help = "never stored" },
	{ 0 }
};

/* The value of one stored field as text ("NULL" for a NULL string). */
static void field_text(const struct fill_conf *c, const struct mr_key *k, char *buf, size_t size)
{
	const char *at = (const char *)c + k->offset;
	if (k->ctype == MR_CTYPE_STR) {
		const char *v;
		memcpy(&v, at, sizeof(v));
		snprintf(buf, size, "%s", v ? v : "NULL");
	} else if (k->ctype == MR_CTYPE_LLONG) {
		long long v;
		memcpy(&v, at, sizeof(v));
		snprintf(buf, size, "%lld", v);
	} else {
		int v;
		memcpy(&v, at, sizeof(v));
		snprintf(buf, size, "%d", v);
	}
}

static void test_fill(const char *dir)
{
	char *path = write_file(dir, "fill.ini",
				"[transport-fill]\n"
				"host = mx.example.org\n"
				"port = 587\n"
				"verify_peer = no\n"
				"timeout = 5m\n"
				"dir = /srv/mail\n"
				"from = news@example.org\n"
				"password = inline\n", 0644);
	struct mr_config *cfg;
	struct mr_error err = { 0 };
	TAP_INT(mr_config_load(path, &cfg, &err), 0, "fill: config loads");
	struct mr_section *sec = mr_config_section(cfg, "transport-fill");
	sec->keys[1] = fill_keys;
	struct fill_conf c;
	memset(&c, 0xa5, sizeof(c)); /* the fill must clear what it does not set */
	TAP_INT(mr_config_fill(sec, fill_keys, &c, sizeof(c), &err), 0, "fill succeeds (%s)",
		err.msg);
	static const struct { const char *key; const char *want; } cases[] = {
		{ "host", "mx.example.org" },   /* a value */
		{ "port", "587" },              /* an integer */
		{ "tls", "starttls" },          /* an enum's default */
		{ "verify_peer", "0" },         /* a boolean value */
		{ "pipelining", "1" },          /* a boolean default */
		{ "timeout", "300" },           /* a duration value, in seconds */
		{ "idle", "3600" },             /* a duration default */
		{ "dir", "/srv/mail" },         /* a path */
		{ "from", "news@example.org" }, /* an email */
		{ "fields", "To,Cc" },          /* a list, as written */
		{ "helo", "NULL" },             /* unset without default */
		{ "limit", "0" },
		{ "flag", "0" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mr_key *k = mr_section_key(sec, cases[i].key);
		char got[256] = "(no key)";
		if (k)
			field_text(&c, k, got, sizeof(got));
		TAP_STR(got, cases[i].want, "fill: %s", cases[i].key);
	}
	TAP_INT(c.canary, 0, "fill: a field of no key is zeroed");
	/* a table whose field lies outside the struct it is given */
	TAP_INT(mr_config_fill(sec, fill_keys, &c, offsetof(struct fill_conf, flag), &err),
		MR_ECONFIG, "fill refuses a field outside the struct");
	TAP_OK(strstr(err.msg, "[transport-fill] flag") != NULL, "naming the key: %s", err.msg);
	mr_config_free(cfg);
	free(path);
}

int main(void)
{
	char dir[] = "/tmp/mr-test-config.XXXXXX";
	if (!mkdtemp(dir))
		return 99;
	test_parsers();
	test_file(dir);
	test_fill(dir);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 99;
	return tap_done();
}
