/* Every cap on a growable buffer or an input, in one place. Tunables that an operator may change
 * live in server/config.c; these are the compile-time ceilings and the defaults behind them. */
#ifndef RTLR_CAPS_H
#define RTLR_CAPS_H

#define RTLR_MAX_BODY_DEFAULT (64u << 20)      /* HTTP request body */
#define RTLR_MAX_BATCH_DEFAULT 8192u           /* items in one score request */
#define RTLR_MAX_COMPLETION (256u << 10)       /* one completion's raw text */
#define RTLR_MAX_SOURCE (128u << 10)           /* extracted Verilog */
#define RTLR_MAX_REFERENCE (1u << 20)          /* a golden reference or testbench */
#define RTLR_MAX_PROBLEMS 10000u               /* problems registered in one server */
#define RTLR_MAX_ID 128u                       /* problem id length */
#define RTLR_MAX_TOOL_OUTPUT (256u << 10)      /* captured stdout/stderr of one tool run */
#define RTLR_MAX_DIAGNOSTICS 20u               /* syntax diagnostics returned */
#define RTLR_MAX_DIAG_MESSAGE 512u             /* one diagnostic's message */
#define RTLR_MAX_PORTS 1024u                   /* ports of one module */
#define RTLR_MAX_RESPONSE (512u << 20)         /* one HTTP response */
#define RTLR_MAX_XML (16u << 20)               /* verilator --xml-only output */
#define RTLR_MAX_VNODES 200000u                /* golden body elements kept for clkrst.c */
#define RTLR_GROUP_MAX 64u                     /* tasks in one scheduled group (--group-max) */
#define RTLR_SCHED_SCAN 4096u                  /* queued tasks a worker examines per take */

#endif
