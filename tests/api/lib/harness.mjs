// Test harness for wangge's black-box API tests (node:test).
//
// Every test file starts the real binary on a fresh temporary database and
// an ephemeral port:
//
//   import { startServer, wangge, tmpDb } from './lib/harness.mjs';
//   const srv = await startServer({ demo: true });   // or { db: path }
//   const r = await srv.get('/api/v1/units/440111');  // { status, headers, json, text }
//   await srv.stop();
//
// WANGGE_BIN picks the binary (default build/wangge); the ASan run of
// `make test` points it at build-asan/wangge.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, copyFileSync, statSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = resolve(ROOT, process.env.WANGGE_BIN || 'build/wangge');
export const SHARED = process.env.WANGGE_SHARED_DATA || resolve(ROOT, '../shared/data');
export const hasShared = existsSync(join(SHARED, 'baiyun-440111-outline.geojson'));

// With WANGGE_TEST_PG set to an admin URL of a PostgreSQL server
// (postgresql://postgres@127.0.0.1:55432/postgres, see scripts/pg-test-server.sh)
// every database the tests use is a fresh PostgreSQL database instead of a
// SQLite file: the same tests then cover both backends.
export const PG = process.env.WANGGE_TEST_PG || '';
export const backend = PG ? 'postgresql' : 'sqlite';

const tmpDirs = [];
const pgDbs = [];
process.on('exit', () => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  for (const name of pgDbs) psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, { check: false });
});

/** Run SQL on the PostgreSQL admin database; returns stdout. */
export function psql(sql, { check = true, url = PG } = {}) {
  const r = spawnSync('psql', [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  if (check && r.status !== 0) throw new Error(`psql failed: ${sql}: ${r.stderr}`);
  return r.stdout;
}

/** URL of database `name` on the test PostgreSQL server. */
function pgUrl(name) {
  const u = new URL(PG);
  u.pathname = `/${name}`;
  return u.toString();
}

let pgSeq = 0;
function pgFreshName() {
  return `wt_${process.pid}_${Date.now().toString(36)}_${pgSeq++}`;
}

/** A fresh temporary folder, removed when the process exits. */
export function tmpDir() {
  const d = mkdtempSync(join(tmpdir(), 'wangge-test-'));
  tmpDirs.push(d);
  return d;
}

/** A fresh, empty database: a file path (SQLite) or a URL (PostgreSQL). */
export function tmpDb() {
  if (PG) {
    const name = pgFreshName();
    psql(`CREATE DATABASE ${name}`);
    pgDbs.push(name);
    return pgUrl(name);
  }
  return join(tmpDir(), 'test.db');
}

/** Run the CLI synchronously: { status, stdout, stderr }. */
export function wangge(args, opts = {}) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', cwd: opts.cwd || ROOT, input: opts.input,
                                   timeout: opts.timeout || 120000, maxBuffer: 256 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** Events in the history of the tests' demo database: a small year, so that
 * building the template stays quick (`wangge demo` writes 259,000 by default). */
export const DEMO_EVENTS = 3000;

const demoCache = new Map();
/**
 * Path to a fresh copy of a demo database (`wangge demo --seed 1 --events
 * N`, N = opts.events, default DEMO_EVENTS). A template is built once per
 * binary and event count and shared by the test processes of a run through
 * a file in the temp folder named after the binary's path and mtime (built
 * under a temporary name, then renamed, so a half-built template is never
 * used).
 */
export function demoDb({ events = DEMO_EVENTS } = {}) {
  const st = statSync(BIN);
  const key = createHash('sha256').update(`${BIN}:${st.mtimeMs}:${st.size}:${events}`)
    .digest('hex').slice(0, 16);
  const demoArgs = ['--seed', '1', '--events', String(events)];
  if (PG) {
    const tpl = `wdemo_${key}`;
    if (!psql(`SELECT 1 FROM pg_database WHERE datname = '${tpl}'`).trim()) {
      const building = `${tpl}_${process.pid}`;
      psql(`CREATE DATABASE ${building}`);
      const r = wangge(['demo', '--db', pgUrl(building), ...demoArgs], { timeout: 600000 });
      if (r.status !== 0) throw new Error(`wangge demo failed: ${r.stderr}`);
      try { psql(`ALTER DATABASE ${building} RENAME TO ${tpl}`); }
      catch { psql(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`, { check: false }); }
    }
    const name = pgFreshName();
    psql(`CREATE DATABASE ${name} TEMPLATE ${tpl}`);
    pgDbs.push(name);
    return pgUrl(name);
  }
  if (!demoCache.has(key)) {
    const tpl = join(tmpdir(), `wangge-demo-template-${key}.db`);
    if (!existsSync(tpl)) {
      const building = `${tpl}.${process.pid}.tmp`;
      const r = wangge(['demo', '--db', building, ...demoArgs], { timeout: 600000 });
      if (r.status !== 0) throw new Error(`wangge demo failed: ${r.stderr}`);
      for (const ext of ['-wal', '-shm']) rmSync(building + ext, { force: true });
      renameSync(building, tpl);
    }
    demoCache.set(key, tpl);
  }
  const copy = tmpDb();
  copyFileSync(demoCache.get(key), copy);
  return copy;
}

/**
 * Start `wangge serve` on an ephemeral port. opts.db: database path (default
 * a fresh one); opts.demo: start from a demo database (true, or { events: N }
 * for another history size); opts.args: extra args.
 * Resolves once the server prints its URL.
 */
export async function startServer(opts = {}) {
  const db = opts.db || (opts.demo ? demoDb(opts.demo === true ? {} : opts.demo) : tmpDb());
  // photos: beside a SQLite file (the default); for PostgreSQL a temporary
  // folder, not the default ./wangge-photos in the source tree
  const photos = PG && !(opts.args || []).includes('--photos') ? ['--photos', join(tmpDir(), 'photos')] : [];
  const args = ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', join(ROOT, 'web'),
                '--access-log', 'off', ...photos, ...(opts.args || [])];
  const child = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
                                   env: { ...process.env, ...(opts.env || {}) } });
  let stderr = '';
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 60000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(stderr);
      if (m) { clearTimeout(timer); resolveUrl(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  child.stdout.resume();
  const srv = {
    url, db, child,
    get stderr() { return stderr; },
    async request(method, path, { body, headers = {}, raw } = {}) {
      const init = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = raw ? body : JSON.stringify(body);
        if (!raw && !init.headers['content-type']) init.headers['content-type'] = 'application/json';
      }
      const res = await fetch(url + path, init);
      const buf = Buffer.from(await res.arrayBuffer());
      const text = buf.toString('utf8');
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, headers: res.headers, text, json, buf };
    },
    get(path, o) { return srv.request('GET', path, o); },
    post(path, body, o = {}) { return srv.request('POST', path, { ...o, body }); },
    /** SIGTERM and wait; resolves to the exit code. */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
      child.removeAllListeners('exit');
      const done = new Promise((r) => child.on('exit', (code, sig) => r(code ?? sig)));
      child.kill(signal);
      return done;
    },
  };
  return srv;
}

/** Assert helper: the reply is a JSON error with this status and code. */
export function assertError(assert, r, status, code) {
  assert.equal(r.status, status, `status ${r.status} body ${r.text}`);
  assert.ok(r.json && r.json.error, `JSON error expected, got ${r.text.slice(0, 200)}`);
  if (code) assert.equal(r.json.error.code, code);
  assert.ok(r.json.error.message && r.json.error.message_en, 'messages in Chinese and English');
}
