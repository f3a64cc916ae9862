/* libFuzzer target for pbjson. Not part of the normal build: without -DPBJSON_FUZZ this file
 * compiles to nothing (the Makefile's wildcard picks it up into librtlr.a harmlessly).
 *
 * Build and run (clang from Debian 12: apt-get install clang):
 *   make build/proto/reward.pb-c.h
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DPBJSON_FUZZ \
 *     -std=gnu11 -D_GNU_SOURCE -include common/banned.h -Icommon -Iserver -Ibuild/proto \
 *     $(pkg-config --cflags libprotobuf-c) server/fuzz_pbjson.c server/pbjson.c server/pbjson_decode.c server/pbjson_encode.c common/buf.c \
 *     build/proto/reward.pb-c.c $(pkg-config --libs libprotobuf-c) -lm -o build/fuzz_pbjson
 *   mkdir -p build/fuzz-corpus && printf '\0{"items":[{"problem":"p","completion":"c"}],\
 *     "weights":{"a":1.5},"seed":"7","no_cache":true}' > build/fuzz-corpus/req
 *   build/fuzz_pbjson -max_len=4096 -timeout=5 build/fuzz-corpus
 *
 * Input: the first byte picks the message type, the rest is the JSON body. Checked:
 *   - no crash, leak or undefined behaviour in decode or encode (the sanitizers);
 *   - a failed decode leaves a NUL-terminated, non-empty error message;
 *   - decode(encode(m)) always succeeds, and after one such cycle (which turns absent
 *     sub-messages into present ones and a singular NaN/Inf into 0) the JSON is a fixed point
 *     and the wire bytes agree;
 *   - an encode that hits the buffer cap fails cleanly and leaves the buffer as it was.
 */
#include "pbjson.h"

#ifdef PBJSON_FUZZ
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reward.pb-c.h"

static const ProtobufCMessageDescriptor *const types[] = {
	&rtlreward__score_request__descriptor, &rtlreward__problem__descriptor,
	&rtlreward__score_response__descriptor, &rtlreward__result__descriptor,
	&rtlreward__problem_list__descriptor,  &rtlreward__error__descriptor,
};

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_pbjson: %s\n", what);
		abort();
	}
}

static char *encode(const ProtobufCMessage *m, size_t *n)
{
	struct buf b;

	buf_init(&b, 64u << 20);
	check(pbjson_encode(m, &b) == 0, "encode failed");
	return buf_detach(&b, n);
}

static ProtobufCMessage *decode_ok(const ProtobufCMessageDescriptor *d, const char *j, size_t n)
{
	char err[256];
	ProtobufCMessage *m = pbjson_decode(d, j, n, err, sizeof(err));

	if (!m)
		fprintf(stderr, "fuzz_pbjson: re-decode failed: %s\n%.*s\n", err, (int)n, j);
	check(m != NULL, "the encoder's output does not decode");
	return m;
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *n)
{
	uint8_t *p;

	*n = protobuf_c_message_get_packed_size(m);
	p = malloc(*n ? *n : 1);
	check(p != NULL, "oom");
	check(protobuf_c_message_pack(m, p) == *n, "pack size");
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCMessageDescriptor *d;
	ProtobufCMessage *m1, *m2, *m3;
	char err[256], *j1, *j2, *j3;
	size_t n1, n2, n3, w2, w3;
	uint8_t *p2, *p3;
	struct buf small;

	if (size < 1)
		return 0;
	d = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	memset(err, 'x', sizeof(err));
	m1 = pbjson_decode(d, (const char *)data + 1, size - 1, err, sizeof(err));
	if (!m1) {
		check(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0', "error message");
		return 0;
	}
	j1 = encode(m1, &n1);
	m2 = decode_ok(d, j1, n1);
	j2 = encode(m2, &n2);
	m3 = decode_ok(d, j2, n2);
	j3 = encode(m3, &n3);
	check(n2 == n3 && memcmp(j2, j3, n2) == 0, "JSON is not a fixed point after one cycle");
	p2 = pack(m2, &w2);
	p3 = pack(m3, &w3);
	check(w2 == w3 && memcmp(p2, p3, w2) == 0, "wire bytes differ after a JSON cycle");

	/* a cap somewhere inside the output */
	buf_init(&small, n1 / 2);
	check(buf_add(&small, "x", n1 / 2 ? 1 : 0) == 0, "buf");
	check(pbjson_encode(m1, &small) == -1, "capped encode succeeded");
	check(small.len == (n1 / 2 ? 1u : 0u), "capped encode changed the buffer");
	buf_release(&small);

	free(p2);
	free(p3);
	free(j1);
	free(j2);
	free(j3);
	protobuf_c_message_free_unpacked(m1, NULL);
	protobuf_c_message_free_unpacked(m2, NULL);
	protobuf_c_message_free_unpacked(m3, NULL);
	return 0;
}
#endif
