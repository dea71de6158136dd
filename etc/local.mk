# SPDX-License-Identifier: MIT
# Installs the cron and systemd files that run `mailroom cron`; the installed
# copies name this prefix's mailroom and sysconfdir.
cronddir = $(sysconfdir)/cron.d
MR_ETC_SED = sed -e 's|/usr/local/bin/mailroom|$(bindir)/mailroom|g' \
	-e 's|/usr/local/etc/mailroom|$(sysconfdir)/mailroom|g'
MR_UNITS = mailroom-cron.service mailroom-cron.timer mailroom-serve.service mailroom-serve.socket

install-data-local: install-mr-etc
uninstall-local: uninstall-mr-etc

install-mr-etc:
	$(MKDIR_P) '$(DESTDIR)$(cronddir)' '$(DESTDIR)$(systemdsystemunitdir)'
	$(MR_ETC_SED) '$(srcdir)/etc/cron.d/mailroom' > '$(DESTDIR)$(cronddir)/mailroom'
	chmod 644 '$(DESTDIR)$(cronddir)/mailroom'
	for u in $(MR_UNITS); do \
	  $(MR_ETC_SED) "$(srcdir)/etc/systemd/$$u" > "$(DESTDIR)$(systemdsystemunitdir)/$$u" && \
	  chmod 644 "$(DESTDIR)$(systemdsystemunitdir)/$$u" || exit 1; \
	done

uninstall-mr-etc:
	rm -f '$(DESTDIR)$(cronddir)/mailroom'
	for u in $(MR_UNITS); do rm -f "$(DESTDIR)$(systemdsystemunitdir)/$$u"; done

.PHONY: install-mr-etc uninstall-mr-etc
