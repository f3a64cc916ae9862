/* vinfo: what the pipeline needs to know about a Verilog design, read from Verilator's
 * --xml-only netlist: the modules it defines, the top module's ports with their packed widths,
 * and which of its inputs are used as edges (clock and asynchronous reset candidates).
 *
 * vinfo_parse_xml() fills a vinfo from the XML text; vinfo_release() frees it.
 * Returns 0, or -1 with err filled when the XML is not what Verilator writes.
 */
#ifndef RTLR_VINFO_H
#define RTLR_VINFO_H

#include <stddef.h>

enum port_dir { PORT_IN = 0, PORT_OUT = 1, PORT_INOUT = 2 };

struct vport {
	char *name;
	enum port_dir dir;
	unsigned width;    /* packed width in bits; 0 when not representable (unpacked array) */
	int is_signed;
	int posedge;       /* used as posedge in an event control of the top module */
	int negedge;       /* used as negedge */
};

/* An element of a module body as Verilator wrote it, kept for clkrst.c (how the design uses
 * its signals): the always blocks, instances, continuous assignments and variables of every
 * module, with their sub-elements. Verilator has already simplified the statements (an `if`
 * with one assignment per branch may arrive as a `cond`/`and` expression). */
struct vnode {
	char tag[24];      /* element name: always, sentree, senitem, if, assigndly, varref, ... */
	char *name;        /* name= attribute (varref, var, const, port, instance), or NULL */
	char *def;         /* instance: defName=; var: dir= */
	int edge;          /* senitem: 1 POS, -1 NEG, 2 BOTH, 0 other */
	unsigned line;     /* first line of loc= */
	unsigned width;    /* packed width from dtype_id; 0 unknown */
	long dtype;
	struct vnode **kids;
	size_t nkids, akids;
};

struct vmodule {
	char *name;        /* Verilator's name (a parameterized copy has its own) */
	char *orig;        /* the source name */
	int is_top;
	struct vnode *body; /* tag "module": the captured items as kids */
};

struct vinfo {
	struct vmodule *bodies; /* every module's body, for clkrst.c */
	size_t nbodies;
	int bodies_truncated; /* node budget reached: bodies are partial */
	char **modules;    /* every module defined, in file order */
	size_t nmodules;
	char *top;         /* the top module Verilator picked (or was told) */
	struct vport *ports; /* top's ports in declaration order */
	size_t nports;
};

int vinfo_parse_xml(const char *xml, size_t len, struct vinfo *vi, char *err, size_t errlen);
/* The same, keeping every module's body in vi->bodies (at most RTLR_MAX_VNODES elements). */
int vinfo_parse_xml_bodies(const char *xml, size_t len, struct vinfo *vi, char *err, size_t errlen);
void vinfo_release(struct vinfo *vi);
/* Frees vi->bodies only (the rest stays). */
void vinfo_release_bodies(struct vinfo *vi);
const struct vport *vinfo_port(const struct vinfo *vi, const char *name);
const char *port_dir_name(enum port_dir d);
/* "input [7:0]" / "output" — for messages. */
void vport_describe(const struct vport *p, char *out, size_t outlen);

#endif
