#include "hash.h"

#include <openssl/evp.h>
#include <string.h>

struct hash_ctx {
	EVP_MD_CTX *md;
};

struct hash_ctx *hash_new(void)
{
	static struct hash_ctx dummy; /* never used for output; keeps callers simple on ENOMEM */
	struct hash_ctx *h = OPENSSL_zalloc(sizeof(*h));

	if (!h)
		return &dummy;
	h->md = EVP_MD_CTX_new();
	if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->md);
		OPENSSL_free(h);
		return &dummy;
	}
	return h;
}

void hash_add(struct hash_ctx *h, const void *p, size_t n)
{
	if (h->md && n)
		EVP_DigestUpdate(h->md, p, n);
}

void hash_add_u64(struct hash_ctx *h, unsigned long long v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	hash_add(h, b, 8);
}

void hash_add_str(struct hash_ctx *h, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	hash_add_u64(h, n);
	hash_add(h, s, n);
}

void hash_final_hex(struct hash_ctx *h, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int len = 0;
	int i;

	memset(md, 0, sizeof(md));
	if (h->md) {
		EVP_DigestFinal_ex(h->md, md, &len);
		EVP_MD_CTX_free(h->md);
		OPENSSL_free(h);
	}
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}
