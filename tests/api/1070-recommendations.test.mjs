// Dispatch recommendations: GET /api/v1/events/:id/recommendations, and the
// queue's count=1 (the workbench's tab counts).
//
// History is made through the API (events taken around the external loop
// and closed by 城管, 住建 and 公安); whether a closing was on time is then
// set in the database (due_at), since the tests cannot wait for a deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, assertError, PG, psql } from './lib/harness.mjs';

const PW = 'Wangge@2026';
const GRID = '4401110020010101';               // gridworker's grid, 三元里街道
let srv, point;
const tok = {};

const auth = (u) => ({ headers: { authorization: `Bearer ${tok[u]}` } });

function dbExec(sql) {
  if (PG) return psql(sql, { url: srv.db });
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 10000', srv.db, sql], { encoding: 'utf8' });
  if (r.error) throw new Error(`sqlite3 shell needed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${sql}: ${r.stderr}`);
  return r.stdout;
}

async function step(user, id, body) {
  const r = await srv.post(`/api/v1/events/${id}/steps`, body, auth(user));
  assert.equal(r.status, 200, `${user} ${body.action} on ${id}: ${r.text}`);
  return r.json;
}

async function report(category = 'csgl.srhj', description = '推荐测试') {
  const r = await srv.post('/api/v1/events', { category, description, lon: point[0], lat: point[1] }, auth('gridworker'));
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

/** Escalated by the station head, registered by the town's dispatcher: ready to dispatch. */
async function toRegistered(category) {
  const id = await report(category);
  await step('station', id, { action: 'escalate', note: '需职能部门处置' });
  await step('dispatcher', id, { action: 'register' });
  return id;
}

/** The whole external loop with department `dept`, closed by the dispatcher. */
async function closedBy(dept, category = 'csgl.srhj') {
  const id = await toRegistered(category);
  await step('dispatcher', id, { action: 'dispatch', dept });
  await step('depts', id, { action: 'sign' });
  await step('depts', id, { action: 'complete', result: '已处置' });
  await step('gridworker', id, { action: 'verify_pass' });
  await step('dispatcher', id, { action: 'close' });
  return id;
}

before(async () => {
  srv = await startServer({ demo: { events: 0 } });
  for (const u of ['gridworker', 'station', 'dispatcher', 'chengguan', 'resident', 'leader', 'command']) {
    const r = await srv.post('/api/v1/auth/login', { username: u, password: PW, kind: 'app' });
    assert.equal(r.status, 200, r.text);
    tok[u] = r.json.token;
  }
  // one department account that handles for several departments (made by the admin)
  const admin = await srv.post('/api/v1/auth/login', { username: 'admin', password: PW, kind: 'app' });
  const u = await srv.post('/api/v1/users', {
    username: 'reco_depts', display_name: '多部门受理员', password: PW, must_change_password: false,
    grants: ['440111-cg', '440111-zj', '440111-ga', '440111-sw'].map((scope) => ({ role: 'department', scope })),
  }, { headers: { authorization: `Bearer ${admin.json.token}` } });
  assert.equal(u.status, 201, u.text);
  const l = await srv.post('/api/v1/auth/login', { username: 'reco_depts', password: PW, kind: 'app' });
  assert.equal(l.status, 200, l.text);
  tok.depts = l.json.token;
  const g = await srv.get(`/api/v1/units/${GRID}`);
  assert.equal(g.status, 200, g.text);
  point = g.json.center;
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

test('departments are ranked by on-time closing rate for the category in the town', async () => {
  // 城管: 2 closed, 1 on time (50%); 住建: 1 closed, on time (100%); 公安: 2 closed, both late (0%)
  const cg = [await closedBy('440111-cg'), await closedBy('440111-cg')];
  const zj = [await closedBy('440111-zj')];
  const ga = [await closedBy('440111-ga'), await closedBy('440111-ga')];
  // another category and a closing too long ago count for nothing
  const other = await closedBy('440111-sw', 'csgl.jmzx');
  const old = await closedBy('440111-sw');
  const late = [cg[1], ...ga];
  dbExec(`UPDATE event SET due_at = closed_at + 3600 WHERE id IN (${[cg[0], ...zj, other].join(',')});` +
         `UPDATE event SET due_at = closed_at - 60 WHERE id IN (${late.join(',')});` +
         `UPDATE event SET closed_at = closed_at - 200 * 86400, due_at = closed_at WHERE id = ${old};`);

  const id = await toRegistered('csgl.srhj');
  const r = await srv.get(`/api/v1/events/${id}/recommendations`, auth('dispatcher'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.event_id, id);
  assert.equal(r.json.category, 'csgl.srhj');
  assert.equal(r.json.town, '440111002');
  assert.equal(r.json.town_name, '三元里街道');
  assert.equal(r.json.days, 180);
  const d = r.json.departments;
  assert.deepEqual(d.slice(0, 3).map((x) => [x.code, x.closed, x.on_time, x.on_time_rate]), [
    ['440111-zj', 1, 1, 1],
    ['440111-cg', 2, 1, 0.5],
    ['440111-ga', 2, 0, 0],
  ]);
  assert.deepEqual(d.map((x) => x.rank), d.map((_, i) => i + 1));
  // the rest have no history here (水务's were another category, or too old), by name
  const rest = d.slice(3);
  assert.ok(rest.length >= 4, 'every department of the district is listed');
  assert.ok(rest.every((x) => x.closed === 0 && x.on_time === 0 && x.on_time_rate === null));
  assert.ok(rest.some((x) => x.code === '440111-sw'));
  const names = rest.map((x) => x.name);
  assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  assert.ok(d.every((x) => typeof x.name === 'string' && x.name.length > 0));

  // one click in the workbench: dispatch to the first recommendation
  const done = await step('dispatcher', id, { action: 'dispatch', dept: d[0].code });
  assert.equal(done.status, 'dispatched');
  assert.equal(done.dept, '440111-zj');
});

test('the same event, the same ranking for every dispatcher who sees it', async () => {
  // the town's dispatcher and the district command see the same ranking
  const id = await toRegistered('csgl.srhj');
  const a = await srv.get(`/api/v1/events/${id}/recommendations`, auth('dispatcher'));
  const b = await srv.get(`/api/v1/events/${id}/recommendations`, auth('command'));
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.deepEqual(a.json.departments, b.json.departments);
  // leaders may read it too (staff); the department sees it only once dispatched to it
  assert.equal((await srv.get(`/api/v1/events/${id}/recommendations`, auth('leader'))).status, 200);
  assertError(assert, await srv.get(`/api/v1/events/${id}/recommendations`, auth('chengguan')), 404, 'event.not_found');
});

test('who may ask: staff who see the event; 404 otherwise, 403 for residents, 401 anonymous', async () => {
  const id = await report();
  assertError(assert, await srv.get(`/api/v1/events/${id}/recommendations`), 401, 'auth.required');
  assertError(assert, await srv.get(`/api/v1/events/${id}/recommendations`, auth('resident')), 403, 'auth.forbidden');
  for (const bad of ['0', '-1', 'abc', '99999999', '1e3', '9'.repeat(30)]) {
    assertError(assert, await srv.get(`/api/v1/events/${bad}/recommendations`, auth('dispatcher')), 404, 'event.not_found');
  }
  assert.equal((await srv.get(`/api/v1/events/${id}/recommendations`, auth('gridworker'))).status, 200);
});

test('count=1 on the queue: the number of matching events, unaffected by limit and cursor', async () => {
  const before = await srv.get('/api/v1/events?status=reported&limit=1&count=1', auth('station'));
  assert.equal(before.status, 200, before.text);
  const n0 = before.json.count;
  assert.equal(typeof n0, 'number');
  await report('csgl.srhj', '计数一');
  await report('csgl.srhj', '计数二');
  const r = await srv.get('/api/v1/events?status=reported&limit=1&count=1', auth('station'));
  assert.equal(r.json.count, n0 + 2);
  assert.equal(r.json.events.length, 1);
  const page2 = await srv.get(`/api/v1/events?status=reported&limit=1&count=1&after=${encodeURIComponent(r.json.next_cursor)}`,
                              auth('station'));
  assert.equal(page2.json.count, n0 + 2);
  // without count=1 the field is absent (the queue's reply is unchanged)
  const plain = await srv.get('/api/v1/events?status=reported&limit=1', auth('station'));
  assert.equal('count' in plain.json, false);
  // a department counts only its own
  const dept = await srv.get('/api/v1/events?status=reported&count=1', auth('chengguan'));
  assert.equal(dept.json.count, 0);
});
