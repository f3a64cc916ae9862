/* Unit tests for server/connguard.c: classification (budget, per-client limit, reserve) and
 * the watchdog's deadlines, on socket pairs standing in for client connections. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connguard.h"

static struct sockaddr_in addr4(const char *ip)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

/* fds[0]: the server's end (given to connguard), fds[1]: the client's */
static void pair(int fds[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
}

/* 1 when the server's end was shut down: the client reads end-of-stream within ms */
static int shut_within(int client_fd, int ms)
{
	struct pollfd p = {client_fd, POLLIN, 0};
	char c;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return recv(client_fd, &c, 1, MSG_DONTWAIT) == 0;
}

START_TEST(classification)
{
	char err[128];
	struct sockaddr_in a = addr4("10.0.0.1"), b = addr4("10.0.0.2"), c = addr4("10.0.0.3");
	struct sockaddr_in6 a6;
	int f[8][2], i;
	struct cg_conn *k[8];
	struct cg_stats st;

	/* 2 ordinary connections, 1 per client, a reserve of 2 (at most 2 per client) */
	ck_assert_uint_gt(cg_init(2, 1, 2, 30, 30, err, sizeof(err)), 4);
	for (i = 0; i < 8; i++)
		pair(f[i]);
	k[0] = cg_open(f[0][0], (struct sockaddr *)&a);
	ck_assert(k[0] && !cg_is_reserve(k[0]));
	k[1] = cg_open(f[1][0], (struct sockaddr *)&a);      /* per-client limit: reserve */
	ck_assert(k[1] && cg_is_reserve(k[1]));
	/* an IPv4-mapped IPv6 address is the same client */
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &a6.sin6_addr);
	k[2] = cg_open(f[2][0], (struct sockaddr *)&a6);
	ck_assert(k[2] && cg_is_reserve(k[2]));
	k[3] = cg_open(f[3][0], (struct sockaddr *)&a);      /* reserve: 2 per client, refused */
	ck_assert(shut_within(f[3][1], 500));
	k[4] = cg_open(f[4][0], (struct sockaddr *)&b);      /* another client: ordinary */
	ck_assert(k[4] && !cg_is_reserve(k[4]));
	k[5] = cg_open(f[5][0], (struct sockaddr *)&c);      /* budget and reserve spent */
	ck_assert(shut_within(f[5][1], 500));
	cg_get_stats(&st);
	ck_assert_uint_eq(st.open_ordinary, 2);
	ck_assert_uint_eq(st.open_reserve, 2);
	ck_assert_uint_eq(st.to_reserve, 2);
	ck_assert_uint_eq(st.refused, 2);
	/* a freed ordinary slot is ordinary again */
	cg_close(k[0]);
	k[6] = cg_open(f[6][0], (struct sockaddr *)&c);
	ck_assert(k[6] && !cg_is_reserve(k[6]));
	cg_close(k[1]);
	cg_close(k[2]);
	cg_close(k[3]);
	cg_close(k[4]);
	cg_close(k[5]);
	cg_close(k[6]);
	cg_get_stats(&st);
	ck_assert_uint_eq(st.open_ordinary + st.open_reserve, 0);
	cg_shutdown();
	for (i = 0; i < 8; i++) {
		close(f[i][0]);
		close(f[i][1]);
	}
}
END_TEST

START_TEST(deadlines)
{
	char err[128];
	struct sockaddr_in a = addr4("10.0.0.1");
	int h[2], b[2], run[2];
	struct cg_conn *kh, *kb, *kr;
	struct cg_stats st;

	/* header deadline 1 s, body deadline 2 s */
	ck_assert_uint_gt(cg_init(8, 8, 1, 1, 2, err, sizeof(err)), 0);
	pair(h);
	pair(b);
	pair(run);
	kh = cg_open(h[0], (struct sockaddr *)&a);
	kb = cg_open(b[0], (struct sockaddr *)&a);
	kr = cg_open(run[0], (struct sockaddr *)&a);
	cg_headers_done(kb);            /* the body may take 2 s */
	cg_headers_done(kr);
	cg_body_done(kr);               /* the handler runs: no deadline */
	ck_assert(!shut_within(h[1], 600));
	ck_assert(shut_within(h[1], 1000));        /* headers: ~1 s */
	ck_assert(!shut_within(b[1], 200));
	ck_assert(shut_within(b[1], 1500));        /* body: ~2 s */
	ck_assert(!shut_within(run[1], 800));      /* the handler is never cut */
	cg_request_done(kr);            /* kept alive: the next headers are due in 1 s */
	ck_assert(shut_within(run[1], 1600));
	cg_get_stats(&st);
	ck_assert_uint_eq(st.header_timeouts, 2);
	ck_assert_uint_eq(st.body_timeouts, 1);
	cg_close(kh);
	cg_close(kb);
	cg_close(kr);
	cg_shutdown();
	close(h[0]);
	close(h[1]);
	close(b[0]);
	close(b[1]);
	close(run[0]);
	close(run[1]);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("connguard");
	TCase *t = tcase_create("all");

	tcase_set_timeout(t, 20);
	tcase_add_test(t, classification);
	tcase_add_test(t, deadlines);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
