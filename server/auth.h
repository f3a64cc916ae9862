/* auth: bearer tokens from --token-file, and who may use which route.
 *
 * The file has one token per line, "admin TOKEN" or "scorer TOKEN" (any run of spaces or tabs
 * between them); blank lines and lines starting with # are ignored. A token is 16 to 256
 * characters of A-Z a-z 0-9 - . _ ~ + / = (RFC 6750's b64token). Several tokens per role are
 * allowed (rotation: add the new one, restart, retire the old one).
 *
 * Without a token file no route needs a token (the server then binds only to loopback unless
 * --insecure-no-auth). With one:
 *   open:    GET /healthz, GET /metrics (probes and scrapers; aggregate counters only)
 *   scorer:  POST /v1/score, POST /get_reward, GET /v1/problems, GET /v1/problems/{id}
 *   admin:   everything a scorer may, and POST /v1/problems (registration and replacement)
 * A request carries "Authorization: Bearer TOKEN", or "Authorization: Basic base64(USER:TOKEN)"
 * (any user name) for clients that can only take credentials in the URL
 * (http://rtlreward:TOKEN@host:8080/get_reward with Python's requests, as OpenRLHF uses). Tokens are kept as SHA-256 digests and a
 * presented token is compared with every configured one in constant time.
 */
#ifndef RTLR_AUTH_H
#define RTLR_AUTH_H

#include <stddef.h>

enum auth_role { AUTH_NONE = 0, AUTH_SCORER = 1, AUTH_ADMIN = 2 };

/* Loads the token file (replacing any tokens loaded before). 0, or -1 with err. */
int auth_load(const char *path, char *err, size_t errlen);
/* Parses the file's text; for tests. 0, or -1 with err (naming the line). */
int auth_parse(const char *text, char *err, size_t errlen);
void auth_clear(void);
/* 1 when tokens are configured. */
int auth_enabled(void);
/* The role an Authorization header value grants: AUTH_NONE for a missing, malformed or unknown
 * token. */
enum auth_role auth_role_of(const char *authorization);
/* Decides a request that needs role `need`: 0 allowed, 401 (no or unknown token), 403 (a
 * valid token of a lesser role). Always 0 when no tokens are configured. */
unsigned auth_check(const char *authorization, enum auth_role need);

#endif
