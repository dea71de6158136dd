/* SPDX-License-Identifier: MIT */
/* Fuzz target: the tracking tokens `mailroom serve` reads from a pixel or click URL (mr_track_parse, with a round trip: a token mr_track_token writes parses back to the same ids), and the link numbering of an HTML template (mr_track_links). */
#include <mailroom/track.h>
#include "fuzz.h"

static int count_link(void *cookie, int index, size_t start, size_t len, const char *url)
{
	size_t *html_len = cookie;
	if (index < 0 || index >= MR_TRACK_MAX_LINKS || start + len > *html_len || !url)
		abort(); /* a link lies inside the template */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char secret[] = "fuzz-secret";
	struct mr_verp_conf conf = { .localpart = "return+", .domain = "bounce.example.org",
				     .sep = '.', .secret = secret, .secret_len = sizeof(secret) - 1 };
	char *s = fuzz_cstr(data, size);
	struct mr_track_token t;
	if (mr_track_parse(&conf, s, &t) == 0 &&
	    ((t.kind == MR_TRACK_TOKEN_CLICK) != (t.link >= 0) || t.job_id < 0 || t.queue_id < 0))
		abort(); /* only a well-formed token is accepted */
	size_t len = strlen(s);
	(void)mr_track_links(s, count_link, &len);
	free(s);
	if (size >= 20) {
		int64_t job, queue;
		int32_t link;
		memcpy(&job, data, 8);
		memcpy(&queue, data + 8, 8);
		memcpy(&link, data + 16, 4);
		job = job < 0 ? -(job + 1) : job;
		queue = queue < 0 ? -(queue + 1) : queue;
		char kind = link < 0 ? MR_TRACK_TOKEN_OPEN : MR_TRACK_TOKEN_CLICK;
		link = link < 0 ? -1 : link % MR_TRACK_MAX_LINKS;
		char buf[128];
		struct mr_error err = { 0 };
		if (mr_track_token(&conf, kind, job, queue, link, buf, sizeof(buf), &err) == 0) {
			struct mr_track_token back;
			if (mr_track_parse(&conf, buf, &back) != 0 || back.kind != kind ||
			    back.job_id != job || back.queue_id != queue || back.link != link)
				abort(); /* what we write must parse back */
		}
	}
	return 0;
}
