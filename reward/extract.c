/* extract: find the Verilog in a model completion (see extract.h). */
#include "extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct span {
	size_t b, e; /* [b, e) into the text */
};

static int is_idc(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int match_ci(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);
	if (i + k > n)
		return 0;
	for (size_t j = 0; j < k; j++)
		if (lower(s[i + j]) != w[j])
			return 0;
	return 1;
}

static int match_cs(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);
	return i + k <= n && memcmp(s + i, w, k) == 0;
}

/* Is the word w (case-sensitive) at i, with identifier boundaries on both sides? */
static int word_at(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);
	if (!match_cs(s, n, i, w))
		return 0;
	if (i > 0 && is_idc(s[i - 1]))
		return 0;
	if (i + k < n && is_idc(s[i + k]))
		return 0;
	return 1;
}

static int has_word(const char *s, size_t b, size_t e, const char *w)
{
	for (size_t i = b; i < e; i++)
		if (s[i] == w[0] && i + strlen(w) <= e && word_at(s, e, i, w) &&
		    (i == b || !is_idc(s[i - 1])))
			return 1;
	return 0;
}

static int has_module(const char *s, struct span sp)
{
	return (has_word(s, sp.b, sp.e, "module") || has_word(s, sp.b, sp.e, "macromodule")) &&
	       has_word(s, sp.b, sp.e, "endmodule");
}

/* ---------------------------------------------------------------------------------------- */
/* 1. <answer> ... </answer>                                                                  */

static int find_answer(const char *s, struct span in, struct span *out)
{
	size_t open = (size_t)-1;
	for (size_t i = in.b; i < in.e; i++)
		if (s[i] == '<' && match_ci(s, in.e, i, "<answer>"))
			open = i;
	if (open == (size_t)-1)
		return 0;
	out->b = open + 8;
	out->e = in.e;
	for (size_t i = out->b; i < in.e; i++)
		if (s[i] == '<' && match_ci(s, in.e, i, "</answer>")) {
			out->e = i;
			break;
		}
	return 1;
}

/* ---------------------------------------------------------------------------------------- */
/* 2. fenced blocks                                                                          */

static int verilog_tag(const char *s, size_t b, size_t e)
{
	char w[32];
	size_t k = 0;
	while (b < e && (s[b] == ' ' || s[b] == '\t'))
		b++;
	while (b < e && !is_space(s[b]) && k + 1 < sizeof w)
		w[k++] = lower(s[b++]);
	w[k] = 0;
	if (b < e && !is_space(s[b]))
		return 0; /* longer than any tag we know */
	return strcmp(w, "verilog") == 0 || strcmp(w, "systemverilog") == 0 ||
	       strcmp(w, "sv") == 0 || strcmp(w, "v") == 0 || strncmp(w, "verilog-", 8) == 0 ||
	       strcmp(w, "verilog2001") == 0 || strcmp(w, "verilog2005") == 0 ||
	       strcmp(w, "vlog") == 0 || strcmp(w, "{verilog}") == 0;
}

static int blank_range(const char *s, size_t b, size_t e)
{
	for (; b < e; b++)
		if (!is_space(s[b]))
			return 0;
	return 1;
}

/* Scan the fences in sp. A fence opens at a run of >= 3 backticks (its tag is the rest of the
 * line) and closes at the next run at least as long; the last one may run to the end of sp
 * when that holds an endmodule. Only fences holding module ... endmodule count: the last
 * Verilog-tagged one, else the last untagged one. */
static int find_fence(const char *s, struct span sp, struct span *out, int *unterminated_seen)
{
	struct span best_tagged = {0, 0}, best_plain = {0, 0};
	int have_tagged = 0, have_plain = 0;
	size_t i = sp.b;

	while (i < sp.e) {
		size_t run, tag_b, tag_e, body_b, body_e, j;
		int tagged, terminated = 0;
		struct span body;

		if (s[i] != '`') {
			i++;
			continue;
		}
		run = 0;
		while (i + run < sp.e && s[i + run] == '`')
			run++;
		if (run < 3) {
			i += run;
			continue;
		}
		tag_b = i + run;
		tag_e = tag_b;
		while (tag_e < sp.e && s[tag_e] != '\n')
			tag_e++;
		body_b = tag_e < sp.e ? tag_e + 1 : tag_e;
		tagged = verilog_tag(s, tag_b, tag_e);
		if (!tagged && !blank_range(s, tag_b, tag_e)) {
			/* "```" followed by code on the same line, or another language's tag */
			size_t k = tag_b;
			while (k < tag_e && (s[k] == ' ' || s[k] == '\t'))
				k++;
			if (word_at(s, tag_e, k, "module") || s[k] == '`') {
				body_b = tag_b; /* code starts right after the backticks */
			}
		}
		/* closing run */
		body_e = sp.e;
		j = body_b;
		while (j < sp.e) {
			size_t r = 0;
			if (s[j] != '`') {
				j++;
				continue;
			}
			while (j + r < sp.e && s[j + r] == '`')
				r++;
			if (r >= run) {
				body_e = j;
				terminated = 1;
				break;
			}
			j += r;
		}
		body.b = body_b;
		body.e = body_e;
		if (!terminated) {
			*unterminated_seen = 1;
			if (!has_word(s, body.b, body.e, "endmodule"))
				break; /* prose with a stray fence: nothing usable after it */
		}
		if (tagged) {
			if (has_module(s, body)) {
				best_tagged = body;
				have_tagged = 1;
			}
		} else if (blank_range(s, tag_b, tag_e) || body_b == tag_b) {
			if (has_module(s, body)) {
				best_plain = body;
				have_plain = 1;
			}
		}
		if (!terminated)
			break;
		i = body_e + run;
		while (i < sp.e && s[i] == '`')
			i++;
	}
	if (have_tagged)
		*out = best_tagged;
	else if (have_plain)
		*out = best_plain;
	else
		return 0;
	return 1;
}

/* ---------------------------------------------------------------------------------------- */
/* 3. CODE BEGIN ... CODE END                                                                 */

static int find_markers(const char *s, struct span sp, struct span *out)
{
	size_t open = (size_t)-1;
	for (size_t i = sp.b; i < sp.e; i++)
		if (s[i] == 'C' && match_cs(s, sp.e, i, "CODE BEGIN"))
			open = i;
	if (open == (size_t)-1)
		return 0;
	out->b = open + 10;
	out->e = sp.e;
	for (size_t i = out->b; i < sp.e; i++)
		if (s[i] == 'C' && match_cs(s, sp.e, i, "CODE END")) {
			out->e = i;
			return 1;
		}
	/* unterminated: usable only when the rest has a whole module */
	return has_word(s, out->b, out->e, "endmodule");
}

/* ---------------------------------------------------------------------------------------- */
/* 4. bare code                                                                               */

static size_t line_start(const char *s, size_t lo, size_t i)
{
	while (i > lo && s[i - 1] != '\n')
		i--;
	return i;
}

static int find_bare(const char *s, struct span sp, struct span *out)
{
	size_t first = (size_t)-1, first_bol = (size_t)-1, last_end = (size_t)-1, b;
	int blank_so_far = 1; /* only blanks since the start of the current line */

	for (size_t i = sp.b; i < sp.e; i++) {
		int m = 0;
		if (s[i] == 'm' && word_at(s, sp.e, i, "module"))
			m = 1;
		else if (s[i] == 'm' && word_at(s, sp.e, i, "macromodule"))
			m = 1;
		if (m) {
			if (first == (size_t)-1)
				first = i;
			if (first_bol == (size_t)-1 && blank_so_far)
				first_bol = i;
		}
		if (s[i] == 'e' && word_at(s, sp.e, i, "endmodule"))
			last_end = i + 9;
		if (s[i] == '\n')
			blank_so_far = 1;
		else if (!is_space(s[i]))
			blank_so_far = 0;
	}
	/* prefer a "module" that starts its line: prose often says "the module below ..." */
	if (first_bol != (size_t)-1 && last_end != (size_t)-1 && first_bol < last_end)
		first = first_bol;
	if (first == (size_t)-1 || last_end == (size_t)-1 || first >= last_end)
		return 0;
	/* take directive lines (`timescale, `define, ...) and blank lines just above */
	b = line_start(s, sp.b, first);
	if (blank_range(s, b, first))
		first = b;
	while (first > sp.b) {
		size_t pb = line_start(s, sp.b, first - 1), k = pb;
		while (k < first && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k < first && s[k] == '`' && !(k + 2 < first && s[k + 1] == '`' && s[k + 2] == '`'))
			first = pb;
		else if (blank_range(s, pb, first))
			first = pb;
		else
			break;
	}
	out->b = first;
	out->e = last_end;
	return 1;
}

/* ---------------------------------------------------------------------------------------- */

static int search_in(const char *s, struct span sp, struct span *out, enum extract_how *how,
		     int *unterminated_seen)
{
	if (find_fence(s, sp, out, unterminated_seen)) {
		*how = EXTRACT_FENCE;
		return 1;
	}
	if (find_markers(s, sp, out) && has_module(s, *out)) {
		*how = EXTRACT_MARKERS;
		return 1;
	}
	if (find_bare(s, sp, out)) {
		*how = EXTRACT_BARE;
		return 1;
	}
	return 0;
}

static void set_reason(char *reason, size_t reasonlen, const char *msg)
{
	if (reason && reasonlen)
		snprintf(reason, reasonlen, "%s", msg);
}

/* Copy [b, e) trimmed of surrounding blank lines, CRLF turned into LF, ending in a newline. */
static int copy_code(const char *s, struct span sp, char **code, size_t *code_len)
{
	size_t b = sp.b, e = sp.e, k = 0;
	char *p;

	while (b < e && is_space(s[b]))
		b++;
	/* keep the indentation of the first line */
	while (b > sp.b && (s[b - 1] == ' ' || s[b - 1] == '\t'))
		b--;
	while (e > b && is_space(s[e - 1]))
		e--;
	p = malloc(e - b + 2);
	if (!p)
		return -1;
	for (size_t i = b; i < e; i++) {
		if (s[i] == '\r' && i + 1 < e && s[i + 1] == '\n')
			continue;
		p[k++] = s[i];
	}
	p[k++] = '\n';
	p[k] = 0;
	*code = p;
	if (code_len)
		*code_len = k;
	return 0;
}

int extract_verilog(const char *text, size_t len, char **code, size_t *code_len,
		    enum extract_how *how, char *reason, size_t reasonlen)
{
	struct span all = {0, len}, ans, got = {0, 0};
	enum extract_how h = EXTRACT_NONE;
	int found = 0, unterminated = 0;

	*code = NULL;
	if (code_len)
		*code_len = 0;
	if (how)
		*how = EXTRACT_NONE;
	if (reason && reasonlen)
		reason[0] = 0;
	if (!text || blank_range(text, 0, len)) {
		set_reason(reason, reasonlen, "completion is empty");
		return 1;
	}

	if (find_answer(text, all, &ans)) {
		if (search_in(text, ans, &got, &h, &unterminated)) {
			if (h == EXTRACT_BARE)
				h = EXTRACT_ANSWER;
			found = has_module(text, got);
		}
		if (!found && has_module(text, ans)) {
			got = ans; /* the inside as is */
			h = EXTRACT_ANSWER;
			found = 1;
		}
	}
	if (!found && search_in(text, all, &got, &h, &unterminated))
		found = has_module(text, got);

	if (!found) {
		if (has_word(text, 0, len, "module") && !has_word(text, 0, len, "endmodule"))
			set_reason(reason, reasonlen,
				   unterminated
					   ? "no Verilog found: the code block is cut off (a module "
					     "without endmodule, fence not closed)"
					   : "no Verilog found: a module without endmodule in the "
					     "completion");
		else
			set_reason(reason, reasonlen,
				   "no Verilog found: no module ... endmodule in the completion");
		return 1;
	}
	if (memchr(text + got.b, 0, got.e - got.b)) {
		char msg[96];
		snprintf(msg, sizeof msg, "the code contains a NUL byte (offset %zu of the completion)",
			 (size_t)((const char *)memchr(text + got.b, 0, got.e - got.b) - text));
		set_reason(reason, reasonlen, msg);
		return 1;
	}
	if (copy_code(text, got, code, code_len) < 0) {
		set_reason(reason, reasonlen, "out of memory");
		return -1;
	}
	if (how)
		*how = h;
	return 0;
}

const char *extract_how_name(enum extract_how how)
{
	switch (how) {
	case EXTRACT_ANSWER:
		return "answer";
	case EXTRACT_FENCE:
		return "fence";
	case EXTRACT_MARKERS:
		return "code_markers";
	case EXTRACT_BARE:
		return "bare";
	case EXTRACT_NONE:
	default:
		return "none";
	}
}
