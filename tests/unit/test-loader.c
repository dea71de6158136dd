/* SPDX-License-Identifier: MIT */
/* Unit tests of the loader: deliberately broken plugins are refused, before any of their code runs, with the exact reason. */
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
	refused("transport-nosend.so", "required slot 'send' of its transport ops table is NULL");
	refused("transport-smallops.so", "transport ops table size 8 is smaller than ABI 1.0's");
	refused("transport-nosymbol.so", "no symbol mr_plugin_descriptor");
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
