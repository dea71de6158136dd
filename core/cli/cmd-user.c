/* SPDX-License-Identifier: MIT */
/* mailroom user add|passwd|grant|revoke|list|delete: the mailroom users cron jobs run as. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

/* One user copied out of a store callback. */
struct user_copy {
	int found;
	char *name;
	char *pwhash;
	unsigned perms;
	int64_t created;
};

static int copy_user(void *cookie, const struct mr_user *u)
{
	struct user_copy *c = cookie;
	c->found = 1;
	c->name = strdup(u->name);
	c->pwhash = strdup(u->pwhash ? u->pwhash : "");
	c->perms = u->perms;
	c->created = u->created;
	return c->name && c->pwhash ? 0 : MR_ENOMEM;
}

static void user_copy_free(struct user_copy *c)
{
	free(c->name);
	free(c->pwhash);
}

/* Reads one line from the terminal on stdin without echo; NULL on EOF. */
static char *prompt_noecho(const char *prompt)
{
	struct termios old, quiet;
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return NULL;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return NULL;
	char buf[MR_PASSWORD_MAX + 2];
	char *line = fgets(buf, sizeof(buf), stdin);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	char *out = NULL;
	if (line) {
		buf[strcspn(buf, "\r\n")] = '\0';
		out = strdup(buf);
	}
	memset(buf, 0, sizeof(buf));
	return out;
}

/* The new password of a user: --password-file, MAILROOM_PASSWORD, or asked
 * twice on the terminal.  Returns 0 or an exit code (message printed). */
static int new_password(const char *password_file, const char *user, char **password_r)
{
	struct mr_error err = { 0 };
	*password_r = NULL;
	int rc = mr_password_read(password_file, password_r, &err);
	if (rc == 0)
		return 0;
	if (rc != MR_ENOTFOUND)
		return cli_fail(mr_status_exit_code(rc), "user", "%s", err.msg);
	if (!isatty(STDIN_FILENO))
		return cli_fail(EX_USAGE, "user", "%s", err.msg);
	char prompt[160];
	snprintf(prompt, sizeof(prompt), "New password for %s: ", user);
	char *a = prompt_noecho(prompt);
	if (!a || !*a) {
		mr_password_free(a);
		return cli_fail(EX_USAGE, "user", "no password given");
	}
	char *b = prompt_noecho("Repeat the password: ");
	int same = b && strcmp(a, b) == 0;
	mr_password_free(b);
	if (!same) {
		mr_password_free(a);
		return cli_fail(EX_USAGE, "user", "the two passwords differ; nothing changed");
	}
	*password_r = a;
	return 0;
}

static void print_user(struct mr_cli *cli, const struct mr_user *u)
{
	char perms[128], when[32];
	mr_perms_format(u->perms, perms, sizeof(perms));
	time_t t = (time_t)u->created;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (cli->json) {
		json_t *perms_j = json_array();
		for (unsigned bit = 1; bit <= MR_PERM_ALL; bit <<= 1)
			if (u->perms & bit)
				json_array_append_new(perms_j, cli_json_text(mr_perm_name(bit)));
		cli_json_print(json_pack("{s:o,s:o,s:o,s:I}", "name", cli_json_text(u->name),
					 "permissions", perms_j, "created", cli_json_text(when),
					 "created_unix", (json_int_t)u->created));
	} else {
		printf("%-24s %-19s  %s\n", u->name, when, *perms ? perms : "-");
	}
}

static int list_one(void *cookie, const struct mr_user *u)
{
	print_user(cookie, u);
	return 0;
}

/* Options after the subcommand's words. */
struct user_opts {
	const char *grant;
	const char *password_file;
	char *words[16];
	int n_words;
};

static int parse_opts(int argc, char **argv, struct user_opts *o)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		const char *val = NULL;
		if (strcmp(a, "--grant") == 0 || strcmp(a, "--password-file") == 0) {
			dst = a[2] == 'g' ? &o->grant : &o->password_file;
			if (i + 1 >= argc)
				return cli_fail(EX_USAGE, "user", "%s needs a value", a);
			val = argv[++i];
		} else if (strncmp(a, "--grant=", 8) == 0) {
			dst = &o->grant;
			val = a + 8;
		} else if (strncmp(a, "--password-file=", 16) == 0) {
			dst = &o->password_file;
			val = a + 16;
		} else if (strcmp(a, "--password") == 0 || strncmp(a, "--password=", 11) == 0) {
			return cli_fail(EX_USAGE, "user", "a password is never taken from the command "
					"line (ps shows it): use --password-file FILE, "
					"MAILROOM_PASSWORD or the prompt");
		} else if (a[0] == '-' && a[1]) {
			return cli_fail(EX_USAGE, "user", "unknown option %s", a);
		} else {
			if (o->n_words >= (int)(sizeof(o->words) / sizeof(o->words[0])))
				return cli_fail(EX_USAGE, "user", "too many arguments");
			o->words[o->n_words++] = argv[i];
			continue;
		}
		*dst = val;
	}
	return 0;
}

/* Fetches user name into *u; prints "no user" and returns an exit code. */
static int get_user(struct mr_store *st, const char *name, struct user_copy *u)
{
	struct mr_error err = { 0 };
	int rc = mr_store_user_get(st, name, copy_user, u, &err);
	if (rc == MR_ENOTFOUND || (rc == 0 && !u->found))
		return cli_fail(EX_NOINPUT, "user", "no user '%s' (see mailroom user list)", name);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "user", "%s", err.msg);
	return 0;
}

static int put_user(struct mr_store *st, const char *name, const char *pwhash, unsigned perms,
		    int64_t created)
{
	struct mr_user u = { .name = name, .pwhash = pwhash, .perms = perms, .created = created };
	struct mr_error err = { 0 };
	int rc = mr_store_user_put(st, &u, &err);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "user", "cannot save user '%s': %s", name,
				err.msg);
	return 0;
}

/* Parses the permission words of grant/revoke. */
static int perms_of_words(struct user_opts *o, int from, unsigned *perms_r)
{
	*perms_r = 0;
	for (int i = from; i < o->n_words; i++) {
		unsigned p;
		struct mr_error err = { 0 };
		if (mr_perms_parse(o->words[i], &p, &err))
			return cli_fail(EX_USAGE, "user", "%s", err.msg);
		*perms_r |= p;
	}
	return 0;
}

static int run(struct mr_cli *cli, struct mr_site *site, const char *sub, struct user_opts *o)
{
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	const char *name = o->n_words > 0 ? o->words[0] : NULL;
	struct user_copy u = { 0 };
	char *pw = NULL, *hash = NULL;
	int code = 0;
	char perms[128];

	if (strcmp(sub, "list") == 0) {
		if (!cli->json)
			printf("%-24s %-19s  %s\n", "NAME", "CREATED", "PERMISSIONS");
		int rc = mr_store_user_list(st, list_one, cli, &err);
		return rc ? cli_fail(mr_status_exit_code(rc), "user", "%s", err.msg) : EX_OK;
	}
	if (strcmp(sub, "add") == 0) {
		unsigned p = 0;
		if (o->grant && mr_perms_parse(o->grant, &p, &err))
			return cli_fail(EX_USAGE, "user", "%s", err.msg);
		int rc = mr_store_user_get(st, name, copy_user, &u, &err);
		if (rc == 0 && u.found) {
			user_copy_free(&u);
			return cli_fail(EX_CANTCREAT, "user", "user '%s' exists (change its password "
					"with mailroom user passwd %s)", name, name);
		}
		if (rc && rc != MR_ENOTFOUND)
			return cli_fail(mr_status_exit_code(rc), "user", "%s", err.msg);
		if ((code = new_password(o->password_file, name, &pw)))
			return code;
		if (mr_password_hash(pw, 0, &hash, &err))
			code = cli_fail(mr_status_exit_code(err.status), "user", "%s", err.msg);
		else
			code = put_user(st, name, hash, p, site->core.now(&site->core));
		if (!code) {
			mr_perms_format(p, perms, sizeof(perms));
			printf("added user %s with permissions: %s\n", name, *perms ? perms : "none");
		}
	} else if (strcmp(sub, "passwd") == 0) {
		if ((code = get_user(st, name, &u)))
			return code;
		if ((code = new_password(o->password_file, name, &pw)) == 0) {
			if (mr_password_hash(pw, 0, &hash, &err))
				code = cli_fail(mr_status_exit_code(err.status), "user", "%s", err.msg);
			else
				code = put_user(st, name, hash, u.perms, u.created);
			if (!code)
				printf("changed the password of %s\n", name);
		}
	} else if (strcmp(sub, "grant") == 0 || strcmp(sub, "revoke") == 0) {
		unsigned p;
		if ((code = perms_of_words(o, 1, &p)))
			return code;
		if ((code = get_user(st, name, &u)))
			return code;
		unsigned now = sub[0] == 'g' ? u.perms | p : u.perms & ~p;
		code = put_user(st, name, u.pwhash, now, u.created);
		if (!code) {
			mr_perms_format(now, perms, sizeof(perms));
			printf("%s now has permissions: %s\n", name, *perms ? perms : "none");
		}
	} else if (strcmp(sub, "delete") == 0) {
		int rc = mr_store_user_delete(st, name, &err);
		if (rc == MR_ENOTFOUND)
			return cli_fail(EX_NOINPUT, "user", "no user '%s' (see mailroom user list)", name);
		if (rc)
			return cli_fail(mr_status_exit_code(rc), "user", "%s", err.msg);
		printf("deleted user %s\n", name);
	}
	user_copy_free(&u);
	mr_password_free(pw);
	free(hash);
	return code ? code : EX_OK;
}

int cmd_user(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc < 2)
		return cli_usage("user");
	const char *sub = argv[1];
	struct user_opts o = { 0 };
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	int min = 1, max = 1;
	if (strcmp(sub, "list") == 0)
		min = max = 0;
	else if (strcmp(sub, "grant") == 0 || strcmp(sub, "revoke") == 0)
		min = 2, max = o.n_words;
	else if (strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0 &&
		 strcmp(sub, "delete") != 0)
		return cli_usage("user");
	if (o.n_words < min || o.n_words > max)
		return cli_usage("user");
	if ((o.grant && strcmp(sub, "add") != 0) ||
	    (o.password_file && strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0))
		return cli_fail(EX_USAGE, "user", "that option does not apply to user %s", sub);
	if (o.n_words > 0 && !mr_user_name_valid(o.words[0]))
		return cli_fail(EX_USAGE, "user", "bad user name '%s' (1 to %d letters, digits, '.', "
				"'_', '-' or '@')", o.words[0], MR_USER_NAME_MAX);
	struct mr_site *site;
	if ((rc = cli_open_site(cli, MR_OPEN_STORE, &site)))
		return rc;
	rc = run(cli, site, sub, &o);
	mr_site_close(site);
	return rc;
}
