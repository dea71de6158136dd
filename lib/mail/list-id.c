/* SPDX-License-Identifier: MIT */
/* List-Id values (RFC 2919): "Description <label.namespace>" or a bare id, checked before they reach a header. */
#include "config.h"
#include <string.h>
#include "mail-internal.h"

/* RFC 5322 atext, which dot-atom-text is made of with dots. */
static int is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int mr_list_id_split(const char *in, struct mr_list_id *out)
{
	memset(out, 0, sizeof(*out));
	if (!in)
		return -1;
	const char *lt = strchr(in, '<'), *id = in, *id_end = in + strlen(in);
	if (lt) {
		const char *gt = strchr(lt, '>');
		if (!gt || gt[1] != '\0')
			return -1;
		id = lt + 1;
		id_end = gt;
		size_t dl = (size_t)(lt - in);
		while (dl > 0 && in[dl - 1] == ' ')
			dl--;
		if (dl >= sizeof(out->description))
			return -1;
		for (size_t i = 0; i < dl; i++)
			if ((unsigned char)in[i] < 0x20 || in[i] == 0x7f || in[i] == '>')
				return -1;
		memcpy(out->description, in, dl);
		out->description[dl] = '\0';
	}
	size_t n = (size_t)(id_end - id);
	if (n < 3 || n >= sizeof(out->id) || id[0] == '.' || id[n - 1] == '.' ||
	    !memchr(id, '.', n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!(is_atext((unsigned char)id[i]) || (id[i] == '.' && id[i + 1] != '.')))
			return -1;
	memcpy(out->id, id, n);
	out->id[n] = '\0';
	return 0;
}
