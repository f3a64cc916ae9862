#include "api.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "caps.h"
#include "config.h"
#include "formal.h"
#include "metrics.h"
#include "pbjson.h"
#include "pipeline.h"
#include "policy_trusted.h"
#include "ppa.h"
#include "problem.h"
#include "sandbox.h"
#include "scheduler.h"
#include "tools.h"

void api_resp_init(struct api_resp *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, RTLR_MAX_RESPONSE);
	r->status = 200;
	r->content_type = "application/json";
}

void api_resp_release(struct api_resp *r)
{
	buf_release(&r->body);
}

static int ctype_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	if (!ct)
		return 0;
	while (*ct == ' ')
		ct++;
	return !strncasecmp(ct, want, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void send_msg(struct api_resp *resp, enum api_fmt fmt, const ProtobufCMessage *m)
{
	buf_reset(&resp->body);
	if (fmt == FMT_PROTO) {
		size_t n = protobuf_c_message_get_packed_size(m);
		unsigned char *p = malloc(n ? n : 1);
		if (!p || n > resp->body.max) {
			free(p);
			resp->status = 500;
			resp->content_type = "text/plain";
			buf_adds(&resp->body, "response too large\n");
			return;
		}
		protobuf_c_message_pack(m, p);
		buf_add(&resp->body, p, n);
		free(p);
		resp->content_type = "application/x-protobuf";
	} else {
		if (pbjson_encode(m, &resp->body) < 0) {
			buf_reset(&resp->body);
			resp->status = 500;
			resp->content_type = "text/plain";
			buf_adds(&resp->body, "response too large\n");
			return;
		}
		buf_addc(&resp->body, '\n');
		resp->content_type = "application/json";
	}
}

void api_error(struct api_resp *resp, enum api_fmt fmt, unsigned status, const char *field,
	       const char *fmt_msg, ...)
{
	Rtlreward__Error e;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt_msg);
	vsnprintf(msg, sizeof(msg), fmt_msg, ap);
	va_end(ap);
	rtlreward__error__init(&e);
	e.error = msg;
	e.field = (char *)(field ? field : "");
	e.code = status;
	resp->status = status;
	send_msg(resp, fmt, &e.base);
}

/* The field named at the start of an error such as "items[3].completion: ...". */
/* The wire field an error message names: the decoder writes "path: message", and for an
 * unknown field "path: unknown field 'name'" (no path at the top level), where the field to
 * blame is path.name. */
static void field_of(const char *msg, char *out, size_t outlen)
{
	static const char uf[] = "unknown field '";
	size_t n = strcspn(msg, ": ");
	const char *u = strstr(msg, uf), *name, *end;
	int plen = 0;

	out[0] = '\0';
	if (msg[n] == ':' && n > 0 && n < outlen)
		plen = (int)n;
	if (u && (u == msg || (plen && u == msg + plen + 2))) {
		name = u + sizeof(uf) - 1;
		end = strchr(name, '\'');
		if (end && end > name)
			snprintf(out, outlen, "%.*s%s%.*s", plen, msg, plen ? "." : "",
				 (int)(end - name), name);
		return;
	}
	if (plen)
		snprintf(out, outlen, "%.*s", plen, msg);
}

static enum api_fmt resp_fmt(const struct api_req *req)
{
	if (req->accept && strstr(req->accept, "application/x-protobuf"))
		return FMT_PROTO;
	if (req->accept && strstr(req->accept, "application/json"))
		return FMT_JSON;
	return ctype_is(req->content_type, "application/x-protobuf") ? FMT_PROTO : FMT_JSON;
}

/* Decodes a body as the given message: protobuf or JSON by content type. */
static ProtobufCMessage *decode_body(const struct api_req *req, const ProtobufCMessageDescriptor *d,
				     struct api_resp *resp, enum api_fmt fmt)
{
	ProtobufCMessage *m;
	char err[512], field[128];

	if (ctype_is(req->content_type, "application/x-protobuf")) {
		m = protobuf_c_message_unpack(d, NULL, req->body_len, (const uint8_t *)req->body);
		if (!m)
			api_error(resp, fmt, 400, "", "malformed protobuf body for %s", d->name);
		return m;
	}
	if (!req->content_type || !ctype_is(req->content_type, "application/json")) {
		api_error(resp, fmt, 415, "Content-Type",
			  "Content-Type must be application/json or application/x-protobuf (got '%s')",
			  req->content_type ? req->content_type : "none");
		return NULL;
	}
	if (req->body_len == 0) {
		api_error(resp, fmt, 400, "", "empty body: a JSON %s is expected", d->short_name);
		return NULL;
	}
	m = pbjson_decode(d, req->body, req->body_len, err, sizeof(err));
	if (!m) {
		field_of(err, field, sizeof(field));
		api_error(resp, fmt, 400, field, "%s", err);
	}
	return m;
}

/* --- scoring ------------------------------------------------------------------------------- */

struct scored {
	struct task *tasks;
	struct problem **probs;
	size_t n;
	struct batch b;
	int submitted;
	int queued;     /* the scheduler took the tasks: wait for them before freeing */
};

static void scored_release(struct scored *s)
{
	size_t i;

	if (s->submitted)
		batch_release(&s->b);
	for (i = 0; i < s->n; i++) {
		if (s->tasks && s->tasks[i].result)
			protobuf_c_message_free_unpacked(&s->tasks[i].result->base, NULL);
		if (s->probs && s->probs[i])
			problem_unref(s->probs[i]);
	}
	free(s->tasks);
	free(s->probs);
}

/* Resolves problems, submits and waits. On error fills resp and returns -1. */
/* Wire names of a batch, for error messages: items[i].problem / items[i].completion in a
 * score request, labels[i] / query[i] in OpenRLHF's. */
struct batch_names {
	const char *list, *pfield, *tlist, *tfield;
};

static const struct batch_names score_names = {"items", ".problem", "items", ".completion"};
static const struct batch_names openrlhf_names = {"labels", "", "query", ""};

static int score_items(struct scored *s, const char *const *problems, const char *const *texts,
		       size_t n, const struct reward_cfg *cfg, const struct batch_names *nm,
		       struct api_resp *resp, enum api_fmt fmt, int nowait)
{
	const char *field = nm->list;
	char fld[96];
	size_t i;

	memset(s, 0, sizeof(*s));
	if (n == 0) {
		api_error(resp, fmt, 400, field, "%s: the batch is empty", field);
		return -1;
	}
	if (n > (size_t)g_config.max_batch) {
		api_error(resp, fmt, 413, field, "%s: %zu items; at most %lld per request (--max-batch)",
			  field, n, g_config.max_batch);
		return -1;
	}
	s->tasks = calloc(n, sizeof(*s->tasks));
	s->probs = calloc(n, sizeof(*s->probs));
	if (!s->tasks || !s->probs) {
		api_error(resp, fmt, 503, "", "out of memory");
		return -1;
	}
	s->n = n;
	for (i = 0; i < n; i++) {
		const char *pid = problems[i] ? problems[i] : "";
		size_t len = texts[i] ? strlen(texts[i]) : 0;

		snprintf(fld, sizeof(fld), "%s[%zu]%s", nm->list, i, nm->pfield);
		if (!pid[0]) {
			api_error(resp, fmt, 400, fld, "%s: missing problem id", fld);
			return -1;
		}
		s->probs[i] = registry_get(pid);
		if (!s->probs[i]) {
			api_error(resp, fmt, 404, fld, "%s: unknown problem '%.200s'", fld, pid);
			return -1;
		}
		if (cfg->mode == MODE_TESTBENCH && !s->probs[i]->testbench) {
			api_error(resp, fmt, 400, "mode", "mode: problem '%s' (%s) has no testbench", pid,
				  fld);
			return -1;
		}
		if (len > RTLR_MAX_COMPLETION) {
			snprintf(fld, sizeof(fld), "%s[%zu]%s", nm->tlist, i, nm->tfield);
			api_error(resp, fmt, 413, fld, "%s: %zu bytes; at most %u", fld, len,
				  RTLR_MAX_COMPLETION);
			return -1;
		}
		s->tasks[i].p = s->probs[i];
		s->tasks[i].completion = texts[i] ? texts[i] : "";
		s->tasks[i].len = len;
		s->tasks[i].cfg = cfg;
		s->tasks[i].index = (uint32_t)i;
		s->tasks[i].b = &s->b;
	}
	batch_init(&s->b, n);
	s->submitted = 1;
	if (sched_submit(s->tasks, n) < 0) {
		metrics_rejected();
		resp->retry_after = 1;
		api_error(resp, fmt, 429, "", "the queue is full (%lld candidates); retry later",
			  g_config.queue);
		return -1;
	}
	s->queued = 1;
	if (nowait)
		return 0;
	batch_wait(&s->b);
	for (i = 0; i < n; i++) {
		if (!s->tasks[i].result) {
			api_error(resp, fmt, 503, "", "out of memory while scoring");
			return -1;
		}
	}
	return 0;
}

/* NDJSON streaming: the request's state lives here until the last result is written. */
struct api_stream {
	Rtlreward__ScoreRequest *sr;
	struct reward_cfg cfg;
	struct scored s;
	const char **pids, **texts, **wk;
	double *wv;
	char *sent;
	size_t nsent, scan;
	struct buf pending;
	size_t pend_off;
};

long api_stream_read(struct api_stream *st, char *out, size_t max)
{
	for (;;) {
		Rtlreward__Result *r;
		size_t i;

		if (st->pend_off < st->pending.len) {
			size_t n = st->pending.len - st->pend_off;
			if (n > max)
				n = max;
			memcpy(out, st->pending.data + st->pend_off, n);
			st->pend_off += n;
			return (long)n;
		}
		buf_reset(&st->pending);
		st->pend_off = 0;
		if (st->nsent == st->s.n)
			return -1;
		pthread_mutex_lock(&st->s.b.mu);
		for (;;) {
			for (i = 0; i < st->s.n; i++) {
				size_t j = (st->scan + i) % st->s.n;
				if (st->s.tasks[j].done && !st->sent[j])
					break;
			}
			if (i < st->s.n)
				break;
			pthread_cond_wait(&st->s.b.cv, &st->s.b.mu);
		}
		i = (st->scan + i) % st->s.n;
		pthread_mutex_unlock(&st->s.b.mu);
		st->sent[i] = 1;
		st->nsent++;
		st->scan = i;
		r = st->s.tasks[i].result;
		if (!r || pbjson_encode(&r->base, &st->pending) < 0) {
			buf_reset(&st->pending);
			buf_printf(&st->pending, "{\"index\":%zu,\"status\":\"INFRA_ERROR\","
				   "\"error\":\"out of memory while scoring\"}", i);
		}
		buf_addc(&st->pending, '\n');
	}
}

void api_stream_free(struct api_stream *st)
{
	if (!st)
		return;
	if (st->s.queued)
		batch_wait(&st->s.b);
	scored_release(&st->s);
	buf_release(&st->pending);
	free(st->sent);
	free(st->wk);
	free(st->wv);
	free(st->pids);
	free(st->texts);
	if (st->sr)
		protobuf_c_message_free_unpacked(&st->sr->base, NULL);
	free(st);
}

static int wants_ndjson(const struct api_req *req)
{
	return req->accept && strstr(req->accept, "application/x-ndjson");
}

static void handle_score(const struct api_req *req, struct api_resp *resp)
{
	enum api_fmt fmt = resp_fmt(req);
	Rtlreward__ScoreRequest *sr;
	Rtlreward__ScoreResponse out;
	struct api_stream *st;
	Rtlreward__Result **res = NULL;
	char err[512];
	size_t i;

	st = calloc(1, sizeof(*st));
	if (!st) {
		api_error(resp, fmt, 503, "", "out of memory");
		return;
	}
	buf_init(&st->pending, RTLR_MAX_RESPONSE);
	sr = st->sr = (Rtlreward__ScoreRequest *)decode_body(req, &rtlreward__score_request__descriptor,
							     resp, fmt);
	if (!sr)
		goto out;
	st->wk = calloc(sr->n_weights + 1, sizeof(*st->wk));
	st->wv = calloc(sr->n_weights + 1, sizeof(*st->wv));
	st->pids = calloc(sr->n_items + 1, sizeof(*st->pids));
	st->texts = calloc(sr->n_items + 1, sizeof(*st->texts));
	st->sent = calloc(sr->n_items + 1, 1);
	if (!st->wk || !st->wv || !st->pids || !st->texts || !st->sent) {
		api_error(resp, fmt, 503, "", "out of memory");
		goto out;
	}
	for (i = 0; i < sr->n_weights; i++) {
		st->wk[i] = sr->weights[i]->key ? sr->weights[i]->key : "";
		st->wv[i] = sr->weights[i]->value;
	}
	if (reward_cfg_init(&st->cfg, sr->preset, st->wk, st->wv, sr->n_weights, sr->engine, sr->seed,
			    sr->mode, err, sizeof(err)) < 0) {
		char field[64];
		field_of(err, field, sizeof(field));
		api_error(resp, fmt, 400, field, "%s", err);
		goto out;
	}
	if (formal_parse_option(sr->formal, &st->cfg.formal, err, sizeof(err)) < 0) {
		api_error(resp, fmt, 400, "formal", "%s", err);
		goto out;
	}
	st->cfg.no_cache = sr->no_cache;
	if (!(sr->deadline_s >= 0 && sr->deadline_s <= 86400)) {
		api_error(resp, fmt, 400, "deadline_s", "deadline_s: %g; must be 0 (none) to 86400 seconds",
			  sr->deadline_s);
		goto out;
	}
	st->cfg.deadline_s = sr->deadline_s;
	for (i = 0; i < sr->n_items; i++) {
		if (!sr->items[i]) {
			api_error(resp, fmt, 400, "items", "items[%zu]: empty item", i);
			goto out;
		}
		st->pids[i] = sr->items[i]->problem;
		st->texts[i] = sr->items[i]->completion;
	}
	if (score_items(&st->s, st->pids, st->texts, sr->n_items, &st->cfg, &score_names, resp, fmt,
			wants_ndjson(req)) < 0)
		goto out;
	if (wants_ndjson(req)) {
		/* results go out as each finishes, one JSON Result (with its index) per line */
		resp->status = 200;
		resp->content_type = "application/x-ndjson";
		resp->stream = st;
		st = NULL;
		goto out;
	}
	res = calloc(st->s.n, sizeof(*res));
	if (!res) {
		api_error(resp, fmt, 503, "", "out of memory");
		goto out;
	}
	for (i = 0; i < st->s.n; i++)
		res[i] = st->s.tasks[i].result;
	rtlreward__score_response__init(&out);
	out.n_results = st->s.n;
	out.results = res;
	resp->status = 200;
	send_msg(resp, fmt, &out.base);
out:
	free(res);
	api_stream_free(st);
}

/* --- OpenRLHF remote reward: {query, prompts, labels} → {rewards, scores, extra_logs} ------ */

static int json_str_array(json_object *root, const char *key, const char ***out, size_t *n,
			  int required, char *err, size_t errlen)
{
	json_object *a;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(root, key, &a) || json_object_is_type(a, json_type_null)) {
		if (required) {
			snprintf(err, errlen, "%s: required (an array of strings)", key);
			return -1;
		}
		return 0;
	}
	if (!json_object_is_type(a, json_type_array)) {
		snprintf(err, errlen, "%s: expected an array of strings", key);
		return -1;
	}
	*n = json_object_array_length(a);
	*out = calloc(*n + 1, sizeof(char *));
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < *n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string)) {
			snprintf(err, errlen, "%s[%zu]: expected a string", key, i);
			return -1;
		}
		(*out)[i] = json_object_get_string(e);
	}
	return 0;
}

static void handle_get_reward(const struct api_req *req, struct api_resp *resp)
{
	json_tokener *tok = NULL;
	json_object *root = NULL;
	const char **query = NULL, **prompts = NULL, **labels = NULL, **texts = NULL;
	size_t nq = 0, np = 0, nl = 0, i;
	struct reward_cfg cfg;
	struct scored s;
	char err[512];
	struct buf *o = &resp->body;

	memset(&s, 0, sizeof(s));
	if (!ctype_is(req->content_type, "application/json")) {
		api_error(resp, FMT_JSON, 415, "Content-Type", "Content-Type must be application/json");
		return;
	}
	tok = json_tokener_new_ex(32);
	if (!tok) {
		api_error(resp, FMT_JSON, 503, "", "out of memory");
		return;
	}
	root = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)req->body_len || !json_object_is_type(root, json_type_object)) {
		api_error(resp, FMT_JSON, 400, "", "malformed JSON: an object {query, prompts, labels} is expected");
		goto out;
	}
	if (json_str_array(root, "query", &query, &nq, 1, err, sizeof(err)) < 0 ||
	    json_str_array(root, "prompts", &prompts, &np, 0, err, sizeof(err)) < 0 ||
	    json_str_array(root, "labels", &labels, &nl, 1, err, sizeof(err)) < 0) {
		char field[64];
		field_of(err, field, sizeof(field));
		api_error(resp, FMT_JSON, 400, field, "%s", err);
		goto out;
	}
	if (nl != nq || (np && np != nq)) {
		api_error(resp, FMT_JSON, 400, "labels",
			  "query, prompts and labels must have the same length (%zu, %zu, %zu)", nq, np, nl);
		goto out;
	}
	texts = calloc(nq + 1, sizeof(*texts));
	if (!texts) {
		api_error(resp, FMT_JSON, 503, "", "out of memory");
		goto out;
	}
	for (i = 0; i < nq; i++) {
		/* query = prompt + response: score the response */
		size_t pl = np ? strlen(prompts[i]) : 0;
		texts[i] = (pl && !strncmp(query[i], prompts[i], pl)) ? query[i] + pl : query[i];
	}
	reward_cfg_init(&cfg, "", NULL, NULL, 0, "", 0, "", err, sizeof(err));
	if (score_items(&s, labels, texts, nq, &cfg, &openrlhf_names, resp, FMT_JSON, 0) < 0)
		goto out;
	/* An infrastructure failure masks its own sample only: reward 0 and masked[i] = 1 in
	 * extra_logs (OpenRLHF wants a float for every sample; a trainer that reads the mask
	 * drops the sample, one that does not sees the floor reward, never a made-up pass). Only
	 * when every sample failed (the tools or the server are down) is the batch refused with
	 * 503, which OpenRLHF retries. */
	{
		size_t bad = 0, first = 0;
		for (i = s.n; i-- > 0;)
			if (s.tasks[i].result->status != RTLREWARD__STATUS__OK) {
				bad++;
				first = i;
			}
		if (s.n && bad == s.n) {
			api_error(resp, FMT_JSON, 503, "labels", "labels[%zu]: INFRA_ERROR: %s", first,
				  s.tasks[first].result->error);
			resp->retry_after = 1;
			goto out;
		}
	}
	buf_reset(o);
	buf_adds(o, "{\"rewards\":[");
	for (i = 0; i < s.n; i++)
		buf_printf(o, "%s%.17g", i ? "," : "", s.tasks[i].result->reward);
	buf_adds(o, "],\"scores\":[");
	for (i = 0; i < s.n; i++)
		buf_printf(o, "%s%.17g", i ? "," : "", s.tasks[i].result->function->pass_rate);
	buf_adds(o, "],\"extra_logs\":{\"pass_rate\":[");
	for (i = 0; i < s.n; i++)
		buf_printf(o, "%s%.17g", i ? "," : "", s.tasks[i].result->function->pass_rate);
	buf_adds(o, "],\"syntax_ok\":[");
	for (i = 0; i < s.n; i++)
		buf_printf(o, "%s%d", i ? "," : "", s.tasks[i].result->syntax->ok ? 1 : 0);
	buf_adds(o, "],\"passed\":[");
	for (i = 0; i < s.n; i++)
		buf_printf(o, "%s%d", i ? "," : "", s.tasks[i].result->function->passed ? 1 : 0);
	buf_adds(o, "],\"cached\":[");
	for (i = 0; i < s.n; i++)
		buf_printf(o, "%s%d", i ? "," : "", s.tasks[i].result->cached ? 1 : 0);
	buf_adds(o, "],\"masked\":[");
	for (i = 0; i < s.n; i++)
		buf_printf(o, "%s%d", i ? "," : "",
			   s.tasks[i].result->status != RTLREWARD__STATUS__OK ? 1 : 0);
	buf_adds(o, "]}}\n");
	resp->status = 200;
	resp->content_type = "application/json";
out:
	scored_release(&s);
	free(query);
	free(prompts);
	free(labels);
	free(texts);
	if (root)
		json_object_put(root);
	json_tokener_free(tok);
}

/* --- problems ------------------------------------------------------------------------------ */

/* Preparation (the golden's elaboration and, in testbench mode, its own testbench run) goes
 * through the scheduler like a candidate: it takes a worker slot and a queue place, so
 * registrations cannot run more tools at once than --workers. */
struct prep_job {
	int rc;
	char err[768];
};

static void prep_run(struct task *t)
{
	struct prep_job *j = t->arg;

	j->rc = pipeline_prepare(t->p, j->err, sizeof(j->err));
}

/* 0 prepared, -1 preparation failed (err), -2 the queue is full. */
static int prepare_queued(struct problem *p, char *err, size_t errlen)
{
	struct prep_job j;
	struct task t;
	struct batch b;
	int done, ok;

	/* already decided (pipeline_prepare keeps a failure that has a reason) */
	pthread_mutex_lock(&p->prep_lock);
	ok = p->prep.done && p->prep.ok;
	done = ok || (p->prep.done && p->prep.err[0]);
	if (done && !ok)
		snprintf(err, errlen, "%s", p->prep.err);
	pthread_mutex_unlock(&p->prep_lock);
	if (done)
		return ok ? 0 : -1;
	memset(&j, 0, sizeof(j));
	memset(&t, 0, sizeof(t));
	t.p = p;
	t.run = prep_run;
	t.arg = &j;
	t.b = &b;
	batch_init(&b, 1);
	if (sched_submit(&t, 1) < 0) {
		batch_release(&b);
		return -2;
	}
	batch_wait(&b);
	batch_release(&b);
	if (j.rc < 0)
		snprintf(err, errlen, "%s", j.err);
	return j.rc < 0 ? -1 : 0;
}

static void queue_full(struct api_resp *resp, enum api_fmt fmt)
{
	metrics_rejected();
	resp->retry_after = 1;
	api_error(resp, fmt, 429, "", "the queue is full (%lld candidates); retry later", g_config.queue);
}

static void handle_problem_post(const struct api_req *req, struct api_resp *resp)
{
	enum api_fmt fmt = resp_fmt(req);
	Rtlreward__Problem *pb, out;
	struct problem *p, *old;
	char err[768], field[64];
	int x;

	pb = (Rtlreward__Problem *)decode_body(req, &rtlreward__problem__descriptor, resp, fmt);
	if (!pb)
		return;
	p = problem_from_pb(pb, "api", err, sizeof(err));
	protobuf_c_message_free_unpacked(&pb->base, NULL);
	if (!p) {
		field_of(err, field, sizeof(field));
		api_error(resp, fmt, 400, field, "%s", err);
		return;
	}
	/* a built-in id is refused before any tool runs (registry_put_api checks again, under
	 * the registry's lock) */
	old = registry_get(p->id);
	if (old && old->builtin) {
		api_error(resp, fmt, 409, "id", "problem '%.200s' is built in (%.200s) and cannot be "
			  "replaced; register it under another id", p->id, old->source ? old->source : "");
		problem_unref(old);
		problem_unref(p);
		return;
	}
	if (old)
		problem_unref(old);
	/* prepare before registering, so a golden that does not elaborate is refused here */
	x = prepare_queued(p, err, sizeof(err));
	if (x == -2) {
		queue_full(resp, fmt);
		problem_unref(p);
		return;
	}
	if (x < 0) {
		policy_confine_diag(err);
		api_error(resp, fmt, 422, "reference", "%s", err);
		problem_unref(p);
		return;
	}
	stim_selfcheck(p); /* warnings in the answer (docs/stimulus.md) */
	problem_ref(p);
	x = registry_put_api(p, err, sizeof(err));
	if (x < 0) {
		api_error(resp, fmt, x == -2 ? 409 : 507, x == -2 ? "id" : "", "%s", err);
		problem_unref(p);
		return;
	}
	problem_to_pb(p, &out);
	resp->status = 201;
	send_msg(resp, fmt, &out.base);
	problem_pb_release(&out);
	problem_unref(p);
}

static void handle_problem_get(const struct api_req *req, struct api_resp *resp, const char *id)
{
	enum api_fmt fmt = resp_fmt(req);
	struct problem *p = registry_get(id);
	Rtlreward__Problem out;
	char err[768], ppa[700];

	if (!p) {
		api_error(resp, fmt, 404, "id", "unknown problem '%.200s'", id);
		return;
	}
	/* the preparation fills the ports; a problem that fails it is shown as it is */
	if (prepare_queued(p, err, sizeof(err)) == -2) {
		queue_full(resp, fmt);
		problem_unref(p);
		return;
	}
	stim_selfcheck(p);
	problem_to_pb(p, &out);
	ppa_problem_status(p, ppa, sizeof(ppa));
	out.ppa_status = ppa;
	resp->status = 200;
	send_msg(resp, fmt, &out.base);
	out.ppa_status = NULL;
	problem_pb_release(&out);
	problem_unref(p);
}

struct list_ctx {
	Rtlreward__Problem **v;
	size_t n, cap;
};

static void list_one(struct problem *p, void *arg)
{
	struct list_ctx *c = arg;
	Rtlreward__Problem *q;

	if (c->n == c->cap)
		return;
	q = malloc(sizeof(*q));
	if (!q)
		return;
	rtlreward__problem__init(q);
	q->id = p->id;
	q->top = p->top;
	q->mode = (char *)check_mode_name(p->mode);
	q->source = p->source;
	q->hash = p->hash;
	c->v[c->n++] = q;
}

static void handle_problem_list(const struct api_req *req, struct api_resp *resp)
{
	enum api_fmt fmt = resp_fmt(req);
	Rtlreward__ProblemList out;
	struct list_ctx c = {0};
	size_t i;

	c.cap = registry_count() + 16;
	c.v = calloc(c.cap, sizeof(*c.v));
	if (!c.v) {
		api_error(resp, fmt, 503, "", "out of memory");
		return;
	}
	registry_each(list_one, &c);
	rtlreward__problem_list__init(&out);
	out.n_problems = c.n;
	out.problems = c.v;
	send_msg(resp, fmt, &out.base);
	for (i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
}

/* --- health and metrics -------------------------------------------------------------------- */

static void handle_healthz(struct api_resp *resp)
{
	const struct sb_features *f = sb_get_features();
	size_t queued, cap;
	unsigned busy, workers;
	struct buf *o = &resp->body;

	sched_stats(&queued, &cap, &busy, &workers);
	buf_reset(o);
	buf_printf(o, "{\"status\":\"ok\",\"problems\":%zu,\"workers\":%u,\"busy\":%u,\"queued\":%zu,"
		      "\"queue_capacity\":%zu,\"tools\":",
		   registry_count(), workers, busy, queued, cap);
	buf_add_json_str(o, g_tools.versions, strlen(g_tools.versions));
	buf_adds(o, ",\"sandbox\":");
	buf_add_json_str(o, f ? f->summary : "", f ? strlen(f->summary) : 0);
	buf_printf(o, ",\"cgroup_version\":%d,\"seccomp\":%s}\n", f ? f->cgroup_version : 0,
		   f && f->seccomp ? "true" : "false");
	resp->status = 200;
	resp->content_type = "application/json";
}

/* The role a route needs when tokens are configured (auth.h). */
static enum auth_role route_role(const char *url, int post)
{
	if (!strcmp(url, "/healthz") || !strcmp(url, "/metrics"))
		return AUTH_NONE;
	if (!strcmp(url, "/v1/problems") && post)
		return AUTH_ADMIN;
	return AUTH_SCORER;
}

static const char *route_name(const char *url)
{
	if (!strcmp(url, "/v1/score"))
		return "score";
	if (!strcmp(url, "/get_reward"))
		return "get_reward";
	if (!strcmp(url, "/v1/problems") || !strncmp(url, "/v1/problems/", 13))
		return "problems";
	if (!strcmp(url, "/healthz"))
		return "healthz";
	if (!strcmp(url, "/metrics"))
		return "metrics";
	return "other";
}

const char *api_handle(const struct api_req *req, struct api_resp *resp)
{
	const char *url = req->url, *m = req->method;
	int get = !strcmp(m, "GET") || !strcmp(m, "HEAD"), post = !strcmp(m, "POST");
	unsigned denied = auth_check(req->authorization, route_role(url, post));

	if (denied == 401) {
		resp->www_authenticate = "Bearer realm=\"rtlreward\"";
		api_error(resp, FMT_JSON, 401, "Authorization",
			  "%s: this route needs a bearer token (Authorization: Bearer TOKEN)",
			  req->authorization ? "unknown or malformed token" : "no token");
		return route_name(url);
	}
	if (denied == 403) {
		resp->www_authenticate = "Bearer realm=\"rtlreward\", error=\"insufficient_scope\"";
		api_error(resp, FMT_JSON, 403, "Authorization",
			  "this route needs an admin token; a scorer token may only score and read problems");
		return route_name(url);
	}

	if (!strcmp(url, "/v1/score")) {
		if (!post) {
			resp->allow = "POST";
			api_error(resp, FMT_JSON, 405, "", "use POST for /v1/score");
		} else {
			handle_score(req, resp);
		}
		return "score";
	}
	if (!strcmp(url, "/get_reward")) {
		if (!post) {
			resp->allow = "POST";
			api_error(resp, FMT_JSON, 405, "", "use POST for /get_reward");
		} else {
			handle_get_reward(req, resp);
		}
		return "get_reward";
	}
	if (!strcmp(url, "/v1/problems")) {
		if (post)
			handle_problem_post(req, resp);
		else if (get)
			handle_problem_list(req, resp);
		else {
			resp->allow = "GET, POST";
			api_error(resp, FMT_JSON, 405, "", "use GET or POST for /v1/problems");
		}
		return "problems";
	}
	if (!strncmp(url, "/v1/problems/", 13)) {
		if (!get) {
			resp->allow = "GET";
			api_error(resp, FMT_JSON, 405, "", "use GET for /v1/problems/{id}");
		} else {
			handle_problem_get(req, resp, url + 13);
		}
		return "problems";
	}
	if (!strcmp(url, "/healthz")) {
		if (!get) {
			resp->allow = "GET";
			api_error(resp, FMT_JSON, 405, "", "use GET for /healthz");
		} else {
			handle_healthz(resp);
		}
		return "healthz";
	}
	if (!strcmp(url, "/metrics")) {
		if (!get) {
			resp->allow = "GET";
			api_error(resp, FMT_JSON, 405, "", "use GET for /metrics");
		} else {
			buf_reset(&resp->body);
			metrics_render(&resp->body);
			resp->status = 200;
			resp->content_type = "text/plain; version=0.0.4";
		}
		return "metrics";
	}
	api_error(resp, FMT_JSON, 404, "", "no such endpoint: %s %.200s", m, url);
	return "other";
}
