/* policy_internal: helpers shared by the raw-text pass (policy.c) and the token pass
 * (policy_tokens.c): word lookups, one-line reasons, the scoped name set, and the checks
 * both passes run. Not a public API; see policy.h for that. */
#ifndef RTLR_POLICY_INTERNAL_H
#define RTLR_POLICY_INTERNAL_H

#include "normalize.h"

#include <stddef.h>

/* word lists */
int pol_eq(const char *p, size_t n, const char *w);
int pol_in_list(const char *p, size_t n, const char *const *list);
int pol_is_keyword(const char *p, size_t n);

/* reasons: pol_refuse writes the reason (when given) and returns 1 */
__attribute__((format(printf, 3, 4))) int pol_refuse(char *reason, size_t len,
						      const char *fmt, ...);
/* A name fit for a one-line reason: printable ASCII, at most 64 bytes. */
const char *pol_show(char *dst, size_t cap, const char *p, size_t n);

/* a set of names, each in a scope */
struct nent {
	const char *p;
	size_t n;
	unsigned scope;
	int used;
};

struct nset {
	struct nent *v;
	size_t cap, cnt;
};

#define SCOPE_GLOBAL 0xffffffffu /* names of the design units the source defines */
int pol_nset_has(const struct nset *s, unsigned scope, const char *p, size_t n);
int pol_nset_add(struct nset *s, unsigned scope, const char *p, size_t n);
void pol_nset_free(struct nset *s);

/* shared checks: each returns 1 when refused (reason written), else 0 */
int pol_check_metacomment(const struct vtok *t, char *reason, size_t rl);
int pol_check_nul(const char *src, size_t len, char *reason, size_t rl);
/* Collect the names the source `defines; -1 on allocation failure. */
int pol_collect_macros(const char *src, size_t len, struct nset *macros);
int pol_check_directive(const struct vtok *t, const struct vtok *op_next,
			const struct nset *macros, char *reason, size_t rl);
int pol_check_backtick(const struct vtok *t, const char *src, size_t len, char *reason,
		       size_t rl);

#endif
