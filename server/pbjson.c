/* pbjson: protobuf-c messages to and from JSON by descriptor reflection. See pbjson.h.
 *
 * Decoding is a strict RFC 8259 recursive-descent parser that writes straight into the
 * protobuf-c structures (no intermediate tree). json-c was tried first and rejected for this
 * path: in 0.16 even with JSON_TOKENER_STRICT it accepts single-quoted strings, NaN/Infinity
 * literals, raw control characters and "1.", silently saturates out-of-range integers
 * (18446744073709551616 becomes UINT64_MAX), replaces lone surrogates with U+FFFD, and keeps
 * the last of duplicate keys, and its tree keeps no text for integers, so none of that can be
 * caught afterwards.
 *
 * Memory invariant while decoding: at every point the message under construction is one that
 * protobuf_c_message_free_unpacked() can free. Repeated arrays hold exactly n_<field> valid
 * elements (capacity may be larger); a sub-message is stored in its slot (and counted) as soon
 * as it is allocated and initialised, before its contents are parsed; a string is stored only
 * once complete. A oneof case is set before a pointer member is filled in. So on any error the
 * partial message is simply freed.
 *
 * Encoding writes through a 16 KiB staging area flushed into the caller's buf, and formats
 * doubles with Grisu2 (Loitsch 2010, as in nlohmann/json and RapidJSON): always the exact value
 * back through strtod, and the shortest such digit string in all but rare cases.
 */
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

#define PBJSON_MAX_DEPTH 32     /* JSON objects + arrays nested, top-level object = 1 */
#define PBJSON_MAX_ENC_DEPTH 64 /* message nesting when encoding */

/* Storage of one value of a field, by type, as protobuf-c lays it out. */
static size_t elt_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

static const char *type_name(ProtobufCType t)
{
	static const char *const names[] = {
		"int32", "sint32", "sfixed32", "int64", "sint64", "sfixed64", "uint32", "fixed32",
		"uint64", "fixed64", "float", "double", "bool", "enum", "string", "bytes", "message",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

#define MEMBER(msg, off) ((void *)((char *)(msg) + (off)))
#define CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

/* A repeated field of type message is a map when its element type is the entry type protoc
 * synthesises for map<K,V>: named <FieldInCamelCase>Entry, nested in the parent, with exactly
 * fields key = 1 and value = 2. (protobuf-c 1.4 descriptors carry no map_entry option.) */
static bool is_map_field(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *e;
	const char *s, *n;
	size_t plen;
	bool cap = true;

	if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
		return false;
	e = f->descriptor;
	if (!e || e->n_fields != 2 || e->fields[0].id != 1 || e->fields[1].id != 2 ||
	    strcmp(e->fields[0].name, "key") != 0 || strcmp(e->fields[1].name, "value") != 0)
		return false;
	/* short_name == MapEntryName(field name) */
	s = e->short_name;
	for (n = f->name; *n; n++) {
		if (*n == '_') {
			cap = true;
			continue;
		}
		char c = *n;
		if (cap && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		cap = false;
		if (*s++ != c)
			return false;
	}
	if (strcmp(s, "Entry") != 0)
		return false;
	/* name == parent.name + "." + short_name */
	plen = strlen(parent->name);
	return strncmp(e->name, parent->name, plen) == 0 && e->name[plen] == '.' &&
	       strcmp(e->name + plen + 1, e->short_name) == 0;
}

/* ============================================================================================
 * Decoding
 * ========================================================================================== */

enum { SERR_UTF8 = 1, SERR_NUL, SERR_SURROGATE };

struct dec {
	const char *start, *p, *end;
	int depth;
	bool failed;
	char *err;
	size_t errlen;
	char *scratch; /* decoded keys and numeric strings */
	size_t scap;
	const char *bad; /* where a SERR_* was found */
	size_t plen;
	char path[4096]; /* never overflows: depth <= 32, segments are clipped to < 120 bytes */
};

/* Printable rendering of untrusted text for error messages: at most `max` input bytes,
 * non-printable and non-ASCII bytes as \xHH, "..." when clipped. */
static void render(char *out, size_t outsz, const char *s, size_t n, size_t max)
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

__attribute__((format(printf, 2, 3))) static int dec_fail(struct dec *d, const char *fmt, ...)
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
__attribute__((format(printf, 3, 4))) static int dec_syntax(struct dec *d, const char *at,
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

static int dec_oom(struct dec *d)
{
	return dec_fail(d, "out of memory");
}

static int dec_eof_or(struct dec *d, const char *what)
{
	if (d->p >= d->end)
		return dec_syntax(d, d->end, "unexpected end of data");
	return dec_syntax(d, d->p, "%s", what);
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

static void path_pop(struct dec *d, size_t old)
{
	d->plen = old;
	d->path[old] = '\0';
}

static size_t path_field(struct dec *d, const char *name)
{
	size_t old = d->plen, n = strlen(name);

	if (d->plen)
		path_append(d, ".", 1);
	path_append(d, name, n > 100 ? 100 : n);
	return old;
}

static size_t path_index(struct dec *d, size_t i)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "[%zu]", i);

	return path_append(d, tmp, (size_t)n);
}

/* Map keys: weights.syntax, or weights["odd key"] when the key is not identifier-like. */
static size_t path_key(struct dec *d, const char *k, size_t n)
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
		render(tmp, sizeof(tmp), k, n, 48);
		path_append(d, "['", 2);
		path_append(d, tmp, strlen(tmp));
		path_append(d, "']", 2);
	}
	return old;
}

static inline void skip_ws(struct dec *d)
{
	while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t'))
		d->p++;
}

static const char *json_kind(struct dec *d)
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
	case 'f':
		return "a boolean";
	case 'n':
		return "null";
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return "a number";
	}
	return NULL;
}

/* The value at p has the wrong JSON type (or is no JSON value at all). */
static int type_error(struct dec *d, const char *want)
{
	const char *got = json_kind(d);

	if (!got)
		return dec_eof_or(d, "unexpected character");
	return dec_fail(d, "expected %s, got %s", want, got);
}

static int lex_literal(struct dec *d, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(d->end - d->p) < n || memcmp(d->p, lit, n) != 0) {
		const char *q = d->p;
		size_t i;
		for (i = 0; i < n && q < d->end && *q == lit[i]; i++)
			q++;
		if (q >= d->end)
			return dec_syntax(d, d->end, "unexpected end of data");
		return dec_syntax(d, q, "invalid literal (expected '%s')", lit);
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
static int num_to_int(const char *s, size_t n, bool *neg, uint64_t *mag)
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
			return dec_syntax(d, q, c ? "control character in string (must be escaped)"
						  : "NUL byte in string");
		q++;
	}
	return dec_syntax(d, d->end, "unexpected end of data in string");
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

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, <= U+10FFFF),
 * or 0 when invalid. s[0] >= 0x80. */
static inline size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
			       (s[3] & 0xc0) == 0x80
			   ? 4
			   : 0;
	}
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
			size_t k = utf8_seq(s, (size_t)(e - s));
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
				return dec_syntax(d, (const char *)s, "invalid \\u escape");
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
			return dec_syntax(d, (const char *)s, "invalid escape sequence");
		}
		s += 2;
	}
	*o = '\0';
	*outlen = (size_t)(o - dst);
	return 0;
}

static int serr_report(struct dec *d, int rc, const char *what)
{
	size_t off = (size_t)(d->bad - d->start);

	switch (rc) {
	case SERR_UTF8:
		return dec_fail(d, "%s is not valid UTF-8 (bad byte at offset %zu)", what, off);
	case SERR_NUL:
		return dec_fail(d, "%s contains a NUL character (\\u0000 at offset %zu)", what, off);
	case SERR_SURROGATE:
		return dec_fail(d, "%s has an unpaired UTF-16 surrogate escape at offset %zu", what,
				off);
	}
	return -1;
}

/* Lex a string at p into d->scratch. Returns 0, -1 (reported) or SERR_* (not reported). */
static int lex_scratch(struct dec *d, const char **s, size_t *n)
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
			return dec_oom(d);
		d->scratch = p;
		d->scap = cap;
	}
	*s = d->scratch;
	return unescape(d, raw, rawlen, d->scratch, n);
}

/* Lex a string at p into a new malloc'd NUL-terminated buffer. */
static int lex_alloc(struct dec *d, char **out, size_t *n, const char *what)
{
	const char *raw;
	size_t rawlen;
	char *s;
	int rc;

	if (scan_string(d, &raw, &rawlen) < 0)
		return -1;
	s = malloc(rawlen + 1);
	if (!s)
		return dec_oom(d);
	rc = unescape(d, raw, rawlen, s, n);
	if (rc) {
		free(s);
		return rc < 0 ? -1 : serr_report(d, rc, what);
	}
	*out = s;
	return 0;
}

/* The number at p, or the contents of a string at p that must be a number token.
 * txt, n: the token (in the input or in scratch). */
static int lex_number_or_string(struct dec *d, const char **txt, size_t *n, bool *quoted,
				const char *want)
{
	const char *bad, *why;
	size_t len;

	*quoted = false;
	if (d->p < d->end && *d->p == '"') {
		const char *s;
		size_t sn;
		int rc = lex_scratch(d, &s, &sn);
		if (rc < 0)
			return -1;
		*quoted = true;
		if (rc > 0)
			return serr_report(d, rc, "string");
		if (sn == 0 || num_scan(s, s + sn, &bad, &why) != sn) {
			char r[80];
			render(r, sizeof(r), s, sn, 40);
			return dec_fail(d, "expected %s, got the string '%s'", want, r);
		}
		*txt = s;
		*n = sn;
		return 0;
	}
	if (d->p >= d->end || (*d->p != '-' && (*d->p < '0' || *d->p > '9')))
		return type_error(d, want);
	len = num_scan(d->p, d->end, &bad, &why);
	if (!len) {
		if (bad >= d->end)
			return dec_syntax(d, d->end, "unexpected end of data in number");
		return dec_syntax(d, bad, "invalid number: %s", why);
	}
	*txt = d->p;
	*n = len;
	d->p += len;
	return 0;
}

static int dec_int(struct dec *d, ProtobufCType t, void *slot)
{
	const char *txt;
	size_t n;
	bool quoted, neg;
	uint64_t mag;
	int rc;
	char r[48];

	if (lex_number_or_string(d, &txt, &n, &quoted, "an integer") < 0)
		return -1;
	rc = num_to_int(txt, n, &neg, &mag);
	render(r, sizeof(r), txt, n, 32);
	if (rc == 1)
		return dec_fail(d, "expected an integer, got %s", r);
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (rc || mag > (neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
			break;
		*(int32_t *)slot = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (rc || mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
			break;
		*(int64_t *)slot = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (rc || (neg && mag) || mag > UINT32_MAX)
			break;
		*(uint32_t *)slot = (uint32_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if (rc || (neg && mag))
			break;
		*(uint64_t *)slot = mag;
		return 0;
	default:
		break;
	}
	return dec_fail(d, "%s is out of range for %s", r, type_name(t));
}

static int dec_float(struct dec *d, ProtobufCType t, void *slot)
{
	const char *txt;
	size_t n;
	bool quoted;
	char small[64], *buf = small, *endp;
	double v;
	float fv = 0;
	int rc = 0;

	if (d->p < d->end && *d->p == 'n') {
		/* reached only for array elements and map values (a singular field's null means
		 * its default): null is how the encoder writes NaN and the infinities there */
		if (lex_literal(d, "null") < 0)
			return -1;
		if (t == PROTOBUF_C_TYPE_FLOAT)
			*(float *)slot = NAN;
		else
			*(double *)slot = NAN;
		return 0;
	}
	if (d->p < d->end && *d->p == '"') {
		/* proto3 JSON spellings of the non-finite values */
		static const struct { const char *s; double v; } special[] = {
			{ "\"NaN\"", NAN }, { "\"Infinity\"", INFINITY }, { "\"-Infinity\"", -INFINITY },
		};
		size_t i;
		for (i = 0; i < 3; i++) {
			size_t sl = strlen(special[i].s);
			if ((size_t)(d->end - d->p) >= sl && memcmp(d->p, special[i].s, sl) == 0) {
				d->p += sl;
				if (t == PROTOBUF_C_TYPE_FLOAT)
					*(float *)slot = (float)special[i].v;
				else
					*(double *)slot = special[i].v;
				return 0;
			}
		}
	}
	if (lex_number_or_string(d, &txt, &n, &quoted, "a number") < 0)
		return -1;
	if (n >= sizeof(small)) {
		buf = malloc(n + 1);
		if (!buf)
			return dec_oom(d);
	}
	memcpy(buf, txt, n);
	buf[n] = '\0';
	errno = 0;
	if (t == PROTOBUF_C_TYPE_FLOAT) {
		fv = strtof(buf, &endp); /* not strtod + cast: that could round twice */
		if (errno == ERANGE && isinf(fv))
			rc = -1;
		v = fv;
	} else {
		v = strtod(buf, &endp);
		if (errno == ERANGE && isinf(v))
			rc = -1;
	}
	if (rc < 0) {
		char r[48];
		render(r, sizeof(r), buf, n, 32);
		dec_fail(d, "%s is out of range for %s", r, type_name(t));
	} else if (t == PROTOBUF_C_TYPE_FLOAT) {
		*(float *)slot = fv;
	} else {
		*(double *)slot = v;
	}
	if (buf != small)
		free(buf);
	return rc;
}

static int dec_enum(struct dec *d, const ProtobufCFieldDescriptor *f, int *slot)
{
	const ProtobufCEnumDescriptor *ed = f->descriptor;

	if (d->p < d->end && *d->p == '"') {
		const char *s;
		size_t n;
		const ProtobufCEnumValue *ev = NULL;
		int rc = lex_scratch(d, &s, &n);
		if (rc < 0)
			return -1;
		if (rc == 0 && strlen(s) == n)
			ev = protobuf_c_enum_descriptor_get_value_by_name(ed, s);
		if (!ev) {
			char r[120];
			render(r, sizeof(r), s, rc ? 0 : n, 64);
			return dec_fail(d, "unknown value '%s' for enum %s", r, ed ? ed->name : "?");
		}
		*slot = ev->value;
		return 0;
	}
	if (d->p < d->end && (*d->p == '-' || (*d->p >= '0' && *d->p <= '9'))) {
		int32_t v;
		if (dec_int(d, PROTOBUF_C_TYPE_INT32, &v) < 0)
			return -1;
		*slot = v; /* proto3 enums are open: unknown numbers are kept, as unpack does */
		return 0;
	}
	return type_error(d, "an enum value name or number");
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Standard or URL-safe base64, padding optional. */
static int dec_bytes(struct dec *d, ProtobufCBinaryData *bd)
{
	const char *raw, *at = d->p;
	size_t rawlen, n, i, o = 0;
	uint32_t acc = 0;
	int bits = 0, rc;
	unsigned char *out;

	if (d->p >= d->end || *d->p != '"')
		return type_error(d, "a base64 string");
	rc = lex_scratch(d, &raw, &rawlen); /* unescaped: some encoders write \/ */
	if (rc)
		return rc < 0 ? -1 : serr_report(d, rc, "string");
	n = rawlen;
	while (n > 0 && raw[n - 1] == '=' && rawlen - n < 2)
		n--;
	if (n % 4 == 1 || (n != rawlen && (rawlen % 4) != 0))
		return dec_fail(d, "invalid base64 (bad length)");
	out = malloc(n / 4 * 3 + 3);
	if (!out)
		return dec_oom(d);
	for (i = 0; i < n; i++) {
		int v = b64val((unsigned char)raw[i]);
		if (v < 0) {
			free(out);
			return dec_fail(d, "invalid base64 (bad character in the string at offset %zu)",
					(size_t)(at - d->start));
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (o == 0) {
		free(out);
		out = NULL;
	}
	bd->data = out;
	bd->len = o;
	return 0;
}

static int dec_message(struct dec *d, ProtobufCMessage *msg, const ProtobufCMessageDescriptor *desc);

static ProtobufCMessage *new_message(const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage *m = malloc(desc->sizeof_message);

	if (m)
		protobuf_c_message_init(desc, m);
	return m;
}

/* A non-null JSON value into the storage of one value of field f. */
static int dec_value(struct dec *d, const ProtobufCFieldDescriptor *f, void *slot)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return dec_int(d, f->type, slot);
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE:
		return dec_float(d, f->type, slot);
	case PROTOBUF_C_TYPE_BOOL:
		if (d->p < d->end && *d->p == 't') {
			if (lex_literal(d, "true") < 0)
				return -1;
			*(protobuf_c_boolean *)slot = 1;
			return 0;
		}
		if (d->p < d->end && *d->p == 'f') {
			if (lex_literal(d, "false") < 0)
				return -1;
			*(protobuf_c_boolean *)slot = 0;
			return 0;
		}
		return type_error(d, "true or false");
	case PROTOBUF_C_TYPE_ENUM:
		return dec_enum(d, f, slot);
	case PROTOBUF_C_TYPE_STRING: {
		char *s = NULL;
		size_t n;
		if (d->p >= d->end || *d->p != '"')
			return type_error(d, "a string");
		if (lex_alloc(d, &s, &n, "string") < 0)
			return -1;
		/* the old value is the init default (static, or protobuf_c_empty_string): each
		 * field is set at most once, so there is nothing to free */
		*(char **)slot = s;
		return 0;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return dec_bytes(d, slot);
	case PROTOBUF_C_TYPE_MESSAGE: {
		ProtobufCMessage *sub;
		if (d->p >= d->end || *d->p != '{')
			return type_error(d, "an object");
		sub = new_message(f->descriptor);
		if (!sub)
			return dec_oom(d);
		*(ProtobufCMessage **)slot = sub; /* owned by the parent from now on */
		return dec_message(d, sub, f->descriptor);
	}
	}
	return dec_fail(d, "unsupported field type %d", (int)f->type);
}

/* After a value was stored, record its presence like unpack does. */
static void mark_present(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)MEMBER(msg, f->quantifier_offset) = f->id;
	else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
		 f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)MEMBER(msg, f->quantifier_offset) = 1;
}

/* Make room for one more element. The array stays consistent with *np throughout. */
static void *grow(struct dec *d, void **arrp, size_t n, size_t *cap, size_t esz)
{
	if (n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		void *p;
		if (nc > SIZE_MAX / esz || !(p = realloc(*arrp, nc * esz))) {
			dec_oom(d);
			return NULL;
		}
		*arrp = p;
		*cap = nc;
	}
	return (char *)*arrp + n * esz;
}

static void shrink(void **arrp, size_t n, size_t cap, size_t esz)
{
	if (n && n < cap) {
		void *p = realloc(*arrp, n * esz);
		if (p)
			*arrp = p;
	}
}

static int dec_repeated(struct dec *d, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	size_t *np = MEMBER(msg, f->quantifier_offset);
	void **arrp = MEMBER(msg, f->offset);
	size_t esz = elt_size(f->type), cap = *np, old;
	int rc = 0;

	if (d->p >= d->end || *d->p != '[')
		return type_error(d, "an array");
	if (++d->depth > PBJSON_MAX_DEPTH)
		return dec_syntax(d, d->p, "nesting deeper than %d levels", PBJSON_MAX_DEPTH);
	d->p++;
	skip_ws(d);
	if (d->p < d->end && *d->p == ']') {
		d->p++;
		d->depth--;
		return 0;
	}
	for (;;) {
		void *slot;
		skip_ws(d);
		if (!(slot = grow(d, arrp, *np, &cap, esz)))
			return -1;
		old = path_index(d, *np);
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ProtobufCMessage *sub;
			if (d->p >= d->end || *d->p != '{') {
				rc = type_error(d, "an object");
			} else if (!(sub = new_message(f->descriptor))) {
				rc = dec_oom(d);
			} else {
				*(ProtobufCMessage **)slot = sub;
				(*np)++;
				rc = dec_message(d, sub, f->descriptor);
			}
		} else {
			rc = dec_value(d, f, slot);
			if (rc == 0)
				(*np)++;
		}
		path_pop(d, old);
		if (rc < 0)
			return -1;
		skip_ws(d);
		if (d->p < d->end && *d->p == ',') {
			d->p++;
			continue;
		}
		if (d->p < d->end && *d->p == ']') {
			d->p++;
			break;
		}
		return dec_eof_or(d, "expected ',' or ']' in array");
	}
	shrink(arrp, *np, cap, esz);
	d->depth--;
	return 0;
}

/* Map keys as JSON object keys: strings as is, bools as "true"/"false", integers in decimal. */
static int set_map_key(struct dec *d, const ProtobufCFieldDescriptor *kf, ProtobufCMessage *entry,
		       const char *k, size_t n)
{
	void *slot = MEMBER(entry, kf->offset);
	char r[80];

	switch (kf->type) {
	case PROTOBUF_C_TYPE_STRING: {
		char *s = malloc(n + 1);
		if (!s)
			return dec_oom(d);
		memcpy(s, k, n + 1);
		*(char **)slot = s;
		break;
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (n == 4 && memcmp(k, "true", 4) == 0)
			*(protobuf_c_boolean *)slot = 1;
		else if (n == 5 && memcmp(k, "false", 5) == 0)
			*(protobuf_c_boolean *)slot = 0;
		else
			goto bad;
		break;
	default: {
		/* integer keys: canonical decimal only */
		size_t i = k[0] == '-' ? 1 : 0;
		const char *saved_p = d->p, *saved_end = d->end;
		int rc;
		if (i >= n || (k[i] == '0' && n > i + 1))
			goto bad;
		for (; i < n; i++)
			if (k[i] < '0' || k[i] > '9')
				goto bad;
		d->p = k;
		d->end = k + n;
		rc = dec_int(d, kf->type, slot);
		d->p = saved_p;
		d->end = saved_end;
		if (rc < 0)
			return -1;
		break;
	}
	}
	mark_present(entry, kf);
	return 0;
bad:
	render(r, sizeof(r), k, n, 40);
	return dec_fail(d, "invalid map key '%s' (expected %s)", r,
			kf->type == PROTOBUF_C_TYPE_BOOL ? "true or false" : "a decimal integer");
}

struct keycmp_ctx {
	ProtobufCMessage **entries;
	const ProtobufCFieldDescriptor *kf;
};

static int keycmp(const void *a, const void *b, void *arg)
{
	const struct keycmp_ctx *c = arg;
	const void *ka = CMEMBER(c->entries[*(const size_t *)a], c->kf->offset);
	const void *kb = CMEMBER(c->entries[*(const size_t *)b], c->kf->offset);

	switch (c->kf->type) {
	case PROTOBUF_C_TYPE_STRING:
		return strcmp(*(char *const *)ka, *(char *const *)kb);
	case PROTOBUF_C_TYPE_BOOL:
		return (*(const protobuf_c_boolean *)ka != 0) - (*(const protobuf_c_boolean *)kb != 0);
	default:
		if (elt_size(c->kf->type) == 8) {
			uint64_t x = *(const uint64_t *)ka, y = *(const uint64_t *)kb;
			return (x > y) - (x < y);
		} else {
			uint32_t x = *(const uint32_t *)ka, y = *(const uint32_t *)kb;
			return (x > y) - (x < y);
		}
	}
}

/* Keys decoded to the same value twice ("a" and "\u0061", or 1 and 01 in a bool/int map). */
static int map_dup_check(struct dec *d, ProtobufCMessage **entries, size_t n,
			 const ProtobufCFieldDescriptor *kf)
{
	struct keycmp_ctx c = { entries, kf };
	size_t *idx, i;
	int rc = 0;

	if (n < 2)
		return 0;
	idx = malloc(n * sizeof(*idx));
	if (!idx)
		return dec_oom(d);
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), keycmp, &c);
	for (i = 1; i < n; i++) {
		if (keycmp(&idx[i - 1], &idx[i], &c) == 0) {
			const void *k = CMEMBER(entries[idx[i]], kf->offset);
			char r[80];
			if (kf->type == PROTOBUF_C_TYPE_STRING)
				render(r, sizeof(r), *(char *const *)k, strlen(*(char *const *)k), 48);
			else if (kf->type == PROTOBUF_C_TYPE_BOOL)
				snprintf(r, sizeof(r), "%s", *(const protobuf_c_boolean *)k ? "true" : "false");
			else if (kf->type == PROTOBUF_C_TYPE_UINT64 || kf->type == PROTOBUF_C_TYPE_FIXED64)
				snprintf(r, sizeof(r), "%" PRIu64, *(const uint64_t *)k);
			else if (elt_size(kf->type) == 8)
				snprintf(r, sizeof(r), "%" PRId64, *(const int64_t *)k);
			else if (kf->type == PROTOBUF_C_TYPE_UINT32 || kf->type == PROTOBUF_C_TYPE_FIXED32)
				snprintf(r, sizeof(r), "%" PRIu32, *(const uint32_t *)k);
			else
				snprintf(r, sizeof(r), "%" PRId32, *(const int32_t *)k);
			rc = dec_fail(d, "duplicate key '%s'", r);
			break;
		}
	}
	free(idx);
	return rc;
}

static int dec_map(struct dec *d, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
	size_t *np = MEMBER(msg, f->quantifier_offset);
	void **arrp = MEMBER(msg, f->offset);
	size_t cap = *np, esz = sizeof(ProtobufCMessage *);

	if (d->p >= d->end || *d->p != '{')
		return type_error(d, "an object");
	if (++d->depth > PBJSON_MAX_DEPTH)
		return dec_syntax(d, d->p, "nesting deeper than %d levels", PBJSON_MAX_DEPTH);
	d->p++;
	skip_ws(d);
	if (d->p < d->end && *d->p == '}') {
		d->p++;
		d->depth--;
		return 0;
	}
	for (;;) {
		const char *k;
		size_t kn, old;
		ProtobufCMessage *entry;
		void *slot;
		int rc;

		skip_ws(d);
		if (d->p >= d->end || *d->p != '"')
			return dec_eof_or(d, "expected a quoted key");
		rc = lex_scratch(d, &k, &kn);
		if (rc)
			return rc < 0 ? -1 : serr_report(d, rc, "key");
		skip_ws(d);
		if (d->p >= d->end || *d->p != ':')
			return dec_eof_or(d, "expected ':' after key");
		d->p++;
		skip_ws(d);
		if (!(slot = grow(d, arrp, *np, &cap, esz)))
			return -1;
		if (!(entry = new_message(ed)))
			return dec_oom(d);
		*(ProtobufCMessage **)slot = entry;
		(*np)++;
		/* k lives in scratch, which the value may reuse: set the key first */
		old = path_key(d, k, kn);
		rc = set_map_key(d, kf, entry, k, kn);
		if (rc == 0) {
			/* dec_value() rejects null: a map value must be present */
			rc = dec_value(d, vf, MEMBER(entry, vf->offset));
			if (rc == 0)
				mark_present(entry, vf);
		}
		path_pop(d, old);
		if (rc < 0)
			return -1;
		skip_ws(d);
		if (d->p < d->end && *d->p == ',') {
			d->p++;
			continue;
		}
		if (d->p < d->end && *d->p == '}') {
			d->p++;
			break;
		}
		return dec_eof_or(d, "expected ',' or '}' in object");
	}
	shrink(arrp, *np, cap, esz);
	d->depth--;
	return map_dup_check(d, *arrp, *np, kf);
}

/* Field by its proto name, or by its lowerCamelCase JSON name (what protobuf's own JSON
 * printers emit by default: no_cache -> noCache). */
static const ProtobufCFieldDescriptor *lookup_field(const ProtobufCMessageDescriptor *desc,
						    const char *k, size_t n)
{
	const ProtobufCFieldDescriptor *f;
	char snake[160];
	size_t i, o = 0;
	bool upper = false;

	if (strlen(k) != n)
		return NULL;
	f = protobuf_c_message_descriptor_get_field_by_name(desc, k);
	if (f || n > 64)
		return f;
	for (i = 0; i < n; i++) {
		if (k[i] == '_')
			return NULL;
		if (k[i] >= 'A' && k[i] <= 'Z') {
			upper = true;
			snake[o++] = '_';
			snake[o++] = (char)(k[i] - 'A' + 'a');
		} else {
			snake[o++] = k[i];
		}
	}
	if (!upper)
		return NULL;
	snake[o] = '\0';
	return protobuf_c_message_descriptor_get_field_by_name(desc, snake);
}

static int dec_field(struct dec *d, ProtobufCMessage *msg, const ProtobufCMessageDescriptor *desc,
		     const ProtobufCFieldDescriptor *f)
{
	int rc;

	if (d->p < d->end && *d->p == 'n') {
		/* null: the field keeps its default (repeated and maps stay empty) */
		if (lex_literal(d, "null") < 0)
			return -1;
		if (f->label == PROTOBUF_C_LABEL_REQUIRED)
			return dec_fail(d, "required field must not be null");
		return 0;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return is_map_field(desc, f) ? dec_map(d, msg, f) : dec_repeated(d, msg, f);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t *c = MEMBER(msg, f->quantifier_offset);
		if (*c && *c != f->id) {
			const ProtobufCFieldDescriptor *o = protobuf_c_message_descriptor_get_field(desc, *c);
			return dec_fail(d, "only one field of a oneof may be set, and '%s' is already",
					o ? o->name : "?");
		}
		/* set the case first so that a partly built pointer member gets freed */
		*c = f->id;
	}
	rc = dec_value(d, f, MEMBER(msg, f->offset));
	if (rc == 0)
		mark_present(msg, f);
	return rc;
}

static int dec_message(struct dec *d, ProtobufCMessage *msg, const ProtobufCMessageDescriptor *desc)
{
	uint64_t seen_small[4] = { 0 }, *seen = seen_small;
	unsigned i;
	int rc = -1;

	if (++d->depth > PBJSON_MAX_DEPTH)
		return dec_syntax(d, d->p, "nesting deeper than %d levels", PBJSON_MAX_DEPTH);
	if (desc->n_fields > 256 && !(seen = calloc((desc->n_fields + 63) / 64, sizeof(*seen))))
		return dec_oom(d);
	d->p++; /* '{' */
	skip_ws(d);
	if (d->p < d->end && *d->p == '}') {
		d->p++;
		goto done;
	}
	for (;;) {
		const char *k;
		size_t kn, old;
		const ProtobufCFieldDescriptor *f;
		int lrc;

		skip_ws(d);
		if (d->p >= d->end || *d->p != '"') {
			dec_eof_or(d, "expected a quoted field name");
			goto out;
		}
		lrc = lex_scratch(d, &k, &kn);
		if (lrc) {
			if (lrc > 0)
				serr_report(d, lrc, "field name");
			goto out;
		}
		skip_ws(d);
		if (d->p >= d->end || *d->p != ':') {
			dec_eof_or(d, "expected ':' after field name");
			goto out;
		}
		d->p++;
		skip_ws(d);
		f = lookup_field(desc, k, kn);
		if (!f) {
			char r[120];
			render(r, sizeof(r), k, kn, 64);
			dec_fail(d, "unknown field '%s'", r);
			goto out;
		}
		i = (unsigned)(f - desc->fields);
		if (seen[i / 64] & (UINT64_C(1) << (i % 64))) {
			dec_fail(d, "duplicate field '%s'", f->name);
			goto out;
		}
		seen[i / 64] |= UINT64_C(1) << (i % 64);
		old = path_field(d, f->name);
		lrc = dec_field(d, msg, desc, f);
		path_pop(d, old);
		if (lrc < 0)
			goto out;
		skip_ws(d);
		if (d->p < d->end && *d->p == ',') {
			d->p++;
			continue;
		}
		if (d->p < d->end && *d->p == '}') {
			d->p++;
			break;
		}
		dec_eof_or(d, "expected ',' or '}' after a field");
		goto out;
	}
done:
	for (i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REQUIRED && !(seen[i / 64] & (UINT64_C(1) << (i % 64)))) {
			dec_fail(d, "missing required field '%s'", f->name);
			goto out;
		}
	}
	d->depth--;
	rc = 0;
out:
	if (seen != seen_small)
		free(seen);
	return rc;
}

ProtobufCMessage *pbjson_decode(const ProtobufCMessageDescriptor *desc, const char *json,
				size_t len, char *err, size_t errlen)
{
	struct dec *d;
	ProtobufCMessage *msg = NULL;
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	d = calloc(1, sizeof(*d));
	if (!d) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!json)
		len = 0;
	d->start = d->p = json ? json : "";
	d->end = d->start + len;
	d->err = err;
	d->errlen = errlen;

	if (!desc || desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC) {
		dec_fail(d, "internal error: not a message descriptor");
		goto out;
	}
	if (len >= 3 && memcmp(d->p, "\xef\xbb\xbf", 3) == 0)
		d->p += 3; /* tolerate a UTF-8 byte order mark */
	skip_ws(d);
	if (d->p >= d->end) {
		dec_fail(d, "empty body (expected a JSON object)");
		goto out;
	}
	if (*d->p != '{') {
		if (json_kind(d))
			dec_fail(d, "expected a JSON object, got %s", json_kind(d));
		else
			dec_syntax(d, d->p, "unexpected character");
		goto out;
	}
	msg = new_message(desc);
	if (!msg) {
		dec_oom(d);
		goto out;
	}
	if (dec_message(d, msg, desc) < 0)
		goto out;
	skip_ws(d);
	if (d->p < d->end) {
		dec_syntax(d, d->p, "trailing garbage after the JSON object");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && msg) {
		protobuf_c_message_free_unpacked(msg, NULL);
		msg = NULL;
	}
	free(d->scratch);
	free(d);
	return msg;
}

/* ============================================================================================
 * Encoding
 * ========================================================================================== */

struct enc {
	struct buf *b;
	size_t n;
	int failed;
	int depth;
	int ndefaults;
	const ProtobufCMessageDescriptor *defaults[PBJSON_MAX_ENC_DEPTH];
	char tmp[16384];
};

static void w_flush(struct enc *e)
{
	if (e->n && !e->failed && buf_add(e->b, e->tmp, e->n) < 0)
		e->failed = 1;
	e->n = 0;
}

/* Room for k (<= 256) bytes in the staging area. */
static inline char *w_room(struct enc *e, size_t k)
{
	if (e->n + k > sizeof(e->tmp))
		w_flush(e);
	return e->tmp + e->n;
}

static inline void w_put(struct enc *e, const char *s, size_t n)
{
	if (e->n + n > sizeof(e->tmp)) {
		w_flush(e);
		if (n > sizeof(e->tmp) / 2) {
			if (!e->failed && buf_add(e->b, s, n) < 0)
				e->failed = 1;
			return;
		}
	}
	memcpy(e->tmp + e->n, s, n);
	e->n += n;
}

static inline void w_putc(struct enc *e, char c)
{
	if (e->n == sizeof(e->tmp))
		w_flush(e);
	e->tmp[e->n++] = c;
}

#define W_LIT(e, s) w_put((e), (s), sizeof(s) - 1)

/* JSON string; invalid UTF-8 is replaced by U+FFFD (written as \ufffd) so that the output
 * is always valid JSON, whatever a tool or a model wrote into the message. */
static void w_str(struct enc *e, const char *str, size_t n)
{
	/* 0: copy as is; 1: needs an escape; 2: non-ASCII */
	static const unsigned char cls[256] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
		2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
		2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
		2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	};
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str, *end = s + n;

	w_putc(e, '"');
	while (s < end) {
		const unsigned char *run = s;
		while (s < end) {
			if (cls[*s] == 0) {
				s++;
			} else if (cls[*s] == 2) {
				size_t k = utf8_seq(s, (size_t)(end - s));
				if (!k)
					break;
				s += k;
			} else {
				break;
			}
		}
		if (s > run)
			w_put(e, (const char *)run, (size_t)(s - run));
		if (s >= end)
			break;
		{
			unsigned char c = *s++;
			char *o = w_room(e, 6);
			size_t k = 2;
			o[0] = '\\';
			switch (c) {
			case '"': o[1] = '"'; break;
			case '\\': o[1] = '\\'; break;
			case '\n': o[1] = 'n'; break;
			case '\t': o[1] = 't'; break;
			case '\r': o[1] = 'r'; break;
			case '\b': o[1] = 'b'; break;
			case '\f': o[1] = 'f'; break;
			default:
				if (c >= 0x80) {
					memcpy(o, "\\ufffd", 6);
				} else {
					memcpy(o, "\\u00", 4);
					o[4] = hex[c >> 4];
					o[5] = hex[c & 15];
				}
				k = 6;
			}
			e->n += k;
		}
	}
	w_putc(e, '"');
}

static size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static void w_u64(struct enc *e, uint64_t v)
{
	char *o = w_room(e, 24);
	e->n += fmt_u64(o, v);
}

static void w_i64(struct enc *e, int64_t v)
{
	char *o = w_room(e, 24);
	size_t k = 0;
	uint64_t u = (uint64_t)v;

	if (v < 0) {
		o[k++] = '-';
		u = 0 - u;
	}
	e->n += k + fmt_u64(o + k, u);
}

/* --- Grisu2 ------------------------------------------------------------------------------- */

struct diyfp {
	uint64_t f;
	int e;
};

static inline struct diyfp diy_mul(struct diyfp x, struct diyfp y)
{
	unsigned __int128 p = (unsigned __int128)x.f * y.f;
	uint64_t h = (uint64_t)(p >> 64), l = (uint64_t)p;
	struct diyfp r = { h + (l >> 63), x.e + y.e + 64 }; /* rounded upper half */
	return r;
}

static inline struct diyfp diy_normalize(struct diyfp x)
{
	int s = __builtin_clzll(x.f);
	struct diyfp r = { x.f << s, x.e - s };
	return r;
}

/* c = f * 2^e ~= 10^k, for k = -300, -292, ..., 324; f rounded to nearest */
static const struct {
	uint64_t f;
	int e, k;
} cached_powers[] = {
	{ 0xAB70FE17C79AC6CAULL, -1060, -300 }, { 0xFF77B1FCBEBCDC4FULL, -1034, -292 },
	{ 0xBE5691EF416BD60CULL, -1007, -284 }, { 0x8DD01FAD907FFC3CULL, -980, -276 },
	{ 0xD3515C2831559A83ULL, -954, -268 },  { 0x9D71AC8FADA6C9B5ULL, -927, -260 },
	{ 0xEA9C227723EE8BCBULL, -901, -252 },  { 0xAECC49914078536DULL, -874, -244 },
	{ 0x823C12795DB6CE57ULL, -847, -236 },  { 0xC21094364DFB5637ULL, -821, -228 },
	{ 0x9096EA6F3848984FULL, -794, -220 },  { 0xD77485CB25823AC7ULL, -768, -212 },
	{ 0xA086CFCD97BF97F4ULL, -741, -204 },  { 0xEF340A98172AACE5ULL, -715, -196 },
	{ 0xB23867FB2A35B28EULL, -688, -188 },  { 0x84C8D4DFD2C63F3BULL, -661, -180 },
	{ 0xC5DD44271AD3CDBAULL, -635, -172 },  { 0x936B9FCEBB25C996ULL, -608, -164 },
	{ 0xDBAC6C247D62A584ULL, -582, -156 },  { 0xA3AB66580D5FDAF6ULL, -555, -148 },
	{ 0xF3E2F893DEC3F126ULL, -529, -140 },  { 0xB5B5ADA8AAFF80B8ULL, -502, -132 },
	{ 0x87625F056C7C4A8BULL, -475, -124 },  { 0xC9BCFF6034C13053ULL, -449, -116 },
	{ 0x964E858C91BA2655ULL, -422, -108 },  { 0xDFF9772470297EBDULL, -396, -100 },
	{ 0xA6DFBD9FB8E5B88FULL, -369, -92 },   { 0xF8A95FCF88747D94ULL, -343, -84 },
	{ 0xB94470938FA89BCFULL, -316, -76 },   { 0x8A08F0F8BF0F156BULL, -289, -68 },
	{ 0xCDB02555653131B6ULL, -263, -60 },   { 0x993FE2C6D07B7FACULL, -236, -52 },
	{ 0xE45C10C42A2B3B06ULL, -210, -44 },   { 0xAA242499697392D3ULL, -183, -36 },
	{ 0xFD87B5F28300CA0EULL, -157, -28 },   { 0xBCE5086492111AEBULL, -130, -20 },
	{ 0x8CBCCC096F5088CCULL, -103, -12 },   { 0xD1B71758E219652CULL, -77, -4 },
	{ 0x9C40000000000000ULL, -50, 4 },      { 0xE8D4A51000000000ULL, -24, 12 },
	{ 0xAD78EBC5AC620000ULL, 3, 20 },       { 0x813F3978F8940984ULL, 30, 28 },
	{ 0xC097CE7BC90715B3ULL, 56, 36 },      { 0x8F7E32CE7BEA5C70ULL, 83, 44 },
	{ 0xD5D238A4ABE98068ULL, 109, 52 },     { 0x9F4F2726179A2245ULL, 136, 60 },
	{ 0xED63A231D4C4FB27ULL, 162, 68 },     { 0xB0DE65388CC8ADA8ULL, 189, 76 },
	{ 0x83C7088E1AAB65DBULL, 216, 84 },     { 0xC45D1DF942711D9AULL, 242, 92 },
	{ 0x924D692CA61BE758ULL, 269, 100 },    { 0xDA01EE641A708DEAULL, 295, 108 },
	{ 0xA26DA3999AEF774AULL, 322, 116 },    { 0xF209787BB47D6B85ULL, 348, 124 },
	{ 0xB454E4A179DD1877ULL, 375, 132 },    { 0x865B86925B9BC5C2ULL, 402, 140 },
	{ 0xC83553C5C8965D3DULL, 428, 148 },    { 0x952AB45CFA97A0B3ULL, 455, 156 },
	{ 0xDE469FBD99A05FE3ULL, 481, 164 },    { 0xA59BC234DB398C25ULL, 508, 172 },
	{ 0xF6C69A72A3989F5CULL, 534, 180 },    { 0xB7DCBF5354E9BECEULL, 561, 188 },
	{ 0x88FCF317F22241E2ULL, 588, 196 },    { 0xCC20CE9BD35C78A5ULL, 614, 204 },
	{ 0x98165AF37B2153DFULL, 641, 212 },    { 0xE2A0B5DC971F303AULL, 667, 220 },
	{ 0xA8D9D1535CE3B396ULL, 694, 228 },    { 0xFB9B7CD9A4A7443CULL, 720, 236 },
	{ 0xBB764C4CA7A44410ULL, 747, 244 },    { 0x8BAB8EEFB6409C1AULL, 774, 252 },
	{ 0xD01FEF10A657842CULL, 800, 260 },    { 0x9B10A4E5E9913129ULL, 827, 268 },
	{ 0xE7109BFBA19C0C9DULL, 853, 276 },    { 0xAC2820D9623BF429ULL, 880, 284 },
	{ 0x80444B5E7AA7CF85ULL, 907, 292 },    { 0xBF21E44003ACDD2DULL, 933, 300 },
	{ 0x8E679C2F5E44FF8FULL, 960, 308 },    { 0xD433179D9C8CB841ULL, 986, 316 },
	{ 0x9E19DB92B4E31BA9ULL, 1013, 324 },
};

static int find_largest_pow10(uint32_t n, uint32_t *pow10)
{
	static const uint32_t p[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
				      100000000, 1000000000 };
	int k = 9;

	while (k > 0 && n < p[k])
		k--;
	*pow10 = p[k];
	return k + 1;
}

static void grisu2_round(char *buf, int len, uint64_t dist, uint64_t delta, uint64_t rest,
			 uint64_t ten_k)
{
	while (rest < dist && delta - rest >= ten_k &&
	       (rest + ten_k < dist || dist - rest > rest + ten_k - dist)) {
		buf[len - 1]--;
		rest += ten_k;
	}
}

/* Digits of a value in [M-, M+], scaled so that -60 <= e <= -32. */
static void grisu2_digit_gen(char *buf, int *len, int *dexp, struct diyfp mm, struct diyfp w,
			     struct diyfp mp)
{
	uint64_t delta = mp.f - mm.f, dist = mp.f - w.f;
	const int sh = -mp.e;
	const uint64_t one_f = UINT64_C(1) << sh;
	uint32_t p1 = (uint32_t)(mp.f >> sh), pow10;
	uint64_t p2 = mp.f & (one_f - 1);
	int n = find_largest_pow10(p1, &pow10), m = 0;

	while (n > 0) {
		uint32_t dg = p1 / pow10, r = p1 % pow10;
		uint64_t rest;
		buf[(*len)++] = (char)('0' + dg);
		p1 = r;
		n--;
		rest = ((uint64_t)p1 << sh) + p2;
		if (rest <= delta) {
			*dexp += n;
			grisu2_round(buf, *len, dist, delta, rest, (uint64_t)pow10 << sh);
			return;
		}
		pow10 /= 10;
	}
	for (;;) {
		p2 *= 10;
		buf[(*len)++] = (char)('0' + (p2 >> sh));
		p2 &= one_f - 1;
		m++;
		delta *= 10;
		dist *= 10;
		if (p2 <= delta)
			break;
	}
	*dexp -= m;
	grisu2_round(buf, *len, dist, delta, p2, one_f);
}

/* Shortest-ish digits of a positive finite value with significand bits F (without the hidden
 * bit), biased exponent E, precision prec (53 or 24) and bias (1075 or 150). */
static void grisu2(char *buf, int *len, int *dexp, uint64_t F, int E, int prec, int bias)
{
	const uint64_t hidden = UINT64_C(1) << (prec - 1);
	struct diyfp v, mp, mm, c, w, wm, wp;
	int f, k, idx, s;
	bool lower_closer = F == 0 && E > 1;

	if (E == 0) {
		v.f = F;
		v.e = 1 - bias;
	} else {
		v.f = F + hidden;
		v.e = E - bias;
	}
	mp.f = 2 * v.f + 1;
	mp.e = v.e - 1;
	if (lower_closer) {
		mm.f = 4 * v.f - 1;
		mm.e = v.e - 2;
	} else {
		mm.f = 2 * v.f - 1;
		mm.e = v.e - 1;
	}
	mp = diy_normalize(mp);
	s = mm.e - mp.e;
	mm.f <<= s;
	mm.e = mp.e;
	v = diy_normalize(v);

	/* cached power c ~= 10^k with -60 <= c.e + mp.e + 64 <= -32 */
	f = -60 - mp.e - 1;
	k = (f * 78913) / (1 << 18) + (f > 0);
	idx = (300 + k + 7) / 8;
	c.f = cached_powers[idx].f;
	c.e = cached_powers[idx].e;
	w = diy_mul(v, c);
	wm = diy_mul(mm, c);
	wp = diy_mul(mp, c);
	wm.f++;
	wp.f--;
	*len = 0;
	*dexp = -cached_powers[idx].k;
	grisu2_digit_gen(buf, len, dexp, wm, w, wp);
}

/* digits d1..dk times 10^dexp as a JSON number: 1.5, 0.001, 120.0, 1.5e+300, 1e-07 */
static size_t fmt_digits(char *out, const char *dg, int k, int dexp)
{
	int n = k + dexp; /* position of the decimal point */
	size_t o = 0;
	int i;

	if (k <= n && n <= 17) {
		memcpy(out, dg, (size_t)k);
		o = (size_t)k;
		for (i = k; i < n; i++)
			out[o++] = '0';
		out[o++] = '.';
		out[o++] = '0';
	} else if (0 < n && n <= 17) {
		memcpy(out, dg, (size_t)n);
		out[n] = '.';
		memcpy(out + n + 1, dg + n, (size_t)(k - n));
		o = (size_t)k + 1;
	} else if (-6 < n && n <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = n; i < 0; i++)
			out[o++] = '0';
		memcpy(out + o, dg, (size_t)k);
		o += (size_t)k;
	} else {
		int x = n - 1;
		out[o++] = dg[0];
		if (k > 1) {
			out[o++] = '.';
			memcpy(out + o, dg + 1, (size_t)(k - 1));
			o += (size_t)(k - 1);
		}
		out[o++] = 'e';
		out[o++] = x < 0 ? '-' : '+';
		o += fmt_u64(out + o, (uint64_t)(x < 0 ? -x : x));
	}
	return o;
}

/* Shortest round-tripping text of a double (or of a float when is_float) into out (>= 32
 * bytes); NaN and infinities are "null". Exposed for the tests through pbjson_format_double. */
static size_t fmt_double(char *out, double v, bool is_float)
{
	char dg[24];
	int len, dexp;
	size_t o = 0;

	if (!isfinite(v)) {
		memcpy(out, "null", 4);
		return 4;
	}
	if (signbit(v)) {
		out[o++] = '-';
		v = -v;
	}
	if (v == 0) {
		memcpy(out + o, "0.0", 3);
		return o + 3;
	}
	if (is_float) {
		float fv = (float)v;
		uint32_t bits;
		memcpy(&bits, &fv, sizeof(bits));
		grisu2(dg, &len, &dexp, bits & 0x7fffff, (int)(bits >> 23), 24, 150);
	} else {
		uint64_t bits;
		memcpy(&bits, &v, sizeof(bits));
		grisu2(dg, &len, &dexp, bits & ((UINT64_C(1) << 52) - 1), (int)(bits >> 52), 53,
		       1075);
	}
	return o + fmt_digits(out + o, dg, len, dexp);
}

size_t pbjson_format_double(char *out, double v)
{
	size_t n = fmt_double(out, v, false);
	out[n] = '\0';
	return n;
}

size_t pbjson_format_float(char *out, float v)
{
	size_t n = fmt_double(out, v, true);
	out[n] = '\0';
	return n;
}

/* --- messages ----------------------------------------------------------------------------- */

static void enc_message(struct enc *e, const ProtobufCMessage *msg,
			const ProtobufCMessageDescriptor *desc);

/* An absent sub-message is written as an object of its defaults; inside such an expansion a
 * recursive type would expand forever, so a type already being expanded is written as null. */
static void enc_defaults(struct enc *e, const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage *m;
	int i;

	for (i = 0; i < e->ndefaults; i++) {
		if (e->defaults[i] == desc) {
			W_LIT(e, "null");
			return;
		}
	}
	if (e->ndefaults >= PBJSON_MAX_ENC_DEPTH || !(m = new_message(desc))) {
		e->failed = 1;
		return;
	}
	e->defaults[e->ndefaults++] = desc;
	enc_message(e, m, desc);
	e->ndefaults--;
	free(m); /* fresh from init: owns nothing */
}

static void enc_value(struct enc *e, const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		w_i64(e, *(const int32_t *)p);
		return;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		w_u64(e, *(const uint32_t *)p);
		return;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		w_i64(e, *(const int64_t *)p);
		return;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		w_u64(e, *(const uint64_t *)p);
		return;
	case PROTOBUF_C_TYPE_FLOAT: {
		char *o = w_room(e, 32);
		e->n += fmt_double(o, *(const float *)p, true);
		return;
	}
	case PROTOBUF_C_TYPE_DOUBLE: {
		char *o = w_room(e, 32);
		e->n += fmt_double(o, *(const double *)p, false);
		return;
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (*(const protobuf_c_boolean *)p)
			W_LIT(e, "true");
		else
			W_LIT(e, "false");
		return;
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		const ProtobufCEnumValue *ev =
			f->descriptor ? protobuf_c_enum_descriptor_get_value(f->descriptor, v) : NULL;
		if (ev) {
			w_putc(e, '"');
			w_put(e, ev->name, strlen(ev->name));
			w_putc(e, '"');
		} else {
			w_i64(e, v); /* unknown value (open enum): its number */
		}
		return;
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		w_str(e, s ? s : "", s ? strlen(s) : 0);
		return;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		static const char b64[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const ProtobufCBinaryData *bd = p;
		size_t i = 0;
		w_putc(e, '"');
		for (; bd->data && i + 3 <= bd->len; i += 3) {
			const uint8_t *s = bd->data + i;
			char *o = w_room(e, 4);
			o[0] = b64[s[0] >> 2];
			o[1] = b64[((s[0] & 3) << 4) | (s[1] >> 4)];
			o[2] = b64[((s[1] & 15) << 2) | (s[2] >> 6)];
			o[3] = b64[s[2] & 63];
			e->n += 4;
		}
		if (bd->data && i < bd->len) {
			const uint8_t *s = bd->data + i;
			char *o = w_room(e, 4);
			o[0] = b64[s[0] >> 2];
			if (bd->len - i == 1) {
				o[1] = b64[(s[0] & 3) << 4];
				o[2] = '=';
			} else {
				o[1] = b64[((s[0] & 3) << 4) | (s[1] >> 4)];
				o[2] = b64[(s[1] & 15) << 2];
			}
			o[3] = '=';
			e->n += 4;
		}
		w_putc(e, '"');
		return;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
		if (sub)
			enc_message(e, sub, f->descriptor);
		else
			enc_defaults(e, f->descriptor);
		return;
	}
	}
	W_LIT(e, "null");
}

static void enc_map_key(struct enc *e, const ProtobufCFieldDescriptor *kf, const void *p)
{
	if (kf->type == PROTOBUF_C_TYPE_STRING) {
		enc_value(e, kf, p);
	} else if (kf->type == PROTOBUF_C_TYPE_BOOL) {
		if (*(const protobuf_c_boolean *)p)
			W_LIT(e, "\"true\"");
		else
			W_LIT(e, "\"false\"");
	} else {
		w_putc(e, '"');
		enc_value(e, kf, p);
		w_putc(e, '"');
	}
}

static void enc_message(struct enc *e, const ProtobufCMessage *msg,
			const ProtobufCMessageDescriptor *desc)
{
	unsigned i;
	bool first = true;

	if (e->failed)
		return;
	if (++e->depth > PBJSON_MAX_ENC_DEPTH) {
		e->failed = 1;
		return;
	}
	w_putc(e, '{');
	for (i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		const void *member = CMEMBER(msg, f->offset);
		size_t nl;
		char *o;

		if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
			if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
				if (*(const uint32_t *)CMEMBER(msg, f->quantifier_offset) != f->id)
					continue;
			} else if (f->type == PROTOBUF_C_TYPE_MESSAGE ||
				   f->type == PROTOBUF_C_TYPE_STRING) {
				/* explicit presence: absent like pack sees it */
				const void *ptr = *(const void *const *)member;
				if (!ptr || ptr == f->default_value)
					continue;
			} else if (f->quantifier_offset &&
				   !*(const protobuf_c_boolean *)CMEMBER(msg, f->quantifier_offset)) {
				continue;
			}
		}
		nl = strlen(f->name);
		if (nl < 200) {
			size_t k = 0;
			o = w_room(e, nl + 4);
			if (!first)
				o[k++] = ',';
			o[k++] = '"';
			memcpy(o + k, f->name, nl);
			k += nl;
			o[k++] = '"';
			o[k++] = ':';
			e->n += k;
		} else {
			if (!first)
				w_putc(e, ',');
			w_str(e, f->name, nl);
			w_putc(e, ':');
		}
		first = false;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)CMEMBER(msg, f->quantifier_offset), j;
			const char *arr = *(const char *const *)member;
			size_t esz = elt_size(f->type);
			if (!arr)
				n = 0;
			if (is_map_field(desc, f)) {
				const ProtobufCMessageDescriptor *ed = f->descriptor;
				bool efirst = true;
				w_putc(e, '{');
				for (j = 0; j < n; j++) {
					const ProtobufCMessage *en = ((ProtobufCMessage *const *)arr)[j];
					if (!en)
						continue;
					if (!efirst)
						w_putc(e, ',');
					efirst = false;
					enc_map_key(e, &ed->fields[0], CMEMBER(en, ed->fields[0].offset));
					w_putc(e, ':');
					enc_value(e, &ed->fields[1], CMEMBER(en, ed->fields[1].offset));
				}
				w_putc(e, '}');
			} else {
				w_putc(e, '[');
				for (j = 0; j < n; j++) {
					if (j)
						w_putc(e, ',');
					enc_value(e, f, arr + j * esz);
				}
				w_putc(e, ']');
			}
		} else {
			enc_value(e, f, member);
		}
		if (e->failed)
			break;
	}
	w_putc(e, '}');
	e->depth--;
}

int pbjson_encode(const ProtobufCMessage *msg, struct buf *out)
{
	struct enc *e;
	size_t len0 = out->len;
	int failed;

	if (!msg || !msg->descriptor || msg->descriptor->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
		return -1;
	e = malloc(sizeof(*e));
	if (!e)
		return -1;
	e->b = out;
	e->n = 0;
	e->failed = 0;
	e->depth = 0;
	e->ndefaults = 0;
	enc_message(e, msg, msg->descriptor);
	w_flush(e);
	failed = e->failed;
	free(e);
	if (failed) {
		/* leave out as it was (the overflow flag stays set when the cap was the cause) */
		out->len = len0;
		if (out->data)
			out->data[len0] = '\0';
		return -1;
	}
	return 0;
}
