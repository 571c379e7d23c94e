// A report waiting for the event writer does not hold a server thread
// (http_defer, src/http/http.h): its connection sleeps until the writer's
// commit resumes it. The writer is held back by taking its lock from outside
// (SQLite: a write transaction in the sqlite3 shell; PostgreSQL: the event
// writers' advisory lock), so that a report waits as long as the test likes.
// Checked: one server thread still serves other requests while a report
// waits; a client that gives up meanwhile costs nothing (its report is
// stored, the server goes on); a stop while a report waits answers it first.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { startServer, demoDb, PG, psql } from './lib/harness.mjs';

const WRITER_LOCK_KEY = 72480004;     // src/app/writer.h
const servers = [];
after(async () => {
  for (const s of servers) await s.stop().catch(() => {});
});

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/** Hold the event writers' lock until release() is awaited. */
async function holdWriterLock(db) {
  const child = PG
    ? spawn('psql', [db, '-qAtX'], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn('sqlite3', ['-batch', db], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  child.stdin.write(PG
    ? `BEGIN;\nSELECT pg_advisory_xact_lock(${WRITER_LOCK_KEY});\nSELECT 'locked';\n`
    : `.timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n`);
  const t0 = Date.now();
  while (!out.includes('locked')) {
    if (Date.now() - t0 > 15000) throw new Error(`cannot take the writer's lock: ${err}`);
    await sleep(20);
  }
  return {
    async release() {
      const done = new Promise((res) => child.on('exit', res));
      child.stdin.end(PG ? 'COMMIT;\n' : 'COMMIT;\n.quit\n');
      await done;
    },
  };
}

function count(db, sql) {
  if (PG) return Number(psql(sql, { url: db }).trim());
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 10000', db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

async function setup(threads) {
  const db = demoDb({ events: 0 });
  const srv = await startServer({ db, args: ['--threads', String(threads)] });
  servers.push(srv);
  const login = await srv.post('/api/v1/auth/login', { username: 'gridworker', password: 'Wangge@2026', kind: 'app' });
  assert.equal(login.status, 200, login.text);
  const center = (await srv.get('/api/v1/units/4401110020010101')).json.center;
  const report = (key, signal) => fetch(`${srv.url}/api/v1/events`, {
    method: 'POST',
    signal,
    headers: { authorization: `Bearer ${login.json.token}`, 'content-type': 'application/json',
               'idempotency-key': key },
    body: JSON.stringify({ category: 'csgl.srhj', description: `等待写入 ${key}`,
                           lon: center[0], lat: center[1] }),
  });
  return { db, srv, report };
}

test('one server thread serves others while a report waits for the writer', { timeout: 60000 }, async () => {
  const { db, srv, report } = await setup(1);
  const lock = await holdWriterLock(db);
  let answered = false;
  const pending = report('wait-1').then((r) => { answered = true; return r; });
  await sleep(300);
  // the only thread is free: a health check and a read answer now
  assert.equal((await srv.get('/healthz')).status, 200);
  assert.equal((await srv.get('/api/v1/units/4401110020010101')).status, 200);
  assert.equal(answered, false, 'the report waits for the writer');
  await lock.release();
  const r = await pending;
  const text = await r.text();
  assert.equal(r.status, 201, text);
  const ev = JSON.parse(text);
  assert.equal(ev.status, 'reported');
  assert.ok(Array.isArray(ev.similar), 'the reply carries its near-duplicates');
  assert.equal(count(db, `SELECT COUNT(*) FROM event WHERE id = ${ev.id}`), 1);
});

test('a client that gives up while its report waits costs nothing', { timeout: 60000 }, async () => {
  const { db, srv, report } = await setup(2);
  const before = count(db, 'SELECT COUNT(*) FROM event');
  const lock = await holdWriterLock(db);
  const ac = new AbortController();
  const gone = report('gone-1', ac.signal).catch((e) => e);
  await sleep(300);
  ac.abort();
  assert.equal((await gone).name, 'AbortError');
  await lock.release();
  // the report was handed on: it is stored, once
  const t0 = Date.now();
  while (count(db, 'SELECT COUNT(*) FROM event') === before && Date.now() - t0 < 10000) await sleep(50);
  assert.equal(count(db, 'SELECT COUNT(*) FROM event'), before + 1);
  // the server goes on, and the same key replays the stored event
  const again = await report('gone-1');
  assert.equal(again.status, 200, await again.text());
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  const next = await report('gone-2');
  assert.equal(next.status, 201);
});

test('a stop while a report waits answers it first', { timeout: 60000 }, async () => {
  const { db, srv, report } = await setup(2);
  const lock = await holdWriterLock(db);
  const pending = report('stop-1');
  await sleep(300);
  const exited = new Promise((res) => srv.child.once('exit', (code, sig) => res(code ?? sig)));
  srv.child.kill('SIGTERM');
  await sleep(300);
  await lock.release();
  const r = await pending;
  assert.equal(r.status, 201, await r.text());
  assert.equal(await exited, 0, srv.stderr);
  assert.match(srv.stderr, /stopped cleanly/);
});
