/* SPDX-License-Identifier: MIT */
/* MIME helpers on GMime: building a single test message, splitting headers from body, decoding a Subject, checking addresses. */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <gmime/gmime.h>
#include "mail-internal.h"

static void gmime_ready(void)
{
	mr_mail_init();
}

int mr_mime_build_test(const struct mr_test_message *m, char **data_r, size_t *len_r,
		       char **msgid_r, struct mr_error *err)
{
	gmime_ready();
	*data_r = NULL;
	*msgid_r = NULL;
	GMimeMessage *msg = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name ? m->from_name : "",
				   m->from);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, "", m->to);
	g_mime_message_set_subject(msg, m->subject, "utf-8");
	GDateTime *now = g_date_time_new_now_local();
	g_mime_message_set_date(msg, now);
	g_date_time_unref(now);
	char *id = g_mime_utils_generate_message_id(m->domain);
	g_mime_message_set_message_id(msg, id);
	GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(part, m->text);
	g_mime_text_part_set_charset(part, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));
	g_object_unref(part);
	GMimeFormatOptions *opts = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
	char *text = g_mime_object_to_string(GMIME_OBJECT(msg), opts);
	g_mime_format_options_free(opts);
	g_object_unref(msg);
	if (!text) {
		g_free(id);
		return mail_error_set(err, MR_EINTERNAL, "GMime could not write the message");
	}
	*len_r = strlen(text);
	*data_r = malloc(*len_r + 1);
	if (asprintf(msgid_r, "<%s>", id) < 0)
		*msgid_r = NULL;
	g_free(id);
	if (!*data_r || !*msgid_r) {
		g_free(text);
		free(*data_r);
		free(*msgid_r);
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	}
	memcpy(*data_r, text, *len_r + 1);
	g_free(text);
	return 0;
}

size_t mr_mime_header_len(const char *data, size_t len, size_t *body_off_r)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		if (i + 1 < len && data[i + 1] == '\n') {
			*body_off_r = i + 2;
			return i + 1;
		}
		if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n') {
			*body_off_r = i + 3;
			return i + 1;
		}
	}
	*body_off_r = len;
	return len;
}

char *mr_mime_subject(const char *data, size_t len)
{
	gmime_ready();
	size_t body_off;
	size_t hl = mr_mime_header_len(data, len, &body_off);
	/* find "Subject:" at a line start, unfold its value */
	for (size_t i = 0; i < hl; i++) {
		if ((i == 0 || data[i - 1] == '\n') && hl - i > 8 && strncasecmp(data + i, "subject:", 8) == 0) {
			size_t j = i + 8, cap = 256, n = 0;
			char *raw = malloc(cap);
			if (!raw)
				return NULL;
			for (; j < hl; j++) {
				if (data[j] == '\r')
					continue;
				if (data[j] == '\n') {
					if (j + 1 < hl && (data[j + 1] == ' ' || data[j + 1] == '\t'))
						continue;
					break;
				}
				if (n + 2 > cap) {
					char *nr = realloc(raw, cap *= 2);
					if (!nr) {
						free(raw);
						return NULL;
					}
					raw = nr;
				}
				raw[n++] = data[j];
			}
			raw[n] = '\0';
			char *start = raw;
			while (isspace((unsigned char)*start))
				start++;
			char *dec = g_mime_utils_header_decode_text(NULL, start);
			char *out = strdup(dec ? dec : start);
			g_free(dec);
			free(raw);
			return out;
		}
	}
	return NULL;
}

char *mr_header_unfold(const char *raw, size_t n, unsigned flags)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	int space = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c == '\r' || c == '\n') {
			space |= (flags & MR_UNFOLD_COLLAPSE) != 0;
			continue;
		}
		if (c == ' ' || c == '\t') {
			if (flags & MR_UNFOLD_COLLAPSE) {
				space = 1;
				continue;
			}
			if (o == 0) /* leading whitespace goes */
				continue;
		}
		if (space && o > 0)
			out[o++] = ' ';
		space = 0;
		if ((flags & MR_UNFOLD_COLLAPSE) && (c < 0x20 || c == 0x7f))
			c = '?';
		out[o++] = (char)c;
	}
	if (flags & MR_UNFOLD_TRIM)
		while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
			o--;
	out[o] = '\0';
	return out;
}

char *mr_msg_header(const char *data, size_t len, const char *name)
{
	size_t body_off, hl = mr_mime_header_len(data, len, &body_off);
	size_t nl = strlen(name);
	for (size_t i = 0; i < hl; i++) {
		if (!(i == 0 || data[i - 1] == '\n') || hl - i <= nl || data[i + nl] != ':' ||
		    strncasecmp(data + i, name, nl) != 0)
			continue;
		/* the field ends at a line break not followed by whitespace */
		size_t j = i + nl + 1, end = j;
		while (end < hl && !(data[end] == '\n' &&
				     !(end + 1 < hl && (data[end + 1] == ' ' || data[end + 1] == '\t'))))
			end++;
		char *raw = mr_header_unfold(data + j, end - j, 0);
		if (!raw)
			return NULL;
		gmime_ready();
		char *dec = g_mime_utils_header_decode_text(NULL, raw);
		free(raw);
		if (!dec)
			return NULL;
		char *out = strdup(dec);
		g_free(dec);
		return out;
	}
	return NULL;
}
