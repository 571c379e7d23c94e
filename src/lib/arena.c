/*
 * arena.c - bump allocator (see arena.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/arena.h"
#include "lib/banned.h"

#define ARENA_CHUNK 8192

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, off;
	_Alignas(16) unsigned char data[];
};

void arena_init(struct arena *a, size_t max)
{
	a->head = NULL;
	a->used = 0;
	a->max = max;
}

void arena_release(struct arena *a)
{
	struct arena_chunk *c = a->head, *n;
	while (c) {
		n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
	a->used = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;

	/* no wrap-around in the rounding, the cap check or the chunk size */
	if (need < n || (a->max && need > a->max - a->used) || need > SIZE_MAX - sizeof(*c))
		return NULL;
	if (!c || c->size - c->off < need) {
		size_t sz = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		c = malloc(sizeof(*c) + sz);
		if (!c)
			return NULL;
		c->size = sz;
		c->off = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->off;
	c->off += need;
	a->used += need;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = n < SIZE_MAX ? arena_alloc(a, n + 1) : NULL;  /* n + 1 must not wrap */
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char *p;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(p = arena_alloc(a, (size_t)n + 1))) {
		va_end(ap2);
		return NULL;
	}
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}
