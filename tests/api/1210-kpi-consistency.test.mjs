// The KPI counters kept incrementally (each report and step, through the
// group-commit writer, and the clock job) equal the counters recomputed from
// the event table by `wangge kpi rebuild`: nothing is counted twice or lost,
// also when steps fail and roll back inside a batch. On SQLite the writer
// holds the deltas in memory for up to [events] kpi_flush_ms (docs/kpi.md,
// "Deferred counters"): a KPI query writes them first, and a rebuild while
// it holds some makes it recompute their days instead of adding them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, demoDb, wangge, PG, psql, tmpDir } from './lib/harness.mjs';

let srv;
let point;
const tokens = {};
const auth = (t) => ({ authorization: `Bearer ${t}` });
async function login(u) {
  if (!tokens[u]) {
    const r = await srv.post('/api/v1/auth/login', { username: u, password: 'Wangge@2026', kind: 'app' });
    assert.equal(r.status, 200, r.text);
    tokens[u] = r.json.token;
  }
  return tokens[u];
}
const step = async (u, id, body) => srv.post(`/api/v1/events/${id}/steps`, body, { headers: auth(await login(u)) });

function sql(q, db = srv.db) {
  if (PG) return psql(q, { url: db });
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 10000', db, q], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

const DUMP = `SELECT grain, period, unit_code, category_code, source, reported, accepted, rejected, closed,
  closed_on_time, closed_internal, closed_late, overdue_open, rework, escalated, handle_seconds, rated,
  rate_good, rate_ok, rate_bad FROM kpi_agg
  WHERE reported <> 0 OR accepted <> 0 OR rejected <> 0 OR closed <> 0 OR closed_on_time <> 0 OR closed_internal <> 0
     OR closed_late <> 0 OR overdue_open <> 0 OR rework <> 0 OR escalated <> 0 OR handle_seconds <> 0 OR rated <> 0
     OR rate_good <> 0 OR rate_ok <> 0 OR rate_bad <> 0
  ORDER BY grain, period, unit_code, category_code, source`;

before(async () => {
  srv = await startServer({ db: demoDb({ events: 0 }) });
  point = (await srv.get('/api/v1/units/4401110020010101')).json.center;
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

test('incremental counters equal a rebuild after reports, steps, failures and concurrency', async () => {
  const gw = await login('gridworker');
  const ids = [];
  // concurrent reports: they share writer batches
  const rs = await Promise.all(Array.from({ length: 24 }, (_, i) => srv.post('/api/v1/events',
    { category: i % 2 ? 'csgl.srhj' : 'xf.ddcd', description: `一致性 ${i}`, lon: point[0], lat: point[1],
      urgency: i % 3 ? 'normal' : 'urgent' }, { headers: auth(gw) })));
  for (const r of rs) { assert.equal(r.status, 201, r.text); ids.push(r.json.id); }
  // internal loop to closing on some, concurrently with illegal steps that roll back
  await Promise.all(ids.slice(0, 8).map(async (id) => {
    assert.equal((await step('station', id, { action: 'accept' })).status, 200);
    assert.equal((await step('gridworker', id, { action: 'close' })).status, 409);   // illegal: rolled back
    assert.equal((await step('gridworker', id, { action: 'complete', result: '已处理' })).status, 200);
    assert.equal((await step('gridleader', id, { action: 'verify_pass' })).status, 200);
    assert.equal((await step('station', id, { action: 'close' })).status, 200);
  }));
  // rework, rejection, escalation and the external loop
  await step('station', ids[8], { action: 'accept' });
  await step('gridworker', ids[8], { action: 'complete', result: '处理' });
  await step('gridleader', ids[8], { action: 'verify_fail', note: '没处理好' });
  await step('station', ids[9], { action: 'reject', note: '重复' });
  const x = ids[10];
  await step('station', x, { action: 'escalate', note: '需城管' });
  await step('dispatcher', x, { action: 'register' });
  await step('dispatcher', x, { action: 'dispatch', dept: '440111-cg' });
  await step('chengguan', x, { action: 'sign' });
  await step('chengguan', x, { action: 'complete', result: '已整改' });
  await step('gridworker', x, { action: 'verify_pass' });
  assert.equal((await step('dispatcher', x, { action: 'close' })).status, 200);

  // a KPI query makes the writer write what it holds
  const k = await srv.get('/api/v1/kpi?unit=440111&from=2026-01-01&to=2026-02-01',
    { headers: auth(await login('leader')) });
  assert.equal(k.status, 200, k.text);
  const incremental = sql(DUMP);
  assert.ok(incremental.trim().length > 0, 'counters were written');
  const r = wangge(['kpi', 'rebuild', '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  const rebuilt = sql(DUMP);
  assert.equal(incremental, rebuilt, 'the counters kept step by step are those the events give');
});

test('SQLite: deltas held by the writer are counted once across a rebuild; a query writes them first', { skip: PG ? 'PostgreSQL writes the counters in each batch' : false }, async () => {
  const ini = join(tmpDir(), 'wangge.ini');
  writeFileSync(ini, '[events]\nkpi_flush_ms = 60000\n');
  const db = demoDb({ events: 0 });
  const s2 = await startServer({ db, args: ['--config', ini] });
  try {
    const login2 = async (u) => (await s2.post('/api/v1/auth/login', { username: u, password: 'Wangge@2026', kind: 'app' })).json.token;
    const gw = await login2('gridworker');
    const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => s2.post('/api/v1/events',
      { category: 'csgl.srhj', description: `延迟计数 ${i}`, lon: point[0], lat: point[1] }, { headers: auth(gw) })));
    for (const r of rs) assert.equal(r.status, 201, r.text);
    // held in memory: not in kpi_agg yet, its day marked in kpi_dirty
    assert.equal(sql(DUMP, db).trim(), '', 'no counter written yet');
    assert.equal(sql('SELECT count(*) FROM kpi_dirty', db).trim(), '1', "today's day is marked");
    // a rebuild counts these events; adding the held deltas would count them twice
    const r = wangge(['kpi', 'rebuild', '--db', db]);
    assert.equal(r.status, 0, r.stderr);
    const rebuilt = sql(DUMP, db);
    assert.ok(rebuilt.trim().length > 0);
    const disp = await login2('leader');
    const k = await s2.get('/api/v1/kpi?unit=440111&from=2026-01-01&to=2026-02-01', { headers: auth(disp) });
    assert.equal(k.status, 200, k.text);
    assert.equal(sql(DUMP, db), rebuilt, 'counted once');
    assert.equal(sql('SELECT count(*) FROM kpi_dirty', db).trim(), '0', 'marks cleared');
    const m = (await s2.get('/metrics')).text;
    assert.match(m, /^wangge_kpi_repairs_total 1$/m);
    // later deltas are written by the next query, on top of the rebuilt rows
    const x = await s2.post('/api/v1/events', { category: 'csgl.srhj', description: '延迟计数 后', lon: point[0], lat: point[1] },
      { headers: auth(gw) });
    assert.equal(x.status, 201, x.text);
    assert.equal((await s2.get('/api/v1/kpi?unit=440111&from=2026-01-01&to=2026-02-01', { headers: auth(disp) })).status, 200);
    const after1 = sql(DUMP, db);
    assert.equal(wangge(['kpi', 'rebuild', '--db', db]).status, 0);
    assert.equal(sql(DUMP, db), after1, 'the incremental rows equal a rebuild');
    assert.match((await s2.get('/metrics')).text, /^wangge_kpi_flushes_total [2-9]\d*$/m);
  } finally {
    assert.equal(await s2.stop(), 0, s2.stderr.slice(-2000));
  }
});

test('SQLite: a second server on the same file writes its counters at once and leaves the first its marks', { skip: PG ? 'one writer per instance; PostgreSQL writes the counters in each batch' : false }, async () => {
  const ini = join(tmpDir(), 'wangge.ini');
  writeFileSync(ini, '[events]\nkpi_flush_ms = 60000\n');
  const db = demoDb({ events: 0 });
  const a = await startServer({ db, args: ['--config', ini] });
  const b = await startServer({ db, args: ['--config', ini] });
  try {
    const tok = async (s, u) => (await s.post('/api/v1/auth/login', { username: u, password: 'Wangge@2026', kind: 'app' })).json.token;
    const report = async (s, t, i) => {
      const r = await s.post('/api/v1/events', { category: 'xf.ddcd', description: `两个进程 ${i}`, lon: point[0], lat: point[1] },
        { headers: auth(t) });
      assert.equal(r.status, 201, r.text);
    };
    const ga = await tok(a, 'gridworker');
    const gb = await tok(b, 'gridworker');
    for (let i = 0; i < 3; i++) await report(a, ga, `a${i}`);
    for (let i = 0; i < 2; i++) await report(b, gb, `b${i}`);
    // the second server wrote its two at once; the first holds its three
    const district = () => Number(sql("SELECT reported FROM kpi_agg WHERE grain = 'm' AND unit_code = '440111' AND category_code = '*' AND source = '*'", db) || 0);
    assert.equal(district(), 2, 'only the second server\'s reports are counted yet');
    assert.equal(sql('SELECT count(*) FROM kpi_dirty', db).trim(), '1', 'the first server marked today');
    const k = await a.get('/api/v1/kpi?unit=440111&from=2026-01-01&to=2026-02-01', { headers: auth(await tok(a, 'leader')) });
    assert.equal(k.status, 200, k.text);
    assert.equal(district(), 5);
    const kept = sql(DUMP, db);
    assert.equal(wangge(['kpi', 'rebuild', '--db', db]).status, 0);
    assert.equal(sql(DUMP, db), kept, 'the counters equal a rebuild');
  } finally {
    assert.equal(await b.stop(), 0, b.stderr.slice(-2000));
    assert.equal(await a.stop(), 0, a.stderr.slice(-2000));
  }
});

test('SQLite: held deltas are written a chunk a batch and when idle; the marks go once all is written', { skip: PG ? 'PostgreSQL writes the counters in each batch' : false }, async () => {
  const ini = join(tmpDir(), 'wangge.ini');
  writeFileSync(ini, '[events]\nkpi_flush_ms = 100\n');
  const db = demoDb({ events: 0 });
  const s3 = await startServer({ db, args: ['--config', ini] });
  try {
    const t = (await s3.post('/api/v1/auth/login', { username: 'dispatcher', password: 'Wangge@2026', kind: 'app' })).json.token;
    // grids of the dispatcher's town, many categories: hundreds of counter
    // rows, more than one chunk (KPI_TRICKLE_ROWS)
    const grids = [];
    for (const c of (await s3.get('/api/v1/units/440111002/children')).json.children.slice(0, 6))
      for (const a of (await s3.get(`/api/v1/units/${c.code}/children`)).json.children.slice(0, 2))
        for (const g of (await s3.get(`/api/v1/units/${a.code}/children`)).json.children.slice(0, 2))
          grids.push(g);
    assert.ok(grids.length >= 8, `grids: ${grids.length}`);
    const cats = ['csgl.srhj', 'xf.ddcd', 'msfw.ssgz', 'mdjf.lljf', 'za.ldrk'];
    for (let round = 0; round < 3; round++) {
      const rs = await Promise.all(grids.flatMap((g, i) => cats.map((cat, k) => s3.post('/api/v1/events',
        { category: cat, description: `分批写入 ${round}/${i}/${k}`, lon: g.center[0], lat: g.center[1], grid: g.code, grid_reason: '测试' },
        { headers: auth(t) }))));
      for (const r of rs) assert.equal(r.status, 201, r.text);
      await new Promise((r) => setTimeout(r, 150));
    }
    // no KPI query: the writer writes them on its own, then clears the marks
    let dirty = '1';
    for (let i = 0; i < 100 && dirty !== '0'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      dirty = sql('SELECT count(*) FROM kpi_dirty', db).trim();
    }
    assert.equal(dirty, '0', 'marks cleared once everything was written');
    assert.ok(Number(sql("SELECT count(*) FROM kpi_agg", db)) > 256, 'more rows than one chunk');
    const kept = sql(DUMP, db);
    assert.equal(wangge(['kpi', 'rebuild', '--db', db]).status, 0);
    assert.equal(sql(DUMP, db), kept, 'the counters written in chunks equal a rebuild');
  } finally {
    assert.equal(await s3.stop(), 0, s3.stderr.slice(-2000));
  }
});
