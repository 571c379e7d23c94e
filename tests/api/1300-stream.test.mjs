// The live stream, GET /api/v1/stream (Server-Sent Events): headers and
// frames, scope per role, ?unit narrowing, resume with Last-Event-ID (no
// gap, no duplicate), reconnecting after a restart, limits, heartbeats,
// and on PostgreSQL a row committed on one instance reaching the clients of
// another through NOTIFY.
//
// Timeline rows are written with SQL (as the event writer will commit
// them); the hub notices them by its safety-net poll (set to 100 ms here)
// or, in the cluster test, by the notification alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, demoDb, tmpDir, assertError, PG, psql, wangge } from './lib/harness.mjs';
import { openStream } from './lib/sse.mjs';

const PASSWORD = 'Wangge@2026';             // the demo log-ins' password
const G1 = '4401110020010101';              // the demo grid worker's grid
const G2 = '4401110020010102';              // its neighbour
const DEPT = '440111-cg';                   // 城管, the demo department log-in
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ helpers

/** Run SQL on the test database (the sqlite3 shell, or psql). */
function dbExec(db, sql) {
  if (PG) return psql(sql, { url: db });
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 10000', db, sql], { encoding: 'utf8' });
  if (r.error) throw new Error(`the sqlite3 shell is needed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${sql}: ${r.stderr}`);
  return r.stdout;
}

const q = (s) => (s === null || s === undefined ? 'NULL' : `'${String(s).replace(/'/g, "''")}'`);

/** An event in `grid` (reported by account `reporter`, or nobody); its id. */
function addEvent(db, grid, reporter = null, title = '楼道堆物') {
  dbExec(db, `INSERT INTO event_category (code, name, accept_minutes, handle_minutes, verify_minutes, updated_at) ` +
             `VALUES ('mdjf', '矛盾纠纷', 30, 1440, 60, '2026-01-01T00:00:00Z') ON CONFLICT (code) DO NOTHING`);
  const out = dbExec(db, `INSERT INTO event (source, category_code, title, description, lon, lat, crs, grid_code, ` +
    `urgency, status, loop, level, holder_code, reporter_id, phase_started_at, day, created_at, updated_at) VALUES ` +
    `('patrol', 'mdjf', ${q(title)}, '描述', 113.27, 23.17, 'wgs84', ${q(grid)}, 2, 'reported', 'internal', 3, ` +
    `'440111002001', ${reporter ?? 'NULL'}, 1700000000, '2026-01-01', 1700000000, 1700000000) RETURNING id`);
  return Number(out.trim().split('\n').pop());
}

/** A timeline row of event `ev`; its id. notify: also NOTIFY wg_events in the same transaction (PostgreSQL). */
function addLog(db, ev, grid, { dept = null, pub = 1, action = 'note', note = '已到现场', notify = false } = {}) {
  const ins = `INSERT INTO event_log (event_id, at, action, from_status, to_status, actor_id, actor_name, role, ` +
              `unit_code, note, public, grid_code, dept_code) VALUES (${ev}, 1700000100, ${q(action)}, 'reported', ` +
              `'reported', NULL, '张网格', 'grid_worker', ${q(grid)}, ${q(note)}, ${pub}, ${q(grid)}, ${q(dept)}) RETURNING id`;
  if (notify && PG) {
    // as the event writer does: NOTIFY in the writing transaction, delivered at commit
    const out = psql(`WITH r AS (${ins}) SELECT id, pg_notify('wg_events', id::text) FROM r`, { url: db });
    return Number(out.trim().split('|')[0]);
  }
  return Number(dbExec(db, ins).trim().split('\n').pop());
}

/** An ini file for the server. */
function config(text) {
  const f = join(tmpDir(), 'wangge.ini');
  writeFileSync(f, text);
  return f;
}

// ------------------------------------------------------------------- setup

let srv;
const tok = {};                              // demo username -> bearer token
const ids = {};                              // demo username -> account id

async function login(server, username) {
  const r = await server.post('/api/v1/auth/login', { username, password: PASSWORD, kind: 'app' });
  assert.equal(r.status, 200, `log-in of ${username}: ${r.text}`);
  return r.json;
}

const auth = (user) => ({ authorization: `Bearer ${tok[user]}` });

before(async () => {
  srv = await startServer({ db: demoDb({ events: 0 }), args: ['--config', config('[stream]\npoll_ms = 100\n')] });
  for (const u of ['admin', 'dispatcher', 'gridworker', 'chengguan', 'resident', 'leader']) {
    const j = await login(srv, u);
    tok[u] = j.token;
    ids[u] = j.user.id;
  }
});

after(async () => {
  // a clean exit with streams still open: under ASan a leak fails here
  if (srv) assert.equal(await srv.stop(), 0, `server exit: ${srv.stderr.slice(-3000)}`);
});

// ------------------------------------------------------------------- tests

test('anonymous callers get 401; bad tokens too', async () => {
  assertError(assert, await srv.get('/api/v1/stream'), 401, 'auth.required');
  assertError(assert, await srv.get('/api/v1/stream', { headers: { authorization: 'Bearer nope' } }), 401);
});

test('headers, retry and hello with the head id', async () => {
  const s = await openStream(srv.url, '/api/v1/stream', auth('admin'));
  try {
    assert.equal(s.status, 200);
    assert.match(s.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(s.headers.get('cache-control'), 'no-cache');
    assert.equal(s.headers.get('x-accel-buffering'), 'no');
    assert.equal(s.headers.get('content-encoding'), null, 'never compressed');
    const hello = await s.waitFor((f) => f.event === 'hello');
    assert.equal(hello.retry, '3000');
    const head = JSON.parse(hello.data).head;
    assert.equal(hello.id, String(head));
    const m = await srv.get('/metrics');
    assert.match(m.text, /^wangge_stream_clients [1-9]/m);
    assert.match(m.text, /^wangge_http_streams_open [1-9]/m);
  } finally {
    s.close();
  }
});

test('each role sees its own scope, and the resident a reduced view of its own reports', async () => {
  const db = srv.db;
  const streams = {};
  for (const u of ['dispatcher', 'gridworker', 'chengguan', 'resident', 'leader'])
    streams[u] = await openStream(srv.url, '/api/v1/stream', auth(u));
  try {
    for (const s of Object.values(streams)) await s.waitFor((f) => f.event === 'hello');
    const e1 = addEvent(db, G1);
    const e2 = addEvent(db, G2);
    const e3 = addEvent(db, G1, ids.resident, '居民上报');
    const r = {
      g1: addLog(db, e1, G1),
      g2: addLog(db, e2, G2),
      g2dept: addLog(db, e2, G2, { dept: DEPT }),
      mineInternal: addLog(db, e3, G1, { pub: 0, note: '内部备注' }),
      minePublic: addLog(db, e3, G1, { pub: 1 }),
      elsewhere: addLog(db, addEvent(db, '4401110100010101'), '4401110100010101'),   // 京溪街道
    };
    // a last row everybody sees: then nothing earlier can still be on its way
    const marker = addLog(db, e3, G1, { dept: DEPT, pub: 1 });
    const seen = {};
    for (const [u, s] of Object.entries(streams)) {
      await s.waitFor((f) => f.id === String(marker), 8000, `the marker row on ${u}'s stream`);
      seen[u] = s.events().map((e) => e.id).filter((id) => id !== marker);
    }
    const sorted = (a) => [...a].sort((x, y) => x - y);
    assert.deepEqual(sorted(seen.dispatcher), sorted([r.g1, r.g2, r.g2dept, r.mineInternal, r.minePublic]), '三元里 dispatcher: the town');
    assert.deepEqual(sorted(seen.gridworker), sorted([r.g1, r.mineInternal, r.minePublic]), 'grid worker: its grid only');
    assert.deepEqual(seen.chengguan, [r.g2dept], 'department: rows it held');
    assert.deepEqual(seen.resident, [r.minePublic], 'resident: public steps of its own report');
    assert.deepEqual(sorted(seen.leader), sorted(Object.values(r)), 'district leader: everything in the district');
    // the staff frame carries what the big screen shows
    const full = streams.dispatcher.events().find((e) => e.id === r.g2dept);
    assert.equal(full.event_id, e2);
    assert.equal(full.grid_code, G2);
    assert.equal(full.dept_code, DEPT);
    assert.equal(full.actor, '张网格');
    assert.equal(full.event.category, 'mdjf');
    assert.equal(full.event.category_name, '矛盾纠纷');
    assert.equal(full.event.title, '楼道堆物');
    assert.equal(full.event.urgency, 2);
    assert.equal(full.event.status, 'reported');
    assert.ok(Math.abs(full.event.lon - 113.27) < 1e-9 && Math.abs(full.event.lat - 23.17) < 1e-9);
    // the resident's frame: no staff names, notes or places
    const mine = streams.resident.events()[0];
    assert.equal(mine.event.title, '居民上报');
    for (const k of ['actor', 'note', 'grid_code', 'dept_code', 'unit_code']) assert.ok(!(k in mine), `no ${k}`);
    assert.ok(!('lon' in mine.event));
    // ids strictly increase on every stream
    for (const s of Object.values(streams)) {
      const got = s.events().map((e) => e.id);
      assert.deepEqual(got, sorted(got));
      assert.equal(new Set(got).size, got.length, 'no duplicates');
    }
  } finally {
    for (const s of Object.values(streams)) s.close();
  }
});

test('?unit narrows inside the scope; outside it (or no such unit) is 404 unit.not_found', async () => {
  const narrowed = await openStream(srv.url, `/api/v1/stream?unit=${G2}`, auth('dispatcher'));
  try {
    assert.equal(narrowed.status, 200);
    await narrowed.waitFor((f) => f.event === 'hello');
    const a = addLog(srv.db, addEvent(srv.db, G1), G1);
    const b = addLog(srv.db, addEvent(srv.db, G2), G2);
    await narrowed.waitFor((f) => f.id === String(b));
    assert.ok(!narrowed.events().some((e) => e.id === a), 'a row of the other grid is left out');
  } finally {
    narrowed.close();
  }
  const dept = await openStream(srv.url, `/api/v1/stream?unit=${DEPT}`, auth('chengguan'));
  assert.equal(dept.status, 200);
  dept.close();
  for (const [user, unit] of [['dispatcher', '440111010'], ['gridworker', G2], ['gridworker', '440111002'],
                               ['dispatcher', '4401110020019999'], ['chengguan', '440111-zj'], ['chengguan', G1],
                               ['resident', '440111'], ['admin', 'nonsense'], ['admin', '440103001']]) {
    const s = await openStream(srv.url, `/api/v1/stream?unit=${encodeURIComponent(unit)}`, auth(user));
    s.close();
    assert.equal(s.status, 404, `${user} ?unit=${unit}`);
    assert.equal(s.json.error.code, 'unit.not_found');
  }
});

test('Last-Event-ID resumes with exactly the missed rows, then the live feed', async () => {
  const db = srv.db;
  const ev = addEvent(db, G1);
  const rows = [];
  for (let i = 0; i < 6; i++) rows.push(addLog(db, ev, G1, { note: `第 ${i} 步` }));
  // the hub may or may not have sent them yet: the resume must be exact either way
  for (const how of ['header', 'query']) {
    const path = how === 'query' ? `/api/v1/stream?last_event_id=${rows[2]}` : '/api/v1/stream';
    const headers = how === 'header' ? { ...auth('gridworker'), 'last-event-id': String(rows[2]) } : auth('gridworker');
    const s = await openStream(srv.url, path, headers);
    try {
      assert.equal(s.status, 200);
      const hello = await s.waitFor((f) => f.event === 'hello');
      assert.equal(hello.id, undefined, 'a resume does not move the id');
      const missed = rows.slice(3);
      await s.waitFor((f) => f.id === String(missed[missed.length - 1]));
      assert.deepEqual(s.events().map((e) => e.id), missed, `${how}: rows after ${rows[2]}, once each`);
      const next = addLog(db, ev, G1);
      rows.push(next);
      await s.waitFor((f) => f.id === String(next));
      await sleep(300);
      assert.deepEqual(s.events().map((e) => e.id), [...missed, next]);
    } finally {
      s.close();
    }
  }
  const bad = await openStream(srv.url, '/api/v1/stream', { ...auth('admin'), 'last-event-id': 'abc' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'param.invalid');
  // an id this database never had: reset to the head
  const fut = await openStream(srv.url, '/api/v1/stream', { ...auth('admin'), 'last-event-id': '999999999' });
  try {
    const reset = await fut.waitFor((f) => f.event === 'reset');
    assert.equal(JSON.parse(reset.data).reason, 'unknown_id');
    assert.equal(reset.id, String(JSON.parse(reset.data).head));
  } finally {
    fut.close();
  }
});

test('a resume 10,000 rows behind or more gets reset', async () => {
  const db = srv.db;
  const ev = addEvent(db, G1);
  const first = addLog(db, ev, G1);
  if (PG) psql(`INSERT INTO event_log (event_id, at, action, to_status, public, grid_code) ` +
               `SELECT ${ev}, 1700000200, 'note', 'reported', 0, '${G1}' FROM generate_series(1, 10001)`, { url: db });
  else dbExec(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001) ` +
                  `INSERT INTO event_log (event_id, at, action, to_status, public, grid_code) ` +
                  `SELECT ${ev}, 1700000200, 'note', 'reported', 0, '${G1}' FROM n`);
  const s = await openStream(srv.url, '/api/v1/stream', { ...auth('admin'), 'last-event-id': String(first) });
  try {
    const reset = await s.waitFor((f) => f.event === 'reset');
    const d = JSON.parse(reset.data);
    assert.equal(d.reason, 'too_far_behind');
    assert.ok(d.head >= first + 10001);
    assert.equal(reset.id, String(d.head));
  } finally {
    s.close();
  }
});

test('limits: per account, per instance; heartbeats carry the cursor', async () => {
  const ini = config('[stream]\npoll_ms = 100\nping_ms = 300\nmax_per_account = 2\nmax_clients = 3\n');
  const s2 = await startServer({ db: demoDb({ events: 0 }), args: ['--config', ini] });
  const open = [];
  try {
    const token = (await login(s2, 'gridworker')).token;
    const h = { authorization: `Bearer ${token}` };
    open.push(await openStream(s2.url, '/api/v1/stream', h));
    open.push(await openStream(s2.url, '/api/v1/stream', h));
    const third = await openStream(s2.url, '/api/v1/stream', h);
    assert.equal(third.status, 429);
    assert.equal(third.json.error.code, 'stream.too_many');
    const other = (await login(s2, 'admin')).token;
    open.push(await openStream(s2.url, '/api/v1/stream', { authorization: `Bearer ${other}` }));
    const full = await openStream(s2.url, '/api/v1/stream', { authorization: `Bearer ${(await login(s2, 'leader')).token}` });
    assert.equal(full.status, 503);
    assert.equal(full.json.error.code, 'stream.busy');
    for (const s of open) assert.equal(s.status, 200);
    // heartbeats: a comment, and the id of the last row looked at
    const ping = await open[0].waitFor((f) => f.comment === 'ping', 3000, 'a heartbeat');
    assert.match(ping.id, /^\d+$/);
    const m = await s2.get('/metrics');
    assert.match(m.text, /^wangge_stream_clients 3$/m);
    assert.match(m.text, /^wangge_stream_rejected_total 2$/m);
    // a closed stream frees its place (noticed at the next heartbeat at the latest)
    open.shift().close();
    let again;
    for (let i = 0; i < 40; i++) {
      again = await openStream(s2.url, '/api/v1/stream', h);
      if (again.status === 200) break;
      await sleep(100);
    }
    assert.equal(again.status, 200, 'a place again after a client left');
    open.push(again);
  } finally {
    for (const s of open) s.close();
    assert.equal(await s2.stop(), 0, s2.stderr.slice(-2000));
  }
});

test('the server stops cleanly with streams open, and a client resumes after the restart', async () => {
  const db = demoDb({ events: 0 });
  const ini = config('[stream]\npoll_ms = 100\n');
  let a = await startServer({ db, args: ['--config', ini] });
  const ev = addEvent(db, G1);
  let s;
  try {
    tok.restart = (await login(a, 'gridworker')).token;
    s = await openStream(a.url, '/api/v1/stream', { authorization: `Bearer ${tok.restart}` });
    await s.waitFor((f) => f.event === 'hello');
    const r1 = addLog(db, ev, G1);
    await s.waitFor((f) => f.id === String(r1));
    const t0 = Date.now();
    assert.equal(await a.stop(), 0, a.stderr.slice(-2000));
    assert.ok(Date.now() - t0 < 5000, 'stopping does not wait for the streams');
    await s.done;
    assert.ok(s.ended, 'the stream ended with the server');
    const lastId = [...s.frames].reverse().find((f) => f.id !== undefined).id;
    assert.equal(lastId, String(r1));
    const missed = [addLog(db, ev, G1), addLog(db, ev, G1)];
    a = await startServer({ db, args: ['--config', ini] });
    s = await openStream(a.url, '/api/v1/stream', { authorization: `Bearer ${tok.restart}`, 'last-event-id': lastId });
    await s.waitFor((f) => f.id === String(missed[1]));
    assert.deepEqual(s.events().map((e) => e.id), missed);
  } finally {
    if (s) s.close();
    assert.equal(await a.stop(), 0);
  }
});

test('two instances: a row committed on one reaches the clients of the other (NOTIFY)',
     { skip: !PG && 'PostgreSQL only: one instance serves a SQLite file' }, async () => {
  const db = demoDb({ events: 0 });
  // the poll turned down to 10 minutes: only the notification can deliver
  const ini = config('[stream]\npoll_ms = 600000\n');
  const a = await startServer({ db, args: ['--config', ini] });
  const b = await startServer({ db, args: ['--config', ini] });
  const streams = [];
  try {
    for (const s of [a, b]) {
      const t = (await login(s, 'dispatcher')).token;
      streams.push(await openStream(s.url, '/api/v1/stream', { authorization: `Bearer ${t}` }));
    }
    for (const s of streams) await s.waitFor((f) => f.event === 'hello');
    const ev = addEvent(db, G2);
    const t0 = Date.now();
    const id = addLog(db, ev, G2, { notify: true });
    for (const s of streams) await s.waitFor((f) => f.id === String(id), 3000, 'the row on both instances');
    assert.ok(Date.now() - t0 < 3000);
    for (const s of streams) assert.deepEqual(s.events().map((e) => e.id), [id]);
  } finally {
    for (const s of streams) s.close();
    assert.equal(await a.stop(), 0);
    assert.equal(await b.stop(), 0);
  }
});

test('an account that logs out, is disabled or loses a grant has its streams ended; others go on', async () => {
  const until = async (pred, ms, what) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await sleep(20);
    }
  };
  const other = await openStream(srv.url, '/api/v1/stream', auth('gridworker'));
  await other.waitFor((f) => f.event === 'hello');
  const mk = async (username) => {
    const r = await srv.post('/api/v1/users', {
      username, display_name: '流测试', password: 'Stream-Test-2026x', must_change_password: false,
      grants: [{ role: 'command', scope: '440111002' }],
    }, { headers: auth('admin') });
    assert.equal(r.status, 201, r.text);
    const t = (await srv.post('/api/v1/auth/login', { username, password: 'Stream-Test-2026x', kind: 'app' })).json.token;
    return { id: r.json.user.id, grant: r.json.user.grants[0].id, h: { authorization: `Bearer ${t}` } };
  };
  const ended = async (s, what) => {
    const f = await s.waitFor((x) => x.event === 'revoked', 3000, `event: revoked (${what})`);
    assert.equal(JSON.parse(f.data).reason, 'session_ended');
    await until(() => s.ended, 3000, `the stream to end (${what})`);
  };

  // logging out ends the stream of that session
  const u1 = await mk(`stream_out_${process.pid}`);
  let s = await openStream(srv.url, '/api/v1/stream', u1.h);
  await s.waitFor((f) => f.event === 'hello');
  assert.equal((await srv.post('/api/v1/auth/logout', {}, { headers: u1.h })).status, 200);
  await ended(s, 'logout');
  assert.equal((await openStream(srv.url, '/api/v1/stream', u1.h)).status, 401, 'and it cannot come back');

  // an administrator disables the account
  const u2 = await mk(`stream_off_${process.pid}`);
  s = await openStream(srv.url, '/api/v1/stream', u2.h);
  await s.waitFor((f) => f.event === 'hello');
  assert.equal((await srv.post(`/api/v1/users/${u2.id}/disable`, {}, { headers: auth('admin') })).status, 200);
  await ended(s, 'disabled');
  assert.equal((await openStream(srv.url, '/api/v1/stream', u2.h)).status, 401);

  // a grant taken away: the stream ends; the account reconnects with what it has left
  const u3 = await mk(`stream_grant_${process.pid}`);
  assert.equal((await srv.post(`/api/v1/users/${u3.id}/grants`, { role: 'leader', scope: '440111010' },
                               { headers: auth('admin') })).status, 201);
  s = await openStream(srv.url, '/api/v1/stream', u3.h);
  await s.waitFor((f) => f.event === 'hello');
  const r = await srv.request('DELETE', `/api/v1/users/${u3.id}/grants/${u3.grant}`, { headers: auth('admin') });
  assert.equal(r.status, 200, r.text);
  await ended(s, 'grant removed');

  assert.ok(!other.ended, "another account's stream goes on");
  other.close();
});

test('from the shell too: `wangge user disable` ends the account\'s streams on the server (PostgreSQL NOTIFY)',
     { skip: !PG && 'PostgreSQL only: on SQLite a command-line tool cannot reach the server' }, async () => {
  const username = `stream_cli_${process.pid}`;
  const r = await srv.post('/api/v1/users', {
    username, display_name: '流测试', password: 'Stream-Test-2026x', must_change_password: false,
    grants: [{ role: 'command', scope: '440111002' }],
  }, { headers: auth('admin') });
  assert.equal(r.status, 201, r.text);
  const t = (await srv.post('/api/v1/auth/login', { username, password: 'Stream-Test-2026x', kind: 'app' })).json.token;
  const s = await openStream(srv.url, '/api/v1/stream', { authorization: `Bearer ${t}` });
  await s.waitFor((f) => f.event === 'hello');
  const cli = wangge(['user', 'disable', '--username', username, '--db', srv.db]);
  assert.equal(cli.status, 0, cli.stderr);
  const f = await s.waitFor((x) => x.event === 'revoked', 5000, 'event: revoked');
  assert.equal(JSON.parse(f.data).reason, 'session_ended');
});
