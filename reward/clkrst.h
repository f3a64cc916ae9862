/* clkrst: the clocks and resets of a golden design, classified from how the design uses them
 * (owned by clkrst.c; called once per problem by prep.c).
 *
 * Read from Verilator's XML of the golden (vinfo_parse_xml_bodies): every always block's edge
 * list and body, every instance's port connections, every continuous alias (assign a = b / ~b).
 *  - An edge-list signal never read in its block's body is a clock (posedge, negedge or both).
 *  - An edge-list signal read in the body is an asynchronous control: its active value is the one
 *    for which the body gives registers constants (what a synthesis tool's async-reset
 *    inference takes); SET when one of those constants is not zero, LOAD when the values are
 *    not constants (asynchronous load). Its name does not matter.
 *  - A 1-bit input named like a reset (rst, reset, clr, clear with n/b/l/_n/_ni/... markers) is a
 *    synchronous reset; its polarity is the value for which a clocked body gives registers
 *    constants when there is one, else the name's.
 *  - A 1-bit input named like a clock that is never an edge is still a clock; with no clock at
 *    all (combinational) no reset is pulsed.
 * Facts found in a submodule reach the top through instance connections (a `~` or `!` on the
 * connection flips the polarity). Given `clocks` / `resets` override detection.
 */
#ifndef RTLR_CLKRST_H
#define RTLR_CLKRST_H

#include <stddef.h>

#include "problem.h"

/* Fills p->prep.clocks, clock_info, resets from p->prep.gold (its bodies) and p's given
 * clocks/resets. Returns 0, or -1 with err (a given name that is not a 1-bit input, OOM). */
int clkrst_detect(struct problem *p, char *err, size_t errlen);

struct hash_ctx;
/* Adds the effective clocks and resets to a cache key: a verdict depends on them. */
void clkrst_hash_add(struct hash_ctx *h, const struct problem *p);

const char *reset_kind_name(int kind);     /* reset | set | load */
int reset_kind_parse(const char *s);       /* "" and "reset" -> 0 ...; -1 unknown */
const char *clock_edge_name(int edge);     /* posedge | negedge | both | none */

/* Name rules (exposed for tests). */
int clkrst_name_is_reset(const char *n);
int clkrst_name_is_active_low(const char *n);
int clkrst_name_is_clock(const char *n);

#endif
