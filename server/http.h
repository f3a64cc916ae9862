/* http: the libmicrohttpd front end. Routes, body caps, content negotiation; the handlers in
 * api.c turn requests into work and results into responses. */
#ifndef RTLR_HTTP_H
#define RTLR_HTTP_H

#include <stddef.h>

int http_start(const char *bind, unsigned port, unsigned max_conn, char *err, size_t errlen);
unsigned http_port(void);
void http_stop(void);

#endif
