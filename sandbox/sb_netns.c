/* sb_netns.c: a pool of empty network namespaces, reused between runs (root mode with a pid
 * namespace only).
 *
 * Creating a network namespace is the most expensive part of a sandbox start: a loopback device
 * and a few hundred sysctl entries, about a quarter of the CPU of running /bin/true sandboxed.
 * A run takes a namespace from the pool and its init joins it with setns; a run that finds the
 * pool empty gets a fresh one (CLONE_NEWNET), which may then enter the pool.
 *
 * Why reuse is safe: inside, tools run as uid 65534 without capabilities, and the seccomp filter
 * refuses every socket family but AF_UNIX, so the only state a run can leave in the namespace is
 * unix sockets (abstract names live in the network namespace). Interfaces, routes, sysctls and
 * netfilter need CAP_NET_ADMIN over the namespace, which tools never have. Two checks, both done
 * by the sandbox's init (sb_child.c) on /proc/thread-self/net/unix, which lists every unix socket
 * of the namespace, including ones only held in flight:
 *   - at the start, before anything untrusted runs: a namespace that is not empty is replaced by
 *     a fresh one (unshare) and not returned to the pool;
 *   - at the end, after init has killed and reaped every other process of the run: the
 *     namespace goes back to the pool only if it is empty again.
 * Each namespace serves one run at a time. The server's own threads never enter it.
 */
#include "sb_internal.h"

#include <pthread.h>
#include <unistd.h>

#define POOL_MAX 64

static struct {
	pthread_mutex_t lock;
	int fds[POOL_MAX];
	int n;
	int enabled;
} np = {.lock = PTHREAD_MUTEX_INITIALIZER};

void sb_netns_enable(int on)
{
	np.enabled = on;
}

int sb_netns_enabled(void)
{
	return np.enabled;
}

int sb_netns_take(void)
{
	int fd = -1;

	pthread_mutex_lock(&np.lock);
	if (np.enabled && np.n > 0)
		fd = np.fds[--np.n];
	pthread_mutex_unlock(&np.lock);
	return fd;
}

void sb_netns_give(int fd)
{
	if (fd < 0)
		return;
	pthread_mutex_lock(&np.lock);
	if (np.enabled && np.n < POOL_MAX) {
		np.fds[np.n++] = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&np.lock);
	if (fd >= 0)
		close(fd);
}

void sb_netns_shutdown(void)
{
	pthread_mutex_lock(&np.lock);
	while (np.n > 0)
		close(np.fds[--np.n]);
	np.enabled = 0;
	pthread_mutex_unlock(&np.lock);
}
