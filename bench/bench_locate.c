/*
 * bench_locate.c - point -> grid lookup: wangge's raster index (geo/locate.h)
 * against the plain GEOS way (STRtree + GEOSPreparedContains_r) on the same
 * grids and the same random points, on one core. Run it through bench/locate.
 *
 * Grids come from a wangge database (the level-5 units' polygons), from a
 * GeoJSON file, or from a synthetic Voronoi tiling of Baiyun's bounding box.
 * Every point is answered by both; any disagreement is listed and makes the
 * exit status 1. Output: one table row per index and the speed ratio.
 */
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "geo/locate.h"
#include "store/db.h"
#include "store/store_unit.h"
#include "lib/banned.h"

#define TARGET_RATIO 2.0

/* The grids under test: polygons and their common bbox. */
struct grids {
	GEOSGeometry **g;
	size_t n, cap;
	double bbox[4];
};

/* ====================================================== random numbers */

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform double in [0, 1). */
static double rnd_unit(uint64_t *s)
{
	return (double)(rnd_next(s) >> 11) * 0x1.0p-53;
}

/* CPU time of this thread, in seconds: what the lookups cost on their core,
 * not counting time other processes had it. */
static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Heap bytes in use (malloc'd and mmap'd), to size the GEOS structures. */
static size_t heap_used(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

/* ======================================================== grid sources */

static int grids_add(struct grids *gs, GEOSGeometry *g)
{
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? gs->cap * 2 : 1024;
		GEOSGeometry **ng = realloc(gs->g, cap * sizeof(*ng));
		if (!ng)
			return -1;
		gs->g = ng;
		gs->cap = cap;
	}
	gs->g[gs->n++] = g;
	return 0;
}

static int db_grid(void *ctx, const struct unit_rec *u, const void *wkb, size_t n)
{
	struct grids *gs = ctx;
	GEOSGeometry *g;

	if (!wkb || !n)
		return 0;
	if (!(g = geom_from_wkb(geo_ctx(), wkb, n))) {
		fprintf(stderr, "bench_locate: grid %s: unreadable geometry, skipped\n", u->code);
		return 0;
	}
	return grids_add(gs, g) < 0 ? 1 : 0;
}

/* The grids (level 5) of a wangge database. */
static int load_db(const char *url, struct grids *gs)
{
	struct err e = ERR_INIT;
	struct db *db = NULL;
	int ret = -1;

	if (db_open(url, &db, &e) < 0 || store_unit_list(db, 5, NULL, 1, db_grid, gs, &e) != 0) {
		fprintf(stderr, "bench_locate: %s: %s\n", url, e.msg_en[0] ? e.msg_en : "cannot list grids");
		goto out;
	}
	ret = 0;
out:
	db_close(db);
	return ret;
}

/* Polygons of a GeoJSON FeatureCollection, a JSON array of Features
 * (DataV style) or a single geometry. */
static int load_geojson(const char *path, struct grids *gs)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *feats, *f;
	size_t i;
	int ret = -1;

	if (!root) {
		fprintf(stderr, "bench_locate: %s:%d: %s\n", path, je.line, je.text);
		return -1;
	}
	feats = json_is_array(root) ? root : json_object_get(root, "features");
	if (!json_is_array(feats)) {
		feats = json_array();
		json_array_append(feats, root);
	} else {
		json_incref(feats);
	}
	json_array_foreach(feats, i, f) {
		struct err e = ERR_INIT;
		json_t *geom = json_object_get(f, "geometry");
		GEOSGeometry *g = geojson_to_geos(geo_ctx(), geom ? geom : f, CRS_WGS84, &e);
		if (!g) {
			fprintf(stderr, "bench_locate: %s: feature %zu: %s\n", path, i, e.msg_en);
			goto out;
		}
		if (grids_add(gs, g) < 0)
			goto out;
	}
	ret = 0;
out:
	json_decref(feats);
	json_decref(root);
	return ret;
}

/* A Voronoi tiling of n seeds over Baiyun's bbox, denser in the south (the
 * urban part) like the real grids, each cell clipped to the bbox. */
static int load_synthetic(size_t n, uint64_t seed, struct grids *gs)
{
	GEOSContextHandle_t h = geo_ctx();
	const double x0 = 113.14, y0 = 23.13, x1 = 113.51, y1 = 23.45;
	GEOSGeometry **pts = malloc(n * sizeof(*pts)), *mp = NULL, *env, *vd = NULL;
	uint64_t s = seed;
	size_t i = 0;
	int ret = -1;

	env = GEOSGeom_createRectangle_r(h, x0, y0, x1, y1);
	if (!pts || !env)
		goto out;
	while (i < n) {
		double x = x0 + (x1 - x0) * rnd_unit(&s), y = y0 + (y1 - y0) * rnd_unit(&s);
		if (rnd_unit(&s) < 0.15 + 0.85 * exp(-(y - y0) / 0.08))
			pts[i++] = GEOSGeom_createPointFromXY_r(h, x, y);
	}
	mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOINT, pts, (unsigned)n);
	if (!mp || !(vd = GEOSVoronoiDiagram_r(h, mp, env, 0.0, 0)))
		goto out;
	for (i = 0; i < (size_t)GEOSGetNumGeometries_r(h, vd); i++) {
		GEOSGeometry *c = GEOSIntersection_r(h, GEOSGetGeometryN_r(h, vd, (int)i), env);
		if (!c || grids_add(gs, c) < 0)
			goto out;
	}
	ret = 0;
out:
	if (mp)
		GEOSGeom_destroy_r(h, mp);
	else if (pts)
		for (size_t j = 0; j < i; j++)
			GEOSGeom_destroy_r(h, pts[j]);
	free(pts);
	if (vd)
		GEOSGeom_destroy_r(h, vd);
	if (env)
		GEOSGeom_destroy_r(h, env);
	return ret;
}

/* ============================================= the GEOS baseline index */

struct geos_index {
	GEOSSTRtree *tree;
	const GEOSPreparedGeometry **prep;
	size_t *ids;
	size_t n;
};

struct geos_query {
	const struct geos_index *gi;
	const GEOSGeometry *pt;
	long hit;
};

static void geos_nop(void *item, void *ud)
{
}

static int geos_index_build(const struct grids *gs, struct geos_index *gi)
{
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry *pt;

	gi->n = gs->n;
	gi->tree = GEOSSTRtree_create_r(h, 10);
	gi->prep = calloc(gs->n ? gs->n : 1, sizeof(*gi->prep));
	gi->ids = calloc(gs->n ? gs->n : 1, sizeof(*gi->ids));
	if (!gi->tree || !gi->prep || !gi->ids)
		return -1;
	for (size_t i = 0; i < gs->n; i++) {
		gi->ids[i] = i;
		if (!(gi->prep[i] = GEOSPrepare_r(h, gs->g[i])))
			return -1;
		GEOSSTRtree_insert_r(h, gi->tree, gs->g[i], &gi->ids[i]);
	}
	/* GEOS 3.11 builds the tree on the first query */
	pt = GEOSGeom_createPointFromXY_r(h, gs->bbox[0], gs->bbox[1]);
	GEOSSTRtree_query_r(h, gi->tree, pt, geos_nop, NULL);
	GEOSGeom_destroy_r(h, pt);
	return 0;
}

static void geos_visit(void *item, void *ud)
{
	struct geos_query *q = ud;
	long i = (long)*(size_t *)item;

	if ((q->hit < 0 || i < q->hit) &&
	    GEOSPreparedContains_r(geo_ctx(), q->gi->prep[i], q->pt) == 1)
		q->hit = i;
}

/* Lowest index of the polygons containing (x, y), or -1. */
static long geos_index_find(const struct geos_index *gi, double x, double y)
{
	GEOSContextHandle_t h = geo_ctx();
	struct geos_query q = {gi, NULL, -1};
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);

	q.pt = pt;
	GEOSSTRtree_query_r(h, gi->tree, pt, geos_visit, &q);
	GEOSGeom_destroy_r(h, pt);
	return q.hit;
}

static void geos_index_release(struct geos_index *gi)
{
	GEOSContextHandle_t h = geo_ctx();

	if (gi->tree)
		GEOSSTRtree_destroy_r(h, gi->tree);
	for (size_t i = 0; gi->prep && i < gi->n; i++)
		if (gi->prep[i])
			GEOSPreparedGeom_destroy_r(h, gi->prep[i]);
	free(gi->prep);
	free(gi->ids);
}

/* ============================================================== runs */

struct row {
	const char *name;
	double build_ms;
	size_t memory;
	double per_s;
};

static volatile long sink;

/* Best lookups/s over `rounds` passes; answers go to out[]. */
static double run_wangge(const struct locate_index *idx, const double *pts, size_t n,
                         int rounds, long *out)
{
	double best = 0;

	for (int r = 0; r < rounds; r++) {
		double t0 = now_s(), t;
		long acc = 0;
		for (size_t i = 0; i < n; i++)
			acc += out[i] = locate_find(idx, pts[2 * i], pts[2 * i + 1]);
		t = now_s() - t0;
		sink = acc;
		if (n / t > best)
			best = (double)n / t;
	}
	return best;
}

static double run_geos(const struct geos_index *gi, const double *pts, size_t n,
                       int rounds, long *out)
{
	double best = 0;

	for (int r = 0; r < rounds; r++) {
		double t0 = now_s(), t;
		for (size_t i = 0; i < n; i++)
			out[i] = geos_index_find(gi, pts[2 * i], pts[2 * i + 1]);
		t = now_s() - t0;
		if (n / t > best)
			best = (double)n / t;
	}
	return best;
}

static void print_row(const struct row *r, const char *agree)
{
	printf("| %-34s | %9.1f | %8.1f MB | %12.0f | %-9s |\n", r->name, r->build_ms,
	       (double)r->memory / (1024.0 * 1024.0), r->per_s, agree);
}

static void usage(void)
{
	fputs("usage: bench_locate (--db URL | --geojson FILE | --synthetic N)\n"
	      "                    [--points N] [--seed N] [--rounds N] [--cpu N]\n", stderr);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"geojson", required_argument, NULL, 'g'},
		{"synthetic", required_argument, NULL, 's'}, {"points", required_argument, NULL, 'p'},
		{"seed", required_argument, NULL, 'S'}, {"rounds", required_argument, NULL, 'r'},
		{"cpu", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0},
	};
	const char *db = NULL, *geojson = NULL, *source = "";
	size_t synthetic = 0, npts = 1000000, i, mismatches = 0, inside = 0;
	uint64_t seed = 1, s;
	int rounds = 3, cpu = 0, o, ret = 1;
	struct grids gs = {0};
	struct geos_index gi = {0};
	struct locate_index *idx = NULL;
	struct err e = ERR_INIT;
	struct row rw = {"wangge raster index (locate.c)", 0, 0, 0};
	struct row rg = {"GEOS STRtree + PreparedContains", 0, 0, 0};
	double *pts = NULL, t0;
	long *aw = NULL, *ag = NULL;
	size_t h0;
	char src[64];

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd': db = optarg; break;
		case 'g': geojson = optarg; break;
		case 's': synthetic = strtoul(optarg, NULL, 10); break;
		case 'p': npts = strtoul(optarg, NULL, 10); break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		case 'r': rounds = (int)strtol(optarg, NULL, 10); break;
		case 'c': cpu = (int)strtol(optarg, NULL, 10); break;
		default: usage(); return 2;
		}
	}
	if (!!db + !!geojson + !!synthetic != 1 || !npts || npts > 100000000 || rounds < 1 ||
	    rounds > 100 || synthetic > 1000000) {
		usage();
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			perror("bench_locate: sched_setaffinity");
	}

	if (db) {
		source = db;
		if (load_db(db, &gs) < 0)
			goto out;
	} else if (geojson) {
		source = geojson;
		if (load_geojson(geojson, &gs) < 0)
			goto out;
	} else {
		snprintf(src, sizeof(src), "synthetic Voronoi, %zu seeds", synthetic);
		source = src;
		if (load_synthetic(synthetic, seed, &gs) < 0) {
			fprintf(stderr, "bench_locate: cannot make the synthetic tiling\n");
			goto out;
		}
	}
	if (!gs.n) {
		fprintf(stderr, "bench_locate: %s: no grid polygons\n", source);
		goto out;
	}
	gs.bbox[0] = gs.bbox[1] = INFINITY;
	gs.bbox[2] = gs.bbox[3] = -INFINITY;
	for (i = 0; i < gs.n; i++) {
		double b[4];
		if (geom_bbox(geo_ctx(), gs.g[i], b) < 0)
			continue;
		gs.bbox[0] = fmin(gs.bbox[0], b[0]);
		gs.bbox[1] = fmin(gs.bbox[1], b[1]);
		gs.bbox[2] = fmax(gs.bbox[2], b[2]);
		gs.bbox[3] = fmax(gs.bbox[3], b[3]);
	}

	/* the same points for both, uniform over the grids' bbox */
	pts = malloc(npts * 2 * sizeof(*pts));
	aw = malloc(npts * sizeof(*aw));
	ag = malloc(npts * sizeof(*ag));
	if (!pts || !aw || !ag) {
		fprintf(stderr, "bench_locate: out of memory\n");
		goto out;
	}
	s = seed ^ 0x6c6f63617465ull;
	for (i = 0; i < npts; i++) {
		pts[2 * i] = gs.bbox[0] + (gs.bbox[2] - gs.bbox[0]) * rnd_unit(&s);
		pts[2 * i + 1] = gs.bbox[1] + (gs.bbox[3] - gs.bbox[1]) * rnd_unit(&s);
	}

	t0 = now_s();
	if (!(idx = locate_build(geo_ctx(), (const GEOSGeometry *const *)gs.g, gs.n, &e))) {
		fprintf(stderr, "bench_locate: locate_build: %s\n", e.msg_en);
		goto out;
	}
	rw.build_ms = (now_s() - t0) * 1e3;
	rw.memory = locate_memory(idx);

	h0 = heap_used();
	t0 = now_s();
	if (geos_index_build(&gs, &gi) < 0) {
		fprintf(stderr, "bench_locate: cannot build the GEOS index\n");
		goto out;
	}
	rg.build_ms = (now_s() - t0) * 1e3;

	rw.per_s = run_wangge(idx, pts, npts, rounds, aw);
	rg.per_s = run_geos(&gi, pts, npts, rounds, ag);
	/* STRtree and prepared geometries, measured after the queries because
	 * GEOS builds each prepared geometry's index on its first use; the
	 * polygons themselves are not counted */
	rg.memory = heap_used() - h0;
	for (i = 0; i < npts; i++) {
		inside += ag[i] >= 0;
		if (aw[i] != ag[i] && mismatches++ < 10)
			fprintf(stderr, "disagree: (%.17g, %.17g): wangge %ld, GEOS %ld\n",
			        pts[2 * i], pts[2 * i + 1], aw[i], ag[i]);
	}

	printf("point -> grid lookup: %zu grids (%s)\n", gs.n, source);
	printf("%zu random points in [%.4f, %.4f] x [%.4f, %.4f], seed %" PRIu64
	       ", %zu inside a grid;\none core (cpu %d), thread CPU time, best of %d rounds\n\n",
	       npts, gs.bbox[0], gs.bbox[2], gs.bbox[1], gs.bbox[3], seed, inside, cpu, rounds);
	printf("| %-34s | %9s | %11s | %12s | %-9s |\n", "index", "build ms", "memory",
	       "lookups/s", "agreement");
	printf("|%s|%s|%s|%s|%s|\n", "------------------------------------", "-----------",
	       "-------------", "--------------", "-----------");
	snprintf(src, sizeof(src), "%s", mismatches ? "DISAGREE" : "100%");
	print_row(&rw, src);
	print_row(&rg, "reference");
	printf("\nspeed-up: %.1fx (target >= %.1fx)%s\n", rw.per_s / rg.per_s, TARGET_RATIO,
	       rw.per_s / rg.per_s >= TARGET_RATIO ? "" : "  ** BELOW TARGET **");
	if (mismatches)
		printf("%zu of %zu points disagree\n", mismatches, npts);
	ret = mismatches ? 1 : 0;
out:
	locate_free(idx);
	geos_index_release(&gi);
	for (i = 0; i < gs.n; i++)
		GEOSGeom_destroy_r(geo_ctx(), gs.g[i]);
	free(gs.g);
	free(pts);
	free(aw);
	free(ag);
	return ret;
}
