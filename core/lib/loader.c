/* SPDX-License-Identifier: MIT */
/* The plugin loader: finds KIND-NAME.so files with libltdl and validates each descriptor before any plugin code runs. */
#include "config.h"
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
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
	case MR_KIND_STORE:
		return offsetof(struct mr_store_ops, user_delete) + sizeof(void *);
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
		MUST(o, schema_version); MUST(o, spool_add); MUST(o, spool_list); MUST(o, spool_get);
		MUST(o, spool_purge); MUST(o, job_run_start); MUST(o, job_run_end);
		MUST(o, job_run_list); MUST(o, job_run_purge); MUST(o, msg_seen); MUST(o, msg_mark);
		MUST(o, msg_purge); MUST(o, user_put); MUST(o, user_get); MUST(o, user_list);
		MUST(o, user_delete);
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
	for (const struct mr_key *k = d->keys; k && k->name; k++) {
		if (k->type < MR_KEY_STRING || k->type > MR_KEY_SECRET)
			return mr_error_set(err, MR_ECONFIG, "%s-%s: key '%s' has unknown type %d",
					    mr_kind_name(d->kind), d->name, k->name, (int)k->type);
		if (k->type == MR_KEY_ENUM && !k->choices)
			return mr_error_set(err, MR_ECONFIG, "%s-%s: enum key '%s' has no choices",
					    mr_kind_name(d->kind), d->name, k->name);
	}
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
	free(p->path);
	free(p);
}

int mr_plugin_find(const struct mr_plugin_path *p, enum mr_plugin_kind kind, const char *name,
		   struct mr_plugin **plugin_r, struct mr_error *err)
{
	*plugin_r = NULL;
	char *first = NULL;
	for (size_t i = 0; i < p->n; i++) {
		char *path;
		if (asprintf(&path, "%s/%s-%s.so", p->dirs[i], mr_kind_name(kind), name) < 0)
			return mr_error_set(err, MR_ENOMEM, "out of memory");
		FILE *f = fopen(path, "r");
		if (!f) {
			free(path);
			continue;
		}
		fclose(f);
		if (first) {
			mr_error_set(err, MR_ECONFIG, "%s plugin '%s' is found twice: %s and %s; "
				     "remove one", mr_kind_name(kind), name, first, path);
			free(first);
			free(path);
			return MR_ECONFIG;
		}
		first = path;
	}
	if (!first) {
		char dirs[1024] = "";
		for (size_t i = 0; i < p->n; i++)
			snprintf(dirs + strlen(dirs), sizeof(dirs) - strlen(dirs), "%s%s",
				 i ? ", " : "", p->dirs[i]);
		return mr_error_set(err, MR_ENOTFOUND, "%s plugin '%s' not found (no %s-%s.so in %s)",
				    mr_kind_name(kind), name, mr_kind_name(kind), name,
				    dirs[0] ? dirs : "an empty plugin path");
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

void mr_plugin_scan(const struct mr_plugin_path *p, mr_plugin_scan_cb *cb, void *cookie)
{
	struct seen { enum mr_plugin_kind kind; char *name; char *path; } *seen = NULL;
	size_t n_seen = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct dirent **ents;
		int n = scandir(p->dirs[i], &ents, NULL, alphasort);
		for (int e = 0; e < n; e++) {
			char *path = NULL;
			if (has_so_suffix(ents[e]->d_name) &&
			    asprintf(&path, "%s/%s", p->dirs[i], ents[e]->d_name) >= 0) {
				struct mr_plugin *pl = NULL;
				struct mr_error why = { 0 };
				if (mr_plugin_open(path, &pl, &why) == 0) {
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
				if (pl && why.status == 0) {
					struct seen *ns = realloc(seen, (n_seen + 1) * sizeof(*ns));
					if (ns) {
						seen = ns;
						seen[n_seen].kind = pl->desc->kind;
						seen[n_seen].name = strdup(pl->desc->name);
						seen[n_seen++].path = strdup(path);
					}
				}
				cb(cookie, path, why.status ? NULL : pl, why.status ? &why : NULL);
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
}
