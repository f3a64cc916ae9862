/* liberty: reads a Liberty (.lib) file, plain or gzip-compressed, finds its cells, and writes
 * the reduced copies the PPA flow hands to Yosys, ABC and OpenSTA.
 *
 * Only what the flow needs is understood: the library's units, and for each top-level `cell`
 * group its byte range, area, input/output pins, output functions, `ff`/`latch` groups and the
 * attributes that make a cell unusable for mapping (dont_use, statetable, test_cell, bus,
 * isolation/level-shifter/clock-gating markers). Everything else is kept as text.
 *
 * Reduction (liberty_select): a cell is mappable when it is usable, has 1..LIB_MAX_INPUTS inputs
 * and an output function (combinational) or an ff group (sequential). Of each family (the name
 * without a drive-strength suffix such as _1, _X2) only the smallest-area cell is kept. The
 * reduced text keeps the library header and every non-cell group as they were.
 *
 * Lifecycle: liberty_load() fills a struct liberty (owning the text and the cell table);
 * liberty_release() frees it. The struct is read-only afterwards and may be shared by threads.
 * Errors: -1 with a message in err.
 */
#ifndef RTLR_LIBERTY_H
#define RTLR_LIBERTY_H

#include <stddef.h>

#include "buf.h"

#define LIB_MAX_INPUTS 3          /* inputs of a combinational cell the mapping may use */
#define LIB_MAX_BYTES (256u << 20) /* an uncompressed liberty file */
#define LIB_MAX_CELLS 20000u

struct lib_cell {
	char name[128];
	char family[128];
	double area;
	unsigned nin, nout;
	int seq;           /* has an ff group */
	int latch;         /* has a latch group */
	int unusable;      /* dont_use, statetable, test_cell, bus/bundle, special-purpose */
	int buffer;        /* one input, one output whose function is that input */
	int constant;      /* an output function that is a constant (tie cell) */
	char in_pin[64], out_pin[64]; /* first input and first output */
	double in_cap;     /* capacitance of the first input */
	size_t start, end; /* byte range of the group in the text */
	int keep;          /* chosen by liberty_select() */
};

struct liberty {
	char *text;
	size_t len;
	char name[128];
	char time_unit[32];      /* e.g. "1ns" */
	char leakage_unit[32];
	char cap_unit[64];
	double time_scale_ns;    /* nanoseconds per library time unit */
	struct lib_cell *cells;
	size_t ncells;
	char hash[65];           /* sha256 of the uncompressed text */
};

enum lib_part {
	LIB_PART_SEQ,   /* kept sequential cells */
	LIB_PART_COMB,  /* kept combinational cells */
	LIB_PART_ALL,   /* every kept cell */
};

/* From a file (path, data NULL) or from memory (data, len). */
int liberty_load(struct liberty *l, const char *path, const char *data, size_t len, char *err,
		 size_t errlen);
void liberty_release(struct liberty *l);
/* Marks the cells the mapping may use; returns how many, or -1 (err) when none is
 * combinational. */
int liberty_select(struct liberty *l, char *err, size_t errlen);
/* Writes the library with only the kept cells of `part`; strip_power drops internal_power and
 * leakage_power groups (Yosys and ABC do not read them). */
int liberty_write(const struct liberty *l, enum lib_part part, int strip_power, struct buf *out);
const struct lib_cell *liberty_cell(const struct liberty *l, const char *name);
/* The smallest kept buffer, or NULL. */
const struct lib_cell *liberty_buffer(const struct liberty *l);

#endif
