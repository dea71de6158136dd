/* SPDX-License-Identifier: MIT */
/* mailroom contact add|edit|delete|optin|optout|set|hold|unhold|show and group remove|delete|rename: contacts changed one by one, each change recorded as an event with who and when. */
#include "config.h"
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "fields.h"
#include "../../plugins/common/smart-group.h"

#define SHOW_EVENTS 20
#define TEXT_FIELD_MAX 4097

/* What a change command was given. */
struct change_opts {
	const char *first, *last, *display, *type, *user;
	const char *groups[32];
	size_t n_groups;
	char *fields[32];           /* NAME=VALUE */
	size_t n_fields;
};

/* The user a change is recorded under: --user, else $USER, else the login
 * of the real uid, else "uid N". */
static const char *who_of(const struct change_opts *o, char *buf, size_t n)
{
	if (o->user && *o->user)
		return o->user;
	const char *u = getenv("USER");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		return pw->pw_name;
	snprintf(buf, n, "uid %u", (unsigned)getuid());
	return buf;
}

/* Parses the options of add and edit (argv[0] is the subcommand); *pos_r
 * gets the index of the first operand.  0, or the exit code. */
static int parse_change(int argc, char **argv, const char *cmd, struct change_opts *o,
			int *pos_r)
{
	static const struct option opts[] = {
		{ "first-name", required_argument, NULL, 'f' },
		{ "last-name", required_argument, NULL, 'l' },
		{ "display-name", required_argument, NULL, 'd' },
		{ "type", required_argument, NULL, 't' },
		{ "group", required_argument, NULL, 'g' },
		{ "user", required_argument, NULL, 'u' },
		{ "field", required_argument, NULL, 'F' },
		{ 0 }
	};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o->first = optarg; break;
		case 'l': o->last = optarg; break;
		case 'd': o->display = optarg; break;
		case 't': o->type = optarg; break;
		case 'u': o->user = optarg; break;
		case 'g':
			if (o->n_groups == sizeof(o->groups) / sizeof(o->groups[0]))
				return cli_fail(EX_USAGE, cmd, "at most %zu --group options",
						o->n_groups);
			o->groups[o->n_groups++] = optarg;
			break;
		case 'F':
			if (o->n_fields == sizeof(o->fields) / sizeof(o->fields[0]))
				return cli_fail(EX_USAGE, cmd, "at most %zu --field options",
						o->n_fields);
			if (!strchr(optarg, '='))
				return cli_fail(EX_USAGE, cmd, "--field \"%s\": NAME=VALUE", optarg);
			o->fields[o->n_fields++] = optarg;
			break;
		default:
			return cli_fail(EX_USAGE, cmd, "unknown option or missing value: %s",
					argv[optind - 1]);
		}
	}
	if (o->type && strcasecmp(o->type, "individual") == 0)
		o->type = "Individual";
	else if (o->type && strcasecmp(o->type, "organization") == 0)
		o->type = "Organization";
	else if (o->type)
		return cli_fail(EX_USAGE, cmd, "--type \"%s\": Individual or Organization", o->type);
	*pos_r = optind;
	return 0;
}

static int remember_id(void *cookie, const struct mr_contact *c)
{
	*(int64_t *)cookie = c->id;
	return 0;
}

/* The id of the contact with email: 0, or a status with err. */
static int contact_id(struct mr_store *st, const char *email, int64_t *id_r,
		      struct mr_error *err)
{
	*id_r = 0;
	return mr_store_contact_find(st, email, remember_id, id_r, err);
}

static int record(struct mr_store *st, int64_t id, const char *who, const char *action,
		  const char *details, struct mr_error *err)
{
	struct mr_contact_event ev = { .contact_id = id, .time = time(NULL), .who = who,
				       .action = action, .details = details };
	return mr_store_contact_event_add(st, &ev, err);
}

/* "first_name=Ann last_name=Lee type=... groups=a,b" of what o sets. */
static void describe(const struct change_opts *o, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	const char *names[] = { "first_name", "last_name", "display_name", "contact_type" };
	const char *vals[] = { o->first, o->last, o->display, o->type };
	for (size_t i = 0; i < 4 && len < n; i++)
		if (vals[i])
			len += (size_t)snprintf(buf + len, n - len, "%s%s=%s", len ? " " : "",
						names[i], vals[i]);
	for (size_t i = 0; i < o->n_groups && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%sgroup=%s", len ? " " : "",
					o->groups[i]);
	for (size_t i = 0; i < o->n_fields && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "", o->fields[i]);
}

/* The --field values checked against their fields: values[i] gets the
 * stored form of o->fields[i] (NULL for an empty value: cleared); the
 * NAME part of each is cut at its '='.  0, or the exit code reported. */
static int check_fields(struct mr_store *st, struct change_opts *o, const char *cmd,
			char values[][TEXT_FIELD_MAX], struct mr_error *err, int *rc_r)
{
	struct cli_fields fs;
	*rc_r = 0;
	if (!o->n_fields)
		return 0;
	if ((*rc_r = cli_fields_load(st, &fs, err)) != 0)
		return 0;
	int code = 0;
	for (size_t i = 0; i < o->n_fields && !code; i++) {
		char *eq = strchr(o->fields[i], '=');
		*eq = '\0';
		const char *name = o->fields[i], *value = eq + 1;
		const struct mr_field *f = cli_fields_find(&fs, name);
		char why[256];
		if (!f) {
			const char *near = cli_fields_nearest(&fs, NULL, 0, name);
			code = cli_fail(EX_DATAERR, cmd, "--field %s: no such custom field%s%s%s", name,
					near ? " (did you mean '" : "", near ? near : "",
					near ? "'?)" : "");
		} else if (!*value) {
			values[i][0] = '\0';
		} else if (cli_field_value(f, value, values[i], TEXT_FIELD_MAX, why,
					   sizeof(why)) != 0) {
			code = cli_fail(EX_DATAERR, cmd, "--field %s=%s: %s", name, value, why);
		}
	}
	cli_fields_free(&fs);
	return code;
}

/* Sets the checked --field values of contact id. */
static int set_fields(struct mr_store *st, int64_t id, const struct change_opts *o,
		      char values[][TEXT_FIELD_MAX], struct mr_error *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < o->n_fields; i++)
		rc = mr_store_contact_field_set(st, id, o->fields[i], values[i][0] ? values[i] : NULL,
						err);
	return rc;
}

/* Joins the groups of o, recording each join. */
static int join_groups(struct mr_store *st, int64_t id, const struct change_opts *o,
		       const char *who, struct mr_error *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < o->n_groups; i++)
		if ((rc = mr_store_group_member(st, o->groups[i], id, 1, err)) == 0)
			rc = record(st, id, who, "group-added", o->groups[i], err);
	return rc;
}

/* contact add EMAIL ... and contact edit EMAIL ...: one unit. */
static int add_or_edit(struct mr_store *st, int argc, char **argv, int edit, int *code_r,
		       struct mr_error *err)
{
	const char *cmd = edit ? "contact edit" : "contact add";
	struct change_opts o = { 0 };
	int pos = 0;
	if ((*code_r = parse_change(argc, argv, cmd, &o, &pos)) != 0)
		return 0;
	if (pos != argc - 1) {
		*code_r = cli_usage("contact");
		return 0;
	}
	const char *email = argv[pos];
	if (!mr_addr_valid(email) || !strchr(email, '@')) {
		*code_r = cli_fail(EX_DATAERR, cmd, "\"%s\" is not a valid email address", email);
		return 0;
	}
	int64_t id = 0;
	int rc = contact_id(st, email, &id, err);
	if (edit && rc)
		return rc;
	if (!edit && rc == 0) {
		*code_r = cli_fail(EX_DATAERR, cmd, "%s is already contact %lld (use contact edit)",
				   email, (long long)id);
		return 0;
	}
	if (!edit && rc != MR_ENOTFOUND)
		return rc;
	char who_buf[32], details[1024];
	const char *who = who_of(&o, who_buf, sizeof(who_buf));
	describe(&o, details, sizeof(details));
	static char values[32][TEXT_FIELD_MAX];
	if ((*code_r = check_fields(st, &o, cmd, values, err, &rc)) != 0 || rc)
		return rc;
	struct mr_contact c = { .email = email, .first_name = o.first, .last_name = o.last,
				.display_name = o.display, .contact_type = o.type };
	if ((rc = mr_store_begin(st, err)) != 0)
		return rc;
	if ((rc = mr_store_contact_upsert(st, &c, &id, NULL, err)) == 0)
		rc = record(st, id, who, edit ? "edited" : "added", details, err);
	if (rc == 0)
		rc = join_groups(st, id, &o, who, err);
	if (rc == 0)
		rc = set_fields(st, id, &o, values, err);
	if (rc == 0)
		rc = mr_store_commit(st, err);
	else
		mr_store_rollback(st);
	if (rc == 0)
		printf("%s: contact %lld %s\n", email, (long long)id, edit ? "edited" : "added");
	return rc;
}

/* One flag change (set, optin, optout, hold, unhold) with its event. */
static int set_flag(struct mr_store *st, const char *email, enum mr_contact_flag flag, int value,
		    const char *action, const char *user, struct mr_error *err)
{
	int64_t id = 0;
	int rc = contact_id(st, email, &id, err);
	if (rc)
		return rc;
	struct change_opts o = { .user = user };
	char who_buf[32];
	if ((rc = mr_store_begin(st, err)) != 0)
		return rc;
	rc = mr_store_contact_set_flag(st, email, flag, value, err);
	if (rc == 0)
		rc = record(st, id, who_of(&o, who_buf, sizeof(who_buf)), action, NULL, err);
	if (rc == 0)
		rc = mr_store_commit(st, err);
	else
		mr_store_rollback(st);
	if (rc == 0)
		printf("%s: %s\n", email, action);
	return rc;
}

/* Takes "--user NAME" out of argv; returns the new argc. */
static int take_user(int argc, char **argv, const char **user_r)
{
	int o = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
			*user_r = argv[++i];
			continue;
		}
		argv[o++] = argv[i];
	}
	return o;
}

/* ---- contact show */

static const char *date_of(int64_t t, char *buf, size_t n)
{
	if (!t)
		return "-";
	time_t tt = (time_t)t;
	struct tm tm;
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", gmtime_r(&tt, &tm));
	return buf;
}

struct show {
	struct mr_cli *cli;
	json_t *contact, *emails, *groups, *events, *fields;
	int64_t id;
};

static int show_contact(void *cookie, const struct mr_contact *c)
{
	struct show *sh = cookie;
	sh->id = c->id;
	/* the keys of contact list --json first, in its order */
	sh->contact = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:i,s:i,s:i,s:I,s:I}",
				"id", (json_int_t)c->id, "email", cli_json_text(c->email),
				"first_name", cli_json_text(c->first_name), "last_name", cli_json_text(c->last_name),
				"display_name", cli_json_text(c->display_name),
				"contact_type", cli_json_text(c->contact_type), "on_hold", c->on_hold,
				"is_opt_out", c->is_opt_out, "do_not_email", c->do_not_email,
				"created", (json_int_t)c->created, "modified", (json_int_t)c->modified);
	return sh->contact ? 0 : MR_ENOMEM;
}

static int show_email(void *cookie, const struct mr_contact_email *e)
{
	struct show *sh = cookie;
	return json_array_append_new(sh->emails, json_pack("{s:o,s:b,s:i,s:I,s:I}", "email",
				     cli_json_text(e->email), "is_primary", e->is_primary != 0,
				     "on_hold", e->on_hold, "hold_date", (json_int_t)e->hold_date,
				     "reset_date", (json_int_t)e->reset_date)) ? MR_ENOMEM : 0;
}

static int show_group(void *cookie, const struct mr_membership *m)
{
	struct show *sh = cookie;
	if (strcmp(m->status, "Pending") == 0) /* a double opt-in request */
		return json_array_append_new(sh->groups, json_pack("{s:o,s:o,s:s,s:I,s:I}",
					     "group", cli_json_text(m->group), "title",
					     cli_json_text(m->title), "status", "Pending",
					     "requested", (json_int_t)m->added, "expires",
					     (json_int_t)m->removed)) ? MR_ENOMEM : 0;
	return json_array_append_new(sh->groups, json_pack("{s:o,s:o,s:o,s:I,s:I}", "group",
				     cli_json_text(m->group), "title", cli_json_text(m->title), "status",
				     cli_json_text(m->status), "added", (json_int_t)m->added,
				     "removed", (json_int_t)m->removed)) ? MR_ENOMEM : 0;
}

static int show_field(void *cookie, const struct mr_field_value *v)
{
	struct show *sh = cookie;
	cli_json_set(sh->fields, v->name, cli_json_text(v->value));
	return 0;
}

static int show_event(void *cookie, const struct mr_contact_event *ev)
{
	struct show *sh = cookie;
	return json_array_append_new(sh->events, json_pack("{s:I,s:o,s:o,s:o}", "time",
				     (json_int_t)ev->time, "who", cli_json_text(ev->who), "action",
				     cli_json_text(ev->action), "details", cli_json_text(ev->details))) ? MR_ENOMEM : 0;
}

/* A control-character-free copy of a JSON string member for a terminal. */
static const char *txt(json_t *o, const char *key)
{
	static char buf[4][512];
	static int k;
	const char *s = json_string_value(json_object_get(o, key));
	char *b = buf[k++ & 3];
	size_t i = 0;
	for (; s && s[i] && i + 1 < sizeof(buf[0]); i++)
		b[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	b[i] = '\0';
	return b;
}

static json_int_t num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
}

static void show_text(const struct show *sh)
{
	char d1[32], d2[32];
	json_t *c = sh->contact;
	printf("id:           %lld\n", (long long)num(c, "id"));
	printf("email:        %s\n", txt(c, "email"));
	printf("contact_type: %s\n", txt(c, "contact_type"));
	printf("first_name:   %s\n", txt(c, "first_name"));
	printf("last_name:    %s\n", txt(c, "last_name"));
	printf("display_name: %s\n", txt(c, "display_name"));
	printf("do_not_email: %s\n", num(c, "do_not_email") ? "yes" : "no");
	printf("is_opt_out:   %s\n", num(c, "is_opt_out") ? "yes" : "no");
	printf("created:      %s\n", date_of(num(c, "created"), d1, sizeof(d1)));
	printf("modified:     %s\n", date_of(num(c, "modified"), d1, sizeof(d1)));
	size_t i;
	json_t *v;
	const char *key;
	printf("fields:\n");
	json_object_foreach(sh->fields, key, v)
		printf("  %-24s %s\n", key, txt(sh->fields, key));
	printf("emails:\n");
	json_array_foreach(sh->emails, i, v)
		printf("  %s%s  on_hold %lld (held %s, released %s)\n", txt(v, "email"),
		       num(v, "is_primary") ? " (primary)" : "", (long long)num(v, "on_hold"),
		       date_of(num(v, "hold_date"), d1, sizeof(d1)),
		       date_of(num(v, "reset_date"), d2, sizeof(d2)));
	printf("groups:\n");
	json_array_foreach(sh->groups, i, v) {
		if (json_object_get(v, "expires"))
			printf("  %-24s %-8s asked %s, expires %s\n", txt(v, "group"),
			       txt(v, "status"), date_of(num(v, "requested"), d1, sizeof(d1)),
			       date_of(num(v, "expires"), d2, sizeof(d2)));
		else
			printf("  %-24s %-8s added %s, removed %s\n", txt(v, "group"),
			       txt(v, "status"), date_of(num(v, "added"), d1, sizeof(d1)),
			       date_of(num(v, "removed"), d2, sizeof(d2)));
	}
	printf("events (newest first):\n");
	json_array_foreach(sh->events, i, v)
		printf("  %s  %-16s %-14s %s\n", date_of(num(v, "time"), d1, sizeof(d1)),
		       txt(v, "who"), txt(v, "action"), txt(v, "details"));
}

static int show(struct mr_cli *cli, struct mr_store *st, const char *email, struct mr_error *err)
{
	struct show sh = { .cli = cli, .emails = json_array(), .groups = json_array(),
			   .events = json_array(), .fields = json_object() };
	int rc = mr_store_contact_find(st, email, show_contact, &sh, err);
	if (rc == 0)
		rc = mr_store_contact_emails(st, sh.id, show_email, &sh, err);
	if (rc == 0)
		rc = mr_store_contact_groups(st, sh.id, show_group, &sh, err);
	if (rc == 0 && mr_store_has_optin(st))
		rc = mr_store_optin_pending_list(st, sh.id, time(NULL), show_group, &sh, err);
	if (rc == 0)
		rc = mr_store_contact_fields(st, sh.id, show_field, &sh, err);
	if (rc == 0)
		rc = mr_store_contact_events(st, sh.id, SHOW_EVENTS, show_event, &sh, err);
	if (rc == MR_ENOMEM)
		mr_error_set(err, rc, "out of memory");
	if (rc == 0 && cli->json) {
		json_object_set(sh.contact, "fields", sh.fields);
		json_object_set(sh.contact, "emails", sh.emails);
		json_object_set(sh.contact, "groups", sh.groups);
		json_object_set(sh.contact, "events", sh.events);
		cli_json_print(json_incref(sh.contact));
	} else if (rc == 0) {
		show_text(&sh);
	}
	json_decref(sh.contact);
	json_decref(sh.emails);
	json_decref(sh.groups);
	json_decref(sh.events);
	json_decref(sh.fields);
	return rc;
}

/* "yes"/"no" into *v_r: 0, or -1. */
static int yes_no(const char *s, int *v_r)
{
	if (strcmp(s, "yes") == 0)
		*v_r = 1;
	else if (strcmp(s, "no") == 0)
		*v_r = 0;
	else
		return -1;
	return 0;
}

int cli_contact_manage(struct mr_cli *cli, struct mr_store *st, int argc, char **argv,
		       int *code_r, struct mr_error *err)
{
	const char *sub = argv[0], *user = NULL;
	*code_r = 0;
	if (strcmp(sub, "add") == 0 || strcmp(sub, "edit") == 0)
		return add_or_edit(st, argc, argv, strcmp(sub, "edit") == 0, code_r, err);
	argc = take_user(argc, argv, &user);
	if (strcmp(sub, "show") == 0 && argc == 2)
		return show(cli, st, argv[1], err);
	if (strcmp(sub, "delete") == 0 && argc == 2) {
		int64_t id = 0;
		struct change_opts o = { .user = user };
		char who_buf[32];
		int rc = mr_store_begin(st, err);
		if (rc)
			return rc;
		rc = mr_store_contact_delete(st, argv[1], &id, err);
		if (rc == 0)
			rc = record(st, id, who_of(&o, who_buf, sizeof(who_buf)), "deleted", NULL,
				    err);
		if (rc == 0)
			rc = mr_store_commit(st, err);
		else
			mr_store_rollback(st);
		if (rc == 0)
			printf("%s: contact %lld deleted (kept for history)\n", argv[1],
			       (long long)id);
		return rc;
	}
	if (strcmp(sub, "optin") == 0 && argc == 2)
		return set_flag(st, argv[1], MR_CONTACT_OPT_OUT, 0, "opted in", user, err);
	if (strcmp(sub, "optout") == 0 && argc == 2)
		return set_flag(st, argv[1], MR_CONTACT_OPT_OUT, 1, "opted out", user, err);
	if (strcmp(sub, "hold") == 0 && argc == 2)
		return set_flag(st, argv[1], MR_CONTACT_ON_HOLD, 2, "on hold", user, err);
	if (strcmp(sub, "unhold") == 0 && argc == 2)
		return set_flag(st, argv[1], MR_CONTACT_ON_HOLD, 0, "no longer on hold", user, err);
	if (strcmp(sub, "set") == 0 && argc == 4) {
		int v = 0;
		if (yes_no(argv[3], &v) != 0) {
			*code_r = cli_fail(EX_USAGE, "contact set", "\"%s\": yes or no", argv[3]);
			return 0;
		}
		if (strcmp(argv[2], "do-not-email") == 0)
			return set_flag(st, argv[1], MR_CONTACT_DO_NOT_EMAIL, v,
					v ? "do-not-email" : "email allowed", user, err);
		if (strcmp(argv[2], "on-hold") == 0)
			return set_flag(st, argv[1], MR_CONTACT_ON_HOLD, v ? 2 : 0,
					v ? "on hold" : "no longer on hold", user, err);
		*code_r = cli_fail(EX_USAGE, "contact set", "\"%s\": do-not-email or on-hold",
				   argv[2]);
		return 0;
	}
	*code_r = cli_usage("contact");
	return 0;
}

/* Whether the contact is an Added member of group. */
struct is_member {
	const char *group;
	int added;
};

static int is_member_cb(void *cookie, const struct mr_membership *m)
{
	struct is_member *im = cookie;
	if (strcmp(m->group, im->group) == 0 && strcmp(m->status, "Added") == 0)
		im->added = 1;
	return 0;
}

/* Sets im->added when a group is named im->group. */
static int group_known_cb(void *cookie, const struct mr_group *g)
{
	struct is_member *im = cookie;
	if (strcmp(g->name, im->group) == 0)
		im->added = 1;
	return 0;
}

int cli_group_manage(struct mr_store *st, int argc, char **argv, int *code_r,
		     struct mr_error *err)
{
	const char *sub = argv[0], *user = NULL;
	*code_r = 0;
	argc = take_user(argc, argv, &user);
	if (strcmp(sub, "remove") == 0 && argc == 3) {
		int64_t id = 0;
		int rc = contact_id(st, argv[2], &id, err);
		struct is_member im = { argv[1], 0 };
		int known = 0;
		if (rc == 0)
			rc = mr_store_group_list(st, group_known_cb, &im, err);
		known = im.added;
		im.added = 0;
		if (rc == 0 && known)
			rc = mr_store_contact_groups(st, id, is_member_cb, &im, err);
		if (rc)
			return rc;
		if (!known) {
			*code_r = cli_fail(EX_DATAERR, "group remove", "no group named '%s'", argv[1]);
			return 0;
		}
		if (!im.added) {
			*code_r = cli_fail(EX_DATAERR, "group remove", "%s is not a member of group "
					   "'%s'", argv[2], argv[1]);
			return 0;
		}
		struct change_opts o = { .user = user };
		char who_buf[32];
		if ((rc = mr_store_begin(st, err)) != 0)
			return rc;
		rc = mr_store_group_member(st, argv[1], id, 0, err);
		if (rc == 0)
			rc = record(st, id, who_of(&o, who_buf, sizeof(who_buf)), "group-removed",
				    argv[1], err);
		if (rc == 0)
			rc = mr_store_commit(st, err);
		else
			mr_store_rollback(st);
		if (rc == 0)
			printf("%s: removed from group %s\n", argv[2], argv[1]);
		return rc;
	}
	if (strcmp(sub, "delete") == 0 && argc == 2) {
		int rc = mr_store_group_delete(st, argv[1], err);
		if (rc == 0)
			printf("group %s deleted\n", argv[1]);
		return rc;
	}
	if (strcmp(sub, "rename") == 0 && argc == 3) {
		int rc = mr_store_group_rename(st, argv[1], argv[2], err);
		if (rc == 0)
			printf("group %s renamed to %s\n", argv[1], argv[2]);
		return rc;
	}
	*code_r = cli_usage("group");
	return 0;
}

static int field_known(void *cookie, const char *name)
{
	return cli_fields_find(cookie, name) != NULL;
}

int cli_group_add_smart(struct mr_store *st, const char *name, const char *where)
{
	struct mr_error err = { 0 };
	struct cli_fields fs;
	int rc = cli_fields_load(st, &fs, &err);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "group add", "%s", err.msg);
	struct sg_query q;
	char why[300];
	int bad = sg_compile(where, SG_SQLITE, time(NULL), 1, field_known, &fs, &q, why,
			     sizeof(why));
	cli_fields_free(&fs);
	if (bad)
		return cli_fail(EX_DATAERR, "group add", "--where: %s", why);
	sg_query_free(&q);
	int64_t id = 0, count = 0;
	if ((rc = mr_store_begin(st, &err)) != 0)
		return cli_fail(mr_status_exit_code(rc), "group add", "%s", err.msg);
	rc = mr_store_group_add(st, name, NULL, &id, &err);
	if (rc == 0)
		rc = mr_store_group_set_where(st, name, where, &err);
	if (rc == 0)
		rc = mr_store_group_refresh(st, name, &count, &err);
	if (rc == 0)
		rc = mr_store_commit(st, &err);
	else
		mr_store_rollback(st);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "group add", "%s", err.msg);
	printf("smart group %s: id %lld, %lld members now (evaluated again when a mailing's "
	       "queue is built)\n", name, (long long)id, (long long)count);
	return 0;
}
