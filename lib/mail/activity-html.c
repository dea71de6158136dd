/* SPDX-License-Identifier: MIT */
/* Plain text from an HTML body: tags dropped, script/style/title skipped, block tags as line breaks, entities unescaped; readable mode (mailing text parts) adds blank lines between paragraphs, list bullets and links written out. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mail-internal.h"

struct tbuf {
	char *p;
	size_t n, cap;
	int oom;
};

static void tb_reserve(struct tbuf *b, size_t more)
{
	if (b->oom || b->n + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void tb_put(struct tbuf *b, const char *s, size_t n)
{
	tb_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void tb_cp(struct tbuf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	tb_put(b, u, n);
}

/* Names of U+00A0..U+00FF, in order. */
static const char *const latin1_names[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy",
	"ordf", "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute",
	"micro", "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34",
	"iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil",
	"Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde",
	"Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute",
	"Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml",
	"aring", "aelig", "ccedil", "egrave", "eacute", "ecirc", "euml", "igrave", "iacute",
	"icirc", "iuml", "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
	"oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

static const struct {
	const char *name;
	unsigned cp;
} other_names[] = {
	{ "quot", 34 }, { "amp", 38 }, { "apos", 39 }, { "lt", 60 }, { "gt", 62 },
	{ "OElig", 338 }, { "oelig", 339 }, { "Scaron", 352 }, { "scaron", 353 },
	{ "Yuml", 376 }, { "fnof", 402 }, { "circ", 710 }, { "tilde", 732 }, { "ensp", 8194 },
	{ "emsp", 8195 }, { "thinsp", 8201 }, { "zwnj", 8204 }, { "zwj", 8205 }, { "lrm", 8206 },
	{ "rlm", 8207 }, { "ndash", 8211 }, { "mdash", 8212 }, { "lsquo", 8216 },
	{ "rsquo", 8217 }, { "sbquo", 8218 }, { "ldquo", 8220 }, { "rdquo", 8221 },
	{ "bdquo", 8222 }, { "dagger", 8224 }, { "Dagger", 8225 }, { "bull", 8226 },
	{ "hellip", 8230 }, { "permil", 8240 }, { "prime", 8242 }, { "Prime", 8243 },
	{ "lsaquo", 8249 }, { "rsaquo", 8250 }, { "oline", 8254 }, { "euro", 8364 },
	{ "trade", 8482 }, { "larr", 8592 }, { "uarr", 8593 }, { "rarr", 8594 },
	{ "darr", 8595 }, { "harr", 8596 }, { "minus", 8722 }, { "hearts", 9829 },
	{ "check", 10003 }, { "hyphen", 8208 }, { "nbhy", 8209 },
};

static unsigned named_entity(const char *s, size_t n)
{
	for (size_t i = 0; i < 96; i++)
		if (strlen(latin1_names[i]) == n && memcmp(latin1_names[i], s, n) == 0)
			return 0xa0 + (unsigned)i;
	for (size_t i = 0; i < sizeof(other_names) / sizeof(other_names[0]); i++)
		if (strlen(other_names[i].name) == n && memcmp(other_names[i].name, s, n) == 0)
			return other_names[i].cp;
	return 0;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Decodes the entity at s[0] == '&'; returns bytes consumed (0: not an entity). */
static size_t entity(struct tbuf *b, const char *s, size_t n)
{
	if (n < 3)
		return 0;
	if (s[1] == '#') {
		size_t i = 2;
		unsigned long cp = 0;
		int hex = (s[i] == 'x' || s[i] == 'X');
		if (hex)
			i++;
		size_t digits = 0;
		while (i < n && digits < 8) {
			char c = s[i];
			int v = (c >= '0' && c <= '9') ? c - '0'
				: (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
				: (hex && c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
			if (v < 0)
				break;
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
			i++;
			digits++;
		}
		if (!digits)
			return 0;
		while (i < n && ((s[i] >= '0' && s[i] <= '9') || (hex && is_alnum(s[i])))) {
			cp = 0x110000; /* too long */
			i++;
		}
		if (i < n && s[i] == ';')
			i++;
		tb_cp(b, cp > 0x10ffff ? 0xfffd : (unsigned)cp);
		return i;
	}
	size_t i = 1;
	while (i < n && i < 12 && is_alnum(s[i]))
		i++;
	size_t len = i - 1;
	if (!len)
		return 0;
	unsigned cp = named_entity(s + 1, len);
	if (!cp)
		return 0;
	if (i < n && s[i] == ';') {
		i++;
	} else if (!(cp == 38 || cp == 60 || cp == 62 || cp == 34 || cp == 0xa0)) {
		return 0; /* only the legacy few without ';' */
	}
	tb_cp(b, cp == 0xa0 ? ' ' : cp);
	return i;
}

static int tag_in(const char *name, size_t n, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == n && strncasecmp(*set, name, n) == 0)
			return 1;
	return 0;
}

static const char *const block_tags[] = {
	"address", "article", "aside", "blockquote", "br", "center", "dd", "div", "dl", "dt",
	"fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
	"header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
	"thead", "tfoot", "tr", "ul", "caption", "body", "html", "option", NULL,
};
static const char *const cell_tags[] = { "td", "th", NULL };
static const char *const skip_tags[] = { "script", "style", "title", NULL };

/* Finds "</name" (any case) from s; returns the offset or n. */
static size_t find_close(const char *s, size_t n, const char *name, size_t nl)
{
	for (size_t i = 0; i + 2 + nl <= n; i++) {
		if (s[i] == '<' && s[i + 1] == '/' && strncasecmp(s + i + 2, name, nl) == 0 &&
		    (i + 2 + nl == n || !is_alnum(s[i + 2 + nl])))
			return i;
	}
	return n;
}

/* End of a tag starting at s[0] == '<': the offset after '>', honouring quoted attribute values. */
static size_t tag_end(const char *s, size_t n)
{
	char q = 0;
	for (size_t i = 1; i < n; i++) {
		if (q) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			/* a quote starts a value only after '=' (maybe with spaces) */
			size_t k = i;
			while (k > 1 && is_space(s[k - 1]))
				k--;
			if (s[k - 1] == '=')
				q = s[i];
		} else if (s[i] == '>') {
			return i + 1;
		}
	}
	return n;
}

/* Collapses the raw output: trailing spaces cut, at most one blank line in a row, no blank lines at either end. */
static char *tidy(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	int blank_pending = 0;
	size_t i = 0;
	while (i < n) {
		size_t e = i;
		while (e < n && s[e] != '\n')
			e++;
		size_t a = i, z = e;
		while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t'))
			z--;
		if (a == z) {
			if (o > 0)
				blank_pending = 1;
		} else {
			if (o > 0)
				out[o++] = '\n';
			if (blank_pending)
				out[o++] = '\n';
			blank_pending = 0;
			memcpy(out + o, s + a, z - a);
			o += z - a;
		}
		i = e + 1;
	}
	out[o] = '\0';
	return out;
}

/* The value of attribute attr (lower case) in the tag tag[0..n), entities
 * left as they are, into out; 0, or -1 when absent or too long. */
static int attr_value(const char *tag, size_t n, const char *attr, char *out, size_t size)
{
	size_t al = strlen(attr);
	for (size_t i = 1; i + al < n; i++) {
		if (!is_space(tag[i - 1]) || strncasecmp(tag + i, attr, al) != 0)
			continue;
		size_t k = i + al;
		while (k < n && is_space(tag[k]))
			k++;
		if (k >= n || tag[k] != '=')
			continue;
		k++;
		while (k < n && is_space(tag[k]))
			k++;
		char q = k < n && (tag[k] == '"' || tag[k] == '\'') ? tag[k++] : 0;
		size_t e = k;
		while (e < n && (q ? tag[e] != q : !is_space(tag[e]) && tag[e] != '>'))
			e++;
		if (e - k + 1 > size)
			return -1;
		memcpy(out, tag + k, e - k);
		out[e - k] = '\0';
		return 0;
	}
	return -1;
}

/* Readable mode: what a tag adds to the text (paragraph breaks, bullets,
 * the link of a closing </a>); 1 when it broke the line itself. */
static int readable_tag(struct tbuf *b, const char *tag, size_t tl, const char *name, size_t nl,
			 int closing, char *href, size_t href_size)
{
	static const char *const para_tags[] = {
		"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", NULL,
	};
	if (tag_in(name, nl, para_tags)) {
		tb_put(b, "\n\n", 2);
		return 1;
	}
	if (nl == 2 && strncasecmp(name, "li", 2) == 0) {
		if (!closing)
			tb_put(b, "\n- ", 3);
		return 1;
	}
	if (nl == 1 && (name[0] == 'a' || name[0] == 'A')) {
		if (!closing) {
			if (attr_value(tag, tl, "href", href, href_size) != 0 || href[0] == '#')
				href[0] = '\0';
		} else if (href[0]) {
			/* the link written out (entities decoded), unless the text
			 * already is it */
			struct tbuf u = { 0 };
			for (size_t k = 0, hl = strlen(href); k < hl;) {
				size_t used = href[k] == '&' ? entity(&u, href + k, hl - k) : 0;
				if (!used)
					tb_put(&u, href + k, (used = 1));
				k += used;
			}
			if (!u.oom && u.n && (b->n < u.n || memcmp(b->p + b->n - u.n, u.p, u.n) != 0)) {
				tb_put(b, " <", 2);
				tb_put(b, u.p, u.n);
				tb_put(b, ">", 1);
			}
			free(u.p);
			href[0] = '\0';
		}
	}
	return 0;
}

char *mr_html_to_text(const char *s, size_t n)
{
	return mr_html_to_text_flags(s, n, 0);
}

char *mr_html_to_text_flags(const char *s, size_t n, unsigned flags)
{
	struct tbuf b = { 0 };
	tb_reserve(&b, n / 2 + 16);
	int pre = 0;
	char href[1024] = "";
	size_t i = 0;
	while (i < n && !b.oom) {
		char c = s[i];
		if (c == '<' && i + 1 < n) {
			char d = s[i + 1];
			if (d == '!' && i + 3 < n && s[i + 2] == '-' && s[i + 3] == '-') {
				const char *end = NULL;
				for (size_t k = i + 4; k + 3 <= n; k++)
					if (s[k] == '-' && s[k + 1] == '-' && s[k + 2] == '>') {
						end = s + k + 3;
						break;
					}
				i = end ? (size_t)(end - s) : n;
				continue;
			}
			if (d == '!' || d == '?') {
				size_t k = i + 2;
				while (k < n && s[k] != '>')
					k++;
				i = k < n ? k + 1 : n;
				continue;
			}
			int closing = (d == '/');
			size_t ns = i + 1 + (size_t)closing;
			size_t ne = ns;
			while (ne < n && (is_alnum(s[ne]) || s[ne] == '-' || s[ne] == ':'))
				ne++;
			if (ne > ns && ((s[ns] >= 'a' && s[ns] <= 'z') || (s[ns] >= 'A' && s[ns] <= 'Z'))) {
				size_t nl = ne - ns;
				size_t after = i + tag_end(s + i, n - i);
				const char *name = s + ns;
				if (!closing && tag_in(name, nl, skip_tags)) {
					size_t cl = after + find_close(s + after, n - after, name, nl);
					i = cl < n ? cl + tag_end(s + cl, n - cl) : n;
					continue;
				}
				if (nl == 3 && strncasecmp(name, "pre", 3) == 0)
					pre = closing ? 0 : 1;
				int broke = (flags & MR_HTML_TEXT_READABLE) &&
					    readable_tag(&b, s + i, after - i, name, nl, closing, href,
							 sizeof(href));
				if (!broke && tag_in(name, nl, block_tags))
					tb_put(&b, "\n", 1);
				else if (tag_in(name, nl, cell_tags) && b.n > 0 && b.p[b.n - 1] != ' ' &&
					 b.p[b.n - 1] != '\n')
					tb_put(&b, " ", 1);
				i = after;
				continue;
			}
			/* a '<' that starts no tag is text */
		}
		if (c == '&') {
			size_t used = entity(&b, s + i, n - i);
			if (used) {
				i += used;
				continue;
			}
		}
		if (is_space(c) && !pre) {
			if (b.n > 0 && b.p[b.n - 1] != ' ' && b.p[b.n - 1] != '\n')
				tb_put(&b, " ", 1);
			i++;
			continue;
		}
		if (c == '\r') {
			i++;
			continue;
		}
		if (c == '\0') {
			i++;
			continue;
		}
		tb_put(&b, &c, 1);
		i++;
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	char *out = tidy(b.p ? b.p : "", b.n);
	free(b.p);
	return out;
}
