/* SPDX-License-Identifier: MIT */
/* Double opt-in: a subscription request recorded as pending with its signed confirmation mail sent through the site's transport, its confirmation into a membership, and `mailroom contact subscribe`. */
#include "config.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mailroom/addr.h>
#include <mailroom/track.h>
#include "optin.h"

static const char default_text[] =
	"Someone, probably you, asked to subscribe {email} to {group}.\n\n"
	"To confirm, open this link and press the button on its page:\n\n"
	"{url}\n\n"
	"The link works until {expires}. If you did not ask for this, ignore this "
	"message: you will not be subscribed and will hear no more from us.\n";

struct group_find {
	const char *name; /* look up by name, or */
	int64_t id;       /* by id */
	char *name_r, *title_r;
	size_t n;
	int64_t id_r;
	int found;
};

static int group_find_cb(void *cookie, const struct mr_group *g)
{
	struct group_find *f = cookie;
	if (f->found || (f->name ? strcmp(g->name, f->name) != 0 : g->id != f->id))
		return 0;
	f->found = 1;
	f->id_r = g->id;
	snprintf(f->name_r, f->n, "%s", g->name);
	snprintf(f->title_r, f->n, "%s", g->title && *g->title ? g->title : g->name);
	return 0;
}

int optin_group_name(struct mr_store *st, int64_t id, char *name, char *title, size_t n,
		     struct mr_error *err)
{
	struct group_find f = { .id = id, .name_r = name, .title_r = title, .n = n };
	int rc = mr_store_group_list(st, group_find_cb, &f, err);
	if (rc == 0 && !f.found)
		rc = mr_error_set(err, MR_ENOTFOUND, "no group with id %lld", (long long)id);
	return rc;
}

/* Appends text to b with every {name} of vars[] replaced by its value and
 * "\n" written as a line break; unknown {...} stay as they are. */
static void expand(struct mr_buf *b, const char *text, const char *const vars[][2], size_t nv)
{
	for (const char *p = text; *p; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			mr_buf_add(b, "\n", 1);
			p++;
			continue;
		}
		size_t i = nv;
		if (*p == '{')
			for (i = 0; i < nv; i++)
				if (strncmp(p + 1, vars[i][0], strlen(vars[i][0])) == 0 &&
				    p[1 + strlen(vars[i][0])] == '}')
					break;
		if (i < nv) {
			mr_buf_add(b, vars[i][1], strlen(vars[i][1]));
			p += strlen(vars[i][0]) + 1;
		} else {
			mr_buf_add(b, p, 1);
		}
	}
}

/* Builds, signs and sends the confirmation mail of url to rq->email. */
static int send_mail(struct mr_site *site, const struct optin_request *rq, const char *title,
		     const char *url, int64_t expires, struct optin_outcome *out,
		     struct mr_error *err)
{
	const struct mr_section *oc = site->core.cfg_section(&site->core, "optin");
	const char *from = mr_cfg_str(site->main, "from");
	if (!from || !*from)
		return mr_error_set(err, MR_ECONFIG, "no From address is configured: set 'from = "
				    "you@example.org' in [mailroom]");
	const char *domain = mr_cfg_str(site->main, "domain");
	if (!domain || !*domain)
		domain = strrchr(from, '@') + 1;
	const char *subject = oc ? mr_cfg_str(oc, "subject") : NULL;
	const char *text = oc ? mr_cfg_str(oc, "text") : NULL;
	char when[64];
	time_t tt = (time_t)expires;
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime_r(&tt, &tm));
	const char *const vars[][2] = { { "url", url }, { "group", title },
					{ "email", rq->email }, { "expires", when } };
	struct mr_buf body = { 0 };
	expand(&body, text && *text ? text : default_text, vars, sizeof(vars) / sizeof(vars[0]));
	if (body.oom) {
		mr_buf_free(&body);
		return mr_error_set(err, MR_ENOMEM, "out of memory writing the confirmation mail");
	}
	struct mr_test_message tm_ = { from, mr_cfg_str(site->main, "from_name"), rq->email,
				       subject && *subject ? subject :
				       "Please confirm your subscription", body.p, domain };
	char *data = NULL, *msgid = NULL;
	size_t len = 0;
	int rc = mr_mime_build_test(&tm_, &data, &len, &msgid, err);
	mr_buf_free(&body);
	if (rc == 0)
		rc = cli_sign_dkim(site, &data, &len, err);
	if (rc == 0) {
		struct mr_send_result res = { 0 };
		const char *rcpts[] = { rq->email };
		struct mr_outmsg m = {
			.size = sizeof(m), .envelope_from = from, .rcpts = rcpts, .n_rcpts = 1,
			.data = data, .len = len, .result_size = sizeof(res), .results = &res,
		};
		rc = site->transport.ops->send(site->transport.state, &m, 1, NULL, err);
		if (rc == 0 && res.status != MR_SEND_OK)
			rc = mr_error_set(err, res.status == MR_SEND_TEMPFAIL ? MR_ETEMP :
					  MR_EPERMANENT, "the confirmation mail to %s was refused "
					  "via %s: %d %s %s", rq->email, site->transport.name,
					  res.code, res.enhanced, res.text);
	}
	if (rc == 0)
		snprintf(out->msgid, sizeof(out->msgid), "%s", msgid);
	free(data);
	free(msgid);
	return rc;
}

static int record(struct mr_store *st, int64_t id, const char *who, const char *action,
		  const char *details, struct mr_error *err)
{
	struct mr_contact_event ev = { .contact_id = id, .time = time(NULL), .who = who,
				       .action = action, .details = details };
	return mr_store_contact_event_add(st, &ev, err);
}

static int found_cb(void *cookie, const struct mr_contact *c)
{
	*(int64_t *)cookie = c->id;
	return 0;
}

struct recent {
	const char *group;
	int64_t since;
	int found;
	int64_t expires;
};

static int recent_cb(void *cookie, const struct mr_membership *m)
{
	struct recent *r = cookie;
	if (strcmp(m->group, r->group) == 0 && m->added > r->since) {
		r->found = 1;
		r->expires = m->removed;
	}
	return 0;
}

int optin_subscribe(struct mr_site *site, const struct mr_verp_conf *verp,
		    const struct optin_request *rq, struct optin_outcome *out,
		    struct mr_error *err)
{
	struct mr_store *st = &site->store;
	memset(out, 0, sizeof(*out));
	if (!rq->email || !mr_addr_valid(rq->email))
		return mr_error_set(err, MR_EINPUT, "'%s' is not a valid email address",
				    rq->email ? rq->email : "");
	const struct mr_section *http = site->core.cfg_section(&site->core, "http");
	const char *base = http ? mr_cfg_str(http, "base_url") : NULL;
	if (!base || !*base)
		return mr_error_set(err, MR_ECONFIG, "the confirmation link needs [http] base_url "
				    "(the public URL of mailroom serve)");
	if (!verp || !verp->secret)
		return mr_error_set(err, MR_ECONFIG, "the confirmation link needs the site secret: "
				    "set secret_file in [mailroom]");
	const struct mr_section *oc = site->core.cfg_section(&site->core, "optin");
	long long ttl = oc ? mr_cfg_duration(oc, "expire") : 0;
	if (ttl <= 0)
		ttl = 7 * 86400;
	int64_t now = (int64_t)time(NULL);
	out->expires = now + ttl;

	int64_t id = 0;
	int rc = mr_store_contact_find(st, rq->email, found_cb, &id, err);
	int created = 0;
	if (rc == MR_ENOTFOUND) {
		struct mr_contact c = { .email = rq->email, .first_name = rq->first_name,
					.last_name = rq->last_name };
		rc = mr_store_contact_upsert(st, &c, &id, &created, err);
		if (rc == 0 && created)
			rc = record(st, id, rq->who, "added", rq->via, err);
	}
	if (rc)
		return rc;
	out->contact_id = id;
	/* a request made lately gets no second mail: the form cannot be used to
	 * flood someone's inbox */
	struct recent rs = { rq->group, now - (oc ? mr_cfg_duration(oc, "resend_after") : 600), 0 };
	if ((rc = mr_store_optin_pending_list(st, id, now, recent_cb, &rs, err)) != 0)
		return rc;
	if (rs.found) {
		out->throttled = 1;
		out->expires = rs.expires;
		return 0;
	}
	rc = mr_store_optin_pending_add(st, rq->group, id, out->expires, &out->group_id,
					&out->member, err);
	if (rc || out->member)
		return rc;
	struct mr_optin_token t = { id, out->group_id, out->expires };
	char token[128], url[1024], name[256], title[256];
	if ((rc = mr_optin_token(verp, &t, token, sizeof(token), err)) != 0 ||
	    (rc = optin_group_name(st, out->group_id, name, title, sizeof(name), err)) != 0)
		return rc;
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	snprintf(url, sizeof(url), "%.*s/confirm?t=%s", (int)bl, base, token);
	/* the store's lock goes to the next request while the mail is sent
	 * (taken in the order store, send: never the other way round) */
	int handover = rq->store_lock && rq->send_lock &&
		       (site->transport.ops->caps & MR_TRANSPORT_NO_STORE);
	if (handover) {
		pthread_mutex_lock(rq->send_lock);
		pthread_mutex_unlock(rq->store_lock);
	}
	rc = send_mail(site, rq, title, url, out->expires, out, err);
	if (handover) {
		pthread_mutex_unlock(rq->send_lock);
		pthread_mutex_lock(rq->store_lock);
	}
	if (rc) {
		/* no mail, no request: expired at once, so that a retry is not taken
		 * for a repeat (resend_after) and this link never works */
		struct mr_error e2 = { 0 };
		mr_store_optin_pending_add(st, rq->group, id, now, NULL, NULL, &e2);
		return rc;
	}
	char details[600];
	snprintf(details, sizeof(details), "%s (%s)", rq->group, rq->via);
	return record(st, id, rq->who, "subscribe-requested", details, err);
}

int optin_confirm(struct mr_store *st, const struct mr_optin_token *t, const char *via,
		  int *already_r, struct mr_error *err)
{
	int already = 0;
	int rc = mr_store_optin_confirm(st, t->group_id, t->contact_id, (int64_t)time(NULL),
					&already, err);
	if (rc == 0 && !already) {
		char name[256], title[256], details[600];
		if (optin_group_name(st, t->group_id, name, title, sizeof(name), err) != 0)
			snprintf(name, sizeof(name), "group %lld", (long long)t->group_id);
		snprintf(details, sizeof(details), "%s (confirmed, %s)", name, via);
		rc = record(st, t->contact_id, "web", "group-added", details, err);
	}
	if (rc == 0 && already_r)
		*already_r = already;
	return rc;
}

int cli_contact_subscribe(struct mr_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "first-name", required_argument, NULL, 'f' },
		{ "last-name", required_argument, NULL, 'l' },
		{ "user", required_argument, NULL, 'u' },
		{ 0 }
	};
	struct optin_request rq = { .via = "cli" };
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "g:f:l:u:", opts, NULL)) != -1) {
		switch (c) {
		case 'g': rq.group = optarg; break;
		case 'f': rq.first_name = optarg; break;
		case 'l': rq.last_name = optarg; break;
		case 'u': rq.who = optarg; break;
		default: return cli_usage("contact");
		}
	}
	if (optind != argc - 1 || !rq.group)
		return cli_fail(EX_USAGE, "contact subscribe", "usage: contact subscribe EMAIL "
				"--group G [--first-name F] [--last-name L] [--user U]");
	rq.email = argv[optind];
	if (!mr_addr_valid(rq.email))
		return cli_fail(EX_DATAERR, "contact subscribe", "'%s' is not a valid email address",
				rq.email);
	if (!rq.who) {
		const char *u = getenv("USER");
		rq.who = u && *u ? u : "cli";
	}
	struct mr_site *site;
	int code = cli_open_site(cli, MR_OPEN_STORE | MR_OPEN_TRANSPORT, &site);
	if (code)
		return code;
	struct mr_error err = { 0 };
	struct mr_verp_conf *verp = NULL;
	struct optin_outcome out;
	int rc = mr_mail_verp_conf(&site->core, &verp, &err);
	if (rc == 0)
		rc = optin_subscribe(site, verp, &rq, &out, &err);
	if (rc) {
		code = cli_fail(mr_status_exit_code(rc), "contact subscribe", "%s: %s", rq.email,
				err.msg);
	} else if (cli->json) {
		cli_json_print(json_pack("{s:o,s:o,s:I,s:s,s:I,s:o}", "email",
					 cli_json_text(rq.email), "group", cli_json_text(rq.group),
					 "contact_id", (json_int_t)out.contact_id,
					 "status", out.member ? "member" : out.throttled ?
					 "pending, not sent again" : "pending",
					 "expires", (json_int_t)(out.member ? 0 : out.expires),
					 "message_id", cli_json_text(out.msgid)));
	} else if (out.member) {
		printf("%s is already a member of %s: no confirmation sent\n", rq.email, rq.group);
	} else if (out.throttled) {
		printf("%s asked to join %s lately: no second confirmation sent ([optin] "
		       "resend_after)\n", rq.email, rq.group);
	} else {
		char when[32];
		time_t tt = (time_t)out.expires;
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime_r(&tt, &tm));
		printf("%s is pending in %s until %s UTC: confirmation %s sent via %s\n", rq.email,
		       rq.group, when, out.msgid, site->transport.name);
	}
	if (verp)
		mr_verp_conf_free(verp);
	mr_site_close(site);
	return code;
}
