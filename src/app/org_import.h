/*
 * org_import.h - importing org units (区/镇街/村社区/片区/网格) from GeoJSON.
 *
 * The input is a GeoJSON FeatureCollection (RFC 7946), a single Feature, or a
 * DataV-style bare JSON array of Features. One call turns it into a validated
 * set of units and writes it, all or nothing:
 *
 *   1. parse: every feature's properties and geometry are read and checked on
 *      their own (code, name, level, kind, parent, numbers, polygon validity;
 *      --repair fixes invalid polygons and reports them as warnings);
 *   2. check: the set is checked against itself and the database: duplicate
 *      codes, missing parents, units outside their parent, overlapping
 *      siblings (a GEOS STRtree per parent, so not O(n²)), gaps in a parent's
 *      coverage by its children;
 *   3. write: when no error remains (and not a dry run) every unit is written
 *      in one transaction, parents first, and the org version is bumped so
 *      running servers reload their snapshot.
 *
 * Every problem becomes a line item (feature index, unit code, machine code,
 * Chinese and English message) in a struct org_import_report, so the CLI can
 * print them and an HTTP endpoint can return them as JSON. Property names,
 * rules and tolerances are documented in docs/import.md.
 */
#ifndef WG_ORG_IMPORT_H
#define WG_ORG_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include "domain/unit_code.h"
#include "geo/coord.h"
#include "lib/err.h"
#include "store/db.h"
#include "store/store_unit.h"

#define ORG_IMPORT_MAX_BYTES ((size_t)256 << 20)  /* larger files are refused */
#define ORG_IMPORT_MAX_FEATURES 100000
#define ORG_IMPORT_MAX_PROBLEMS 1000              /* listed; further ones are only counted */

/* Tolerances (areas in m² on the WGS-84 geometry, see geom_area_m2):
 * anything up to ORG_IMPORT_SLIVER_M2 is numerical noise and ignored; above
 * it a problem is a warning while it stays within the fraction and an error
 * beyond. */
#define ORG_IMPORT_SLIVER_M2 10.0
#define ORG_IMPORT_OUTSIDE_FRAC 0.001   /* of the unit's area lying outside its parent */
#define ORG_IMPORT_OVERLAP_FRAC 0.001   /* of the smaller sibling's area */
#define ORG_IMPORT_GAP_FRAC 0.005       /* of the parent's area not covered by its children */

enum org_import_flags {
	ORG_IMPORT_REPAIR = 1 << 0,     /* fix invalid polygons (GEOSMakeValid), warn instead of fail */
	ORG_IMPORT_DRY_RUN = 1 << 1,    /* validate only, write nothing */
	ORG_IMPORT_PARTIAL = 1 << 2,    /* the file does not bring every child: gaps are warnings */
};

struct org_import_opts {
	enum crs crs;                   /* coordinates of the file; converted to WGS-84 */
	unsigned flags;                 /* enum org_import_flags */
	enum unit_level level;          /* level of features that state none; LEVEL_NONE: from the code */
	char under[UNIT_CODE_MAX];      /* "" or a code every unit must lie below
	                                 * (a unit code, or a city/province code such as 440100) */
};

enum org_severity { ORG_ERROR = 0, ORG_WARNING = 1 };

struct org_problem {
	long feature;                   /* index of the feature in the file; -1: the file itself */
	char code[UNIT_CODE_MAX];       /* unit code concerned, or "" */
	enum org_severity severity;
	struct err err;                 /* machine code and messages (zh, en) */
	size_t seq;                     /* order of discovery, to keep sorting stable */
};

struct org_import_report {
	struct org_problem *items;      /* at most ORG_IMPORT_MAX_PROBLEMS, by feature */
	size_t n, cap;
	size_t nerrors, nwarnings;      /* all problems, listed or not */
	size_t nfeatures;               /* features in the file */
	size_t units[LEVEL_GRID + 1];   /* valid units read, per level */
	size_t replaced[LEVEL_GRID + 1];/* of those, how many replace a unit already in the database */
	int written;                    /* 1 once committed */
};

/* Set up an empty report (no allocation). */
void org_import_report_init(struct org_import_report *r);
/* Free the problem list. */
void org_import_report_release(struct org_import_report *r);

/* Import len bytes of GeoJSON text into db.
 * Returns 0 when the file is valid: written and the org version bumped (or
 * only validated under ORG_IMPORT_DRY_RUN); warnings may be listed in r.
 * Returns -1 when it is not: 422 import.invalid in e with the problems in r
 * (nothing written), or 413 import.too_large, or a database error (the
 * transaction rolled back). r must have been initialised. */
int org_import_run(struct db *db, const char *text, size_t len, const struct org_import_opts *o,
                   struct org_import_report *r, struct err *e);

/* The report as JSON for an API reply: {"valid":…, "written":…, "errors":N,
 * "warnings":N, "units":{"town":{"count":…,"replaced":…},…}, "problems":[{"feature":…,
 * "code":…, "severity":"error"|"warning", "error":{code,message,message_en}}]}.
 * New reference. */
json_t *org_import_report_json(const struct org_import_report *r);

/* "district"… from DataV and wangge level names and Chinese labels ("street",
 * "镇街", "网格" …); LEVEL_NONE when unknown. */
enum unit_level org_import_level_parse(const char *s);

#endif
