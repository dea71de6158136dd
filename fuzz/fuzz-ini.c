/* SPDX-License-Identifier: MIT */
/* Fuzz target: the INI loader (mr_config_load through iniparser, with its line index), on the input written to a temporary file. */
#include <stdio.h>
#include <unistd.h>
#include "config.h"
#include "mr.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/mr-fuzz-ini.%ld", (long)getpid());
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
	struct mr_config *cfg = NULL;
	struct mr_error err = { 0 };
	if (mr_config_load(path, &cfg, &err) == 0)
		mr_config_free(cfg);
	unlink(path);
	return 0;
}
