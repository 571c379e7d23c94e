// Where each role may report a grid event (上报范围, docs/events.md,
// "Intake"): the grid an event lands in — found from the point or chosen by
// hand — must lie within reach of a grant that admits the event's source.
// Role by role: allowed inside, refused outside with 403 event.out_of_scope
// and nothing written, a grid chosen by hand outside refused, residents and
// departments anywhere in the district, and the 12345 CSV import row by row
// (the API applies the rule; the CLI, run as the system, reaches the
// district).
//
// One server for the whole file; the tests do not depend on each other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, assertError, demoDb, wangge } from './lib/harness.mjs';
import { actors, addUser, counts, dbNumber, gridPoint, GRID, PASSWORD } from './lib/events.mjs';

// the places, all in the demo district 白云区 440111
const NEIGHBOUR = '4401110020010201';   // 三元里社区, another area: the grid worker's community
const LONGBEI = '4401110020020101';     // 龙北社区, 三元里街道: same town, another community
const JINGXI = '4401110100010101';      // 京溪社区, 京溪街道: another town
const JX = '440111010';                 // 京溪街道

let srv;
let as;
const pt = {};                          // grid -> a point inside it
let seq = 0;
const unique = (s = '范围') => `${s} #${++seq} ${process.pid}`;

/** A report body at the middle of a grid, with extra fields. */
const at = (grid, extra = {}) => ({
  category: 'csgl.srhj', description: unique(), lon: pt[grid][0], lat: pt[grid][1], ...extra,
});

before(async () => {
  const db = demoDb({ events: 0 });
  addUser(db, 'jx_dispatcher', 'command', JX);
  addUser(db, 'jx_worker', 'grid_worker', JINGXI);
  addUser(db, 'lb_worker', 'grid_worker', LONGBEI);
  addUser(db, 'sy_leader', 'leader', '440111002');
  // two grants: 京溪's dispatcher and a grid worker of 三元里's first grid
  addUser(db, 'dual', 'command', JX);
  const g = wangge(['user', 'grant', '--username', 'dual', '--role', 'grid_worker', '--scope', GRID, '--db', db]);
  assert.equal(g.status, 0, g.stderr);
  srv = await startServer({ db });
  as = actors(srv);
  for (const grid of [GRID, NEIGHBOUR, LONGBEI, JINGXI]) pt[grid] = await gridPoint(srv, grid);
  await as.login('admin', 'command', 'dispatcher', 'station', 'gridleader', 'gridworker', 'chengguan', 'leader',
                 'resident', 'jx_dispatcher', 'jx_worker', 'lb_worker', 'sy_leader', 'dual');
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, `server exit: ${srv.stderr.slice(-3000)}`);
});

/** The report is accepted, in that grid. */
async function allowed(user, body) {
  const r = await as.report(user, body);
  const want = body.grid || Object.keys(pt).find((g) => pt[g][0] === body.lon && pt[g][1] === body.lat);
  assert.equal(r.json.grid, want, `${user}'s report lands in ${want}`);
  return r.json;
}

/** The report is refused: 403 event.out_of_scope naming param, and not a row written. */
async function refused(user, body, param = body.grid ? 'grid' : 'lon') {
  const before = { ...counts(srv.db), idem: dbNumber(srv.db, 'SELECT COUNT(*) FROM event_idem') };
  const r = await as.report(user, body, { status: 0, headers: { 'idempotency-key': `scope-${process.pid}-${++seq}` } });
  assertError(assert, r, 403, 'event.out_of_scope');
  assert.equal(r.json.error.param, param);
  const grid = body.grid || Object.keys(pt).find((g) => pt[g][0] === body.lon);
  assert.ok(r.json.error.message.includes(grid) && r.json.error.message.includes('管辖范围'), r.json.error.message);
  assert.match(r.json.error.message_en, new RegExp(`grid '${grid}' lies outside your scope`));
  assert.deepEqual({ ...counts(srv.db), idem: dbNumber(srv.db, 'SELECT COUNT(*) FROM event_idem') }, before,
                   `nothing written for ${user}'s refused report`);
  return r;
}

// ------------------------------------------------------------- grid staff

test('grid worker: own grid and any grid of the community; not another community or town', async () => {
  await allowed('gridworker', at(GRID));
  await allowed('gridworker', at(NEIGHBOUR));                     // on patrol, next area of 三元里社区
  await allowed('gridworker', at(GRID, { source: 'wechat' }));
  await refused('gridworker', at(LONGBEI));                       // 龙北社区 has its own staff
  await refused('gridworker', at(JINGXI));
  await refused('lb_worker', at(GRID));
  await allowed('lb_worker', at(LONGBEI));
  await allowed('jx_worker', at(JINGXI));
  await refused('jx_worker', at(NEIGHBOUR));
});

test('grid worker: a grid chosen by hand must be within reach too; the grid decides, not the point', async () => {
  // standing in their own grid, choosing one of another community or town
  await refused('gridworker', at(GRID, { grid: LONGBEI, grid_reason: '定位漂移' }));
  await refused('gridworker', at(GRID, { grid: JINGXI, grid_reason: '定位漂移' }));
  // the point lies across the boundary, the grid chosen is their community's
  await allowed('gridworker', at(JINGXI, { grid: NEIGHBOUR, grid_reason: '定位漂移，实际在本社区' }));
  await allowed('jx_worker', at(GRID, { grid: JINGXI, grid_reason: '定位漂移，实际在京溪' }));
});

test('grid leader and station head: their community, not beyond', async () => {
  for (const user of ['gridleader', 'station']) {
    await allowed(user, at(GRID));
    await allowed(user, at(NEIGHBOUR));
    await refused(user, at(LONGBEI));
    await refused(user, at(JINGXI));
    await refused(user, at(GRID, { grid: JINGXI, grid_reason: '指定网格' }));
  }
});

// -------------------------------------------------------- command centres

test('town dispatcher: 12345 orders, 交办 and patrols in their town only', async () => {
  let n = 0;
  for (const source of ['hotline', 'assigned', 'patrol']) {
    const ext = () => (source === 'hotline' ? { external_id: `SCOPE-${process.pid}-${++n}` } : {});
    await allowed('dispatcher', at(GRID, { source, ...ext() }));
    await allowed('dispatcher', at(LONGBEI, { source, ...ext() }));  // any community of 三元里街道
    await refused('dispatcher', at(JINGXI, { source, ...ext() }));
    await refused('dispatcher', at(GRID, { source, ...ext(), grid: JINGXI, grid_reason: '指定网格' }));
    await allowed('jx_dispatcher', at(JINGXI, { source, ...ext() }));
    await refused('jx_dispatcher', at(GRID, { source, ...ext() }));
  }
});

test('district command, admin and leaders: their unit', async () => {
  await allowed('command', at(JINGXI, { source: 'hotline', external_id: `SCOPE-D-${process.pid}` }));
  await allowed('command', at(GRID, { source: 'assigned' }));
  await allowed('admin', at(JINGXI, { source: 'hotline', external_id: `SCOPE-A-${process.pid}` }));
  await allowed('leader', at(JINGXI));                            // 区领导: 交办 anywhere in the district
  await allowed('sy_leader', at(LONGBEI));                        // 三元里街道's leader
  await refused('sy_leader', at(JINGXI));
  await refused('sy_leader', at(GRID, { grid: JINGXI, grid_reason: '指定网格' }));
  // the source check comes first and is unchanged
  assertError(assert, await as.report('admin', at(GRID, { source: 'patrol' }), { status: 0 }), 403,
              'event.source_forbidden');
});

test('a grant counts only for the sources it admits', async () => {
  // dual: 京溪's dispatcher and a grid worker of 三元里
  await allowed('dual', at(JINGXI, { source: 'hotline', external_id: `SCOPE-X1-${process.pid}` }));
  await refused('dual', at(GRID, { source: 'hotline', external_id: `SCOPE-X2-${process.pid}` }));
  await refused('dual', at(GRID, { source: 'assigned' }));
  await allowed('dual', at(GRID, { source: 'patrol' }));          // as 三元里's grid worker
  await allowed('dual', at(JINGXI, { source: 'patrol' }));        // as 京溪's dispatcher
  await refused('dual', at(LONGBEI, { source: 'patrol' }));       // neither reaches 龙北
});

// ---------------------------------------------- departments and residents

test('departments report 交办 anywhere in their district', async () => {
  for (const grid of [GRID, LONGBEI, JINGXI]) await allowed('chengguan', at(grid));
  await allowed('chengguan', at(GRID, { grid: JINGXI, grid_reason: '指定网格' }));
});

test('residents report anywhere in the district, where they are', async () => {
  for (const grid of [GRID, LONGBEI, JINGXI]) {
    const ev = await allowed('resident', at(grid));
    assert.equal(ev.source, 'resident');
  }
  await allowed('resident', at(GRID, { grid: JINGXI, grid_reason: '定位不准' }));
});

// ------------------------------------------------------- 12345 CSV import

function csv(rows) {
  return '工单编号,事件类别,诉求内容,经度,纬度\r\n' + rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
}

// the importers' tokens (a log-in writes an audit row: all before counting)
const importTokens = new Map();
async function importLogin(...users) {
  for (const user of users) {
    const l = await srv.post('/api/v1/auth/login', { username: user, password: PASSWORD, kind: 'app' });
    assert.equal(l.status, 200, l.text);
    importTokens.set(user, l.json.token);
  }
}

async function importCsv(user, text) {
  return srv.request('POST', '/api/v1/events/import', {
    raw: true, body: Buffer.from(text, 'utf8'),
    headers: { authorization: `Bearer ${importTokens.get(user)}`, 'content-type': 'text/csv' },
  });
}

test('12345 import: a row outside the importer\'s town refuses the file, naming the row', async () => {
  const tag = `${process.pid}-${++seq}`;
  const row = (id, grid, cat = '市容环境') => [`IMP-${tag}-${id}`, cat, '诉求', pt[grid][0], pt[grid][1]];
  await importLogin('dispatcher', 'jx_dispatcher', 'command');
  const before = counts(srv.db);
  let r = await importCsv('dispatcher', csv([row(1, GRID), row(2, LONGBEI), row(3, JINGXI), row(4, GRID)]));
  assertError(assert, r, 403, 'event.out_of_scope');
  assert.equal(r.json.error.param, '4');
  assert.match(r.json.error.message, /第 4 行/);
  assert.match(r.json.error.message_en, /line 4/);
  assert.deepEqual(r.json.error.errors.map((x) => `${x.line}:${x.code}`), ['4:event.out_of_scope']);
  assert.ok(r.json.error.errors[0].message_en.includes(JINGXI), r.text);
  assert.deepEqual(counts(srv.db), before, 'nothing imported');
  // out of scope and otherwise bad: 403, every bad line listed
  r = await importCsv('dispatcher', csv([row(1, GRID, '没有这个类别'), row(2, JINGXI), row(3, JINGXI)]));
  assertError(assert, r, 403, 'event.out_of_scope');
  assert.equal(r.json.error.param, '3');
  assert.deepEqual(r.json.error.errors.map((x) => `${x.line}:${x.code}`),
                   ['2:event.bad_category', '3:event.out_of_scope', '4:event.out_of_scope']);
  assert.deepEqual(counts(srv.db), before, 'nothing imported');
  // 京溪's dispatcher may not import 三元里's orders either
  r = await importCsv('jx_dispatcher', csv([row(5, JINGXI), row(6, NEIGHBOUR)]));
  assertError(assert, r, 403, 'event.out_of_scope');
  assert.equal(r.json.error.param, '3');
  assert.deepEqual(counts(srv.db), before, 'nothing imported');
  // their own town's orders go in; the district centre imports everywhere
  r = await importCsv('dispatcher', csv([row(1, GRID), row(2, LONGBEI)]));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.created, 2);
  r = await importCsv('command', csv([row(3, JINGXI), row(4, GRID)]));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.created, 2);
});

test('12345 import from the command line runs as the system: the whole district', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wangge-scope-'));
  const file = join(dir, 'orders.csv');
  const tag = `${process.pid}-${++seq}`;
  writeFileSync(file, csv([[`CLI-${tag}-1`, '市容环境', '诉求', pt[JINGXI][0], pt[JINGXI][1]],
                           [`CLI-${tag}-2`, '市容环境', '诉求', pt[GRID][0], pt[GRID][1]]]));
  const r = wangge(['events', 'import-hotline', file, '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /imported 2 work orders/);
});
