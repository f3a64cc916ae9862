/* pbjson_internal: what the decoder (pbjson_decode.c, pbjson_scan.c) and the encoder
 * (pbjson_encode.c) share: the nesting limits and the descriptor helpers in pbjson.c, and the
 * decoder state with its scanning layer. Private to pbjson. */
#ifndef RTLR_PBJSON_INTERNAL_H
#define RTLR_PBJSON_INTERNAL_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PBJSON_MAX_DEPTH 32     /* JSON objects + arrays nested, top-level object = 1 */
#define PBJSON_MAX_ENC_DEPTH 64 /* message nesting when encoding */

/* A field's storage inside a message, from its descriptor offset. */
#define MEMBER(msg, off) ((void *)((char *)(msg) + (off)))
#define CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

/* Storage size of one value of a field of type t, as protobuf-c lays it out. */
size_t pbjson_elt_size(ProtobufCType t);
/* "a string", "a number", ... for error messages. */
const char *pbjson_type_name(ProtobufCType t);
/* Whether repeated message field f of parent is a map<K,V>. */
bool pbjson_is_map_field(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f);
/* Length of the valid UTF-8 sequence at s (n bytes available), 0 when invalid. */
size_t pbjson_utf8_seq(const unsigned char *s, size_t n);
/* A message of desc, allocated and initialised, or NULL when out of memory. */
ProtobufCMessage *pbjson_new_message(const ProtobufCMessageDescriptor *desc);

/* ============================================================================================
 * Decoder state and the scanning layer (pbjson_scan.c) that pbjson_decode.c builds on
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

static inline void skip_ws(struct dec *d)
{
	while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t'))
		d->p++;
}

/* Printable rendering of untrusted text for error messages: at most `max` input bytes,
 * non-printable and non-ASCII bytes as \xHH, "..." when clipped. */
void pbjson_render(char *out, size_t outsz, const char *s, size_t n, size_t max);
/* Error reporting: fills d->err (with the field path), returns -1. */
__attribute__((format(printf, 2, 3))) int pbjson_dec_fail(struct dec *d, const char *fmt, ...);
__attribute__((format(printf, 3, 4))) int pbjson_dec_syntax(struct dec *d, const char *at,
							    const char *fmt, ...);
int pbjson_dec_oom(struct dec *d);
int pbjson_dec_eof_or(struct dec *d, const char *what);
/* The field path of error messages: each append returns the old length for path_pop. */
void pbjson_path_pop(struct dec *d, size_t old);
size_t pbjson_path_field(struct dec *d, const char *name);
size_t pbjson_path_index(struct dec *d, size_t i);
size_t pbjson_path_key(struct dec *d, const char *k, size_t n);
const char *pbjson_json_kind(struct dec *d);
int pbjson_type_error(struct dec *d, const char *want);
int pbjson_lex_literal(struct dec *d, const char *lit);
int pbjson_num_to_int(const char *s, size_t n, bool *neg, uint64_t *mag);
int pbjson_serr_report(struct dec *d, int rc, const char *what);
int pbjson_lex_scratch(struct dec *d, const char **s, size_t *n);
int pbjson_lex_alloc(struct dec *d, char **out, size_t *n, const char *what);
int pbjson_lex_number_or_string(struct dec *d, const char **txt, size_t *n, bool *quoted,
				const char *want);

#endif
