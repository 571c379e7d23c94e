// KPIs: GET /api/v1/kpi and /api/v1/kpi/export on the demo district.
//
// Events are written straight into the event table (sqlite3 shell or psql),
// then `wangge kpi rebuild` computes the counters; the numbers below follow
// from the eight events by hand (docs/kpi.md has the formulas).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, assertError, demoDb, wangge, PG, psql } from './lib/harness.mjs';

const PASSWORD = 'Wangge@2026';
const USERS = [
  { username: 'k_admin', role: 'admin', scope: '440111' },
  { username: 'k_command', role: 'command', scope: '440111002' },
  { username: 'k_worker', role: 'grid_worker', scope: '4401110020010101' },
  { username: 'k_leader', role: 'leader', scope: '440111002' },
  { username: 'k_resident', role: 'resident', scope: '440111' },
];
const G1 = '4401110020010101';                   // 三元里街道 …
const G2 = '4401110020010102';
const GJ = '4401110100010101';                   // 京溪街道

function dbExec(db, sql) {
  if (PG) return psql(sql, { url: db });
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 10000', db, sql], { encoding: 'utf8' });
  if (r.error) throw new Error(`sqlite3 shell needed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${sql}: ${r.stderr}`);
  return r.stdout;
}

const CATEGORIES = [
  ['zk', null, '测试市容'], ['zk.a', 'zk', '测试乱摆卖'], ['zk.b', 'zk', '测试垃圾'],
  ['zm', null, '测试纠纷'], ['zm.c', 'zm', '测试邻里纠纷'],
];

// day, grid, category, source, status, loop, escalated, accepted_at, closed_at, due_at, overdue, rework, rating
const EVENTS = [
  ['2026-05-03', G1, 'zk.a', 'patrol', 'closed', 'internal', 0, 1000, 4600, 5000, 0, 0, 1],
  ['2026-05-04', G1, 'zk.b', 'hotline', 'closed', 'external', 1, 1000, 9000, 5000, 0, 1, 3],
  ['2026-05-10', G2, 'zk.a', 'patrol', 'handling', 'internal', 0, 1000, null, 5000, 1, 0, null],
  ['2026-05-12', G2, 'zm.c', 'resident', 'rejected', 'internal', 0, null, null, 5000, 0, 0, null],
  ['2026-05-20', GJ, 'zm.c', 'patrol', 'reported', 'internal', 0, null, null, 5000, 0, 0, null],
  ['2026-04-15', G1, 'zk.a', 'patrol', 'reported', 'internal', 0, null, null, 5000, 0, 0, null],
  ['2025-05-15', G1, 'zk.a', 'patrol', 'closed', 'internal', 0, 1000, 2000, 3000, 0, 0, null],
  ['2026-05-31', G1, 'zk.a', 'patrol', 'merged', 'internal', 0, 1000, null, 5000, 0, 0, null],
];

const q = (v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

let srv;
const tokens = {};

async function login(username) {
  const r = await srv.post('/api/v1/auth/login', { username, password: PASSWORD, kind: 'app' });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
}

const as = (who) => ({ headers: { authorization: `Bearer ${tokens[who]}` } });
const get = (who, path) => srv.get(path, who ? as(who) : undefined);

before(async () => {
  const db = demoDb({ events: 0 });
  for (const u of USERS) {
    const r = wangge(['user', 'add', '--username', u.username, '--name', u.username, '--password', PASSWORD,
                      '--no-must-change', '--role', u.role, '--scope', u.scope, '--db', db]);
    assert.equal(r.status, 0, r.stderr);
  }
  let sql = '';
  for (const [code, parent, name] of CATEGORIES) {
    sql += `INSERT INTO event_category (code, parent_code, name, accept_minutes, handle_minutes, verify_minutes, updated_at) ` +
           `VALUES (${q(code)}, ${q(parent)}, ${q(name)}, 60, 600, 120, '2026-01-01T00:00:00Z') ON CONFLICT (code) DO NOTHING;\n`;
  }
  for (const [day, grid, cat, src, status, loop, esc, acc, closed, due, overdue, rework, rating] of EVENTS) {
    sql += 'INSERT INTO event (source, category_code, title, description, lon, lat, crs, grid_code, urgency, status, loop, ' +
           'level, holder_code, phase_started_at, due_at, overdue, rework_count, escalated, rating, day, created_at, ' +
           `accepted_at, closed_at, updated_at) VALUES (${q(src)}, ${q(cat)}, '测试', '测试', 113.27, 23.17, 'wgs84', ` +
           `${q(grid)}, 1, ${q(status)}, ${q(loop)}, 3, ${q(grid.slice(0, 12))}, 900, ${q(due)}, ${q(overdue)}, ` +
           `${q(rework)}, ${q(esc)}, ${q(rating)}, ${q(day)}, 900, ${q(acc)}, ${q(closed)}, 900);\n`;
  }
  dbExec(db, sql);
  const r = wangge(['kpi', 'rebuild', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /kpi: 8 events counted into \d+ rows/);
  srv = await startServer({ db });
  for (const u of USERS) tokens[u.username] = await login(u.username);
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

const MAY = 'from=2026-05-01&to=2026-06-01';

test('the district in May: counters, indicators, 环比 and 同比', async () => {
  const r = await get('k_admin', `/api/v1/kpi?unit=440111&${MAY}`);
  assert.equal(r.status, 200, r.text);
  const j = r.json;
  assert.deepEqual(j.unit, { code: '440111', name: j.unit.name, level: 'district', kind: j.unit.kind });
  assert.equal(j.from, '2026-05-01');
  assert.equal(j.to, '2026-06-01');
  assert.equal(j.by, 'none');
  assert.deepEqual(j.rows, []);
  const t = j.total;
  assert.equal(t.reported, 6);            // the merged event counts as reported only
  assert.equal(t.accepted, 3);
  assert.equal(t.rejected, 1);
  assert.equal(t.closed, 2);
  assert.equal(t.due, 3);                 // closed + overdue_open
  assert.equal(t.overdue, 2);             // closed late + overdue open
  assert.equal(t.external, 1);
  assert.equal(t.close_rate, 0.6667);
  assert.equal(t.on_time_rate, 0.3333);
  assert.equal(t.rework_rate, 0.5);
  assert.equal(t.avg_handle_seconds, 5800);
  assert.equal(t.self_rate, 0.5);
  assert.equal(t.satisfaction, 0.5);
  assert.equal(t.counters.handle_seconds, 11600);
  assert.equal(t.counters.rate_good, 1);
  assert.equal(t.counters.rate_bad, 1);
  assert.deepEqual([j.previous.from, j.previous.to, j.previous.total.reported], ['2026-04-01', '2026-05-01', 1]);
  assert.deepEqual([j.last_year.from, j.last_year.to, j.last_year.total.reported, j.last_year.total.closed],
                   ['2025-05-01', '2025-06-01', 1, 1]);
  assert.equal(j.previous.total.close_rate, null, 'no denominator: null, not 0');
});

test('by unit: every town of the district, with names; by category: level-1 then level-2', async () => {
  let r = await get('k_admin', `/api/v1/kpi?unit=440111&${MAY}&by=unit`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rows.length, 24);
  const sy = r.json.rows.find((x) => x.code === '440111002');
  assert.equal(sy.name, '三元里街道');
  assert.equal(sy.reported, 5);
  assert.equal(r.json.rows.find((x) => x.code === '440111010').reported, 1);
  assert.equal(r.json.rows.reduce((a, x) => a + x.reported, 0), 6);

  r = await get('k_admin', `/api/v1/kpi?unit=440111&${MAY}&by=category`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.rows.map((x) => [x.code, x.name, x.reported]), [['zk', '测试市容', 4], ['zm', '测试纠纷', 2]]);

  r = await get('k_admin', `/api/v1/kpi?unit=440111&${MAY}&by=category&category=zk`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.category, 'zk');
  assert.equal(r.json.category_name, '测试市容');
  assert.equal(r.json.total.reported, 4);
  assert.deepEqual(r.json.rows.map((x) => [x.code, x.name, x.reported]), [['zk.a', '测试乱摆卖', 3], ['zk.b', '测试垃圾', 1]]);

  // a community's areas, filtered to one category, days at both edges
  r = await get('k_admin', '/api/v1/kpi?unit=440111002001&from=2026-05-04&to=2026-05-11&by=unit&category=zk.a');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total.reported, 1);
  assert.equal(r.json.rows.find((x) => x.code === '44011100200101').reported, 1);
});

test('scope: the default is the caller\'s unit; outside it the answer is 404 unit.not_found', async () => {
  let r = await get('k_command', `/api/v1/kpi?${MAY}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.unit.code, '440111002');
  assert.equal(r.json.total.reported, 5);
  r = await get('k_worker', `/api/v1/kpi?${MAY}&by=category`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.unit.code, G1);
  assert.equal(r.json.total.reported, 3);
  r = await get('k_leader', `/api/v1/kpi?unit=${G2}&${MAY}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total.overdue, 1);
  // default period: this month
  r = await get('k_leader', '/api/v1/kpi');
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.from, /^\d{4}-\d{2}-01$/);

  for (const [who, unit] of [['k_command', '440111010'], ['k_command', '440111'], ['k_worker', G2],
                             ['k_admin', '440103001'], ['k_admin', '440111999']]) {
    for (const path of ['/api/v1/kpi', '/api/v1/kpi/export']) {
      r = await get(who, `${path}?unit=${unit}&${MAY}`);
      assertError(assert, r, 404, 'unit.not_found');
    }
  }
  assertError(assert, await get('k_resident', `/api/v1/kpi?${MAY}`), 403, 'auth.forbidden');
  assertError(assert, await get(null, `/api/v1/kpi?${MAY}`), 401, 'auth.required');
});

test('bad parameters: 400 with the parameter named, in Chinese and English', async () => {
  const cases = [
    ['unit=abc', 'unit.bad_code'],
    ['unit=440111&from=2026-02-30', 'param.invalid', 'from'],
    ['unit=440111&from=2026-5-01', 'param.invalid', 'from'],
    ['unit=440111&to=yesterday', 'param.invalid', 'to'],
    ['unit=440111&from=2026-05-10&to=2026-05-10', 'param.invalid', 'to'],
    ['unit=440111&from=2026-06-01&to=2026-05-01', 'param.invalid', 'to'],
    ['unit=440111&from=2020-01-01&to=2023-01-02', 'kpi.period_too_long', 'to'],
    ['unit=440111&by=town', 'param.invalid', 'by'],
    ['unit=440111&category=ZK%27--', 'param.invalid', 'category'],
    ['unit=440111&category=nope.none', 'param.invalid', 'category'],
  ];
  for (const [qs, code, param] of cases) {
    const r = await get('k_admin', `/api/v1/kpi?${qs}`);
    assertError(assert, r, 400, code);
    if (param) assert.equal(r.json.error.param, param, qs);
  }
  assert.equal((await get('k_admin', '/api/v1/kpi?unit=440111&from=2020-01-01&to=2023-01-01')).status, 200,
               'exactly three years is allowed');
  const r = await get('k_admin', `/api/v1/kpi/export?unit=440111&${MAY}&format=pdf`);
  assertError(assert, r, 400, 'param.invalid');
});

test('export: CSV with BOM and a Chinese file name, XLSX as a zip', async () => {
  let r = await get('k_admin', `/api/v1/kpi/export?unit=440111&${MAY}&by=unit&format=csv`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  const disp = r.headers.get('content-disposition');
  assert.match(disp, /^attachment; filename="[A-Za-z0-9_.-]+\.csv"; filename\*=UTF-8''[A-Za-z0-9%_.-]+\.csv$/);
  assert.equal(decodeURIComponent(disp.split("UTF-8''")[1]), '白云区事件指标_2026-05-01至2026-05-31.csv');
  assert.deepEqual([...r.buf.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = r.text.slice(1).split('\r\n');
  assert.equal(lines[0], '名称,编码,上报数,受理数,不予受理数,办结数,应办结数,办结率(%),按期办结率(%),超期数,' +
                         '返工率(%),平均处置时长(小时),自办率(%),外循环数,群众满意率(%)');
  assert.equal(lines.length, 1 + 24 + 1 + 1);     // header, towns, 合计, the final CRLF
  assert.ok(lines.includes('三元里街道,440111002,5,3,1,2,3,66.67,33.33,2,50,1.61,50,1,50'), lines.join('\n'));
  assert.equal(lines[25], '合计,440111,6,3,1,2,3,66.67,33.33,2,50,1.61,50,1,50');

  r = await get('k_command', `/api/v1/kpi/export?${MAY}&by=category&format=xlsx`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.match(r.headers.get('content-disposition'), /filename\*=UTF-8''.*\.xlsx$/);
  assert.equal(r.buf.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  assert.ok(r.buf.length > 2000);
});
