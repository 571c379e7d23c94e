// Hostile input on the event routes: every malformed request gets a 4xx
// with a machine code, the server keeps serving, and nothing is written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoDb } from './lib/harness.mjs';

let srv;
let token;
let point;
let eventId;

async function raw(method, path, body, headers = {}) {
  const r = await fetch(srv.url + path, {
    method, body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

before(async () => {
  srv = await startServer({ db: demoDb({ events: 0 }) });
  const l = await srv.post('/api/v1/auth/login', { username: 'gridworker', password: 'Wangge@2026', kind: 'app' });
  token = l.json.token;
  point = (await srv.get('/api/v1/units/4401110020010101')).json.center;
  const r = await raw('POST', '/api/v1/events', JSON.stringify({ category: 'csgl.srhj', description: '基线', lon: point[0], lat: point[1] }));
  assert.equal(r.status, 201, r.text);
  eventId = r.json.id;
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

const good = () => ({ category: 'csgl.srhj', description: '正常描述', lon: point[0], lat: point[1] });

test('malformed reports: 400 with a code, no event written', async () => {
  const cases = [
    ['not JSON', '{"category": ', 400],
    ['an array', '[1,2,3]', 400],
    ['a string', '"x"', 400],
    ['deep nesting', '['.repeat(5000) + ']'.repeat(5000), 400],
    ['lon as text', JSON.stringify({ ...good(), lon: '113.2' }), 400],
    ['lon out of range', JSON.stringify({ ...good(), lon: 1e308 }), 400],
    ['lat missing', JSON.stringify({ category: 'csgl.srhj', description: 'x', lon: point[0] }), 400],
    ['description empty', JSON.stringify({ ...good(), description: '' }), 400],
    ['description too long', JSON.stringify({ ...good(), description: '长'.repeat(2001) }), 400],
    ['title too long', JSON.stringify({ ...good(), title: '长'.repeat(81) }), 400],
    ['control characters', JSON.stringify({ ...good(), description: 'a\u0001b' }), 400],
    ['category level 1', JSON.stringify({ ...good(), category: 'csgl' }), 400],
    ['category injection', JSON.stringify({ ...good(), category: "csgl.srhj' OR 1=1 --" }), 400],
    ['photos not an array', JSON.stringify({ ...good(), photos: 'abc' }), 400],
    ['ten photos', JSON.stringify({ ...good(), photos: Array.from({ length: 10 }, (_, i) => String(i).repeat(64).slice(0, 64)) }), 400],
    ['a photo hash that is a path', JSON.stringify({ ...good(), photos: ['../../../../etc/passwd'] }), 400],
    ['unknown field', JSON.stringify({ ...good(), admin: true }), 400],
    ['urgency unknown', JSON.stringify({ ...good(), urgency: 'extreme' }), 400],
    ['grid without reason', JSON.stringify({ ...good(), grid: '4401110020010101' }), 400],
    ['grid that is no grid', JSON.stringify({ ...good(), grid: '440111', grid_reason: 'x' }), 400],
  ];
  const before = (await raw('GET', '/api/v1/events?mine=1&limit=200')).json.events.length;
  for (const [name, body, status] of cases) {
    const r = await raw('POST', '/api/v1/events', body);
    assert.equal(r.status, status, `${name}: ${r.text.slice(0, 200)}`);
    assert.ok(r.json && r.json.error && r.json.error.code && r.json.error.message && r.json.error.message_en, `${name}: JSON error`);
  }
  // invalid UTF-8 in the body
  const bad = Buffer.concat([Buffer.from('{"category":"csgl.srhj","description":"'), Buffer.from([0xff, 0xfe]),
                             Buffer.from(`","lon":${point[0]},"lat":${point[1]}}`)]);
  assert.equal((await raw('POST', '/api/v1/events', bad)).status, 400);
  // Idempotency-Key: too long, or with spaces
  assert.equal((await raw('POST', '/api/v1/events', JSON.stringify(good()), { 'idempotency-key': 'k'.repeat(129) })).status, 400);
  assert.equal((await raw('POST', '/api/v1/events', JSON.stringify(good()), { 'idempotency-key': 'a b' })).status, 400);
  const after = (await raw('GET', '/api/v1/events?mine=1&limit=200')).json.events.length;
  assert.equal(after, before, 'no event was written');
});

test('malformed steps and ids', async () => {
  for (const [path, body] of [
    [`/api/v1/events/${eventId}/steps`, JSON.stringify({ action: 'drop_table' })],
    [`/api/v1/events/${eventId}/steps`, JSON.stringify({ action: 'extend_request', minutes: -5, note: 'x' })],
    [`/api/v1/events/${eventId}/steps`, JSON.stringify({ action: 'rate', rating: 9 })],
    [`/api/v1/events/${eventId}/steps`, JSON.stringify({ action: 'accept', version: 'one' })],
    [`/api/v1/events/${eventId}/steps`, '{}'],
  ]) {
    const r = await raw('POST', path, body);
    assert.ok(r.status >= 400 && r.status < 500, `${body}: ${r.status} ${r.text.slice(0, 160)}`);
    assert.ok(r.json && r.json.error && r.json.error.code, body);
  }
  for (const id of ['99999999999999999999', '-1', '0', '1e3', '%00', '1;DROP']) {
    const r = await raw('GET', `/api/v1/events/${id}`);
    assert.equal(r.status, 404, `${id}: ${r.text.slice(0, 100)}`);
  }
  for (const qs of ['limit=1e9', 'after=1.', 'after=.1', 'from=2026-02-30x', 'unit=%27%3B', 'q=' + 'x'.repeat(100)]) {
    const r = await raw('GET', `/api/v1/events?${qs}`);
    assert.ok(r.status === 400 || r.status === 404, `${qs}: ${r.status}`);
  }
  // the event is as it was, the server still answers
  const ev = await raw('GET', `/api/v1/events/${eventId}`);
  assert.equal(ev.status, 200);
  assert.equal(ev.json.status, 'reported');
  assert.equal(ev.json.version, 1);
});

// The writer commits many requests in one transaction and runs a batch
// first without a savepoint per job (app/writer.h): a job that fails among
// others must still leave nothing behind, and the others must all land.
test('concurrent reports, some refused inside the writer: the refused write nothing, the rest all land', async () => {
  const count = async () => (await srv.get('/api/v1/events?count=1&limit=1', {
    headers: { authorization: `Bearer ${token}` } })).json.count;
  // keys already used, to be replayed with another body: 409 inside the writer
  const used = [];
  for (let i = 0; i < 8; i++) {
    const key = `batch-used-${process.pid}-${i}`;
    const r = await raw('POST', '/api/v1/events', JSON.stringify({ ...good(), description: `先用 ${i}` }), { 'idempotency-key': key });
    assert.equal(r.status, 201, r.text);
    used.push(key);
  }
  for (let round = 0; round < 5; round++) {
    const before = await count();
    const reqs = [];
    for (let i = 0; i < 40; i++) {
      const bad = i % 5 === 0;
      reqs.push(raw('POST', '/api/v1/events', JSON.stringify({ ...good(), description: `并发 ${round}-${i}` }),
                    { 'idempotency-key': bad ? used[(round + i) % used.length] : `batch-${process.pid}-${round}-${i}` }));
    }
    const res = await Promise.all(reqs);
    const created = res.filter((r) => r.status === 201).length;
    const refused = res.filter((r) => r.status === 409 && r.json?.error?.code === 'event.idempotency_mismatch').length;
    assert.equal(created, 32, JSON.stringify(res.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.text)));
    assert.equal(refused, 8);
    assert.equal(await count(), before + 32, 'every 201 is stored, nothing of a 409');
  }
  // the refusals came inside batches of several (reruns with savepoints),
  // not only one request at a time
  const m = (await srv.get('/metrics')).text;
  const reruns = Number(/^wangge_writer_reruns_total (\d+)$/m.exec(m)?.[1]);
  assert.ok(reruns > 0, `writer reruns: ${reruns}`);
});
