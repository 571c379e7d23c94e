/*
 * test_org_import.c - unit tests of src/app/org_import.c (and the round trip
 * through src/app/org_export.c): GeoJSON fixtures built in code are imported
 * into a fresh database and the report and the rows are checked.
 *
 * The fixture tree (WGS-84, a 0.1° square near Guangzhou):
 *   440111 白云区                         113.20–113.30 × 23.10–23.20
 *     440111002 (west half), 440111003 (east half)
 *       440111002001 (south), 440111002002 (north)
 *         44011100200101 = all of 440111002001
 *           4401110020010101 (west), 4401110020010102 (east)
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "app/org_export.h"
#include "app/org_import.h"
#include "geo/coord.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/store_unit.h"
#include "testutil.h"
#include "lib/banned.h"

/* ------------------------------------------------------------ fixtures */

static json_t *rect(double x0, double y0, double x1, double y1)
{
	return json_pack("{s:s, s:[[[f,f],[f,f],[f,f],[f,f],[f,f]]]}", "type", "Polygon", "coordinates",
	                 x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
}

/* A Feature {code, name} with geometry g (reference stolen). */
static json_t *feat(const char *code, const char *name, json_t *g)
{
	return json_pack("{s:s, s:{s:s, s:s}, s:o}", "type", "Feature", "properties", "code", code,
	                 "name", name, "geometry", g ? g : json_null());
}

/* Set one more property on a feature; returns the feature. */
static json_t *with(json_t *f, const char *key, json_t *v)
{
	json_object_set_new(json_object_get(f, "properties"), key, v);
	return f;
}

/* FeatureCollection of the NULL-terminated features (references stolen). */
static json_t *fc(json_t *first, ...)
{
	json_t *arr = json_array(), *f;
	va_list ap;

	va_start(ap, first);
	for (f = first; f; f = va_arg(ap, json_t *))
		json_array_append_new(arr, f);
	va_end(ap);
	return json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", arr);
}

static json_t *f_district(void) { return feat("440111", "白云区", rect(113.20, 23.10, 113.30, 23.20)); }
static json_t *f_town2(void) { return feat("440111002", "三元里街道", rect(113.20, 23.10, 113.25, 23.20)); }
static json_t *f_town3(void) { return feat("440111003", "人和镇", rect(113.25, 23.10, 113.30, 23.20)); }
static json_t *f_comm1(void) { return feat("440111002001", "一社区", rect(113.20, 23.10, 113.25, 23.15)); }
static json_t *f_comm2(void) { return feat("440111002002", "二村", rect(113.20, 23.15, 113.25, 23.20)); }
static json_t *f_area(void) { return feat("44011100200101", "第一片区", rect(113.20, 23.10, 113.25, 23.15)); }
static json_t *f_grid1(void)
{
	return with(with(feat("4401110020010101", "一网格", rect(113.20, 23.10, 113.225, 23.15)),
	                 "households", json_integer(120)), "grid_type", json_string("综合网格"));
}
static json_t *f_grid2(void)
{
	return with(feat("4401110020010102", "二网格", rect(113.225, 23.10, 113.25, 23.15)),
	            "population", json_string("450"));
}

/* Bounding box of the rectangle x0..x1 × y0..y1 converted from crs to WGS-84
 * (its corners: the conversion is a smooth shift). */
static void converted_bbox(enum crs crs, double x0, double y0, double x1, double y1, double bb[4])
{
	double xs[2] = {x0, x1}, ys[2] = {y0, y1}, wx, wy;

	bb[0] = bb[1] = 1e9;
	bb[2] = bb[3] = -1e9;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			coord_to_wgs84(crs, xs[i], ys[j], &wx, &wy);
			bb[0] = fmin(bb[0], wx);
			bb[1] = fmin(bb[1], wy);
			bb[2] = fmax(bb[2], wx);
			bb[3] = fmax(bb[3], wy);
		}
}

/* ---------------------------------------------------------------- runs */

static int run_text(struct db *db, const char *text, unsigned flags, enum crs crs,
                    struct org_import_report *r, struct err *e)
{
	struct org_import_opts o;

	memset(&o, 0, sizeof(o));
	o.flags = flags;
	o.crs = crs;
	org_import_report_init(r);
	return org_import_run(db, text, strlen(text), &o, r, e);
}

/* Import root (reference stolen); the report goes to r (release it). */
static int run(struct db *db, json_t *root, unsigned flags, enum crs crs, struct org_import_report *r)
{
	struct err e = ERR_INIT;
	char *s = json_dumps(root, JSON_COMPACT);
	int rc;

	assert_non_null(s);
	rc = run_text(db, s, flags, crs, r, &e);
	if (rc < 0)
		assert_true(err_isset(&e));
	free(s);
	json_decref(root);
	return rc;
}

static int64_t count(struct db *db)
{
	int64_t n = -1;
	struct err e = ERR_INIT;
	assert_int_equal(store_unit_count(db, 0, NULL, &n, &e), 0);
	return n;
}

static int64_t version(struct db *db)
{
	int64_t v = -1;
	struct err e = ERR_INIT;
	assert_int_equal(store_org_version(db, &v, &e), 0);
	return v;
}

/* The listed problem with machine code `code` (and feature, unless -2), or NULL. */
static const struct org_problem *find_problem(const struct org_import_report *r, const char *code,
                                              long feature)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->items[i].err.code, code) && (feature == -2 || r->items[i].feature == feature))
			return &r->items[i];
	return NULL;
}

static void print_report(const struct org_import_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "  %s #%ld %s %s: %s\n", r->items[i].severity == ORG_ERROR ? "error" : "warning",
		        r->items[i].feature, r->items[i].code, r->items[i].err.code, r->items[i].err.msg_en);
}

/* The whole fixture tree. */
static json_t *tree(void)
{
	return fc(f_district(), f_town2(), f_town3(), f_comm1(), f_comm2(), f_area(), f_grid1(), f_grid2(), NULL);
}

/* The tree down to the area (no grids), imported. */
static void import_upper(struct db *db)
{
	struct org_import_report r;
	int rc = run(db, fc(f_district(), f_town2(), f_town3(), f_comm1(), f_comm2(), f_area(), NULL), 0,
	             CRS_WGS84, &r);
	if (rc)
		print_report(&r);
	assert_int_equal(rc, 0);
	org_import_report_release(&r);
}

/* =============================================================== tests */

static void test_valid_tree(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	struct unit_rec u;
	struct err e = ERR_INIT;
	int64_t v0 = version(f->db);

	if (run(f->db, tree(), 0, CRS_WGS84, &r) < 0)
		print_report(&r);
	assert_int_equal(r.nerrors, 0);
	assert_int_equal(r.nwarnings, 0);
	assert_true(r.written);
	assert_int_equal(r.units[LEVEL_DISTRICT], 1);
	assert_int_equal(r.units[LEVEL_TOWN], 2);
	assert_int_equal(r.units[LEVEL_COMMUNITY], 2);
	assert_int_equal(r.units[LEVEL_AREA], 1);
	assert_int_equal(r.units[LEVEL_GRID], 2);
	assert_int_equal(r.replaced[LEVEL_GRID], 0);
	org_import_report_release(&r);
	assert_int_equal(count(f->db), 8);
	assert_int_equal(version(f->db), v0 + 1);

	assert_int_equal(store_unit_get(f->db, "440111003", &u, &e), 0);
	assert_string_equal(u.kind, "镇");                      /* from the name */
	assert_string_equal(u.parent, "440111");
	assert_int_equal(store_unit_get(f->db, "440111002002", &u, &e), 0);
	assert_string_equal(u.kind, "村");
	assert_int_equal(store_unit_get(f->db, "440111002", &u, &e), 0);
	assert_string_equal(u.kind, "街道");
	assert_int_equal(store_unit_get(f->db, "4401110020010101", &u, &e), 0);
	assert_string_equal(u.parent, "44011100200101");
	assert_int_equal(u.level, LEVEL_GRID);
	assert_int_equal(u.households, 120);
	assert_int_equal(u.population, -1);
	assert_string_equal(u.grid_type, "综合网格");
	assert_true(fabs(u.bbox[0] - 113.20) < 1e-12 && fabs(u.bbox[2] - 113.225) < 1e-12);
	assert_true(u.area_m2 > 1.3e7 && u.area_m2 < 1.5e7);    /* 2.56 km × 5.55 km */
	assert_true(u.center[0] > 113.20 && u.center[0] < 113.225);
	assert_int_equal(store_unit_get(f->db, "4401110020010102", &u, &e), 0);
	assert_int_equal(u.population, 450);                    /* from a string of digits */
	assert_int_equal(u.households, -1);
	assert_string_equal(u.grid_type, "");

	/* again: everything replaced, nothing added */
	assert_int_equal(run(f->db, tree(), 0, CRS_WGS84, &r), 0);
	assert_int_equal(r.replaced[LEVEL_GRID], 2);
	assert_int_equal(r.replaced[LEVEL_DISTRICT], 1);
	org_import_report_release(&r);
	assert_int_equal(count(f->db), 8);
	assert_int_equal(version(f->db), v0 + 2);
}

static void test_dry_run_writes_nothing(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;

	assert_int_equal(run(f->db, tree(), ORG_IMPORT_DRY_RUN, CRS_WGS84, &r), 0);
	assert_false(r.written);
	assert_int_equal(r.units[LEVEL_GRID], 2);
	org_import_report_release(&r);
	assert_int_equal(count(f->db), 0);
	assert_int_equal(version(f->db), 0);
}

static void test_bowtie_repair(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	const struct org_problem *p;
	struct unit_rec u;
	struct err e = ERR_INIT;
	/* a figure-of-eight ring: self-intersects at (113.25, 23.15) */
	json_t *bow = json_pack("{s:s, s:[[[f,f],[f,f],[f,f],[f,f],[f,f]]]}", "type", "Polygon", "coordinates",
	                        113.20, 23.10, 113.30, 23.20, 113.30, 23.10, 113.20, 23.20, 113.20, 23.10);

	assert_int_equal(run(f->db, fc(feat("440111", "白云区", json_deep_copy(bow)), NULL), 0, CRS_WGS84, &r), -1);
	assert_non_null(p = find_problem(&r, "geom.invalid", 0));
	assert_int_equal(p->severity, ORG_ERROR);
	assert_string_equal(p->code, "440111");
	assert_non_null(strstr(p->err.msg_en, "Self-intersection"));
	assert_non_null(strstr(p->err.msg_en, "--repair"));
	org_import_report_release(&r);
	assert_int_equal(count(f->db), 0);

	assert_int_equal(run(f->db, fc(feat("440111", "白云区", bow), NULL), ORG_IMPORT_REPAIR, CRS_WGS84, &r), 0);
	assert_int_equal(r.nerrors, 0);
	assert_non_null(p = find_problem(&r, "geom.repaired", 0));
	assert_int_equal(p->severity, ORG_WARNING);
	org_import_report_release(&r);
	assert_int_equal(store_unit_get(f->db, "440111", &u, &e), 0);
	/* both triangles kept: half the square, ~ 10.2 km × 11.1 km / 2 */
	assert_true(u.area_m2 > 5.0e7 && u.area_m2 < 6.2e7);
}

static void test_outside_parent(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	const struct org_problem *p;
	int64_t n0;

	import_upper(f->db);
	n0 = count(f->db);

	/* 0.01° (~1 km) beyond the area's south edge: an error */
	assert_int_equal(run(f->db, fc(f_grid2(), feat("4401110020010101", "出界网格",
	                     rect(113.20, 23.09, 113.225, 23.15)), NULL), 0, CRS_WGS84, &r), -1);
	assert_non_null(p = find_problem(&r, "geom.outside_parent", 1));
	assert_int_equal(p->severity, ORG_ERROR);
	assert_string_equal(p->code, "4401110020010101");
	assert_non_null(strstr(p->err.msg_en, "44011100200101"));
	assert_non_null(strstr(p->err.msg_en, " m²"));
	assert_null(find_problem(&r, "geom.outside_parent", 0));
	org_import_report_release(&r);
	assert_int_equal(count(f->db), n0);

	/* 1e-5° (~1 m along 5.5 km): beyond the sliver tolerance, within 0.1%: a warning */
	assert_int_equal(run(f->db, fc(f_grid2(), feat("4401110020010101", "网格",
	                     rect(113.20, 23.10 - 1e-5, 113.225, 23.15)), NULL), ORG_IMPORT_DRY_RUN, CRS_WGS84, &r), 0);
	assert_non_null(p = find_problem(&r, "geom.outside_parent", 1));
	assert_int_equal(p->severity, ORG_WARNING);
	org_import_report_release(&r);

	/* 1e-9° (a few cm²): numerical noise, ignored */
	assert_int_equal(run(f->db, fc(f_grid2(), feat("4401110020010101", "网格",
	                     rect(113.20 - 1e-9, 23.10 - 1e-9, 113.225, 23.15)), NULL), 0, CRS_WGS84, &r), 0);
	assert_int_equal(r.nerrors + r.nwarnings, 0);
	org_import_report_release(&r);
	assert_int_equal(count(f->db), n0 + 2);
}

static void test_overlapping_siblings(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	const struct org_problem *p;
	int64_t n0;

	import_upper(f->db);
	n0 = count(f->db);
	/* the grids overlap by 0.005° × 0.05° (~0.51 km × 5.55 km ≈ 2.8 km²) */
	assert_int_equal(run(f->db, fc(feat("4401110020010101", "西", rect(113.20, 23.10, 113.23, 23.15)),
	                               feat("4401110020010102", "东", rect(113.225, 23.10, 113.25, 23.15)), NULL),
	                     0, CRS_WGS84, &r), -1);
	assert_int_equal(r.nerrors, 1);                         /* the pair, once */
	assert_non_null(p = find_problem(&r, "geom.overlap", -2));
	assert_int_equal(p->severity, ORG_ERROR);
	assert_non_null(strstr(p->err.msg_en, "4401110020010102"));
	assert_string_equal(p->code, "4401110020010101");
	{
		double m2 = 0;
		const char *by = strstr(p->err.msg_en, " by ");
		assert_non_null(by);
		m2 = strtod(by + 4, NULL);
		assert_true(m2 > 2.6e6 && m2 < 3.0e6);
	}
	org_import_report_release(&r);
	assert_int_equal(count(f->db), n0);

	/* against a grid already in the database */
	assert_int_equal(run(f->db, fc(f_grid1(), NULL), ORG_IMPORT_PARTIAL, CRS_WGS84, &r), 0);
	org_import_report_release(&r);
	assert_int_equal(run(f->db, fc(feat("4401110020010102", "东", rect(113.22, 23.10, 113.25, 23.15)), NULL),
	                     0, CRS_WGS84, &r), -1);
	assert_non_null(p = find_problem(&r, "geom.overlap", 0));
	assert_non_null(strstr(p->err.msg_en, "existing unit 4401110020010101"));
	org_import_report_release(&r);
	assert_int_equal(count(f->db), n0 + 1);
}

static void test_gap(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	const struct org_problem *p;
	int64_t n0;

	import_upper(f->db);
	n0 = count(f->db);
	/* 0.005° of 0.05° left uncovered: 10% of the area */
	assert_int_equal(run(f->db, fc(f_grid1(), feat("4401110020010102", "东", rect(113.23, 23.10, 113.25, 23.15)),
	                               NULL), 0, CRS_WGS84, &r), -1);
	assert_non_null(p = find_problem(&r, "geom.gap", -2));
	assert_int_equal(p->severity, ORG_ERROR);
	assert_string_equal(p->code, "44011100200101");
	assert_non_null(strstr(p->err.msg_en, "(10%)"));
	org_import_report_release(&r);
	assert_int_equal(count(f->db), n0);

	/* --partial: the same file is accepted with a warning */
	assert_int_equal(run(f->db, fc(f_grid1(), feat("4401110020010102", "东", rect(113.23, 23.10, 113.25, 23.15)),
	                               NULL), ORG_IMPORT_PARTIAL | ORG_IMPORT_DRY_RUN, CRS_WGS84, &r), 0);
	assert_non_null(p = find_problem(&r, "geom.gap", -2));
	assert_int_equal(p->severity, ORG_WARNING);
	org_import_report_release(&r);

	/* a small gap (1e-5° of 0.05°, 0.02%) is a warning */
	assert_int_equal(run(f->db, fc(f_grid1(), feat("4401110020010102", "东",
	                               rect(113.225 + 1e-5, 23.10, 113.25, 23.15)), NULL), 0, CRS_WGS84, &r), 0);
	assert_non_null(p = find_problem(&r, "geom.gap", -2));
	assert_int_equal(p->severity, ORG_WARNING);
	org_import_report_release(&r);
	assert_int_equal(count(f->db), n0 + 2);
}

static void test_duplicate_code(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	const struct org_problem *p;

	assert_int_equal(run(f->db, fc(f_district(), f_town2(), f_town2(), NULL), 0, CRS_WGS84, &r), -1);
	assert_non_null(p = find_problem(&r, "import.duplicate_code", 2));
	assert_string_equal(p->code, "440111002");
	assert_non_null(strstr(p->err.msg_en, "#1"));
	assert_null(find_problem(&r, "import.duplicate_code", 1));
	org_import_report_release(&r);
	assert_int_equal(count(f->db), 0);
}

static void test_missing_parent(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	const struct org_problem *p;

	assert_int_equal(run(f->db, fc(f_district(), f_comm1(), NULL), 0, CRS_WGS84, &r), -1);
	assert_non_null(p = find_problem(&r, "import.missing_parent", 1));
	assert_non_null(strstr(p->err.msg_en, "440111002"));
	/* the district alone is fine: its city need not exist */
	assert_null(find_problem(&r, "import.missing_parent", 0));
	org_import_report_release(&r);
	assert_int_equal(count(f->db), 0);
}

static void test_datav_array_gcj02(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	struct unit_rec u;
	struct err e = ERR_INIT;
	double bb[4];
	const char *datav =
		"[{\"type\":\"Feature\",\"properties\":{\"adcode\":440111,\"name\":\"白云区\","
		"\"center\":[113.262831,23.162281],\"level\":\"district\",\"parent\":{\"adcode\":440100},"
		"\"acroutes\":[100000,440000,440100]},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":"
		"[[[[113.2,23.1],[113.3,23.1],[113.3,23.2],[113.2,23.2],[113.2,23.1]]]]}},"
		"{\"type\":\"Feature\",\"properties\":{\"adcode\":440111002,\"name\":\"三元里街道\",\"level\":\"street\","
		"\"parent\":{\"adcode\":440111}},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
		"[[[113.2,23.1],[113.3,23.1],[113.3,23.2],[113.2,23.2],[113.2,23.1]]]}}]";

	assert_int_equal(run_text(f->db, datav, 0, CRS_GCJ02, &r, &e), 0);
	assert_int_equal(r.units[LEVEL_DISTRICT], 1);
	assert_int_equal(r.units[LEVEL_TOWN], 1);
	org_import_report_release(&r);
	assert_int_equal(store_unit_get(f->db, "440111", &u, &e), 0);
	assert_string_equal(u.name, "白云区");
	assert_string_equal(u.parent, "");                      /* the city is not a unit */
	converted_bbox(CRS_GCJ02, 113.2, 23.1, 113.3, 23.2, bb);
	for (int i = 0; i < 4; i++)
		assert_true(fabs(u.bbox[i] - bb[i]) < 1e-9);
	assert_true(fabs(u.bbox[0] - 113.2) > 1e-3);            /* the offset was removed */
	assert_int_equal(store_unit_get(f->db, "440111002", &u, &e), 0);
	assert_string_equal(u.parent, "440111");
}

static void test_crs_bd09(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	struct unit_rec u;
	struct err e = ERR_INIT;
	double bb[4];

	assert_int_equal(run(f->db, fc(f_district(), NULL), 0, CRS_BD09, &r), 0);
	org_import_report_release(&r);
	assert_int_equal(store_unit_get(f->db, "440111", &u, &e), 0);
	converted_bbox(CRS_BD09, 113.20, 23.10, 113.30, 23.20, bb);
	for (int i = 0; i < 4; i++)
		assert_true(fabs(u.bbox[i] - bb[i]) < 1e-9);
	assert_true(fabs(u.bbox[2] - 113.30) > 5e-3);
}

/* Several independent problems in one file: all listed, nothing written. */
static void test_everything_reported_nothing_written(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	char longname[200];
	int64_t v0;

	import_upper(f->db);
	v0 = version(f->db);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(run(f->db, fc(
		f_grid1(),                                                          /* #0 fine */
		feat("440100", "广州市", rect(113.2, 23.1, 113.3, 23.2)),            /* #1 a city */
		feat("4401110020010102", "", rect(113.225, 23.10, 113.25, 23.15)),   /* #2 empty name */
		feat("4401110020010103", longname, rect(113.2, 23.1, 113.21, 23.11)),/* #3 long name */
		with(feat("4401110020010104", "网格", rect(113.2, 23.1, 113.21, 23.11)),
		     "households", json_integer(-3)),                               /* #4 negative */
		with(feat("4401110020010105", "网格", rect(113.2, 23.1, 113.21, 23.11)),
		     "level", json_string("town")),                                 /* #5 level mismatch */
		with(feat("4401110020010106", "网格", rect(113.2, 23.1, 113.21, 23.11)),
		     "kind", json_string("社区")),                                   /* #6 kind for a grid */
		with(feat("4401110020010107", "网格", rect(113.2, 23.1, 113.21, 23.11)),
		     "parent_code", json_string("44011100200102")),                 /* #7 wrong parent */
		feat("4401110020010108", "网格", json_pack("{s:s, s:[f,f]}", "type", "Point",
		     "coordinates", 113.21, 23.11)),                                /* #8 a point */
		feat("4401110020010109", "网格", NULL),                              /* #9 no geometry */
		with(feat("4401110020010110", "网格", rect(113.2, 23.1, 113.21, 23.11)),
		     "population", json_real(1.5)),                                 /* #10 fraction */
		with(feat("44011100300101", "片区", rect(113.2, 23.1, 113.21, 23.11)),
		     "level", json_string("city")),                                 /* #11 bad level */
		NULL), 0, CRS_WGS84, &r), -1);
	assert_non_null(find_problem(&r, "unit.bad_code", 1));
	assert_non_null(find_problem(&r, "import.name_missing", 2));
	assert_non_null(find_problem(&r, "import.name_too_long", 3));
	assert_non_null(find_problem(&r, "import.bad_number", 4));
	assert_non_null(find_problem(&r, "import.level_mismatch", 5));
	assert_non_null(find_problem(&r, "import.bad_kind", 6));
	assert_non_null(find_problem(&r, "import.parent_mismatch", 7));
	assert_non_null(find_problem(&r, "geojson.unsupported_type", 8));
	assert_non_null(find_problem(&r, "geojson.no_geometry", 9));
	assert_non_null(find_problem(&r, "import.bad_number", 10));
	assert_non_null(find_problem(&r, "import.bad_level", 11));
	assert_null(find_problem(&r, "unit.bad_code", 0));
	assert_true(r.nerrors >= 12);
	/* listed in feature order */
	for (size_t i = 1; i < r.n; i++)
		assert_true(r.items[i - 1].feature <= r.items[i].feature);
	for (size_t i = 0; i < r.n; i++)
		assert_true(r.items[i].err.msg[0] && r.items[i].err.msg_en[0]);
	org_import_report_release(&r);
	assert_int_equal(count(f->db), 6);
	assert_int_equal(version(f->db), v0);
}

static void test_bad_files(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	struct err e = ERR_INIT;
	static const struct { const char *text, *code; } cases[] = {
		{"{\"type\":\"FeatureCollection\",\"features\":[", "json.malformed"},
		{"{\"type\":\"FeatureCollection\",\"features\":[],\"features\":[]}", "json.malformed"},
		{"{\"type\":\"FeatureCollection\",\"features\":[]}", "import.empty"},
		{"{\"type\":\"FeatureCollection\"}", "geojson.no_features"},
		{"{\"type\":\"Polygon\",\"coordinates\":[]}", "geojson.not_collection"},
		{"[1, 2]", "geojson.not_feature"},
		{"[{\"type\":\"Feature\",\"properties\":null,\"geometry\":null}]", "geojson.no_properties"},
		{"[{\"type\":\"Feature\",\"properties\":{\"name\":\"x\"},\"geometry\":null}]", "import.no_code"},
		{"[{\"type\":\"Feature\",\"properties\":{\"code\":440111.5,\"name\":\"x\"},\"geometry\":null}]",
		 "unit.bad_code"},
		{"[{\"type\":\"Feature\",\"properties\":{\"code\":\"440111\",\"name\":\"x\"},\"geometry\":"
		 "{\"type\":\"Polygon\",\"coordinates\":[[[113,23],[114,23],[114,24],[113,23.5]]]}}]", "geojson.open_ring"},
		{"[{\"type\":\"Feature\",\"properties\":{\"code\":\"440111\",\"name\":\"x\"},\"geometry\":"
		 "{\"type\":\"Polygon\",\"coordinates\":[[[113,23],[914,23],[114,24],[113,23]]]}}]", "geojson.out_of_range"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err_clear(&e);
		assert_int_equal(run_text(f->db, cases[i].text, 0, CRS_WGS84, &r, &e), -1);
		assert_string_equal(e.code, "import.invalid");
		if (!find_problem(&r, cases[i].code, -2)) {
			print_report(&r);
			fail_msg("case %zu: %s expected", i, cases[i].code);
		}
		org_import_report_release(&r);
	}
	assert_int_equal(count(f->db), 0);
}

static void test_under(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	struct org_import_opts o;
	struct err e = ERR_INIT;
	json_t *two = fc(f_district(), feat("440303", "罗湖区", rect(114.1, 22.5, 114.2, 22.6)), NULL);
	char *s = json_dumps(two, JSON_COMPACT);

	json_decref(two);
	memset(&o, 0, sizeof(o));
	str_copy(o.under, sizeof(o.under), "440100");
	org_import_report_init(&r);
	assert_int_equal(org_import_run(f->db, s, strlen(s), &o, &r, &e), -1);
	assert_non_null(find_problem(&r, "import.outside_parent_code", 1));
	assert_null(find_problem(&r, "import.outside_parent_code", 0));
	org_import_report_release(&r);

	err_clear(&e);
	str_copy(o.under, sizeof(o.under), "12345");
	org_import_report_init(&r);
	assert_int_equal(org_import_run(f->db, s, strlen(s), &o, &r, &e), -1);
	assert_string_equal(e.code, "import.bad_parent");
	org_import_report_release(&r);
	free(s);

	/* a district claiming another city */
	assert_int_equal(run(f->db, fc(with(f_district(), "parent", json_pack("{s:i}", "adcode", 440300)), NULL),
	                     0, CRS_WGS84, &r), -1);
	assert_non_null(find_problem(&r, "import.parent_mismatch", 0));
	org_import_report_release(&r);
	assert_int_equal(count(f->db), 0);
}

static void test_round_trip(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	struct err e = ERR_INIT;
	char url2[TEST_URL_MAX];
	struct db *db2;
	json_t *a, *b;
	char *s;

	assert_int_equal(run(f->db, tree(), 0, CRS_WGS84, &r), 0);
	org_import_report_release(&r);
	for (int crs = CRS_WGS84; crs <= CRS_BD09; crs++) {
		assert_non_null(a = org_export_units(f->db, LEVEL_NONE, NULL, (enum crs)crs, &e));
		assert_int_equal(json_array_size(json_object_get(a, "features")), 8);
		assert_int_equal(test_db_fresh(url2, sizeof(url2)), 0);
		assert_int_equal(db_open(url2, &db2, &e), 0);
		assert_int_equal(db_migrate(db2, &e), 0);
		assert_non_null(s = json_dumps(a, ORG_EXPORT_DUMP_FLAGS));
		assert_int_equal(run_text(db2, s, 0, (enum crs)crs, &r, &e), 0);
		/* GCJ-02's inverse is iterated to ~1e-5 m: exact enough. BD-09's
		 * (coord_bd09_to_gcj02) is the usual closed-form approximation, off
		 * by decimetres, so edges that pass through a neighbour's vertex
		 * open slivers of a few hundred m²: warnings, never errors. */
		if (crs != CRS_BD09)
			assert_int_equal(r.nwarnings, 0);
		org_import_report_release(&r);
		free(s);
		assert_non_null(b = org_export_units(db2, LEVEL_NONE, NULL, (enum crs)crs, &e));
		if (crs == CRS_WGS84)
			assert_true(json_equal(a, b));
		assert_int_equal(count(db2), 8);
		json_decref(a);
		json_decref(b);
		db_close(db2);
		test_db_drop(url2);
	}

	/* one level below a unit */
	assert_non_null(a = org_export_units(f->db, LEVEL_GRID, "440111002", CRS_WGS84, &e));
	assert_int_equal(json_array_size(json_object_get(a, "features")), 2);
	b = json_object_get(json_array_get(json_object_get(a, "features"), 0), "properties");
	assert_string_equal(json_string_value(json_object_get(b, "parent_code")), "44011100200101");
	assert_string_equal(json_string_value(json_object_get(b, "level")), "grid");
	assert_int_equal(json_integer_value(json_object_get(b, "households")), 120);
	assert_true(json_is_null(json_object_get(b, "population")));
	json_decref(a);
	assert_null(org_export_units(f->db, LEVEL_GRID, "440111009", CRS_WGS84, &e));
	assert_string_equal(e.code, "unit.not_found");
}

/* 3,456 grids (and their 1+4+64+192 parents): every check runs over the
 * whole set quickly, and one enlarged grid is caught. */
static json_t *big_tree(int enlarge)
{
	json_t *arr = json_array();
	char code[24];

	json_array_append_new(arr, feat("440111", "白云区", rect(113.0, 23.0, 113.4, 23.4)));
	for (int t = 0; t < 4; t++) {
		double tx = 113.0 + 0.1 * t;
		char tc[16];
		snprintf(tc, sizeof(tc), "440111%03d", t + 2);
		json_array_append_new(arr, feat(tc, "街道", rect(tx, 23.0, t == 3 ? 113.4 : 113.0 + 0.1 * (t + 1), 23.4)));
		for (int c = 0; c < 16; c++) {
			double cy0 = 23.0 + 0.025 * c, cy1 = c == 15 ? 23.4 : 23.0 + 0.025 * (c + 1);
			double tx1 = t == 3 ? 113.4 : 113.0 + 0.1 * (t + 1);
			char cc[16];
			snprintf(cc, sizeof(cc), "%s%03d", tc, c + 1);
			json_array_append_new(arr, feat(cc, "社区", rect(tx, cy0, tx1, cy1)));
			for (int a = 0; a < 3; a++) {
				double ax0 = tx + (tx1 - tx) * a / 3, ax1 = a == 2 ? tx1 : tx + (tx1 - tx) * (a + 1) / 3;
				char ac[20];
				snprintf(ac, sizeof(ac), "%s%02d", cc, a + 1);
				json_array_append_new(arr, feat(ac, "片区", rect(ax0, cy0, ax1, cy1)));
				for (int g = 0; g < 18; g++) {
					double gy0 = cy0 + (cy1 - cy0) * g / 18, gy1 = g == 17 ? cy1 : cy0 + (cy1 - cy0) * (g + 1) / 18;
					if (enlarge && t == 1 && c == 7 && a == 1 && g == 4)
						gy1 = cy0 + (cy1 - cy0) * (g + 1.5) / 18;   /* half into its neighbour */
					snprintf(code, sizeof(code), "%s%02d", ac, g + 1);
					json_array_append_new(arr, feat(code, "网格", rect(ax0, gy0, ax1, gy1)));
				}
			}
		}
	}
	return json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", arr);
}

static void test_many_grids(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	const struct org_problem *p;
	uint64_t t0 = time_mono_us();
	double secs;

	assert_int_equal(run(f->db, big_tree(0), ORG_IMPORT_DRY_RUN, CRS_WGS84, &r), 0);
	secs = (double)(time_mono_us() - t0) / 1e6;
	assert_int_equal(r.units[LEVEL_GRID], 3456);
	assert_int_equal(r.nerrors + r.nwarnings, 0);
	org_import_report_release(&r);
	fprintf(stderr, "  validated 3,717 units in %.2f s\n", secs);
	assert_true(secs < 60);                                 /* ~1 s; generous for sanitizer builds */

	assert_int_equal(run(f->db, big_tree(1), 0, CRS_WGS84, &r), -1);
	assert_int_equal(r.nerrors, 1);
	assert_non_null(p = find_problem(&r, "geom.overlap", -2));
	assert_string_equal(p->code, "4401110030080205");
	assert_non_null(strstr(p->err.msg_en, "4401110030080206"));
	org_import_report_release(&r);
	assert_int_equal(count(f->db), 0);
}

static void test_report_json(void **state)
{
	struct test_db *f = *state;
	struct org_import_report r;
	json_t *j, *p0;

	assert_int_equal(run(f->db, fc(f_district(), f_town2(), f_town2(), f_town3(), NULL), 0, CRS_WGS84, &r), -1);
	assert_non_null(j = org_import_report_json(&r));
	assert_true(json_is_false(json_object_get(j, "valid")));
	assert_int_equal(json_integer_value(json_object_get(j, "errors")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(j, "units"), "town"),
	                                    "count")), 2);
	p0 = json_array_get(json_object_get(j, "problems"), 0);
	assert_int_equal(json_integer_value(json_object_get(p0, "feature")), 2);
	assert_string_equal(json_string_value(json_object_get(p0, "severity")), "error");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p0, "error"), "code")),
	                    "import.duplicate_code");
	json_decref(j);
	org_import_report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_tree, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_bowtie_repair, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_outside_parent, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_siblings, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_gap, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_code, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_missing_parent, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_datav_array_gcj02, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_crs_bd09, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_everything_reported_nothing_written, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_under, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_many_grids, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_report_json, test_db_setup, test_db_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
