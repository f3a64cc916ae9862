#include "vtext.h"

#include <ctype.h>
#include <string.h>

static int is_id_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int is_id_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Length of a comment, string or escaped identifier starting at p, or 0. */
static size_t skip_opaque(const char *p)
{
	const char *q = p;

	if (p[0] == '/' && p[1] == '/') {
		while (*q && *q != '\n')
			q++;
		return (size_t)(q - p);
	}
	if (p[0] == '/' && p[1] == '*') {
		q = strstr(p + 2, "*/");
		return q ? (size_t)(q + 2 - p) : strlen(p);
	}
	if (p[0] == '"') {
		q++;
		while (*q && *q != '"' && *q != '\n') {
			if (*q == '\\' && q[1])
				q++;
			q++;
		}
		if (*q == '"')
			q++;
		return (size_t)(q - p);
	}
	if (p[0] == '\\') {
		while (*q && !isspace((unsigned char)*q))
			q++;
		return (size_t)(q - p);
	}
	return 0;
}

int vtext_rename(const char *src, const char *const *from, const char *const *to, size_t n,
		 struct buf *out)
{
	const char *p = src;
	char prev = 0, prev2 = 0;

	while (*p) {
		size_t k = skip_opaque(p);

		if (k) {
			if (buf_add(out, p, k) < 0)
				return -1;
			p += k;
			prev = 'x';
			continue;
		}
		if (is_id_start(*p) && !(prev && is_id_char(prev))) {
			const char *s = p;
			size_t len, i;
			int done = 0;

			while (is_id_char(*p))
				p++;
			len = (size_t)(p - s);
			if (prev != '$' && prev != '`' && prev != '.' && !(prev == ':' && prev2 == ':')) {
				for (i = 0; i < n; i++) {
					if (strlen(from[i]) == len && !memcmp(from[i], s, len)) {
						if (buf_adds(out, to[i]) < 0)
							return -1;
						done = 1;
						break;
					}
				}
			}
			if (!done && buf_add(out, s, len) < 0)
				return -1;
			prev = 'x';
			continue;
		}
		if (buf_addc(out, *p) < 0)
			return -1;
		if (!isspace((unsigned char)*p)) {
			prev2 = prev;
			prev = *p;
		} else if (prev != '.' && prev != '$' && prev != '`' && prev != ':') {
			prev = ' ';
		}
		p++;
	}
	return 0;
}

int vtext_tag_prints(const char *src, const char *tag, struct buf *out)
{
	static const char *const tasks[] = {"display", "write", "strobe", "monitor", "error",
					    "info", "warning", "fatal", "displayb", "displayh",
					    "displayo", "writeb", "writeh", "writeo"};
	const char *p = src;

	while (*p) {
		size_t k = skip_opaque(p);

		if (k) {
			if (buf_add(out, p, k) < 0)
				return -1;
			p += k;
			continue;
		}
		if (*p == '$' && is_id_start(p[1])) {
			const char *s = p + 1, *q;
			size_t len, i;
			int hit = 0;

			q = s;
			while (is_id_char(*q))
				q++;
			len = (size_t)(q - s);
			for (i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++)
				if (strlen(tasks[i]) == len && !memcmp(tasks[i], s, len))
					hit = 1;
			if (buf_add(out, p, (size_t)(q - p)) < 0)
				return -1;
			p = q;
			if (hit) {
				const char *r = p;
				while (isspace((unsigned char)*r))
					r++;
				if (*r == '(') {
					r++;
					while (isspace((unsigned char)*r))
						r++;
					/* $fatal's first argument is a number: $fatal(1, "msg") */
					if (len == 5 && !memcmp(s, "fatal", 5)) {
						while (*r && *r != ',' && *r != ')' && *r != '"')
							r++;
						if (*r == ',')
							r++;
						while (isspace((unsigned char)*r))
							r++;
					}
					if (*r == '"') {
						if (buf_add(out, p, (size_t)(r + 1 - p)) < 0 ||
						    buf_adds(out, tag) < 0)
							return -1;
						p = r + 1;
					}
				}
			}
			continue;
		}
		if (buf_addc(out, *p) < 0)
			return -1;
		p++;
	}
	return 0;
}
