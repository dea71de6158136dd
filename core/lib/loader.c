/* SPDX-License-Identifier: MIT */
/* The plugin loader: finds KIND-NAME.so files with libltdl and validates each descriptor before any plugin code runs. */
#include "config.h"
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ltdl.h>
#include "mr.h"

static const char *const kind_names[] = {
	[MR_KIND_TRANSPORT] = "transport",
	[MR_KIND_FETCH] = "fetch",
	[MR_KIND_STORE] = "store",
	[MR_KIND_JOB] = "job",
};

const char *mr_kind_name(enum mr_plugin_kind kind)
{
	if (kind >= MR_KIND_TRANSPORT && kind <= MR_KIND_JOB)
		return kind_names[kind];
	return "unknown";
}

int mr_kind_parse(const char *word, enum mr_plugin_kind *kind_r)
{
	for (int k = MR_KIND_TRANSPORT; k <= MR_KIND_JOB; k++)
		if (strcmp(word, kind_names[k]) == 0) {
			*kind_r = (enum mr_plugin_kind)k;
			return 0;
		}
	return MR_EINPUT;
}

static void path_add_list(struct mr_plugin_path *p, const char *list)
{
	if (!list)
		return;
	char *copy = strdup(list), *save = NULL;
	for (char *tok = copy ? strtok_r(copy, ":,", &save) : NULL; tok;
	     tok = strtok_r(NULL, ":,", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		if (!*tok)
			continue;
		size_t seen = 0;
		while (seen < p->n && strcmp(p->dirs[seen], tok) != 0)
			seen++;
		if (seen < p->n)
			continue; /* a directory listed twice keeps its first place */
		char **dirs = realloc(p->dirs, (p->n + 1) * sizeof(*dirs));
		if (!dirs)
			break;
		p->dirs = dirs;
		if ((p->dirs[p->n] = strdup(tok)))
			p->n++;
	}
	free(copy);
}

void mr_plugin_path_init(struct mr_plugin_path *p, const char *plugin_path_list,
			 const char *plugin_dir)
{
	p->dirs = NULL;
	p->n = 0;
	path_add_list(p, plugin_path_list);
	path_add_list(p, getenv("MAILROOM_PLUGIN_PATH"));
	const char *only = getenv("MAILROOM_PLUGIN_PATH_ONLY");
	if (!only || !*only || strcmp(only, "0") == 0)
		path_add_list(p, plugin_dir);
}

void mr_plugin_path_free(struct mr_plugin_path *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->dirs[i]);
	free(p->dirs);
	p->dirs = NULL;
	p->n = 0;
}

/* The size of each kind's ops table at ABI 1.0: a smaller table is refused. */
static size_t min_ops_size(enum mr_plugin_kind kind)
{
	switch (kind) {
	case MR_KIND_TRANSPORT:
		return offsetof(struct mr_transport_ops, describe) + sizeof(void *);
	case MR_KIND_FETCH:
		return offsetof(struct mr_fetch_ops, close) + sizeof(void *);
	case MR_KIND_STORE: /* slots appended after 1.0 (lock) are MAY */
		return offsetof(struct mr_store_ops, activity) + sizeof(void *);
	case MR_KIND_JOB:
		return offsetof(struct mr_job_ops, lock_group) + sizeof(void *);
	}
	return 0;
}

#define MUST(ops, slot) do { if (!(ops)->slot) return #slot; } while (0)

/* The first MUST slot left NULL, or NULL when all are set. */
static const char *missing_must_slot(enum mr_plugin_kind kind, const void *ops)
{
	switch (kind) {
	case MR_KIND_TRANSPORT: {
		const struct mr_transport_ops *o = ops;
		MUST(o, init); MUST(o, deinit); MUST(o, send);
		if (o->caps & MR_TRANSPORT_STREAMING) {
			MUST(o, stream_open); MUST(o, stream_push); MUST(o, stream_close);
		}
		break;
	}
	case MR_KIND_FETCH: {
		const struct mr_fetch_ops *o = ops;
		MUST(o, init); MUST(o, deinit); MUST(o, open); MUST(o, next); MUST(o, dispose);
		MUST(o, close);
		break;
	}
	case MR_KIND_STORE: {
		const struct mr_store_ops *o = ops;
		MUST(o, init); MUST(o, deinit); MUST(o, begin); MUST(o, commit); MUST(o, rollback);
		MUST(o, schema_version); MUST(o, job_run_start); MUST(o, job_run_end);
		MUST(o, job_run_list); MUST(o, job_run_purge); MUST(o, msg_seen); MUST(o, msg_mark);
		MUST(o, msg_purge); MUST(o, msg_outcome); MUST(o, user_put); MUST(o, user_get);
		MUST(o, user_list); MUST(o, user_delete);
		break;
	}
	case MR_KIND_JOB: {
		const struct mr_job_ops *o = ops;
		MUST(o, run);
		break;
	}
	}
	return NULL;
}

/* The first slot left NULL in one of a store's capability sub-tables (its
 * table's name into *table_r), or NULL when every present sub-table is whole. */
static const char *missing_store_slot(const struct mr_store_ops *o, const char **table_r)
{
	if (o->spool) {
		const struct mr_store_spool_ops *t = o->spool;
		*table_r = "spool";
		MUST(t, spool_add); MUST(t, spool_list); MUST(t, spool_get); MUST(t, spool_purge);
	}
	if (o->contacts) {
		const struct mr_store_contacts_ops *t = o->contacts;
		*table_r = "contacts";
		MUST(t, contact_upsert); MUST(t, contact_find); MUST(t, contact_list);
		MUST(t, contact_set_flag); MUST(t, group_add); MUST(t, group_list);
		MUST(t, group_member); MUST(t, group_members);
	}
	if (o->queue) {
		const struct mr_store_queue_ops *t = o->queue;
		*table_r = "queue";
		MUST(t, mailing_create); MUST(t, mailing_get); MUST(t, mailing_list);
		MUST(t, mailing_set_status); MUST(t, mailing_due); MUST(t, queue_build);
		MUST(t, queue_recover); MUST(t, queue_claim); MUST(t, queue_mark);
		MUST(t, queue_unstarted); MUST(t, queue_outcome); MUST(t, mailing_finish);
		MUST(t, mailing_stats);
	}
	if (o->bounce) {
		const struct mr_store_bounce_ops *t = o->bounce;
		*table_r = "bounce";
		MUST(t, bounce_target); MUST(t, bounce_add); MUST(t, verp_action);
		MUST(t, holds_reset); MUST(t, bounce_stats);
	}
	if (o->activity) {
		const struct mr_store_activity_ops *t = o->activity;
		*table_r = "activity";
		MUST(t, activity_contact); MUST(t, activity_add); MUST(t, activity_list);
		MUST(t, activity_get); MUST(t, activity_attachment);
	}
	if (mr_store_ops_caps(o) & MR_STORE_CAP_LOCK) {
		const struct mr_store_lock_ops *t = o->lock;
		*table_r = "lock";
		if (t->size < sizeof(struct mr_store_lock_ops))
			return "size";
		MUST(t, lock_try); MUST(t, lock_release); MUST(t, lock_list);
	}
	const struct mr_store_tracking_ops *tr = mr_store_tracking_of(o);
	if (tr) {
		const struct mr_store_tracking_ops *t = tr;
		*table_r = "tracking";
		MUST(t, track_set); MUST(t, track_get); MUST(t, track_record); MUST(t, track_stats);
		MUST(t, track_events);
	}
	const struct mr_store_copy_ops *cp = mr_store_copy_of(o);
	if (cp) {
		*table_r = "copy";
		if (cp->size < sizeof(struct mr_store_copy_ops))
			return "size";
		MUST(cp, copy_tables); MUST(cp, rows_count); MUST(cp, rows_export);
		MUST(cp, rows_import);
	}
	return NULL;
}

/* Checks the size of each capability sub-table a store has; 0 or MR_ECONFIG. */
static int check_store_subtables(const struct mr_plugin_desc *d, struct mr_error *err)
{
	const struct mr_store_ops *o = d->ops;
	const struct { unsigned cap; const char *table; const void *ops; size_t want; } subs[] = {
		{ MR_STORE_CAP_SPOOL, "spool", o->spool, sizeof(struct mr_store_spool_ops) },
		{ MR_STORE_CAP_CONTACTS, "contacts", o->contacts,
		  sizeof(struct mr_store_contacts_ops) },
		{ MR_STORE_CAP_QUEUE, "queue", o->queue, sizeof(struct mr_store_queue_ops) },
		{ MR_STORE_CAP_BOUNCE, "bounce", o->bounce, sizeof(struct mr_store_bounce_ops) },
		{ MR_STORE_CAP_ACTIVITY, "activity", o->activity,
		  sizeof(struct mr_store_activity_ops) },
		{ MR_STORE_CAP_TRACKING, "tracking", mr_store_tracking_of(o),
		  sizeof(struct mr_store_tracking_ops) },
	};
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (!subs[i].ops)
			continue;
		size_t size = *(const size_t *)subs[i].ops;
		if (size < subs[i].want)
			return mr_error_set(err, MR_ECONFIG, "store-%s: its %s sub-table (struct "
					    "mr_store_%s_ops, the %s) has size %zu, smaller than "
					    "ABI %u.0's %zu", d->name, subs[i].table,
					    subs[i].table, mr_store_cap_name(subs[i].cap), size,
					    MR_ABI_MAJOR, subs[i].want);
	}
	const char *table = NULL, *slot = missing_store_slot(o, &table);
	if (slot)
		return mr_error_set(err, MR_ECONFIG, "store-%s: required slot '%s' of its %s "
				    "sub-table (struct mr_store_%s_ops) is NULL; a store has a "
				    "whole sub-table or none", d->name, slot, table, table);
	return 0;
}

static int name_ok(const char *name)
{
	if (!name || !*name || strlen(name) > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

int mr_plugin_validate(const struct mr_plugin_desc *d, struct mr_error *err)
{
	if (d->magic != MR_PLUGIN_MAGIC)
		return mr_error_set(err, MR_ECONFIG, "bad magic number 0x%08x (want 0x%08x): "
				    "not a mailroom plugin", (unsigned)d->magic, MR_PLUGIN_MAGIC);
	if (d->abi_major != MR_ABI_MAJOR)
		return mr_error_set(err, MR_ECONFIG, "built for plugin ABI %u.%u, this mailroom "
				    "has ABI %u.%u: rebuild the plugin against this version",
				    d->abi_major, d->abi_minor, MR_ABI_MAJOR, MR_ABI_MINOR);
	if (d->size < offsetof(struct mr_plugin_desc, ops) + sizeof(void *))
		return mr_error_set(err, MR_ECONFIG, "descriptor size %u is smaller than ABI %u.0's %zu",
				    (unsigned)d->size, MR_ABI_MAJOR,
				    offsetof(struct mr_plugin_desc, ops) + sizeof(void *));
	if (d->kind < MR_KIND_TRANSPORT || d->kind > MR_KIND_JOB)
		return mr_error_set(err, MR_ECONFIG, "unknown plugin kind %d", (int)d->kind);
	if (!name_ok(d->name))
		return mr_error_set(err, MR_ECONFIG, "bad plugin name (want 1-64 of a-z, 0-9, -, _)");
	if (!d->version || !d->description)
		return mr_error_set(err, MR_ECONFIG, "%s-%s: version or description is missing",
				    mr_kind_name(d->kind), d->name);
	if (!d->ops)
		return mr_error_set(err, MR_ECONFIG, "%s-%s: no ops table", mr_kind_name(d->kind),
				    d->name);
	size_t ops_size = *(const size_t *)d->ops, want = min_ops_size(d->kind);
	if (ops_size < want)
		return mr_error_set(err, MR_ECONFIG, "%s-%s: %s ops table size %zu is smaller than "
				    "ABI %u.0's %zu", mr_kind_name(d->kind), d->name,
				    mr_kind_name(d->kind), ops_size, MR_ABI_MAJOR, want);
	const char *slot = missing_must_slot(d->kind, d->ops);
	if (slot)
		return mr_error_set(err, MR_ECONFIG, "%s-%s: required slot '%s' of its %s ops "
				    "table is NULL", mr_kind_name(d->kind), d->name, slot,
				    mr_kind_name(d->kind));
	if (d->kind == MR_KIND_STORE && check_store_subtables(d, err) != 0)
		return err->status;
	return mr_plugin_keys_check(d, NULL, err);
}

/* The size of struct mr_key at ABI 1.0: a table of smaller entries is refused. */
#define MR_KEY_SIZE_1_0 (offsetof(struct mr_key, ctype) + sizeof(enum mr_key_ctype))

/* The C type each key type is stored as. */
static enum mr_key_ctype ctype_of(enum mr_key_type type)
{
	switch (type) {
	case MR_KEY_INT:
	case MR_KEY_DURATION: return MR_CTYPE_LLONG;
	case MR_KEY_BOOL: return MR_CTYPE_INT;
	case MR_KEY_SECRET: return MR_CTYPE_NONE;
	default: return MR_CTYPE_STR;
	}
}

static size_t ctype_size(enum mr_key_ctype c)
{
	switch (c) {
	case MR_CTYPE_STR: return sizeof(const char *);
	case MR_CTYPE_LLONG: return sizeof(long long);
	case MR_CTYPE_INT: return sizeof(int);
	default: return 0;
	}
}

static const char *ctype_name(enum mr_key_ctype c)
{
	switch (c) {
	case MR_CTYPE_STR: return "const char *";
	case MR_CTYPE_LLONG: return "long long";
	case MR_CTYPE_INT: return "int";
	case MR_CTYPE_NONE: return "no field";
	default: return "another type";
	}
}

int mr_plugin_keys_check(const struct mr_plugin_desc *d, struct mr_key **keys_r,
			 struct mr_error *err)
{
	const char *kind = mr_kind_name(d->kind);
	if (keys_r)
		*keys_r = NULL;
	if (d->keys && d->key_size < MR_KEY_SIZE_1_0)
		return mr_error_set(err, MR_ECONFIG, "%s-%s: key table entry size %zu is smaller "
				    "than ABI %u.0's %zu: rebuild the plugin", kind, d->name,
				    d->key_size, MR_ABI_MAJOR, (size_t)MR_KEY_SIZE_1_0);
	size_t n = 0;
	struct mr_key *keys = NULL;
	for (;; n++) {
		/* copy each entry into this core's layout: fields the plugin's
		 * struct mr_key lacks stay zero, fields it has beyond ours are
		 * ignored */
		struct mr_key k = { 0 };
		if (d->keys)
			memcpy(&k, (const char *)d->keys + n * d->key_size,
			       d->key_size < sizeof(k) ? d->key_size : sizeof(k));
		if (keys_r) {
			struct mr_key *nk = realloc(keys, (n + 1) * sizeof(*nk));
			if (!nk) {
				free(keys);
				return mr_error_set(err, MR_ENOMEM, "out of memory");
			}
			keys = nk;
			keys[n] = k;
		}
		if (!k.name)
			break;
		const char *why = NULL;
		char buf[256];
		enum mr_key_ctype want = ctype_of(k.type);
		if (k.type < MR_KEY_STRING || k.type > MR_KEY_SECRET) {
			snprintf(buf, sizeof(buf), "has unknown type %d", (int)k.type);
			why = buf;
		} else if (k.type == MR_KEY_ENUM && !k.choices) {
			why = "is an enum without choices";
		} else if (want == MR_CTYPE_NONE && (k.size || k.ctype)) {
			why = "is a secret but has a config struct field (secrets are read "
			      "with cfg_secret, never kept)";
		} else if (want != MR_CTYPE_NONE && k.size == 0) {
			why = "has no field in the config struct (use MR_KEY_FIELD)";
		} else if (want != MR_CTYPE_NONE && (k.ctype != want || k.size != ctype_size(want))) {
			snprintf(buf, sizeof(buf), "is stored in a field of %s (%zu bytes), but its "
				 "type needs %s", ctype_name(k.ctype), k.size, ctype_name(want));
			why = buf;
		} else if (want != MR_CTYPE_NONE &&
			   (k.size > d->conf_size || k.offset > d->conf_size - k.size)) {
			snprintf(buf, sizeof(buf), "has its field at offset %zu (%zu bytes), outside "
				 "the %zu-byte config struct", k.offset, k.size, d->conf_size);
			why = buf;
		} else if (k.def) {
			why = mr_key_value_problem(&k, k.def, buf, sizeof(buf));
			if (why) {
				char dbuf[256];
				snprintf(dbuf, sizeof(dbuf), "has a default '%s' that %s", k.def, why);
				snprintf(buf, sizeof(buf), "%s", dbuf);
				why = buf;
			}
		}
		if (why) {
			free(keys);
			return mr_error_set(err, MR_ECONFIG, "%s-%s: key '%s' %s", kind, d->name, k.name,
					    why);
		}
	}
	if (keys_r)
		*keys_r = keys;
	return 0;
}

static int ltdl_ready(struct mr_error *err)
{
	static int ready;
	if (!ready) {
		if (lt_dlinit() != 0)
			return mr_error_set(err, MR_EINTERNAL, "lt_dlinit: %s", lt_dlerror());
		ready = 1;
	}
	return 0;
}

int mr_plugin_open(const char *path, struct mr_plugin **plugin_r, struct mr_error *err)
{
	*plugin_r = NULL;
	if (ltdl_ready(err))
		return err->status;
	lt_dladvise advise;
	lt_dladvise_init(&advise);
	lt_dladvise_local(&advise);
	lt_dlhandle h = lt_dlopenadvise(path, advise);
	lt_dladvise_destroy(&advise);
	if (!h)
		return mr_error_set(err, MR_ECONFIG, "%s: cannot load: %s", path, lt_dlerror());
	const struct mr_plugin_desc *d = lt_dlsym(h, MR_PLUGIN_SYMBOL);
	if (!d) {
		mr_error_set(err, MR_ECONFIG, "%s: no symbol %s (%s): not a mailroom plugin", path,
			     MR_PLUGIN_SYMBOL, lt_dlerror());
		lt_dlclose(h);
		return MR_ECONFIG;
	}
	struct mr_error why;
	if (mr_plugin_validate(d, &why)) {
		mr_error_set(err, MR_ECONFIG, "%s: refused: %s", path, why.msg);
		lt_dlclose(h);
		return MR_ECONFIG;
	}
	struct mr_plugin *p = calloc(1, sizeof(*p));
	if (!p || !(p->path = strdup(path))) {
		free(p);
		lt_dlclose(h);
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	}
	if (mr_plugin_keys_check(d, &p->keys, &why)) {
		mr_error_set(err, why.status, "%s: %s", path, why.msg);
		free(p->path);
		free(p);
		lt_dlclose(h);
		return err->status;
	}
	p->handle = h;
	p->desc = d;
	*plugin_r = p;
	return 0;
}

void mr_plugin_close(struct mr_plugin *p)
{
	if (!p)
		return;
	if (p->handle)
		lt_dlclose(p->handle);
	free(p->keys);
	free(p->path);
	free(p);
}

/* The name of the KIND-NAME.so file along the path nearest to name, for a
 * "did you mean": NULL when none is close (at most 2 edits, and at most half
 * of name's length: "smtpp" and "smpt" find smtp, "absent" finds nothing).
 * Only file names are compared: no plugin is opened. */
static const char *nearest_plugin(const struct mr_plugin_path *p, enum mr_plugin_kind kind,
				  const char *name, char *buf, size_t size)
{
	const char *kind_s = mr_kind_name(kind);
	size_t kl = strlen(kind_s), best_d = strlen(name) / 2 + 1;
	if (best_d > 3)
		best_d = 3;
	const char *best = NULL;
	for (size_t i = 0; i < p->n; i++) {
		DIR *dir = opendir(p->dirs[i]);
		if (!dir)
			continue;
		for (struct dirent *e; (e = readdir(dir));) {
			size_t l = strlen(e->d_name);
			if (l <= kl + 4 || strncmp(e->d_name, kind_s, kl) != 0 ||
			    e->d_name[kl] != '-' || strcmp(e->d_name + l - 3, ".so") != 0)
				continue;
			char cand[80];
			size_t cl = l - kl - 4;
			if (cl >= sizeof(cand))
				continue;
			memcpy(cand, e->d_name + kl + 1, cl);
			cand[cl] = '\0';
			size_t d = mr_edit_distance(name, cand);
			if (d < best_d) {
				best_d = d;
				snprintf(buf, size, "%s", cand);
				best = buf;
			}
		}
		closedir(dir);
	}
	return best;
}

/* The package that ships KIND-NAME, per the distribution's list (lines
 * "KIND-NAME PACKAGE", '#' comments) at $MAILROOM_PLUGIN_PACKAGES or
 * PKGDATADIR/plugin-packages; NULL when there is no list or no line. */
static const char *plugin_package(enum mr_plugin_kind kind, const char *name, char *buf,
				  size_t size)
{
	const char *list = getenv("MAILROOM_PLUGIN_PACKAGES");
	FILE *f = fopen(list && *list ? list : PKGDATADIR "/plugin-packages", "r");
	if (!f)
		return NULL;
	char want[96], line[256], plugin[96], package[96];
	snprintf(want, sizeof(want), "%s-%s", mr_kind_name(kind), name);
	const char *found = NULL;
	while (!found && fgets(line, sizeof(line), f))
		if (line[0] != '#' && sscanf(line, "%95s %95s", plugin, package) == 2 &&
		    strcmp(plugin, want) == 0) {
			snprintf(buf, size, "%s", package);
			found = buf;
		}
	fclose(f);
	return found;
}

int mr_plugin_find(const struct mr_plugin_path *p, enum mr_plugin_kind kind, const char *name,
		   struct mr_plugin **plugin_r, struct mr_error *err)
{
	*plugin_r = NULL;
	char *first = NULL;
	/* the first directory that has the file wins, as with PATH */
	for (size_t i = 0; i < p->n && !first; i++) {
		char *path;
		if (asprintf(&path, "%s/%s-%s.so", p->dirs[i], mr_kind_name(kind), name) < 0)
			return mr_error_set(err, MR_ENOMEM, "out of memory");
		if (access(path, F_OK) == 0)
			first = path;
		else
			free(path);
	}
	if (!first) {
		char dirs[1024] = "", near[80];
		for (size_t i = 0; i < p->n; i++)
			snprintf(dirs + strlen(dirs), sizeof(dirs) - strlen(dirs), "%s%s",
				 i ? ", " : "", p->dirs[i]);
		const char *guess = nearest_plugin(p, kind, name, near, sizeof(near));
		char pkg[96];
		const char *package = guess ? NULL : plugin_package(kind, name, pkg, sizeof(pkg));
		/* the suggestion before the directories, which may fill the message */
		return mr_error_set(err, MR_ENOTFOUND, "%s plugin '%s' not found%s%s%s%s%s%s (no "
				    "%s-%s.so in %s)", mr_kind_name(kind), name,
				    guess ? "; did you mean '" : "", guess ? guess : "",
				    guess ? "'?" : "", package ? "; install the package " : "",
				    package ? package : "", package ? ", which has it" : "",
				    mr_kind_name(kind), name, dirs[0] ? dirs : "an empty plugin path");
	}
	struct mr_plugin *pl;
	int rc = mr_plugin_open(first, &pl, err);
	if (rc == 0 && (pl->desc->kind != kind || strcmp(pl->desc->name, name) != 0)) {
		rc = mr_error_set(err, MR_ECONFIG, "%s: its descriptor says %s plugin '%s', but "
				  "the file name says %s '%s'", first, mr_kind_name(pl->desc->kind),
				  pl->desc->name, mr_kind_name(kind), name);
		mr_plugin_close(pl);
		pl = NULL;
	}
	free(first);
	*plugin_r = pl;
	return rc;
}

static int has_so_suffix(const char *name)
{
	size_t l = strlen(name);
	return l > 3 && strcmp(name + l - 3, ".so") == 0;
}

/* The winner (a path) whose file is called base, among the first n, or NULL. */
static const char *winner_of(char *const *winners, size_t n, const char *base)
{
	for (size_t w = 0; w < n; w++) {
		const char *slash = strrchr(winners[w], '/');
		if (strcmp(slash ? slash + 1 : winners[w], base) == 0)
			return winners[w];
	}
	return NULL;
}

void mr_plugin_scan(const struct mr_plugin_path *p, mr_plugin_scan_cb *cb, void *cookie)
{
	struct seen { enum mr_plugin_kind kind; char *name; char *path; } *seen = NULL;
	size_t n_seen = 0, n_win = 0;
	char **winners = NULL; /* the file used for each KIND-NAME.so so far */
	for (size_t i = 0; i < p->n; i++) {
		struct dirent **ents;
		int n = scandir(p->dirs[i], &ents, NULL, alphasort);
		size_t n_win_before = n_win; /* files of this directory shadow no other */
		for (int e = 0; e < n; e++) {
			char *path = NULL;
			if (has_so_suffix(ents[e]->d_name) &&
			    asprintf(&path, "%s/%s", p->dirs[i], ents[e]->d_name) >= 0) {
				const char *shadowed_by = winner_of(winners, n_win_before,
								    ents[e]->d_name);
				if (!shadowed_by) {
					char **nw = realloc(winners, (n_win + 1) * sizeof(*nw));
					if (nw && (nw[n_win] = strdup(path)))
						n_win++;
					if (nw)
						winners = nw;
				}
				struct mr_plugin *pl = NULL;
				struct mr_error why = { 0 };
				if (mr_plugin_open(path, &pl, &why) == 0 && !shadowed_by) {
					for (size_t s = 0; s < n_seen; s++)
						if (seen[s].kind == pl->desc->kind &&
						    strcmp(seen[s].name, pl->desc->name) == 0) {
							mr_error_set(&why, MR_ECONFIG, "duplicate %s plugin "
								     "'%s': also in %s",
								     mr_kind_name(pl->desc->kind),
								     pl->desc->name, seen[s].path);
							break;
						}
				}
				if (pl && why.status == 0 && !shadowed_by) {
					struct seen *ns = realloc(seen, (n_seen + 1) * sizeof(*ns));
					if (ns) {
						seen = ns;
						seen[n_seen].kind = pl->desc->kind;
						seen[n_seen].name = strdup(pl->desc->name);
						seen[n_seen++].path = strdup(path);
					}
				}
				cb(cookie, path, why.status ? NULL : pl, why.status ? &why : NULL,
				   shadowed_by);
				mr_plugin_close(pl);
				free(path);
			}
			free(ents[e]);
		}
		if (n >= 0)
			free(ents);
	}
	for (size_t s = 0; s < n_seen; s++) {
		free(seen[s].name);
		free(seen[s].path);
	}
	free(seen);
	for (size_t w = 0; w < n_win; w++)
		free(winners[w]);
	free(winners);
}
