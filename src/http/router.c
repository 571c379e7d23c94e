/*
 * router.c - matching paths against the route table (see router.h).
 * Linear scan segment by segment: the table has tens of rows, and a match
 * costs well under a microsecond.
 */
#include <string.h>
#include "http/router.h"
#include "lib/banned.h"

/* Compare one pattern against path. Returns 1 on match and fills params. */
static int match_one(const char *pat, const char *path, struct arena *a,
                     const char **params, int *nparams)
{
	int np = 0;

	while (*pat && *path) {
		if (*pat != '/' || *path != '/')
			return 0;
		pat++;
		path++;
		const char *pe = strchr(pat, '/'), *se = strchr(path, '/');
		size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
		size_t sl = se ? (size_t)(se - path) : strlen(path);
		if (pat[0] == ':') {
			if (sl == 0 || np >= HTTP_MAX_PARAMS)
				return 0;
			if (params && !(params[np] = arena_strndup(a, path, sl)))
				return 0;
			np++;
		} else if (pl != sl || memcmp(pat, path, pl)) {
			return 0;
		}
		pat += pl;
		path += sl;
	}
	if (*pat || *path)
		return 0;
	if (nparams)
		*nparams = np;
	return 1;
}

enum router_result router_match(const struct http_route *routes, size_t n,
                                const char *method, const char *path,
                                struct arena *arena, const char **params, int *nparams,
                                const struct http_route **out)
{
	int path_seen = 0;
	const char *head_as = !strcmp(method, "HEAD") ? "GET" : method;

	for (size_t i = 0; i < n; i++) {
		if (!match_one(routes[i].pattern, path, NULL, NULL, NULL))
			continue;
		if (strcmp(routes[i].method, head_as)) {
			path_seen = 1;
			continue;
		}
		if (!match_one(routes[i].pattern, path, arena, params, nparams))
			return ROUTER_NO_PATH;
		*out = &routes[i];
		return ROUTER_FOUND;
	}
	return path_seen ? ROUTER_NO_METHOD : ROUTER_NO_PATH;
}

int router_param_index(const struct http_route *r, const char *name)
{
	const char *p = r->pattern;
	size_t len = strlen(name);
	int idx = 0;

	while ((p = strchr(p, '/'))) {
		p++;
		if (*p == ':') {
			if (!strncmp(p + 1, name, len) && (p[1 + len] == '/' || p[1 + len] == '\0'))
				return idx;
			idx++;
		}
	}
	return -1;
}

size_t router_allowed(const struct http_route *routes, size_t n, const char *path,
                      char *out, size_t len)
{
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *m = routes[i].method;
		int dup = 0;
		if (!match_one(routes[i].pattern, path, NULL, NULL, NULL))
			continue;
		for (size_t k = 0; k < i; k++)      /* each method once */
			if (!strcmp(routes[k].method, m) && match_one(routes[k].pattern, path, NULL, NULL, NULL))
				dup = 1;
		if (dup)
			continue;
		for (int head = 0; head <= !strcmp(m, "GET"); head++) {   /* GET implies HEAD */
			const char *name = head ? "HEAD" : m;
			size_t need = strlen(name) + (used ? 2 : 0);
			if (used + need >= len)
				return used;
			if (used) {
				memcpy(out + used, ", ", 2);
				used += 2;
			}
			memcpy(out + used, name, strlen(name) + 1);
			used += strlen(name);
		}
	}
	return used;
}
