# SPDX-License-Identifier: MIT
# The man pages: made at build time from their templates and the program's own tables (the command table, the core's key tables, each built plugin's keys) by doc/man/mangen.
noinst_PROGRAMS = doc/man/mangen
doc_man_mangen_SOURCES = doc/man/mangen.c
doc_man_mangen_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/core/lib \
	-DMR_MAN_INCLUDEDIR='"$(includedir)"'
doc_man_mangen_LDADD = core/lib/libmailroom.la

MR_MAN_PAGES = doc/man/mailroom.1 doc/man/mailroom.ini.5 doc/man/mailroom-store-check.1 \
	doc/man/mailroom-plugin.7
man_MANS = $(MR_MAN_PAGES)
CLEANFILES += $(MR_MAN_PAGES)
EXTRA_DIST += doc/man/mailroom.1.in doc/man/mailroom.ini.5.in doc/man/mailroom-store-check.1.in \
	doc/man/mailroom-plugin.7.in
# the Debian packaging, so that the release tarball builds its packages with
# dpkg-buildpackage alone
EXTRA_DIST += debian NEWS

# mangen runs with the uninstalled mail library on its library path: the
# built plugins it opens to read their keys need it
MR_MANGEN = $(LIBTOOL) --mode=execute -dlopen lib/mail/libmailroom-mail.la doc/man/mangen$(EXEEXT)

doc/man/mailroom.1: $(srcdir)/doc/man/mailroom.1.in doc/man/mangen$(EXEEXT) mailroom$(EXEEXT)
	$(AM_V_GEN)./mailroom$(EXEEXT) --help-commands > $@.tsv && \
	$(MR_MANGEN) commands $(srcdir)/doc/man/mailroom.1.in $(VERSION) < $@.tsv > $@.gen && \
	rm -f $@.tsv && mv $@.gen $@

doc/man/mailroom.ini.5: $(srcdir)/doc/man/mailroom.ini.5.in doc/man/mangen$(EXEEXT) \
		$(plugin_LTLIBRARIES)
	$(AM_V_GEN)sos=; for la in $(plugin_LTLIBRARIES); do \
	  n=$${la##*/}; sos="$$sos $${la%/*}/.libs/$${n%.la}.so"; done; \
	$(MR_MANGEN) ini $(srcdir)/doc/man/mailroom.ini.5.in $(VERSION) $$sos > $@.gen && \
	mv $@.gen $@

doc/man/mailroom-store-check.1: $(srcdir)/doc/man/mailroom-store-check.1.in doc/man/mangen$(EXEEXT)
	$(AM_V_GEN)$(MR_MANGEN) page $(srcdir)/doc/man/mailroom-store-check.1.in $(VERSION) > $@.gen && \
	mv $@.gen $@

doc/man/mailroom-plugin.7: $(srcdir)/doc/man/mailroom-plugin.7.in doc/man/mangen$(EXEEXT)
	$(AM_V_GEN)$(MR_MANGEN) page $(srcdir)/doc/man/mailroom-plugin.7.in $(VERSION) > $@.gen && \
	mv $@.gen $@
