# SPDX-License-Identifier: MIT
# Fuzz targets (`make fuzz`): libFuzzer programs with --enable-fuzzing (clang),
# else programs that replay files and directories (gcc); see fuzz/README.md.
FUZZ_TARGETS = fuzz/fuzz-bounce fuzz/fuzz-activity fuzz/fuzz-message fuzz/fuzz-text \
	fuzz/fuzz-verp fuzz/fuzz-dkim fuzz/fuzz-csv fuzz/fuzz-ini fuzz/fuzz-received fuzz/fuzz-smtp-reply \
	fuzz/fuzz-track fuzz/fuzz-form
EXTRA_PROGRAMS = $(FUZZ_TARGETS)
if MR_LIBFUZZER
FUZZ_MAIN =
MR_FUZZ_LINK = -fsanitize=fuzzer
else
FUZZ_MAIN = fuzz/replay.c
MR_FUZZ_LINK =
endif
MR_FUZZ_CPP = $(AM_CFLAGS) -I$(top_srcdir)/fuzz -I$(top_srcdir)/core/lib -I$(top_srcdir)/core/cli \
	-DMR_FUZZ_RULES='"$(abs_top_srcdir)/etc/bounce-rules.conf"'
FUZZ_MAIL = lib/mail/libmailroom-mail.la
fuzz_fuzz_bounce_SOURCES = fuzz/fuzz-bounce.c fuzz/fuzz.h
fuzz_fuzz_activity_SOURCES = fuzz/fuzz-activity.c fuzz/fuzz.h
fuzz_fuzz_message_SOURCES = fuzz/fuzz-message.c fuzz/fuzz.h
fuzz_fuzz_text_SOURCES = fuzz/fuzz-text.c fuzz/fuzz.h
fuzz_fuzz_verp_SOURCES = fuzz/fuzz-verp.c fuzz/fuzz.h
fuzz_fuzz_dkim_SOURCES = fuzz/fuzz-dkim.c fuzz/fuzz.h
fuzz_fuzz_csv_SOURCES = fuzz/fuzz-csv.c fuzz/fuzz.h
fuzz_fuzz_ini_SOURCES = fuzz/fuzz-ini.c fuzz/fuzz.h
fuzz_fuzz_received_SOURCES = fuzz/fuzz-received.c fuzz/fuzz.h
fuzz_fuzz_smtp_reply_SOURCES = fuzz/fuzz-smtp-reply.c fuzz/fuzz.h plugins/transport-smtp/smtp-reply.c
fuzz_fuzz_track_SOURCES = fuzz/fuzz-track.c fuzz/fuzz.h
fuzz_fuzz_form_SOURCES = fuzz/fuzz-form.c fuzz/fuzz.h core/cli/serve/serve-form.c
fuzz_fuzz_bounce_LDADD = $(FUZZ_MAIL)
fuzz_fuzz_activity_LDADD = $(FUZZ_MAIL)
fuzz_fuzz_message_LDADD = $(FUZZ_MAIL)
fuzz_fuzz_text_LDADD = $(FUZZ_MAIL)
fuzz_fuzz_verp_LDADD = $(FUZZ_MAIL)
fuzz_fuzz_dkim_LDADD = $(FUZZ_MAIL)
fuzz_fuzz_csv_LDADD = core/cli/libmailroom-cli.la core/lib/libmailroom.la $(FUZZ_MAIL)
fuzz_fuzz_ini_LDADD = core/lib/libmailroom.la $(FUZZ_MAIL)
fuzz_fuzz_received_LDADD = core/cli/libmailroom-cli.la core/lib/libmailroom.la $(FUZZ_MAIL)
fuzz_fuzz_track_LDADD = $(FUZZ_MAIL)
fuzz_fuzz_bounce_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_activity_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_message_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_text_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_verp_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_dkim_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_csv_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_ini_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_received_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_smtp_reply_CFLAGS = $(MR_FUZZ_CPP) -I$(top_srcdir)/plugins/transport-smtp
fuzz_fuzz_track_CFLAGS = $(MR_FUZZ_CPP)
fuzz_fuzz_form_CFLAGS = $(MR_FUZZ_CPP) -I$(top_srcdir)/core/cli/serve
fuzz_fuzz_bounce_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_activity_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_message_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_text_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_verp_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_dkim_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_csv_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_ini_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_received_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_smtp_reply_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_track_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_form_LDFLAGS = $(MR_FUZZ_LINK)
fuzz_fuzz_bounce_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_activity_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_message_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_text_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_verp_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_dkim_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_csv_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_ini_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_received_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_smtp_reply_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_track_SOURCES += $(FUZZ_MAIN)
fuzz_fuzz_form_SOURCES += $(FUZZ_MAIN)
CLEANFILES += $(FUZZ_TARGETS)
EXTRA_DIST += fuzz/replay.c fuzz/README.md fuzz/RESULTS.md fuzz/run.sh fuzz/corpus fuzz/mime.dict fuzz/ini.dict \
	fuzz/received.dict fuzz/smtp-reply.dict fuzz/track.dict fuzz/form.dict

.PHONY: fuzz
fuzz: $(FUZZ_TARGETS)
