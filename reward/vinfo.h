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

struct vinfo {
	char **modules;    /* every module defined, in file order */
	size_t nmodules;
	char *top;         /* the top module Verilator picked (or was told) */
	struct vport *ports; /* top's ports in declaration order */
	size_t nports;
};

int vinfo_parse_xml(const char *xml, size_t len, struct vinfo *vi, char *err, size_t errlen);
void vinfo_release(struct vinfo *vi);
const struct vport *vinfo_port(const struct vinfo *vi, const char *name);
const char *port_dir_name(enum port_dir d);
/* "input [7:0]" / "output" — for messages. */
void vport_describe(const struct vport *p, char *out, size_t outlen);

#endif
