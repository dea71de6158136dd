# SPDX-License-Identifier: MIT
# Integration tests: shell scripts that run the built mailroom against real files and servers.
TESTS += tests/integration/cli-spool.sh tests/integration/cron.sh tests/integration/ini-documented.sh
EXTRA_DIST += tests/integration/cli-spool.sh tests/integration/cron.sh tests/integration/ini-documented.sh
TESTS += tests/integration/cli-user.sh tests/integration/store-caps.sh
EXTRA_DIST += tests/integration/cli-user.sh tests/integration/store-caps.sh
TESTS += tests/integration/sdk-example.sh
EXTRA_DIST += tests/integration/sdk-example.sh
TESTS += tests/integration/cron-systemd.sh
EXTRA_DIST += tests/integration/cron-systemd.sh
TESTS += tests/integration/activity-corpus.sh
EXTRA_DIST += tests/integration/activity-corpus.sh tests/integration/activity-score.py
TESTS += tests/integration/fetch-local.sh tests/integration/fetch-imap.sh tests/integration/fetch-pop3.sh
EXTRA_DIST += tests/integration/fetch-local.sh tests/integration/fetch-imap.sh tests/integration/fetch-pop3.sh
TESTS += tests/integration/transport-smtp.sh
EXTRA_DIST += tests/integration/transport-smtp.sh
TESTS += tests/integration/transport-smtp-mtas.sh
EXTRA_DIST += tests/integration/transport-smtp-mtas.sh
TESTS += tests/integration/transport-sendmail.sh
EXTRA_DIST += tests/integration/transport-sendmail.sh
TESTS += tests/integration/bounce-corpus.sh tests/integration/bounce-cli.sh
EXTRA_DIST += tests/integration/bounce-corpus.sh tests/integration/bounce-score.py \
	tests/integration/bounce-cli.sh
TESTS += tests/integration/bounce-job.sh
EXTRA_DIST += tests/integration/bounce-job.sh tests/integration/bounce-make.py tests/integration/bounce-site.sh
TESTS += tests/integration/bounce-forged.sh
EXTRA_DIST += tests/integration/bounce-forged.sh
TESTS += tests/integration/bounce-postfix.sh
EXTRA_DIST += tests/integration/bounce-postfix.sh
TESTS += tests/integration/doctor.sh tests/integration/inspect.sh
EXTRA_DIST += tests/integration/doctor.sh tests/integration/inspect.sh
TESTS += tests/integration/mailing-smtp.sh
EXTRA_DIST += tests/integration/mailing-smtp.sh tests/integration/mailing-received.py
TESTS += tests/integration/activity-preview.sh tests/integration/activity-imap.sh
TESTS += tests/integration/activity-file-corpus.sh
EXTRA_DIST += tests/integration/activity-file-corpus.sh
EXTRA_DIST += tests/integration/activity-preview.sh tests/integration/activity-imap.sh
TESTS += tests/integration/activity-fuzz.sh
EXTRA_DIST += tests/integration/activity-fuzz.sh
TESTS += tests/integration/plugin-path.sh
EXTRA_DIST += tests/integration/plugin-path.sh
TESTS += tests/integration/man-pages.sh tests/integration/debian-packages.sh
EXTRA_DIST += tests/integration/man-pages.sh tests/integration/debian-packages.sh
TESTS += tests/integration/oauth.sh
EXTRA_DIST += tests/integration/oauth.sh
# hostile activity mail: max_new_contacts
TESTS += tests/integration/activity-limits.sh
EXTRA_DIST += tests/integration/activity-limits.sh
# a full disk: exit 75 and one message everywhere
TESTS += tests/integration/disk-full.sh
EXTRA_DIST += tests/integration/disk-full.sh
# hostile CSV: groups, NUL bytes, field caps
TESTS += tests/integration/csv-hostile.sh
EXTRA_DIST += tests/integration/csv-hostile.sh
TESTS += tests/integration/serve-unsubscribe.sh
EXTRA_DIST += tests/integration/serve-unsubscribe.sh
TESTS += tests/integration/optin.sh
EXTRA_DIST += tests/integration/optin.sh
TESTS += tests/integration/serve-browser.sh
EXTRA_DIST += tests/integration/serve-browser.sh tests/integration/serve-browser.py
# the disputed records bounce-corpus.sh leaves out (bounce-score.py --disputed)
EXTRA_DIST += tests/integration/bounce-disputed.txt
EXTRA_DIST += tests/integration/cron-mariadb.sh
if BUILD_PLUGIN_STORE_MARIADB
TESTS += tests/integration/cron-mariadb.sh
endif
EXTRA_DIST += tests/integration/mailing-mariadb.sh
if BUILD_PLUGIN_STORE_MARIADB
TESTS += tests/integration/mailing-mariadb.sh
endif
EXTRA_DIST += tests/integration/store-copy.sh tests/integration/doctor-mariadb.sh
if BUILD_PLUGIN_STORE_MARIADB
TESTS += tests/integration/store-copy.sh tests/integration/doctor-mariadb.sh
endif
TESTS += tests/integration/queue-dedup.sh
EXTRA_DIST += tests/integration/queue-dedup.sh
TESTS += tests/integration/cli-help.sh
EXTRA_DIST += tests/integration/cli-help.sh
TESTS += tests/integration/admin.sh
TESTS += tests/integration/contact-manage.sh
EXTRA_DIST += tests/integration/contact-manage.sh
TESTS += tests/integration/contact-fields.sh
EXTRA_DIST += tests/integration/contact-fields.sh
TESTS += tests/integration/contact-export.sh
EXTRA_DIST += tests/integration/contact-export.sh
TESTS += tests/integration/contact-import-map.sh
EXTRA_DIST += tests/integration/contact-import-map.sh
TESTS += tests/integration/smart-groups.sh
EXTRA_DIST += tests/integration/smart-groups.sh
TESTS += tests/integration/smart-groups-tracking.sh
EXTRA_DIST += tests/integration/smart-groups-tracking.sh
EXTRA_DIST += tests/integration/admin.sh
TESTS += tests/integration/serve-tracking.sh
EXTRA_DIST += tests/integration/serve-tracking.sh
TESTS += tests/integration/serve-webhooks.sh
EXTRA_DIST += tests/integration/serve-webhooks.sh tests/integration/serve-webhooks.py
TESTS += tests/integration/serve-api.sh
EXTRA_DIST += tests/integration/serve-api.sh
TESTS += tests/integration/serve-report.sh
EXTRA_DIST += tests/integration/serve-report.sh
TESTS += tests/integration/serve-view.sh
EXTRA_DIST += tests/integration/serve-view.sh
TESTS += tests/integration/serve-doctor.sh
EXTRA_DIST += tests/integration/serve-doctor.sh
TESTS += tests/integration/serve-esp-webhooks.sh
EXTRA_DIST += tests/integration/serve-esp-webhooks.sh
TESTS += tests/integration/serve-load.sh
EXTRA_DIST += tests/integration/serve-load.sh
TESTS += tests/integration/serve-http.sh
EXTRA_DIST += tests/integration/serve-http.sh
# the screenshots serve-browser.sh keeps for a person to look at
clean-local-serve-browser:
	rm -rf tests/integration/serve-browser-artifacts
clean-local: clean-local-serve-browser
.PHONY: clean-local-serve-browser
# a mailing's life: test sends, previews
TESTS += tests/integration/mailing-life.sh
EXTRA_DIST += tests/integration/mailing-life.sh
TESTS += tests/integration/mailing-languages.sh
EXTRA_DIST += tests/integration/mailing-languages.sh
TESTS += tests/integration/mailing-ab.sh
EXTRA_DIST += tests/integration/mailing-ab.sh
TESTS += tests/integration/auto-reply.sh
EXTRA_DIST += tests/integration/auto-reply.sh
