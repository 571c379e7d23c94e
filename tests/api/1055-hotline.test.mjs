// 12345 hotline work orders from CSV: POST /api/v1/events/import and
// `wangge events import-hotline` (app/hotline.h, docs/events.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, assertError, demoDb, wangge } from './lib/harness.mjs';

let srv;
let point;
const auth = (t) => ({ authorization: `Bearer ${t}` });
const tokens = {};

async function login(u) {
  if (!tokens[u]) {
    const r = await srv.post('/api/v1/auth/login', { username: u, password: 'Wangge@2026', kind: 'app' });
    assert.equal(r.status, 200, r.text);
    tokens[u] = r.json.token;
  }
  return tokens[u];
}

function csv(rows) {
  return '\ufeff工单编号,事件类别,诉求内容,经度,纬度,坐标系,地址,紧急程度,来电人,联系电话\r\n' +
    rows.map((r) => r.map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : v)).join(',')).join('\r\n') + '\r\n';
}

async function importCsv(text, user = 'dispatcher') {
  return srv.request('POST', '/api/v1/events/import', {
    raw: true, body: Buffer.from(text, 'utf8'), headers: { ...auth(await login(user)), 'content-type': 'text/csv' },
  });
}

before(async () => {
  srv = await startServer({ db: demoDb({ events: 0 }) });
  const u = await srv.get('/api/v1/units/4401110020010101');
  point = u.json.center;
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

test('work orders become hotline events at the town, once each', async () => {
  const rows = [
    ['GZ12345-T001', '市容环境', '门口垃圾, 多日未清 "急"', point[0], point[1], 'wgs84', '三元里大道1号', '一般', '陈先生', '13800000000'],
    ['GZ12345-T002', 'csgl.jmzx', '占道经营\n晚上尤其严重', point[0], point[1], '', '', '紧急', '', ''],
  ];
  const r = await importCsv(csv(rows));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.created, 2);
  assert.deepEqual(r.json.events.map((e) => e.line), [2, 3]);
  const ev = await srv.get(`/api/v1/events/${r.json.events[0].id}`, { headers: auth(await login('dispatcher')) });
  assert.equal(ev.status, 200, ev.text);
  assert.equal(ev.json.source, 'hotline');
  assert.equal(ev.json.status, 'escalated');
  assert.equal(ev.json.holder, '440111002');
  assert.equal(ev.json.external_id, 'GZ12345-T001');
  assert.equal(ev.json.description, '门口垃圾, 多日未清 "急"');
  assert.equal(ev.json.reporter_name, '陈先生');
  assert.match(ev.json.reporter_phone, /^138\*+0000$|^138.*0000$/);
  const ev2 = await srv.get(`/api/v1/events/${r.json.events[1].id}`, { headers: auth(await login('dispatcher')) });
  assert.equal(ev2.json.urgency, 'urgent');
  assert.equal(ev2.json.description, '占道经营\n晚上尤其严重');
  // the same file again: skipped, nothing new
  const again = await importCsv(csv(rows));
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.created, 0);
  assert.deepEqual(again.json.skipped.map((s) => s.event_id), r.json.events.map((e) => e.id));
});

test('a bad file is refused whole, with every bad line', async () => {
  const before = await srv.get('/api/v1/events?limit=200', { headers: auth(await login('command')) });
  const r = await importCsv(csv([
    ['GZ12345-B001', '市容环境', '好的一行', point[0], point[1], '', '', '', '', ''],
    ['GZ12345-B002', '没有这个类别', '描述', point[0], point[1], '', '', '', '', ''],
    ['GZ12345-B003', '市容环境', '', 0, 0, '', '', '很急', '', ''],
    ['GZ12345-B001', '市容环境', '重复', point[0], point[1], '', '', '', '', ''],
  ]));
  assertError(assert, r, 400, 'csv.invalid');
  const codes = r.json.error.errors.map((x) => `${x.line}:${x.code}`);
  assert.ok(codes.includes('3:event.bad_category'), codes.join(' '));
  assert.ok(codes.includes('4:csv.missing'), codes.join(' '));
  assert.ok(codes.includes('4:event.outside'), codes.join(' '));
  assert.ok(codes.includes('4:event.bad_field'), codes.join(' '));
  assert.ok(codes.includes('5:csv.duplicate'), codes.join(' '));
  assert.equal(r.json.error.param, '3');
  const after = await srv.get('/api/v1/events?limit=200', { headers: auth(await login('command')) });
  assert.equal(after.json.events.length, before.json.events.length, 'nothing was imported');
  assertError(assert, await importCsv('工单编号,事件类别\r\nX,Y\r\n'), 400, 'csv.missing_column');
  assertError(assert, await importCsv('工单编号,事件类别,诉求内容,经度,纬度\r\n"unterminated,a,b,1,2\r\n'), 400, 'csv.invalid');
  // not UTF-8 (GBK bytes)
  const gbk = await srv.request('POST', '/api/v1/events/import', {
    raw: true, body: Buffer.from([0xb9, 0xa4, 0xb5, 0xa5, 0x2c, 0x0a]), headers: { ...auth(await login('dispatcher')) },
  });
  assertError(assert, gbk, 400, 'csv.encoding');
});

test('only command centres and admins import; grid workers are refused', async () => {
  assertError(assert, await importCsv(csv([]), 'gridworker'), 403, 'auth.forbidden');
});

test('wangge events import-hotline does the same from the command line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wangge-hotline-'));
  const file = join(dir, 'orders.csv');
  writeFileSync(file, csv([['GZ12345-C001', '消防隐患', '楼道堆放杂物', point[0], point[1], '', '', '', '', '']]));
  const r1 = wangge(['events', 'import-hotline', file, '--db', srv.db]);
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stdout, /imported 1 work orders, skipped 0/);
  const r2 = wangge(['events', 'import-hotline', file, '--db', srv.db]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, /imported 0 work orders, skipped 1/);
  writeFileSync(file, csv([['GZ12345-C002', '不存在', 'x', point[0], point[1], '', '', '', '', '']]));
  const r3 = wangge(['events', 'import-hotline', file, '--db', srv.db]);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /orders\.csv:2: event\.bad_category/);
});
