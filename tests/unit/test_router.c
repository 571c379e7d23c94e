/*
 * test_router.c - unit tests of src/http/router.c (matching paths against a
 * route table) and a consistency check of the real table, api_routes[]
 * (src/api/routes.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "api/api.h"
#include "http/router.h"
#include "lib/banned.h"

static int h_dummy(struct http_req *req) { return 0; }

static const struct http_route table[] = {
	{"GET",    "/",                               h_dummy, 0, "root"},
	{"GET",    "/healthz",                        h_dummy, 0, "healthz"},
	{"GET",    "/api/v1/units",                   h_dummy, 0, "unit.search"},
	{"POST",   "/api/v1/units",                   h_dummy, 0, "unit.create"},
	{"GET",    "/api/v1/units/:code",             h_dummy, 0, "unit.get"},
	{"DELETE", "/api/v1/units/:code",             h_dummy, 0, "unit.delete"},
	{"GET",    "/api/v1/units/:code/children",    h_dummy, 0, "unit.children"},
	{"POST",   "/api/v1/events/:id/dispatch",     h_dummy, 0, "event.dispatch"},
	{"GET",    "/a/:p1/:p2/:p3/:p4",              h_dummy, 0, "four"},
	{"GET",    "/b/:p1/:p2/:p3/:p4/:p5",          h_dummy, 0, "five"},
	{"GET",    "/x/:first/y/:second",             h_dummy, 0, "two"},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

struct match {
	enum router_result rr;
	const struct http_route *route;
	const char *params[HTTP_MAX_PARAMS];
	int nparams;
};

static struct arena arena;

static int setup(void **state)
{
	arena_init(&arena, 1 << 20);
	return 0;
}

static int teardown(void **state)
{
	arena_release(&arena);
	return 0;
}

static struct match m(const char *method, const char *path)
{
	struct match r;

	memset(&r, 0, sizeof(r));
	r.nparams = -1;
	r.rr = router_match(table, NTABLE, method, path, &arena, r.params, &r.nparams, &r.route);
	return r;
}

static void assert_found(const char *method, const char *path, const char *name)
{
	struct match r = m(method, path);

	if (r.rr != ROUTER_FOUND)
		fail_msg("%s %s: result %d, expected route '%s'", method, path, r.rr, name);
	assert_string_equal(r.route->name, name);
}

static void assert_result(const char *method, const char *path, enum router_result want)
{
	struct match r = m(method, path);

	if (r.rr != want)
		fail_msg("%s %s: result %d, expected %d", method, path, r.rr, want);
}

/* ------------------------------------------------------------ matching */

static void test_literal(void **state)
{
	struct match r = m("GET", "/healthz");

	assert_int_equal(r.rr, ROUTER_FOUND);
	assert_ptr_equal(r.route, &table[1]);
	assert_int_equal(r.nparams, 0);
	assert_found("GET", "/", "root");
	assert_found("GET", "/api/v1/units", "unit.search");
	assert_found("POST", "/api/v1/units", "unit.create");
}

static void test_literal_near_misses(void **state)
{
	static const char *const paths[] = {
		"/healthzx", "/health", "/HEALTHZ", "/healthz.json", "healthz", "", "//",
		"/api/v1", "/api/v1/", "/api/v2/units", "/api/v1/unit", "/apix/v1/units",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		assert_result("GET", paths[i], ROUTER_NO_PATH);
}

static void test_param(void **state)
{
	struct match r = m("GET", "/api/v1/units/440111002");

	assert_int_equal(r.rr, ROUTER_FOUND);
	assert_string_equal(r.route->name, "unit.get");
	assert_int_equal(r.nparams, 1);
	assert_string_equal(r.params[0], "440111002");

	r = m("GET", "/api/v1/units/440111/children");
	assert_int_equal(r.rr, ROUTER_FOUND);
	assert_string_equal(r.route->name, "unit.children");
	assert_int_equal(r.nparams, 1);
	assert_string_equal(r.params[0], "440111");

	r = m("GET", "/x/one/y/two");
	assert_int_equal(r.rr, ROUTER_FOUND);
	assert_int_equal(r.nparams, 2);
	assert_string_equal(r.params[0], "one");
	assert_string_equal(r.params[1], "two");
	assert_result("GET", "/x/one/z/two", ROUTER_NO_PATH);

	/* values are opaque: dots, percent signs, Unicode are all a value */
	r = m("GET", "/api/v1/units/..");
	assert_int_equal(r.rr, ROUTER_FOUND);
	assert_string_equal(r.params[0], "..");
	r = m("GET", "/api/v1/units/白云区");
	assert_int_equal(r.rr, ROUTER_FOUND);
	assert_string_equal(r.params[0], "白云区");
}

static void test_param_copied_into_arena(void **state)
{
	char path[] = "/api/v1/units/440111/children";
	struct match r = m("GET", path);

	assert_int_equal(r.rr, ROUTER_FOUND);
	assert_true(r.params[0] < path || r.params[0] >= path + sizeof(path));
	memset(path, 'X', sizeof(path) - 1);                 /* the request buffer goes away */
	assert_string_equal(r.params[0], "440111");
}

static void test_trailing_slash_and_empty_segments(void **state)
{
	assert_result("GET", "/healthz/", ROUTER_NO_PATH);
	assert_result("GET", "/api/v1/units/", ROUTER_NO_PATH);          /* empty :code */
	assert_result("GET", "/api/v1/units/440111/", ROUTER_NO_PATH);
	assert_result("GET", "/api/v1/units//children", ROUTER_NO_PATH); /* empty :code */
	assert_result("GET", "/api/v1//units", ROUTER_NO_PATH);
	assert_result("GET", "//api/v1/units", ROUTER_NO_PATH);
	assert_result("GET", "/api/v1/units/440111/children/", ROUTER_NO_PATH);
	assert_result("GET", "/api/v1/units/440111/children/x", ROUTER_NO_PATH);
	assert_result("GET", "/x//y/two", ROUTER_NO_PATH);
}

static void test_param_limit(void **state)
{
	struct match r = m("GET", "/a/1/2/3/4");

	assert_int_equal(r.rr, ROUTER_FOUND);                /* HTTP_MAX_PARAMS fit */
	assert_int_equal(r.nparams, 4);
	assert_string_equal(r.params[3], "4");
	/* a pattern with more parameters than params[] can hold never matches
	 * (and never writes past the array) */
	assert_result("GET", "/b/1/2/3/4/5", ROUTER_NO_PATH);
	assert_result("GET", "/a/1/2/3/4/5", ROUTER_NO_PATH);
}

static void test_405_vs_404(void **state)
{
	assert_result("PUT", "/api/v1/units", ROUTER_NO_METHOD);
	assert_result("DELETE", "/healthz", ROUTER_NO_METHOD);
	assert_result("GET", "/api/v1/events/7/dispatch", ROUTER_NO_METHOD);
	assert_result("PATCH", "/api/v1/units/440111", ROUTER_NO_METHOD);
	assert_result("get", "/healthz", ROUTER_NO_METHOD);   /* methods are case-sensitive */
	assert_result("DELETE", "/nowhere", ROUTER_NO_PATH);
	assert_result("POST", "/api/v1/units/", ROUTER_NO_PATH);
	assert_found("DELETE", "/api/v1/units/440111", "unit.delete");
	assert_found("POST", "/api/v1/events/7/dispatch", "event.dispatch");
}

static void test_head_is_get(void **state)
{
	struct match r = m("HEAD", "/api/v1/units/440111");

	assert_int_equal(r.rr, ROUTER_FOUND);
	assert_string_equal(r.route->method, "GET");
	assert_string_equal(r.params[0], "440111");
	assert_found("HEAD", "/", "root");
	assert_result("HEAD", "/api/v1/events/7/dispatch", ROUTER_NO_METHOD); /* POST only */
	assert_result("HEAD", "/nowhere", ROUTER_NO_PATH);
}

static void test_empty_table(void **state)
{
	const struct http_route *out = NULL;

	assert_int_equal(router_match(table, 0, "GET", "/", &arena, NULL, NULL, &out), ROUTER_NO_PATH);
	assert_null(out);
}

static void test_param_index(void **state)
{
	const struct http_route r1 = {"GET", "/api/v1/units/:code/children", h_dummy, 0, "x"};
	const struct http_route r2 = {"GET", "/x/:first/y/:second", h_dummy, 0, "x"};
	const struct http_route r3 = {"GET", "/healthz", h_dummy, 0, "x"};

	assert_int_equal(router_param_index(&r1, "code"), 0);
	assert_int_equal(router_param_index(&r1, "cod"), -1);     /* prefix of a name */
	assert_int_equal(router_param_index(&r1, "codex"), -1);
	assert_int_equal(router_param_index(&r1, "children"), -1); /* a literal */
	assert_int_equal(router_param_index(&r2, "first"), 0);
	assert_int_equal(router_param_index(&r2, "second"), 1);
	assert_int_equal(router_param_index(&r2, "y"), -1);
	assert_int_equal(router_param_index(&r3, "healthz"), -1);
}

/* ------------------------------------------------- the real route table */

static int method_known(const char *m)
{
	static const char *const ok[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(m, ok[i]))
			return 1;
	return 0;
}

/* A concrete path the pattern matches: ":name" -> "v<name>". */
static void sample_path(const char *pattern, char *out, size_t n)
{
	size_t j = 0;

	for (const char *p = pattern; *p && j + 2 < n; p++) {
		if (*p == ':' && p > pattern && p[-1] == '/')
			out[j++] = 'v';
		else
			out[j++] = *p;
	}
	out[j] = '\0';
}

static void test_api_routes_rows(void **state)
{
	assert_true(api_nroutes > 0);
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct http_route *r = &api_routes[i];
		int np = 0;

		assert_non_null(r->method);
		assert_non_null(r->pattern);
		assert_non_null(r->name);
		if (!method_known(r->method))
			fail_msg("row %zu: method '%s'", i, r->method);
		if (r->pattern[0] != '/')
			fail_msg("row %zu: pattern '%s' does not start with '/'", i, r->pattern);
		if (!r->fn)
			fail_msg("row %zu (%s): no handler", i, r->pattern);
		if (!r->name[0])
			fail_msg("row %zu (%s): empty name", i, r->pattern);
		/* well-formed: no "//", no trailing '/', no empty ":" */
		if (strstr(r->pattern, "//") || (strlen(r->pattern) > 1 && r->pattern[strlen(r->pattern) - 1] == '/'))
			fail_msg("row %zu: malformed pattern '%s'", i, r->pattern);
		for (const char *p = r->pattern; (p = strstr(p, "/:")); p += 2) {
			if (p[2] == '\0' || p[2] == '/')
				fail_msg("row %zu: unnamed parameter in '%s'", i, r->pattern);
			np++;
		}
		if (np > HTTP_MAX_PARAMS)
			fail_msg("row %zu: '%s' has more than %d parameters", i, r->pattern, HTTP_MAX_PARAMS);
	}
}

static void test_api_routes_unique(void **state)
{
	for (size_t i = 0; i < api_nroutes; i++)
		for (size_t j = i + 1; j < api_nroutes; j++) {
			if (!strcmp(api_routes[i].name, api_routes[j].name))
				fail_msg("rows %zu and %zu share the name '%s'", i, j, api_routes[i].name);
			if (!strcmp(api_routes[i].method, api_routes[j].method) &&
			    !strcmp(api_routes[i].pattern, api_routes[j].pattern))
				fail_msg("rows %zu and %zu are both %s %s", i, j,
				         api_routes[i].method, api_routes[i].pattern);
		}
}

static void test_api_routes_reachable(void **state)
{
	/* every row is what the router picks for a path of its own shape: no row
	 * is shadowed by an earlier one (e.g. "/units/:code" before "/units/search") */
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct http_route *out = NULL;
		const char *params[HTTP_MAX_PARAMS];
		int np = -1;
		char path[512];
		enum router_result rr;

		sample_path(api_routes[i].pattern, path, sizeof(path));
		rr = router_match(api_routes, api_nroutes, api_routes[i].method, path, &arena,
		                  params, &np, &out);
		if (rr != ROUTER_FOUND || out != &api_routes[i])
			fail_msg("%s %s (as %s) reaches %s", api_routes[i].method, api_routes[i].pattern,
			         path, rr == ROUTER_FOUND ? out->name : "nothing");
		assert_int_equal(router_param_index(&api_routes[i], "no-such-param"), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_literal_near_misses),
		cmocka_unit_test(test_param),
		cmocka_unit_test(test_param_copied_into_arena),
		cmocka_unit_test(test_trailing_slash_and_empty_segments),
		cmocka_unit_test(test_param_limit),
		cmocka_unit_test(test_405_vs_404),
		cmocka_unit_test(test_head_is_get),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_param_index),
		cmocka_unit_test(test_api_routes_rows),
		cmocka_unit_test(test_api_routes_unique),
		cmocka_unit_test(test_api_routes_reachable),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
