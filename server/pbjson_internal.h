/* pbjson_internal: what the decoder (pbjson_decode.c) and the encoder (pbjson_encode.c)
 * share: the nesting limits and the descriptor helpers in pbjson.c. Private to pbjson. */
#ifndef RTLR_PBJSON_INTERNAL_H
#define RTLR_PBJSON_INTERNAL_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

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

#endif
