/* auth: the token file and the bearer-token check (see auth.h). */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hash.h"

#define AUTH_MAX_TOKENS 64
#define AUTH_MIN_LEN 16
#define AUTH_MAX_LEN 256

struct token {
	char digest[65];     /* sha256 hex of the token */
	enum auth_role role;
};

/* written at start-up (before the HTTP threads exist), read-only afterwards */
static struct token tokens[AUTH_MAX_TOKENS];
static size_t ntokens;

static void digest_of(const char *tok, size_t len, char out[65])
{
	struct hash_ctx *h = hash_new();

	if (!h) {
		memset(out, 0, 65);
		return;
	}
	hash_add(h, "rtlreward-token\0", 16);
	hash_add(h, tok, len);
	hash_final_hex(h, out);
}

static int token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       strchr("-._~+/=", c) != NULL;
}

void auth_clear(void)
{
	memset(tokens, 0, sizeof(tokens));
	ntokens = 0;
}

int auth_enabled(void)
{
	return ntokens > 0;
}

/* One line "role token"; 0 ok, -1 with err. */
static int parse_line(const char *s, size_t len, unsigned lineno, char *err, size_t errlen)
{
	size_t i = 0, rs, rl, ts, tl;
	enum auth_role role;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] == '#')
		return 0;
	rs = i;
	while (i < len && s[i] != ' ' && s[i] != '\t')
		i++;
	rl = i - rs;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	ts = i;
	while (i < len && s[i] != ' ' && s[i] != '\t')
		i++;
	tl = i - ts;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (rl == 5 && !strncmp(s + rs, "admin", 5)) {
		role = AUTH_ADMIN;
	} else if (rl == 6 && !strncmp(s + rs, "scorer", 6)) {
		role = AUTH_SCORER;
	} else {
		snprintf(err, errlen, "line %u: the role must be 'admin' or 'scorer'", lineno);
		return -1;
	}
	if (i != len || tl == 0) {
		snprintf(err, errlen, "line %u: expected '%.*s TOKEN' and nothing else", lineno,
			 (int)rl, s + rs);
		return -1;
	}
	if (tl < AUTH_MIN_LEN || tl > AUTH_MAX_LEN) {
		snprintf(err, errlen, "line %u: a token has %d to %d characters (this one %zu)", lineno,
			 AUTH_MIN_LEN, AUTH_MAX_LEN, tl);
		return -1;
	}
	for (i = ts; i < ts + tl; i++) {
		if (!token_char(s[i])) {
			snprintf(err, errlen, "line %u: a token may hold only A-Z a-z 0-9 - . _ ~ + / =",
				 lineno);
			return -1;
		}
	}
	if (ntokens == AUTH_MAX_TOKENS) {
		snprintf(err, errlen, "line %u: at most %d tokens", lineno, AUTH_MAX_TOKENS);
		return -1;
	}
	digest_of(s + ts, tl, tokens[ntokens].digest);
	tokens[ntokens].role = role;
	ntokens++;
	return 0;
}

int auth_parse(const char *text, char *err, size_t errlen)
{
	const char *p = text;
	unsigned lineno = 0;

	auth_clear();
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (len && p[len - 1] == '\r')
			len--;
		if (parse_line(p, len, lineno, err, errlen) < 0) {
			auth_clear();
			return -1;
		}
		p += nl ? len + (p[len] == '\r') + 1 : len;
	}
	if (!ntokens) {
		snprintf(err, errlen, "no tokens (lines 'admin TOKEN' or 'scorer TOKEN')");
		return -1;
	}
	return 0;
}

int auth_load(const char *path, char *err, size_t errlen)
{
	struct buf b;
	char e2[256];
	int ret = -1;

	buf_init(&b, 1 << 20);
	if (buf_read_file(&b, path) < 0) {
		snprintf(err, errlen, "--token-file %s: cannot read it (or larger than 1 MiB)", path);
		goto out;
	}
	if (memchr(b.data ? b.data : "", '\0', b.len)) {
		snprintf(err, errlen, "--token-file %s: a NUL byte", path);
		goto out;
	}
	if (buf_addc(&b, '\0') < 0 || auth_parse(b.data, e2, sizeof(e2)) < 0) {
		snprintf(err, errlen, "--token-file %s: %s", path, b.overflow ? "too large" : e2);
		goto out;
	}
	ret = 0;
out:
	buf_release(&b);
	return ret;
}

/* Constant time in the contents: every byte of both digests is looked at. */
static int digest_eq(const char *a, const char *b)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < 64; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 (padding optional) into out; the length, or -1 when malformed or too long. */
static long b64_decode(const char *in, size_t n, char *out, size_t outlen)
{
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;

	while (n && in[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outlen)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return (long)o;
}

enum auth_role auth_role_of(const char *h)
{
	char dg[65], basic[2 * AUTH_MAX_LEN];
	enum auth_role best = AUTH_NONE;
	size_t i, len;
	int is_basic = 0;

	if (!h)
		return AUTH_NONE;
	while (*h == ' ')
		h++;
	if (!strncasecmp(h, "Basic ", 6))
		is_basic = 1;
	else if (strncasecmp(h, "Bearer ", 7))
		return AUTH_NONE;
	h += is_basic ? 6 : 7;
	while (*h == ' ')
		h++;
	len = strcspn(h, " \t");
	if (h[len + strspn(h + len, " \t")])
		return AUTH_NONE;
	if (is_basic) {
		/* user:TOKEN (the user name is not looked at): for clients that can only put
		 * credentials in the URL, http://user:TOKEN@host/get_reward */
		long bl = b64_decode(h, len, basic, sizeof(basic) - 1);
		char *colon;
		if (bl < 0)
			return AUTH_NONE;
		basic[bl] = '\0';
		colon = memchr(basic, ':', (size_t)bl);
		if (!colon)
			return AUTH_NONE;
		h = colon + 1;
		len = (size_t)(basic + bl - h);
	}
	if (len < AUTH_MIN_LEN || len > AUTH_MAX_LEN)
		return AUTH_NONE;
	for (i = 0; i < len; i++)
		if (!token_char(h[i]))
			return AUTH_NONE;
	digest_of(h, len, dg);
	/* every configured token is compared, whichever matches */
	for (i = 0; i < ntokens; i++) {
		int eq = digest_eq(dg, tokens[i].digest);
		if (eq && tokens[i].role > best)
			best = tokens[i].role;
	}
	return best;
}

unsigned auth_check(const char *authorization, enum auth_role need)
{
	enum auth_role r;

	if (!ntokens || need == AUTH_NONE)
		return 0;
	r = auth_role_of(authorization);
	if (r == AUTH_NONE)
		return 401;
	return r >= need ? 0 : 403;
}
