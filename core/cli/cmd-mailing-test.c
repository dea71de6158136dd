/* SPDX-License-Identifier: MIT */
/* mailroom mailing test|preview: a mailing rendered as it goes out (tokens, VERP, List-Unsubscribe, DKIM) for given addresses or a group, sent through the site's transport marked as a test, or printed. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"

#define MAX_TEST_RCPTS 50

/* One message of a test: where it goes and whose tokens it carries. */
struct test_rcpt {
	char *to;
	char *first_name, *last_name, *display_name;
	int64_t contact_id;
	struct mr_buf fields;  /* the contact's custom fields, "NAME\x1fVALUE\x1e..." */
};

struct test_ctx {
	struct mr_site *site;
	struct mr_renderer *renderer;
	char *first_group;          /* the mailing's first included group */
	struct test_rcpt rcpts[MAX_TEST_RCPTS];
	size_t n;
	int too_many;
	struct mr_error err;
	int rc;
};

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

static void rcpt_free(struct test_rcpt *t)
{
	free(t->to);
	free(t->first_name);
	free(t->last_name);
	free(t->display_name);
	mr_buf_free(&t->fields);
	memset(t, 0, sizeof(*t));
}

/* The names of contact c into t (its address stays). */
static void take_names(struct test_rcpt *t, const struct mr_contact *c)
{
	free(t->first_name);
	free(t->last_name);
	free(t->display_name);
	t->first_name = dup0(c->first_name);
	t->last_name = dup0(c->last_name);
	t->display_name = dup0(c->display_name);
	t->contact_id = c->id;
}

static int names_cb(void *cookie, const struct mr_contact *c)
{
	take_names(cookie, c);
	return 0;
}

/* the first member only: a sample of the mailing's recipients */
static int first_member_cb(void *cookie, const struct mr_contact *c)
{
	take_names(cookie, c);
	return 1;
}

static int member_cb(void *cookie, const struct mr_contact *c)
{
	struct test_ctx *tc = cookie;
	if (tc->n == MAX_TEST_RCPTS) {
		tc->too_many = 1;
		return 1;
	}
	struct test_rcpt *t = &tc->rcpts[tc->n++];
	t->to = dup0(c->email);
	take_names(t, c);
	return 0;
}

static int renderer_cb(void *cookie, const struct mr_mailing *m)
{
	struct test_ctx *tc = cookie;
	tc->rc = mr_mail_renderer_new(&tc->site->core, m, &tc->renderer, &tc->err);
	if (tc->rc == 0)
		mr_renderer_mark_test(tc->renderer);
	if (m->n_include > 0)
		tc->first_group = strdup(m->include_groups[0]);
	return 0;
}

static int field_cb(void *cookie, const struct mr_field_value *v)
{
	struct mr_buf *b = cookie;
	mr_buf_printf(b, "%s%s\x1f%s", b->len ? "\x1e" : "", v->name, v->value);
	return 0;
}

/* t's names, and the custom fields of its contact (the language of its
 * variant among them); returns 0 for fill_names. */
static int with_fields(struct mr_store *st, struct test_rcpt *t)
{
	struct mr_error err = { 0 };
	t->fields.len = 0;
	if (t->contact_id > 0)
		mr_store_contact_fields(st, t->contact_id, field_cb, &t->fields, &err);
	mr_buf_add(&t->fields, "", 1);
	return 0;
}

/* Fills t's names: those of the contact named token_email (which must
 * exist), else of the contact whose address is t->to, else of a sample
 * contact (the first member of the mailing's first group), else fixed
 * sample names.  Returns 0 or an exit code (printed). */
static int fill_names(struct test_ctx *tc, struct test_rcpt *t, const char *token_email,
		      const char *cmd)
{
	struct mr_store *st = &tc->site->store;
	struct mr_error err = { 0 };
	if (token_email) {
		int rc = mr_store_contact_find(st, token_email, names_cb, t, &err);
		if (rc == MR_ENOTFOUND)
			return cli_fail(EX_NOINPUT, cmd, "--contact %s: no such contact", token_email);
		return rc ? cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg) :
			    with_fields(st, t);
	}
	if (t->to && mr_store_contact_find(st, t->to, names_cb, t, &err) == 0)
		return with_fields(st, t);
	if (tc->first_group)
		mr_store_group_members(st, tc->first_group, first_member_cb, t, &err);
	with_fields(st, t);
	if (!t->first_name) {
		t->first_name = strdup("Sample");
		t->last_name = strdup("Contact");
		t->display_name = strdup("Sample Contact");
	}
	return 0;
}

static void ctx_free(struct test_ctx *tc)
{
	for (size_t i = 0; i < tc->n; i++)
		rcpt_free(&tc->rcpts[i]);
	mr_renderer_free(tc->renderer);
	free(tc->first_group);
	if (tc->site)
		mr_site_close(tc->site);
}

/* Opens the site and makes the renderer of mailing id; 0 or an exit code. */
static int open_mailing(struct mr_cli *cli, struct test_ctx *tc, int64_t id, unsigned flags,
			const char *cmd)
{
	int code = cli_open_site(cli, flags, &tc->site);
	if (code)
		return code;
	struct mr_store *st = &tc->site->store;
	if (!mr_store_has(st, MR_STORE_CAP_QUEUE | MR_STORE_CAP_CONTACTS))
		return cli_fail(EX_UNAVAILABLE, cmd, "the store '%s' has no %s",
				st->name ? st->name : "?",
				mr_store_cap_name(mr_store_has(st, MR_STORE_CAP_QUEUE) ?
						  MR_STORE_CAP_CONTACTS : MR_STORE_CAP_QUEUE));
	struct mr_error err = { 0 };
	int rc = mr_store_mailing_get(st, id, renderer_cb, tc, &err);
	if (rc == MR_ENOTFOUND)
		return cli_fail(EX_NOINPUT, cmd, "no mailing %lld", (long long)id);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
	if (tc->rc)
		return cli_fail(mr_status_exit_code(tc->rc), cmd, "mailing %lld: %s", (long long)id,
				tc->err.msg);
	return 0;
}

/* The recipient of a rendering: no queue row, no job (VERP ids 0), so a
 * bounce, an unsubscribe or a click of a test message changes nothing. */
static struct mr_recipient recipient_of(int64_t mailing_id, const struct test_rcpt *t)
{
	return (struct mr_recipient){
		.mailing_id = mailing_id, .contact_id = t->contact_id, .email = t->to,
		.first_name = t->first_name, .last_name = t->last_name,
		.display_name = t->display_name, .attempts = 1,
		.fields = t->fields.p ? t->fields.p : "",
	};
}

int cli_mailing_preview(struct mr_cli *cli, int argc, char **argv)
{
	static const char *const cmd = "mailing preview";
	int64_t id;
	const char *contact = NULL, *part = "raw";
	if (argc < 3 || cli_parse_id(argv[2], &id) != 0)
		return cli_usage("mailing");
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			return cli_fail(EX_USAGE, cmd, "%s needs a value", argv[i]);
		if (!strcmp(argv[i], "--contact"))
			contact = argv[++i];
		else if (!strcmp(argv[i], "--part"))
			part = argv[++i];
		else
			return cli_fail(EX_USAGE, cmd, "unknown option %s", argv[i]);
	}
	if (strcmp(part, "raw") && strcmp(part, "text") && strcmp(part, "html"))
		return cli_fail(EX_USAGE, cmd, "--part \"%s\": text, html or raw", part);
	struct test_ctx *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return cli_fail(EX_OSERR, cmd, "out of memory");
	int code = open_mailing(cli, tc, id, MR_OPEN_STORE, cmd);
	struct test_rcpt *t = &tc->rcpts[0];
	if (code == 0) {
		tc->n = 1;
		const char *dom = mr_cfg_str(tc->site->main, "domain");
		const char *from = mr_cfg_str(tc->site->main, "from");
		if (contact) {
			t->to = strdup(contact);
		} else if (asprintf(&t->to, "sample@%s", dom && *dom ? dom : from &&
				    strchr(from, '@') ? strchr(from, '@') + 1 : "example.org") < 0) {
			t->to = NULL;
		}
		code = t->to ? fill_names(tc, t, contact, cmd) : cli_fail(EX_OSERR, cmd, "out of memory");
	}
	if (code == 0) {
		struct mr_recipient rc = recipient_of(id, t);
		struct mr_error err = { 0 };
		int st;
		if (!strcmp(part, "raw")) {
			struct mr_rendered_msg out = { 0 };
			if ((st = mr_render(tc->renderer, &rc, (int64_t)time(NULL), &out, &err)) == 0)
				fwrite(out.data, 1, out.len, stdout);
			free(out.data);
		} else {
			struct mr_buf b = { 0 };
			if ((st = mr_render_part(tc->renderer, &rc, part[0] == 'h', &b, &err)) == 0)
				fwrite(b.p ? b.p : "", 1, b.len, stdout);
			mr_buf_free(&b);
		}
		if (st)
			code = cli_fail(st == MR_ENOTFOUND ? EX_NOINPUT : mr_status_exit_code(st), cmd,
					"mailing %lld: %s", (long long)id, err.msg);
	}
	ctx_free(tc);
	free(tc);
	return code;
}

/* Sends the rendered messages of tc through the site's transport; 0 or an
 * exit code (every failure printed). */
static int send_tests(struct test_ctx *tc, int64_t id)
{
	static const char *const cmd = "mailing test";
	struct mr_site *site = tc->site;
	struct mr_rendered_msg out[MAX_TEST_RCPTS] = { 0 };
	struct mr_outmsg msgs[MAX_TEST_RCPTS];
	struct mr_send_result res[MAX_TEST_RCPTS];
	const char *rcpt[MAX_TEST_RCPTS];
	struct mr_error err = { 0 };
	int code = 0, rc = 0;
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < tc->n && !rc; i++) {
		struct mr_recipient r = recipient_of(id, &tc->rcpts[i]);
		if ((rc = mr_render(tc->renderer, &r, now, &out[i], &err)) != 0)
			code = cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld for %s: %s",
					(long long)id, tc->rcpts[i].to, err.msg);
		rcpt[i] = tc->rcpts[i].to;
		memset(&res[i], 0, sizeof(res[i]));
		msgs[i] = (struct mr_outmsg){
			.size = sizeof(msgs[i]), .envelope_from = out[i].envelope_from,
			.rcpts = &rcpt[i], .n_rcpts = 1, .data = out[i].data, .len = out[i].len,
			.result_size = sizeof(res[i]), .results = &res[i],
		};
	}
	if (!rc && (rc = site->transport.ops->send(site->transport.state, msgs, tc->n, NULL, &err)))
		code = cli_fail(mr_status_exit_code(rc), cmd, "transport %s: %s",
				site->transport.name, err.msg);
	for (size_t i = 0; !rc && i < tc->n; i++) {
		if (res[i].status == MR_SEND_OK) {
			printf("test of mailing %lld sent to %s (<%s>) via %s: %d %s %s\n",
			       (long long)id, rcpt[i], out[i].message_id, site->transport.name,
			       res[i].code, res[i].enhanced, res[i].text);
			continue;
		}
		int temp = res[i].status == MR_SEND_TEMPFAIL;
		code = cli_fail(temp ? EX_TEMPFAIL : EX_UNAVAILABLE, cmd, "%s failure for %s via %s: "
				"%d %s %s", temp ? "temporary" : "permanent", rcpt[i],
				site->transport.name, res[i].code, res[i].enhanced, res[i].text);
	}
	size_t sent = 0;
	for (size_t i = 0; !rc && i < tc->n; i++)
		sent += res[i].status == MR_SEND_OK;
	int64_t count = 0;
	if (sent && mr_store_mailing_tests(&site->store, id, (int64_t)sent, &count, &err) == 0)
		printf("mailing %lld: %lld test messages sent so far\n", (long long)id,
		       (long long)count);
	for (size_t i = 0; i < tc->n; i++)
		free(out[i].data);
	return code;
}

int cli_mailing_test(struct mr_cli *cli, int argc, char **argv)
{
	static const char *const cmd = "mailing test";
	int64_t id;
	const char *group = NULL, *contact = NULL, *to[MAX_TEST_RCPTS];
	size_t n_to = 0;
	if (argc < 3 || cli_parse_id(argv[2], &id) != 0)
		return cli_usage("mailing");
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			return cli_fail(EX_USAGE, cmd, "%s needs a value", argv[i]);
		const char *v = argv[++i];
		if (!strcmp(argv[i - 1], "--to")) {
			if (n_to == MAX_TEST_RCPTS)
				return cli_fail(EX_USAGE, cmd, "at most %d --to addresses",
						MAX_TEST_RCPTS);
			if (!mr_addr_valid(v))
				return cli_fail(EX_DATAERR, cmd, "--to \"%s\" is not an address", v);
			to[n_to++] = v;
		} else if (!strcmp(argv[i - 1], "--group")) {
			group = v;
		} else if (!strcmp(argv[i - 1], "--contact")) {
			contact = v;
		} else {
			return cli_fail(EX_USAGE, cmd, "unknown option %s", argv[i - 1]);
		}
	}
	if (!n_to == !group)
		return cli_fail(EX_USAGE, cmd, "--to ADDRESS... or --group G is needed (one of them)");
	struct test_ctx *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return cli_fail(EX_OSERR, cmd, "out of memory");
	int code = open_mailing(cli, tc, id, MR_OPEN_STORE | MR_OPEN_TRANSPORT, cmd);
	if (code == 0 && group) {
		struct mr_error err = { 0 };
		int rc = mr_store_group_members(&tc->site->store, group, member_cb, tc, &err);
		if (rc == MR_ENOTFOUND)
			code = cli_fail(EX_NOINPUT, cmd, "--group %s: no such group", group);
		else if (rc && !tc->too_many)
			code = cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
		else if (tc->too_many)
			code = cli_fail(EX_USAGE, cmd, "--group %s has more than %d members: a test "
					"group is a few people", group, MAX_TEST_RCPTS);
		else if (tc->n == 0)
			code = cli_fail(EX_NOINPUT, cmd, "--group %s has no members", group);
		for (size_t i = 0; code == 0 && contact && i < tc->n; i++)
			code = fill_names(tc, &tc->rcpts[i], contact, cmd);
	}
	for (size_t i = 0; code == 0 && i < n_to; i++) {
		tc->rcpts[tc->n].to = strdup(to[i]);
		code = tc->rcpts[tc->n].to ? fill_names(tc, &tc->rcpts[tc->n], contact, cmd) :
					     cli_fail(EX_OSERR, cmd, "out of memory");
		tc->n++;
	}
	if (code == 0)
		code = send_tests(tc, id);
	ctx_free(tc);
	free(tc);
	return code;
}
