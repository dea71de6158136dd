/* SPDX-License-Identifier: MIT */
/* The doctor's web check: [http] base_url answers, an HTTP GET of BASE_URL/healthz that `mailroom serve` answers "ok" (so one-click unsubscribes, tracking and webhooks reach it). */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include "mr.h"
#include "doctor.h"
#include <mailroom/printable.h>

#define HEALTH_MAX 64 /* more than "ok\n" is not mailroom serve */

struct body {
	char text[HEALTH_MAX + 1];
	size_t len;
};

static size_t keep(char *p, size_t size, size_t n, void *cookie)
{
	struct body *b = cookie;
	size_t l = size * n;
	if (b->len + l > HEALTH_MAX)
		return 0; /* too long: stop reading */
	memcpy(b->text + b->len, p, l);
	b->len += l;
	b->text[b->len] = '\0';
	return l;
}

void mr_doctor_check_http(const struct mr_site *site, struct mr_checks *cs)
{
	const struct mr_section *http = mr_config_section(site->cfg, "http");
	const char *base = http ? mr_config_raw(http, "base_url") : NULL;
	const char *unsub = site->main ? mr_config_raw(site->main, "unsubscribe_url") : NULL;
	if ((!base || !*base) && unsub && *unsub) {
		mr_check_add(cs, "http-base-url", MR_CHECK_OK, NULL, "no [http] base_url: mailroom "
			     "serve is not used (List-Unsubscribe goes to [mailroom] unsubscribe_url)");
		return;
	}
	if (!base || !*base) {
		mr_check_add(cs, "http-base-url", MR_CHECK_WARN, "run `mailroom serve` and set [http] "
			     "base_url = https://HOST[/PREFIX] (its public address)",
			     "no [http] base_url: nothing answers one-click unsubscribes, tracking "
			     "or webhooks");
		return;
	}
	char url[1024];
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	snprintf(url, sizeof(url), "%.*s/healthz", (int)bl, base);
	CURL *h = curl_easy_init();
	if (!h) {
		mr_check_add(cs, "http-base-url", MR_CHECK_WARN, "try again", "GET %s: out of memory",
			     url);
		return;
	}
	struct body b = { "", 0 };
	char why[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mailroom-doctor");
	CURLcode rc = curl_easy_perform(h);
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	int line = mr_config_line(site->cfg, "http", "base_url");
	if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR) {
		mr_check_add(cs, "http-base-url", MR_CHECK_FAIL, "start `mailroom serve` (or its "
			     "reverse proxy) so that base_url reaches it from the Internet",
			     "[http] base_url (%s:%d) does not answer: GET %s: %s", site->cfg->path,
			     line, url, why[0] ? why : curl_easy_strerror(rc));
		return;
	}
	while (b.len && (b.text[b.len - 1] == '\n' || b.text[b.len - 1] == '\r'))
		b.text[--b.len] = '\0';
	if (code != 200 || rc != CURLE_OK || strcmp(b.text, "ok") != 0) {
		char seen[HEALTH_MAX + 1];
		mr_check_add(cs, "http-base-url", MR_CHECK_FAIL, "point base_url (or the reverse "
			     "proxy's location for it) at `mailroom serve`",
			     "[http] base_url (%s:%d): GET %s answered HTTP %ld%s%s, not mailroom "
			     "serve's \"ok\"", site->cfg->path, line, url, code,
			     b.len ? " " : "", mr_printable_str(seen, sizeof(seen), b.text));
		return;
	}
	mr_check_add(cs, "http-base-url", MR_CHECK_OK, NULL, "GET %s answered ok", url);
}
