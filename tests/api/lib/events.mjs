// Helpers shared by the grid-event API tests (1050-1052): log-ins of the
// demo users, extra users through `wangge user add`, SQL on the test
// database (sqlite3 shell or psql), a point inside a demo grid, and the
// row counts that prove a step wrote everything or nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PG, psql, wangge } from './harness.mjs';

export const PASSWORD = 'Wangge@2026';
export const GRID = '4401110020010101';          // the demo grid worker's grid (三元里社区第1网格)
export const COMMUNITY = '440111002001';         // 三元里社区: the station's
export const TOWN = '440111002';                 // 三元里街道: the dispatcher's
export const DEPT = '440111-cg';                 // 城管: chengguan's

/** Run SQL on the test database; returns stdout (rows '|'-separated). */
export function dbExec(db, sql) {
  if (PG) return psql(sql, { url: db });
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 10000', db, sql], { encoding: 'utf8' });
  if (r.error) throw new Error(`the sqlite3 shell is needed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${sql}: ${r.stderr}`);
  return r.stdout;
}

/** One number from SQL. */
export function dbNumber(db, sql) {
  const out = dbExec(db, sql).trim();
  assert.match(out, /^-?\d+$/, `a number from ${sql}: '${out}'`);
  return Number(out);
}

/** Rows of event, event_log and audit: all of them, and those of one event. */
export function counts(db, id) {
  return {
    events: dbNumber(db, 'SELECT COUNT(*) FROM event'),
    logs: dbNumber(db, 'SELECT COUNT(*) FROM event_log'),
    audits: dbNumber(db, 'SELECT COUNT(*) FROM audit'),
    eventLogs: id ? dbNumber(db, `SELECT COUNT(*) FROM event_log WHERE event_id = ${Number(id)}`) : 0,
    version: id ? dbNumber(db, `SELECT version FROM event WHERE id = ${Number(id)}`) : 0,
  };
}

/** A user with one grant, through the CLI (before the server starts, or while it runs). */
export function addUser(db, username, role, scope) {
  const r = wangge(['user', 'add', '--username', username, '--name', username, '--password', PASSWORD,
                    '--no-must-change', '--role', role, '--scope', scope, '--db', db]);
  assert.equal(r.status, 0, `wangge user add ${username}: ${r.stderr}`);
}

/**
 * Callers by user name: as(srv) gives { get, post, step, report, me } that
 * log in once per user and send the bearer token.
 */
export function actors(srv) {
  const tokens = new Map();
  const ids = new Map();
  async function token(user) {
    if (!tokens.has(user)) {
      const r = await srv.post('/api/v1/auth/login', { username: user, password: PASSWORD, kind: 'app' });
      assert.equal(r.status, 200, `log-in of ${user}: ${r.text}`);
      tokens.set(user, r.json.token);
    }
    return tokens.get(user);
  }
  const h = async (user, extra = {}) => ({ authorization: `Bearer ${await token(user)}`, ...extra });
  const a = {
    async get(user, path) { return srv.get(path, { headers: await h(user) }); },
    async post(user, path, body, headers = {}) { return srv.post(path, body, { headers: await h(user, headers) }); },
    async put(user, path, body) { return srv.request('PUT', path, { body, headers: await h(user) }); },
    /** POST /api/v1/events; expects 201 unless told otherwise. */
    async report(user, body, { status = 201, headers = {} } = {}) {
      const r = await a.post(user, '/api/v1/events', body, headers);
      if (status) assert.equal(r.status, status, `report by ${user}: ${r.text}`);
      return r;
    },
    /** A step; expects 200 unless told otherwise. */
    async step(user, id, body, { status = 200 } = {}) {
      const r = await a.post(user, `/api/v1/events/${id}/steps`, body);
      if (status) assert.equal(r.status, status, `${body.action} by ${user} on ${id}: ${r.text}`);
      return r;
    },
    async event(user, id) {
      const r = await a.get(user, `/api/v1/events/${id}`);
      assert.equal(r.status, 200, `event ${id} for ${user}: ${r.text}`);
      return r.json;
    },
    /** The bearer token of a user (logged in on first use). */
    token,
    /** Log these users in now (a log-in writes an audit row of its own). */
    async login(...users) { for (const u of users) await a.id(u); },
    /** The account id of a user. */
    async id(user) {
      if (!ids.has(user)) {
        const r = await a.get(user, '/api/v1/auth/me');
        assert.equal(r.status, 200, r.text);
        ids.set(user, r.json.id);
      }
      return ids.get(user);
    },
  };
  return a;
}

/** A point well inside a grid (the mean of its outline's vertices, checked with locate). */
export async function gridPoint(srv, grid = GRID) {
  const g = await srv.get(`/api/v1/units/${grid}/geojson`);
  assert.equal(g.status, 200, g.text);
  const geom = g.json.geometry || (g.json.features && g.json.features[0].geometry);
  const ring = geom.type === 'Polygon' ? geom.coordinates[0] : geom.coordinates[0][0];
  const p = [ring.reduce((s, q) => s + q[0], 0) / ring.length, ring.reduce((s, q) => s + q[1], 0) / ring.length];
  const l = await srv.get(`/api/v1/locate?lon=${p[0]}&lat=${p[1]}`);
  assert.equal(l.status, 200, `the middle of grid ${grid} is in a grid: ${l.text}`);
  assert.ok(l.text.includes(grid), `the middle of grid ${grid} lies in it: ${l.text.slice(0, 300)}`);
  return p;
}

/** Seconds since the epoch of an ISO time from the API. */
export const secs = (iso) => Math.round(Date.parse(iso) / 1000);

/** Wait until fn() returns a truthy value (polling), or fail after ms. */
export async function until(fn, ms = 8000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
