/*
 * test_metrics.c - unit tests of src/http/metrics.c: observations rendered
 * as Prometheus text exposition (format 0.0.4) that a scraper accepts:
 * HELP/TYPE before samples, well-formed labels, cumulative buckets that
 * never decrease, +Inf equal to _count, _sum in seconds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "api/api.h"
#include "http/metrics.h"
#include "http/router.h"
#include "lib/banned.h"

static int h_dummy(struct http_req *req) { return 0; }

static const struct http_route routes[] = {
	{"GET", "/healthz", h_dummy, 0, "healthz"},
	{"GET", "/api/v1/units/:code", h_dummy, 0, "unit.get"},
	{"POST", "/api/v1/locate/batch", h_dummy, 0, "locate.batch"},
};

/* One parsed sample line: name{labels} value */
struct sample {
	char name[96];
	char route[64];
	char status[16];
	char le[32];
	double value;
};

/* Parse a sample line strictly; 0 on success. */
static int parse_sample(const char *line, struct sample *s)
{
	const char *p = line, *q;
	size_t n;

	memset(s, 0, sizeof(*s));
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789");
	if (n == 0 || n >= sizeof(s->name) || (p[0] >= '0' && p[0] <= '9'))
		return -1;
	memcpy(s->name, p, n);
	p += n;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			char key[32], val[64];
			size_t kn = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
			if (kn == 0 || kn >= sizeof(key) || p[kn] != '=' || p[kn + 1] != '"')
				return -1;
			memcpy(key, p, kn);
			key[kn] = '\0';
			p += kn + 2;
			q = strchr(p, '"');
			if (!q || (size_t)(q - p) >= sizeof(val) || memchr(p, '\\', (size_t)(q - p)))
				return -1;
			memcpy(val, p, (size_t)(q - p));
			val[q - p] = '\0';
			p = q + 1;
			if (!strcmp(key, "route")) snprintf(s->route, sizeof(s->route), "%s", val);
			else if (!strcmp(key, "status")) snprintf(s->status, sizeof(s->status), "%s", val);
			else if (!strcmp(key, "le")) snprintf(s->le, sizeof(s->le), "%s", val);
			else return -1;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return -1;
		}
		p++;
	}
	if (*p != ' ')
		return -1;
	p++;
	{
		char *end;
		s->value = strtod(p, &end);
		if (end == p || *end != '\0' || !isfinite(s->value) || s->value < 0)
			return -1;
	}
	return 0;
}

/* Check the whole exposition; returns the number of samples. */
static int check_exposition(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;
	char families[8][96];
	char types[8][16];
	int nfam = 0, nsamples = 0;
	double last_bucket = -1, inf_bucket = -1;
	char bucket_route[64] = "";

	assert_non_null(copy);
	assert_true(text[0] != '\0');
	assert_int_equal(text[strlen(text) - 1], '\n');        /* ends with a newline */
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct sample s;
		if (!strncmp(line, "# HELP ", 7)) {
			assert_true(strlen(line) > 7 + 1);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char name[96], type[16];
			assert_int_equal(sscanf(line + 7, "%95s %15s", name, type), 2);
			assert_true(!strcmp(type, "counter") || !strcmp(type, "histogram") ||
			            !strcmp(type, "gauge"));
			for (int i = 0; i < nfam; i++)
				if (!strcmp(families[i], name))
					fail_msg("TYPE for %s given twice", name);
			assert_true(nfam < 8);
			snprintf(families[nfam], sizeof(families[nfam]), "%s", name);
			snprintf(types[nfam], sizeof(types[nfam]), "%s", type);
			nfam++;
			continue;
		}
		if (line[0] == '#')
			fail_msg("stray comment: %s", line);
		if (parse_sample(line, &s) < 0)
			fail_msg("malformed sample line: '%s'", line);
		nsamples++;
		/* the sample belongs to the family declared last */
		assert_true(nfam > 0);
		{
			const char *fam = families[nfam - 1];
			size_t fl = strlen(fam);
			if (!strcmp(types[nfam - 1], "histogram")) {
				if (strncmp(s.name, fam, fl) ||
				    (strcmp(s.name + fl, "_bucket") && strcmp(s.name + fl, "_sum") &&
				     strcmp(s.name + fl, "_count")))
					fail_msg("%s is not part of histogram %s", s.name, fam);
			} else if (strcmp(s.name, fam)) {
				fail_msg("%s under TYPE %s", s.name, fam);
			}
		}
		assert_true(s.route[0] != '\0');
		if (strstr(s.name, "_bucket")) {
			assert_true(s.le[0] != '\0');
			if (strcmp(bucket_route, s.route)) {        /* a new series starts */
				snprintf(bucket_route, sizeof(bucket_route), "%s", s.route);
				last_bucket = -1;
			}
			if (s.value < last_bucket)
				fail_msg("bucket le=%s of %s decreases", s.le, s.route);
			last_bucket = s.value;
			if (!strcmp(s.le, "+Inf"))
				inf_bucket = s.value;
		} else if (strstr(s.name, "_count")) {
			assert_string_equal(s.route, bucket_route);
			if (s.value != inf_bucket)
				fail_msg("%s: _count %g != +Inf bucket %g", s.route, s.value, inf_bucket);
		}
	}
	free(copy);
	return nsamples;
}

static char *render(struct metrics *m)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(metrics_render(m, &b), 0);
	return buf_detach(&b, NULL);
}

/* Value of the sample whose line starts with prefix, or -1. */
static double value_of(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while ((p = strstr(p, prefix))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

static void test_empty(void **state)
{
	struct metrics *m = metrics_new(routes, 3);
	char *t;

	assert_non_null(m);
	t = render(m);
	/* families are declared even without samples */
	assert_non_null(strstr(t, "# TYPE wangge_http_requests_total counter\n"));
	assert_non_null(strstr(t, "# TYPE wangge_http_request_duration_seconds histogram\n"));
	assert_int_equal(check_exposition(t), 0);
	free(t);
	metrics_free(m);
}

static void test_counts_and_histogram(void **state)
{
	struct metrics *m = metrics_new(routes, 3);
	char *t;

	metrics_observe(m, 0, 200, 50);          /* 0.00005 s */
	metrics_observe(m, 0, 200, 100);         /* exactly 0.0001: le is inclusive */
	metrics_observe(m, 0, 503, 3000);
	metrics_observe(m, 1, 404, 7000000);     /* 7 s: only +Inf */
	metrics_observe(m, 1, 200, 1000);
	metrics_observe(m, 1, 418, 1000);        /* not a listed status: "other" */
	metrics_observe(m, -1, 304, 10);         /* a static file */
	metrics_observe(m, -2, 404, 10);         /* unmatched */
	t = render(m);
	assert_true(check_exposition(t) > 10);

	assert_true(value_of(t, "wangge_http_requests_total{route=\"healthz\",status=\"200\"}") == 2);
	assert_true(value_of(t, "wangge_http_requests_total{route=\"healthz\",status=\"503\"}") == 1);
	assert_true(value_of(t, "wangge_http_requests_total{route=\"unit.get\",status=\"other\"}") == 1);
	assert_true(value_of(t, "wangge_http_requests_total{route=\"static\",status=\"304\"}") == 1);
	assert_true(value_of(t, "wangge_http_requests_total{route=\"unmatched\",status=\"404\"}") == 1);
	/* zero series are left out */
	assert_null(strstr(t, "route=\"locate.batch\""));
	assert_true(value_of(t, "wangge_http_requests_total{route=\"healthz\",status=\"404\"}") == -1);

	assert_true(value_of(t, "wangge_http_request_duration_seconds_bucket{route=\"healthz\",le=\"0.0001\"}") == 2);
	assert_true(value_of(t, "wangge_http_request_duration_seconds_bucket{route=\"healthz\",le=\"0.0025\"}") == 2);
	assert_true(value_of(t, "wangge_http_request_duration_seconds_bucket{route=\"healthz\",le=\"0.005\"}") == 3);
	assert_true(value_of(t, "wangge_http_request_duration_seconds_bucket{route=\"healthz\",le=\"+Inf\"}") == 3);
	assert_true(value_of(t, "wangge_http_request_duration_seconds_count{route=\"healthz\"}") == 3);
	assert_true(fabs(value_of(t, "wangge_http_request_duration_seconds_sum{route=\"healthz\"}") - 0.00315) < 1e-9);
	assert_true(value_of(t, "wangge_http_request_duration_seconds_bucket{route=\"unit.get\",le=\"5\"}") == 2);
	assert_true(value_of(t, "wangge_http_request_duration_seconds_bucket{route=\"unit.get\",le=\"+Inf\"}") == 3);
	free(t);
	metrics_free(m);
}

static void test_out_of_range_routes_ignored(void **state)
{
	struct metrics *m = metrics_new(routes, 3);
	char *t;

	metrics_observe(m, 3, 200, 1);           /* one past the table */
	metrics_observe(m, 1000, 200, 1);
	metrics_observe(m, -3, 200, 1);
	metrics_observe(m, INT_MIN, 200, 1);     /* no -INT_MIN overflow (UBSan) */
	metrics_observe(m, INT_MAX, 200, 1);
	t = render(m);
	assert_int_equal(check_exposition(t), 0);
	free(t);
	metrics_free(m);
}

static void test_render_into_small_buffer(void **state)
{
	struct metrics *m = metrics_new(routes, 3);
	struct buf b;

	for (int i = 0; i < 3; i++)
		metrics_observe(m, i, 200, 10);
	buf_init(&b, 64);
	assert_int_equal(metrics_render(m, &b), -1);           /* reported, not overrun */
	buf_release(&b);
	metrics_free(m);
}

struct worker { struct metrics *m; int route; };

static void *observe_many(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 10000; i++)
		metrics_observe(w->m, w->route, i % 2 ? 200 : 404, (uint64_t)(i % 5000));
	return NULL;
}

static void test_concurrent_observers(void **state)
{
	struct metrics *m = metrics_new(routes, 3);
	pthread_t t[4];
	struct worker w[4];
	char *text;

	for (int i = 0; i < 4; i++) {
		w[i].m = m;
		w[i].route = i % 2;
		assert_int_equal(pthread_create(&t[i], NULL, observe_many, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	text = render(m);
	check_exposition(text);
	assert_true(value_of(text, "wangge_http_request_duration_seconds_count{route=\"healthz\"}") == 20000);
	assert_true(value_of(text, "wangge_http_requests_total{route=\"unit.get\",status=\"404\"}") == 10000);
	free(text);
	metrics_free(m);
}

static void test_real_route_names_are_label_safe(void **state)
{
	/* route names go into label values unescaped: no quote, backslash or
	 * newline may appear in them */
	for (size_t i = 0; i < api_nroutes; i++)
		if (strpbrk(api_routes[i].name, "\"\\\n"))
			fail_msg("route name '%s' needs escaping", api_routes[i].name);
	/* and the real table renders cleanly */
	struct metrics *m = metrics_new(api_routes, api_nroutes);
	for (size_t i = 0; i < api_nroutes; i++)
		metrics_observe(m, (int)i, 200, 1000 * i);
	char *t = render(m);
	check_exposition(t);
	free(t);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_counts_and_histogram),
		cmocka_unit_test(test_out_of_range_routes_ignored),
		cmocka_unit_test(test_render_into_small_buffer),
		cmocka_unit_test(test_concurrent_observers),
		cmocka_unit_test(test_real_route_names_are_label_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
