/* clkrst_names: what a port's name says about it (see clkrst.h). Names only decide where the
 * design does not: a synchronous reset (with its polarity when the body does not show it) and a
 * clock that is never used as an edge. */
#include "clkrst.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAXTOK 16

struct toks {
	char buf[128];
	char *t[MAXTOK];
	size_t n;
};

/* Lower-cased '_'-separated tokens of n (empty tokens dropped). */
static void split(const char *n, struct toks *k)
{
	size_t i;
	char *p;

	for (i = 0; n[i] && i < sizeof(k->buf) - 1; i++)
		k->buf[i] = (char)tolower((unsigned char)n[i]);
	k->buf[i] = '\0';
	k->n = 0;
	for (p = k->buf; *p && k->n < MAXTOK;) {
		char *e = strchr(p, '_');
		if (e)
			*e = '\0';
		if (*p)
			k->t[k->n++] = p;
		if (!e)
			break;
		p = e + 1;
	}
}

static int in_set(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

static const char *const PREFIXES[] = {"", "a", "s", "n", "an", "sn", "g", "i", NULL};
static const char *const LOW_IN_TOKEN[] = {"n", "b", "l", "ni", "nb", NULL};
static const char *const LOW_TOKENS[] = {"n", "b", "l", "ni", "nb", "bar", "low", "neg", "ln", NULL};
static const char *const TOKEN_TAILS[] = {"", "n", "b", "l", "ni", "nb", "i", "o", "in", NULL};

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Does token t hold a reset word (rst, reset; clr, clear when `clear_ok`) with an allowed
 * prefix and tail? Fills *low when the prefix or tail marks it active low. */
static int token_is_reset(const char *t, int clear_ok, int *low)
{
	static const char *const words[] = {"reset", "rst", "clear", "clr", NULL};
	size_t w;

	for (w = 0; words[w]; w++) {
		const char *at;
		size_t pl;
		char pre[8];
		const char *tail;

		if (!clear_ok && w >= 2)
			break;
		at = strstr(t, words[w]);
		if (!at)
			continue;
		pl = (size_t)(at - t);
		if (pl >= sizeof(pre))
			continue;
		memcpy(pre, t, pl);
		pre[pl] = '\0';
		tail = at + strlen(words[w]);
		if (!in_set(pre, PREFIXES) || !(in_set(tail, TOKEN_TAILS) || all_digits(tail)))
			continue;
		*low = strchr(pre, 'n') != NULL || in_set(tail, LOW_IN_TOKEN);
		return 1;
	}
	return 0;
}

/* 0: not a reset name; 1: reset, active high; 2: reset, active low. */
static int reset_name(const char *n)
{
	struct toks k;
	size_t i, j;
	int low = 0;

	split(n, &k);
	for (i = 0; i < k.n; i++) {
		int clear_only = 1;

		/* clr / clear count only when every other token is a polarity marker */
		for (j = 0; j < k.n; j++)
			if (j != i && !in_set(k.t[j], LOW_TOKENS) && strcmp(k.t[j], "i") &&
			    strcmp(k.t[j], "in"))
				clear_only = 0;
		if (token_is_reset(k.t[i], clear_only, &low)) {
			for (j = 0; j < k.n; j++)
				if (j != i && (in_set(k.t[j], LOW_TOKENS) || !strcmp(k.t[j], "n")))
					low = 1;
			return low ? 2 : 1;
		}
	}
	return 0;
}

int clkrst_name_is_reset(const char *n)
{
	return reset_name(n) != 0;
}

int clkrst_name_is_active_low(const char *n)
{
	return reset_name(n) == 2;
}

int clkrst_name_is_clock(const char *n)
{
	struct toks k;
	size_t i;

	split(n, &k);
	for (i = 0; i < k.n; i++) {
		const char *t = k.t[i];
		size_t l = strlen(t);

		if (!strcmp(t, "clock") || !strcmp(t, "clk"))
			return 1;
		/* clk0, clka, clkb, iclk, wclk */
		if (l == 4 && !strncmp(t, "clk", 3))
			return 1;
		if (l == 4 && !strcmp(t + 1, "clk"))
			return 1;
	}
	return 0;
}

const char *reset_kind_name(int kind)
{
	return kind == RESET_KIND_SET ? "set" : kind == RESET_KIND_LOAD ? "load" : "reset";
}

int reset_kind_parse(const char *s)
{
	if (!s || !*s || !strcmp(s, "reset"))
		return RESET_KIND_RESET;
	if (!strcmp(s, "set"))
		return RESET_KIND_SET;
	if (!strcmp(s, "load"))
		return RESET_KIND_LOAD;
	return -1;
}

const char *clock_edge_name(int edge)
{
	return edge == 1 ? "posedge" : edge == -1 ? "negedge" : edge == 2 ? "both" : "none";
}
