/*
 * orgmodel.c - building and sharing the in-memory org snapshot (see orgmodel.h).
 */
#include <stdlib.h>
#include <string.h>
#include "app/orgmodel.h"
#include "domain/unit_code.h"
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "geo/locate.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

/* ------------------------------------------------------------- loading */

struct load_ctx {
	struct org_model *m;
	size_t cap;
	GEOSGeometry **geoms;            /* grid polygons, parallel to m->grids */
	size_t gcap;
	struct err *e;
};

static int add_unit(void *p, const struct unit_rec *u, const void *wkb, size_t n)
{
	struct load_ctx *c = p;
	struct org_model *m = c->m;

	if (m->nunits == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct org_unit *nu = realloc(m->units, cap * sizeof(*nu));
		if (!nu)
			return err_set(c->e, 500, "org.oom", "内存不足", "out of memory"), 1;
		m->units = nu;
		c->cap = cap;
	}
	memset(&m->units[m->nunits], 0, sizeof(m->units[0]));
	m->units[m->nunits].rec = *u;
	m->units[m->nunits].parent = -1;
	m->nunits++;
	return 0;
}

static int cmp_units(const void *a, const void *b)
{
	return strcmp(((const struct org_unit *)a)->rec.code, ((const struct org_unit *)b)->rec.code);
}

static int cmp_code(const void *key, const void *elem)
{
	return strcmp(key, ((const struct org_unit *)elem)->rec.code);
}

const struct org_unit *orgmodel_find(const struct org_model *m, const char *code)
{
	if (!m || !code || !m->nunits)
		return NULL;
	return bsearch(code, m->units, m->nunits, sizeof(m->units[0]), cmp_code);
}

static long find_idx(const struct org_model *m, const char *code)
{
	const struct org_unit *u = orgmodel_find(m, code);
	return u ? (long)(u - m->units) : -1;
}

static int add_grid_geom(void *p, const struct unit_rec *u, const void *wkb, size_t n)
{
	struct load_ctx *c = p;
	struct org_model *m = c->m;
	GEOSGeometry *g;
	long i;

	if (!wkb || !n || (i = find_idx(m, u->code)) < 0)
		return 0;                   /* a grid without a polygon cannot be located */
	if (!(g = geom_from_wkb(geo_ctx(), wkb, n))) {
		log_warn("grid %s: unreadable geometry, left out of the locate index", u->code);
		return 0;
	}
	if (m->ngrids == c->gcap) {
		size_t cap = c->gcap ? c->gcap * 2 : 1024;
		size_t *ng = realloc(m->grids, cap * sizeof(*ng));
		GEOSGeometry **gg;
		if (ng)
			m->grids = ng;
		gg = ng ? realloc(c->geoms, cap * sizeof(*gg)) : NULL;
		if (!gg) {
			GEOSGeom_destroy_r(geo_ctx(), g);
			return err_set(c->e, 500, "org.oom", "内存不足", "out of memory"), 1;
		}
		c->geoms = gg;
		c->gcap = cap;
	}
	m->grids[m->ngrids] = (size_t)i;
	c->geoms[m->ngrids] = g;
	m->ngrids++;
	return 0;
}

static int add_post(void *p, const struct post_rec *post)
{
	struct load_ctx *c = p;
	long i = find_idx(c->m, post->unit_code);
	struct org_unit *u;
	struct post_rec *ns;

	if (i < 0)
		return 0;
	u = &c->m->units[i];
	if (!(ns = realloc(u->staff, (u->nstaff + 1) * sizeof(*ns))))
		return err_set(c->e, 500, "org.oom", "内存不足", "out of memory"), 1;
	u->staff = ns;
	u->staff[u->nstaff++] = *post;
	return 0;
}

/* Link parents and children; sum counts and households up the tree. */
static int link_tree(struct org_model *m, struct err *e)
{
	size_t i;

	m->root = -1;
	for (i = 0; i < m->nunits; i++) {
		struct org_unit *u = &m->units[i];
		if (u->rec.level == LEVEL_DISTRICT && m->root < 0)
			m->root = (long)i;
		if (!u->rec.parent[0] || (u->parent = find_idx(m, u->rec.parent)) < 0)
			continue;
		struct org_unit *pu = &m->units[u->parent];
		size_t *nc = realloc(pu->children, (pu->nchildren + 1) * sizeof(*nc));
		if (!nc)
			return err_set(e, 500, "org.oom", "内存不足", "out of memory");
		pu->children = nc;
		pu->children[pu->nchildren++] = i;
	}
	for (i = 0; i < m->nunits; i++) {
		struct org_unit *u = &m->units[i];
		for (long a = u->parent; a >= 0; a = m->units[a].parent) {
			struct org_unit *an = &m->units[a];
			if (u->rec.level == LEVEL_COMMUNITY) an->n_communities++;
			if (u->rec.level == LEVEL_AREA) an->n_areas++;
			if (u->rec.level == LEVEL_GRID) {
				an->n_grids++;
				if (u->rec.households > 0) an->sum_households += u->rec.households;
				if (u->rec.population > 0) an->sum_population += u->rec.population;
			}
		}
		if (u->rec.level == LEVEL_GRID) {
			u->sum_households = u->rec.households > 0 ? u->rec.households : 0;
			u->sum_population = u->rec.population > 0 ? u->rec.population : 0;
		}
	}
	return 0;
}

/* --------------------------------------------------------------- JSON */

json_t *orgmodel_unit_brief(const struct org_unit *u)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "code", u->rec.code, "name", u->rec.name,
	                 "level", unit_level_name(u->rec.level), "kind", u->rec.kind);
}

const struct post_rec *orgmodel_staff(const struct org_unit *u, const char *role)
{
	for (size_t i = 0; u && i < u->nstaff; i++)
		if (!strcmp(u->staff[i].role, role))
			return &u->staff[i];
	return NULL;
}

const struct post_rec *orgmodel_head(const struct org_unit *u)
{
	const struct post_rec *p = NULL;

	if (!u)
		return NULL;
	switch (u->rec.level) {
	case LEVEL_GRID: return orgmodel_staff(u, "grid_worker");
	case LEVEL_AREA: return orgmodel_staff(u, "grid_leader");
	case LEVEL_COMMUNITY:
		return (p = orgmodel_staff(u, "station_head")) ? p : orgmodel_staff(u, "chief_station_head");
	case LEVEL_TOWN:
		for (size_t i = 0; i < u->nstaff; i++)
			if (!strcmp(u->staff[i].role, "leader_group") && !strcmp(u->staff[i].title, "组长"))
				return &u->staff[i];
		return orgmodel_staff(u, "leader_group");
	default:
		return NULL;
	}
}

const struct org_unit *orgmodel_ancestor(const struct org_model *m, const struct org_unit *u, int level)
{
	while (u && u->rec.level > level)
		u = u->parent >= 0 ? &m->units[u->parent] : NULL;
	return u && u->rec.level == level ? u : NULL;
}

static json_t *staff_json(const struct post_rec *p)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "role", p->role, "role_label",
	                      staff_role_label(p->role), "name", p->name);
	json_object_set_new(j, "phone", p->phone[0] ? json_string(p->phone) : json_null());
	json_object_set_new(j, "title", p->title[0] ? json_string(p->title) : json_null());
	json_object_set_new(j, "since", json_string(p->start_date));
	return j;
}

json_t *orgmodel_contact_json(const struct post_rec *p)
{
	if (!p)
		return json_null();
	json_t *j = json_pack("{s:s}", "name", p->name);
	json_object_set_new(j, "phone", p->phone[0] ? json_string(p->phone) : json_null());
	json_object_set_new(j, "title", p->title[0] ? json_string(p->title) : json_string(staff_role_label(p->role)));
	return j;
}

static json_t *nullable_int(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

/* Counts and totals of a unit, shared by detail and children replies. */
static void add_stats(json_t *j, const struct org_unit *u)
{
	json_object_set_new(j, "households", nullable_int(u->rec.level == LEVEL_GRID ?
	                    u->rec.households : u->sum_households));
	json_object_set_new(j, "population", nullable_int(u->rec.level == LEVEL_GRID ?
	                    u->rec.population : u->sum_population));
	json_object_set_new(j, "area_km2", json_real((double)(int64_t)(u->rec.area_m2 / 1e4) / 100.0));
	json_object_set_new(j, "center", json_pack("[f,f]", u->rec.center[0], u->rec.center[1]));
	if (u->rec.level < LEVEL_GRID)
		json_object_set_new(j, "counts", json_pack("{s:I, s:I, s:I, s:I}",
		                    "children", (json_int_t)u->nchildren,
		                    "communities", (json_int_t)u->n_communities,
		                    "areas", (json_int_t)u->n_areas, "grids", (json_int_t)u->n_grids));
	if (u->rec.grid_type[0])
		json_object_set_new(j, "grid_type", json_string(u->rec.grid_type));
	if (u->rec.grid_subtype[0])
		json_object_set_new(j, "grid_subtype", json_string(u->rec.grid_subtype));
}

static json_t *detail_json(const struct org_model *m, const struct org_unit *u)
{
	json_t *j = orgmodel_unit_brief(u), *path = json_array(), *staff = json_array();
	const struct org_unit *a;

	json_object_set_new(j, "level_label", json_string(unit_level_label(u->rec.level)));
	json_object_set_new(j, "parent", u->parent >= 0 ? orgmodel_unit_brief(&m->units[u->parent]) : json_null());
	for (a = u->parent >= 0 ? &m->units[u->parent] : NULL; a; a = a->parent >= 0 ? &m->units[a->parent] : NULL)
		json_array_insert_new(path, 0, orgmodel_unit_brief(a));
	json_object_set_new(j, "path", path);
	add_stats(j, u);
	json_object_set_new(j, "bbox", json_pack("[f,f,f,f]", u->rec.bbox[0], u->rec.bbox[1],
	                                          u->rec.bbox[2], u->rec.bbox[3]));
	for (size_t i = 0; i < u->nstaff; i++)
		json_array_append_new(staff, staff_json(&u->staff[i]));
	json_object_set_new(j, "staff", staff);
	json_object_set_new(j, "updated_at", json_string(u->rec.updated_at));
	return j;
}

static json_t *children_json(const struct org_model *m, const struct org_unit *u)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < u->nchildren; i++) {
		const struct org_unit *c = &m->units[u->children[i]];
		json_t *cj = orgmodel_unit_brief(c);
		const struct post_rec *lead = orgmodel_head(c);
		add_stats(cj, c);
		json_object_set_new(cj, "head", orgmodel_contact_json(lead));
		json_array_append_new(arr, cj);
	}
	return json_pack("{s:o, s:o}", "unit", orgmodel_unit_brief(u), "children", arr);
}

static json_t *locate_json(const struct org_model *m, const struct org_unit *g)
{
	const struct org_unit *area = orgmodel_ancestor(m, g, LEVEL_AREA);
	const struct org_unit *comm = orgmodel_ancestor(m, g, LEVEL_COMMUNITY);
	const struct org_unit *town = orgmodel_ancestor(m, g, LEVEL_TOWN);
	const struct org_unit *dist = orgmodel_ancestor(m, g, LEVEL_DISTRICT);
	const struct post_rec *head = orgmodel_head(comm);
	json_t *grid = orgmodel_unit_brief(g);

	add_stats(grid, g);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o}}",
	                 "grid", grid,
	                 "area", area ? orgmodel_unit_brief(area) : json_null(),
	                 "community", comm ? orgmodel_unit_brief(comm) : json_null(),
	                 "town", town ? orgmodel_unit_brief(town) : json_null(),
	                 "district", dist ? orgmodel_unit_brief(dist) : json_null(),
	                 "contacts",
	                 "grid_worker", orgmodel_contact_json(orgmodel_staff(g, "grid_worker")),
	                 "grid_leader", orgmodel_contact_json(orgmodel_staff(area, "grid_leader")),
	                 "station_head", orgmodel_contact_json(head));
}

static int dump(json_t *j, char **out, size_t *len)
{
	if (!j)
		return -1;
	*out = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(j);
	if (!*out)
		return -1;
	*len = strlen(*out);
	return 0;
}

/* ---------------------------------------------------------- life cycle */

struct org_model *orgmodel_load(struct db *db, struct err *e)
{
	struct org_model *m = calloc(1, sizeof(*m));
	struct load_ctx c = {m, 0, NULL, 0, e};
	uint64_t t0 = time_mono_us();
	size_t i;

	if (!m) {
		err_set(e, 500, "org.oom", "内存不足", "out of memory");
		return NULL;
	}
	atomic_init(&m->refs, 1);
	m->root = -1;
	if (store_org_version(db, &m->version, e) < 0 ||
	    store_unit_list(db, 0, NULL, 0, add_unit, &c, e) != 0)
		goto fail;
	/* bsearch needs strcmp order, whatever the database's collation */
	if (m->nunits)
		qsort(m->units, m->nunits, sizeof(m->units[0]), cmp_units);
	if (store_unit_list(db, LEVEL_GRID, NULL, 1, add_grid_geom, &c, e) != 0 ||
	    store_posts_all_current(db, add_post, &c, e) != 0 ||
	    link_tree(m, e) < 0)
		goto fail;
	if (!(m->index = locate_build(geo_ctx(), (const GEOSGeometry *const *)c.geoms, m->ngrids, e)))
		goto fail;
	for (i = 0; i < m->nunits; i++) {
		struct org_unit *u = &m->units[i];
		if (dump(detail_json(m, u), &u->detail_json, &u->detail_len) < 0 ||
		    dump(children_json(m, u), &u->children_json, &u->children_len) < 0 ||
		    (u->rec.level == LEVEL_GRID && dump(locate_json(m, u), &u->locate_json, &u->locate_len) < 0)) {
			err_set(e, 500, "org.json", "无法生成单位 %s 的 JSON", "cannot build JSON of unit %s", u->rec.code);
			goto fail;
		}
	}
	for (i = 0; i < m->ngrids; i++)
		GEOSGeom_destroy_r(geo_ctx(), c.geoms[i]);
	free(c.geoms);
	log_info("org model v%lld: %zu units, %zu grids indexed, %.0f ms",
	         (long long)m->version, m->nunits, m->ngrids, (double)(time_mono_us() - t0) / 1000.0);
	return m;
fail:
	for (i = 0; i < m->ngrids; i++)
		GEOSGeom_destroy_r(geo_ctx(), c.geoms[i]);
	free(c.geoms);
	orgmodel_release(m);
	return NULL;
}

void orgmodel_release(struct org_model *m)
{
	if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
		return;
	for (size_t i = 0; i < m->nunits; i++) {
		struct org_unit *u = &m->units[i];
		free(u->children);
		free(u->staff);
		free(u->detail_json);
		free(u->children_json);
		free(u->locate_json);
	}
	free(m->units);
	free(m->grids);
	locate_free(m->index);
	free(m);
}

const struct org_unit *orgmodel_locate(const struct org_model *m, double lon, double lat)
{
	long i;
	if (!m || !m->index || (i = locate_find(m->index, lon, lat)) < 0 || (size_t)i >= m->ngrids)
		return NULL;
	return &m->units[m->grids[i]];
}

void org_holder_init(struct org_holder *h)
{
	pthread_mutex_init(&h->mu, NULL);
	h->cur = NULL;
}

void org_holder_release(struct org_holder *h)
{
	orgmodel_release(h->cur);
	h->cur = NULL;
	pthread_mutex_destroy(&h->mu);
}

struct org_model *org_holder_get(struct org_holder *h)
{
	struct org_model *m;
	pthread_mutex_lock(&h->mu);
	if ((m = h->cur))
		atomic_fetch_add(&m->refs, 1);
	pthread_mutex_unlock(&h->mu);
	return m;
}

void org_holder_set(struct org_holder *h, struct org_model *m)
{
	struct org_model *old;
	pthread_mutex_lock(&h->mu);
	old = h->cur;
	h->cur = m;
	pthread_mutex_unlock(&h->mu);
	orgmodel_release(old);
}
