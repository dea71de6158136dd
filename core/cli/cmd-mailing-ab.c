/* SPDX-License-Identifier: MIT */
/* mailroom mailing ab-test|ab-pick and the A/B lines of mailing stats: two test mailings to a fraction of a mailing's recipients, the winner (by opens, clicks or by hand) sent to exactly the rest. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "mailing-form.h"

/* One recipient the mailing's queue would have. */
struct ab_rcpt {
	int64_t contact_id;
	char *email;       /* lowercased */
	uint64_t key;      /* the order of the split */
};

struct ab_set {
	struct ab_rcpt *v;
	size_t n, cap;
	int64_t *excluded; /* contact ids of the excluded groups, sorted */
	size_t n_excluded, cap_excluded;
	int oom;
};

/* The A/B settings of a mailing. */
struct ab_conf {
	int64_t a, b;          /* the test mailings (0: no A/B test) */
	char by[16];           /* opens or clicks */
	int64_t after;         /* seconds after the tests are scheduled */
	char winner[4];        /* "a", "b" or "" */
	int fraction;
};

static int ab_setting(void *cookie, const char *name, const char *value)
{
	struct ab_conf *c = cookie;
	if (!strcmp(name, "ab_a"))
		c->a = strtoll(value, NULL, 10);
	else if (!strcmp(name, "ab_b"))
		c->b = strtoll(value, NULL, 10);
	else if (!strcmp(name, "ab_by"))
		snprintf(c->by, sizeof(c->by), "%s", value);
	else if (!strcmp(name, "ab_after"))
		c->after = strtoll(value, NULL, 10);
	else if (!strcmp(name, "ab_winner"))
		snprintf(c->winner, sizeof(c->winner), "%s", value);
	else if (!strcmp(name, "ab_fraction"))
		c->fraction = atoi(value);
	return 0;
}

static void ab_conf_of(struct mr_store *st, int64_t id, struct ab_conf *c)
{
	struct mr_error err = { 0 };
	memset(c, 0, sizeof(*c));
	if (MR_STORE_QUEUE_HAS(st, mailing_settings))
		mr_store_mailing_settings(st, id, ab_setting, c, &err);
}

/* FNV-1a of the mailing id and the email: the split's order, the same on
 * every run and store. */
static uint64_t split_key(int64_t mailing_id, const char *email)
{
	char idbuf[32];
	snprintf(idbuf, sizeof(idbuf), "%lld:", (long long)mailing_id);
	uint64_t h = 14695981039346656037ULL;
	for (const char *p = idbuf; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (const char *p = email; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static int excluded_cb(void *cookie, const struct mr_contact *c)
{
	struct ab_set *s = cookie;
	if (s->n_excluded == s->cap_excluded) {
		size_t cap = s->cap_excluded ? 2 * s->cap_excluded : 256;
		int64_t *nv = realloc(s->excluded, cap * sizeof(*nv));
		if (!nv) {
			s->oom = 1;
			return 1;
		}
		s->excluded = nv;
		s->cap_excluded = cap;
	}
	s->excluded[s->n_excluded++] = c->id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

struct member_ctx {
	struct ab_set *s;
	int64_t mailing_id;
};

static int member_cb(void *cookie, const struct mr_contact *c)
{
	struct member_ctx *mc = cookie;
	struct ab_set *s = mc->s;
	if (c->on_hold || c->do_not_email || c->is_opt_out || !c->email || !*c->email ||
	    (s->n_excluded && bsearch(&c->id, s->excluded, s->n_excluded, sizeof(int64_t), cmp_id)))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct ab_rcpt *nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv) {
			s->oom = 1;
			return 1;
		}
		s->v = nv;
		s->cap = cap;
	}
	char *e = strdup(c->email);
	if (!e) {
		s->oom = 1;
		return 1;
	}
	for (char *p = e; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	s->v[s->n++] = (struct ab_rcpt){ c->id, e, split_key(mc->mailing_id, e) };
	return 0;
}

static int cmp_rcpt(const void *a, const void *b)
{
	const struct ab_rcpt *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->email, y->email);
}

static void set_free(struct ab_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].email);
	free(s->v);
	free(s->excluded);
}

/* The mailing's groups, copied out of the store's callback. */
struct ab_groups {
	char *inc[MAILING_MAX_GROUPS], *exc[MAILING_MAX_GROUPS];
	size_t n_inc, n_exc;
	enum mr_mailing_status status;
	char *name;
	int found;
};

static int groups_cb(void *cookie, const struct mr_mailing *m)
{
	struct ab_groups *g = cookie;
	g->found = 1;
	g->status = m->status;
	g->name = strdup(m->name ? m->name : "");
	for (size_t i = 0; i < m->n_include && g->n_inc < MAILING_MAX_GROUPS; i++)
		g->inc[g->n_inc++] = strdup(m->include_groups[i]);
	for (size_t i = 0; i < m->n_exclude && g->n_exc < MAILING_MAX_GROUPS; i++)
		g->exc[g->n_exc++] = strdup(m->exclude_groups[i]);
	return 0;
}

static void groups_free(struct ab_groups *g)
{
	for (size_t i = 0; i < g->n_inc; i++)
		free(g->inc[i]);
	for (size_t i = 0; i < g->n_exc; i++)
		free(g->exc[i]);
	free(g->name);
}

/* The recipients of mailing id as its queue would be built (members of its
 * included groups, not of its excluded ones, not on hold, opted out or
 * do-not-email, one per email), in the split's order.  0 or the exit code. */
static int recipients(struct mr_store *st, int64_t id, const struct ab_groups *g,
		      struct ab_set *s, const char *cmd)
{
	struct mr_error err = { 0 };
	int rc = 0;
	for (size_t i = 0; i < g->n_exc && rc == 0; i++)
		rc = mr_store_group_members(st, g->exc[i], excluded_cb, s, &err);
	if (rc == 0 && s->n_excluded)
		qsort(s->excluded, s->n_excluded, sizeof(int64_t), cmp_id);
	struct member_ctx mc = { s, id };
	for (size_t i = 0; i < g->n_inc && rc == 0; i++)
		rc = mr_store_group_members(st, g->inc[i], member_cb, &mc, &err);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
	if (s->oom)
		return cli_fail(EX_OSERR, cmd, "out of memory");
	if (s->n)
		qsort(s->v, s->n, sizeof(s->v[0]), cmp_rcpt);
	size_t k = 0; /* one per email */
	for (size_t i = 0; i < s->n; i++) {
		if (k && strcmp(s->v[k - 1].email, s->v[i].email) == 0) {
			free(s->v[i].email);
			continue;
		}
		s->v[k++] = s->v[i];
	}
	s->n = k;
	return 0;
}

/* "30m", "4h", "2d", "90" (seconds) into *s_r; 0 or -1. */
static int parse_duration(const char *v, int64_t *s_r)
{
	char *end;
	long long n = strtoll(v, &end, 10);
	if (end == v || n < 0)
		return -1;
	long long unit = !*end ? 1 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 :
			 !strcmp(end, "h") ? 3600 : !strcmp(end, "d") ? 86400 : 0;
	if (!unit || n > 366LL * 86400)
		return -1;
	*s_r = n * unit;
	return 0;
}

/* Makes group name holding exactly the contacts v[0..n); 0 or the exit code. */
static int fill_group(struct mr_store *st, const char *name, const char *title,
		      const struct ab_rcpt *v, size_t n, const char *cmd)
{
	struct mr_error err = { 0 };
	int64_t gid = 0;
	struct ab_set old = { 0 };
	int rc = mr_store_group_add(st, name, title, &gid, &err);
	if (rc == 0)
		rc = mr_store_group_members(st, name, excluded_cb, &old, &err);
	size_t had = old.n_excluded;
	set_free(&old);
	if (rc == 0 && had)
		return cli_fail(EX_DATAERR, cmd, "group %s exists and has members: delete it first",
				name);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = mr_store_group_member(st, name, v[i].contact_id, 1, &err);
	return rc ? cli_fail(mr_status_exit_code(rc), cmd, "group %s: %s", name, err.msg) : 0;
}

static int set_setting(struct mr_store *st, int64_t id, const char *name, const char *fmt,
		       long long v, struct mr_error *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), fmt, v);
	return mr_store_mailing_setting_set(st, id, name, buf, err);
}

static int ab_test(struct mr_site *site, int64_t id, int argc, char **argv)
{
	static const char *const cmd = "mailing ab-test";
	struct mr_store *st = &site->store;
	const char *fraction = NULL, *by = "opens", *after = "4h", *schedule = NULL;
	struct mailing_form b = { .precedence = -1 };
	for (int i = 3; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return cli_fail(EX_USAGE, cmd, "%s needs a value", o);
		i++;
		if (!strcmp(o, "--fraction")) fraction = v;
		else if (!strcmp(o, "--by")) by = v;
		else if (!strcmp(o, "--after")) after = v;
		else if (!strcmp(o, "--schedule")) schedule = v;
		else if (!strcmp(o, "--subject-b")) b.subject = v;
		else if (!strcmp(o, "--from-name-b")) b.from_name = v;
		else if (!strcmp(o, "--text-b")) b.text_file = v;
		else if (!strcmp(o, "--html-b")) b.html_file = v;
		else
			return cli_fail(EX_USAGE, cmd, "unknown option %s", o);
	}
	char *end = NULL;
	long pct = fraction ? strtol(fraction, &end, 10) : 0;
	int64_t after_s = 0, when = 0;
	if (!fraction || *end || pct < 2 || pct > 100)
		return cli_fail(EX_USAGE, cmd, "--fraction PCT (2 to 100) is needed: PCT/2 %% of "
				"the recipients get A, as many B");
	if (strcmp(by, "opens") && strcmp(by, "clicks") && strcmp(by, "hand"))
		return cli_fail(EX_USAGE, cmd, "--by \"%s\": opens, clicks or hand", by);
	if (parse_duration(after, &after_s) != 0)
		return cli_fail(EX_USAGE, cmd, "--after \"%s\": a duration such as 90, 30m, 4h or "
				"2d", after);
	if (schedule && mailing_parse_when(schedule, &when) != 0)
		return cli_fail(EX_USAGE, cmd, "--schedule \"%s\": now or YYYY-MM-DD HH:MM",
				schedule);
	if (!b.subject && !b.from_name && !b.text_file && !b.html_file)
		return cli_fail(EX_USAGE, cmd, "variant B needs --subject-b, --from-name-b, "
				"--text-b or --html-b");
	struct ab_conf c;
	ab_conf_of(st, id, &c);
	if (c.a)
		return cli_fail(EX_DATAERR, cmd, "mailing %lld has an A/B test already "
				"(mailings %lld and %lld)", (long long)id, (long long)c.a,
				(long long)c.b);
	struct ab_groups g = { 0 };
	struct ab_set s = { 0 };
	struct mr_error err = { 0 };
	int64_t ida = 0, idb = 0;
	int rc = mr_store_mailing_get(st, id, groups_cb, &g, &err), code = 0;
	if (rc == MR_ENOTFOUND) {
		code = cli_fail(EX_NOINPUT, cmd, "no mailing %lld", (long long)id);
		goto out;
	} else if (rc) {
		code = cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
		goto out;
	}
	if (g.status != MR_MAILING_DRAFT) {
		code = cli_fail(EX_DATAERR, cmd, "mailing %lld is %s: an A/B test starts from a "
				"draft", (long long)id, mailing_status_name(g.status));
		goto out;
	}
	if ((code = mailing_form_load(&b, cmd)) != 0 ||
	    ((b.text || b.html) && (code = mailing_form_compose(st, &b, !b.text, cmd)) != 0) ||
	    (code = recipients(st, id, &g, &s, cmd)) != 0)
		goto out;
	size_t n = s.n * (size_t)pct / 200; /* each variant's share, rounded down */
	if (n == 0) {
		code = cli_fail(EX_DATAERR, cmd, "%ld %% of %zu recipients leaves no one for A or B",
				pct, s.n);
		goto out;
	}
	char ga[64], gb[64], title[128], name[512];
	snprintf(ga, sizeof(ga), "ab-%lld-a", (long long)id);
	snprintf(gb, sizeof(gb), "ab-%lld-b", (long long)id);
	snprintf(title, sizeof(title), "A/B test of mailing %lld: variant A", (long long)id);
	if ((code = fill_group(st, ga, title, s.v, n, cmd)) != 0)
		goto out;
	title[strlen(title) - 1] = 'B';
	if ((code = fill_group(st, gb, title, s.v + n, n, cmd)) != 0)
		goto out;
	struct mailing_form fa = { .precedence = -1 };
	fa.inc[0] = ga;
	fa.n_inc = 1;
	snprintf(name, sizeof(name), "%s (A/B test: A)", g.name);
	if ((code = mailing_copy_as(st, id, &fa, name, &ida, cmd)) != 0)
		goto out;
	b.inc[0] = gb;
	b.n_inc = 1;
	snprintf(name, sizeof(name), "%s (A/B test: B)", g.name);
	if ((code = mailing_copy_as(st, id, &b, name, &idb, cmd)) != 0)
		goto out;
	/* the rest: the mailing without the test groups */
	struct mailing_form rest = { .precedence = -1 };
	for (size_t i = 0; i < g.n_exc; i++)
		rest.exc[rest.n_exc++] = g.exc[i];
	if (rest.n_exc + 2 > MAILING_MAX_GROUPS) {
		code = cli_fail(EX_DATAERR, cmd, "too many excluded groups");
		goto out;
	}
	rest.exc[rest.n_exc++] = ga;
	rest.exc[rest.n_exc++] = gb;
	if ((code = mailing_update_with(st, id, &rest, cmd)) != 0)
		goto out;
	if ((rc = set_setting(st, id, "ab_a", "%lld", ida, &err)) ||
	    (rc = set_setting(st, id, "ab_b", "%lld", idb, &err)) ||
	    (rc = set_setting(st, id, "ab_fraction", "%lld", pct, &err)) ||
	    (rc = set_setting(st, id, "ab_after", "%lld", after_s, &err)) ||
	    (rc = mr_store_mailing_setting_set(st, id, "ab_by", by, &err))) {
		code = cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s", (long long)id,
				err.msg);
		goto out;
	}
	printf("mailing %lld: A/B test of %zu recipients: mailing %lld (A) to %zu, mailing %lld "
	       "(B) to %zu, the winner to the other %zu\n", (long long)id, s.n, (long long)ida, n,
	       (long long)idb, n, s.n - 2 * n);
	for (int k = 0; schedule && k < 2 && code == 0; k++) {
		int64_t tid = k ? idb : ida;
		if ((code = cli_mailing_may_schedule(site, tid, cmd)) == 0 &&
		    (rc = mr_store_mailing_set_status(st, tid, MR_MAILING_SCHEDULED, when, &err)))
			code = cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s",
					(long long)tid, err.msg);
		else if (code == 0)
			printf("mailing %lld scheduled\n", (long long)tid);
	}
out:
	mailing_form_free(&b);
	groups_free(&g);
	set_free(&s);
	return code;
}

/* The unique opens, or the sum of unique clicks over links, of a mailing. */
struct ab_score {
	int64_t opens, clicks;
};

static int score_cb(void *cookie, const struct mr_track_stat *row)
{
	struct ab_score *sc = cookie;
	if (row->kind == MR_TRACK_OPEN)
		sc->opens = row->unique;
	else
		sc->clicks += row->unique;
	return 0;
}

static void score_of(struct mr_store *st, int64_t id, struct ab_score *sc)
{
	struct mr_error err = { 0 };
	memset(sc, 0, sizeof(*sc));
	if (mr_store_has(st, MR_STORE_CAP_TRACKING))
		mr_store_track_stats(st, id, score_cb, sc, &err);
}

/* The status and schedule of a test mailing. */
struct ab_state {
	enum mr_mailing_status status;
	int64_t scheduled_at;
};

static int state_cb(void *cookie, const struct mr_mailing *m)
{
	struct ab_state *s = cookie;
	s->status = m->status;
	s->scheduled_at = m->scheduled_at;
	return 0;
}

/* auto: the winner by the test's measure once both test mailings are
 * complete and its time has come, ties to A; 'a', 'b', or 0 with why (and
 * its exit code in *code_r: EX_TEMPFAIL while it is too early). */
static char auto_winner(struct mr_store *st, const struct ab_conf *c, int *code_r, char *why,
			size_t wn)
{
	struct ab_state sa = { 0 }, sb = { 0 };
	struct mr_error err = { 0 };
	mr_store_mailing_get(st, c->a, state_cb, &sa, &err);
	mr_store_mailing_get(st, c->b, state_cb, &sb, &err);
	if (!strcmp(c->by, "hand")) {
		*code_r = EX_USAGE;
		snprintf(why, wn, "this A/B test is picked by hand: ab-pick ID A|B");
		return 0;
	}
	if (sa.status != MR_MAILING_COMPLETE || sb.status != MR_MAILING_COMPLETE) {
		*code_r = EX_TEMPFAIL;
		snprintf(why, wn, "the test mailings %lld and %lld are not both complete yet",
			 (long long)c->a, (long long)c->b);
		return 0;
	}
	int64_t due = (sa.scheduled_at > sb.scheduled_at ? sa.scheduled_at : sb.scheduled_at) +
		      c->after;
	if ((int64_t)time(NULL) < due) {
		char when[32];
		mr_format_local_time(due, when, sizeof(when));
		*code_r = EX_TEMPFAIL;
		snprintf(why, wn, "the winner is picked at %s", when);
		return 0;
	}
	struct ab_score a, b;
	score_of(st, c->a, &a);
	score_of(st, c->b, &b);
	int by_clicks = !strcmp(c->by, "clicks");
	return (by_clicks ? b.clicks > a.clicks : b.opens > a.opens) ? 'b' : 'a';
}

/* Gives mailing id the winner's content and schedules it for the rest; an
 * exit code, "mailing N: X wins" on stdout when say. */
static int ab_apply(struct mr_site *site, int64_t id, const struct ab_conf *c, char win, int say,
		    const char *cmd)
{
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	char val[2] = { win, '\0' };
	int rc, code;
	if ((code = mailing_take_content(st, id, win == 'a' ? c->a : c->b, cmd)) != 0 ||
	    (code = cli_mailing_may_schedule(site, id, cmd)) != 0)
		return code;
	if ((rc = mr_store_mailing_setting_set(st, id, "ab_winner", val, &err)) != 0 ||
	    (rc = mr_store_mailing_set_status(st, id, MR_MAILING_SCHEDULED, (int64_t)time(NULL),
					      &err)) != 0)
		return cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s", (long long)id,
				err.msg);
	if (say)
		printf("mailing %lld: %c wins; the rest is scheduled now\n", (long long)id,
		       win - 'a' + 'A');
	return 0;
}

static int ab_pick(struct mr_site *site, int64_t id, int argc, char **argv)
{
	static const char *const cmd = "mailing ab-pick";
	struct mr_store *st = &site->store;
	if (argc != 4)
		return cli_fail(EX_USAGE, cmd, "mailing ab-pick ID A|B|auto");
	struct ab_conf c;
	ab_conf_of(st, id, &c);
	if (!c.a)
		return cli_fail(EX_DATAERR, cmd, "mailing %lld has no A/B test", (long long)id);
	if (c.winner[0])
		return cli_fail(EX_DATAERR, cmd, "mailing %lld: %c won already", (long long)id,
				c.winner[0] - 'a' + 'A');
	const char *w = argv[3];
	int code = 0;
	char why[256] = "";
	char win = !strcasecmp(w, "a") ? 'a' : !strcasecmp(w, "b") ? 'b' :
		   !strcmp(w, "auto") ? auto_winner(st, &c, &code, why, sizeof(why)) : '?';
	if (win == '?')
		return cli_fail(EX_USAGE, cmd, "\"%s\": A, B or auto", w);
	if (!win)
		return cli_fail(code, cmd, "%s", why);
	return ab_apply(site, id, &c, win, 1, cmd);
}

/* The draft mailings of the store, their ids collected: a mailing waits for
 * its A/B winner as a draft (ab-test starts from one, the winner schedules
 * it), so the others need no look at their settings. */
struct id_list {
	int64_t *v;
	size_t n, cap;
};

static int collect_id(void *cookie, const struct mr_mailing *m)
{
	struct id_list *l = cookie;
	if (m->status != MR_MAILING_DRAFT)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		int64_t *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return MR_ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = m->id;
	return 0;
}

int cli_mailing_ab_due(struct mr_site *site, int say)
{
	static const char *const cmd = "cron: A/B winner";
	struct mr_store *st = &site->store;
	if (!mr_store_has(st, MR_STORE_CAP_QUEUE) || !MR_STORE_QUEUE_HAS(st, mailing_settings) ||
	    !MR_STORE_QUEUE_HAS(st, mailing_update))
		return EX_OK;
	struct id_list ids = { 0 };
	struct mr_error err = { 0 };
	int worst = EX_OK;
	if (mr_store_mailing_list(st, collect_id, &ids, &err) != 0) {
		free(ids.v);
		return cli_fail(EX_TEMPFAIL, cmd, "listing the mailings: %s", err.msg);
	}
	for (size_t i = 0; i < ids.n; i++) {
		struct ab_conf c;
		ab_conf_of(st, ids.v[i], &c);
		if (!c.a || c.winner[0] || !strcmp(c.by, "hand"))
			continue;
		int code = 0;
		char why[256];
		char win = auto_winner(st, &c, &code, why, sizeof(why));
		if (win && (code = ab_apply(site, ids.v[i], &c, win, say, cmd)) != EX_OK &&
		    worst == EX_OK)
			worst = code;
	}
	free(ids.v);
	return worst;
}

int cli_mailing_ab(struct mr_cli *cli, struct mr_site *site, int argc, char **argv)
{
	(void)cli;
	int64_t id;
	if (argc < 3 || cli_parse_id(argv[2], &id) != 0)
		return cli_usage("mailing");
	if (!MR_STORE_QUEUE_HAS(&site->store, mailing_settings) ||
	    !MR_STORE_QUEUE_HAS(&site->store, mailing_update))
		return cli_fail(EX_UNAVAILABLE, argv[1], "the store '%s' keeps no mailing settings",
				site->store.name ? site->store.name : "?");
	return !strcmp(argv[1], "ab-test") ? ab_test(site, id, argc, argv) :
					     ab_pick(site, id, argc, argv);
}

int cli_mailing_ab_pending(struct mr_store *st, int64_t id, const char *cmd)
{
	struct ab_conf c;
	ab_conf_of(st, id, &c);
	if (!c.a || c.winner[0])
		return 0;
	return cli_fail(EX_DATAERR, cmd, "mailing %lld waits for the winner of its A/B test "
			"(mailings %lld and %lld): mailing ab-pick %lld A|B|auto", (long long)id,
			(long long)c.a, (long long)c.b, (long long)id);
}

/* One variant's counts for mailing stats. */
static json_t *variant_json(struct mr_store *st, int64_t id, struct mr_mailing_stats *s,
			    struct ab_score *sc)
{
	struct mr_error err = { 0 };
	memset(s, 0, sizeof(*s));
	mr_store_mailing_stats(st, id, s, &err);
	score_of(st, id, sc);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "mailing", (json_int_t)id, "recipients",
			 (json_int_t)s->total, "sent", (json_int_t)s->sent, "delivered",
			 (json_int_t)s->delivered, "opened", (json_int_t)sc->opens, "clicked",
			 (json_int_t)sc->clicks);
}

json_t *cli_mailing_ab_stats(struct mr_store *st, int64_t id, int print)
{
	struct ab_conf c;
	ab_conf_of(st, id, &c);
	if (!c.a)
		return NULL;
	json_t *o = json_object();
	struct mr_mailing_stats s;
	struct ab_score sc;
	for (int k = 0; k < 2; k++) {
		json_t *v = variant_json(st, k ? c.b : c.a, &s, &sc);
		if (print)
			printf("  A/B %c      mailing %lld: %lld recipients, %lld sent, %lld delivered, "
			       "%lld opened, %lld clicked\n", k ? 'B' : 'A', (long long)(k ? c.b : c.a),
			       (long long)s.total, (long long)s.sent, (long long)s.delivered,
			       (long long)sc.opens, (long long)sc.clicks);
		cli_json_set(o, k ? "b" : "a", v);
	}
	if (print)
		printf("  A/B winner %s (by %s, %d %% tested)\n", c.winner[0] ?
		       (c.winner[0] == 'a' ? "A" : "B") : "not yet", c.by, c.fraction);
	cli_json_set(o, "winner", c.winner[0] ? json_string(c.winner) : json_null());
	cli_json_set(o, "by", json_string(c.by));
	cli_json_set(o, "fraction", json_integer(c.fraction));
	return o;
}
