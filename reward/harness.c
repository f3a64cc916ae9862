#include "harness.h"

#include <string.h>

int harness_is_clock(const struct problem *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->prep.nclocks; i++)
		if (!strcmp(p->prep.clocks[i], name))
			return 1;
	return 0;
}

const struct reset_spec *harness_reset_of(const struct problem *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->prep.nresets; i++)
		if (!strcmp(p->prep.resets[i].name, name))
			return &p->prep.resets[i];
	return NULL;
}

size_t harness_nphases(const struct problem *p)
{
	size_t k = p->prep.nresets;

	if (!p->prep.nclocks || k == 0)
		return 1;
	if (k == 1)
		return 1;
	return 1 + (k > 4 ? 4 : k);
}

uint64_t harness_samples(const struct problem *p)
{
	if (!p->prep.nclocks)
		return 2ull * p->cycles;
	return (uint64_t)harness_nphases(p) *
	       (uint64_t)((p->prep.nresets ? HARNESS_RESET_CYCLES : 0) + p->cycles) * 2ull;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x ? x : 1;
}

static void decl_width(struct buf *o, unsigned w)
{
	if (w > 1)
		buf_printf(o, "[%u:0] ", w - 1);
}

/* r = 1: assert; r = 0: deassert. */
static void reset_value(struct buf *o, const struct reset_spec *r, int assert)
{
	buf_printf(o, "      rtlr_i_%s = 1'b%d;\n", r->name, assert ? !r->active_low : r->active_low);
}

int harness_equivalence(const struct problem *p, uint64_t seed, const char *tag,
			const char *module_name, struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i, ph, nph = harness_nphases(p);
	int first;

	buf_printf(o, "module %s;\n", module_name);
	buf_adds(o, "  reg [63:0] rtlr_rng;\n  integer rtlr_samples, rtlr_mism;\n  reg rtlr_bad, rtlr_reported;\n");
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		if (pt->dir == PORT_IN) {
			buf_adds(o, "  reg ");
			decl_width(o, pt->width);
			buf_printf(o, "rtlr_i_%s;\n", pt->name);
		} else if (pt->dir == PORT_OUT) {
			buf_adds(o, "  wire ");
			decl_width(o, pt->width);
			buf_printf(o, "rtlr_g_%s;\n  wire ", pt->name);
			decl_width(o, pt->width);
			buf_printf(o, "rtlr_c_%s;\n", pt->name);
		}
	}
	/* instances */
	for (int side = 0; side < 2; side++) {
		if (side == 0)
			buf_printf(o, "  rtlr_g_%s rtlr_gold (", p->ref_top);
		else
			buf_printf(o, "  %s rtlr_cand (", p->top);
		first = 1;
		for (i = 0; i < g->nports; i++) {
			const struct vport *pt = &g->ports[i];
			buf_printf(o, "%s\n    .%s(", first ? "" : ",", pt->name);
			if (pt->dir == PORT_IN)
				buf_printf(o, "rtlr_i_%s", pt->name);
			else if (pt->dir == PORT_OUT)
				buf_printf(o, "rtlr_%c_%s", side ? 'c' : 'g', pt->name);
			buf_addc(o, ')');
			first = 0;
		}
		buf_adds(o, ");\n");
	}
	/* xorshift64 */
	buf_adds(o, "  function [63:0] rtlr_next;\n    input [63:0] s;\n    reg [63:0] x;\n"
		    "    begin\n      x = s;\n      x = x ^ (x << 13);\n      x = x ^ (x >> 7);\n"
		    "      x = x ^ (x << 17);\n      rtlr_next = x;\n    end\n  endfunction\n");
	/* randomize data inputs; resets pulse rarely when pulse=1 */
	buf_adds(o, "  task rtlr_randomize;\n    input pulse;\n    begin\n");
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		const struct reset_spec *r;
		unsigned lo;

		if (pt->dir != PORT_IN || harness_is_clock(p, pt->name))
			continue;
		r = p->prep.nclocks ? harness_reset_of(p, pt->name) : NULL;
		if (r) {
			buf_printf(o, "      rtlr_rng = rtlr_next(rtlr_rng);\n"
				      "      if (pulse) rtlr_i_%s = (rtlr_rng[5:0] == 0) ? 1'b%d : 1'b%d;\n",
				   pt->name, !r->active_low, r->active_low);
			continue;
		}
		for (lo = 0; lo < pt->width; lo += 64) {
			unsigned hi = pt->width - 1 < lo + 63 ? pt->width - 1 : lo + 63;
			buf_adds(o, "      rtlr_rng = rtlr_next(rtlr_rng);\n");
			if (pt->width == 1)
				buf_printf(o, "      rtlr_i_%s = rtlr_rng[0];\n", pt->name);
			else
				buf_printf(o, "      rtlr_i_%s[%u:%u] = rtlr_rng[%u:0];\n", pt->name, hi, lo,
					   hi - lo);
		}
	}
	buf_adds(o, "    end\n  endtask\n");
	/* compare */
	buf_adds(o, "  task rtlr_check;\n    begin\n      rtlr_samples = rtlr_samples + 1;\n");
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		if (pt->dir != PORT_OUT)
			continue;
		buf_printf(o,
			   "      if (rtlr_g_%s !== (rtlr_g_%s ^ rtlr_c_%s ^ rtlr_g_%s)) begin\n"
			   "        rtlr_bad = 1;\n"
			   "        if (!rtlr_reported) begin\n"
			   "          $display(\"%s first %%0t %s %%h %%h\", $time, rtlr_g_%s, rtlr_c_%s);\n"
			   "          rtlr_reported = 1;\n        end\n      end\n",
			   pt->name, pt->name, pt->name, pt->name, tag, pt->name, pt->name, pt->name);
	}
	buf_adds(o, "      if (rtlr_bad) rtlr_mism = rtlr_mism + 1;\n      rtlr_bad = 0;\n    end\n  endtask\n");
	/* clocks */
	buf_adds(o, "  task rtlr_half;\n    input pulse;\n    begin\n      #2 rtlr_randomize(pulse);\n"
		    "      #6 rtlr_check;\n      #2;\n");
	for (i = 0; i < p->prep.nclocks; i++)
		buf_printf(o, "      rtlr_i_%s = ~rtlr_i_%s;\n", p->prep.clocks[i], p->prep.clocks[i]);
	buf_adds(o, "    end\n  endtask\n");
	/* main */
	buf_printf(o, "  initial begin\n"
		      "    rtlr_rng = 64'h%016llx;\n    rtlr_samples = 0;\n    rtlr_mism = 0;\n"
		      "    rtlr_bad = 0;\n    rtlr_reported = 0;\n",
		   (unsigned long long)splitmix(seed));
	for (i = 0; i < p->prep.nclocks; i++)
		buf_printf(o, "    rtlr_i_%s = 1'b0;\n", p->prep.clocks[i]);
	if (!p->prep.nclocks) {
		buf_printf(o, "    repeat (%u) begin\n      #2 rtlr_randomize(1'b0);\n      #6 rtlr_check;\n"
			      "      #2;\n    end\n", 2 * p->cycles);
	} else {
		for (ph = 0; ph < nph; ph++) {
			buf_printf(o, "    // phase %zu\n    begin\n", ph);
			for (i = 0; i < p->prep.nresets; i++)
				reset_value(o, &p->prep.resets[i], ph == 0 || ph == i + 1);
			if (p->prep.nresets)
				buf_printf(o, "      repeat (%d) rtlr_half(1'b0);\n", 2 * HARNESS_RESET_CYCLES);
			for (i = 0; i < p->prep.nresets; i++)
				reset_value(o, &p->prep.resets[i], 0);
			buf_printf(o, "      repeat (%u) rtlr_half(1'b1);\n    end\n", 2 * p->cycles);
		}
	}
	buf_printf(o, "    $display(\"%s done %%0d %%0d\", rtlr_samples, rtlr_mism);\n"
		      "    $finish;\n  end\nendmodule\n", tag);
	return o->overflow ? -1 : 0;
}
