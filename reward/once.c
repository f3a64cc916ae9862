/* once: compute once per key, the others wait (see once.h). Owner: helper ppapay. */
#include "once.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct once_claim {
	struct once_claim *next;
	char key[ONCE_KEY_MAX];
};

static void (*hook_begin)(void), (*hook_end)(void);

void once_set_wait_hooks(void (*begin)(void), void (*end)(void))
{
	hook_begin = begin;
	hook_end = end;
}

/* Under t->mu. */
static struct once_claim **find(struct once_table *t, const char *key)
{
	struct once_claim **pp = &t->held;

	while (*pp && strncmp((*pp)->key, key, ONCE_KEY_MAX - 1))
		pp = &(*pp)->next;
	return pp;
}

/* Under t->mu, key not held: holds it (nothing on out of memory). */
static void hold(struct once_table *t, const char *key)
{
	struct once_claim *c = calloc(1, sizeof(*c));

	if (!c)
		return;
	snprintf(c->key, sizeof(c->key), "%s", key);
	c->next = t->held;
	t->held = c;
}

int once_claim(struct once_table *t, const char *key)
{
	int lend;

	pthread_mutex_lock(&t->mu);
	if (!*find(t, key)) {
		hold(t, key);
		pthread_mutex_unlock(&t->mu);
		return 0;
	}
	t->waits++;
	lend = t->lend && hook_begin && hook_end;
	if (lend) {
		pthread_mutex_unlock(&t->mu);
		hook_begin();
		pthread_mutex_lock(&t->mu);
	}
	while (*find(t, key))
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
	if (lend)
		hook_end();
	return 1;
}

int once_try_claim(struct once_table *t, const char *key)
{
	int held;

	pthread_mutex_lock(&t->mu);
	held = *find(t, key) != NULL;
	if (!held)
		hold(t, key);
	pthread_mutex_unlock(&t->mu);
	return held;
}

void once_done(struct once_table *t, const char *key)
{
	struct once_claim **pp, *c;

	pthread_mutex_lock(&t->mu);
	pp = find(t, key);
	c = *pp;
	if (c) {
		*pp = c->next;
		free(c);
	}
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

int once_held(struct once_table *t, const char *key)
{
	int held;

	pthread_mutex_lock(&t->mu);
	held = *find(t, key) != NULL;
	pthread_mutex_unlock(&t->mu);
	return held;
}

uint64_t once_waits(struct once_table *t)
{
	uint64_t n;

	pthread_mutex_lock(&t->mu);
	n = t->waits;
	pthread_mutex_unlock(&t->mu);
	return n;
}
