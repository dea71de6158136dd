/* SPDX-License-Identifier: MIT */
/* Reads one incoming raw message with GMime into what is filed as an Email activity: addresses, subject, date, bodies, attachments. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gmime/gmime.h>
#include <pthread.h>
#include <openssl/evp.h>
#include "mail-internal.h"

/* How deep multiparts are walked; deeper parts are left out. */
#define MAX_DEPTH 64

static GMimeParserOptions *parser_opts;
static pthread_once_t parser_opts_once = PTHREAD_ONCE_INIT;

static void parser_opts_setup(void)
{
	static const char *fallback[] = { "UTF-8", "windows-1252", NULL };
	mr_mail_init();
	parser_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_address_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_allow_addresses_without_domain(parser_opts, TRUE);
	g_mime_parser_options_set_fallback_charsets(parser_opts, fallback);
}

/* The parser options of every activity parse, made once (threads may parse at once). */
static GMimeParserOptions *parser_options(void)
{
	pthread_once(&parser_opts_once, parser_opts_setup);
	return parser_opts;
}

const char *mr_activity_skip_reason(enum mr_activity_skip s)
{
	switch (s) {
	case MR_ATTACH_SKIP_COUNT: return "over max_attachments";
	case MR_ATTACH_SKIP_SIZE: return "over max_attachment_size";
	default: return NULL;
	}
}

/* A valid UTF-8 copy of s (NULL stays NULL); *oom set when out of memory. */
static char *utf8_dup(const char *s, int *oom)
{
	if (!s)
		return NULL;
	char *r = mr_to_utf8(NULL, s, strlen(s), NULL);
	if (!r)
		*oom = 1;
	return r;
}

/* The unfolded copy of a raw header value (flags: mr_header_unfold's); *oom
 * set when out of memory. */
static char *unfold(const char *raw, unsigned flags, int *oom)
{
	char *out = mr_header_unfold(raw, strlen(raw), flags);
	if (!out)
		*oom = 1;
	return out;
}

/* ---- addresses */

static int addrs_add(struct mr_activity_addrs *l, const char *addr, const char *name)
{
	struct mr_activity_addr *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	l->v = v;
	int oom = 0;
	v[l->n].addr = utf8_dup(addr, &oom);
	v[l->n].name = (name && *name) ? utf8_dup(name, &oom) : NULL;
	l->n++;
	return oom ? -1 : 0;
}

/* Adds the mailboxes of list; first_only keeps just the first mailbox
 * outside groups (what follows a complete mailbox without a comma is junk). */
static int addrs_from_list(struct mr_activity_addrs *l, InternetAddressList *list, int depth,
			   int first_only)
{
	int n = list ? internet_address_list_length(list) : 0;
	int taken = 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			if (depth < 4 &&
			    addrs_from_list(l, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
					    depth + 1, 0))
				return -1;
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
			if (!addr || !*addr || (first_only && taken))
				continue;
			if (addrs_add(l, addr, internet_address_get_name(ia)))
				return -1;
			taken++;
		}
	}
	return 0;
}

/* Length of the next list element of an address field: up to a comma that
 * is outside quotes, comments, angle brackets and groups. */
static size_t element_len(const char *s, int *is_group_r)
{
	int quote = 0, comment = 0, angle = 0, group = 0;
	*is_group_r = 0;
	size_t i = 0;
	for (; s[i]; i++) {
		char c = s[i];
		if (quote) {
			if (c == '\\' && s[i + 1])
				i++;
			else if (c == '"')
				quote = 0;
		} else if (comment) {
			if (c == '\\' && s[i + 1])
				i++;
			else if (c == '(')
				comment++;
			else if (c == ')')
				comment--;
		} else if (c == '"') {
			quote = 1;
		} else if (c == '(') {
			comment = 1;
		} else if (c == '<') {
			angle = 1;
		} else if (c == '>') {
			angle = 0;
		} else if (!angle && c == ':' && !group) {
			group = 1;
			*is_group_r = 1;
		} else if (!angle && c == ';' && group) {
			group = 0;
		} else if (!angle && !group && c == ',') {
			break;
		}
	}
	return i;
}

/* Reads one address field value (unfolded) into l. */
static int addrs_from_value(struct mr_activity_addrs *l, const char *v, int *oom)
{
	GMimeParserOptions *opts = parser_options();
	size_t n = strlen(v);
	char *elem = malloc(n + 1);
	if (!elem) {
		*oom = 1;
		return -1;
	}
	const char *p = v;
	while (*p) {
		int is_group;
		size_t len = element_len(p, &is_group);
		memcpy(elem, p, len);
		elem[len] = '\0';
		InternetAddressList *list = internet_address_list_parse(opts, elem);
		if (list) {
			int rc = addrs_from_list(l, list, 0, !is_group);
			g_object_unref(list);
			if (rc) {
				*oom = 1;
				break;
			}
		}
		p += len;
		if (*p == ',')
			p++;
	}
	free(elem);
	return *oom ? -1 : 0;
}

static void addrs_free(struct mr_activity_addrs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].addr);
		free(l->v[i].name);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- headers */

/* A Date value without comments and with no spaces around ':' (obsolete syntax). */
static void clean_date(const char *in, char *out, size_t size)
{
	size_t o = 0;
	int depth = 0;
	for (const char *p = in; *p && o + 1 < size; p++) {
		if (*p == '(') {
			depth++;
			continue;
		}
		if (*p == ')' && depth > 0) {
			depth--;
			continue;
		}
		if (depth)
			continue;
		if (*p == ' ' || *p == '\t') {
			const char *q = p;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == ':' || (o > 0 && out[o - 1] == ':') || (o > 0 && out[o - 1] == ' '))
				continue;
			out[o++] = ' ';
			continue;
		}
		out[o++] = *p;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* True when the last word of a date is a zone that says its offset. */
static int zone_known(const char *d)
{
	const char *z = strrchr(d, ' ');
	z = z ? z + 1 : d;
	if ((z[0] == '+' || z[0] == '-') && strlen(z) == 5 && strspn(z + 1, "0123456789") == 4)
		return strcmp(z, "-0000") != 0; /* "-0000": the local zone is unknown (RFC 5322 3.3) */
	static const char *names[] = { "UT", "UTC", "GMT", "Z", "AST", "ADT", "EST", "EDT", "CST",
				       "CDT", "MST", "MDT", "PST", "PDT" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(z, names[i]) == 0)
			return 1;
	return 0;
}

static int read_date(struct mr_activity *act, const char *value, int *oom)
{
	char clean[256];
	clean_date(value, clean, sizeof(clean));
	GDateTime *dt = g_mime_utils_header_decode_date(clean);
	if (!dt)
		return 0;
	GTimeSpan off = g_date_time_get_utc_offset(dt) / G_TIME_SPAN_SECOND;
	char buf[48];
	int n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d",
			 g_date_time_get_year(dt), g_date_time_get_month(dt),
			 g_date_time_get_day_of_month(dt), g_date_time_get_hour(dt),
			 g_date_time_get_minute(dt), g_date_time_get_second(dt));
	if (zone_known(clean) && n > 0 && (size_t)n < sizeof(buf)) {
		long a = off < 0 ? -off : off;
		snprintf(buf + n, sizeof(buf) - (size_t)n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
			 a / 3600, (a / 60) % 60);
	}
	act->date_unix = g_date_time_to_unix(dt);
	int year = g_date_time_get_year(dt);
	g_date_time_unref(dt);
	/* GMime reads some garbage as year 1 or 0: not a date */
	if (year < 1000)
		return 0;
	act->date = strdup(buf);
	if (!act->date)
		*oom = 1;
	return 0;
}

static int read_headers(struct mr_activity *act, GMimeMessage *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	int count = g_mime_header_list_get_count(hl);
	int oom = 0, seen_date = 0;
	for (int i = 0; i < count && !oom; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *raw = g_mime_header_get_raw_value(h);
		if (!name || !raw)
			continue;
		struct mr_activity_addrs *l = NULL;
		if (strcasecmp(name, "From") == 0)
			l = &act->from;
		else if (strcasecmp(name, "To") == 0)
			l = &act->to;
		else if (strcasecmp(name, "Cc") == 0)
			l = &act->cc;
		else if (strcasecmp(name, "Bcc") == 0)
			l = &act->bcc;
		if (l) {
			char *v = unfold(raw, MR_UNFOLD_TRIM, &oom);
			if (!v)
				break;
			addrs_from_value(l, v, &oom);
			free(v);
		} else if (!act->message_id && strcasecmp(name, "Message-ID") == 0) {
			char *v = unfold(raw, MR_UNFOLD_TRIM, &oom);
			if (v && *v)
				act->message_id = utf8_dup(v, &oom);
			free(v);
		} else if (!seen_date && strcasecmp(name, "Date") == 0) {
			seen_date = 1;
			char *v = unfold(raw, MR_UNFOLD_TRIM, &oom);
			if (v)
				read_date(act, v, &oom);
			free(v);
		} else if (!act->subject && strcasecmp(name, "Subject") == 0) {
			/* unfolded, leading whitespace dropped, trailing kept (as given) */
			char *v = unfold(raw, 0, &oom);
			if (v) {
				act->subject = mr_header_decode(v);
				if (!act->subject)
					oom = 1;
			}
			free(v);
		}
	}
	return oom ? -1 : 0;
}

/* ---- parts */

static int is_attachment_disposition(GMimeObject *obj)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
	const char *v = d ? g_mime_content_disposition_get_disposition(d) : NULL;
	return v && strcasecmp(v, "attachment") == 0;
}

/* A Content-Type without "type/subtype" counts as text/plain (RFC 2045 5.2). */
static int content_type_invalid(GMimeObject *obj)
{
	const char *v = g_mime_object_get_header(obj, "Content-Type");
	if (!v)
		return 0;
	size_t n = strcspn(v, ";");
	return memchr(v, '/', n) == NULL;
}

static int type_is(GMimeObject *obj, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	if (!ct || content_type_invalid(obj))
		return strcasecmp(type, "text") == 0 && (!subtype || strcasecmp(subtype, "plain") == 0);
	return g_mime_content_type_is_type(ct, type, subtype ? subtype : "*");
}

/* Strips <> and whitespace around an id for comparing. */
static int same_id(const char *a, const char *b)
{
	while (*a == ' ' || *a == '\t' || *a == '<')
		a++;
	while (*b == ' ' || *b == '\t' || *b == '<')
		b++;
	size_t na = strcspn(a, "> \t"), nb = strcspn(b, "> \t");
	return na == nb && strncmp(a, b, na) == 0;
}

/* The first text/SUBTYPE part that is the body, as Python's get_body() with
 * one preference: not an attachment, walking multiparts (of a related one
 * only its start part), never into message/ parts. */
static GMimeObject *find_body(GMimeObject *obj, const char *subtype, int depth)
{
	if (depth > MAX_DEPTH || is_attachment_disposition(obj))
		return NULL;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		if (type_is(obj, "multipart", "related")) {
			const char *start = g_mime_object_get_content_type_parameter(obj, "start");
			GMimeObject *cand = NULL;
			for (int i = 0; start && i < n && !cand; i++) {
				GMimeObject *sub = g_mime_multipart_get_part(mp, i);
				const char *cid = g_mime_object_get_header(sub, "Content-Id");
				if (cid && same_id(cid, start))
					cand = sub;
			}
			if (!cand && n > 0)
				cand = g_mime_multipart_get_part(mp, 0);
			return cand ? find_body(cand, subtype, depth + 1) : NULL;
		}
		for (int i = 0; i < n; i++) {
			GMimeObject *r = find_body(g_mime_multipart_get_part(mp, i), subtype, depth + 1);
			if (r)
				return r;
		}
		return NULL;
	}
	if (GMIME_IS_PART(obj) && type_is(obj, "text", subtype))
		return obj;
	return NULL;
}

/* The decoded content of a leaf; returns a GByteArray (free with
 * g_byte_array_unref) or NULL when out of memory. */
static GByteArray *leaf_bytes(GMimeObject *obj)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
		if (w)
			g_mime_data_wrapper_write_to_stream(w, mem);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m)
			g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, mem);
	}
	GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	return arr;
}

/* The text of a text part in UTF-8 with \n line ends. */
static char *part_text(GMimeObject *obj)
{
	GByteArray *arr = leaf_bytes(obj);
	const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
	size_t n;
	char *t = mr_to_utf8(cs, (const char *)arr->data, arr->len, &n);
	g_byte_array_unref(arr);
	if (!t)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\r') {
			t[o++] = '\n';
			if (i + 1 < n && t[i + 1] == '\n')
				i++;
		} else {
			t[o++] = t[i];
		}
	}
	t[o] = '\0';
	return t;
}

struct walk {
	struct mr_activity *act;
	const struct mr_activity_limits *lim;
	GMimeObject *body;
	size_t kept;
	int oom;
};

static const char *leaf_filename(GMimeObject *obj)
{
	if (GMIME_IS_PART(obj))
		return g_mime_part_get_filename(GMIME_PART(obj));
	const char *f = g_mime_object_get_content_disposition_parameter(obj, "filename");
	return f ? f : g_mime_object_get_content_type_parameter(obj, "name");
}

static char *mime_type(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *t = ct && !content_type_invalid(obj) ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *r = strdup(t ? t : "text/plain");
	g_free(t);
	if (r)
		for (char *p = r; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return r;
}

static const char *ext_for(const char *ct, int is_message)
{
	if (is_message)
		return ".eml";
	if (strncmp(ct, "text/html", 9) == 0)
		return ".html";
	if (strncmp(ct, "text/", 5) == 0)
		return ".txt";
	return ".bin";
}

static void add_attachment(struct walk *w, GMimeObject *obj)
{
	struct mr_activity *act = w->act;
	struct mr_activity_attachment *v = realloc(act->att, (act->n_att + 1) * sizeof(*v));
	if (!v) {
		w->oom = 1;
		return;
	}
	act->att = v;
	struct mr_activity_attachment *a = &v[act->n_att++];
	memset(a, 0, sizeof(*a));
	a->is_message = GMIME_IS_MESSAGE_PART(obj);
	a->content_type = mime_type(obj);
	a->filename = utf8_dup(leaf_filename(obj), &w->oom);
	if (!a->content_type) {
		w->oom = 1;
		return;
	}
	char fallback[48];
	snprintf(fallback, sizeof(fallback), "attachment-%zu%s", act->n_att,
		 ext_for(a->content_type, a->is_message));
	a->safe_name = mr_filename_sanitize(a->filename, a->filename ? strlen(a->filename) : 0,
					    fallback);
	if (!a->safe_name) {
		w->oom = 1;
		return;
	}
	GByteArray *arr = leaf_bytes(obj);
	a->size = arr->len;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(arr->data ? arr->data : (const unsigned char *)"", arr->len, md, &mdlen,
		       EVP_sha256(), NULL) == 1) {
		for (unsigned i = 0; i < mdlen && i < 32; i++)
			snprintf(a->sha256 + 2 * i, 3, "%02x", md[i]);
	}
	if (w->lim && w->lim->max_attachment_size && a->size > w->lim->max_attachment_size) {
		a->skipped = MR_ATTACH_SKIP_SIZE;
	} else if (w->lim && w->lim->max_attachments && w->kept >= w->lim->max_attachments) {
		a->skipped = MR_ATTACH_SKIP_COUNT;
	} else {
		a->data = malloc(a->size ? a->size : 1);
		if (!a->data)
			w->oom = 1;
		else if (a->size)
			memcpy(a->data, arr->data, a->size);
		w->kept++;
	}
	if (a->skipped)
		act->n_skipped++;
	g_byte_array_unref(arr);
}

/* Every leaf (multiparts walked, message/ parts not entered) that is not
 * the body and is an attachment, named, or not text. */
static void walk_leaves(struct walk *w, GMimeObject *obj, int depth)
{
	if (w->oom || depth > MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			walk_leaves(w, g_mime_multipart_get_part(mp, i), depth + 1);
		return;
	}
	if (obj == w->body)
		return;
	if (is_attachment_disposition(obj) || leaf_filename(obj) || !type_is(obj, "text", NULL))
		add_attachment(w, obj);
}

/* ---- the message */

/* Skips a UTF-8 BOM and an mbox "From " envelope line. */
static size_t skip_preamble(const char *data, size_t len)
{
	size_t off = 0;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	if (len - off >= 5 && memcmp(data + off, "From ", 5) == 0) {
		size_t k = off + 5;
		while (k < len && (data[k] == ' ' || data[k] == '\t'))
			k++;
		if (k < len && data[k] != ':') {
			const char *nl = memchr(data + off, '\n', len - off);
			off = nl ? (size_t)(nl - data) + 1 : len;
		}
	}
	return off;
}

static int is_content_type_line(const char *p, size_t n)
{
	if (n < 13 || strncasecmp(p, "content-type", 12) != 0)
		return 0;
	size_t k = 12;
	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	return k < n && p[k] == ':';
}

/* When the top header block has several Content-Type fields, a copy of the
 * message without all but the first (as most readers do); NULL otherwise. */
static char *first_content_type_only(const char *data, size_t len, size_t *len_r)
{
	size_t body_off;
	size_t hl = mr_mime_header_len(data, len, &body_off);
	int seen = 0, dup = 0;
	for (size_t i = 0; i < hl;) {
		const char *nl = memchr(data + i, '\n', hl - i);
		if (is_content_type_line(data + i, hl - i) && seen++)
			dup = 1;
		i = nl ? (size_t)(nl - data) + 1 : hl;
	}
	if (!dup)
		return NULL;
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t o = 0, i = 0;
	int dropping = 0;
	seen = 0;
	while (i < hl) {
		const char *nl = memchr(data + i, '\n', hl - i);
		size_t e = nl ? (size_t)(nl - data) + 1 : hl;
		int cont = data[i] == ' ' || data[i] == '\t';
		if (!cont)
			dropping = is_content_type_line(data + i, e - i) && seen++;
		if (!dropping) {
			memcpy(out + o, data + i, e - i);
			o += e - i;
		}
		i = e;
	}
	memcpy(out + o, data + hl, len - hl);
	o += len - hl;
	*len_r = o;
	return out;
}

/* GMime's message from len bytes (several Content-Type fields: the first). */
static GMimeMessage *construct(const char *data, size_t len, GMimeParserOptions *opts)
{
	size_t fixed_len = 0;
	char *fixed = first_content_type_only(data, len, &fixed_len);
	GMimeStream *stream = fixed ? g_mime_stream_mem_new_with_buffer(fixed, fixed_len)
				    : g_mime_stream_mem_new_with_buffer(data, len);
	free(fixed);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, opts);
	g_object_unref(parser);
	return msg;
}

/* construct(), and when GMime refuses (it does when the data ends inside
 * the header on a line without a colon: a cut message), again with the
 * header block ended. */
static GMimeMessage *construct_ended(const char *data, size_t len, GMimeParserOptions *opts)
{
	GMimeMessage *msg = construct(data, len, opts);
	if (msg)
		return msg;
	char *copy = malloc(len + 3);
	if (!copy)
		return NULL;
	memcpy(copy, data, len);
	memcpy(copy + len, "\n\n", 3);
	msg = construct(copy, len + 2, opts);
	free(copy);
	return msg;
}

/* True when the line at s starts like a header field: a name, maybe blanks, ':'. */
static int looks_like_field(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] > ' ' && s[i] < 0x7f && s[i] != ':')
		i++;
	if (i == 0)
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n && s[i] == ':';
}

int mr_activity_parse(const char *data, size_t len, const struct mr_activity_limits *lim,
		      struct mr_activity **act_r, struct mr_error *err)
{
	*act_r = NULL;
	GMimeParserOptions *opts = parser_options();
	size_t off = skip_preamble(data, len);
	struct mr_activity *act = calloc(1, sizeof(*act));
	if (!act)
		return mail_error_set(err, MR_ENOMEM, "out of memory reading a message");
	GMimeMessage *msg = construct_ended(data + off, len - off, opts);
	/* junk lines before the header: start at the first line that looks like a field */
	for (int tries = 0; !msg && tries < 64; tries++) {
		const char *nl = memchr(data + off, '\n', len - off);
		if (!nl)
			break;
		off = (size_t)(nl - data) + 1;
		if (looks_like_field(data + off, len - off))
			msg = construct_ended(data + off, len - off, opts);
	}
	if (!msg) {
		free(act);
		return mail_error_set(err, MR_EINPUT, "not a message: no header could be read");
	}
	int oom = read_headers(act, msg) != 0;
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GMimeObject *plain = top ? find_body(top, "plain", 0) : NULL;
	GMimeObject *html = top ? find_body(top, "html", 0) : NULL;
	if (!oom && html) {
		act->html = part_text(html);
		oom = !act->html;
	}
	if (!oom && plain) {
		act->text = part_text(plain);
		act->text_source = "plain";
		oom = !act->text;
	} else if (!oom && act->html) {
		act->text = mr_html_to_text(act->html, strlen(act->html));
		act->text_source = "html";
		oom = !act->text;
	}
	if (!oom && !act->text && top && GMIME_IS_MULTIPART(top) &&
	    g_mime_multipart_get_count(GMIME_MULTIPART(top)) == 0) {
		/* the boundary never came: all of the body is the prologue */
		const char *pro = g_mime_multipart_get_prologue(GMIME_MULTIPART(top));
		if (pro && *pro) {
			const char *cs = g_mime_object_get_content_type_parameter(top, "charset");
			act->text = mr_to_utf8(cs, pro, strlen(pro), NULL);
			act->text_source = "plain";
			oom = !act->text;
		}
	}
	if (!oom && top) {
		struct walk w = { .act = act, .lim = lim, .body = plain ? plain : html };
		walk_leaves(&w, top, 0);
		oom = w.oom;
	}
	g_object_unref(msg);
	if (oom) {
		mr_activity_free(act);
		return mail_error_set(err, MR_ENOMEM, "out of memory reading a message");
	}
	*act_r = act;
	return 0;
}

void mr_activity_free(struct mr_activity *act)
{
	if (!act)
		return;
	addrs_free(&act->from);
	addrs_free(&act->to);
	addrs_free(&act->cc);
	addrs_free(&act->bcc);
	free(act->subject);
	free(act->date);
	free(act->message_id);
	free(act->text);
	free(act->html);
	for (size_t i = 0; i < act->n_att; i++) {
		struct mr_activity_attachment *a = &act->att[i];
		free(a->filename);
		free(a->safe_name);
		free(a->content_type);
		free(a->data);
	}
	free(act->att);
	free(act);
}
