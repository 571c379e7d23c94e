// Import, export and locate from the command line, and what a server makes of
// an import: `wangge import units`, `wangge export units`, `wangge locate`.
//
// The real district outlines (DataV, GCJ-02) come from the shared data folder
// (harness SHARED); those tests are skipped with a message when it is absent.
// Everything else uses a small synthetic tree built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wangge, tmpDb, tmpDir, startServer, SHARED, hasShared } from './lib/harness.mjs';

const OUTLINE = join(SHARED, 'baiyun-440111-outline.geojson');
const DATAV = join(SHARED, 'baiyun-440111-outline.datav-array.json');
const GUANGZHOU = join(SHARED, 'guangzhou-440100-districts.geojson');
const noShared = hasShared ? false : `shared data not found in ${SHARED} (set WANGGE_SHARED_DATA)`;

// ------------------------------------------------------------------ helpers

const rect = (x0, y0, x1, y1) => ({
  type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
});
const feat = (code, name, geometry, extra = {}) =>
  ({ type: 'Feature', properties: { code, name, ...extra }, geometry });
const collection = (features) => ({ type: 'FeatureCollection', features });

/** 白云区 as a 0.1° square with 2 towns, 2 communities, 1 area and 2 grids (WGS-84). */
function tree() {
  return collection([
    feat('440111', '白云区', rect(113.20, 23.10, 113.30, 23.20)),
    feat('440111002', '三元里街道', rect(113.20, 23.10, 113.25, 23.20)),
    feat('440111003', '人和镇', rect(113.25, 23.10, 113.30, 23.20)),
    feat('440111002001', '一社区', rect(113.20, 23.10, 113.25, 23.15)),
    feat('440111002002', '二村', rect(113.20, 23.15, 113.25, 23.20)),
    feat('44011100200101', '第一片区', rect(113.20, 23.10, 113.25, 23.15)),
    feat('4401110020010101', '一网格', rect(113.20, 23.10, 113.225, 23.15),
         { grid_type: '综合网格', households: 120, population: 300 }),
    feat('4401110020010102', '二网格', rect(113.225, 23.10, 113.25, 23.15),
         { grid_type: '专属网格', grid_subtype: '学校' }),
  ]);
}

/** Write obj (or a string as is) to a new file; returns its path. */
function file(name, obj) {
  const p = join(tmpDir(), name);
  writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return p;
}

function importOk(path, db, ...args) {
  const r = wangge(['import', 'units', path, '--db', db, ...args]);
  assert.equal(r.status, 0, `import failed: ${r.stderr}`);
  return r;
}

/** `wangge export units` as { text, json }. */
function exportUnits(db, ...args) {
  const r = wangge(['export', 'units', '--db', db, ...args]);
  assert.equal(r.status, 0, `export failed: ${r.stderr}`);
  return { text: r.stdout, json: JSON.parse(r.stdout) };
}

/** Every position of a (Multi)Polygon. */
function positions(geometry) {
  const out = [];
  const walk = (c) => (typeof c[0] === 'number' ? out.push(c) : c.forEach(walk));
  walk(geometry.coordinates);
  return out;
}

async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ------------------------------------------------------ real DataV outlines

test('the Baiyun outline (DataV, GCJ-02) imports as district 440111', { skip: noShared }, () => {
  const db = tmpDb();
  const r = importOk(OUTLINE, db, '--crs', 'gcj02');
  assert.match(r.stdout, /^district\s+1 \(1 new, 0 replaced\)$/m);

  const { json } = exportUnits(db);
  assert.equal(json.type, 'FeatureCollection');
  assert.equal(json.features.length, 1);
  const f = json.features[0];
  assert.deepEqual(f.properties, {
    code: '440111', name: '白云区', level: 'district', kind: '区', parent_code: null,
    grid_type: null, grid_subtype: null, households: null, population: null,
  });
  // stored in WGS-84: west and north of the GCJ-02 input by the usual offset
  const src = JSON.parse(readFileSync(OUTLINE, 'utf8')).features[0].geometry;
  const [gx, gy] = positions(src)[0];
  const [wx, wy] = positions(f.geometry)[0];
  assert.ok(gx - wx > 0.003 && gx - wx < 0.008, `lon offset ${gx - wx}`);
  assert.ok(wy - gy > 0.001 && wy - gy < 0.005, `lat offset ${wy - gy}`);
  // exported back in GCJ-02: the input's coordinates, to the centimetre
  const back = exportUnits(db, '--crs', 'gcj02').json.features[0].geometry;
  const a = positions(src);
  let b = positions(back);
  assert.equal(a.length, b.length);
  // wangge writes exterior rings counter-clockwise (RFC 7946); DataV's are
  // clockwise, so the ring comes back reversed (same first/last vertex)
  const near = (p, q) => Math.abs(p[0] - q[0]) < 1e-7 && Math.abs(p[1] - q[1]) < 1e-7;
  if (!near(a[1], b[1])) b = b.slice().reverse();
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i][0] - b[i][0]) < 1e-7 && Math.abs(a[i][1] - b[i][1]) < 1e-7, `vertex ${i}`);
});

test('the DataV array form imports the same district', { skip: noShared }, () => {
  const db1 = tmpDb(), db2 = tmpDb();
  importOk(OUTLINE, db1, '--crs', 'gcj02');
  const r = importOk(DATAV, db2, '--crs', 'gcj02', '--level', 'district', '--parent', '440100');
  assert.match(r.stdout, /^district\s+1 /m);
  assert.deepEqual(exportUnits(db2).json, exportUnits(db1).json);
  // importing it again over the first replaces the unit
  assert.match(importOk(DATAV, db1, '--crs', 'gcj02').stdout, /\(0 new, 1 replaced\)/);
});

test('Guangzhou: 11 districts; another city\'s parent code is refused', { skip: noShared }, () => {
  const db = tmpDb();
  const bad = wangge(['import', 'units', GUANGZHOU, '--db', db, '--crs', 'gcj02', '--parent', '440300']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /11 errors/);
  assert.match(bad.stderr, /import\.outside_parent_code/);
  assert.equal(exportUnits(db).json.features.length, 0);
  importOk(GUANGZHOU, db, '--crs', 'gcj02', '--parent', '440100');
  const codes = exportUnits(db).json.features.map((f) => f.properties.code);
  assert.equal(codes.length, 11);
  assert.ok(codes.includes('440111'));
});

// ------------------------------------------------------- round trip, errors

test('export → import round-trips every level and property', () => {
  const db = tmpDb();
  const r = importOk(file('tree.geojson', tree()), db);
  assert.match(r.stdout, /^grid\s+2 \(2 new, 0 replaced\)$/m);
  const first = exportUnits(db);
  assert.equal(first.json.features.length, 8);
  const g2 = first.json.features.find((f) => f.id === '4401110020010102').properties;
  assert.deepEqual(g2, {
    code: '4401110020010102', name: '二网格', level: 'grid', kind: '网格', parent_code: '44011100200101',
    grid_type: '专属网格', grid_subtype: '学校', households: null, population: null,
  });
  assert.equal(first.json.features.find((f) => f.id === '440111003').properties.kind, '镇');

  for (const crs of ['wgs84', 'gcj02']) {
    const out = join(tmpDir(), `export-${crs}.geojson`);
    const w = wangge(['export', 'units', '--db', db, '--crs', crs, '--out', out]);
    assert.equal(w.status, 0, w.stderr);
    assert.equal(w.stdout, '');
    const db2 = tmpDb();
    const again = importOk(out, db2, '--crs', crs);
    assert.match(again.stdout, /\(0 warnings\)/);
    assert.equal(exportUnits(db2).text, first.text, `round trip through ${crs}`);
  }

  const grids = exportUnits(db, '--level', 'grid', '--under', '440111002').json.features;
  assert.deepEqual(grids.map((f) => f.id), ['4401110020010101', '4401110020010102']);
  assert.equal(exportUnits(db, '--level', 'town').json.features.length, 2);
  const unknown = wangge(['export', 'units', '--db', db, '--under', '440111009']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown unit '440111009'/);
  const noDb = wangge(['export', 'units', '--db', join(tmpDir(), 'missing.db')]);
  assert.notEqual(noDb.status, 0);
});

test('bad files fail with a one-line reason and leave the database as it was', () => {
  const db = tmpDb();
  importOk(file('tree.geojson', tree()), db);
  const before = exportUnits(db).text;
  const point = collection([feat('4401110020010103', '点', { type: 'Point', coordinates: [113.21, 23.11] })]);
  const cases = [
    { what: 'malformed JSON', args: [file('bad.json', '{"type":"FeatureCollection","features":[')],
      reason: /malformed JSON/ },
    { what: 'a Point', args: [file('point.geojson', point)], reason: /feature #0 4401110020010103: unsupported geometry type 'Point'/ },
    { what: 'an unknown crs', args: [file('ok.geojson', tree()), '--crs', 'mars'], reason: /unknown --crs 'mars'/ },
    { what: 'a missing file', args: [join(tmpDir(), 'nope.geojson')], reason: /cannot read .*nope\.geojson/ },
    { what: 'not GeoJSON', args: [file('obj.json', { hello: 'world' })], reason: /FeatureCollection/ },
    { what: 'a directory', args: [tmpDir()], reason: /not a regular file/ },
  ];
  for (const c of cases) {
    const r = wangge(['import', 'units', ...c.args, '--db', db]);
    assert.notEqual(r.status, 0, c.what);
    assert.equal(r.stdout, '', c.what);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${c.what}: one line expected, got ${r.stderr}`);
    assert.match(lines[0], /^wangge import: /, c.what);
    assert.match(lines[0], c.reason, c.what);
  }
  assert.equal(exportUnits(db).text, before);
});

test('every problem of an invalid file is listed; nothing is written (exit 2)', () => {
  const db = tmpDb();
  const t = tree();
  t.features[7].geometry = rect(113.22, 23.10, 113.25, 23.15);       // overlaps the other grid
  t.features.push(feat('440111002001', '重复', rect(113.20, 23.10, 113.25, 23.15)));   // duplicate code
  t.features.push(feat('4401110030010101', '孤儿', rect(113.26, 23.11, 113.27, 23.12))); // no parent
  t.features.push(feat('440111004', '', rect(113.26, 23.11, 113.27, 23.12)));           // no name
  const r = wangge(['import', 'units', file('bad-tree.geojson', t), '--db', db]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^wangge import: .*: 4 errors, 0 warnings; nothing written$/m);
  assert.match(r.stderr, /error +#6 +4401110020010101 +geom\.overlap: .* \/ overlaps feature #7 4401110020010102 .* by \d+ m²/);
  assert.match(r.stderr, /error +#8 +440111002001 +import\.duplicate_code: /);
  assert.match(r.stderr, /error +#9 +4401110030010101 +import\.missing_parent: /);
  assert.match(r.stderr, /error +#10 +440111004 +import\.name_missing: 缺少名称/);
  assert.equal(exportUnits(db).json.features.length, 0);

  const dry = wangge(['import', 'units', file('tree.geojson', tree()), '--db', db, '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /dry run: .* is valid/);
  assert.equal(exportUnits(db).json.features.length, 0);
});

test('an invalid (bow-tie) polygon is refused, and repaired with --repair', () => {
  const db = tmpDb();
  const bow = collection([feat('440111', '白云区', {
    type: 'Polygon',
    coordinates: [[[113.2, 23.1], [113.3, 23.2], [113.3, 23.1], [113.2, 23.2], [113.2, 23.1]]],
  })]);
  const path = file('bow.geojson', bow);
  const r = wangge(['import', 'units', path, '--db', db]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /geom\.invalid.*Self-intersection.*--repair/);
  const ok = importOk(path, db, '--repair');
  assert.match(ok.stderr, /warning +#0 +440111 +geom\.repaired/);
  assert.match(ok.stdout, /\(1 warning\)/);
});

// ------------------------------------------------------------- with a server

test('a server started on the imported database serves the units', async () => {
  const db = tmpDb();
  importOk(file('tree.geojson', tree()), db);
  const srv = await startServer({ db });
  try {
    const u = await srv.get('/api/v1/units/440111');
    assert.equal(u.status, 200, u.text);
    assert.equal(u.json.name, '白云区');
    assert.equal(u.json.counts.grids, 2);
    assert.equal(u.json.households, 120);
    // the CLI answers locate exactly as the API does
    const api = await srv.get('/api/v1/locate?lat=23.12&lon=113.21');
    assert.equal(api.status, 200, api.text);
    const cli = wangge(['locate', '--lat', '23.12', '--lon', '113.21', '--db', db]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), api.json);
    assert.equal(api.json.grid.code, '4401110020010101');
    assert.equal(api.json.community.code, '440111002001');
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('a running server picks up an import within a few seconds', async () => {
  const db = tmpDb();
  const srv = await startServer({ db });
  try {
    assert.equal((await srv.get('/api/v1/units/440111')).status, 404);
    importOk(file('tree.geojson', tree()), db);
    const u = await waitFor(async () => {
      const r = await srv.get('/api/v1/units/440111');
      return r.status === 200 ? r : null;
    }, 8000, 'the server to reload its org snapshot');
    assert.equal(u.json.counts.children, 2);
    const g = await srv.get('/api/v1/locate?lat=23.12&lon=113.24');
    assert.equal(g.json.grid.code, '4401110020010102');
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

// -------------------------------------------------------------------- locate

test('locate: GCJ-02 input, outside every grid (exit 3), bad arguments', () => {
  const db = tmpDb();
  importOk(file('tree.geojson', tree()), db);
  const w = wangge(['locate', '--lat', '23.12', '--lon', '113.21', '--db', db]);
  assert.equal(w.status, 0, w.stderr);
  assert.equal(JSON.parse(w.stdout).grid.code, '4401110020010101');
  // the same place in GCJ-02 coordinates (≈ +0.0053° lon, −0.0028° lat here)
  const g = wangge(['locate', '--lat', '23.1172', '--lon', '113.2153', '--crs', 'gcj02', '--db', db]);
  assert.equal(g.status, 0, g.stderr);
  assert.equal(JSON.parse(g.stdout).grid.code, '4401110020010101');

  const out = wangge(['locate', '--lat', '39.9', '--lon', '116.4', '--db', db]);
  assert.equal(out.status, 3);
  assert.equal(out.stdout, '');
  assert.match(out.stderr, /outside every grid/);
  assert.equal(wangge(['locate', '--lat', '99', '--lon', '113', '--db', db]).status, 1);
  assert.equal(wangge(['locate', '--lat', '23', '--db', db]).status, 1);
  assert.equal(wangge(['locate', '--lat', '23', '--lon', '113', '--crs', 'x', '--db', db]).status, 1);
});
