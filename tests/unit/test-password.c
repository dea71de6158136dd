/* SPDX-License-Identifier: MIT */
/* Unit tests of password.c: PBKDF2 hashes, verification, permissions, mr_user_authenticate against a fake store, and password files. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "mr.h"
#include "users.h"
#include <mailroom/mail.h>

/* A few fast iterations keep the tests quick; one test uses the default. */
#define FAST 1000UL

static void test_round_trip(void)
{
	struct mr_error err = { 0 };
	char *h = NULL;
	TAP_INT(mr_password_hash("correct horse", FAST, &h, &err), 0, "hash a password");
	TAP_OK(h && strncmp(h, "pbkdf2-sha256$1000$", 19) == 0, "hash has scheme and iterations: %s",
	       h ? h : "(null)");
	/* the salt of 16 bytes is 24 base64 characters, the hash of 32 is 44 */
	const char *salt = h ? strchr(h + 14, '$') + 1 : "";
	const char *hash = strchr(salt, '$');
	TAP_INT(hash ? (long)(hash - salt) : -1, 24, "salt is 16 bytes in base64");
	TAP_INT(hash ? (long)strlen(hash + 1) : -1, 44, "hash is 32 bytes in base64");
	TAP_INT(mr_password_verify("correct horse", h, &err), 0, "the right password verifies");
	TAP_INT(mr_password_verify("correct horsf", h, &err), MR_EPERMANENT,
		"a wrong password fails");
	TAP_INT(mr_password_verify("", h, &err), MR_EPERMANENT, "an empty password fails");
	TAP_INT(mr_password_verify("correct horse ", h, &err), MR_EPERMANENT,
		"a trailing space makes it wrong");
	unsigned long iter = 0;
	TAP_INT(mr_password_iterations(h, &iter), 0, "iterations parse");
	TAP_INT(iter, 1000, "iteration count read back");

	/* change one character of the hash part: still valid base64, must fail */
	char *bad = strdup(h);
	char *last = strrchr(bad, '$') + 5;
	*last = *last == 'A' ? 'B' : 'A';
	TAP_INT(mr_password_verify("correct horse", bad, &err), MR_EPERMANENT,
		"a changed hash character fails");
	/* change one character of the salt */
	strcpy(bad, h);
	char *s = strchr(bad + 14, '$') + 3;
	*s = *s == 'A' ? 'B' : 'A';
	TAP_INT(mr_password_verify("correct horse", bad, &err), MR_EPERMANENT,
		"a changed salt character fails");
	/* the iteration count is part of the hash */
	char *other = NULL;
	if (asprintf(&other, "pbkdf2-sha256$1001$%s", strchr(h + 14, '$') + 1) < 0)
		abort();
	TAP_INT(mr_password_verify("correct horse", other, &err), MR_EPERMANENT,
		"a changed iteration count fails");
	free(other);
	free(bad);

	char *h2 = NULL;
	TAP_INT(mr_password_hash("correct horse", FAST, &h2, &err), 0, "hash it again");
	TAP_OK(h && h2 && strcmp(h, h2) != 0, "two hashes of one password differ (salt)");
	TAP_OK(h && h2 && strncmp(strchr(h + 14, '$'), strchr(h2 + 14, '$'), 25) != 0,
	       "and their salts differ");
	TAP_INT(mr_password_verify("correct horse", h2, &err), 0, "the second hash verifies too");
	free(h);
	free(h2);
}

static void test_default_iterations(void)
{
	struct mr_error err = { 0 };
	char *h = NULL;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	TAP_INT(mr_password_hash("pässwörd ✓", 0, &h, &err), 0, "hash with the default count");
	clock_gettime(CLOCK_MONOTONIC, &b);
	unsigned long iter = 0;
	mr_password_iterations(h, &iter);
	TAP_OK(iter >= 200000, "default iterations %lu >= 200000", iter);
	TAP_INT(iter, MR_PBKDF2_ITERATIONS, "default iterations are MR_PBKDF2_ITERATIONS");
	printf("# one hash at %lu iterations took %.0f ms\n", iter,
	       (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
	TAP_INT(mr_password_verify("pässwörd ✓", h, &err), 0, "a UTF-8 password verifies");
	free(h);
}

static void test_malformed(void)
{
	static const char *bad[] = {
		"", "plain", "pbkdf2-sha256$", "pbkdf2-sha1$1000$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==",
		"pbkdf2-sha256$abc$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==",
		"pbkdf2-sha256$999$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==",
		"pbkdf2-sha256$01000$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==",
		"pbkdf2-sha256$1000$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==",   /* salt of 4 bytes */
		"pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0$aGFzaA==",           /* hash of 4 bytes */
		"pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA=",  /* bad padding */
		"pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0$aGFz!Ghhc2hoYXNoaGFzaA==", /* bad char */
		"pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0",
	};
	struct mr_error err = { 0 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long iter;
		TAP_INT(mr_password_verify("x", bad[i], &err), MR_EINPUT, "malformed '%s' is refused",
			bad[i]);
		TAP_INT(mr_password_iterations(bad[i], &iter), MR_EINPUT, "and has no iterations");
	}
	char *h = NULL;
	TAP_INT(mr_password_hash("", FAST, &h, &err), MR_EINPUT, "an empty password is not hashed");
	TAP_INT(mr_password_hash("x", 10, &h, &err), MR_EINPUT, "10 iterations are refused");
	TAP_OK(h == NULL, "and nothing is returned");
}

static void test_perms(void)
{
	static const struct { const char *in; int rc; unsigned want; const char *fmt; } t[] = {
		{ "send-mail", 0, MR_PERM_SEND_MAIL, "send-mail" },
		{ "send_mail,view-contacts", 0, MR_PERM_SEND_MAIL | MR_PERM_VIEW_CONTACTS,
		  "send-mail,view-contacts" },
		{ "process-mail, send-mail", 0, MR_PERM_SEND_MAIL | MR_PERM_PROCESS_MAIL,
		  "send-mail,process-mail" },
		{ "all", 0, MR_PERM_ALL, "send-mail,process-mail,view-contacts" },
		{ "", 0, 0, "" },
		{ "send-mails", MR_EINPUT, 0, NULL },
		{ "send", MR_EINPUT, 0, NULL },
		{ "send-mail,root", MR_EINPUT, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mr_error err = { 0 };
		unsigned p = 0xff;
		int rc = mr_perms_parse(t[i].in, &p, &err);
		TAP_INT(rc, t[i].rc, "perms '%s' parse -> %d", t[i].in, t[i].rc);
		if (rc == 0) {
			char buf[128];
			TAP_INT(p, t[i].want, "perms '%s' bits", t[i].in);
			mr_perms_format(p, buf, sizeof(buf));
			TAP_STR(buf, t[i].fmt, "perms '%s' formatted", t[i].in);
		} else {
			TAP_OK(strstr(err.msg, "unknown permission") != NULL, "error names it: %s", err.msg);
		}
	}
	TAP_STR(mr_perm_name(MR_PERM_PROCESS_MAIL), "process-mail", "perm name");
	TAP_OK(mr_user_name_valid("cron.bot@site-1"), "a valid user name");
	TAP_OK(!mr_user_name_valid("") && !mr_user_name_valid("-x") && !mr_user_name_valid("a b") &&
	       !mr_user_name_valid("a\nb") && !mr_user_name_valid("a$b"), "invalid user names");
}

/* ---- a fake store holding one user */
static struct mr_user fake_user;
static int fake_fail;

static int fake_user_get(void *state, const char *name, mr_user_cb *cb, void *cookie,
			 struct mr_error *err)
{
	if (fake_fail)
		return mr_error_set(err, MR_ETEMP, "database is locked");
	if (strcmp(name, fake_user.name) != 0)
		return mr_error_set(err, MR_ENOTFOUND, "no user %s", name);
	return cb(cookie, &fake_user);
}

static void test_authenticate(void)
{
	struct mr_store_ops ops = { .size = sizeof(ops), .user_get = fake_user_get };
	struct mr_store st = { .ops = &ops, .state = NULL, .name = "fake" };
	struct mr_error err = { 0 };
	char *h = NULL;
	mr_password_hash("s3cret", FAST, &h, &err);
	fake_user.name = "cron";
	fake_user.pwhash = h;
	fake_user.perms = MR_PERM_SEND_MAIL | MR_PERM_VIEW_CONTACTS;

	TAP_INT(mr_user_authenticate(&st, "cron", "s3cret", MR_PERM_SEND_MAIL, "mailing", &err), 0,
		"right password and permission");
	TAP_INT(mr_user_authenticate(&st, "cron", "s3cret", 0, NULL, &err), 0,
		"right password, no permission needed");
	TAP_INT(mr_user_authenticate(&st, "cron", "wrong", MR_PERM_SEND_MAIL, "mailing", &err),
		MR_EPERMANENT, "wrong password refused");
	TAP_STR(err.msg, "unknown user or wrong password for 'cron'", "wrong password message");
	TAP_INT(mr_user_authenticate(&st, "nobody", "s3cret", 0, "mailing", &err), MR_EPERMANENT,
		"unknown user refused");
	TAP_STR(err.msg, "unknown user or wrong password for 'nobody'",
		"unknown user has the same message");
	TAP_INT(mr_user_authenticate(&st, "cron", "s3cret", MR_PERM_PROCESS_MAIL, "fetch-bounces",
				     &err), MR_EPERMANENT, "missing permission refused");
	TAP_STR(err.msg, "user 'cron' lacks the permission 'process-mail' needed by job "
		"fetch-bounces (mailroom user grant cron process-mail)", "missing permission message");
	TAP_INT(mr_user_authenticate(&st, "cron", "s3cret", MR_PERM_ALL, NULL, &err), MR_EPERMANENT,
		"missing permission without a job");
	TAP_STR(err.msg, "user 'cron' lacks the permission 'process-mail' (mailroom user grant cron "
		"process-mail)", "message without a job");
	fake_user.perms = 0;
	mr_user_authenticate(&st, "cron", "s3cret", MR_PERM_ALL, "x", &err);
	TAP_OK(strstr(err.msg, "lacks the permissions 'send-mail,process-mail,view-contacts'") != NULL,
	       "several missing permissions are all named: %s", err.msg);
	fake_user.pwhash = "garbage";
	TAP_INT(mr_user_authenticate(&st, "cron", "s3cret", 0, NULL, &err), MR_EPERMANENT,
		"a corrupt stored hash refuses");
	TAP_OK(strstr(err.msg, "mailroom user passwd cron") != NULL, "and says how to fix: %s",
	       err.msg);
	fake_fail = 1;
	TAP_INT(mr_user_authenticate(&st, "cron", "s3cret", 0, NULL, &err), MR_ETEMP,
		"a store failure keeps its status");
	TAP_OK(strstr(err.msg, "database is locked") != NULL, "and its message: %s", err.msg);
	fake_fail = 0;
	free(h);
}

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

static void test_password_read(void)
{
	char dir[] = "/tmp/test-password.XXXXXX";
	if (!mkdtemp(dir))
		abort();
	struct mr_error err = { 0 };
	char *pw = NULL;
	char *good = write_file(dir, "good", "hunter2 x\nsecond line\n", 0600);
	TAP_INT(mr_password_read(good, &pw, &err), 0, "a 0600 password file is read");
	TAP_STR(pw, "hunter2 x", "its first line is the password");
	mr_password_free(pw);
	char *crlf = write_file(dir, "crlf", "abc\r\n", 0400);
	TAP_INT(mr_password_read(crlf, &pw, &err), 0, "a 0400 file with CRLF is read");
	TAP_STR(pw, "abc", "without the CR");
	mr_password_free(pw);
	char *open_ = write_file(dir, "open", "hunter2\n", 0644);
	TAP_INT(mr_password_read(open_, &pw, &err), MR_ECONFIG, "a 0644 password file is refused");
	TAP_OK(strstr(err.msg, "can be read by group or others (mode 644)") &&
	       strstr(err.msg, "chmod 600"), "and the message says why and what to do: %s", err.msg);
	TAP_OK(pw == NULL, "and no password is returned");
	char *grp = write_file(dir, "grp", "hunter2\n", 0640);
	TAP_INT(mr_password_read(grp, &pw, &err), MR_ECONFIG, "a 0640 password file is refused");
	char *empty = write_file(dir, "empty", "\n", 0600);
	TAP_INT(mr_password_read(empty, &pw, &err), MR_EINPUT, "an empty password file is refused");
	char *missing = NULL;
	if (asprintf(&missing, "%s/missing", dir) < 0)
		abort();
	TAP_INT(mr_password_read(missing, &pw, &err), MR_ECONFIG, "a missing file is an error");
	TAP_OK(strstr(err.msg, missing) != NULL, "naming the file: %s", err.msg);
	TAP_INT(mr_password_read(dir, &pw, &err), MR_ECONFIG, "a directory is refused");

	unsetenv("MAILROOM_PASSWORD");
	TAP_INT(mr_password_read(NULL, &pw, &err), MR_ENOTFOUND, "no file and no variable");
	TAP_OK(strstr(err.msg, "--password-file") && strstr(err.msg, "MAILROOM_PASSWORD"),
	       "says where a password can come from: %s", err.msg);
	setenv("MAILROOM_PASSWORD", "from-env", 1);
	TAP_INT(mr_password_read(NULL, &pw, &err), 0, "MAILROOM_PASSWORD is read");
	TAP_STR(pw, "from-env", "its value");
	mr_password_free(pw);
	TAP_INT(mr_password_read(good, &pw, &err), 0, "a file wins over the variable");
	TAP_STR(pw, "hunter2 x", "the file's password");
	mr_password_free(pw);
	unsetenv("MAILROOM_PASSWORD");

	const char *files[] = { good, crlf, open_, grp, empty };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		unlink(files[i]);
		free((char *)files[i]);
	}
	free(missing);
	rmdir(dir);
}

int main(void)
{
	test_round_trip();
	test_default_iterations();
	test_malformed();
	test_perms();
	test_authenticate();
	test_password_read();
	return tap_done();
}
