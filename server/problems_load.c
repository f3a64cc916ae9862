/* Problem loading at start-up: the built-in set embedded in the binary, and directories in
 * the project's own format, the VerilogEval v2 spec-to-rtl layout or the RTLLM v2 layout. */
#include "problems_load.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "builtin.h"
#include "caps.h"
#include "pbjson.h"
#include "problem.h"

static int read_text(const char *path, struct buf *b, size_t max)
{
	buf_init(b, max);
	return buf_read_file(b, path);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int register_pb(Rtlreward__Problem *pb, const char *source, char *err, size_t errlen)
{
	struct problem *p = problem_from_pb(pb, source, err, errlen);

	if (!p)
		return -1;
	p->builtin = 1;   /* loaded at start-up: the API cannot replace it */
	return registry_put(p, err, errlen);
}

/* Own format, from texts: problem.json decoded with the wire schema, then the files. */
static int load_own(const char *json, size_t jlen, const char *reference, const char *testbench,
		    const char *prompt, const char *source, char *err, size_t errlen)
{
	char e2[512];
	Rtlreward__Problem *pb;
	int ret = -1;

	pb = (Rtlreward__Problem *)pbjson_decode(&rtlreward__problem__descriptor, json, jlen, e2,
						 sizeof(e2));
	if (!pb) {
		snprintf(err, errlen, "%s: problem.json: %s", source, e2);
		return -1;
	}
	if (reference) {
		if (pb->reference && pb->reference != protobuf_c_empty_string)
			free(pb->reference);
		pb->reference = strdup(reference);
	}
	if (testbench) {
		if (pb->testbench && pb->testbench != protobuf_c_empty_string)
			free(pb->testbench);
		pb->testbench = strdup(testbench);
	}
	if (prompt && (!pb->prompt || !pb->prompt[0])) {
		if (pb->prompt && pb->prompt != protobuf_c_empty_string)
			free(pb->prompt);
		pb->prompt = strdup(prompt);
	}
	if (!pb->reference || !pb->testbench || !pb->prompt) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (register_pb(pb, source, e2, sizeof(e2)) < 0) {
		snprintf(err, errlen, "%s: %s", source, e2);
		goto out;
	}
	ret = 0;
out:
	protobuf_c_message_free_unpacked(&pb->base, NULL);
	return ret;
}

static const struct builtin_file *builtin_find(const char *path)
{
	size_t i;

	for (i = 0; i < builtin_nfiles; i++)
		if (!strcmp(builtin_files[i].path, path))
			return &builtin_files[i];
	return NULL;
}

int problems_load_builtin(size_t *count, char *err, size_t errlen)
{
	size_t i;

	*count = 0;
	for (i = 0; i < builtin_nfiles; i++) {
		const char *path = builtin_files[i].path, *slash = strchr(path, '/');
		const struct builtin_file *ref, *tb, *pr;
		char id[256], f[512], src[300];

		if (!slash || strcmp(slash, "/problem.json"))
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(slash - path), path);
		snprintf(f, sizeof(f), "%s/reference.v", id);
		ref = builtin_find(f);
		snprintf(f, sizeof(f), "%s/testbench.v", id);
		tb = builtin_find(f);
		snprintf(f, sizeof(f), "%s/prompt.txt", id);
		pr = builtin_find(f);
		snprintf(src, sizeof(src), "builtin:%s", id);
		if (!ref) {
			snprintf(err, errlen, "%s: reference.v missing", src);
			return -1;
		}
		if (load_own(builtin_files[i].data, builtin_files[i].len, ref->data, tb ? tb->data : NULL,
			     pr ? pr->data : NULL, "builtin", err, errlen) < 0)
			return -1;
		(*count)++;
	}
	return 0;
}

static int load_own_dir(const char *dir, char *err, size_t errlen)
{
	char path[2048];
	struct buf js, ref, tb, pr;
	int ret = -1, have_tb, have_pr;

	snprintf(path, sizeof(path), "%s/problem.json", dir);
	if (read_text(path, &js, 1 << 20) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		buf_release(&js);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/reference.v", dir);
	if (read_text(path, &ref, RTLR_MAX_REFERENCE) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		buf_release(&js);
		buf_release(&ref);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/testbench.v", dir);
	have_tb = read_text(path, &tb, RTLR_MAX_REFERENCE) == 0;
	snprintf(path, sizeof(path), "%s/prompt.txt", dir);
	have_pr = read_text(path, &pr, RTLR_MAX_REFERENCE) == 0;
	snprintf(path, sizeof(path), "dir:%s", dir);
	ret = load_own(js.data, js.len, ref.data, have_tb ? tb.data : NULL, have_pr ? pr.data : NULL,
		       path, err, errlen);
	buf_release(&js);
	buf_release(&ref);
	buf_release(&tb);
	buf_release(&pr);
	return ret;
}

/* VerilogEval v2: ProbNNN_name_ref.sv (RefModule), _test.sv (tb), _prompt.txt; the candidate
 * is TopModule. The benchmark's own check is its testbench, so that is the default mode. */
static int load_verilog_eval(const char *dir, const char *refname, char *err, size_t errlen)
{
	char id[256], path[2048], src[2100];
	struct buf ref, tb, pr;
	Rtlreward__Problem pb;
	size_t n = strlen(refname) - strlen("_ref.sv");
	int ret = -1;

	snprintf(id, sizeof(id), "%.*s", (int)n, refname);
	snprintf(path, sizeof(path), "%s/%s", dir, refname);
	if (read_text(path, &ref, RTLR_MAX_REFERENCE) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		buf_release(&ref);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s_test.sv", dir, id);
	if (read_text(path, &tb, RTLR_MAX_REFERENCE) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s_prompt.txt", dir, id);
	read_text(path, &pr, RTLR_MAX_REFERENCE);
	rtlreward__problem__init(&pb);
	pb.id = id;
	pb.reference = ref.data;
	pb.top = (char *)"TopModule";
	pb.ref_top = (char *)"RefModule";
	pb.mode = (char *)"testbench";
	pb.testbench = tb.data;
	pb.tb_style = (char *)"verilog-eval";
	pb.prompt = pr.data ? pr.data : (char *)"";
	snprintf(src, sizeof(src), "verilog-eval:%s", dir);
	ret = register_pb(&pb, src, err, errlen);
	buf_release(&pr);
out:
	buf_release(&tb);
	buf_release(&ref);
	return ret;
}

static const char *const vkeywords[] = {
	"module", "macromodule", "task", "function", "always", "always_ff", "always_comb",
	"always_latch", "initial", "final", "if", "else", "for", "while", "repeat", "case", "casez",
	"casex", "begin", "end", "assign", "reg", "wire", "integer", "real", "input", "output",
	"inout", "logic", "bit", "int", "parameter", "localparam", "genvar", "generate", "forever",
	"fork", "join", "wait", "disable", "posedge", "negedge", "or", "and", "not", "nand", "nor",
	"xor", "xnor", "buf", "void", "automatic", "return", "string", "typedef", "struct", "enum",
	"default", "import", "foreach", "do", "time", "event", NULL};

static int is_keyword(const char *s, size_t n)
{
	size_t i;

	for (i = 0; vkeywords[i]; i++)
		if (strlen(vkeywords[i]) == n && !memcmp(vkeywords[i], s, n))
			return 1;
	return 0;
}

/* The module a testbench instantiates: IDENT [#( ... )] IDENT ( , IDENT not a keyword.
 * Comments and strings are skipped. Writes the first one found into out. */
static int tb_instantiated(const char *tb, char *out, size_t outlen)
{
	const char *p = tb;
	const char *tok[3];
	size_t len[3];
	int ntok = 0;

	while (*p) {
		if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
			continue;
		}
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			if (*p)
				p++;
			ntok = 0;
			continue;
		}
		if (isalpha((unsigned char)*p) || *p == '_') {
			const char *s = p;
			while (isalnum((unsigned char)*p) || *p == '_' || *p == '$')
				p++;
			if (ntok == 2) {
				tok[0] = tok[1];
				len[0] = len[1];
				ntok = 1;
			}
			tok[ntok] = s;
			len[ntok] = (size_t)(p - s);
			ntok++;
			continue;
		}
		if (*p == '#' && ntok == 1) {
			/* parameter override: skip a balanced (...) */
			const char *q = p + 1;
			int depth = 0;
			while (isspace((unsigned char)*q))
				q++;
			if (*q == '(') {
				for (; *q; q++) {
					if (*q == '(')
						depth++;
					else if (*q == ')' && --depth == 0) {
						q++;
						break;
					}
				}
				p = q;
				continue;
			}
		}
		if (*p == '(' && ntok == 2 && !is_keyword(tok[0], len[0]) && !is_keyword(tok[1], len[1]) &&
		    tok[0][0] != '$') {
			snprintf(out, outlen, "%.*s", (int)len[0], tok[0]);
			return 0;
		}
		if (!isspace((unsigned char)*p))
			ntok = 0;
		p++;
	}
	return -1;
}

/* The first module name declared in a text. */
static int first_module(const char *src, char *out, size_t outlen)
{
	const char *q = src;

	while ((q = strstr(q, "module"))) {
		const char *s;
		if (q > src && (isalnum((unsigned char)q[-1]) || q[-1] == '_')) {
			q += 6;
			continue;
		}
		q += 6;
		if (!isspace((unsigned char)*q))
			continue;
		while (isspace((unsigned char)*q))
			q++;
		s = q;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		if (q > s) {
			snprintf(out, outlen, "%.*s", (int)(q - s), s);
			return 0;
		}
	}
	return -1;
}

/* RTLLM v2: <name>/testbench.v, verified_*.v, design_description.txt, data files. */
static int load_rtllm(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[2048], src[2100], top[256], reftop[256], golden[1024] = "";
	struct buf ref, tb, pr;
	Rtlreward__Problem pb;
	Rtlreward__Problem__FilesEntry *ents[64], **entp = ents;
	struct buf data[64];
	size_t nfiles = 0, i;
	DIR *d;
	struct dirent *de;
	int ret = -1;

	d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		const char *fn = de->d_name;
		if (fn[0] == '.')
			continue;
		if (!strncmp(fn, "verified_", 9) && strlen(fn) > 2 && !strcmp(fn + strlen(fn) - 2, ".v")) {
			snprintf(golden, sizeof(golden), "%s", fn);
		} else if (strcmp(fn, "testbench.v") && strcmp(fn, "design_description.txt") &&
			   strcasecmp(fn, "makefile") && nfiles < 64) {
			snprintf(path, sizeof(path), "%s/%s", dir, fn);
			if (!is_file(path))
				continue;
			if (read_text(path, &data[nfiles], RTLR_MAX_REFERENCE) < 0) {
				buf_release(&data[nfiles]);
				continue;
			}
			ents[nfiles] = malloc(sizeof(**ents));
			if (!ents[nfiles]) {
				buf_release(&data[nfiles]);
				continue;
			}
			rtlreward__problem__files_entry__init(ents[nfiles]);
			ents[nfiles]->key = strdup(fn);
			ents[nfiles]->value = data[nfiles].data;
			nfiles++;
		}
	}
	closedir(d);
	buf_init(&ref, 1);
	buf_init(&tb, 1);
	buf_init(&pr, 1);
	if (!golden[0]) {
		snprintf(err, errlen, "%s: no verified_*.v reference", dir);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, golden);
	if (read_text(path, &ref, RTLR_MAX_REFERENCE) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/testbench.v", dir);
	if (read_text(path, &tb, RTLR_MAX_REFERENCE) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/design_description.txt", dir);
	read_text(path, &pr, RTLR_MAX_REFERENCE);
	if (first_module(ref.data, reftop, sizeof(reftop)) < 0) {
		snprintf(err, errlen, "%s: no module in the reference", golden);
		goto out;
	}
	if (tb_instantiated(tb.data, top, sizeof(top)) < 0)
		snprintf(top, sizeof(top), "%s", name);
	rtlreward__problem__init(&pb);
	pb.id = (char *)name;
	pb.reference = ref.data;
	pb.top = top;
	pb.ref_top = reftop;
	pb.mode = (char *)"testbench";
	pb.testbench = tb.data;
	pb.tb_style = (char *)"rtllm";
	pb.prompt = pr.data ? pr.data : (char *)"";
	pb.n_files = nfiles;
	pb.files = entp;
	snprintf(src, sizeof(src), "rtllm:%s", dir);
	ret = register_pb(&pb, src, err, errlen);
out:
	for (i = 0; i < nfiles; i++) {
		free(ents[i]->key);
		free(ents[i]);
		buf_release(&data[i]);
	}
	buf_release(&ref);
	buf_release(&tb);
	buf_release(&pr);
	return ret;
}

static int load_tree(const char *dir, int depth, size_t *count, char *err, size_t errlen)
{
	char path[2048];
	struct dirent **names = NULL;
	int n, i, ret = 0;

	snprintf(path, sizeof(path), "%s/problem.json", dir);
	if (is_file(path)) {
		if (load_own_dir(dir, err, errlen) < 0)
			return -1;
		(*count)++;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/testbench.v", dir);
	if (is_file(path)) {
		const char *base = strrchr(dir, '/');
		base = base ? base + 1 : dir;
		if (load_rtllm(dir, base, err, errlen) < 0)
			return -1;
		(*count)++;
		return 0;
	}
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *fn = names[i]->d_name;
		size_t l = strlen(fn);

		if (ret < 0 || fn[0] == '.' || fn[0] == '_')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, fn);
		if (l > 7 && !strcmp(fn + l - 7, "_ref.sv") && is_file(path)) {
			if (load_verilog_eval(dir, fn, err, errlen) < 0)
				ret = -1;
			else
				(*count)++;
		} else if (depth < 5 && is_dir(path)) {
			if (load_tree(path, depth + 1, count, err, errlen) < 0)
				ret = -1;
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

int problems_load_dir(const char *dir, size_t *count, char *err, size_t errlen)
{
	*count = 0;
	if (!is_dir(dir)) {
		snprintf(err, errlen, "--problems %s: not a directory", dir);
		return -1;
	}
	return load_tree(dir, 0, count, err, errlen);
}
