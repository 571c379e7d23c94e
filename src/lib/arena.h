/*
 * arena.h - a bump allocator freed all at once.
 *
 * Each HTTP request owns one arena (like h2o's req->pool): handlers allocate
 * from it freely and everything goes when the request ends. An arena has a
 * maximum total size set at init; allocations beyond it return NULL.
 */
#ifndef WG_ARENA_H
#define WG_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;  /* newest chunk first */
	size_t used;               /* bytes handed out, all chunks */
	size_t max;                /* cap on `used`; 0 = unlimited */
};

/* Set up an empty arena capped at max bytes (0 = no cap). No allocation. */
void arena_init(struct arena *a, size_t max);
/* Free every chunk; the arena may be used again afterwards. */
void arena_release(struct arena *a);
/* n bytes aligned to 16, or NULL when the cap is reached or malloc fails. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy of s (n bytes) NUL-terminated in the arena, or NULL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena; NULL on failure. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
