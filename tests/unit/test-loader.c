/* SPDX-License-Identifier: MIT */
/* Unit tests of the loader: deliberately broken plugins (and key tables) are refused, before any of their code runs, with the exact reason. */
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
		  const struct mr_error *why)
{
	struct scan *s = cookie;
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
	if (!in || !out)
		return -1;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return fclose(out);
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
	char path[1024];
	struct mr_plugin *p = NULL;
	struct mr_error err = { 0 };
	unsetenv("MAILROOM_PLUGIN_PATH"); /* only the test plugins along the path */

	snprintf(path, sizeof(path), "%s/transport-good.so", TEST_PLUGIN_DIR);
	TAP_INT(mr_plugin_open(path, &p, &err), 0, "a good plugin loads (%s)", err.msg);
	TAP_OK(p && p->desc->kind == MR_KIND_TRANSPORT && strcmp(p->desc->name, "good") == 0,
	       "its descriptor is read");
	mr_plugin_close(p);

	refused("transport-badmagic.so", "bad magic number 0xdeadbeef");
	refused("transport-newabi.so", "built for plugin ABI 2.");
	refused("transport-nosend.so", "required slot 'send_batch' of its transport ops table is NULL");
	refused("transport-smallops.so", "transport ops table size 8 is smaller than ABI 1.0's");
	refused("transport-nosymbol.so", "no symbol mr_plugin_descriptor");
	refused("transport-badkey.so", "transport-badkey: key 'host' has its field at offset 64");
	refused("transport-smallkeys.so", "transport-smallkeys: key table entry size");
	test_key_tables();
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
	TAP_INT(s.loadable, 4, "good, dup-a, liar and job-probe scan as loadable");
	mr_plugin_path_free(&pp);

	/* the same KIND-NAME.so in two directories of the path is refused */
	char d1[] = "/tmp/mr-loader-a.XXXXXX", d2[] = "/tmp/mr-loader-b.XXXXXX";
	char c1[1100], c2[1100], list[2300];
	if (!mkdtemp(d1) || !mkdtemp(d2))
		return 99;
	snprintf(path, sizeof(path), "%s/transport-good.so", TEST_PLUGIN_DIR);
	snprintf(c1, sizeof(c1), "%s/transport-good.so", d1);
	snprintf(c2, sizeof(c2), "%s/transport-good.so", d2);
	TAP_OK(copy_file(path, c1) == 0 && copy_file(path, c2) == 0, "copied a plugin twice");
	snprintf(list, sizeof(list), "%s:%s", d1, d2);
	mr_plugin_path_init(&pp, list, NULL);
	TAP_INT(mr_plugin_find(&pp, MR_KIND_TRANSPORT, "good", &p, &err), MR_ECONFIG,
		"the same plugin in two directories is refused");
	TAP_OK(strstr(err.msg, "is found twice") != NULL, "%s", err.msg);
	mr_plugin_path_free(&pp);
	unlink(c1);
	unlink(c2);
	rmdir(d1);
	rmdir(d2);
	return tap_done();
}
