/* policy_trusted: host-reaching constructs in a problem's reference and testbench (see
 * policy_trusted.h). One lexer pass over each text; a first pass collects the macros both
 * texts define. */
#include "policy_trusted.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ok_directives[] = {
	"define", "undef", "undefineall", "ifdef", "ifndef", "elsif", "else", "endif", "timescale",
	"default_nettype", "resetall", "celldefine", "endcelldefine", "unconnected_drive",
	"nounconnected_drive", "line", "pragma", "begin_keywords", "end_keywords", "__FILE__",
	"__LINE__", NULL,
};

/* directives whose next word is a macro name, not a use of one */
static const char *const name_directives[] = {"define", "undef", "ifdef", "ifndef", "elsif", NULL};

static const char *const ok_systf[] = {
	/* output to the log */
	"display", "displayb", "displayh", "displayo", "write", "writeb", "writeh", "writeo",
	"strobe", "strobeb", "strobeh", "strobeo", "monitor", "monitorb", "monitorh", "monitoro",
	"monitoron", "monitoroff", "info", "warning", "error", "fatal", "finish", "stop", "exit",
	/* file descriptors (opened by $fopen, checked below) */
	"fdisplay", "fdisplayb", "fdisplayh", "fdisplayo", "fwrite", "fwriteb", "fwriteh",
	"fwriteo", "fstrobe", "fstrobeb", "fstrobeh", "fstrobeo", "fmonitor", "fmonitorb",
	"fmonitorh", "fmonitoro", "fclose", "fflush", "feof", "ferror", "fgetc", "ungetc", "fgets",
	"fscanf", "fread", "fseek", "ftell", "rewind",
	/* strings */
	"sscanf", "sformat", "sformatf", "swrite", "swriteb", "swriteh", "swriteo", "psprintf",
	/* time, randomness, plusargs */
	"time", "stime", "realtime", "timeformat", "printtimescale", "random", "urandom",
	"urandom_range", "dist_uniform", "dist_normal", "dist_exponential", "dist_poisson",
	"dist_chi_square", "dist_t", "dist_erlang", "value$plusargs", "test$plusargs",
	/* waveforms (the file itself: $dumpfile, checked) */
	"dumpvars", "dumpon", "dumpoff", "dumpall", "dumplimit", "dumpflush",
	/* functions on values */
	"clog2", "signed", "unsigned", "bits", "size", "left", "right", "high", "low", "increment",
	"dimensions", "unpacked_dimensions", "countones", "onehot", "onehot0", "isunknown",
	"countbits", "rtoi", "itor", "bitstoreal", "realtobits", "shortrealtobits",
	"bitstoshortreal", "floor", "ceil", "ln", "log10", "exp", "sqrt", "pow", "sin", "cos",
	"tan", "asin", "acos", "atan", "atan2", "hypot", "sinh", "cosh", "tanh", "asinh", "acosh",
	"atanh", "cast", "typename", "isunbounded", "past", "rose", "fell", "stable", "changed",
	"sampled", "asserton", "assertoff", "assertkill",
	NULL,
};

/* tasks whose first argument names a file: read (a reference may), and open/write/dump */
static const char *const file_read_systf[] = {"readmemh", "readmemb", NULL};
static const char *const file_write_systf[] = {
	"fopen", "fopenr", "fopenw", "fopena", "writememh", "writememb", "dumpfile", NULL,
};

struct macro {
	const char *name;
	size_t nlen;
	int literal;          /* the body is exactly one string literal */
	const char *lit;      /* its contents */
	size_t litlen;
};

struct ctx {
	struct macro *m;
	size_t nm, cap;
	const char *const *files;
	const char *const *file_data;   /* contents of files[i] (NULL: none known) */
	size_t nfiles;
	int may_write;                  /* the text being checked may open/write/dump files */
	unsigned depth;                 /* `include nesting */
	char *reason;
	size_t reasonlen;
};

static int in_list(const char *p, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && !memcmp(p, *list, n))
			return 1;
	return 0;
}

static int ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

static int refuse(struct ctx *c, const char *what, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(struct ctx *c, const char *what, unsigned line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->reason, c->reasonlen, "%s: line %u: %s", what, line, msg);
	return 1;
}

/* A relative path that stays inside the job directory. */
static int safe_path(const char *p, size_t n)
{
	size_t i, seg = 0;

	if (n == 0 || n > 255 || p[0] == '/')
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || p[i] == '/') {
			if (i - seg == 2 && p[seg] == '.' && p[seg + 1] == '.')
				return 0;
			seg = i + 1;
			continue;
		}
		if (!isalnum((unsigned char)p[i]) && !strchr("_-.+", p[i]))
			return 0;
	}
	return 1;
}

/* Skips a string literal starting at s[i] == '"'; returns the index after it. */
static size_t skip_string(const char *s, size_t n, size_t i, unsigned *line)
{
	for (i++; i < n && s[i] != '"'; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		if (s[i] == '\n')
			(*line)++;
	}
	return i < n ? i + 1 : n;
}

/* Skips a comment at s[i] ('/' followed by '/' or '*'); returns the index after it. */
static size_t skip_comment(const char *s, size_t n, size_t i, unsigned *line)
{
	if (s[i + 1] == '/') {
		while (i < n && s[i] != '\n')
			i++;
		return i;
	}
	for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
		if (s[i] == '\n')
			(*line)++;
	return i + 1 < n ? i + 2 : n;
}

static size_t skip_blank(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* First pass: every `define NAME, with whether its body is one string literal. */
static int collect_macros(struct ctx *c, const char *s)
{
	size_t n = strlen(s), i = 0;
	unsigned line = 1;

	while (i < n) {
		if (s[i] == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')) {
			i = skip_comment(s, n, i, &line);
		} else if (s[i] == '"') {
			i = skip_string(s, n, i, &line);
		} else if (s[i] == '`' && n - i > 7 && !strncmp(s + i + 1, "define", 6) &&
			   !ident_char(s[i + 7])) {
			struct macro *m;
			size_t j = skip_blank(s, n, i + 7), k = j;

			while (k < n && ident_char(s[k]))
				k++;
			i = k;
			if (k == j)
				continue;
			if (c->nm == c->cap) {
				size_t nc = c->cap ? 2 * c->cap : 16;
				struct macro *nm = realloc(c->m, nc * sizeof(*nm));
				if (!nm)
					return -1;
				c->m = nm;
				c->cap = nc;
			}
			m = &c->m[c->nm++];
			memset(m, 0, sizeof(*m));
			m->name = s + j;
			m->nlen = k - j;
			if (k < n && s[k] == '(')
				continue;   /* has arguments: never "one string literal" */
			j = skip_blank(s, n, k);
			if (j < n && s[j] == '"') {
				size_t e = j + 1;
				while (e < n && s[e] != '"' && s[e] != '\n' && s[e] != '\\')
					e++;
				if (e < n && s[e] == '"') {
					size_t after = skip_blank(s, n, e + 1);
					if (after >= n || s[after] == '\n' || s[after] == '\r' ||
					    (s[after] == '/' && after + 1 < n && s[after + 1] == '/')) {
						m->literal = 1;
						m->lit = s + j + 1;
						m->litlen = e - j - 1;
					}
				}
			}
		} else {
			if (s[i] == '\n')
				line++;
			i++;
		}
	}
	return 0;
}

static int macro_defined(const struct ctx *c, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < c->nm; i++)
		if (c->m[i].nlen == n && !memcmp(c->m[i].name, p, n))
			return 1;
	return 0;
}

/* The file argument of a file task at s[i] (just after the task's name). 0 ok, 1 refused. */
static int check_file_arg(struct ctx *c, const char *what, const char *s, size_t n, size_t i,
			  unsigned line, const char *task, size_t tlen)
{
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i >= n || s[i] != '(')
		return refuse(c, what, line, "$%.*s must be called with a file name as a string literal",
			      (int)tlen, task);
	i++;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i < n && s[i] == '"') {
		size_t e = i + 1;
		while (e < n && s[e] != '"' && s[e] != '\n' && s[e] != '\\')
			e++;
		if (e >= n || s[e] != '"' || !safe_path(s + i + 1, e - i - 1))
			return refuse(c, what, line, "$%.*s of a path outside the job directory: a file "
				      "name must be relative, of A-Z a-z 0-9 _ - . / +, without '..'",
				      (int)tlen, task);
		return 0;
	}
	if (i < n && s[i] == '`') {
		size_t j = i + 1, k, found = 0;
		while (j < n && ident_char(s[j]))
			j++;
		for (k = 0; k < c->nm; k++) {
			const struct macro *m = &c->m[k];
			if (m->nlen != j - i - 1 || memcmp(m->name, s + i + 1, m->nlen))
				continue;
			found++;
			if (!m->literal || !safe_path(m->lit, m->litlen))
				return refuse(c, what, line, "$%.*s of `%.*s: the macro must be one string "
					      "literal holding a relative path inside the job directory",
					      (int)tlen, task, (int)m->nlen, m->name);
		}
		if (found)
			return 0;
	}
	return refuse(c, what, line, "$%.*s must name its file with a string literal (or a macro "
		      "defined as one), not an expression", (int)tlen, task);
}

static int check_text(struct ctx *c, const char *what, const char *s, int may_write);

static int check_directive(struct ctx *c, const char *what, const char *s, size_t n, size_t *pi,
			   unsigned line)
{
	size_t i = *pi + 1, j;

	if (i < n && s[i] == '`')
		return refuse(c, what, line, "token pasting (``) is not allowed in a %s", what);
	if (i < n && s[i] == '"') {           /* `" inside a macro body */
		*pi = i + 1;
		return 0;
	}
	if (i + 2 < n && s[i] == '\\' && s[i + 1] == '`' && s[i + 2] == '"') {
		*pi = i + 3;
		return 0;
	}
	if (i >= n || !ident_start(s[i]))
		return refuse(c, what, line, "a lone backtick");
	j = i;
	while (j < n && ident_char(s[j]))
		j++;
	*pi = j;
	if (j - i == 7 && !memcmp(s + i, "include", 7)) {
		size_t k = skip_blank(s, n, j), e, f;
		if (k >= n || s[k] != '"')
			return refuse(c, what, line, "`include must name one of the problem's files "
				      "in a string literal");
		for (e = k + 1; e < n && s[e] != '"' && s[e] != '\n'; e++)
			;
		for (f = 0; f < c->nfiles; f++)
			if (strlen(c->files[f]) == e - k - 1 && !memcmp(c->files[f], s + k + 1, e - k - 1))
				break;
		if (e >= n || s[e] != '"' || f == c->nfiles)
			return refuse(c, what, line, "`include \"%.*s\": only the problem's own files "
				      "(files{}) may be included", (int)(e - k - 1 > 80 ? 80 : e - k - 1),
				      s + k + 1);
		*pi = e + 1;
		/* the included file is part of the text: the same rules, inside it too */
		if (c->file_data && c->file_data[f]) {
			char w[128];
			int x;
			if (c->depth >= 8)
				return refuse(c, what, line, "`include nested more than 8 deep");
			snprintf(w, sizeof(w), "%s (`include \"%.64s\")", what, c->files[f]);
			c->depth++;
			x = check_text(c, w, c->file_data[f], c->may_write);
			c->depth--;
			return x;
		}
		return 0;
	}
	if (in_list(s + i, j - i, name_directives)) {
		/* the next word is a macro name, not a use */
		size_t k = skip_blank(s, n, j);
		while (k < n && ident_char(s[k]))
			k++;
		*pi = k;
		return 0;
	}
	if (in_list(s + i, j - i, ok_directives) || macro_defined(c, s + i, j - i))
		return 0;
	return refuse(c, what, line, "directive `%.*s is not allowed (and not a macro the problem "
		      "defines)", (int)(j - i > 64 ? 64 : j - i), s + i);
}

static int check_text(struct ctx *c, const char *what, const char *s, int may_write)
{
	size_t n = strlen(s), i = 0;
	unsigned line = 1;
	int x;

	c->may_write = may_write;

	while (i < n) {
		char ch = s[i];

		if (ch == '\n') {
			line++;
			i++;
		} else if (ch == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')) {
			i = skip_comment(s, n, i, &line);
		} else if (ch == '"') {
			i = skip_string(s, n, i, &line);
		} else if (ch == '\\') {
			/* an escaped identifier runs to the next white space */
			while (i < n && !isspace((unsigned char)s[i]))
				i++;
		} else if (ch == '`') {
			if ((x = check_directive(c, what, s, n, &i, line)))
				return x;
		} else if (ch == '$' && i + 1 < n && ident_start(s[i + 1])) {
			size_t j = i + 1;
			while (j < n && ident_char(s[j]))
				j++;
			if (in_list(s + i + 1, j - i - 1, file_read_systf) ||
			    (may_write && in_list(s + i + 1, j - i - 1, file_write_systf))) {
				if ((x = check_file_arg(c, what, s, n, j, line, s + i + 1, j - i - 1)))
					return x;
			} else if (!in_list(s + i + 1, j - i - 1, ok_systf)) {
				return refuse(c, what, line, "system task $%.*s is not allowed in a %s",
					      (int)(j - i - 1 > 64 ? 64 : j - i - 1), s + i + 1, what);
			}
			i = j;
		} else if (ident_start(ch) && (i == 0 || !ident_char(s[i - 1]))) {
			size_t j = i;
			while (j < n && ident_char(s[j]))
				j++;
			if ((j - i == 6 && (!memcmp(s + i, "import", 6) || !memcmp(s + i, "export", 6)))) {
				size_t k = j;
				while (k < n && isspace((unsigned char)s[k]))
					k++;
				if (k < n && s[k] == '"')
					return refuse(c, what, line, "DPI %.6s is not allowed", s + i);
			}
			i = j;
		} else {
			i++;
		}
	}
	return 0;
}

int policy_check_trusted(const char *reference, const char *testbench, const char *const *files,
			 const char *const *file_data, size_t nfiles, char *reason, size_t reasonlen)
{
	struct ctx c;
	size_t i;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	c.files = files;
	c.file_data = file_data;
	c.nfiles = nfiles;
	c.reason = reason;
	c.reasonlen = reasonlen;
	if ((reference && collect_macros(&c, reference) < 0) ||
	    (testbench && collect_macros(&c, testbench) < 0)) {
		snprintf(reason, reasonlen, "out of memory");
		goto out;
	}
	for (i = 0; file_data && i < nfiles; i++) {
		if (file_data[i] && collect_macros(&c, file_data[i]) < 0) {
			snprintf(reason, reasonlen, "out of memory");
			goto out;
		}
	}
	ret = reference ? check_text(&c, "reference", reference, 0) : 0;
	if (!ret && testbench)
		ret = check_text(&c, "testbench", testbench, 1);
out:
	free(c.m);
	return ret;
}

/* A location in a file outside the job directory: "/abs/path:DIGIT" anywhere in the line. */
static int names_host_file(const char *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t j;
		if (l[i] != '/' || (i > 0 && !isspace((unsigned char)l[i - 1]) && l[i - 1] != '\'' &&
				    l[i - 1] != '"' && l[i - 1] != '(' && l[i - 1] != ':'))
			continue;
		for (j = i; j < n && !isspace((unsigned char)l[j]) && l[j] != ':'; j++)
			;
		if (j + 1 < n && l[j] == ':' && isdigit((unsigned char)l[j + 1]))
			return 1;
	}
	return 0;
}

/* Verilator's excerpt lines: "   12 | text" and "      | ^~~~". */
static int excerpt_line(const char *l, size_t n)
{
	size_t i = 0;

	while (i < n && l[i] == ' ')
		i++;
	while (i < n && isdigit((unsigned char)l[i]))
		i++;
	while (i < n && l[i] == ' ')
		i++;
	return i < n && l[i] == '|' && i > 0;
}

void policy_confine_diag(char *msg)
{
	static const char gone[] = "[a line about a file outside the job directory was removed]";
	char *out, *o;
	const char *p = msg;
	int dropping = 0, noted = 0;

	out = malloc(strlen(msg) + sizeof(gone) + 2);
	if (!out) {
		msg[0] = '\0';
		return;
	}
	o = out;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (names_host_file(p, len)) {
			dropping = 1;
		} else if (!(dropping && excerpt_line(p, len))) {
			dropping = 0;
			noted = 0;
		}
		if (!dropping) {
			memcpy(o, p, len);
			o += len;
			if (nl)
				*o++ = '\n';
		} else if (!noted) {
			memcpy(o, gone, sizeof(gone) - 1);
			o += sizeof(gone) - 1;
			if (nl)
				*o++ = '\n';
			noted = 1;
		}
		p += len + (nl ? 1 : 0);
	}
	*o = '\0';
	/* msg's buffer holds strlen(msg) + 1 bytes: a note longer than what it replaced is cut */
	{
		size_t keep = strlen(out), room = strlen(msg);
		if (keep > room)
			keep = room;
		memcpy(msg, out, keep);
		msg[keep] = '\0';
	}
	free(out);
}
