/* SPDX-License-Identifier: MIT */
/* Fuzz target: VERP address parsing with a secret (mr_verp_parse), and a round trip: an address built by mr_verp_build parses back to the same ids. */
#include <inttypes.h>
#include <mailroom/bounce.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char secret[] = "fuzz-secret";
	struct mr_verp_conf conf = { .localpart = "return+", .domain = "bounce.example.org",
				     .sep = '.', .secret = secret, .secret_len = sizeof(secret) - 1 };
	struct mr_verp v;
	(void)mr_verp_parse(&conf, (const char *)data, size, &v);
	if (size >= 16) {
		int64_t job, queue;
		memcpy(&job, data, 8);
		memcpy(&queue, data + 8, 8);
		job = job < 0 ? -(job + 1) : job;
		queue = queue < 0 ? -(queue + 1) : queue;
		char buf[320];
		struct mr_error err = { 0 };
		if (mr_verp_build(&conf, 'b', job, queue, buf, sizeof(buf), &err) == 0) {
			struct mr_verp back;
			if (mr_verp_parse(&conf, buf, strlen(buf), &back) != 0 || back.job_id != job ||
			    back.queue_id != queue)
				abort(); /* what we build must parse back */
		}
	}
	return 0;
}
