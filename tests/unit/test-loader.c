/* SPDX-License-Identifier: MIT */
/* Unit tests of the loader: deliberately broken plugins (and key tables) are refused, before any of their code runs, with the exact reason; along the search path the first directory wins and the other copies are listed as shadowed. */
#include "config.h"
#include <stdlib.h>
#include <unistd.h>
#include "tap.h"
#include "mr.h"
#include <mailroom/mail.h>

static void refused(const char *file, const char *want)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", TEST_PLUGIN_DIR, file);
	struct mr_plugin *p = NULL;
	struct mr_error err = { 0 };
	int rc = mr_plugin_open(path, &p, &err);
	TAP_INT(rc, MR_ECONFIG, "%s is refused", file);
	TAP_OK(p == NULL, "%s: no plugin handle", file);
	TAP_OK(strstr(err.msg, want) != NULL, "%s: reason says '%s' (%s)", file, want, err.msg);
	mr_plugin_close(p);
}

struct scan {
	int loadable, refused, dup;
};

static void count(void *cookie, const char *path, const struct mr_plugin *pl,
		  const struct mr_error *why, const char *shadowed_by)
{
	struct scan *s = cookie;
	(void)shadowed_by;
	if (pl)
		s->loadable++;
	else
		s->refused++;
	if (why && strstr(why->msg, "duplicate transport plugin 'dup'"))
		s->dup++;
}

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return -1;
	}
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return fclose(out);
}

/* What a scan said about each file: its path, loadable or not, shadowed by what. */
struct listed {
	size_t n;
	struct { char path[1100]; int loadable; char shadowed_by[1100]; } f[16];
};

static void record(void *cookie, const char *path, const struct mr_plugin *pl,
		   const struct mr_error *why, const char *shadowed_by)
{
	struct listed *l = cookie;
	(void)why;
	if (l->n >= sizeof(l->f) / sizeof(l->f[0]))
		return;
	snprintf(l->f[l->n].path, sizeof(l->f[l->n].path), "%s", path);
	l->f[l->n].loadable = pl != NULL;
	snprintf(l->f[l->n].shadowed_by, sizeof(l->f[l->n].shadowed_by), "%s",
		 shadowed_by ? shadowed_by : "");
	l->n++;
}

/* The entry of a scan for path, or NULL. */
static const char *shadow_of(const struct listed *l, const char *path, int *loadable_r)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->f[i].path, path) == 0) {
			*loadable_r = l->f[i].loadable;
			return l->f[i].shadowed_by;
		}
	return NULL;
}

/* A key table as a newer ABI minor might build it: each entry longer. */
struct key_v2 {
	struct mr_key k;
	long long appended; /* a field this core does not know */
};

struct kconf {
	const char *host;
	long long port;
	int verify;
};

/* A transport descriptor with these keys (its ops are never looked at). */
static struct mr_plugin_desc key_desc(const void *keys, size_t key_size, size_t conf_size)
{
	return (struct mr_plugin_desc){
		.magic = MR_PLUGIN_MAGIC, .abi_major = MR_ABI_MAJOR, .abi_minor = MR_ABI_MINOR,
		.size = sizeof(struct mr_plugin_desc), .kind = MR_KIND_TRANSPORT, .name = "keys",
		.version = "1", .description = "key tests", .keys = keys, .key_size = key_size,
		.conf_size = conf_size,
	};
}

static void test_key_tables(void)
{
	struct mr_error err = { 0 };
	struct mr_key *keys = NULL;

	/* entries of a different struct mr_key size are walked by key_size */
	static const struct key_v2 v2[] = {
		{ .k = { .name = "host", .type = MR_KEY_STRING, .def = "localhost",
			 MR_KEY_FIELD(struct kconf, host) }, .appended = 7 },
		{ .k = { .name = "port", .type = MR_KEY_INT, .def = "25",
			 MR_KEY_FIELD(struct kconf, port) }, .appended = 8 },
		{ .k = { .name = NULL } },
	};
	struct mr_plugin_desc d = key_desc(v2, sizeof(v2[0]), sizeof(struct kconf));
	TAP_INT(mr_plugin_keys_check(&d, &keys, &err), 0,
		"a table of larger entries (key_size %zu) is accepted (%s)", sizeof(v2[0]), err.msg);
	TAP_OK(keys && keys[0].name && strcmp(keys[0].name, "host") == 0 && keys[1].name &&
	       strcmp(keys[1].name, "port") == 0 && !keys[2].name,
	       "it is walked entry by entry and copied into this core's layout");
	TAP_OK(keys && keys[1].offset == offsetof(struct kconf, port) &&
	       keys[1].size == sizeof(long long), "with each key's offset and size");
	free(keys);
	keys = NULL;

	static const struct mr_key small[] = {
		{ .name = "host", .type = MR_KEY_STRING, MR_KEY_FIELD(struct kconf, host) },
		{ 0 },
	};
	d = key_desc(small, offsetof(struct mr_key, offset), sizeof(struct kconf));
	TAP_INT(mr_plugin_keys_check(&d, &keys, &err), MR_ECONFIG,
		"a table of entries smaller than ABI 1.0's is refused");
	TAP_OK(strstr(err.msg, "transport-keys: key table entry size") != NULL, "%s", err.msg);
	TAP_OK(keys == NULL, "and nothing is copied");

	/* each field must lie inside the struct with the key type's C type */
	static const struct {
		struct mr_key k;
		const char *want;
	} bad[] = {
		{ { .name = "host", .type = MR_KEY_STRING, .offset = 64, .size = sizeof(char *),
		    .ctype = MR_CTYPE_STR },
		  "key 'host' has its field at offset 64" },
		{ { .name = "port", .type = MR_KEY_INT, .offset = 20, .size = 8,
		    .ctype = MR_CTYPE_LLONG },
		  "key 'port' has its field at offset 20" },
		{ { .name = "port", .type = MR_KEY_INT, MR_KEY_FIELD(struct kconf, host) },
		  "key 'port' is stored in a field of const char *" },
		{ { .name = "verify", .type = MR_KEY_BOOL, MR_KEY_FIELD(struct kconf, port) },
		  "key 'verify' is stored in a field of long long" },
		{ { .name = "host", .type = MR_KEY_STRING }, "key 'host' has no field" },
		{ { .name = "password", .type = MR_KEY_SECRET, MR_KEY_FIELD(struct kconf, host) },
		  "key 'password' is a secret but has a config struct field" },
		{ { .name = "port", .type = MR_KEY_INT, .def = "many",
		    MR_KEY_FIELD(struct kconf, port) },
		  "key 'port' has a default 'many' that is not an integer" },
		{ { .name = "tls", .type = MR_KEY_ENUM, MR_KEY_FIELD(struct kconf, host) },
		  "key 'tls' is an enum without choices" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mr_key table[2] = { bad[i].k, { 0 } };
		d = key_desc(table, sizeof(struct mr_key), sizeof(struct kconf));
		memset(&err, 0, sizeof(err));
		TAP_INT(mr_plugin_keys_check(&d, NULL, &err), MR_ECONFIG, "bad key %zu is refused", i);
		TAP_OK(strstr(err.msg, "transport-keys: ") && strstr(err.msg, bad[i].want),
		       "naming plugin and key: %s", err.msg);
	}
	/* a secret needs no field, and a plugin without keys no struct */
	static const struct mr_key fine[] = {
		{ .name = "password", .type = MR_KEY_SECRET },
		{ 0 },
	};
	d = key_desc(fine, sizeof(struct mr_key), 0);
	TAP_INT(mr_plugin_keys_check(&d, NULL, &err), 0, "a secret without a field, conf_size 0");
	d = key_desc(NULL, 0, 0);
	TAP_INT(mr_plugin_keys_check(&d, &keys, &err), 0, "no key table at all");
	TAP_OK(keys && !keys[0].name, "gives an empty table");
	free(keys);
}

int main(void)
{
	char path[1024], pl_path_buf[2300];
	struct mr_plugin *p = NULL;
	struct mr_error err = { 0 };
	unsetenv("MAILROOM_PLUGIN_PATH"); /* only the test plugins along the path */
	unsetenv("MAILROOM_PLUGIN_PATH_ONLY");

	snprintf(path, sizeof(path), "%s/transport-good.so", TEST_PLUGIN_DIR);
	TAP_INT(mr_plugin_open(path, &p, &err), 0, "a good plugin loads (%s)", err.msg);
	TAP_OK(p && p->desc->kind == MR_KIND_TRANSPORT && strcmp(p->desc->name, "good") == 0,
	       "its descriptor is read");
	mr_plugin_close(p);

	refused("transport-badmagic.so", "bad magic number 0xdeadbeef");
	refused("transport-newabi.so", "built for plugin ABI 2.");
	refused("transport-nosend.so", "required slot 'send' of its transport ops table is NULL");
	refused("transport-smallops.so", "transport ops table size 8 is smaller than ABI 1.0's");
	refused("transport-nosymbol.so", "no symbol mr_plugin_descriptor");
	refused("transport-badkey.so", "transport-badkey: key 'host' has its field at offset 64");
	refused("transport-smallkeys.so", "transport-smallkeys: key table entry size");
	test_key_tables();
	/* a store's capability sub-table is whole or absent */
	refused("store-queuehole.so", "store-queuehole: required slot 'queue_claim' of its queue "
		"sub-table (struct mr_store_queue_ops) is NULL");
	refused("store-smallqueue.so", "store-smallqueue: its queue sub-table (struct "
		"mr_store_queue_ops, the mailing queue) has size");
	snprintf(path, sizeof(path), "%s/store-noqueue.so", TEST_PLUGIN_DIR);
	TAP_INT(mr_plugin_open(path, &p, &err), 0, "a store without a queue sub-table loads (%s)",
		err.msg);
	if (p) {
		unsigned caps = mr_store_ops_caps(p->desc->ops);
		TAP_INT(caps, MR_STORE_CAP_SPOOL, "its capabilities: the spool only");
		struct mr_store st = { p->desc->ops, NULL, "noqueue" };
		TAP_OK(!mr_store_has(&st, MR_STORE_CAP_QUEUE), "mr_store_has: no queue");
		err = (struct mr_error){ 0 };
		TAP_INT(mr_store_queue_claim(&st, 1, "w", 0, 0, 1, NULL, NULL, &err),
			MR_EUNSUPPORTED, "a queue wrapper says MR_EUNSUPPORTED");
		TAP_STR(err.msg, "the store 'noqueue' has no mailing queue", "and why");
		TAP_INT(err.status, MR_EUNSUPPORTED, "err->status is set");
	}
	mr_plugin_close(p);
	p = NULL;
	snprintf(path, sizeof(path), "%s/no-such-plugin.so", TEST_PLUGIN_DIR);
	TAP_INT(mr_plugin_open(path, &p, &err), MR_ECONFIG, "a missing file is refused");
	TAP_OK(strstr(err.msg, "cannot load") != NULL, "with lt_dlerror's text: %s", err.msg);

	/* find by kind and name: a file whose descriptor disagrees is refused */
	struct mr_plugin_path pp;
	mr_plugin_path_init(&pp, TEST_PLUGIN_DIR, NULL);
	TAP_INT(mr_plugin_find(&pp, MR_KIND_TRANSPORT, "liar", &p, &err), MR_ECONFIG,
		"a file named for another plugin is refused");
	TAP_OK(strstr(err.msg, "descriptor says transport plugin 'other'") != NULL, "%s", err.msg);
	TAP_INT(mr_plugin_find(&pp, MR_KIND_TRANSPORT, "absent", &p, &err), MR_ENOTFOUND,
		"an absent plugin is not found");
	TAP_OK(strstr(err.msg, "no transport-absent.so in") != NULL, "%s", err.msg);
	TAP_INT(mr_plugin_find(&pp, MR_KIND_TRANSPORT, "good", &p, &err), 0, "find by kind and name");
	mr_plugin_close(p);

	/* two descriptors with one (kind, name) along the path: the second is refused */
	struct scan s = { 0 };
	mr_plugin_scan(&pp, count, &s);
	TAP_INT(s.dup, 1, "a duplicate (kind, name) is reported once");
	TAP_INT(s.loadable, 5, "good, dup-a, liar, job-probe and store-noqueue scan as loadable");
	mr_plugin_path_free(&pp);

	/* the same KIND-NAME.so in several directories: the first one wins, as
	 * with PATH.  dir[0] and dir[1] hold good copies of transport-good.so,
	 * dir[2] a broken one (transport-badmagic.so under that name), dir[1]
	 * also transport-nosend.so, found nowhere else */
	char dir[3][32], file[3][1100], other[1100];
	for (int i = 0; i < 3; i++) {
		snprintf(dir[i], sizeof(dir[i]), "/tmp/mr-loader-%c.XXXXXX", 'a' + i);
		if (!mkdtemp(dir[i]))
			return 99;
		snprintf(file[i], sizeof(file[i]), "%s/transport-good.so", dir[i]);
		snprintf(path, sizeof(path), "%s/transport-%s.so", TEST_PLUGIN_DIR,
			 i < 2 ? "good" : "badmagic");
		TAP_OK(copy_file(path, file[i]) == 0, "copied %s to %s", path, file[i]);
	}
	snprintf(path, sizeof(path), "%s/transport-nosend.so", TEST_PLUGIN_DIR);
	snprintf(other, sizeof(other), "%s/transport-nosend.so", dir[1]);
	TAP_OK(copy_file(path, other) == 0, "copied transport-nosend.so to %s", dir[1]);

	static const struct {
		const char *what;
		int path_list[4], env_list[4], plugin_dir; /* indexes into dir, -1 ends */
		int only;                                  /* MAILROOM_PLUGIN_PATH_ONLY=1 */
		int want_dirs[4];                          /* the search path built */
		int want_rc, winner;                       /* winner: index into dir */
	} cases[] = {
		{ "plugin_path a:b: a wins", { 0, 1, -1 }, { -1 }, -1, 0, { 0, 1, -1 }, 0, 0 },
		{ "plugin_path b:a: b wins", { 1, 0, -1 }, { -1 }, -1, 0, { 1, 0, -1 }, 0, 1 },
		{ "plugin_path before MAILROOM_PLUGIN_PATH", { 1, -1 }, { 0, -1 }, -1, 0,
		  { 1, 0, -1 }, 0, 1 },
		{ "MAILROOM_PLUGIN_PATH before plugin_dir", { -1 }, { 1, -1 }, 0, 0, { 1, 0, -1 }, 0, 1 },
		{ "plugin_path before plugin_dir", { 0, -1 }, { -1 }, 1, 0, { 0, 1, -1 }, 0, 0 },
		{ "all three: plugin_path, MAILROOM_PLUGIN_PATH, plugin_dir", { 2, -1 }, { 1, -1 }, 0, 0,
		  { 2, 1, 0, -1 }, MR_ECONFIG, 2 },
		{ "plugin_dir alone", { -1 }, { -1 }, 1, 0, { 1, -1 }, 0, 1 },
		{ "MAILROOM_PLUGIN_PATH_ONLY leaves plugin_dir out", { -1 }, { 1, -1 }, 0, 1,
		  { 1, -1 }, 0, 1 },
		{ "a directory listed twice keeps its first place", { 1, 0, 1, -1 }, { 0, -1 }, 1, 0,
		  { 1, 0, -1 }, 0, 1 },
		{ "a broken first copy is an error, not a fall back to the next",
		  { 2, 0, -1 }, { -1 }, -1, 0, { 2, 0, -1 }, MR_ECONFIG, 2 },
		{ "the broken copy behind a good one is never opened", { 0, 2, -1 }, { -1 }, -1, 0,
		  { 0, 2, -1 }, 0, 0 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char pl_list[4000] = "", env_list[4000] = "";
		for (int i = 0; i < 4 && cases[c].path_list[i] >= 0; i++)
			snprintf(pl_list + strlen(pl_list), sizeof(pl_list) - strlen(pl_list), "%s%s",
				 i ? ":" : "", dir[cases[c].path_list[i]]);
		for (int i = 0; i < 4 && cases[c].env_list[i] >= 0; i++)
			snprintf(env_list + strlen(env_list), sizeof(env_list) - strlen(env_list), "%s%s",
				 i ? ":" : "", dir[cases[c].env_list[i]]);
		if (env_list[0])
			setenv("MAILROOM_PLUGIN_PATH", env_list, 1);
		else
			unsetenv("MAILROOM_PLUGIN_PATH");
		if (cases[c].only)
			setenv("MAILROOM_PLUGIN_PATH_ONLY", "1", 1);
		else
			unsetenv("MAILROOM_PLUGIN_PATH_ONLY");
		mr_plugin_path_init(&pp, pl_list[0] ? pl_list : NULL,
				    cases[c].plugin_dir >= 0 ? dir[cases[c].plugin_dir] : NULL);
		err = (struct mr_error){ 0 };
		p = NULL;
		int rc = mr_plugin_find(&pp, MR_KIND_TRANSPORT, "good", &p, &err);
		TAP_INT(rc, cases[c].want_rc, "%s: find returns %d (%s)", cases[c].what,
			cases[c].want_rc, err.msg);
		if (rc == 0)
			TAP_STR(p ? p->path : NULL, file[cases[c].winner], "%s: the copy used",
				cases[c].what);
		else
			TAP_OK(strstr(err.msg, file[cases[c].winner]) && strstr(err.msg, "bad magic"),
			       "%s: the error names the first copy: %s", cases[c].what, err.msg);
		mr_plugin_close(p);

		/* the listing agrees: the winner is used, every other copy is shadowed by it */
		struct listed l = { 0 };
		mr_plugin_scan(&pp, record, &l);
		for (size_t i = 0; i < pp.n; i++) {
			int d = -1, loadable = 0;
			for (int k = 0; k < 3; k++)
				if (strcmp(pp.dirs[i], dir[k]) == 0)
					d = k;
			const char *sh = d >= 0 ? shadow_of(&l, file[d], &loadable) : NULL;
			if (d == cases[c].winner)
				TAP_STR(sh, "", "%s: %s is listed, not shadowed", cases[c].what, file[d]);
			else
				TAP_STR(sh, file[cases[c].winner], "%s: %s is listed as shadowed by "
					"the winner", cases[c].what, file[d]);
			TAP_INT(loadable, d != 2, "%s: %s is listed as %s", cases[c].what, file[d],
				d != 2 ? "loadable" : "refused");
		}
		int in_path = 0, loadable = 0;
		for (size_t i = 0; i < pp.n; i++)
			in_path |= strcmp(pp.dirs[i], dir[1]) == 0;
		const char *sh = shadow_of(&l, other, &loadable);
		TAP_STR(sh, in_path ? "" : NULL, "%s: transport-nosend.so (in one directory) is %s",
			cases[c].what, in_path ? "listed, not shadowed" : "not listed");
		char got_dirs[200] = "", want_dirs[200] = "";
		for (size_t i = 0; i < pp.n; i++)
			for (int k = 0; k < 3; k++)
				if (strcmp(pp.dirs[i], dir[k]) == 0)
					snprintf(got_dirs + strlen(got_dirs),
						 sizeof(got_dirs) - strlen(got_dirs), "%c", 'a' + k);
		for (int i = 0; i < 4 && cases[c].want_dirs[i] >= 0; i++)
			snprintf(want_dirs + strlen(want_dirs), sizeof(want_dirs) - strlen(want_dirs),
				 "%c", 'a' + cases[c].want_dirs[i]);
		TAP_INT(pp.n, strlen(want_dirs), "%s: %zu directories along the path", cases[c].what,
			strlen(want_dirs));
		TAP_STR(got_dirs, want_dirs, "%s: the search path is in this order", cases[c].what);
		mr_plugin_path_free(&pp);
	}
	unsetenv("MAILROOM_PLUGIN_PATH");
	unsetenv("MAILROOM_PLUGIN_PATH_ONLY");

	/* a name that is not found: the nearest file name along the path is suggested */
	static const struct {
		const char *name, *hint; /* hint NULL: no "did you mean" */
	} typos[] = {
		{ "goodd", "did you mean 'good'?" },
		{ "god", "did you mean 'good'?" },
		{ "nosnd", "did you mean 'nosend'?" },
		{ "smtp", NULL },
		{ "absent", NULL },
		{ "g", NULL },
	};
	snprintf(pl_path_buf, sizeof(pl_path_buf), "%s:%s", dir[0], dir[1]);
	mr_plugin_path_init(&pp, pl_path_buf, NULL);
	for (size_t t = 0; t < sizeof(typos) / sizeof(typos[0]); t++) {
		err = (struct mr_error){ 0 };
		TAP_INT(mr_plugin_find(&pp, MR_KIND_TRANSPORT, typos[t].name, &p, &err), MR_ENOTFOUND,
			"transport '%s' is not found", typos[t].name);
		if (typos[t].hint)
			TAP_OK(strstr(err.msg, typos[t].hint) != NULL, "'%s': %s", typos[t].name,
			       err.msg);
		else
			TAP_OK(strstr(err.msg, "did you mean") == NULL, "'%s': no suggestion (%s)",
			       typos[t].name, err.msg);
	}
	err = (struct mr_error){ 0 };
	TAP_INT(mr_plugin_find(&pp, MR_KIND_JOB, "goodd", &p, &err), MR_ENOTFOUND,
		"job 'goodd' is not found");
	TAP_OK(strstr(err.msg, "did you mean") == NULL,
	       "only plugins of the kind asked for are suggested (%s)", err.msg);
	mr_plugin_path_free(&pp);

	for (int i = 0; i < 3; i++) {
		unlink(file[i]);
		if (i == 1)
			unlink(other);
		rmdir(dir[i]);
	}
	return tap_done();
}
