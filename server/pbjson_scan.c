/* pbjson_scan: the decoder's scanning layer: error messages (rendering untrusted text, syntax
 * errors with line and column, the field path), the JSON number grammar and exact integer
 * values, string scanning and unescaping, and the lexers pbjson_decode.c reads tokens with.
 * Split out of pbjson_decode.c; declared in pbjson_internal.h. */
#include "pbjson.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pbjson_internal.h"

/* Printable rendering of untrusted text for error messages: at most `max` input bytes,
 * non-printable and non-ASCII bytes as \xHH, "..." when clipped. */
void pbjson_render(char *out, size_t outsz, const char *s, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
			if (o + 2 > outsz)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 5 > outsz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (i < n && o + 4 <= outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

__attribute__((format(printf, 2, 3))) int pbjson_dec_fail(struct dec *d, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (d->failed)
		return -1;
	d->failed = true;
	if (!d->err || !d->errlen)
		return -1;
	if (d->plen)
		n = snprintf(d->err, d->errlen, "%s: ", d->path);
	if (n < 0 || (size_t)n >= d->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A syntax error: the message carries the byte offset, line and column (1-based, in bytes). */
__attribute__((format(printf, 3, 4))) int pbjson_dec_syntax(struct dec *d, const char *at,
							    const char *fmt, ...)
{
	va_list ap;
	size_t off, line = 1, col = 1, i;
	int n;

	if (d->failed)
		return -1;
	d->failed = true;
	if (!d->err || !d->errlen)
		return -1;
	if (at > d->end)
		at = d->end;
	off = (size_t)(at - d->start);
	for (i = 0; i < off; i++) {
		if (d->start[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	n = snprintf(d->err, d->errlen, "malformed JSON at offset %zu (line %zu, column %zu): ",
		     off, line, col);
	if (n < 0 || (size_t)n >= d->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

int pbjson_dec_oom(struct dec *d)
{
	return pbjson_dec_fail(d, "out of memory");
}

int pbjson_dec_eof_or(struct dec *d, const char *what)
{
	if (d->p >= d->end)
		return pbjson_dec_syntax(d, d->end, "unexpected end of data");
	return pbjson_dec_syntax(d, d->p, "%s", what);
}

static size_t path_append(struct dec *d, const char *s, size_t n)
{
	size_t old = d->plen;

	if (n > sizeof(d->path) - 1 - d->plen)
		n = sizeof(d->path) - 1 - d->plen;
	memcpy(d->path + d->plen, s, n);
	d->plen += n;
	d->path[d->plen] = '\0';
	return old;
}

void pbjson_path_pop(struct dec *d, size_t old)
{
	d->plen = old;
	d->path[old] = '\0';
}

size_t pbjson_path_field(struct dec *d, const char *name)
{
	size_t old = d->plen, n = strlen(name);

	if (d->plen)
		path_append(d, ".", 1);
	path_append(d, name, n > 100 ? 100 : n);
	return old;
}

size_t pbjson_path_index(struct dec *d, size_t i)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "[%zu]", i);

	return path_append(d, tmp, (size_t)n);
}

/* Map keys: weights.syntax, or weights["odd key"] when the key is not identifier-like. */
size_t pbjson_path_key(struct dec *d, const char *k, size_t n)
{
	size_t old = d->plen, i;
	bool ident = n > 0 && n <= 64;
	char tmp[120];

	for (i = 0; ident && i < n; i++) {
		char c = k[i];
		ident = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '_' || c == '-';
	}
	if (ident) {
		path_append(d, ".", 1);
		path_append(d, k, n);
	} else {
		pbjson_render(tmp, sizeof(tmp), k, n, 48);
		path_append(d, "['", 2);
		path_append(d, tmp, strlen(tmp));
		path_append(d, "']", 2);
	}
	return old;
}

/* The literal lit starts at p (names a kind only for whole literals: "nope" is no null). */
static int has_lit(const struct dec *d, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(d->end - d->p) >= n && !memcmp(d->p, lit, n);
}

const char *pbjson_json_kind(struct dec *d)
{
	if (d->p >= d->end)
		return NULL;
	switch (*d->p) {
	case '"':
		return "a string";
	case '{':
		return "an object";
	case '[':
		return "an array";
	case 't':
		return has_lit(d, "true") ? "a boolean" : NULL;
	case 'f':
		return has_lit(d, "false") ? "a boolean" : NULL;
	case 'n':
		return has_lit(d, "null") ? "null" : NULL;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return "a number";
	}
	return NULL;
}

/* The value at p has the wrong JSON type (or is no JSON value at all). */
int pbjson_type_error(struct dec *d, const char *want)
{
	const char *got = pbjson_json_kind(d);

	if (!got)
		return pbjson_dec_eof_or(d, "unexpected character");
	return pbjson_dec_fail(d, "expected %s, got %s", want, got);
}

int pbjson_lex_literal(struct dec *d, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(d->end - d->p) < n || memcmp(d->p, lit, n) != 0) {
		const char *q = d->p;
		size_t i;
		for (i = 0; i < n && q < d->end && *q == lit[i]; i++)
			q++;
		if (q >= d->end)
			return pbjson_dec_syntax(d, d->end, "unexpected end of data");
		return pbjson_dec_syntax(d, q, "invalid literal (expected '%s')", lit);
	}
	d->p += n;
	return 0;
}

/* JSON number grammar at [s, e): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 * Returns the token length, or 0 with *bad and *why set. */
static size_t num_scan(const char *s, const char *e, const char **bad, const char **why)
{
	const char *q = s;

#define DIGIT(c) ((c) >= '0' && (c) <= '9')
	if (q < e && *q == '-')
		q++;
	if (q >= e || !DIGIT(*q)) {
		*bad = q;
		*why = "digit expected";
		return 0;
	}
	if (*q == '0') {
		q++;
		if (q < e && DIGIT(*q)) {
			*bad = q;
			*why = "leading zeros are not allowed";
			return 0;
		}
	} else {
		while (q < e && DIGIT(*q))
			q++;
	}
	if (q < e && *q == '.') {
		q++;
		if (q >= e || !DIGIT(*q)) {
			*bad = q;
			*why = "digit expected after '.'";
			return 0;
		}
		while (q < e && DIGIT(*q))
			q++;
	}
	if (q < e && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < e && (*q == '+' || *q == '-'))
			q++;
		if (q >= e || !DIGIT(*q)) {
			*bad = q;
			*why = "digit expected in exponent";
			return 0;
		}
		while (q < e && DIGIT(*q))
			q++;
	}
	return (size_t)(q - s);
}

/* Exact integer value of a number token that satisfies the grammar, fractions and exponents
 * included ("1e3", "2.50e1"). 0: ok; 1: not an integer; 2: magnitude >= 2^64. Linear in n. */
int pbjson_num_to_int(const char *s, size_t n, bool *neg, uint64_t *mag)
{
	const char *e = s + n, *ip, *fp = NULL, *q = s;
	size_t ni, nf = 0, nd, i;
	int64_t exp = 0, point;
	uint64_t m = 0;

	*neg = false;
	if (*q == '-') {
		*neg = true;
		q++;
	}
	ip = q;
	while (q < e && DIGIT(*q))
		q++;
	ni = (size_t)(q - ip);
	if (q < e && *q == '.') {
		fp = ++q;
		while (q < e && DIGIT(*q))
			q++;
		nf = (size_t)(q - fp);
	}
	if (q < e && (*q == 'e' || *q == 'E')) {
		bool eneg = false;
		q++;
		if (*q == '+' || *q == '-')
			eneg = *q++ == '-';
		for (; q < e; q++)
			if (exp < 1000000000)
				exp = exp * 10 + (*q - '0');
		if (eneg)
			exp = -exp;
	}
	nd = ni + nf;
#define DIG(k) ((k) < ni ? ip[k] : fp[(k) - ni])
	point = (int64_t)ni + exp; /* digits [0, point) are the integer part */
	for (i = point < 0 ? 0 : (size_t)point; i < nd; i++)
		if (DIG(i) != '0')
			return 1;
	for (i = 0; (int64_t)i < point; i++) {
		unsigned dg = i < nd ? (unsigned)(DIG(i) - '0') : 0;
		if (m == 0 && i >= nd)
			break; /* all zeros: stays 0 however far the exponent goes */
		if (m > (UINT64_MAX - dg) / 10)
			return 2;
		m = m * 10 + dg;
	}
#undef DIG
	*mag = m;
	return 0;
}
#undef DIGIT

/* Scan a JSON string at p (which is at '"'): finds its end, checks for raw control
 * characters. raw, rawlen: the bytes between the quotes. Advances p past the closing quote. */
static int scan_string(struct dec *d, const char **raw, size_t *rawlen)
{
	const char *q = d->p + 1;

	while (q < d->end) {
		unsigned char c = (unsigned char)*q;
		if (c == '"') {
			*raw = d->p + 1;
			*rawlen = (size_t)(q - *raw);
			d->p = q + 1;
			return 0;
		}
		if (c == '\\') {
			q += 2;
			continue;
		}
		if (c < 0x20)
			return pbjson_dec_syntax(d, q, c ? "control character in string (must be escaped)"
						  : "NUL byte in string");
		q++;
	}
	return pbjson_dec_syntax(d, d->end, "unexpected end of data in string");
}

static int hex4(const char *s, unsigned *v)
{
	unsigned r = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];
		r <<= 4;
		if (c >= '0' && c <= '9')
			r |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			r |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			r |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*v = r;
	return 0;
}


/* Decode the raw string body into dst (room for rawlen + 1 bytes), NUL-terminate, validate.
 * Returns 0, -1 (syntax error reported) or SERR_* (d->bad set, not reported). */
static int unescape(struct dec *d, const char *raw, size_t rawlen, char *dst, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)raw, *e = s + rawlen;
	char *o = dst;

	while (s < e) {
		unsigned char c = *s;
		if (c < 0x80 && c != '\\') {
			*o++ = (char)c;
			s++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = pbjson_utf8_seq(s, (size_t)(e - s));
			if (!k) {
				d->bad = (const char *)s;
				return SERR_UTF8;
			}
			memcpy(o, s, k);
			o += k;
			s += k;
			continue;
		}
		/* escape; scan_string guaranteed a character after the backslash */
		switch (s[1]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned u, lo;
			if (e - s < 6 || hex4((const char *)s + 2, &u) < 0)
				return pbjson_dec_syntax(d, (const char *)s, "invalid \\u escape");
			if (u >= 0xdc00 && u <= 0xdfff) {
				d->bad = (const char *)s;
				return SERR_SURROGATE;
			}
			if (u >= 0xd800 && u <= 0xdbff) {
				if (e - s < 12 || s[6] != '\\' || s[7] != 'u' ||
				    hex4((const char *)s + 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
					d->bad = (const char *)s;
					return SERR_SURROGATE;
				}
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			if (u == 0) {
				d->bad = (const char *)s;
				return SERR_NUL;
			}
			if (u < 0x80) {
				*o++ = (char)u;
			} else if (u < 0x800) {
				*o++ = (char)(0xc0 | (u >> 6));
				*o++ = (char)(0x80 | (u & 0x3f));
			} else if (u < 0x10000) {
				*o++ = (char)(0xe0 | (u >> 12));
				*o++ = (char)(0x80 | ((u >> 6) & 0x3f));
				*o++ = (char)(0x80 | (u & 0x3f));
			} else {
				*o++ = (char)(0xf0 | (u >> 18));
				*o++ = (char)(0x80 | ((u >> 12) & 0x3f));
				*o++ = (char)(0x80 | ((u >> 6) & 0x3f));
				*o++ = (char)(0x80 | (u & 0x3f));
			}
			s += 6;
			continue;
		}
		default:
			return pbjson_dec_syntax(d, (const char *)s, "invalid escape sequence");
		}
		s += 2;
	}
	*o = '\0';
	*outlen = (size_t)(o - dst);
	return 0;
}

int pbjson_serr_report(struct dec *d, int rc, const char *what)
{
	size_t off = (size_t)(d->bad - d->start);

	switch (rc) {
	case SERR_UTF8:
		return pbjson_dec_fail(d, "%s is not valid UTF-8 (bad byte at offset %zu)", what, off);
	case SERR_NUL:
		return pbjson_dec_fail(d, "%s contains a NUL character (\\u0000 at offset %zu)", what, off);
	case SERR_SURROGATE:
		return pbjson_dec_fail(d, "%s has an unpaired UTF-16 surrogate escape at offset %zu", what,
				off);
	}
	return -1;
}

/* Lex a string at p into d->scratch. Returns 0, -1 (reported) or SERR_* (not reported). */
int pbjson_lex_scratch(struct dec *d, const char **s, size_t *n)
{
	const char *raw;
	size_t rawlen;

	if (scan_string(d, &raw, &rawlen) < 0)
		return -1;
	if (rawlen + 1 > d->scap) {
		size_t cap = d->scap ? d->scap : 64;
		char *p;
		while (cap < rawlen + 1)
			cap *= 2;
		p = realloc(d->scratch, cap);
		if (!p)
			return pbjson_dec_oom(d);
		d->scratch = p;
		d->scap = cap;
	}
	*s = d->scratch;
	return unescape(d, raw, rawlen, d->scratch, n);
}

/* Lex a string at p into a new malloc'd NUL-terminated buffer. */
int pbjson_lex_alloc(struct dec *d, char **out, size_t *n, const char *what)
{
	const char *raw;
	size_t rawlen;
	char *s;
	int rc;

	if (scan_string(d, &raw, &rawlen) < 0)
		return -1;
	s = malloc(rawlen + 1);
	if (!s)
		return pbjson_dec_oom(d);
	rc = unescape(d, raw, rawlen, s, n);
	if (rc) {
		free(s);
		return rc < 0 ? -1 : pbjson_serr_report(d, rc, what);
	}
	*out = s;
	return 0;
}

/* The number at p, or the contents of a string at p that must be a number token.
 * txt, n: the token (in the input or in scratch). */
int pbjson_lex_number_or_string(struct dec *d, const char **txt, size_t *n, bool *quoted,
				const char *want)
{
	const char *bad, *why;
	size_t len;

	*quoted = false;
	if (d->p < d->end && *d->p == '"') {
		const char *s;
		size_t sn;
		int rc = pbjson_lex_scratch(d, &s, &sn);
		if (rc < 0)
			return -1;
		*quoted = true;
		if (rc > 0)
			return pbjson_serr_report(d, rc, "string");
		if (sn == 0 || num_scan(s, s + sn, &bad, &why) != sn) {
			char r[80];
			pbjson_render(r, sizeof(r), s, sn, 40);
			return pbjson_dec_fail(d, "expected %s, got the string '%s'", want, r);
		}
		*txt = s;
		*n = sn;
		return 0;
	}
	if (d->p >= d->end || (*d->p != '-' && (*d->p < '0' || *d->p > '9')))
		return pbjson_type_error(d, want);
	len = num_scan(d->p, d->end, &bad, &why);
	if (!len) {
		if (bad >= d->end)
			return pbjson_dec_syntax(d, d->end, "unexpected end of data in number");
		return pbjson_dec_syntax(d, bad, "invalid number: %s", why);
	}
	*txt = d->p;
	*n = len;
	d->p += len;
	return 0;
}
