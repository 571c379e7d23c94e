// The org tree and "who is my grid worker" on the demo district (wangge demo
// --seed 1): 白云区 440111 with its 24 real towns, 404 communities, 1,145
// areas and 3,454 grids, each with staff.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib/harness.mjs';

const DISTRICT = '440111';
const TOWN = '440111002';                       // 三元里街道
const COUNTS = { towns: 24, communities: 404, areas: 1145, grids: 3454 };
const LEVELS = ['district', 'town', 'community', 'area', 'grid'];
const CODE_LEN = { district: 6, town: 9, community: 12, area: 14, grid: 16 };
const HEAD_ROLE = { community: 'station_head', area: 'grid_leader', grid: 'grid_worker' };
const PHONE = /^1\d{2}-?\d{4}-?\d{4}$/;

// ---------------------------------------------- WGS-84 / GCJ-02 / BD-09

// The widely published forward transforms (Krasovsky 1940 ellipsoid).
const A = 6378245.0, EE = 0.00669342162296594323, X_PI = Math.PI * 3000.0 / 180.0;
function tLat(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
  r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
  return r;
}
function tLon(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
  r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
  return r;
}
function wgs2gcj([lon, lat]) {
  let dLat = tLat(lon - 105.0, lat - 35.0), dLon = tLon(lon - 105.0, lat - 35.0);
  const rad = lat / 180.0 * Math.PI;
  let magic = Math.sin(rad);
  magic = 1 - EE * magic * magic;
  const sq = Math.sqrt(magic);
  dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sq) * Math.PI);
  dLon = (dLon * 180.0) / (A / sq * Math.cos(rad) * Math.PI);
  return [lon + dLon, lat + dLat];
}
function gcj2bd([lon, lat]) {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const t = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.cos(t) + 0.0065, z * Math.sin(t) + 0.006];
}
const wgs2bd = (p) => gcj2bd(wgs2gcj(p));
/** Great-circle distance in metres. */
function metres([lon1, lat1], [lon2, lat2]) {
  const r = Math.PI / 180, R = 6371008.8;
  const a = Math.sin((lat2 - lat1) * r / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin((lon2 - lon1) * r / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(a));
}

// ----------------------------------------------------------------- helpers

let srv, district, gridCodes;
const cache = new Map();
async function getJson(path) {
  if (cache.has(path)) return cache.get(path);
  const r = await srv.get(path);
  assert.equal(r.status, 200, `${path}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.match(r.headers.get('content-type'), /^application\/(geo\+)?json/);
  cache.set(path, r.json);
  return r.json;
}

/** Every ring closed, at least 4 positions, a non-zero area, in range. */
function assertPolygon(geom, what, bbox = [113.0, 23.0, 113.7, 23.6]) {
  assert.ok(geom && ['Polygon', 'MultiPolygon'].includes(geom.type), `${what}: ${geom && geom.type}`);
  const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates;
  assert.ok(polys.length >= 1, what);
  for (const rings of polys) {
    assert.ok(rings.length >= 1, what);
    for (const ring of rings) {
      assert.ok(ring.length >= 4, `${what}: ${ring.length} positions`);
      assert.deepEqual(ring[0], ring[ring.length - 1], `${what}: ring not closed`);
      let area = 0;
      for (let i = 0; i < ring.length - 1; i++) {
        const [x, y] = ring[i];
        assert.equal(ring[i].length, 2, `${what}: 2-D positions`);
        assert.ok(Number.isFinite(x) && Number.isFinite(y), what);
        assert.ok(x >= -180 && x <= 180 && y >= -90 && y <= 90, `${what}: (${x}, ${y}) is not WGS-84`);
        assert.ok(x >= bbox[0] && x <= bbox[2] && y >= bbox[1] && y <= bbox[3], `${what}: (${x}, ${y}) is not in Baiyun`);
        area += x * ring[i + 1][1] - ring[i + 1][0] * y;
      }
      assert.ok(Math.abs(area) > 1e-10, `${what}: degenerate ring`);
    }
  }
  return polys;
}

function* positions(geom) {
  const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates;
  for (const rings of polys) for (const ring of rings) yield* ring;
}

function assertBrief(u, level) {
  assert.equal(typeof u.code, 'string');
  assert.equal(u.code.length, CODE_LEN[level], `${u.code} is a ${level} code`);
  assert.equal(u.level, level);
  assert.ok(u.name && typeof u.name === 'string');
  assert.ok(u.kind && typeof u.kind === 'string');
}

before(async () => {
  srv = await startServer({ demo: true });
  district = await getJson(`/api/v1/units/${DISTRICT}`);
  // every grid code, walking the tree through the children lists
  const towns = (await getJson(`/api/v1/units/${DISTRICT}/children`)).children;
  const comms = (await Promise.all(towns.map((t) => getJson(`/api/v1/units/${t.code}/children`)))).flatMap((c) => c.children);
  const areas = (await Promise.all(comms.map((c) => getJson(`/api/v1/units/${c.code}/children`)))).flatMap((c) => c.children);
  const grids = (await Promise.all(areas.map((a) => getJson(`/api/v1/units/${a.code}/children`)))).flatMap((c) => c.children);
  gridCodes = grids.map((g) => g.code);
});

after(async () => {
  assert.equal(await srv.stop(), 0, srv.stderr);
});

// --------------------------------------------------------------- details

test('the district: 24 towns, 404 communities, 1,145 areas, 3,454 grids', async () => {
  const d = district;
  assert.equal(d.code, DISTRICT);
  assert.equal(d.name, '白云区');
  assert.equal(d.level, 'district');
  assert.equal(d.kind, '区');
  assert.equal(d.parent, null);
  assert.deepEqual(d.path, []);
  assert.deepEqual(d.counts, { children: COUNTS.towns, communities: COUNTS.communities, areas: COUNTS.areas, grids: COUNTS.grids });
  assert.ok(d.households > 100000 && d.population > d.households, `${d.households} households, ${d.population} people`);
  assert.ok(d.area_km2 > 500 && d.area_km2 < 900, `${d.area_km2} km²`);         // Baiyun: ~665 km²
  const [w, s, e, n] = d.bbox;
  assert.ok(w < e && s < n && w > 113 && e < 113.7 && s > 23 && n < 23.6, `bbox ${d.bbox}`);
  assert.ok(d.center[0] > w && d.center[0] < e && d.center[1] > s && d.center[1] < n);
  assert.ok(Array.isArray(d.staff));
  assert.equal(gridCodes.length, COUNTS.grids, 'the tree walk reaches every grid');
  assert.equal(new Set(gridCodes).size, COUNTS.grids);
  const h = await getJson('/healthz');
  assert.equal(h.grids, COUNTS.grids);
  assert.equal(h.units, 1 + COUNTS.towns + COUNTS.communities + COUNTS.areas + COUNTS.grids);
});

test('a town: 三元里街道 with its path, totals and leadership group', async () => {
  const t = await getJson(`/api/v1/units/${TOWN}`);
  assert.equal(t.name, '三元里街道');
  assert.equal(t.level, 'town');
  assert.equal(t.level_label, '镇街');
  assert.equal(t.kind, '街道');
  assert.deepEqual(t.parent, { code: DISTRICT, name: '白云区', level: 'district', kind: '区' });
  assert.deepEqual(t.path, [{ code: DISTRICT, name: '白云区', level: 'district', kind: '区' }]);
  assert.equal(t.counts.children, t.counts.communities);
  assert.ok(t.counts.communities > 0 && t.counts.areas >= t.counts.communities && t.counts.grids >= t.counts.areas);
  const lg = t.staff.filter((s) => s.role === 'leader_group');
  assert.ok(lg.length >= 3, `leadership group of ${lg.length}`);
  for (const s of lg) {
    assert.equal(s.role_label, '领导小组成员');
    assert.ok(s.name && s.title, JSON.stringify(s));
    assert.match(s.phone, PHONE);
    assert.match(s.since, /^\d{4}-\d\d-\d\d$/);
  }
  assert.ok(lg.some((s) => s.title === '组长'), 'a group leader (组长)');
  // every town's totals add up to the district's
  const kids = (await getJson(`/api/v1/units/${DISTRICT}/children`)).children;
  const sum = (k) => kids.reduce((a, c) => a + c.counts[k], 0);
  assert.equal(sum('communities'), COUNTS.communities);
  assert.equal(sum('areas'), COUNTS.areas);
  assert.equal(sum('grids'), COUNTS.grids);
  assert.equal(kids.reduce((a, c) => a + c.households, 0), district.households);
  assert.equal(kids.reduce((a, c) => a + c.population, 0), district.population);
});

test('children lists with totals and heads, level by level', async () => {
  const d = await getJson(`/api/v1/units/${DISTRICT}/children`);
  assert.deepEqual(d.unit, { code: DISTRICT, name: '白云区', level: 'district', kind: '区' });
  assert.equal(d.children.length, COUNTS.towns);
  const names = d.children.map((c) => c.name);
  for (const n of ['三元里街道', '松洲街道', '景泰街道', '同德街道', '京溪街道', '永平街道', '嘉禾街道', '鹤龙街道',
                   '白云湖街道', '石门街道', '龙归街道', '大源街道', '人和镇', '太和镇', '钟落潭镇', '江高镇']) {
    assert.ok(names.includes(n), `${n} is a town of 白云区`);
  }
  assert.equal(d.children.filter((c) => c.kind === '镇').length, 4);
  assert.equal(d.children.filter((c) => c.kind === '街道').length, 20);
  const codes = d.children.map((c) => c.code);
  assert.deepEqual(codes, [...codes].sort(), 'ordered by code');
  for (const c of d.children) {
    assertBrief(c, 'town');
    assert.ok(c.code.startsWith(DISTRICT));
    assert.ok(c.counts.children > 0 && c.counts.grids > 0 && c.households > 0 && c.population > 0, c.code);
    assert.ok(c.area_km2 > 0);
  }
  // one branch all the way down
  let unit = (await getJson(`/api/v1/units/${TOWN}/children`));
  const town = await getJson(`/api/v1/units/${TOWN}`);
  assert.equal(unit.children.length, town.counts.children);
  for (const level of ['community', 'area', 'grid']) {
    const parent = unit.unit;
    const detail = await getJson(`/api/v1/units/${parent.code}`);
    assert.equal(unit.children.length, detail.counts.children, `${parent.code}: children = counts.children`);
    assert.equal(unit.children.reduce((a, c) => a + (c.counts ? c.counts.grids : 1), 0), detail.counts.grids);
    for (const c of unit.children) {
      assertBrief(c, level);
      assert.ok(c.code.startsWith(parent.code), `${c.code} under ${parent.code}`);
      assert.ok(c.head, `${c.code} has a head (${HEAD_ROLE[level]})`);
      assert.ok(c.head.name);
      assert.match(c.head.phone, PHONE);
      if (level === 'grid') assert.equal(c.counts, undefined);
      else assert.ok(c.counts.grids >= 1);
    }
    if (level !== 'grid') unit = await getJson(`/api/v1/units/${unit.children[0].code}/children`);
  }
  // a grid has no children
  const leaf = await getJson(`/api/v1/units/${gridCodes[0]}/children`);
  assert.deepEqual(leaf.children, []);
  assertError(assert, await srv.get('/api/v1/units/440111999/children'), 404, 'unit.not_found');
});

test("a grid's detail has its 网格员", async () => {
  for (const code of [gridCodes[0], gridCodes[1000], gridCodes[2500], gridCodes[gridCodes.length - 1]]) {
    const g = await getJson(`/api/v1/units/${code}`);
    assert.equal(g.level, 'grid');
    assert.equal(g.level_label, '网格');
    assert.equal(g.path.length, 4);
    assert.deepEqual(g.path.map((p) => p.level), ['district', 'town', 'community', 'area']);
    assert.deepEqual(g.path.map((p) => p.code), [code.slice(0, 6), code.slice(0, 9), code.slice(0, 12), code.slice(0, 14)]);
    assert.equal(g.parent.code, code.slice(0, 14));
    assert.equal(g.counts, undefined);
    assert.ok(g.grid_type, 'grid_type');
    const w = g.staff.filter((s) => s.role === 'grid_worker');
    assert.ok(w.length >= 1, `${code}: a grid worker`);
    assert.equal(w[0].role_label, '网格员');
    assert.match(w[0].phone, PHONE);
    assert.ok(w[0].name.length >= 2);
    const [x0, y0, x1, y1] = g.bbox;
    assert.ok(g.center[0] >= x0 && g.center[0] <= x1 && g.center[1] >= y0 && g.center[1] <= y1, `${code}: center in bbox`);
  }
});

test('unknown units are 404', async () => {
  for (const c of ['440112', '440111999', '440111002099', '44011100200199', '4401110020010199']) {
    for (const sfx of ['', '/children', '/geojson']) {
      assertError(assert, await srv.get(`/api/v1/units/${c}${sfx}`), 404, 'unit.not_found');
    }
  }
});

// ---------------------------------------------------------------- GeoJSON

test("geojson of the district's towns: 24 valid WGS-84 polygons", async () => {
  const fc = await getJson(`/api/v1/units/${DISTRICT}/geojson`);
  assert.equal(fc.type, 'FeatureCollection');
  assert.deepEqual(fc.wangge, { unit: DISTRICT, level: 'town', crs: 'wgs84', name: '白云区' });
  assert.equal(fc.features.length, COUNTS.towns);
  const kids = (await getJson(`/api/v1/units/${DISTRICT}/children`)).children;
  assert.deepEqual(fc.features.map((f) => f.id).sort(), kids.map((k) => k.code).sort());
  for (const f of fc.features) {
    assert.equal(f.type, 'Feature');
    assert.equal(f.properties.code, f.id);
    assert.equal(f.properties.level, 'town');
    const k = kids.find((c) => c.code === f.id);
    assert.equal(f.properties.name, k.name);
    assert.equal(f.properties.grids, k.counts.grids);
    assert.equal(f.properties.households, k.households);
    assertPolygon(f.geometry, f.id);
    const [cx, cy] = f.properties.center;
    assert.ok(cx > 113 && cx < 113.7 && cy > 23 && cy < 23.6);
  }
  // towns tile the district: their areas add up to it
  const total = kids.reduce((a, k) => a + k.area_km2, 0);
  assert.ok(Math.abs(total - district.area_km2) / district.area_km2 < 0.02, `${total} vs ${district.area_km2} km²`);
});

test('geojson ?level=grid under a town, ?level=self, ?level=community', async () => {
  const town = await getJson(`/api/v1/units/${TOWN}`);
  const fc = await getJson(`/api/v1/units/${TOWN}/geojson?level=grid`);
  assert.equal(fc.wangge.level, 'grid');
  assert.equal(fc.features.length, town.counts.grids);
  for (const f of fc.features) {
    assert.ok(f.id.startsWith(TOWN) && f.id.length === 16);
    assert.equal(f.properties.level, 'grid');
    assert.equal(f.properties.grids, 1);
    assert.ok(f.properties.head, `${f.id}: grid worker's name`);
    assertPolygon(f.geometry, f.id, town.bbox.map((v, i) => v + (i < 2 ? -1e-4 : 1e-4)));
  }
  const self = await getJson(`/api/v1/units/${TOWN}/geojson?level=self`);
  assert.equal(self.features.length, 1);
  assert.equal(self.features[0].id, TOWN);
  assert.equal(self.wangge.level, 'town');
  assertPolygon(self.features[0].geometry, 'self');
  const comms = await getJson(`/api/v1/units/${TOWN}/geojson?level=community`);
  assert.equal(comms.features.length, town.counts.communities);
  assert.ok(comms.features.every((f) => f.properties.level === 'community' && f.properties.head));
  const dself = await getJson(`/api/v1/units/${DISTRICT}/geojson?level=self`);
  assert.equal(dself.features.length, 1);
  assertPolygon(dself.features[0].geometry, 'district');
  const all = await getJson(`/api/v1/units/${DISTRICT}/geojson?level=community`);
  assert.equal(all.features.length, COUNTS.communities);
  // a grid's own geojson is itself, whatever the default level
  const g = await getJson(`/api/v1/units/${gridCodes[7]}/geojson`);
  assert.equal(g.features.length, 1);
  assert.equal(g.features[0].id, gridCodes[7]);
  // a level above the unit is refused
  assertError(assert, await srv.get(`/api/v1/units/${TOWN}/geojson?level=district`), 400, 'param.invalid');
});

test('geojson of every grid of the district', async () => {
  const fc = await getJson(`/api/v1/units/${DISTRICT}/geojson?level=grid`);
  assert.equal(fc.features.length, COUNTS.grids);
  assert.deepEqual(fc.features.map((f) => f.id).sort(), [...gridCodes].sort());
  for (const f of fc.features) assertPolygon(f.geometry, f.id);
});

test('geojson simplification: ?simplify=0 is exact, larger tolerances drop vertices', async () => {
  const count = (fc) => fc.features.reduce((a, f) => a + [...positions(f.geometry)].length, 0);
  const exact = await getJson(`/api/v1/units/${DISTRICT}/geojson?simplify=0`);
  const auto = await getJson(`/api/v1/units/${DISTRICT}/geojson`);
  const coarse = await getJson(`/api/v1/units/${DISTRICT}/geojson?simplify=500`);
  assert.ok(count(exact) >= count(auto) && count(auto) >= count(coarse), `${count(exact)} ${count(auto)} ${count(coarse)}`);
  assert.ok(count(coarse) < count(exact));
  for (const f of coarse.features) assertPolygon(f.geometry, `coarse ${f.id}`);
});

test('geojson ?crs=gcj02 / bd09 shifts every vertex by the published transform (~500 m)', async () => {
  const w = await getJson(`/api/v1/units/${TOWN}/geojson?level=area&simplify=0`);
  const g = await getJson(`/api/v1/units/${TOWN}/geojson?level=area&simplify=0&crs=gcj02`);
  const b = await getJson(`/api/v1/units/${TOWN}/geojson?level=area&simplify=0&crs=bd09`);
  assert.equal(g.wangge.crs, 'gcj02');
  assert.equal(b.wangge.crs, 'bd09');
  assert.equal(g.features.length, w.features.length);
  let n = 0;
  for (let i = 0; i < w.features.length; i++) {
    const pw = [...positions(w.features[i].geometry)];
    const pg = [...positions(g.features[i].geometry)];
    const pb = [...positions(b.features[i].geometry)];
    assert.equal(pg.length, pw.length, 'same vertices');
    assert.equal(pb.length, pw.length, 'same vertices');
    for (let k = 0; k < pw.length; k++, n++) {
      const d = metres(pw[k], pg[k]);
      assert.ok(d > 300 && d < 800, `GCJ-02 shift ${d.toFixed(0)} m`);
      const eg = wgs2gcj(pw[k]);
      assert.ok(Math.abs(eg[0] - pg[k][0]) < 3e-6 && Math.abs(eg[1] - pg[k][1]) < 3e-6, `gcj ${pg[k]} vs ${eg}`);
      const eb = wgs2bd(pw[k]);
      assert.ok(Math.abs(eb[0] - pb[k][0]) < 3e-6 && Math.abs(eb[1] - pb[k][1]) < 3e-6, `bd09 ${pb[k]} vs ${eb}`);
    }
    // the feature's center moves the same way
    const c = wgs2gcj(w.features[i].properties.center);
    assert.ok(metres(c, g.features[i].properties.center) < 1);
  }
  assert.ok(n > 100);
});

// ------------------------------------------------------------------ search

test('search by Chinese name', async () => {
  const r = await getJson('/api/v1/units?q=' + encodeURIComponent('三元里'));
  assert.equal(r.q, '三元里');
  assert.ok(r.units.length >= 2);
  assert.ok(r.units.some((u) => u.code === TOWN && u.name === '三元里街道' && u.level === 'town' && u.parent === DISTRICT));
  for (const u of r.units) {
    assert.ok(u.name.includes('三元里'), u.name);
    assert.ok(LEVELS.includes(u.level));
    assert.equal(u.code.length, CODE_LEN[u.level]);
    assert.equal(u.parent, u.level === 'district' ? null : u.code.slice(0, CODE_LEN[LEVELS[LEVELS.indexOf(u.level) - 1]]));
  }
  const towns = await getJson('/api/v1/units?q=' + encodeURIComponent('镇') + '&limit=100');
  for (const n of ['人和镇', '太和镇', '钟落潭镇', '江高镇']) assert.ok(towns.units.some((u) => u.name === n), n);
  const by = await getJson('/api/v1/units?q=' + encodeURIComponent('白云区'));
  assert.ok(by.units.some((u) => u.code === DISTRICT));
  const none = await getJson('/api/v1/units?q=' + encodeURIComponent('不存在的地方'));
  assert.deepEqual(none.units, []);
});

test('search by code prefix, and limit', async () => {
  const r = await getJson(`/api/v1/units?q=${TOWN}&limit=100`);
  assert.ok(r.units.length >= 10);
  for (const u of r.units) assert.ok(u.code.startsWith(TOWN), u.code);
  assert.ok(r.units.length <= 100);
  const exact = await getJson(`/api/v1/units?q=${gridCodes[5]}`);
  assert.deepEqual(exact.units.map((u) => u.code), [gridCodes[5]]);
  for (const limit of [1, 5, 20, 100]) {
    const l = await getJson(`/api/v1/units?q=${DISTRICT}&limit=${limit}`);
    assert.equal(l.units.length, limit, `limit=${limit}`);
  }
  const def = await getJson(`/api/v1/units?q=${DISTRICT}`);
  assert.equal(def.units.length, 20, 'default limit');
});

// ------------------------------------------------------------------- staff

// Staff lists need a staff log-in (ROLE_STAFF): the demo's district-wide
// command-centre user (password Wangge@2026, demo only).
let STAFF_AUTH = null;
async function staffAuth() {
  if (STAFF_AUTH === null) {
    const r = await srv.post('/api/v1/auth/login', { username: 'command', password: 'Wangge@2026', kind: 'app' });
    assert.equal(r.status, 200, `demo log-in: ${r.text}`);
    STAFF_AUTH = `Bearer ${r.json.token}`;
  }
  return STAFF_AUTH;
}

test('staff lists need a log-in', async () => {
  for (const p of [`/api/v1/units/${TOWN}/staff`, `/api/v1/units/${TOWN}/staff?history=1`, `/api/v1/units/${gridCodes[0]}/staff`]) {
    assertError(assert, await srv.get(p), 401, 'auth.required');
  }
});

test('staff now and staff history', async () => {
  await staffAuth();
  const getJson = async (path) => {
    const r = await srv.get(path, { headers: { authorization: STAFF_AUTH } });
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
    return r.json;
  };
  for (const h of ['2', '-1', 'yes', '']) {
    const bad = await srv.get(`/api/v1/units/${TOWN}/staff?history=${h}`, { headers: { authorization: STAFF_AUTH } });
    assertError(assert, bad, 400, 'param.invalid');
    assert.equal(bad.json.error.param, 'history');
  }
  const t = await getJson(`/api/v1/units/${TOWN}/staff`);
  assert.equal(t.unit, TOWN);
  assert.equal(t.name, '三元里街道');
  const detail = await getJson(`/api/v1/units/${TOWN}`);
  assert.equal(t.staff.length, detail.staff.length);
  assert.deepEqual(t.staff.map((s) => s.name).sort(), detail.staff.map((s) => s.name).sort());
  for (const s of t.staff) {
    assert.ok(Number.isInteger(s.post_id) && Number.isInteger(s.person_id));
    assert.equal(s.end_date, null);
    assert.match(s.start_date, /^\d{4}-\d\d-\d\d$/);
    assert.ok(s.role && s.role_label && s.name);
  }
  // each level has the head the model promises
  const comm = await getJson(`/api/v1/units/${TOWN}001/staff`);
  assert.ok(comm.staff.some((s) => s.role === 'station_head' || s.role === 'chief_station_head'), 'a station head');
  const area = await getJson(`/api/v1/units/${TOWN}00101/staff`);
  assert.ok(area.staff.some((s) => s.role === 'grid_leader'), 'a grid leader');
  const grid = await getJson(`/api/v1/units/${gridCodes[0]}/staff`);
  assert.ok(grid.staff.some((s) => s.role === 'grid_worker' && s.role_label === '网格员'));

  // history: find grids whose worker changed (the demo has some)
  let withHistory = null;
  for (let i = 0; i < gridCodes.length && !withHistory; i += 100) {
    const batch = await Promise.all(gridCodes.slice(i, i + 100).map((c) => getJson(`/api/v1/units/${c}/staff?history=1`)));
    withHistory = batch.find((h) => h.staff.some((s) => s.end_date));
  }
  assert.ok(withHistory, 'some grid has an ended post');
  const now = await getJson(`/api/v1/units/${withHistory.unit}/staff?history=0`);
  const ended = withHistory.staff.filter((s) => s.end_date);
  assert.ok(withHistory.staff.length > now.staff.length);
  assert.equal(withHistory.staff.length, now.staff.length + ended.length);
  const ids = new Set(withHistory.staff.map((s) => s.post_id));
  for (const s of now.staff) assert.ok(ids.has(s.post_id), 'history includes the current posts');
  for (const s of ended) {
    assert.match(s.end_date, /^\d{4}-\d\d-\d\d$/);
    assert.ok(s.end_date >= s.start_date, `${s.start_date} .. ${s.end_date}`);
    assert.ok(!now.staff.some((c) => c.post_id === s.post_id), 'an ended post is not current');
  }
  // and the grid's current worker started when (or after) the last one left
  const w = now.staff.find((s) => s.role === 'grid_worker');
  const last = ended.filter((s) => s.role === 'grid_worker').sort((a, b) => a.end_date.localeCompare(b.end_date)).pop();
  if (w && last) assert.ok(w.start_date >= last.end_date, `${w.start_date} >= ${last.end_date}`);
});

// ------------------------------------------------------------------ locate

test('locate at the centre of grids returns the grid and its contacts', async () => {
  const sample = [0, 1, 17, 500, 1234, 2000, 2999, 3453].map((i) => gridCodes[i]);
  for (const code of sample) {
    const g = await getJson(`/api/v1/units/${code}`);
    const [lon, lat] = g.center;
    const r = await srv.get(`/api/v1/locate?lat=${lat}&lon=${lon}`);
    assert.equal(r.status, 200, `${code}: ${r.text}`);
    const j = r.json;
    assert.equal(j.grid.code, code);
    assert.equal(j.grid.name, g.name);
    assert.equal(j.grid.level, 'grid');
    assert.equal(j.area.code, code.slice(0, 14));
    assert.equal(j.community.code, code.slice(0, 12));
    assert.equal(j.town.code, code.slice(0, 9));
    assert.equal(j.district.code, DISTRICT);
    assert.equal(j.town.name, g.path[1].name);
    for (const role of ['grid_worker', 'grid_leader', 'station_head']) {
      const c = j.contacts[role];
      assert.ok(c && c.name, `${code}: ${role}`);
      assert.match(c.phone, PHONE, `${code}: ${role} phone`);
      assert.ok(c.title, `${code}: ${role} title`);
    }
    const worker = g.staff.find((s) => s.role === 'grid_worker');
    assert.equal(j.contacts.grid_worker.name, worker.name);
    assert.equal(j.contacts.grid_worker.phone, worker.phone);
    const area = await getJson(`/api/v1/units/${code.slice(0, 14)}`);
    assert.equal(j.contacts.grid_leader.name, area.staff.find((s) => s.role === 'grid_leader').name);
    // the same grid with the point given in GCJ-02 and in BD-09
    for (const [crs, p] of [['gcj02', wgs2gcj([lon, lat])], ['bd09', wgs2bd([lon, lat])], ['wgs84', [lon, lat]]]) {
      const rc = await srv.get(`/api/v1/locate?lat=${p[1]}&lon=${p[0]}&crs=${crs}`);
      assert.equal(rc.status, 200, `${code} ${crs}: ${rc.text}`);
      assert.equal(rc.json.grid.code, code, `${code} in ${crs}`);
    }
    // ...which, read as WGS-84, is some 500 m off and usually another grid
    const off = wgs2gcj([lon, lat]);
    assert.ok(metres(off, [lon, lat]) > 300);
  }
});

test('a point outside Baiyun: 404 locate.outside', async () => {
  for (const [lat, lon, crs] of [[39.9087, 116.3975], [23.1291, 113.2644], [22.5431, 114.0579], [0, 0], [-33.86, 151.21],
                                 [23.13, 113.32, 'gcj02'], [90, 180], [-90, -180]]) {
    const r = await srv.get(`/api/v1/locate?lat=${lat}&lon=${lon}${crs ? '&crs=' + crs : ''}`);
    assertError(assert, r, 404, 'locate.outside');
  }
  // just beyond the district's bounding box
  const [w, s, e, n] = district.bbox;
  for (const [lon, lat] of [[w - 0.01, (s + n) / 2], [e + 0.01, (s + n) / 2], [(w + e) / 2, s - 0.01], [(w + e) / 2, n + 0.01]]) {
    assertError(assert, await srv.get(`/api/v1/locate?lat=${lat}&lon=${lon}`), 404, 'locate.outside');
  }
});

// ------------------------------------------------------------ batch locate

test('batch of 10,000 points (mixed in and out) answers in order, like single lookups', async () => {
  const fc = await getJson(`/api/v1/units/${DISTRICT}/geojson?level=grid`);
  const centers = fc.features.map((f) => [f.id, f.properties.center]);
  const [w, s, e, n] = district.bbox;
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const points = [], expect = [];
  for (let i = 0; i < 10000; i++) {
    const k = i % 5;
    if (k < 3) {                                   // a grid's centre
      const [code, c] = centers[(i * 7919) % centers.length];
      points.push(i % 2 ? c : { lon: c[0], lat: c[1] });
      expect.push(code);
    } else if (k === 3) {                          // anywhere in the bounding box
      points.push([w + rnd() * (e - w), s + rnd() * (n - s)]);
      expect.push(undefined);
    } else {                                       // far away
      points.push([100 + rnd() * 20, 20 + rnd() * 20]);
      expect.push(null);
    }
  }
  const t0 = Date.now();
  const r = await srv.post('/api/v1/locate/batch', { points });
  const ms = Date.now() - t0;
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.count, 10000);
  assert.equal(r.json.results.length, 10000);
  assert.equal(r.json.found, r.json.results.filter(Boolean).length);
  assert.ok(r.json.found >= 6000 && r.json.found < 10000, `found ${r.json.found}`);
  for (let i = 0; i < 10000; i++) {
    const x = r.json.results[i];
    if (expect[i] === null) assert.equal(x, null, `point ${i} is far away`);
    else if (expect[i]) {
      assert.ok(x, `point ${i}: ${expect[i]}`);
      assert.equal(x.grid, expect[i], `point ${i}`);
    }
  }
  // the fields of a result
  const one = r.json.results[0];
  assert.equal(one.area, one.grid.slice(0, 14));
  assert.equal(one.community, one.grid.slice(0, 12));
  assert.equal(one.town, one.grid.slice(0, 9));
  assert.ok(one.grid_name && one.community_name && one.town_name);
  assert.ok(one.grid_worker && one.grid_worker.name);
  assert.match(one.grid_worker.phone, PHONE);
  // consistent with single lookups on a sample (including bounding-box points)
  for (let i = 0; i < 10000; i += 97) {
    const p = points[i];
    const [lon, lat] = Array.isArray(p) ? p : [p.lon, p.lat];
    const single = await srv.get(`/api/v1/locate?lat=${lat}&lon=${lon}`);
    const x = r.json.results[i];
    if (x === null) assertError(assert, single, 404, 'locate.outside');
    else {
      assert.equal(single.status, 200);
      assert.equal(single.json.grid.code, x.grid, `point ${i}`);
      assert.equal(single.json.contacts.grid_worker.name, x.grid_worker.name);
      assert.equal(single.json.town.name, x.town_name);
    }
  }
  console.log(`batch of 10,000: ${ms} ms`);
});

test('batch in GCJ-02 and BD-09 finds the same grids', async () => {
  const some = gridCodes.filter((_, i) => i % 37 === 0);
  const centers = await Promise.all(some.map(async (c) => (await getJson(`/api/v1/units/${c}`)).center));
  for (const [crs, f] of [['gcj02', wgs2gcj], ['bd09', wgs2bd], ['WGS84', (p) => p]]) {
    const r = await srv.post('/api/v1/locate/batch', { crs, points: centers.map(f) });
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.deepEqual(r.json.results.map((x) => x && x.grid), some, crs);
  }
});

test('10,001 points: 413', async () => {
  const points = Array.from({ length: 10001 }, () => [113.3, 23.2]);
  const r = await srv.post('/api/v1/locate/batch', { points });
  assertError(assert, r, 413, 'field.too_many');
  assert.equal(r.json.error.param, 'points');
  const ok = await srv.post('/api/v1/locate/batch', { points: points.slice(1) });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.count, 10000);
});
