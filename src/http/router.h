/*
 * router.h - the declarative route table.
 *
 * Routes are rows of a static table (src/api/routes.c). A pattern is a path
 * whose segments are literals or `:name` parameters:
 *   { "GET", "/api/v1/units/:code/children", api_unit_children, ROLE_PUBLIC, "unit.children" }
 *
 * How to add a route:
 *   1. write the handler `int api_RESOURCE_VERB(struct http_req *req)` in
 *      src/api/api_RESOURCE.c and declare it in src/api/api.h;
 *   2. add a row to `api_routes[]` in src/api/routes.c with the role it needs
 *      and a stable name (used in metrics and the access log); an upload
 *      that needs more than the server's body_max gives its own limit as a
 *      sixth field (a number or a macro: `PHOTO_BYTES_MAX`);
 *   3. document it in docs/api.md;
 *   4. add a test in tests/api/ (the authorization matrix reads the table).
 */
#ifndef WG_ROUTER_H
#define WG_ROUTER_H

#include <stddef.h>
#include "http/http.h"

typedef int (*http_handler)(struct http_req *req);

struct http_route {
	const char *method;      /* "GET", "POST", "PUT", "DELETE" */
	const char *pattern;     /* "/api/v1/units/:code" */
	http_handler fn;
	unsigned role;           /* roles allowed (domain/role.h); 0 = public */
	const char *name;        /* stable name for metrics/logs: "unit.get" */
	size_t body_max;         /* largest request body, bytes; 0 = the server's
	                          * body_max. A route with its own limit (an upload)
	                          * is guarded before its body is read, and a body
	                          * over it is answered 413 "<resource>.too_large"
	                          * ("photo.upload" -> photo.too_large). */
};

enum router_result {
	ROUTER_FOUND = 0,
	ROUTER_NO_PATH = 1,      /* 404 */
	ROUTER_NO_METHOD = 2,    /* path exists with another method: 405 */
};

/* Match method+path against the table. On ROUTER_FOUND *out is the route and
 * params[] hold the parameter values copied into the arena. */
enum router_result router_match(const struct http_route *routes, size_t n,
                                const char *method, const char *path,
                                struct arena *arena, const char **params, int *nparams,
                                const struct http_route **out);
/* The methods the table has for path, as an Allow header value ("GET, HEAD",
 * "POST") into out (always NUL-terminated when len > 0). Returns its length. */
size_t router_allowed(const struct http_route *routes, size_t n, const char *path,
                      char *out, size_t len);
/* Index of the route's `:name` parameter within its pattern, or -1. */
int router_param_index(const struct http_route *r, const char *name);

#endif
