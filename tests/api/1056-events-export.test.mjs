// GET /api/v1/events/export: the queue's filtered list as CSV (UTF-8 with a
// BOM, formula injection neutralised) or XLSX, within the caller's view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, demoDb } from './lib/harness.mjs';

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
async function get(path, user) {
  const r = await fetch(srv.url + path, { headers: auth(await login(user)) });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

before(async () => {
  srv = await startServer({ db: demoDb({ events: 0 }) });
  point = (await srv.get('/api/v1/units/4401110020010101')).json.center;
  for (const d of ['=HYPERLINK("http://evil")', '普通描述', '+1+1', '@SUM(A1)']) {
    const r = await srv.post('/api/v1/events', { category: 'csgl.srhj', description: d, title: d.slice(0, 20), lon: point[0], lat: point[1] },
                             { headers: auth(await login('gridworker')) });
    assert.equal(r.status, 201, r.text);
  }
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

test('CSV: the rows of the filters, Excel-safe', async () => {
  const r = await get('/api/v1/events/export?format=csv&status=open&unit=440111002', 'dispatcher');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.match(r.headers.get('content-disposition'), /attachment; .*filename\*=UTF-8''/);
  const text = r.body.toString('utf8');
  assert.ok(text.startsWith('\ufeff编号,状态,类别'), text.slice(0, 40));
  const lines = text.trim().split('\r\n');
  assert.equal(lines.length, 1 + 4, 'a header and the four events');
  assert.ok(text.includes(`'=HYPERLINK`), 'a formula in a title is neutralised');
  assert.ok(text.includes(`'+1+1`) && text.includes(`'@SUM(A1)`));
  assert.ok(!/(^|,)=HYPERLINK/m.test(text));
  assert.ok(lines.slice(1).every((l) => l.split(',')[2] === '市容环境'), `类别 is the category's name: ${lines[1]}`);
});

test('CSV: a dispatched event names its department, not its code', async () => {
  const t = await login('gridworker');
  const r = await srv.post('/api/v1/events', { category: 'csgl.sggl', description: '工地夜间施工扰民', lon: point[0], lat: point[1] },
                           { headers: auth(t) });
  assert.equal(r.status, 201, r.text);
  const step = async (user, body) => {
    const s = await srv.post(`/api/v1/events/${r.json.id}/steps`, body, { headers: auth(await login(user)) });
    assert.equal(s.status, 200, s.text);
  };
  await step('gridworker', { action: 'escalate', note: '需执法' });
  await step('dispatcher', { action: 'register' });
  await step('dispatcher', { action: 'dispatch', dept: '440111-cg' });
  const csv = (await get('/api/v1/events/export?format=csv&loop=external', 'dispatcher')).body.toString('utf8');
  const row = csv.trim().split('\r\n').find((l) => l.startsWith(`${r.json.id},`));
  assert.ok(row, csv.slice(0, 300));
  const cells = row.split(',');
  assert.equal(cells[11], '城管', row);
  assert.ok(!row.includes('440111-cg'), row);
});

test('CSV: an event the district dispatched to a town office names the town', async () => {
  const r = await srv.post('/api/v1/events', { category: 'csgl.sggl', description: '跨街道施工协调', lon: point[0], lat: point[1] },
                           { headers: auth(await login('gridworker')) });
  assert.equal(r.status, 201, r.text);
  const step = async (user, body) => {
    const s = await srv.post(`/api/v1/events/${r.json.id}/steps`, body, { headers: auth(await login(user)) });
    assert.equal(s.status, 200, s.text);
  };
  await step('gridworker', { action: 'escalate', note: '需街道协调' });
  await step('dispatcher', { action: 'escalate', note: '需区级协调' });
  await step('command', { action: 'register' });
  await step('command', { action: 'dispatch', unit: '440111002' });
  const csv = (await get('/api/v1/events/export?format=csv&loop=external', 'command')).body.toString('utf8');
  const row = csv.trim().split('\r\n').find((l) => l.startsWith(`${r.json.id},`));
  assert.ok(row, csv.slice(0, 300));
  assert.equal(row.split(',')[11], '三元里街道', row);
});

test('XLSX is a workbook; formats and roles are checked', async () => {
  const r = await get('/api/v1/events/export?format=xlsx', 'command');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /spreadsheetml/);
  assert.equal(r.body.subarray(0, 2).toString(), 'PK');
  const bad = await srv.get('/api/v1/events/export?format=pdf', { headers: auth(await login('command')) });
  assertError(assert, bad, 400, 'param.invalid');
  // another town's dispatcher exports nothing of 三元里
  const outside = await srv.get('/api/v1/events/export?format=csv&unit=440111002', { headers: auth(await login('resident')) });
  assertError(assert, outside, 403, 'auth.forbidden');
});
