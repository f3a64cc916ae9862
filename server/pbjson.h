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
 *
 * Details of the implementation (server/pbjson.c):
 *  - Encoding is compact (no spaces), fields in field-number order. Doubles are written in
 *    a form that reads back to the same bits, the shortest such but for ~0.05% of values that
 *    get a digit or two more (Grisu2), always with a '.' or an exponent ("1.0", "0.25",
 *    "1e+300", "1e-7"), -0.0 as "-0.0". Floats likewise at float precision (read with strtof).
 *    Map keys are strings ("true"/"false", decimal for integer keys). Enum values with no
 *    name are written as their number. Strings holding invalid UTF-8 (a tool's output, say)
 *    are written with U+FFFD in place of each bad byte, so the output is always valid JSON.
 *  - Fields with explicit presence (proto2 optional, oneof members) are written only when set;
 *    everything in proto3 reward.proto has implicit presence and is always written.
 *  - On -1 (cap reached, out of memory, or messages nested deeper than 64) out is left as it
 *    was on entry (out->overflow stays set when the cap was the cause).
 *  - Decoding is strict RFC 8259 (no comments, single quotes, NaN literals, trailing commas,
 *    leading zeros, raw control characters in strings); a UTF-8 BOM is skipped.
 *    Keys are the proto field names; the lowerCamelCase JSON names protobuf's own printers emit
 *    (noCache for no_cache) are accepted too. null for a field leaves its default (an empty
 *    list for repeated fields and maps); null as an array element or map value is an error,
 *    except for float/double, where it reads as NaN (the encoder writes NaN and ±Inf as null,
 *    so the encoder's output always decodes; a singular field loses NaN/Inf, becoming 0).
 *    Callers must therefore check isfinite() where it matters (weights, say).
 *    Integers of any width may be given as a number or a decimal string; "1e3" and "2.0" are
 *    integers, 1.5 is not; out-of-range values are errors, never clamped. float/double accept
 *    numbers, numeric strings and "NaN", "Infinity", "-Infinity".
 *    Strings must be valid UTF-8 without NUL (\u0000) and without unpaired surrogate escapes.
 *  - Error messages: syntax errors read
 *      "malformed JSON at offset 17 (line 2, column 5): unexpected character"
 *    (also for trailing garbage and nesting deeper than 32); everything else is
 *      "<path>: <problem>", e.g. "weights.syntax: expected a number, got an object",
 *      "items[0]: unknown field 'completon'", "unknown field 'itemz'" (at top level no path),
 *      "duplicate field 'preset'", "weights: duplicate key 'syntax'", "empty body (...)".
 *  - Time and memory are linear in the input (map duplicate-key check: n log n).
 */
#ifndef RTLR_PBJSON_H
#define RTLR_PBJSON_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include "buf.h"

ProtobufCMessage *pbjson_decode(const ProtobufCMessageDescriptor *desc, const char *json,
				size_t len, char *err, size_t errlen);
int pbjson_encode(const ProtobufCMessage *msg, struct buf *out);

/* The number formatting pbjson_encode() uses, for other JSON writers: writes the shortest text
 * that strtod()/strtof() reads back exactly (or "null" for NaN/Inf) plus a NUL into out, which
 * must hold 32 bytes; returns the length. */
size_t pbjson_format_double(char *out, double v);
size_t pbjson_format_float(char *out, float v);

#endif
