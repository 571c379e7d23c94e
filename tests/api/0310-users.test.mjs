// Users and roles: the admin API (/api/v1/users, /api/v1/audit), `wangge
// user`, and the demo log-ins that `wangge demo` creates.
//
// Runs on a demo database with a second district (天河区 440106 and one town)
// imported next to 白云区, so that "outside the admin's scope" is tested
// with units that exist: the Baiyun admin must get the same 404 for them as
// for units and users that do not exist.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, wangge, demoDb, tmpDir, assertError } from './lib/harness.mjs';

const PASSWORD = 'Wangge@2026';                 // every demo log-in's (demo only)
const OTHER = '440106';                          // the second district
const OTHER_TOWN = '440106001';

const DEMO = {
  admin: { role: 'admin', scope: '440111' },
  command: { role: 'command', scope: '440111' },
  dispatcher: { role: 'command', scope: '440111002' },
  station: { role: 'station_head', scope: '440111002001' },
  gridleader: { role: 'grid_leader', scope: '44011100200101' },
  gridworker: { role: 'grid_worker', scope: '4401110020010101' },
  chengguan: { role: 'department', scope: '440111-cg' },
  leader: { role: 'leader', scope: '440111' },
  resident: { role: 'resident', scope: '440111' },
};

let srv;
let db;
const tokens = new Map();

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });

async function login(username, password = PASSWORD) {
  return srv.post('/api/v1/auth/login', { username, password, kind: 'app' });
}

async function tokenOf(username, password = PASSWORD) {
  if (!tokens.has(username)) {
    const r = await login(username, password);
    assert.equal(r.status, 200, `log-in of ${username}: ${r.text}`);
    tokens.set(username, r.json.token);
  }
  return tokens.get(username);
}

async function as(username, method, path, body) {
  return srv.request(method, path, { ...auth(await tokenOf(username)), body });
}
const admin = (method, path, body) => as('admin', method, path, body);

let seq = 0;
const fresh = (p = 'u') => `${p}${process.pid % 1000}_${++seq}`;

/** Create a user through the API as the demo admin; returns the user JSON. */
async function create(extra = {}) {
  const r = await admin('POST', '/api/v1/users', {
    username: fresh(), display_name: '测试用户', password: 'Good-Pass-2026', ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return r.json.user;
}

function cli(...args) {
  return wangge(['user', ...args, '--db', db]);
}

before(async () => {
  db = demoDb();
  const dir = tmpDir();
  const square = [[[113.40, 23.00], [113.44, 23.00], [113.44, 23.04], [113.40, 23.04], [113.40, 23.00]]];
  const file = join(dir, 'tianhe.geojson');
  writeFileSync(file, JSON.stringify({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { code: OTHER, name: '天河区' }, geometry: { type: 'Polygon', coordinates: square } },
      { type: 'Feature', properties: { code: OTHER_TOWN, name: '测试街道' }, geometry: { type: 'Polygon', coordinates: square } },
    ],
  }));
  const r = wangge(['import', 'units', file, '--db', db, '--partial']);
  assert.equal(r.status, 0, r.stderr);
  srv = await startServer({ db });
});

after(async () => {
  if (srv) await srv.stop();
});

// ------------------------------------------------------------- demo log-ins

describe('demo log-ins', () => {
  test('every role has a demo user that logs in with the demo password', async () => {
    for (const [username, want] of Object.entries(DEMO)) {
      const r = await login(username);
      assert.equal(r.status, 200, `${username}: ${r.text}`);
      const u = r.json.user;
      assert.equal(u.must_change_password, false, `${username} need not change the demo password`);
      assert.deepEqual(u.roles, [want.role], username);
      assert.equal(u.grants.length, 1, username);
      assert.equal(u.grants[0].scope, want.scope, username);
      if (want.role !== 'department') assert.ok(u.grants[0].scope_name, `${username}: scope has a name`);
    }
  });

  test('the grid worker is linked to the 网格员 of their grid', async () => {
    const list = await admin('GET', '/api/v1/users?q=gridworker');
    const gw = list.json.users.find((u) => u.username === 'gridworker');
    assert.ok(gw.person_id > 0, 'linked to a staff record');
    const staff = await as('gridworker', 'GET', '/api/v1/units/4401110020010101/staff');
    assert.equal(staff.status, 200, staff.text);
    const text = JSON.stringify(staff.json);
    assert.ok(text.includes(gw.display_name), `the grid's staff include ${gw.display_name}: ${text.slice(0, 300)}`);
    assert.match(gw.phone, /\*{4}/, 'phone masked');
  });

  test('the demo departments exist: a department grant on one of them works', async () => {
    for (const code of ['440111-cg', '440111-zj', '440111-ga', '440111-sj', '440111-wj', '440111-yj', '440111-sw']) {
      const u = await create({ grants: [{ role: 'department', scope: code }] });
      assert.equal(u.grants[0].scope, code);
      assert.equal(u.grants[0].scope_level, 'department');
      assert.ok(u.grants[0].scope_name);
    }
  });

  test('`wangge demo` prints the log-ins and may run again over its own database', () => {
    // over a database with events: they go (they point at the grids being replaced)
    const r = wangge(['demo', '--db', demoDb(), '--events', '0'], { timeout: 600000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /demo log-ins/);
    assert.ok(r.stdout.includes(PASSWORD));
    for (const name of Object.keys(DEMO)) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'), name);
  });
});

// ---------------------------------------------------------------- listing

describe('listing', () => {
  test('admin lists users with masked phones, grants and keyset pages', async () => {
    const r = await admin('GET', '/api/v1/users');
    assert.equal(r.status, 200, r.text);
    const names = r.json.users.map((u) => u.username);
    for (const n of Object.keys(DEMO)) assert.ok(names.includes(n), n);
    const gw = r.json.users.find((u) => u.username === 'gridworker');
    assert.match(gw.phone, /^\d{3}\*{4}\d{4}$/);
    assert.equal(gw.grants[0].role_label, '网格员');
    assert.equal(gw.grants[0].title, '专职网格员');
    for (const u of r.json.users) {
      assert.equal(typeof u.disabled, 'boolean');
      assert.equal(typeof u.must_change_password, 'boolean');
      assert.equal(u.password_hash, undefined);
    }

    const seen = [];
    let after = 0;
    for (let page = 0; page < 50; page++) {
      const p = await admin('GET', `/api/v1/users?limit=2${after ? `&after=${after}` : ''}`);
      assert.equal(p.status, 200, p.text);
      assert.ok(p.json.users.length <= 2);
      seen.push(...p.json.users.map((u) => u.id));
      if (!p.json.next_after) break;
      after = p.json.next_after;
    }
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'ordered by id');
    assert.equal(new Set(seen).size, seen.length, 'no repeats');
    assert.ok(seen.length >= 9);

    const q = await admin('GET', '/api/v1/users?q=' + encodeURIComponent('演示'));
    assert.ok(q.json.users.length >= 5);
    assert.ok(q.json.users.every((u) => u.display_name.includes('演示') || u.username.includes('演示')));
  });

  test('bad list parameters are 400', async () => {
    for (const qs of ['limit=0', 'limit=201', 'limit=x', 'after=-1', 'q=' + 'x'.repeat(65)]) {
      assertError(assert, await admin('GET', `/api/v1/users?${qs}`), 400, 'param.invalid');
    }
  });
});

// ------------------------------------------------------------ creating

describe('creating users', () => {
  test('admin creates a user with grants; the user logs in and must change the password', async () => {
    const username = fresh('zhang');
    const r = await admin('POST', '/api/v1/users', {
      username, display_name: '张三', password: 'Zhang-Pass-2026', phone: '13900000012',
      grants: [{ role: 'command', scope: '440111002', title: '调度员' },
               { role: 'grid_worker', scope: '4401110020010102' }],
    });
    assert.equal(r.status, 201, r.text);
    const u = r.json.user;
    assert.equal(u.username, username);
    assert.equal(u.display_name, '张三');
    assert.equal(u.phone, '139****0012');
    assert.equal(u.must_change_password, true);
    assert.equal(u.disabled, false);
    assert.deepEqual(u.grants.map((g) => [g.role, g.scope, g.scope_name, g.title]),
      [['command', '440111002', '三元里街道', '调度员'], ['grid_worker', '4401110020010102', u.grants[1].scope_name, null]]);
    assert.equal(u.grants[0].role_label, '指挥中心');

    const l = await login(username, 'Zhang-Pass-2026');
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.user.must_change_password, true);
    assert.deepEqual(l.json.user.roles.sort(), ['command', 'grid_worker']);

    const g = await admin('GET', `/api/v1/users/${u.id}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.json.user, u);
  });

  test('must_change_password may be false; no grants is fine', async () => {
    const u = await create({ must_change_password: false });
    assert.equal(u.must_change_password, false);
    assert.deepEqual(u.grants, []);
  });

  test('bad input is refused with the field named', async () => {
    const ok = { display_name: '李四', password: 'Li-Si-Pass-2026' };
    const cases = [
      [{ ...ok, username: 'Zhang' }, 400, 'user.bad_username', 'username'],
      [{ ...ok, username: 'ab' }, 400, 'user.bad_username', 'username'],
      [{ ...ok, username: 'a'.repeat(33) }, 400, 'user.bad_username', 'username'],
      [{ ...ok, username: 'zh ang' }, 400, 'user.bad_username', 'username'],
      [{ ...ok, username: '张三' }, 400, 'user.bad_username', 'username'],
      [{ ...ok, username: fresh(), password: '1234567890' }, 400, 'password.common', 'password'],
      [{ ...ok, username: fresh(), password: 'short' }, 400, 'password.too_short', 'password'],
      [{ ...ok, username: fresh(), display_name: '' }, 400, 'field.invalid', 'display_name'],
      [{ ...ok, username: fresh(), display_name: 'a\nb' }, 400, 'field.invalid', 'display_name'],
      [{ ...ok, username: fresh(), phone: 'call me' }, 400, 'field.invalid', 'phone'],
      [{ password: 'x'.repeat(12), display_name: 'x' }, 400, 'field.missing', 'username'],
      [{ ...ok, username: 42 }, 400, 'field.type', 'username'],
      [{ ...ok, username: fresh(), must_change_password: 'yes' }, 400, 'field.type', 'must_change_password'],
      [{ ...ok, username: fresh(), grants: {} }, 400, 'field.type', 'grants'],
      [{ ...ok, username: fresh(), grants: ['command'] }, 400, 'field.type', 'grants'],
      [{ ...ok, username: fresh(), grants: [{ role: 'boss', scope: '440111' }] }, 400, 'user.bad_role', 'role'],
      [{ ...ok, username: fresh(), grants: [{ role: 'grid_worker', scope: '440111002' }] }, 400, 'user.bad_scope', 'scope'],
      [{ ...ok, username: fresh(), grants: [{ role: 'admin', scope: '440111002' }] }, 400, 'user.bad_scope', 'scope'],
      [{ ...ok, username: fresh(), grants: [{ role: 'department', scope: '440111002' }] }, 400, 'user.bad_scope', 'scope'],
      [{ ...ok, username: fresh(), grants: [{ role: 'command', scope: '440111-cg' }] }, 400, 'user.bad_scope', 'scope'],
      [{ ...ok, username: fresh(), grants: [{ role: 'station_head', scope: '440111002999' }] }, 404, 'unit.not_found', 'scope'],
      [{ ...ok, username: fresh(), grants: [{ role: 'department', scope: '440111-xx' }] }, 404, 'unit.not_found', 'scope'],
      [{ ...ok, username: fresh(), grants: [{ role: 'command', scope: '440111002', title: 'x'.repeat(61) }] }, 400, 'field.too_long', 'title'],
    ];
    for (const [body, status, code, param] of cases) {
      const r = await admin('POST', '/api/v1/users', body);
      assertError(assert, r, status, code);
      assert.equal(r.json.error.param, param, JSON.stringify(body).slice(0, 100));
    }
    assertError(assert, await srv.request('POST', '/api/v1/users', { ...auth(await tokenOf('admin')), body: '{"username":', raw: true }), 400, 'json.malformed');
  });

  test('a taken user name is 409, and nothing is half-written', async () => {
    const u = await create();
    const r = await admin('POST', '/api/v1/users', { username: u.username, display_name: 'x', password: 'Other-Pass-2026' });
    assertError(assert, r, 409, 'user.exists');
    const username = fresh();
    const dup = await admin('POST', '/api/v1/users', { username, display_name: 'x', password: 'Other-Pass-2026',
      grants: [{ role: 'grid_worker', scope: '4401110020010101' }, { role: 'grid_worker', scope: '4401110020010101' }] });
    assertError(assert, dup, 409, 'user.grant_exists');
    const l = await admin('GET', `/api/v1/users?q=${username}`);
    assert.deepEqual(l.json.users, [], 'the account was rolled back with its grants');
  });
});

// ---------------------------------------------------------------- scope

describe('the admin scope', () => {
  test('a unit of another district is out of scope: the same 404 as a missing one', async () => {
    for (const [role, scope] of [['command', OTHER_TOWN], ['admin', OTHER], ['leader', OTHER]]) {
      const r = await admin('POST', '/api/v1/users', { username: fresh(), display_name: 'x', password: 'Good-Pass-2026',
        grants: [{ role, scope }] });
      assertError(assert, r, 404, 'unit.not_found');
      assert.equal(r.json.error.param, 'scope');
    }
    const u = await create();
    assertError(assert, await admin('POST', `/api/v1/users/${u.id}/grants`, { role: 'command', scope: OTHER_TOWN }), 404, 'unit.not_found');
  });

  test("a user with a grant in another district does not exist for this district's admin", async () => {
    const name = fresh('th');
    let r = cli('add', '--username', name, '--name', '天河调度员', '--password', 'Tianhe-Pass-2026',
                '--role', 'command', '--scope', OTHER_TOWN);
    assert.equal(r.status, 0, r.stderr);
    const id = Number(/id (\d+)/.exec(r.stdout)[1]);
    const missing = 99999999;
    for (const [m, p, body] of [['GET', `/users/${id}`], ['GET', `/users/${id}?unmask=1`],
                                ['POST', `/users/${id}/disable`], ['POST', `/users/${id}/enable`],
                                ['POST', `/users/${id}/password`, { password: 'Reset-Pass-2026' }],
                                ['POST', `/users/${id}/grants`, { role: 'grid_worker', scope: '4401110020010101' }],
                                ['DELETE', `/users/${id}/grants/1`]]) {
      assertError(assert, await admin(m, '/api/v1' + p, body), 404, 'user.not_found');
      const other = await admin(m, '/api/v1' + p.replace(String(id), String(missing)), body);
      assertError(assert, other, 404, 'user.not_found');
    }
    r = await admin('GET', `/api/v1/users?q=${name}`);
    assert.deepEqual(r.json.users, []);
    // a user with a grant in both districts is out of reach too
    r = cli('grant', '--username', 'dispatcher', '--role', 'leader', '--scope', OTHER);
    assert.equal(r.status, 0, r.stderr);
    const disp = await admin('GET', '/api/v1/users?q=dispatcher');
    assert.deepEqual(disp.json.users, []);
    const gid = Number(/grant (\d+)/.exec(r.stdout)[1]);
    r = cli('revoke', '--username', 'dispatcher', '--grant', String(gid));
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await admin('GET', '/api/v1/users?q=dispatcher')).json.users.length, 1);
  });

  test("the other district's admin sees only their own users", async () => {
    const name = fresh('thadmin');
    let r = cli('add', '--username', name, '--name', '天河管理员', '--password', 'Tianhe-Admin-2026',
                '--no-must-change', '--role', 'admin', '--scope', OTHER);
    assert.equal(r.status, 0, r.stderr);
    const t = await tokenOf(name, 'Tianhe-Admin-2026');
    r = await srv.get('/api/v1/users?limit=200', auth(t));
    assert.equal(r.status, 200, r.text);
    const names = r.json.users.map((u) => u.username);
    assert.ok(names.includes(name));
    assert.ok(!names.includes('gridworker') && !names.includes('admin'));
    r = await srv.post('/api/v1/users', { username: fresh(), display_name: 'x', password: 'Good-Pass-2026',
      grants: [{ role: 'grid_worker', scope: '4401110020010101' }] }, auth(t));
    assertError(assert, r, 404, 'unit.not_found');
    r = await srv.post('/api/v1/users', { username: fresh(), display_name: 'x', password: 'Good-Pass-2026',
      grants: [{ role: 'department', scope: '440111-cg' }] }, auth(t));
    assertError(assert, r, 404, 'unit.not_found');
    r = await srv.post('/api/v1/users', { username: fresh(), display_name: 'x', password: 'Good-Pass-2026',
      grants: [{ role: 'command', scope: OTHER_TOWN }] }, auth(t));
    assert.equal(r.status, 201, r.text);
  });

  test('non-admins get 403 on every user and audit route; anonymous callers 401', async () => {
    const u = await create();
    const routes = [['GET', '/api/v1/users'], ['POST', '/api/v1/users', { username: fresh(), display_name: 'x', password: 'Good-Pass-2026' }],
                    ['GET', `/api/v1/users/${u.id}`], ['POST', `/api/v1/users/${u.id}/disable`],
                    ['POST', `/api/v1/users/${u.id}/enable`], ['POST', `/api/v1/users/${u.id}/password`, { password: 'Reset-Pass-2026' }],
                    ['POST', `/api/v1/users/${u.id}/grants`, { role: 'grid_worker', scope: '4401110020010101' }],
                    ['DELETE', `/api/v1/users/${u.id}/grants/1`], ['GET', '/api/v1/audit']];
    for (const who of Object.keys(DEMO).filter((n) => n !== 'admin')) {
      for (const [m, p, body] of routes) assertError(assert, await as(who, m, p, body), 403, 'auth.forbidden');
    }
    for (const [m, p, body] of routes) assertError(assert, await srv.request(m, p, { body }), 401, 'auth.required');
    const still = await admin('GET', `/api/v1/users/${u.id}`);
    assert.equal(still.json.user.disabled, false, 'nothing changed');
  });
});

// ------------------------------------------------------------- changes

describe('disabling, passwords, grants', () => {
  test("disabling ends the user's sessions and API tokens; enabling lets them log in again", async () => {
    const u = await create({ grants: [{ role: 'grid_worker', scope: '4401110020010101' }], must_change_password: false });
    const app = (await login(u.username, 'Good-Pass-2026')).json.token;
    const tok = await srv.post('/api/v1/auth/tokens', { name: 'sync', days: 30 }, auth(app));
    assert.equal(tok.status, 201, tok.text);
    assert.equal((await srv.get('/api/v1/auth/me', auth(tok.json.token))).status, 200);

    let r = await admin('POST', `/api/v1/users/${u.id}/disable`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.disabled, true);
    assertError(assert, await srv.get('/api/v1/auth/me', auth(app)), 401);
    assertError(assert, await srv.get('/api/v1/auth/me', auth(tok.json.token)), 401);
    assertError(assert, await login(u.username, 'Good-Pass-2026'), 401, 'auth.bad_credentials');

    r = await admin('POST', `/api/v1/users/${u.id}/enable`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.disabled, false);
    assert.equal((await login(u.username, 'Good-Pass-2026')).status, 200);
    assertError(assert, await srv.get('/api/v1/auth/me', auth(tok.json.token)), 401, 'auth.invalid');
  });

  test('an admin cannot disable themself or drop their own admin grant', async () => {
    const me = (await admin('GET', '/api/v1/auth/me')).json;
    assertError(assert, await admin('POST', `/api/v1/users/${me.id}/disable`), 409, 'user.self');
    assertError(assert, await admin('DELETE', `/api/v1/users/${me.id}/grants/${me.grants[0].id}`), 409, 'user.self');
    assert.equal((await admin('GET', '/api/v1/auth/me')).status, 200);
  });

  test('a password reset ends the sessions; the new password works and must be changed', async () => {
    const u = await create({ must_change_password: false, grants: [{ role: 'resident', scope: '440111' }] });
    const t = (await login(u.username, 'Good-Pass-2026')).json.token;
    assertError(assert, await admin('POST', `/api/v1/users/${u.id}/password`, { password: '1234567890' }), 400, 'password.common');
    assert.equal((await srv.get('/api/v1/auth/me', auth(t))).status, 200, 'a refused reset changes nothing');
    let r = await admin('POST', `/api/v1/users/${u.id}/password`, { password: 'Brand-New-2026' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { ok: true });
    assertError(assert, await srv.get('/api/v1/auth/me', auth(t)), 401);
    assertError(assert, await login(u.username, 'Good-Pass-2026'), 401);
    r = await login(u.username, 'Brand-New-2026');
    assert.equal(r.status, 200);
    assert.equal(r.json.user.must_change_password, true);
    r = await admin('POST', `/api/v1/users/${u.id}/password`, { password: 'Brand-New-2027', must_change_password: false });
    assert.equal((await login(u.username, 'Brand-New-2027')).json.user.must_change_password, false);
    assertError(assert, await admin('POST', `/api/v1/users/${u.id}/password`, {}), 400, 'field.missing');
  });

  test('grant and revoke', async () => {
    const u = await create({ must_change_password: false });
    let r = await admin('POST', `/api/v1/users/${u.id}/grants`, { role: 'station_head', scope: '440111002001', title: '站长' });
    assert.equal(r.status, 201, r.text);
    const g = r.json.grant;
    assert.deepEqual([g.role, g.role_label, g.scope, g.scope_level, g.title], ['station_head', '站长', '440111002001', 'community', '站长']);
    assert.ok(g.scope_name && g.id > 0);
    assertError(assert, await admin('POST', `/api/v1/users/${u.id}/grants`, { role: 'station_head', scope: '440111002001' }), 409, 'user.grant_exists');
    assertError(assert, await admin('POST', `/api/v1/users/${u.id}/grants`, { role: 'station_head', scope: '440111002' }), 400, 'user.bad_scope');
    assertError(assert, await admin('POST', `/api/v1/users/${u.id}/grants`, { role: 'nobody', scope: '440111002' }), 400, 'user.bad_role');
    assertError(assert, await admin('POST', `/api/v1/users/${u.id}/grants`, { scope: '440111002' }), 400, 'field.missing');

    let me = (await login(u.username, 'Good-Pass-2026')).json.user;
    assert.deepEqual(me.roles, ['station_head']);
    const t = (await login(u.username, 'Good-Pass-2026')).json.token;
    assert.equal((await srv.get('/api/v1/units/440111002001/staff', auth(t))).status, 200);

    r = await admin('DELETE', `/api/v1/users/${u.id}/grants/${g.id}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { ok: true });
    assertError(assert, await admin('DELETE', `/api/v1/users/${u.id}/grants/${g.id}`), 404, 'user.grant_not_found');
    me = (await login(u.username, 'Good-Pass-2026')).json.user;
    assert.deepEqual(me.roles, []);
    // a grant of another user cannot be removed through this one
    const other = await create({ grants: [{ role: 'grid_worker', scope: '4401110020010101' }] });
    assertError(assert, await admin('DELETE', `/api/v1/users/${u.id}/grants/${other.grants[0].id}`), 404, 'user.grant_not_found');
    assertError(assert, await admin('DELETE', `/api/v1/users/${u.id}/grants/x`), 400, 'param.invalid');
    assertError(assert, await admin('GET', '/api/v1/users/0'), 400, 'param.invalid');
  });
});

// ------------------------------------------------------- personal data, audit

describe('unmasking and the audit log', () => {
  test('unmask=1 shows the phone and is recorded as pii.read', async () => {
    const u = await create({ phone: '13912345678' });
    let r = await admin('GET', `/api/v1/users/${u.id}`);
    assert.equal(r.json.user.phone, '139****5678');
    r = await admin('GET', `/api/v1/users/${u.id}?unmask=1`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.phone, '13912345678');
    assertError(assert, await admin('GET', `/api/v1/users/${u.id}?unmask=yes`), 400, 'param.invalid');

    r = await admin('GET', '/api/v1/audit?limit=20');
    assert.equal(r.status, 200, r.text);
    const pii = r.json.rows.find((x) => x.action === 'pii.read' && x.target === `account:${u.id}`);
    assert.ok(pii, `pii.read in ${JSON.stringify(r.json.rows.slice(0, 3))}`);
    assert.equal(pii.actor, 'admin');
    assert.equal(pii.result, 'ok');
    assert.equal(pii.role, 'admin');
    const add = r.json.rows.find((x) => x.action === 'user.add' && x.target === `account:${u.id}`);
    assert.ok(add, 'user.add recorded');
    assert.match(add.detail, new RegExp(u.username));
  });

  test('every change leaves its audit row; the listing pages backwards', async () => {
    const u = await create();
    await admin('POST', `/api/v1/users/${u.id}/grants`, { role: 'grid_worker', scope: '4401110020010103' });
    await admin('POST', `/api/v1/users/${u.id}/disable`);
    await admin('POST', `/api/v1/users/${u.id}/enable`);
    await admin('POST', `/api/v1/users/${u.id}/password`, { password: 'Audit-Pass-2026' });
    const g = (await admin('GET', `/api/v1/users/${u.id}`)).json.user.grants[0];
    await admin('DELETE', `/api/v1/users/${u.id}/grants/${g.id}`);
    const r = await admin('GET', '/api/v1/audit?limit=50');
    const mine = r.json.rows.filter((x) => x.target === `account:${u.id}`).map((x) => x.action);
    assert.deepEqual(mine, ['user.revoke', 'user.reset_password', 'user.enable', 'user.disable', 'user.grant', 'user.add']);

    const p1 = await admin('GET', '/api/v1/audit?limit=3');
    assert.equal(p1.json.rows.length, 3);
    assert.ok(p1.json.next_before);
    const p2 = await admin('GET', `/api/v1/audit?limit=3&before=${p1.json.next_before}`);
    assert.equal(p2.json.rows[0].id, p1.json.rows[2].id - 1);
    for (const qs of ['limit=0', 'limit=1001', 'before=-1', 'before=x']) {
      assertError(assert, await admin('GET', `/api/v1/audit?${qs}`), 400, 'param.invalid');
    }
    const v = wangge(['audit', 'verify', '--db', db]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
  });
});

// ------------------------------------------------------------------ CLI

describe('wangge user', () => {
  test('add, list, grant, revoke, disable, enable, reset-password round trip', async () => {
    const name = fresh('cli');
    let r = cli('add', '--username', name, '--name', '王五', '--phone', '13700001111',
                '--role', 'command', '--scope', '440111002', '--title', '调度员');
    assert.equal(r.status, 0, r.stderr);
    const pw = /password: (\S+)/.exec(r.stdout)[1];
    assert.equal(pw.length, 16);
    let l = await login(name, pw);
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.user.must_change_password, true);
    assert.deepEqual(l.json.user.roles, ['command']);
    const t = l.json.token;

    r = cli('list', '--q', name);
    assert.equal(r.status, 0, r.stderr);
    const row = r.stdout.trim().split('\t');
    assert.equal(row[1], name);
    assert.equal(row[2], '王五');
    assert.equal(row[3], '137****1111');
    assert.match(row[5], /^\d+:command@440111002\(调度员\)$/);

    r = cli('grant', '--username', name, '--role', 'grid_worker', '--scope', '4401110020010101');
    assert.equal(r.status, 0, r.stderr);
    const gid = /grant (\d+)/.exec(r.stdout)[1];
    assert.match(cli('list', '--q', name).stdout, new RegExp(`${gid}:grid_worker@4401110020010101`));
    r = cli('revoke', '--username', name, '--grant', gid);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(cli('list', '--q', name).stdout, /grid_worker/);

    r = cli('disable', '--username', name);
    assert.equal(r.status, 0, r.stderr);
    assertError(assert, await srv.get('/api/v1/auth/me', auth(t)), 401);
    assertError(assert, await login(name, pw), 401);
    assert.match(cli('list', '--q', name).stdout, /\tdisabled/);
    r = cli('enable', '--username', name);
    assert.equal(r.status, 0, r.stderr);

    r = wangge(['user', 'reset-password', '--username', name, '--password-stdin', '--no-must-change', '--db', db],
               { input: 'Stdin-Pass-2026\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Stdin-Pass/);
    l = await login(name, 'Stdin-Pass-2026');
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.user.must_change_password, false);
    r = cli('reset-password', '--username', name);
    assert.equal(r.status, 0, r.stderr);
    const pw2 = /new password: (\S+)/.exec(r.stdout)[1];
    assertError(assert, await srv.get('/api/v1/auth/me', auth(l.json.token)), 401);
    assert.equal((await login(name, pw2)).status, 200);

    const audit = (await admin('GET', '/api/v1/audit?limit=30')).json.rows.filter((x) => x.actor.startsWith('cli:'));
    const actions = new Set(audit.map((x) => x.action));
    for (const a of ['user.add', 'user.grant', 'user.revoke', 'user.disable', 'user.enable', 'user.reset_password']) {
      assert.ok(actions.has(a), `${a} by cli:<login> in the audit log`);
    }
  });

  test('errors: one line, non-zero exit', () => {
    const cases = [
      [['add', '--username', 'x'], 1, /needs --username and --name/],
      [['add', '--username', 'Bad Name', '--name', 'x'], 2, /user name must be/],
      [['add', '--username', fresh(), '--name', 'x', '--password', '1234567890'], 2, /too common/],
      [['add', '--username', fresh(), '--name', 'x', '--role', 'boss', '--scope', '440111'], 2, /unknown role 'boss'/],
      [['add', '--username', fresh(), '--name', 'x', '--role', 'grid_worker', '--scope', '440111002'], 2, /cannot be granted/],
      [['add', '--username', fresh(), '--name', 'x', '--role', 'grid_worker'], 1, /needs a --scope/],
      [['add', '--username', fresh(), '--name', 'x', '--scope', '440111'], 1, /needs a --role/],
      [['add', '--username', 'admin', '--name', 'x'], 2, /already taken/],
      [['add', '--username', fresh(), '--name', 'x', '--password', 'a-Good-Pass-1', '--password-stdin'], 1, /not both/],
      [['disable', '--username', 'nobody_here'], 2, /no such user/],
      [['disable'], 1, /needs --username/],
      [['grant', '--username', 'admin'], 1, /one --role and --scope/],
      [['revoke', '--username', 'admin'], 1, /needs --grant/],
      [['revoke', '--username', 'admin', '--grant', 'x'], 1, /bad --grant/],
      [['revoke', '--username', 'admin', '--grant', '99999999'], 2, /no such grant/],
      [['list', '--username', 'admin'], 1, /usage/],
      [['frobnicate'], 1, /unknown subcommand/],
      [[], 1, /usage/],
    ];
    for (const [args, status, re] of cases) {
      const r = args.length ? cli(...args) : wangge(['user']);
      assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      if (status === 2) assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
    const r = wangge(['user', 'list', '--db', join(tmpDir(), 'missing.db')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no database/);
    const h = wangge(['help', 'user']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /reset-password/);
  });
});
