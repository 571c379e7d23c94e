// The KPI counters kept incrementally (each report and step, through the
// group-commit writer, and the clock job) equal the counters recomputed from
// the event table by `wangge kpi rebuild`: nothing is counted twice or lost,
// also when steps fail and roll back inside a batch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, demoDb, wangge, PG, psql } from './lib/harness.mjs';

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

function sql(q) {
  if (PG) return psql(q, { url: srv.db });
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 10000', srv.db, q], { encoding: 'utf8' });
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

  const incremental = sql(DUMP);
  assert.ok(incremental.trim().length > 0, 'counters were written');
  const r = wangge(['kpi', 'rebuild', '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  const rebuilt = sql(DUMP);
  assert.equal(incremental, rebuilt, 'the counters kept step by step are those the events give');
});
