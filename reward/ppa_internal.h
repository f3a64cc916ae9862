/* ppa_internal.h: what ppa.c (libraries, scripts, runs, the golden) shares with ppa_group.c
 * (the tier for one candidate or a group). Not for other modules: they use ppa.h. */
#ifndef RTLR_PPA_INTERNAL_H
#define RTLR_PPA_INTERNAL_H

#include <stddef.h>

#include "buf.h"
#include "ppa.h"

#define PPA_F_STA "ppa_sta.lib" /* OpenSTA's library (all groups kept) */
#define PPA_F_NET "ppa_net.v"   /* the mapped netlist Yosys writes (module: the design's top) */
#define PPA_F_GEN "ppa_gen.v"   /* the generic netlist after synth, for ppa_netcheck */

struct golden {
	char key[65];
	struct ppa_metrics m;
	int ok;
	double wy, ws; /* wall seconds of the golden's Yosys and OpenSTA runs */
	char reason[256];
};

/* Time limits of one design's runs; over: which run hit its budget (0 none, 1 yosys, 2 sta). */
struct run_limits {
	double ty, ts;  /* seconds for the Yosys and the OpenSTA run */
	int budget;     /* 1: ty and ts are a budget (a time limit hit is an "over budget" verdict) */
	double total;   /* > 0: both runs together at most this (ts shrinks by Yosys's time) */
	double wy, ws;  /* out: the runs' wall times */
	int over;
};

int ppa_i_ready(void); /* enabled and initialized */
double ppa_i_timeout(void);
const char *ppa_i_sta_bin(void);
int ppa_i_simple_ident(const char *s);
/* The golden's figures for p (computed once per problem and liberty). -1: infrastructure. */
int ppa_i_golden(struct problem *p, struct golden *e, char *err, size_t errlen);
/* A candidate's limits from its golden's run times (the budget). */
void ppa_i_limits(const struct golden *gd, struct run_limits *lim);
/* Yosys on file in job (sanitized input, scripts for Yosys and a single OpenSTA run written
 * to job): 0 with *ok (reason when 0), -1 infrastructure. m gets area and cell counts. */
int ppa_i_synth(const struct problem *p, const char *job, const char *file, const char *top,
		struct ppa_metrics *m, int *ok, char *reason, size_t rlen, char *stripped, size_t slen,
		struct run_limits *lim, char *err, size_t errlen);
/* The single OpenSTA run of job (after ppa_i_synth): delay and power into m. */
int ppa_i_sta(const char *job, struct ppa_metrics *m, int *ok, char *reason, size_t rlen,
	      struct run_limits *lim, char *err, size_t errlen);
/* OpenSTA's commands after link_design (1: a name is not a simple identifier). */
int ppa_i_sta_constraints(const struct problem *p, struct buf *tcl);
int ppa_i_write_sta_lib(const char *job, char *err, size_t errlen);
/* Reads delay and power from OpenSTA's output: 0, or 1 with reason. */
int ppa_i_parse_sta(const char *out, struct ppa_metrics *m, char *reason, size_t rlen);

#endif
