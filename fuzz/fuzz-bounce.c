/* SPDX-License-Identifier: MIT */
/* Fuzz target: bounce parsing and classification (mr_bounce_parse with the shipped rules and a VERP secret), the way job-fetch-bounces and bounce classify read a message. */
#include <mailroom/bounce.h>
#include <mailroom/printable.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mr_bounce_rules *rules;
	static int loaded;
	if (!loaded) {
		struct mr_error err = { 0 };
		loaded = 1;
		if (mr_bounce_rules_load(MR_FUZZ_RULES, &rules, &err) != 0)
			abort(); /* the shipped rules must load */
	}
	static const unsigned char secret[] = "fuzz-secret";
	struct mr_verp_conf verp = { .localpart = "return+", .domain = "bounce.example.org",
				     .sep = '.', .secret = secret, .secret_len = sizeof(secret) - 1 };
	struct mr_bounce_report rep;
	if (mr_bounce_parse((const char *)data, size, rules, &verp, &rep) != 0)
		return 0;
	char buf[256];
	for (size_t i = 0; i < rep.n_recs; i++) {
		const struct mr_bounce_record *rec = &rep.recs[i];
		mr_printable_str(buf, sizeof(buf), rec->recipient);
		mr_printable_str(buf, sizeof(buf), rec->diagnostic);
		(void)mr_bounce_record_counts(&rep, rec);
		if (rec->type)
			(void)mr_bounce_type_threshold(rules, rec->type);
	}
	mr_bounce_report_free(&rep);
	return 0;
}
