/* pbjson encoding: see the notes at the top of pbjson.c. */
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
				size_t k = pbjson_utf8_seq(s, (size_t)(end - s));
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
	if (e->ndefaults >= PBJSON_MAX_ENC_DEPTH || !(m = pbjson_new_message(desc))) {
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
			size_t esz = pbjson_elt_size(f->type);
			if (!arr)
				n = 0;
			if (pbjson_is_map_field(desc, f)) {
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
