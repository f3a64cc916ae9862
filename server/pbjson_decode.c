/* pbjson decoding: see the notes at the top of pbjson.c. */
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
 * Decoding
 * ========================================================================================== */

static int dec_int(struct dec *d, ProtobufCType t, void *slot)
{
	const char *txt;
	size_t n;
	bool quoted, neg;
	uint64_t mag;
	int rc;
	char r[48];

	if (pbjson_lex_number_or_string(d, &txt, &n, &quoted, "an integer") < 0)
		return -1;
	rc = pbjson_num_to_int(txt, n, &neg, &mag);
	pbjson_render(r, sizeof(r), txt, n, 32);
	if (rc == 1)
		return pbjson_dec_fail(d, "expected an integer, got %s", r);
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
	return pbjson_dec_fail(d, "%s is out of range for %s", r, pbjson_type_name(t));
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
		if (pbjson_lex_literal(d, "null") < 0)
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
	if (pbjson_lex_number_or_string(d, &txt, &n, &quoted, "a number") < 0)
		return -1;
	if (n >= sizeof(small)) {
		buf = malloc(n + 1);
		if (!buf)
			return pbjson_dec_oom(d);
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
		pbjson_render(r, sizeof(r), buf, n, 32);
		pbjson_dec_fail(d, "%s is out of range for %s", r, pbjson_type_name(t));
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
		int rc = pbjson_lex_scratch(d, &s, &n);
		if (rc < 0)
			return -1;
		if (rc == 0 && strlen(s) == n)
			ev = protobuf_c_enum_descriptor_get_value_by_name(ed, s);
		if (!ev) {
			char r[120];
			pbjson_render(r, sizeof(r), s, rc ? 0 : n, 64);
			return pbjson_dec_fail(d, "unknown value '%s' for enum %s", r, ed ? ed->name : "?");
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
	return pbjson_type_error(d, "an enum value name or number");
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
		return pbjson_type_error(d, "a base64 string");
	rc = pbjson_lex_scratch(d, &raw, &rawlen); /* unescaped: some encoders write \/ */
	if (rc)
		return rc < 0 ? -1 : pbjson_serr_report(d, rc, "string");
	n = rawlen;
	while (n > 0 && raw[n - 1] == '=' && rawlen - n < 2)
		n--;
	if (n % 4 == 1 || (n != rawlen && (rawlen % 4) != 0))
		return pbjson_dec_fail(d, "invalid base64 (bad length)");
	out = malloc(n / 4 * 3 + 3);
	if (!out)
		return pbjson_dec_oom(d);
	for (i = 0; i < n; i++) {
		int v = b64val((unsigned char)raw[i]);
		if (v < 0) {
			free(out);
			return pbjson_dec_fail(d, "invalid base64 (bad character in the string at offset %zu)",
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
			if (pbjson_lex_literal(d, "true") < 0)
				return -1;
			*(protobuf_c_boolean *)slot = 1;
			return 0;
		}
		if (d->p < d->end && *d->p == 'f') {
			if (pbjson_lex_literal(d, "false") < 0)
				return -1;
			*(protobuf_c_boolean *)slot = 0;
			return 0;
		}
		return pbjson_type_error(d, "true or false");
	case PROTOBUF_C_TYPE_ENUM:
		return dec_enum(d, f, slot);
	case PROTOBUF_C_TYPE_STRING: {
		char *s = NULL;
		size_t n;
		if (d->p >= d->end || *d->p != '"')
			return pbjson_type_error(d, "a string");
		if (pbjson_lex_alloc(d, &s, &n, "string") < 0)
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
			return pbjson_type_error(d, "an object");
		sub = pbjson_new_message(f->descriptor);
		if (!sub)
			return pbjson_dec_oom(d);
		*(ProtobufCMessage **)slot = sub; /* owned by the parent from now on */
		return dec_message(d, sub, f->descriptor);
	}
	}
	return pbjson_dec_fail(d, "unsupported field type %d", (int)f->type);
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
			pbjson_dec_oom(d);
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
	size_t esz = pbjson_elt_size(f->type), cap = *np, old;
	int rc = 0;

	if (d->p >= d->end || *d->p != '[')
		return pbjson_type_error(d, "an array");
	if (++d->depth > PBJSON_MAX_DEPTH)
		return pbjson_dec_syntax(d, d->p, "nesting deeper than %d levels", PBJSON_MAX_DEPTH);
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
		old = pbjson_path_index(d, *np);
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ProtobufCMessage *sub;
			if (d->p >= d->end || *d->p != '{') {
				rc = pbjson_type_error(d, "an object");
			} else if (!(sub = pbjson_new_message(f->descriptor))) {
				rc = pbjson_dec_oom(d);
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
		pbjson_path_pop(d, old);
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
		return pbjson_dec_eof_or(d, "expected ',' or ']' in array");
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
			return pbjson_dec_oom(d);
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
	pbjson_render(r, sizeof(r), k, n, 40);
	return pbjson_dec_fail(d, "invalid map key '%s' (expected %s)", r,
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
		if (pbjson_elt_size(c->kf->type) == 8) {
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
		return pbjson_dec_oom(d);
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), keycmp, &c);
	for (i = 1; i < n; i++) {
		if (keycmp(&idx[i - 1], &idx[i], &c) == 0) {
			const void *k = CMEMBER(entries[idx[i]], kf->offset);
			char r[80];
			if (kf->type == PROTOBUF_C_TYPE_STRING)
				pbjson_render(r, sizeof(r), *(char *const *)k, strlen(*(char *const *)k), 48);
			else if (kf->type == PROTOBUF_C_TYPE_BOOL)
				snprintf(r, sizeof(r), "%s", *(const protobuf_c_boolean *)k ? "true" : "false");
			else if (kf->type == PROTOBUF_C_TYPE_UINT64 || kf->type == PROTOBUF_C_TYPE_FIXED64)
				snprintf(r, sizeof(r), "%" PRIu64, *(const uint64_t *)k);
			else if (pbjson_elt_size(kf->type) == 8)
				snprintf(r, sizeof(r), "%" PRId64, *(const int64_t *)k);
			else if (kf->type == PROTOBUF_C_TYPE_UINT32 || kf->type == PROTOBUF_C_TYPE_FIXED32)
				snprintf(r, sizeof(r), "%" PRIu32, *(const uint32_t *)k);
			else
				snprintf(r, sizeof(r), "%" PRId32, *(const int32_t *)k);
			rc = pbjson_dec_fail(d, "duplicate key '%s'", r);
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
		return pbjson_type_error(d, "an object");
	if (++d->depth > PBJSON_MAX_DEPTH)
		return pbjson_dec_syntax(d, d->p, "nesting deeper than %d levels", PBJSON_MAX_DEPTH);
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
			return pbjson_dec_eof_or(d, "expected a quoted key");
		rc = pbjson_lex_scratch(d, &k, &kn);
		if (rc)
			return rc < 0 ? -1 : pbjson_serr_report(d, rc, "key");
		skip_ws(d);
		if (d->p >= d->end || *d->p != ':')
			return pbjson_dec_eof_or(d, "expected ':' after key");
		d->p++;
		skip_ws(d);
		if (!(slot = grow(d, arrp, *np, &cap, esz)))
			return -1;
		if (!(entry = pbjson_new_message(ed)))
			return pbjson_dec_oom(d);
		*(ProtobufCMessage **)slot = entry;
		(*np)++;
		/* k lives in scratch, which the value may reuse: set the key first */
		old = pbjson_path_key(d, k, kn);
		rc = set_map_key(d, kf, entry, k, kn);
		if (rc == 0) {
			/* dec_value() rejects null: a map value must be present */
			rc = dec_value(d, vf, MEMBER(entry, vf->offset));
			if (rc == 0)
				mark_present(entry, vf);
		}
		pbjson_path_pop(d, old);
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
		return pbjson_dec_eof_or(d, "expected ',' or '}' in object");
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
		if (pbjson_lex_literal(d, "null") < 0)
			return -1;
		if (f->label == PROTOBUF_C_LABEL_REQUIRED)
			return pbjson_dec_fail(d, "required field must not be null");
		return 0;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return pbjson_is_map_field(desc, f) ? dec_map(d, msg, f) : dec_repeated(d, msg, f);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t *c = MEMBER(msg, f->quantifier_offset);
		if (*c && *c != f->id) {
			const ProtobufCFieldDescriptor *o = protobuf_c_message_descriptor_get_field(desc, *c);
			return pbjson_dec_fail(d, "only one field of a oneof may be set, and '%s' is already",
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
		return pbjson_dec_syntax(d, d->p, "nesting deeper than %d levels", PBJSON_MAX_DEPTH);
	if (desc->n_fields > 256 && !(seen = calloc((desc->n_fields + 63) / 64, sizeof(*seen))))
		return pbjson_dec_oom(d);
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
			pbjson_dec_eof_or(d, "expected a quoted field name");
			goto out;
		}
		lrc = pbjson_lex_scratch(d, &k, &kn);
		if (lrc) {
			if (lrc > 0)
				pbjson_serr_report(d, lrc, "field name");
			goto out;
		}
		skip_ws(d);
		if (d->p >= d->end || *d->p != ':') {
			pbjson_dec_eof_or(d, "expected ':' after field name");
			goto out;
		}
		d->p++;
		skip_ws(d);
		f = lookup_field(desc, k, kn);
		if (!f) {
			char r[120];
			pbjson_render(r, sizeof(r), k, kn, 64);
			pbjson_dec_fail(d, "unknown field '%s'", r);
			goto out;
		}
		i = (unsigned)(f - desc->fields);
		if (seen[i / 64] & (UINT64_C(1) << (i % 64))) {
			pbjson_dec_fail(d, "duplicate field '%s'", f->name);
			goto out;
		}
		seen[i / 64] |= UINT64_C(1) << (i % 64);
		old = pbjson_path_field(d, f->name);
		lrc = dec_field(d, msg, desc, f);
		pbjson_path_pop(d, old);
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
		pbjson_dec_eof_or(d, "expected ',' or '}' after a field");
		goto out;
	}
done:
	for (i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REQUIRED && !(seen[i / 64] & (UINT64_C(1) << (i % 64)))) {
			pbjson_dec_fail(d, "missing required field '%s'", f->name);
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
		pbjson_dec_fail(d, "internal error: not a message descriptor");
		goto out;
	}
	if (len >= 3 && memcmp(d->p, "\xef\xbb\xbf", 3) == 0)
		d->p += 3; /* tolerate a UTF-8 byte order mark */
	skip_ws(d);
	if (d->p >= d->end) {
		pbjson_dec_fail(d, "empty body (expected a JSON object)");
		goto out;
	}
	if (*d->p != '{') {
		if (pbjson_json_kind(d))
			pbjson_dec_fail(d, "expected a JSON object, got %s", pbjson_json_kind(d));
		else
			pbjson_dec_syntax(d, d->p, "unexpected character");
		goto out;
	}
	msg = pbjson_new_message(desc);
	if (!msg) {
		pbjson_dec_oom(d);
		goto out;
	}
	if (dec_message(d, msg, desc) < 0)
		goto out;
	skip_ws(d);
	if (d->p < d->end) {
		pbjson_dec_syntax(d, d->p, "trailing garbage after the JSON object");
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
