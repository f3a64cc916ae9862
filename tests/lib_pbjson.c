/* Shared by the pbjson unit tests (check_pbjson.c, check_pbjson_decode.c): the proto2 test
 * schema's descriptors (its types and the schema itself are in lib_pbjson.h) and the helpers:
 * encode and check with json-c, decode and check the error, compare wire bytes, round trip,
 * and random messages filled by reflection. */
#include <check.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>

#include "buf.h"
#include "pbjson.h"
#include "reward.pb-c.h"

#include "lib_pbjson.h"

/* ---- test schema: generated code (see lib_pbjson.h) --------------------------------------- */
void pbjt__all__mi32_entry__init(Pbjt__All__MI32Entry *message)
{ static const Pbjt__All__MI32Entry init_value = PBJT__ALL__MI32_ENTRY__INIT; *message = init_value; }
void pbjt__all__mu64_entry__init(Pbjt__All__MU64Entry *message)
{ static const Pbjt__All__MU64Entry init_value = PBJT__ALL__MU64_ENTRY__INIT; *message = init_value; }
void pbjt__all__mbool_entry__init(Pbjt__All__MBoolEntry *message)
{ static const Pbjt__All__MBoolEntry init_value = PBJT__ALL__MBOOL_ENTRY__INIT; *message = init_value; }
void pbjt__all__mstr_entry__init(Pbjt__All__MStrEntry *message)
{ static const Pbjt__All__MStrEntry init_value = PBJT__ALL__MSTR_ENTRY__INIT; *message = init_value; }
void pbjt__all__init(Pbjt__All *message)
{ static const Pbjt__All init_value = PBJT__ALL__INIT; *message = init_value; }
void pbjt__req__init(Pbjt__Req *message)
{ static const Pbjt__Req init_value = PBJT__REQ__INIT; *message = init_value; }
static const ProtobufCFieldDescriptor pbjt__all__mi32_entry__field_descriptors[2] =
{
  { "key", 1, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT32, offsetof(Pbjt__All__MI32Entry, has_key), offsetof(Pbjt__All__MI32Entry, key), NULL, NULL, 0, 0,NULL,NULL },
  { "value", 2, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_STRING, 0, offsetof(Pbjt__All__MI32Entry, value), NULL, NULL, 0, 0,NULL,NULL },
};
static const unsigned pbjt__all__mi32_entry__field_indices_by_name[] = {
  0,   /* field[0] = key */
  1,   /* field[1] = value */
};
static const ProtobufCIntRange pbjt__all__mi32_entry__number_ranges[1 + 1] =
{
  { 1, 0 },
  { 0, 2 }
};
const ProtobufCMessageDescriptor pbjt__all__mi32_entry__descriptor =
{
  PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
  "pbjt.All.MI32Entry",
  "MI32Entry",
  "Pbjt__All__MI32Entry",
  "pbjt",
  sizeof(Pbjt__All__MI32Entry),
  2,
  pbjt__all__mi32_entry__field_descriptors,
  pbjt__all__mi32_entry__field_indices_by_name,
  1,  pbjt__all__mi32_entry__number_ranges,
  (ProtobufCMessageInit) pbjt__all__mi32_entry__init,
  NULL,NULL,NULL    /* reserved[123] */
};
static const ProtobufCFieldDescriptor pbjt__all__mu64_entry__field_descriptors[2] =
{
  { "key", 1, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_UINT64, offsetof(Pbjt__All__MU64Entry, has_key), offsetof(Pbjt__All__MU64Entry, key), NULL, NULL, 0, 0,NULL,NULL },
  { "value", 2, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof(Pbjt__All__MU64Entry, value), &pbjt__all__descriptor, NULL, 0, 0,NULL,NULL },
};
static const unsigned pbjt__all__mu64_entry__field_indices_by_name[] = {
  0,   /* field[0] = key */
  1,   /* field[1] = value */
};
static const ProtobufCIntRange pbjt__all__mu64_entry__number_ranges[1 + 1] =
{
  { 1, 0 },
  { 0, 2 }
};
const ProtobufCMessageDescriptor pbjt__all__mu64_entry__descriptor =
{
  PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
  "pbjt.All.MU64Entry",
  "MU64Entry",
  "Pbjt__All__MU64Entry",
  "pbjt",
  sizeof(Pbjt__All__MU64Entry),
  2,
  pbjt__all__mu64_entry__field_descriptors,
  pbjt__all__mu64_entry__field_indices_by_name,
  1,  pbjt__all__mu64_entry__number_ranges,
  (ProtobufCMessageInit) pbjt__all__mu64_entry__init,
  NULL,NULL,NULL    /* reserved[123] */
};
static const ProtobufCFieldDescriptor pbjt__all__mbool_entry__field_descriptors[2] =
{
  { "key", 1, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_BOOL, offsetof(Pbjt__All__MBoolEntry, has_key), offsetof(Pbjt__All__MBoolEntry, key), NULL, NULL, 0, 0,NULL,NULL },
  { "value", 2, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_BYTES, offsetof(Pbjt__All__MBoolEntry, has_value), offsetof(Pbjt__All__MBoolEntry, value), NULL, NULL, 0, 0,NULL,NULL },
};
static const unsigned pbjt__all__mbool_entry__field_indices_by_name[] = {
  0,   /* field[0] = key */
  1,   /* field[1] = value */
};
static const ProtobufCIntRange pbjt__all__mbool_entry__number_ranges[1 + 1] =
{
  { 1, 0 },
  { 0, 2 }
};
const ProtobufCMessageDescriptor pbjt__all__mbool_entry__descriptor =
{
  PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
  "pbjt.All.MBoolEntry",
  "MBoolEntry",
  "Pbjt__All__MBoolEntry",
  "pbjt",
  sizeof(Pbjt__All__MBoolEntry),
  2,
  pbjt__all__mbool_entry__field_descriptors,
  pbjt__all__mbool_entry__field_indices_by_name,
  1,  pbjt__all__mbool_entry__number_ranges,
  (ProtobufCMessageInit) pbjt__all__mbool_entry__init,
  NULL,NULL,NULL    /* reserved[123] */
};
static const ProtobufCFieldDescriptor pbjt__all__mstr_entry__field_descriptors[2] =
{
  { "key", 1, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_STRING, 0, offsetof(Pbjt__All__MStrEntry, key), NULL, NULL, 0, 0,NULL,NULL },
  { "value", 2, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_ENUM, offsetof(Pbjt__All__MStrEntry, has_value), offsetof(Pbjt__All__MStrEntry, value), &pbjt__color__descriptor, NULL, 0, 0,NULL,NULL },
};
static const unsigned pbjt__all__mstr_entry__field_indices_by_name[] = {
  0,   /* field[0] = key */
  1,   /* field[1] = value */
};
static const ProtobufCIntRange pbjt__all__mstr_entry__number_ranges[1 + 1] =
{
  { 1, 0 },
  { 0, 2 }
};
const ProtobufCMessageDescriptor pbjt__all__mstr_entry__descriptor =
{
  PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
  "pbjt.All.MStrEntry",
  "MStrEntry",
  "Pbjt__All__MStrEntry",
  "pbjt",
  sizeof(Pbjt__All__MStrEntry),
  2,
  pbjt__all__mstr_entry__field_descriptors,
  pbjt__all__mstr_entry__field_indices_by_name,
  1,  pbjt__all__mstr_entry__number_ranges,
  (ProtobufCMessageInit) pbjt__all__mstr_entry__init,
  NULL,NULL,NULL    /* reserved[123] */
};
char pbjt__all__s__default_value[] = "dflt";
static const Pbjt__Color pbjt__all__color__default_value = PBJT__COLOR__BLUE;
static const ProtobufCFieldDescriptor pbjt__all__field_descriptors[35] =
{
  { "i32", 1, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT32, offsetof(Pbjt__All, has_i32), offsetof(Pbjt__All, i32), NULL, NULL, 0, 0,NULL,NULL },
  { "s32", 2, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_SINT32, offsetof(Pbjt__All, has_s32), offsetof(Pbjt__All, s32), NULL, NULL, 0, 0,NULL,NULL },
  { "sf32", 3, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_SFIXED32, offsetof(Pbjt__All, has_sf32), offsetof(Pbjt__All, sf32), NULL, NULL, 0, 0,NULL,NULL },
  { "u32", 4, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_UINT32, offsetof(Pbjt__All, has_u32), offsetof(Pbjt__All, u32), NULL, NULL, 0, 0,NULL,NULL },
  { "f32", 5, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_FIXED32, offsetof(Pbjt__All, has_f32), offsetof(Pbjt__All, f32), NULL, NULL, 0, 0,NULL,NULL },
  { "i64", 6, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT64, offsetof(Pbjt__All, has_i64), offsetof(Pbjt__All, i64), NULL, NULL, 0, 0,NULL,NULL },
  { "s64", 7, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_SINT64, offsetof(Pbjt__All, has_s64), offsetof(Pbjt__All, s64), NULL, NULL, 0, 0,NULL,NULL },
  { "sf64", 8, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_SFIXED64, offsetof(Pbjt__All, has_sf64), offsetof(Pbjt__All, sf64), NULL, NULL, 0, 0,NULL,NULL },
  { "u64", 9, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_UINT64, offsetof(Pbjt__All, has_u64), offsetof(Pbjt__All, u64), NULL, NULL, 0, 0,NULL,NULL },
  { "f64", 10, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_FIXED64, offsetof(Pbjt__All, has_f64), offsetof(Pbjt__All, f64), NULL, NULL, 0, 0,NULL,NULL },
  { "fl", 11, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_FLOAT, offsetof(Pbjt__All, has_fl), offsetof(Pbjt__All, fl), NULL, NULL, 0, 0,NULL,NULL },
  { "db", 12, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_DOUBLE, offsetof(Pbjt__All, has_db), offsetof(Pbjt__All, db), NULL, NULL, 0, 0,NULL,NULL },
  { "b", 13, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_BOOL, offsetof(Pbjt__All, has_b), offsetof(Pbjt__All, b), NULL, NULL, 0, 0,NULL,NULL },
  { "s", 14, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_STRING, 0, offsetof(Pbjt__All, s), NULL, &pbjt__all__s__default_value, 0, 0,NULL,NULL },
  { "by", 15, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_BYTES, offsetof(Pbjt__All, has_by), offsetof(Pbjt__All, by), NULL, NULL, 0, 0,NULL,NULL },
  { "color", 16, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_ENUM, offsetof(Pbjt__All, has_color), offsetof(Pbjt__All, color), &pbjt__color__descriptor, &pbjt__all__color__default_value, 0, 0,NULL,NULL },
  { "child", 17, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof(Pbjt__All, child), &pbjt__all__descriptor, NULL, 0, 0,NULL,NULL },
  { "r_i32", 18, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_INT32, offsetof(Pbjt__All, n_r_i32), offsetof(Pbjt__All, r_i32), NULL, NULL, 0, 0,NULL,NULL },
  { "r_s64", 19, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_SINT64, offsetof(Pbjt__All, n_r_s64), offsetof(Pbjt__All, r_s64), NULL, NULL, 0, 0,NULL,NULL },
  { "r_u64", 20, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_UINT64, offsetof(Pbjt__All, n_r_u64), offsetof(Pbjt__All, r_u64), NULL, NULL, 0, 0,NULL,NULL },
  { "r_fl", 21, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_FLOAT, offsetof(Pbjt__All, n_r_fl), offsetof(Pbjt__All, r_fl), NULL, NULL, 0, 0,NULL,NULL },
  { "r_db", 22, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_DOUBLE, offsetof(Pbjt__All, n_r_db), offsetof(Pbjt__All, r_db), NULL, NULL, 0, 0,NULL,NULL },
  { "r_b", 23, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_BOOL, offsetof(Pbjt__All, n_r_b), offsetof(Pbjt__All, r_b), NULL, NULL, 0, 0,NULL,NULL },
  { "r_s", 24, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_STRING, offsetof(Pbjt__All, n_r_s), offsetof(Pbjt__All, r_s), NULL, NULL, 0, 0,NULL,NULL },
  { "r_by", 25, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_BYTES, offsetof(Pbjt__All, n_r_by), offsetof(Pbjt__All, r_by), NULL, NULL, 0, 0,NULL,NULL },
  { "r_color", 26, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_ENUM, offsetof(Pbjt__All, n_r_color), offsetof(Pbjt__All, r_color), &pbjt__color__descriptor, NULL, 0, 0,NULL,NULL },
  { "kids", 27, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_MESSAGE, offsetof(Pbjt__All, n_kids), offsetof(Pbjt__All, kids), &pbjt__all__descriptor, NULL, 0, 0,NULL,NULL },
  { "m_i32", 28, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_MESSAGE, offsetof(Pbjt__All, n_m_i32), offsetof(Pbjt__All, m_i32), &pbjt__all__mi32_entry__descriptor, NULL, 0, 0,NULL,NULL },
  { "m_u64", 29, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_MESSAGE, offsetof(Pbjt__All, n_m_u64), offsetof(Pbjt__All, m_u64), &pbjt__all__mu64_entry__descriptor, NULL, 0, 0,NULL,NULL },
  { "m_bool", 30, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_MESSAGE, offsetof(Pbjt__All, n_m_bool), offsetof(Pbjt__All, m_bool), &pbjt__all__mbool_entry__descriptor, NULL, 0, 0,NULL,NULL },
  { "m_str", 31, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_MESSAGE, offsetof(Pbjt__All, n_m_str), offsetof(Pbjt__All, m_str), &pbjt__all__mstr_entry__descriptor, NULL, 0, 0,NULL,NULL },
  { "o_str", 40, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_STRING, offsetof(Pbjt__All, choice_case), offsetof(Pbjt__All, o_str), NULL, NULL, 0 | PROTOBUF_C_FIELD_FLAG_ONEOF, 0,NULL,NULL },
  { "o_msg", 41, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_MESSAGE, offsetof(Pbjt__All, choice_case), offsetof(Pbjt__All, o_msg), &pbjt__all__descriptor, NULL, 0 | PROTOBUF_C_FIELD_FLAG_ONEOF, 0,NULL,NULL },
  { "o_i64", 42, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT64, offsetof(Pbjt__All, choice_case), offsetof(Pbjt__All, o_i64), NULL, NULL, 0 | PROTOBUF_C_FIELD_FLAG_ONEOF, 0,NULL,NULL },
  { "req", 43, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof(Pbjt__All, req), &pbjt__req__descriptor, NULL, 0, 0,NULL,NULL },
};
static const unsigned pbjt__all__field_indices_by_name[] = {
  12,   /* field[12] = b */
  14,   /* field[14] = by */
  16,   /* field[16] = child */
  15,   /* field[15] = color */
  11,   /* field[11] = db */
  4,   /* field[4] = f32 */
  9,   /* field[9] = f64 */
  10,   /* field[10] = fl */
  0,   /* field[0] = i32 */
  5,   /* field[5] = i64 */
  26,   /* field[26] = kids */
  29,   /* field[29] = m_bool */
  27,   /* field[27] = m_i32 */
  30,   /* field[30] = m_str */
  28,   /* field[28] = m_u64 */
  33,   /* field[33] = o_i64 */
  32,   /* field[32] = o_msg */
  31,   /* field[31] = o_str */
  22,   /* field[22] = r_b */
  24,   /* field[24] = r_by */
  25,   /* field[25] = r_color */
  21,   /* field[21] = r_db */
  20,   /* field[20] = r_fl */
  17,   /* field[17] = r_i32 */
  23,   /* field[23] = r_s */
  18,   /* field[18] = r_s64 */
  19,   /* field[19] = r_u64 */
  34,   /* field[34] = req */
  13,   /* field[13] = s */
  1,   /* field[1] = s32 */
  6,   /* field[6] = s64 */
  2,   /* field[2] = sf32 */
  7,   /* field[7] = sf64 */
  3,   /* field[3] = u32 */
  8,   /* field[8] = u64 */
};
static const ProtobufCIntRange pbjt__all__number_ranges[2 + 1] =
{
  { 1, 0 },
  { 40, 31 },
  { 0, 35 }
};
const ProtobufCMessageDescriptor pbjt__all__descriptor =
{
  PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
  "pbjt.All",
  "All",
  "Pbjt__All",
  "pbjt",
  sizeof(Pbjt__All),
  35,
  pbjt__all__field_descriptors,
  pbjt__all__field_indices_by_name,
  2,  pbjt__all__number_ranges,
  (ProtobufCMessageInit) pbjt__all__init,
  NULL,NULL,NULL    /* reserved[123] */
};
static const ProtobufCFieldDescriptor pbjt__req__field_descriptors[2] =
{
  { "a", 1, PROTOBUF_C_LABEL_REQUIRED, PROTOBUF_C_TYPE_INT32, 0, offsetof(Pbjt__Req, a), NULL, NULL, 0, 0,NULL,NULL },
  { "b", 2, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_STRING, 0, offsetof(Pbjt__Req, b), NULL, NULL, 0, 0,NULL,NULL },
};
static const unsigned pbjt__req__field_indices_by_name[] = {
  0,   /* field[0] = a */
  1,   /* field[1] = b */
};
static const ProtobufCIntRange pbjt__req__number_ranges[1 + 1] =
{
  { 1, 0 },
  { 0, 2 }
};
const ProtobufCMessageDescriptor pbjt__req__descriptor =
{
  PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
  "pbjt.Req",
  "Req",
  "Pbjt__Req",
  "pbjt",
  sizeof(Pbjt__Req),
  2,
  pbjt__req__field_descriptors,
  pbjt__req__field_indices_by_name,
  1,  pbjt__req__number_ranges,
  (ProtobufCMessageInit) pbjt__req__init,
  NULL,NULL,NULL    /* reserved[123] */
};
static const ProtobufCEnumValue pbjt__color__enum_values_by_number[3] =
{
  { "RED", "PBJT__COLOR__RED", 0 },
  { "GREEN", "PBJT__COLOR__GREEN", 1 },
  { "BLUE", "PBJT__COLOR__BLUE", 2 },
};
static const ProtobufCIntRange pbjt__color__value_ranges[] = {
{0, 0},{0, 3}
};
static const ProtobufCEnumValueIndex pbjt__color__enum_values_by_name[3] =
{
  { "BLUE", 2 },
  { "GREEN", 1 },
  { "RED", 0 },
};
const ProtobufCEnumDescriptor pbjt__color__descriptor =
{
  PROTOBUF_C__ENUM_DESCRIPTOR_MAGIC,
  "pbjt.Color",
  "Color",
  "Pbjt__Color",
  "pbjt",
  3,
  pbjt__color__enum_values_by_number,
  3,
  pbjt__color__enum_values_by_name,
  1,
  pbjt__color__value_ranges,
  NULL,NULL,NULL,NULL   /* reserved[1234] */
};
/* ---- end of generated code ---------------------------------------------------------------- */

/* Encode; the output must be valid JSON to json-c (strict, UTF-8 validated, nothing after). */
char *pbt_enc(const ProtobufCMessage *m)
{
	struct buf b;
	struct json_tokener *tok;
	struct json_object *o;
	char *s;
	size_t n;

	buf_init(&b, PBT_CAP);
	ck_assert_int_eq(pbjson_encode(m, &b), 0);
	s = buf_detach(&b, &n);
	ck_assert_uint_eq(strlen(s), n);
	tok = json_tokener_new_ex(64);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)n);
	ck_assert_msg(o != NULL, "json-c rejects the encoder's output: %s: %.200s",
		      json_tokener_error_desc(json_tokener_get_error(tok)), s);
	ck_assert_uint_eq(json_tokener_get_parse_end(tok), n);
	ck_assert(json_object_is_type(o, json_type_object));
	json_object_put(o);
	json_tokener_free(tok);
	return s;
}

/* json-c view of the encoder's output, for checking individual values. */
struct json_object *pbt_enc_json(const ProtobufCMessage *m)
{
	char *s = pbt_enc(m);
	struct json_object *o = json_tokener_parse(s);
	free(s);
	ck_assert_ptr_nonnull(o);
	return o;
}

/* Value at a dotted path (array indexes as numbers); json-c represents null as NULL. */
struct json_object *pbt_jget(struct json_object *o, const char *path)
{
	char key[128];
	const char *p = path;

	while (*p) {
		size_t n = strcspn(p, ".");
		int found;
		ck_assert_uint_lt(n, sizeof(key));
		memcpy(key, p, n);
		key[n] = '\0';
		if (json_object_is_type(o, json_type_array)) {
			size_t i = (size_t)strtoul(key, NULL, 10);
			found = i < json_object_array_length(o);
			o = found ? json_object_array_get_idx(o, i) : NULL;
		} else {
			found = json_object_is_type(o, json_type_object) &&
				json_object_object_get_ex(o, key, &o);
		}
		ck_assert_msg(found, "no %s in the JSON", path);
		p += n;
		if (*p == '.')
			p++;
	}
	return o;
}

ProtobufCMessage *pbt_dec_n(const ProtobufCMessageDescriptor *d, const char *j, size_t n)
{
	char err[512];
	ProtobufCMessage *m;

	memset(err, 'x', sizeof(err));
	m = pbjson_decode(d, j, n, err, sizeof(err));
	ck_assert_msg(m != NULL, "decode of %.200s failed: %s", j, err);
	ck_assert_str_eq(err, "");
	ck_assert_ptr_eq(m->descriptor, d);
	return m;
}

ProtobufCMessage *pbt_dec(const ProtobufCMessageDescriptor *d, const char *j)
{
	return pbt_dec_n(d, j, strlen(j));
}

void pbt_free_unpacked_ok(const ProtobufCMessageDescriptor *d, const char *j, size_t n)
{
	protobuf_c_message_free_unpacked(pbt_dec_n(d, j, n), NULL);
}

/* Decoding must fail with an error message that contains `want`. */
void pbt_dec_err_n(const ProtobufCMessageDescriptor *d, const char *j, size_t n, const char *want)
{
	char err[512];
	ProtobufCMessage *m;

	err[0] = '\0';
	m = pbjson_decode(d, j, n, err, sizeof(err));
	ck_assert_msg(m == NULL, "decode of %.200s should have failed (want: %s)", j, want);
	ck_assert_msg(strstr(err, want) != NULL, "decode of %.200s: error \"%s\" lacks \"%s\"", j,
		      err, want);
}

void pbt_dec_err(const ProtobufCMessageDescriptor *d, const char *j, const char *want)
{
	pbt_dec_err_n(d, j, strlen(j), want);
}

/* The error message must be exactly `want`. */
void pbt_dec_err_exact(const ProtobufCMessageDescriptor *d, const char *j, const char *want)
{
	char err[512];
	ProtobufCMessage *m = pbjson_decode(d, j, strlen(j), err, sizeof(err));

	ck_assert_msg(m == NULL, "decode of %.200s should have failed", j);
	ck_assert_str_eq(err, want);
}

uint8_t *pbt_packed(const ProtobufCMessage *m, size_t *n)
{
	uint8_t *p;

	*n = protobuf_c_message_get_packed_size(m);
	p = malloc(*n + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(protobuf_c_message_pack(m, p), *n);
	return p;
}

void pbt_assert_same_wire(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t na, nb;
	uint8_t *pa = pbt_packed(a, &na), *pb = pbt_packed(b, &nb);

	ck_assert_uint_eq(na, nb);
	ck_assert_msg(memcmp(pa, pb, na) == 0, "packed messages differ");
	free(pa);
	free(pb);
}

/* message -> JSON -> message: same wire bytes, and the same JSON again. */
void pbt_roundtrip(const ProtobufCMessage *m)
{
	char *j1 = pbt_enc(m), *j2;
	ProtobufCMessage *back = pbt_dec(m->descriptor, j1);

	pbt_assert_same_wire(m, back);
	j2 = pbt_enc(back);
	ck_assert_str_eq(j1, j2);
	free(j1);
	free(j2);
	protobuf_c_message_free_unpacked(back, NULL);
}

/* ---- random messages by reflection, allocated like unpack does --------------------------- */

static uint64_t rs = 0x9E3779B97F4A7C15ULL;

uint64_t pbt_rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static char *rand_str(void)
{
	static const char *const pieces[] = {
		"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\x01", "\x1f", "\x7f",
		"\xc3\xa9" /* é */, "\xe2\x82\xac" /* € */, "\xf0\x9f\x98\x80" /* 😀 */,
		"\xe2\x80\xa8" /* U+2028 */, "{", "}", "module m;", "\xef\xbf\xbf" /* U+FFFF */,
	};
	size_t n = pbt_rnd() % 8, i, len = 0;
	char *s = malloc(8 * 16 + 1);

	for (i = 0; i < n; i++) {
		const char *p = pieces[pbt_rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
		memcpy(s + len, p, strlen(p));
		len += strlen(p);
	}
	s[len] = '\0';
	return s;
}

static double rand_double(void)
{
	for (;;) {
		uint64_t b = pbt_rnd();
		double v;
		switch (pbt_rnd() % 8) {
		case 0:
			return 0.0;
		case 1:
			return -0.0;
		case 2:
			return (double)(pbt_rnd() % 100000) / 1000.0;
		case 3:
			return (double)(int64_t)pbt_rnd();
		default:
			memcpy(&v, &b, sizeof(v));
			if (isfinite(v))
				return v;
		}
	}
}

static float rand_float(void)
{
	for (;;) {
		uint32_t b = (uint32_t)pbt_rnd();
		float v;
		if (pbt_rnd() % 4 == 0)
			return (float)(pbt_rnd() % 1000) / 8.0f;
		memcpy(&v, &b, sizeof(v));
		if (isfinite(v))
			return v;
	}
}

static uint64_t rand_u64(void)
{
	static const uint64_t special[] = { 0, 1, UINT64_MAX, (uint64_t)INT64_MAX,
					    (uint64_t)INT64_MIN, 0xffffffffu, 0x80000000u };
	return pbt_rnd() % 3 ? pbt_rnd() >> (pbt_rnd() % 64) : special[pbt_rnd() % 7];
}

ProtobufCMessage *pbt_new_msg(const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = malloc(d->sizeof_message);
	ck_assert_ptr_nonnull(m);
	protobuf_c_message_init(d, m);
	return m;
}

static void fill_value(const ProtobufCFieldDescriptor *f, void *p, int depth)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		*(uint32_t *)p = (uint32_t)rand_u64();
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		*(uint64_t *)p = rand_u64();
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)p = rand_float();
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)p = rand_double();
		break;
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)p = pbt_rnd() % 2;
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;
		/* mostly named values, sometimes a number the enum does not name */
		*(int *)p = pbt_rnd() % 5 ? ed->values[pbt_rnd() % ed->n_values].value : 1000 + (int)(pbt_rnd() % 5);
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		*(char **)p = rand_str();
		break;
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *bd = p;
		size_t i;
		bd->len = pbt_rnd() % 9;
		bd->data = bd->len ? malloc(bd->len) : NULL;
		for (i = 0; i < bd->len; i++)
			bd->data[i] = (uint8_t)pbt_rnd();
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		ProtobufCMessage *sub = pbt_new_msg(f->descriptor);
		pbt_fill_message(sub, depth + 1);
		*(ProtobufCMessage **)p = sub;
		break;
	}
	}
}

static size_t elt_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

static int is_entry(const ProtobufCMessageDescriptor *d)
{
	size_t n = strlen(d->short_name);
	return n > 5 && strcmp(d->short_name + n - 5, "Entry") == 0 && d->n_fields == 2;
}

static void set_has(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
	    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
}

void pbt_fill_message(ProtobufCMessage *m, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	unsigned i;

	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		void *p = (char *)m + f->offset;
		int recursive = f->type == PROTOBUF_C_TYPE_MESSAGE && depth >= 2;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = pbt_rnd() % 4, j, esz = elt_size(f->type);
			int map = f->type == PROTOBUF_C_TYPE_MESSAGE && is_entry(f->descriptor);
			char *arr;
			if (recursive && !map)
				n = 0;
			if (map && ((const ProtobufCMessageDescriptor *)f->descriptor)->fields[0].type ==
					   PROTOBUF_C_TYPE_BOOL && n > 2)
				n = 2;
			if (!n)
				continue;
			arr = calloc(n, esz);
			ck_assert_ptr_nonnull(arr);
			*(void **)p = arr;
			*(size_t *)((char *)m + f->quantifier_offset) = n;
			for (j = 0; j < n; j++) {
				if (map) {
					/* distinct keys; a value always present */
					const ProtobufCMessageDescriptor *ed = f->descriptor;
					const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
					ProtobufCMessage *en = pbt_new_msg(ed);
					void *kp = (char *)en + kf->offset;
					if (kf->type == PROTOBUF_C_TYPE_STRING) {
						char *k = rand_str(), *k2 = malloc(strlen(k) + 8);
						snprintf(k2, strlen(k) + 8, "%s#%zu", k, j);
						free(k);
						*(char **)kp = k2;
					} else if (kf->type == PROTOBUF_C_TYPE_BOOL) {
						*(protobuf_c_boolean *)kp = (protobuf_c_boolean)j;
					} else if (elt_size(kf->type) == 8) {
						*(uint64_t *)kp = rand_u64() / 4 * 4 + j;
					} else {
						*(uint32_t *)kp = (uint32_t)rand_u64() / 4 * 4 + (uint32_t)j;
					}
					set_has(en, kf);
					if (vf->type == PROTOBUF_C_TYPE_MESSAGE && depth >= 2)
						*(ProtobufCMessage **)((char *)en + vf->offset) = pbt_new_msg(vf->descriptor);
					else
						fill_value(vf, (char *)en + vf->offset, depth);
					set_has(en, vf);
					((ProtobufCMessage **)arr)[j] = en;
				} else {
					fill_value(f, arr + j * esz, depth);
				}
			}
		} else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t *c = (uint32_t *)((char *)m + f->quantifier_offset);
			if (*c || pbt_rnd() % 3 == 0 || recursive)
				continue;
			*c = f->id;
			fill_value(f, p, depth);
		} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
			if (pbt_rnd() % 3 == 0 || recursive)
				continue; /* absent */
			fill_value(f, p, depth);
			set_has(m, f);
		} else {
			/* proto3 implicit presence or proto2 required: always there */
			fill_value(f, p, depth);
		}
	}
}

/* every message of reward.proto */
const ProtobufCMessageDescriptor *const pbt_reward_msgs[] = {
	&rtlreward__reset_spec__descriptor,     &rtlreward__port__descriptor,
	&rtlreward__problem__descriptor,        &rtlreward__problem_list__descriptor,
	&rtlreward__score_item__descriptor,     &rtlreward__score_request__descriptor,
	&rtlreward__format_tier__descriptor,    &rtlreward__diagnostic__descriptor,
	&rtlreward__syntax_tier__descriptor,    &rtlreward__port_mismatch__descriptor,
	&rtlreward__interface_tier__descriptor, &rtlreward__mismatch__descriptor,
	&rtlreward__function_tier__descriptor,  &rtlreward__ppa_tier__descriptor,
	&rtlreward__stage_times__descriptor,    &rtlreward__result__descriptor,
	&rtlreward__score_response__descriptor, &rtlreward__error__descriptor,
	&rtlreward__score_request__weights_entry__descriptor,
};
const size_t pbt_n_reward_msgs = sizeof(pbt_reward_msgs) / sizeof(pbt_reward_msgs[0]);

/* ---- timing ------------------------------------------------------------------------------- */

double pbt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
