/* pbjson: protobuf-c messages to and from JSON, driven by the message descriptors, so every
 * message of proto/reward.proto has one JSON form without per-message code.
 *
 * Mapping (proto3 JSON, with the original snake_case field names as keys):
 *   string → JSON string (UTF-8 checked on decode); bytes → base64 string;
 *   bool → true/false; int32/uint32/sint32/fixed32 → number; 64-bit ints → number on encode,
 *   number or decimal string on decode; float/double → number (NaN/Inf encoded as null);
 *   enum → value name string on encode, name or number on decode;
 *   message → object; repeated → array; map<string,V> → object.
 * Encoding writes every field, defaults included (clients need not know proto3 defaults);
 * an unset sub-message is written as an object of its defaults.
 * Decoding rejects unknown fields, wrong types, out-of-range numbers, duplicate keys,
 * and nesting deeper than 32, with an error naming the field path, e.g.
 *   "items[3].completion: expected a string".
 *
 * pbjson_decode() returns a message allocated with protobuf-c's default allocator (free it with
 * protobuf_c_message_free_unpacked(msg, NULL)), or NULL with err filled.
 * pbjson_encode() appends to out; returns 0, or -1 when out's cap is reached.
 */
#ifndef RTLR_PBJSON_H
#define RTLR_PBJSON_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include "buf.h"

ProtobufCMessage *pbjson_decode(const ProtobufCMessageDescriptor *desc, const char *json,
				size_t len, char *err, size_t errlen);
int pbjson_encode(const ProtobufCMessage *msg, struct buf *out);

#endif
