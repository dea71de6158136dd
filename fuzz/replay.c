/* SPDX-License-Identifier: MIT */
/* The main() of a fuzz target built without libFuzzer (gcc): runs the target once on every file named, or found in the directories named; prints how many. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include "fuzz.h"

static unsigned long n_files;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		abort();
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				abort();
			buf = nb;
		}
	}
	fclose(f);
	/* an exact-size copy, so that ASan sees a read past the end */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact)
		abort();
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	n_files++;
	return 0;
}

static int run_path(const char *path, int depth)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? run_file(path) : 0;
	if (depth > 16)
		return 0;
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		size_t l = strlen(path) + strlen(e->d_name) + 2;
		char *sub = malloc(l);
		if (!sub)
			abort();
		snprintf(sub, l, "%s/%s", path, e->d_name);
		rc |= run_path(sub, depth + 1);
		free(sub);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...  (runs the fuzz target on each file)\n", argv[0]);
		return 64;
	}
	int rc = 0;
	for (int i = 1; i < argc; i++)
		rc |= run_path(argv[i], 0);
	printf("%s: %lu inputs replayed\n", argv[0], n_files);
	return rc ? 66 : 0;
}
