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
#include "pbjson_internal.h"


/* Storage of one value of a field, by type, as protobuf-c lays it out. */
size_t pbjson_elt_size(ProtobufCType t)
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

const char *pbjson_type_name(ProtobufCType t)
{
	static const char *const names[] = {
		"int32", "sint32", "sfixed32", "int64", "sint64", "sfixed64", "uint32", "fixed32",
		"uint64", "fixed64", "float", "double", "bool", "enum", "string", "bytes", "message",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}


/* A repeated field of type message is a map when its element type is the entry type protoc
 * synthesises for map<K,V>: named <FieldInCamelCase>Entry, nested in the parent, with exactly
 * fields key = 1 and value = 2. (protobuf-c 1.4 descriptors carry no map_entry option.) */
bool pbjson_is_map_field(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f)
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

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, <= U+10FFFF),
 * or 0 when invalid. s[0] >= 0x80. */
size_t pbjson_utf8_seq(const unsigned char *s, size_t n)
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

ProtobufCMessage *pbjson_new_message(const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage *m = malloc(desc->sizeof_message);

	if (m)
		protobuf_c_message_init(desc, m);
	return m;
}
