# SPDX-License-Identifier: MIT
# bench/: the mr-blast driver (used by the transport tests and benchmarks) and the benchmark scripts.
check_PROGRAMS += bench/mr-blast
bench_mr_blast_SOURCES = bench/mr-blast.c
bench_mr_blast_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/core/lib
bench_mr_blast_LDADD = core/lib/libmailroom.la lib/mail/libmailroom-mail.la
EXTRA_DIST += bench/RESULTS.md bench/transport-smtp.sh
EXTRA_DIST += bench/activity-parse.sh bench/activity-parse.py bench/activity-file.sh
EXTRA_DIST += bench/bounce-classify.sh bench/store.sh
EXTRA_DIST += bench/contacts.sh
EXTRA_DIST += bench/fetch-imap.sh
EXTRA_DIST += bench/fetch-bounces.sh bench/lib.sh
EXTRA_DIST += bench/serve.sh
EXTRA_DIST += bench/mailing.sh bench/kill-doubt.sh
