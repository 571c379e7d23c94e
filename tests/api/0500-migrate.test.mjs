// `wangge migrate`: copy a whole deployment between databases (SQLite ->
// PostgreSQL when a district grows), verify it, rerun it safely, and serve
// the same answers from the copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startServer, wangge, demoDb, tmpDb, tmpDir, PG, psql, DEMO_EVENTS } from './lib/harness.mjs';

/** The answers a user sees, from one server, for comparison. */
async function snapshot(srv) {
  const out = {};
  const root = await srv.get('/api/v1/units/440111');
  out.root = root.json;
  const towns = await srv.get('/api/v1/units/440111/children');
  out.towns = towns.json;
  const town = towns.json.children[3].code;
  out.communities = (await srv.get(`/api/v1/units/${town}/children`)).json;
  out.geo = (await srv.get(`/api/v1/units/${town}/geojson`)).json;
  out.located = [];
  for (const c of out.communities.children.slice(0, 5)) {
    const [lon, lat] = c.center;
    out.located.push((await srv.get(`/api/v1/locate?lat=${lat}&lon=${lon}`)).json);
  }
  out.search = (await srv.get('/api/v1/units?q=' + encodeURIComponent('三元里'))).json;
  return out;
}

function migrate(from, to) {
  const r = wangge(['migrate', '--from', from, '--to', to], { timeout: 300000 });
  return r;
}

test('SQLite to a new SQLite file: verified copy, same answers, safe rerun', async () => {
  const src = demoDb();
  const dst = join(tmpDir(), 'copy.db');
  const r = migrate(src.includes('://') ? src : `sqlite:${src}`, `sqlite:${dst}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /unit\s+5028\s+5028\s+\w+\s+ok/);
  assert.match(r.stdout, /post\s+(\d+)\s+\1\s+\w+\s+ok/);
  assert.match(r.stdout, /verified/);
  const again = migrate(src.includes('://') ? src : `sqlite:${src}`, `sqlite:${dst}`);
  assert.equal(again.status, 0, again.stderr);
  const a = await startServer({ db: src });
  const b = await startServer({ db: dst });
  try {
    assert.deepEqual(await snapshot(b), await snapshot(a));
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('SQLite to PostgreSQL and back', { skip: !PG && 'needs WANGGE_TEST_PG (make test starts a PostgreSQL server)' }, async () => {
  const sqliteFile = join(tmpDir(), 'district.db');
  let r = wangge(['demo', '--db', sqliteFile, '--seed', '1', '--events', String(DEMO_EVENTS)],
                 { timeout: 300000 });
  assert.equal(r.status, 0, r.stderr);
  const pg = tmpDb();                       // a fresh PostgreSQL database under WANGGE_TEST_PG
  r = migrate(`sqlite:${sqliteFile}`, pg);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  r = migrate(`sqlite:${sqliteFile}`, pg);  // rerun
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const back = join(tmpDir(), 'back.db');
  r = migrate(pg, `sqlite:${back}`);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const a = await startServer({ db: sqliteFile });
  const b = await startServer({ db: pg });
  const c = await startServer({ db: back });
  try {
    const want = await snapshot(a);
    assert.deepEqual(await snapshot(b), want);
    assert.deepEqual(await snapshot(c), want);
  } finally {
    await a.stop();
    await b.stop();
    await c.stop();
  }
});

test('KPI days left marked by a killed SQLite server travel with the copy and are recounted on PostgreSQL', { skip: !PG && 'needs WANGGE_TEST_PG (make test starts a PostgreSQL server)' }, async () => {
  const sqliteFile = join(tmpDir(), 'killed.db');
  const d = wangge(['demo', '--db', sqliteFile, '--seed', '1', '--events', '0'], { timeout: 300000 });
  assert.equal(d.status, 0, d.stderr);
  const ini = join(tmpDir(), 'wangge.ini');
  writeFileSync(ini, '[events]\nkpi_flush_ms = 60000\n');     // held until the kill
  const a = await startServer({ db: sqliteFile, args: ['--config', ini] });
  const token = (await a.post('/api/v1/auth/login', { username: 'gridworker', password: 'Wangge@2026', kind: 'app' })).json.token;
  const [lon, lat] = (await a.get('/api/v1/units/4401110020010101')).json.center;
  for (let i = 0; i < 3; i++) {
    const r = await a.post('/api/v1/events', { category: 'csgl.srhj', description: `迁移 ${i}`, lon, lat },
      { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 201, r.text);
  }
  await a.stop('SIGKILL');
  const pg = tmpDb();
  let r = migrate(`sqlite:${sqliteFile}`, pg);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const q = (sql) => psql(sql, { url: pg }).trim();
  assert.equal(q('SELECT count(*) FROM kpi_dirty'), '1', 'the mark was copied');
  const district = "SELECT COALESCE(SUM(reported), 0) FROM kpi_agg WHERE grain = 'm' AND unit_code = '440111' AND category_code = '*' AND source = '*'";
  assert.equal(q(district), '0', 'the held counts died with the server');
  const b = await startServer({ db: pg });
  try {
    assert.equal(q('SELECT count(*) FROM kpi_dirty'), '0');
    assert.equal(q(district), '3', 'recounted from the events at start');
    assert.match(b.stderr, /day\(s\) left by an unclean stop recomputed/);
  } finally {
    await b.stop();
  }
});

test('bad invocations fail with one line and change nothing', () => {
  const dst = join(tmpDir(), 'untouched.db');
  for (const args of [
    ['migrate'],
    ['migrate', '--from', 'sqlite:/nonexistent/dir/x.db', '--to', `sqlite:${dst}`],
    ['migrate', '--from', 'mysql://x/y', '--to', `sqlite:${dst}`],
    ['migrate', '--from', `sqlite:${dst}`, '--to', `sqlite:${dst}`],
  ]) {
    const r = wangge(args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.ok(r.stderr.trim().length > 0);
  }
});
