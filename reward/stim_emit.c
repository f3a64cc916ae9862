/* stim_emit: the two thin emitters of a stim_plan (owner: stimulus.h's owner). The Verilog one
 * writes the whole equivalence harness module for Icarus; the C++ one the stimulus, compare and
 * schedule functions of the Verilator harness (engine_verilator.c writes its includes and the
 * models' construction in main()). Both draw exactly what stimulus.h specifies, in the same
 * order; the "cov" line's digest lets a test check it. Every identifier the Verilog harness
 * declares starts with the plan's random prefix. */
#include "stimulus.h"

#include <stdio.h>
#include <string.h>

#include "harness.h"

#define FNV 0xcbf29ce484222325ull

static void decl_width(struct buf *o, unsigned w)
{
	if (w > 1)
		buf_printf(o, "[%u:0] ", w - 1);
}

static unsigned long long chunk_mask(unsigned nb)
{
	return nb >= 64 ? ~0ull : (1ull << nb) - 1;
}

/* Steps after a reset's release before an output's change counts as a toggle (registration
 * warnings: a golden held in reset changes only around its resets). */
static unsigned settle(const struct stim_plan *pl)
{
	return 2 * pl->steps_per_cycle + 1;
}

/* The xorshift64 step on the harness's generator, inlined (a function call per draw costs
 * Icarus more than the three statements). */
static void v_next(struct buf *o, const char *P)
{
	buf_printf(o, "%sr = %sr ^ (%sr << 13); %sr = %sr ^ (%sr >> 7); %sr = %sr ^ (%sr << 17);",
		   P, P, P, P, P, P, P, P, P);
}

/* ---- Verilog ---------------------------------------------------------------------------- */

static void v_decls(const struct problem *p, const struct stim_plan *pl, struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	const char *P = pl->prefix;
	size_t i;

	buf_printf(o, "module %s;\n  reg [63:0] %sr, %sx, %ss, %sn, %sm, %scp, %skp, %ssd, %sjs, %sfs;\n"
		      "  reg %sb, %sf;\n", pl->mod, P, P, P, P, P, P, P, P, P, P, P, P);
	if (pl->group_done)
		buf_printf(o, "  reg %sdn;\n", P);
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		if (pt->dir == PORT_IN) {
			buf_adds(o, "  reg ");
			decl_width(o, pt->width);
			buf_printf(o, "%sp%zu;\n", P, i);
		} else if (pt->dir == PORT_OUT) {
			buf_adds(o, "  wire ");
			decl_width(o, pt->width);
			buf_printf(o, "%so%zu;\n  wire ", P, i);
			decl_width(o, pt->width);
			buf_printf(o, "%sq%zu;\n  reg ", P, i);
			decl_width(o, pt->width);
			buf_printf(o, "%sv%zu;\n  reg %st%zu;\n", P, i, P, i);
		}
	}
	for (i = 0; i < pl->nin; i++)
		buf_printf(o, "  reg [7:0] %scm%zu;\n  reg [63:0] %skm%zu;\n", P, i, P, i);
}

static void v_instances(const struct problem *p, const struct stim_plan *pl,
			const char *gold_module, struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i;
	int side;

	for (side = 0; side < 2; side++) {
		buf_printf(o, "  %s %s (", side ? (pl->cand_module ? pl->cand_module : p->top) : gold_module,
			   side ? pl->cand_inst : pl->gold_inst);
		for (i = 0; i < g->nports; i++) {
			const struct vport *pt = &g->ports[i];
			buf_printf(o, "%s\n    .%s(", i ? "," : "", pt->name);
			if (pt->dir == PORT_IN)
				buf_printf(o, "%sp%zu", pl->prefix, i);
			else if (pt->dir == PORT_OUT)
				buf_printf(o, "%s%c%zu", pl->prefix, side ? 'q' : 'o', i);
			buf_addc(o, ')');
		}
		buf_adds(o, ");\n");
	}
}

static void v_functions(const struct stim_plan *pl, struct buf *o)
{
	const char *P = pl->prefix;
	size_t i, j;

	buf_printf(o, "  function [63:0] %snx;\n    input [63:0] s;\n    reg [63:0] x;\n"
		      "    begin\n      x = s;\n      x = x ^ (x << 13);\n      x = x ^ (x >> 7);\n"
		      "      x = x ^ (x << 17);\n      %snx = x;\n    end\n  endfunction\n", P, P);
	buf_printf(o, "  function [63:0] %sco;\n    input [2:0] c;\n    input integer k, lo, nb, w;\n"
		      "    reg [63:0] m, b, h;\n    begin\n"
		      "      m = (nb >= 64) ? ~64'd0 : ((64'd1 << nb) - 64'd1);\n"
		      "      b = (w - 1 >= lo && w - 1 < lo + nb) ? (64'd1 << (w - 1 - lo)) : 64'd0;\n"
		      "      h = (k >= lo && k < lo + nb) ? (64'd1 << (k - lo)) : 64'd0;\n"
		      "      case (c)\n        3'd0: %sco = 64'd0;\n        3'd1: %sco = m;\n"
		      "        3'd2: %sco = b;\n        3'd3: %sco = m & ~b;\n"
		      "        3'd4: %sco = (lo == 0) ? 64'd1 : 64'd0;\n        3'd5: %sco = h;\n"
		      "        3'd6: %sco = m & ~h;\n        default: %sco = m & 64'h5555555555555555;\n"
		      "      endcase\n    end\n  endfunction\n", P, P, P, P, P, P, P, P, P);
	for (i = 0; i < pl->nin; i++) {
		if (!pl->in[i].nconsts)
			continue;
		buf_printf(o, "  function [63:0] %sk%zu;\n    input integer i;\n    case (i)\n", P, i);
		for (j = 0; j < pl->in[i].nconsts; j++)
			buf_printf(o, "      %zu: %sk%zu = 64'h%016llx;\n", j, P, i,
				   (unsigned long long)pl->in[i].consts[j]);
		buf_printf(o, "      default: %sk%zu = 64'd0;\n    endcase\n  endfunction\n", P, i);
	}
}

static void v_draw_input(const struct stim_plan *pl, size_t j, struct buf *o)
{
	const struct stim_input *in = &pl->in[j];
	const char *P = pl->prefix;
	unsigned lo;

	buf_adds(o, "      ");
	v_next(o, P);
	buf_printf(o, "\n      r = %sr;\n      sel = r[7:0];\n", P);
	buf_printf(o, "      if (jt) begin c = 1; cc = r0[5:3]; k = (r0 >> 16) %% 64'd%u; end\n"
		      "      else if (sel < %u) c = 0;\n"
		      "      else if (sel < %u) begin c = 1; cc = r[10:8]; k = (r >> 16) %% 64'd%u; end\n"
		      "      else if (sel < %u) begin c = 2; x = (r >> 8) %% 64'd%zu; end\n"
		      "      else c = 3;\n",
		   in->width, in->t_uniform, in->t_corner, in->width, in->t_const,
		   in->nconsts ? in->nconsts : 1);
	for (lo = 0; lo < in->width; lo += 64) {
		unsigned nb = in->width - lo < 64 ? in->width - lo : 64, hi = lo + nb - 1;
		char sel[48];

		if (in->width == 1)
			snprintf(sel, sizeof(sel), "%sp%zu", P, in->port);
		else
			snprintf(sel, sizeof(sel), "%sp%zu[%u:%u]", P, in->port, hi, lo);
		buf_adds(o, "      case (c)\n        0: begin ");
		v_next(o, P);
		buf_printf(o, " v = %sr & 64'h%016llx; end\n        1: v = %sco(cc, k, %u, %u, %u);\n",
			   P, chunk_mask(nb), P, lo, nb, in->width);
		if (in->nconsts && lo)
			buf_adds(o, "        2: v = 64'd0;\n");
		else if (in->nconsts)
			buf_printf(o, "        2: v = %sk%zu(x);\n", P, j);
		if (in->sibling >= 0) {
			if (in->width == 1)
				buf_printf(o, "        3: v = %sp%zu;\n", P, pl->in[in->sibling].port);
			else
				buf_printf(o, "        3: v = %sp%zu[%u:%u];\n", P,
					   pl->in[in->sibling].port, hi, lo);
		}
		buf_printf(o, "        default: v = 64'd0;\n      endcase\n      %s = v[%u:0];\n"
			      "      %sx = {%sx[44:0], %sx[63:45]} ^ v;\n",
			   sel, nb - 1, P, P, P);
	}
	buf_printf(o, "      if (c == 1 && !%scm%zu[cc]) begin %scm%zu[cc] = 1'b1; %scp = %scp + 1; end\n",
		   P, j, P, j, P, P);
	if (in->nconsts)
		buf_printf(o, "      if (c == 2 && !%skm%zu[x]) begin %skm%zu[x] = 1'b1; %skp = %skp + 1; end\n",
			   P, j, P, j, P, P);
	buf_printf(o, "      if (c == 3) %ssd = %ssd + 1;\n", P, P);
}

static void v_tasks(const struct problem *p, const struct stim_plan *pl, const char *tag,
		    struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	const char *P = pl->prefix;
	size_t i, j;

	buf_printf(o, "  task %sdr;\n    reg [63:0] r0, r, v;\n    reg [7:0] sel;\n    reg [2:0] cc;\n"
		      "    reg jt;\n    integer c, k, x;\n    begin\n      ", P);
	v_next(o, P);
	buf_printf(o, "\n      r0 = %sr;\n      jt = (r0[2:0] == 3'd0);\n"
		      "      if (jt) %sjs = %sjs + 1;\n      cc = 0; k = 0; x = 0;\n", P, P, P);
	for (j = 0; j < pl->nin; j++)
		v_draw_input(pl, j, o);
	buf_adds(o, "    end\n  endtask\n");
	buf_printf(o, "  task %sck;\n    input fr;\n    begin\n      %sn = %sn + 1;\n", P, P, P);
	if (pl->track_toggles)
		buf_printf(o, "      if (fr) %sfs = %sfs + 1; else %sfs = 0;\n", P, P, P);
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		if (pt->dir != PORT_OUT)
			continue;
		buf_printf(o,
			   "      if (%so%zu !== (%so%zu ^ %sq%zu ^ %so%zu)) begin\n        %sb = 1;\n"
			   "        if (!%sf) begin\n"
			   "          $display(\"%s first %%0t %s %%h %%h\", $time, %so%zu, %sq%zu);\n"
			   "          %sf = 1;\n        end\n      end\n",
			   P, i, P, i, P, i, P, i, P, P, tag, pt->name, P, i, P, i, P);
		if (pl->track_toggles)
			buf_printf(o, "      if (%sfs > %u && ^%so%zu !== 1'bx && ^%sv%zu !== 1'bx && %so%zu != %sv%zu) %st%zu = 1'b1;\n"
			      "      %sv%zu = %so%zu;\n",
			   P, settle(pl), P, i, P, i, P, i, P, i, P, i, P, i, P, i);
	}
	buf_printf(o, "      if (%sb) %sm = %sm + 1;\n      %sb = 0;\n    end\n  endtask\n", P, P, P, P);
	buf_printf(o, "  task %sst;\n    input [%zu:0] rv;\n    begin\n      #2;\n", P,
		   pl->nrst ? pl->nrst - 1 : 0);
	for (i = 0; i < pl->nrst; i++) {
		const struct vport *pt = vinfo_port(g, pl->rst[i].name);
		buf_printf(o, "      %sp%zu = rv[%zu] ? 1'b%d : 1'b%d;\n", P, (size_t)(pt - g->ports), i,
			   !pl->rst[i].active_low, pl->rst[i].active_low);
	}
	buf_printf(o, "      %sdr;\n      #6 %sck(rv == 0);\n      #2;\n", P, P);
	for (i = 0; i < pl->nclk; i++) {
		const struct vport *pt = vinfo_port(g, pl->clk[i].name);
		size_t k = (size_t)(pt - g->ports);
		if (pl->clk[i].mod == 1)
			buf_printf(o, "      %sp%zu = ~%sp%zu;\n", P, k, P, k);
		else /* mod is a power of 2 */
			buf_printf(o, "      if ((%ss & 64'd%llu) == 64'd%llu) %sp%zu = ~%sp%zu;\n", P,
				   (unsigned long long)pl->clk[i].mod - 1,
				   (unsigned long long)pl->clk[i].res, P, k, P, k);
	}
	buf_printf(o, "      %ss = %ss + 1;\n    end\n  endtask\n", P, P);
}

int stim_emit_verilog(const struct problem *p, const struct stim_plan *pl, const char *tag,
		      const char *gold_module, struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	const char *P = pl->prefix;
	size_t i;

	v_decls(p, pl, o);
	v_instances(p, pl, gold_module, o);
	v_functions(pl, o);
	v_tasks(p, pl, tag, o);
	buf_printf(o, "  initial begin\n    %sr = 64'h%016llx;\n    %sx = 64'h%016llx;\n"
		      "    %ss = 0; %sn = 0; %sm = 0; %sb = 0; %sf = 0;\n"
		      "    %scp = 0; %skp = 0; %ssd = 0; %sjs = 0; %sfs = 0;\n",
		   P, (unsigned long long)pl->rng0, P, FNV, P, P, P, P, P, P, P, P, P, P);
	if (pl->group_done)
		buf_printf(o, "    %sdn = 0;\n", P);
	for (i = 0; i < pl->nin; i++)
		buf_printf(o, "    %scm%zu = 0; %skm%zu = 0;\n", P, i, P, i);
	for (i = 0; pl->track_toggles && i < g->nports; i++)
		if (g->ports[i].dir == PORT_OUT)
			buf_printf(o, "    %st%zu = 0;\n", P, i);
	for (i = 0; i < pl->nclk; i++) {
		const struct vport *pt = vinfo_port(g, pl->clk[i].name);
		buf_printf(o, "    %sp%zu = 1'b0;\n", P, (size_t)(pt - g->ports));
	}
	for (i = 0; i < pl->nseg; i++)
		buf_printf(o, "    repeat (%llu) %sst(%zu'h%x);\n", (unsigned long long)pl->seg[i].steps,
			   P, pl->nrst ? pl->nrst : 1, pl->seg[i].mask);
	buf_printf(o, "    $display(\"%s cov %%0d %%0d %%0d %%0d %%h t", tag);
	for (i = 0; pl->track_toggles && i < g->nports; i++)
		if (g->ports[i].dir == PORT_OUT)
			buf_adds(o, "%b");
	buf_printf(o, "\", %scp, %skp, %ssd, %sjs, %sx", P, P, P, P, P);
	for (i = 0; pl->track_toggles && i < g->nports; i++)
		if (g->ports[i].dir == PORT_OUT)
			buf_printf(o, ", %st%zu", P, i);
	buf_printf(o, ");\n    $display(\"%s done %%0d %%0d\", %sn, %sm);\n", tag, P, P);
	if (pl->group_done)
		buf_printf(o, "    %sdn = 1;\n  end\nendmodule\n", P);
	else
		buf_adds(o, "    $finish;\n  end\nendmodule\n");
	return o->overflow ? -1 : 0;
}

/* ---- C++ (Verilator) ------------------------------------------------------------------- */

static void cpp_set_input(const struct vport *pt, const char *src, struct buf *o)
{
	unsigned w;

	if (pt->width <= 64) {
		buf_printf(o, "  g->%s = %s[0]; c->%s = g->%s;\n", pt->name, src, pt->name, pt->name);
		return;
	}
	for (w = 0; w < (pt->width + 31) / 32; w++)
		buf_printf(o, "  g->%s[%u] = (uint32_t)(%s[%u] >> %d); c->%s[%u] = g->%s[%u];\n", pt->name,
			   w, src, w / 2, w % 2 ? 32 : 0, pt->name, w, pt->name, w);
}

static void cpp_draw_input(const struct problem *p, const struct stim_plan *pl, size_t j,
			   struct buf *o)
{
	const struct stim_input *in = &pl->in[j];
	unsigned lo;

	buf_printf(o, "  r = nxt(); sel = (unsigned)(r & 255);\n"
		      "  if (jt) { cl = 1; cc = (unsigned)((r0 >> 3) & 7); k = (unsigned)((r0 >> 16) %% %uull); }\n"
		      "  else if (sel < %uu) cl = 0;\n"
		      "  else if (sel < %uu) { cl = 1; cc = (unsigned)((r >> 8) & 7); k = (unsigned)((r >> 16) %% %uull); }\n"
		      "  else if (sel < %uu) { cl = 2; ix = (unsigned)((r >> 8) %% %zuull); }\n"
		      "  else cl = 3;\n",
		   in->width, in->t_uniform, in->t_corner, in->width, in->t_const,
		   in->nconsts ? in->nconsts : 1);
	for (lo = 0; lo < in->width; lo += 64) {
		unsigned nb = in->width - lo < 64 ? in->width - lo : 64;
		buf_printf(o, "  switch (cl) {\n  case 0: v = nxt() & 0x%llxull; break;\n"
			      "  case 1: v = corner(cc, k, %u, %u, %u); break;\n",
			   chunk_mask(nb), lo, nb, in->width);
		if (in->nconsts && lo)
			buf_adds(o, "  case 2: v = 0; break;\n");
		else if (in->nconsts)
			buf_printf(o, "  case 2: v = K%zu[ix]; break;\n", j);
		if (in->sibling >= 0)
			buf_printf(o, "  case 3: v = I%d[%u]; break;\n", in->sibling, lo / 64);
		buf_printf(o, "  default: v = 0;\n  }\n  I%zu[%u] = v; hv(v);\n", j, lo / 64);
	}
	buf_printf(o, "  if (cl == 1 && !((CM%zu >> cc) & 1)) { CM%zu |= 1u << cc; s_cp++; }\n", j, j);
	if (in->nconsts)
		buf_printf(o, "  if (cl == 2 && !((KM%zu >> ix) & 1)) { KM%zu |= 1ull << ix; s_kp++; }\n", j,
			   j);
	buf_adds(o, "  if (cl == 3) s_sd++;\n");
	{
		char src[32];
		snprintf(src, sizeof(src), "I%zu", j);
		cpp_set_input(&p->prep.gold.ports[in->port], src, o);
	}
}

static void cpp_check(const struct problem *p, const struct stim_plan *pl, const char *tag,
		      struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i;

	buf_printf(o, "static void check(int fr) {\n  int bad = 0, skip = samples < %lluull;\n  samples++;\n"
		      "  if (fr) s_fs++; else s_fs = 0;\n"
		      "  if (!skip) rtlr_digest(); /* engine_vlx_digest_code */\n",
		   (unsigned long long)pl->skip);
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		unsigned words = (pt->width + 31) / 32;

		if (pt->dir != PORT_OUT || !pt->width)
			continue;
		if (pt->width <= 64)
			buf_printf(o, "  { uint64_t a = (uint64_t)g->%s, b = (uint64_t)c->%s;\n"
				      "    uint32_t wa[2] = {(uint32_t)a, (uint32_t)(a >> 32)},"
				      " wb[2] = {(uint32_t)b, (uint32_t)(b >> 32)};\n"
				      "    if (TG && s_fs > %uull && a != PV%zu[0]) T%zu = 1;\n    if (TG) PV%zu[0] = a;\n"
				      "    if (!skip && a != b) {\n",
				   pt->name, pt->name, settle(pl), i, i, i);
		else
			buf_printf(o, "  { const uint32_t *wa = g->%s.data(), *wb = c->%s.data();\n"
				      "    if (TG && s_fs > %uull && memcmp(wa, PV%zu, %u * 4)) T%zu = 1;\n"
				      "    if (TG) memcpy(PV%zu, wa, %u * 4);\n"
				      "    if (!skip && memcmp(wa, wb, %u * 4)) {\n",
				   pt->name, pt->name, settle(pl), i, words, i, i, words, words);
		buf_printf(o, "      bad = 1;\n      if (!reported) { char x[300], y[300];\n"
			      "        hexw(x, sizeof x, wa, %u, %u); hexw(y, sizeof y, wb, %u, %u);\n"
			      "        printf(\"%s first %%llu %s %%s %%s\\n\", (unsigned long long)(s_s * 10 + 8), x, y);\n"
			      "        reported = 1; } } }\n",
			   words, pt->width, words, pt->width, tag, pt->name);
	}
	buf_adds(o, "  if (bad) mism++;\n}\n");
}

int stim_emit_cpp_funcs(const struct problem *p, const struct stim_plan *pl, const char *tag,
			struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i, j;

	buf_printf(o, "static const int TG = %d;\n", pl->track_toggles);
	buf_printf(o, "static uint64_t rng, s_x = 0x%llxull, s_s, s_fs, s_cp, s_kp, s_sd, s_js;\n"
		      "static unsigned long long samples, mism;\nstatic int reported;\n"
		      "static uint64_t nxt() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;"
		      " return rng; }\n"
		      "static void hv(uint64_t v) { s_x = ((s_x << 19) | (s_x >> 45)) ^ v; }\n"
		      "static uint64_t corner(unsigned cl, unsigned k, unsigned lo, unsigned nb, unsigned w) {\n"
		      "  uint64_t m = nb >= 64 ? ~0ull : (1ull << nb) - 1;\n"
		      "  uint64_t b = (w - 1 >= lo && w - 1 < lo + nb) ? 1ull << (w - 1 - lo) : 0;\n"
		      "  uint64_t h = (k >= lo && k < lo + nb) ? 1ull << (k - lo) : 0;\n"
		      "  switch (cl & 7) { case 0: return 0; case 1: return m; case 2: return b;\n"
		      "  case 3: return m & ~b; case 4: return lo == 0 ? 1 : 0; case 5: return h;\n"
		      "  case 6: return m & ~h; default: return m & 0x5555555555555555ull; } }\n",
		   FNV);
	for (i = 0; i < pl->nin; i++) {
		buf_printf(o, "static uint64_t I%zu[%u];\nstatic unsigned CM%zu;\nstatic uint64_t KM%zu;\n",
			   i, (pl->in[i].width + 63) / 64, i, i);
		if (!pl->in[i].nconsts)
			continue;
		buf_printf(o, "static const uint64_t K%zu[%zu] = {", i, pl->in[i].nconsts);
		for (j = 0; j < pl->in[i].nconsts; j++)
			buf_printf(o, "%s0x%llxull", j ? ", " : "", (unsigned long long)pl->in[i].consts[j]);
		buf_adds(o, "};\n");
	}
	for (i = 0; i < g->nports; i++)
		if (g->ports[i].dir == PORT_OUT && g->ports[i].width)
			buf_printf(o, "static int T%zu;\nstatic %s PV%zu[%u];\n", i,
				   g->ports[i].width <= 64 ? "uint64_t" : "uint32_t", i,
				   g->ports[i].width <= 64 ? 1 : (g->ports[i].width + 31) / 32);
	buf_adds(o, "static void draw() {\n  uint64_t r0 = nxt(), r, v; int jt = (r0 & 7) == 0;\n"
		    "  unsigned sel, cl, cc = 0, k = 0, ix = 0;\n  (void)v; (void)r; (void)sel; (void)cl;"
		    " (void)cc; (void)k; (void)ix;\n  if (jt) s_js++;\n");
	for (j = 0; j < pl->nin; j++)
		cpp_draw_input(p, pl, j, o);
	buf_adds(o, "}\n");
	cpp_check(p, pl, tag, o);
	buf_adds(o, "static void step(uint32_t rv) {\n  (void)rv;\n");
	for (i = 0; i < pl->nrst; i++)
		buf_printf(o, "  g->%s = ((rv >> %zu) & 1) ? %d : %d; c->%s = g->%s;\n", pl->rst[i].name, i,
			   !pl->rst[i].active_low, pl->rst[i].active_low, pl->rst[i].name,
			   pl->rst[i].name);
	buf_adds(o, "  draw();\n  g->eval(); c->eval();\n  check(rv == 0);\n");
	for (i = 0; i < pl->nclk; i++)
		buf_printf(o, "  if ((s_s & %lluull) == %lluull) { g->%s = !g->%s; c->%s = g->%s; }\n",
			   (unsigned long long)pl->clk[i].mod - 1, (unsigned long long)pl->clk[i].res,
			   pl->clk[i].name, pl->clk[i].name, pl->clk[i].name, pl->clk[i].name);
	buf_adds(o, "  g->eval(); c->eval();\n  s_s++;\n}\n");
	return o->overflow ? -1 : 0;
}

int stim_emit_cpp_run(const struct stim_plan *pl, struct buf *o)
{
	size_t i;

	buf_printf(o, "  rng = 0x%016llxull;\n", (unsigned long long)pl->rng0);
	for (i = 0; i < pl->nclk; i++)
		buf_printf(o, "  g->%s = 0; c->%s = 0;\n", pl->clk[i].name, pl->clk[i].name);
	for (i = 0; i < pl->nseg; i++)
		buf_printf(o, "  for (unsigned long long n = 0; n < %lluull; n++) step(0x%xu);\n",
			   (unsigned long long)pl->seg[i].steps, pl->seg[i].mask);
	return o->overflow ? -1 : 0;
}

int stim_emit_cpp_done(const struct problem *p, const struct stim_plan *pl, const char *tag,
		       struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i;

	(void)pl;
	buf_adds(o, "  { char tg[300]; int n = 0;\n");
	for (i = 0; i < g->nports; i++)
		if (g->ports[i].dir == PORT_OUT && g->ports[i].width)
			buf_printf(o, "    if (TG && n < 256) tg[n++] = T%zu ? '1' : '0';\n", i);
	buf_printf(o, "    tg[n] = 0;\n"
		      "    printf(\"%s cov %%llu %%llu %%llu %%llu %%016llx t%%s\\n\", (unsigned long long)s_cp,"
		      " (unsigned long long)s_kp, (unsigned long long)s_sd, (unsigned long long)s_js,"
		      " (unsigned long long)s_x, tg); }\n"
		      "  printf(\"%s done %%llu %%llu\\n\", samples, mism);\n  fflush(stdout);\n",
		   tag, tag);
	return o->overflow ? -1 : 0;
}
