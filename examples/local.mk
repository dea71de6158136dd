# SPDX-License-Identifier: MIT
# The out-of-tree custom job example: shipped, not built here (tests/integration/sdk-example.sh
# builds it against a DESTDIR install of the SDK).
EXTRA_DIST += examples/store-check/README.md
EXTRA_DIST += examples/job-hello/README.md examples/job-hello/Makefile \
	examples/job-hello/job-hello.c examples/job-hello/hello.ini
# Sample messages the demo files as Email activities (scripts/demo.sh).
EXTRA_DIST += examples/activity/01-bcc-reply-to-ada.eml examples/activity/02-new-supporter.eml \
	examples/activity/03-minutes-with-attachment.eml
EXTRA_DIST += examples/mailing/contacts.csv examples/mailing/newsletter.html examples/mailing/newsletter.txt
EXTRA_DIST += examples/civicrm/contacts.map examples/civicrm/civicrm-export.csv
