/* SPDX-License-Identifier: MIT */
/* A mailing's report as one JSON object: what `mailroom mailing report` prints and the API of `mailroom serve` returns. */
#ifndef MR_CLI_MAILING_REPORT_H
#define MR_CLI_MAILING_REPORT_H

#include <stdint.h>
#include <jansson.h>
#include <mailroom/store.h>

/* The length of the report's time buckets (seconds). */
#define MR_REPORT_BUCKET 3600

/* Builds mailing id's report into *report_r (the caller decrefs): its
 * queue counts, bounces by type, opens, clicks by URL, the actions of its
 * recipients and the hourly counts of deliveries, opens and clicks.
 * MR_ENOTFOUND for an unknown mailing; other store statuses as they come. */
int mr_mailing_report(const struct mr_store *st, int64_t id, json_t **report_r,
		      struct mr_error *err);

#endif
