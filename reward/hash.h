/* hash: SHA-256 (libcrypto) helpers for cache keys and problem hashes. */
#ifndef RTLR_HASH_H
#define RTLR_HASH_H

#include <stddef.h>

struct hash_ctx;

struct hash_ctx *hash_new(void);
void hash_add(struct hash_ctx *h, const void *p, size_t n);
/* Adds a length-prefixed string, so ("ab","c") and ("a","bc") differ. */
void hash_add_str(struct hash_ctx *h, const char *s);
void hash_add_u64(struct hash_ctx *h, unsigned long long v);
/* Writes 64 hex digits and a NUL into hex[65] and frees h. */
void hash_final_hex(struct hash_ctx *h, char hex[65]);

#endif
