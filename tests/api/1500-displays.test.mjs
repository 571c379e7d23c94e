// Wall displays (大屏) of the command big screen (docs/api.md, "Wall
// displays"; src/app/displays.h): an admin or a command officer creates a
// display for a unit of theirs, the wall pairs it once with the code, and
// its token then reads the big screen of that unit and nothing else.
//
// Covered: create and list (scope, the code shown once, hostile input, the
// per-unit limit), pairing (forgiving input, used once, expired, from
// another site, throttled), use (summary, stream, camera and force layers
// without phones or stream addresses), read-only (403 on every write and on
// reads outside the screen, by bearer token and by cookie), scope (a town's
// display sees its town only, in the summary and on the stream), revoking
// (at once, the open stream included, on every instance with PostgreSQL),
// pairing anew (the old screen stops), the lifetimes (absolute, idle, the
// code's), and the audit rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoDb, assertError, backend, PG, tmpDir, wangge } from './lib/harness.mjs';
import { openStream } from './lib/sse.mjs';
import { actors, addUser, dbExec, dbNumber, gridPoint, GRID, TOWN, until } from './lib/events.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DISTRICT = '440111';
const JX = '440111010';                        // 京溪街道, another town
const JX_GRID = '4401110100010101';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let srv, as, point, jxPoint;

// ------------------------------------------------------------------ helpers

function config(text) {
  const f = join(tmpDir(), 'wangge.ini');
  writeFileSync(f, text);
  return f;
}

const bearer = (t) => ({ authorization: `Bearer ${t}` });
const iso = (secondsFromNow) => new Date(Date.now() + secondsFromNow * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const sql = (s) => dbExec(srv.db, s);

/** A new display by `user` for `unit`: the reply ({display, pairing}). */
async function create(user, unit, name = `测试大屏 ${Math.random().toString(36).slice(2, 8)}`) {
  const r = await as.post(user, '/api/v1/displays', { name, unit });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** Pair with a code: the reply. */
const pair = (code, headers = {}, server = srv) => server.post('/api/v1/displays/pair', { code }, { headers });

/** A paired display of `unit` made by `user`: { id, token }. */
async function paired(user, unit) {
  const c = await create(user, unit);
  const r = await pair(c.pairing.code);
  assert.equal(r.status, 200, r.text);
  return { id: c.display.id, token: r.json.token };
}

/** Audit rows of an action, newest first (as the admin reads them). */
async function audits(action) {
  const r = await as.get('admin', '/api/v1/audit?limit=1000');
  assert.equal(r.status, 200, r.text);
  return r.json.rows.filter((x) => x.action === action);
}

// -------------------------------------------------------------------- setup

before(async () => {
  const db = demoDb({ events: 0 });
  addUser(db, 'jx_dispatcher', 'command', JX);
  addUser(db, 'town_leader', 'leader', TOWN);
  srv = await startServer({ db, args: ['--config', config('[stream]\npoll_ms = 100\n')] });
  as = actors(srv);
  point = await gridPoint(srv, GRID);
  jxPoint = await gridPoint(srv, JX_GRID);
  await as.login('admin', 'command', 'dispatcher', 'jx_dispatcher', 'leader', 'town_leader', 'gridworker');
});

after(async () => {
  // a clean exit: under ASan a leak or a memory error fails the suite here
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-3000));
});

// -------------------------------------------------------------------- tests

test(`create and list: within the creator's scope, the code shown once (${backend})`, async () => {
  const a = await create('admin', DISTRICT, '白云区指挥中心大屏1');
  assert.equal(a.display.name, '白云区指挥中心大屏1');
  assert.deepEqual(a.display.unit, { code: DISTRICT, name: '白云区', level: 'district' });
  assert.equal(a.display.status, 'pending');
  assert.equal(a.display.status_label, '待配对');
  assert.equal(a.display.created_by, 'admin');
  assert.equal(a.display.paired_at, null);
  assert.match(a.pairing.code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  assert.equal(a.pairing.path, `/screen#pair=${a.pairing.code.replace(/-/g, '')}`);
  assert.equal(a.pairing.valid_hours, 24);
  const left = Date.parse(a.pairing.expires_at) - Date.now();
  assert.ok(left > 23.9 * 3600e3 && left <= 24 * 3600e3 + 2000, `the code lives 24 h: ${a.pairing.expires_at}`);
  // only hashes are stored
  const stored = sql(`SELECT pair_hash FROM display WHERE id = ${a.display.id}`).trim();
  assert.match(stored, /^[0-9a-f]{64}$/);
  assert.ok(!sql('SELECT * FROM display').includes(a.pairing.code.replace(/-/g, '')), 'no code in clear');

  const t = await create('dispatcher', TOWN, '三元里街道指挥中心大屏');
  const c = await create('dispatcher', `${TOWN}001`, '三元里社区网格站大屏');
  const j = await create('jx_dispatcher', JX, '京溪街道指挥中心大屏');
  // a command officer: only inside their town, and only district / town / community
  assertError(assert, await as.post('dispatcher', '/api/v1/displays', { name: 'x', unit: JX }), 404, 'unit.not_found');
  assertError(assert, await as.post('dispatcher', '/api/v1/displays', { name: 'x', unit: DISTRICT }), 404, 'unit.not_found');
  assertError(assert, await as.post('dispatcher', '/api/v1/displays', { name: 'x', unit: GRID }), 400, 'display.bad_unit');
  assertError(assert, await as.post('admin', '/api/v1/displays', { name: 'x', unit: '440111002099' }), 404, 'unit.not_found');
  // nobody else makes displays
  for (const u of ['leader', 'town_leader', 'gridworker']) {
    assertError(assert, await as.post(u, '/api/v1/displays', { name: 'x', unit: TOWN }), 403, 'auth.forbidden');
    assertError(assert, await as.get(u, '/api/v1/displays'), 403, 'auth.forbidden');
  }

  const ids = async (user) => (await as.get(user, '/api/v1/displays')).json.displays.map((d) => d.id);
  const all = await ids('admin');
  for (const d of [a, t, c, j]) assert.ok(all.includes(d.display.id));
  assert.deepEqual(all, [...all].sort((x, y) => y - x), 'newest first');
  const sy = await ids('dispatcher');
  assert.ok(sy.includes(t.display.id) && sy.includes(c.display.id));
  assert.ok(!sy.includes(a.display.id) && !sy.includes(j.display.id), 'not the district\'s, not 京溪\'s');
  const jx = await ids('jx_dispatcher');
  assert.ok(jx.includes(j.display.id) && !jx.includes(t.display.id));
  // the list never shows a code
  const list = await as.get('admin', '/api/v1/displays');
  assert.ok(!list.text.includes(a.pairing.code) && !list.text.includes(a.pairing.code.replace(/-/g, '')));
  assert.ok(!('pairing' in list.json.displays[0]) && !('code' in list.json.displays[0]));
  // pages
  const p1 = await as.get('admin', '/api/v1/displays?limit=2');
  assert.equal(p1.json.displays.length, 2);
  assert.equal(p1.json.next_before, p1.json.displays[1].id);
  const p2 = await as.get('admin', `/api/v1/displays?limit=2&before=${p1.json.next_before}`);
  assert.ok(p2.json.displays.every((d) => d.id < p1.json.next_before));
  const p3 = await as.get('dispatcher', '/api/v1/displays?limit=200');
  assert.equal(p3.json.next_before, null);

  const rows = await audits('display.create');
  assert.ok(rows.some((x) => x.target === `display:${t.display.id}` && x.actor === 'dispatcher' && x.detail === '三元里街道指挥中心大屏'));
});

test('hostile input: names, units, JSON shape, ids, query parameters', async () => {
  const post = (body) => as.post('admin', '/api/v1/displays', body);
  for (const [body, status, code, param] of [
    [{ unit: TOWN }, 400, 'field.missing', 'name'],
    [{ name: '大屏' }, 400, 'field.missing', 'unit'],
    [{ name: 12, unit: TOWN }, 400, 'field.type', 'name'],
    [{ name: ['a'], unit: TOWN }, 400, 'field.type', 'name'],
    [{ name: '大屏', unit: 440111002 }, 400, 'field.type', 'unit'],
    [{ name: '', unit: TOWN }, 400, 'field.invalid', 'name'],
    [{ name: '   ', unit: TOWN }, 400, 'field.invalid', 'name'],
    [{ name: '大屏\n2', unit: TOWN }, 400, 'field.invalid', 'name'],
    [{ name: '大屏\u0007', unit: TOWN }, 400, 'field.invalid', 'name'],
    [{ name: '大屏\u007f', unit: TOWN }, 400, 'field.invalid', 'name'],
    [{ name: '屏'.repeat(41), unit: TOWN }, 400, 'field.too_long', 'name'],
    [{ name: '大屏', unit: '4401' }, 400, 'unit.bad_code', 'unit'],
    [{ name: '大屏', unit: '../../etc' }, 400, 'unit.bad_code', 'unit'],
    [{ name: '大屏', unit: '4'.repeat(40) }, 400, 'field.too_long', 'unit'],
  ]) {
    const r = await post(body);
    assertError(assert, r, status, code);
    assert.equal(r.json.error.param, param, JSON.stringify(body));
  }
  assert.equal((await post({ name: '屏'.repeat(40), unit: TOWN })).status, 201, '40 Chinese characters fit');
  for (const raw of ['', '[]', '"x"', '{"name":', '{"name":"a","name":"b","unit":"440111002"}', 'null']) {
    const r = await srv.request('POST', '/api/v1/displays', { body: raw, raw: true,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await as.token('admin')}` } });
    assert.equal(r.status, 400, `${JSON.stringify(raw)}: ${r.text}`);
    assert.match(r.json.error.code, /^json\./);
  }
  for (const id of ['0', '-1', 'abc', '1e3', '99999999999999999999']) {
    assertError(assert, await as.post('admin', `/api/v1/displays/${id}/revoke`, {}), 400, 'param.invalid');
    assertError(assert, await as.post('admin', `/api/v1/displays/${id}/pairing`, {}), 400, 'param.invalid');
  }
  assertError(assert, await as.post('admin', '/api/v1/displays/987654/revoke', {}), 404, 'display.not_found');
  for (const q of ['limit=0', 'limit=201', 'limit=x', 'before=0', 'before=-5']) {
    assertError(assert, await as.get('admin', `/api/v1/displays?${q}`), 400, 'param.invalid');
  }
  // pairing input
  for (const [body, status, code] of [
    [{}, 400, 'field.missing'], [{ code: 5 }, 400, 'field.type'], [{ code: 'x'.repeat(41) }, 400, 'field.too_long'],
    [{ code: 'ABCD-EFGH-JKM' }, 400, 'display.bad_code'], [{ code: 'ABCD-EFGH-JKMU' }, 400, 'display.bad_code'],
    [{ code: '' }, 400, 'display.bad_code'],
  ]) {
    assertError(assert, await srv.post('/api/v1/displays/pair', body), status, code);
  }
  // unknown codes in the right form: 404 (and counted against the address: see the last test)
  assertError(assert, await pair('0000-0000-0000'), 404, 'display.code_not_found');
});

test('pairing: a forgiving code, used once; the token reads the screen of its unit only', async () => {
  const made = await create('dispatcher', TOWN, '三元里大屏 配对');
  const typed = ` ${made.pairing.code.toLowerCase().replace(/-/g, ' ')} `;
  const r = await pair(typed, { 'user-agent': 'Mozilla/5.0 (wall) \u00e9' });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.token, /^wgd_[A-Za-z0-9_-]{43}$/);
  assert.equal(r.json.display.id, made.display.id);
  assert.deepEqual(r.json.display.unit, { code: TOWN, name: '三元里街道', level: 'town' });
  const life = Date.parse(r.json.display.expires_at) - Date.now();
  assert.ok(Math.abs(life - 90 * 86400e3) < 5000, `90 days: ${r.json.display.expires_at}`);
  assert.equal(r.json.display.idle_days, 14);
  // used once
  assertError(assert, await pair(made.pairing.code), 404, 'display.code_not_found');
  // only the token's hash is stored
  const row = sql(`SELECT token_hash, pair_hash FROM display WHERE id = ${made.display.id}`).trim();
  assert.match(row, /^[0-9a-f]{64}\|$/);
  assert.ok(!sql('SELECT * FROM display').includes(r.json.token.slice(4)));

  const h = bearer(r.json.token);
  const me = await srv.get('/api/v1/displays/me', { headers: h });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.display.name, '三元里大屏 配对');
  // the summary: its town by default, a child of it on request, nothing else
  const s = await srv.get('/api/v1/screen/summary', { headers: h });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.unit.code, TOWN);
  assert.ok(s.json.children.units.every((u) => u.code.startsWith(TOWN)));
  assert.equal((await srv.get(`/api/v1/screen/summary?unit=${TOWN}001&level=grid`, { headers: h })).status, 200);
  for (const u of [DISTRICT, JX, `${JX}001`, '440103001']) {
    assertError(assert, await srv.get(`/api/v1/screen/summary?unit=${u}`, { headers: h }), 404, 'unit.not_found');
  }
  // the map's layers: in its town, names and positions, no phones or stream addresses
  const eq = await as.post('admin', '/api/v1/equipment', { unit: TOWN, kind: 'camera', name: '三元里路口摄像头',
    stream_url: 'rtsp://10.0.0.9/live/cam-8842', note: '密码见值班本', lon: point[0], lat: point[1] });
  assert.equal(eq.status, 201, eq.text);
  const cams = await srv.get(`/api/v1/equipment?unit=${TOWN}&kind=camera`, { headers: h });
  assert.equal(cams.status, 200, cams.text);
  const cam = cams.json.equipment.find((x) => x.name === '三元里路口摄像头');
  assert.ok(cam && Array.isArray(cam.position));
  assert.ok(!cams.text.includes('rtsp://') && !cams.text.includes('cam-8842') && !cams.text.includes('密码'), 'no stream address, no note');
  const vol = await as.post('admin', '/api/v1/forces/volunteers', { unit: `${TOWN}001`, name: '志愿者甲', phone: '13912345678' });
  assert.equal(vol.status, 201, vol.text);
  const f = await srv.get(`/api/v1/forces?unit=${TOWN}&limit=5000`, { headers: h });
  assert.equal(f.status, 200, f.text);
  assert.ok(f.json.forces.length > 10);
  assert.ok(f.json.forces.some((x) => x.name === '志愿者甲'));
  for (const x of f.json.forces) {
    assert.deepEqual(Object.keys(x).filter((k) => !['kind', 'kind_label', 'id', 'name', 'unit', 'status', 'status_label',
      'position', 'position_at', 'stale'].includes(k)), [], `only the map's facts: ${JSON.stringify(x)}`);
  }
  assert.ok(!f.text.includes('13912345678') && !/"phone"/.test(f.text), 'no phone number');
  // staff see the phones as before
  const fs = await as.get('dispatcher', `/api/v1/forces?unit=${TOWN}&limit=5000`);
  assert.ok(fs.json.forces.some((x) => 'phone' in x));
  for (const u of [DISTRICT, JX]) {
    assertError(assert, await srv.get(`/api/v1/forces?unit=${u}`, { headers: h }), 404, 'unit.not_found');
    assertError(assert, await srv.get(`/api/v1/equipment?unit=${u}`, { headers: h }), 404, 'unit.not_found');
  }
  // audit: the pairing, by the display itself
  const rows = await audits('display.pair');
  const mine = rows.find((x) => x.target === `display:${made.display.id}`);
  assert.ok(mine, 'display.pair audited');
  assert.equal(mine.actor, `display:${made.display.id}`);
  assert.equal(mine.role, 'display');
  assert.equal(mine.scope, TOWN);
  assert.ok((await audits('display.pair_failed')).length >= 1);
  // the managers' list shows it in use
  const l = (await as.get('dispatcher', '/api/v1/displays')).json.displays.find((d) => d.id === made.display.id);
  assert.equal(l.status, 'active');
  assert.equal(l.paired_ip, '127.0.0.1');
  // fetch sends é as one Latin-1 byte: not UTF-8, so it is kept as '?'
  assert.equal(l.user_agent, 'Mozilla/5.0 (wall) ?');
  assert.equal(l.pairing_expires_at, null);
});

test('read-only: a display gets 403 on every write and on every read outside the big screen', async () => {
  const d = await paired('dispatcher', TOWN);
  const h = bearer(d.token);
  const ev = await as.report('gridworker', { category: 'csgl.srhj', description: '大屏只读测试', lon: point[0], lat: point[1] });
  const writes = [
    ['POST', '/api/v1/events', { category: 'csgl.srhj', description: 'x', lon: point[0], lat: point[1] }],
    ['POST', `/api/v1/events/${ev.json.id}/steps`, { action: 'supervise', supervision: 1, note: 'x' }],
    ['POST', '/api/v1/displays', { name: 'x', unit: TOWN }],
    ['POST', `/api/v1/displays/${d.id}/revoke`, {}],
    ['POST', `/api/v1/displays/${d.id}/pairing`, {}],
    ['POST', '/api/v1/auth/tokens', { name: 'x', days: 1 }],
    ['POST', '/api/v1/auth/logout', {}],
    ['POST', '/api/v1/auth/password', { old_password: 'a', new_password: 'b' }],
    ['POST', '/api/v1/users', { username: 'x', display_name: 'x', password: 'Wangge@2026xx' }],
    ['POST', '/api/v1/equipment', { unit: TOWN, kind: 'camera', name: 'x' }],
    ['POST', '/api/v1/forces/volunteers', { unit: `${TOWN}001`, name: 'x' }],
    ['POST', '/api/v1/duty/log', { centre: TOWN, kind: 'log', text: 'x' }],
    ['PUT', `/api/v1/duty/centres/${TOWN}/pattern`, { starts_on: '2030-01-01', slots: [] }],
    ['PUT', '/api/v1/event-categories/qt.x', { name: 'x' }],
    ['POST', '/api/v1/photos', 'x'],
  ];
  const reads = ['/api/v1/auth/me', '/api/v1/events', `/api/v1/events/${ev.json.id}`, '/api/v1/events/export?format=csv',
    `/api/v1/units/${TOWN}/staff`, `/api/v1/kpi?unit=${TOWN}&from=2026-01-01&to=2026-02-01`, `/api/v1/duty/now?unit=${TOWN}`,
    `/api/v1/duty/people?centre=${TOWN}`, '/api/v1/users', '/api/v1/audit', '/api/v1/displays', '/api/v1/departments',
    `/api/v1/forces/volunteers?unit=${TOWN}`, `/api/v1/forces/emergency-units?unit=${TOWN}`, '/api/v1/event-categories',
    `/api/v1/forces/nearest?lon=${point[0]}&lat=${point[1]}`, '/api/v1/auth/tokens'];
  for (const [method, path, body] of writes) {
    const r = await srv.request(method, path, { body, headers: h });
    assertError(assert, r, 403, 'auth.forbidden');
    // by the cookie as well (the stream's): refused before anything is done
    const c = await srv.request(method, path, { body, headers: { cookie: `wg_display=${d.token}` } });
    assert.equal(c.status, 403, `${method} ${path} with the cookie: ${c.text}`);
  }
  for (const path of reads) assertError(assert, await srv.get(path, { headers: h }), 403, 'auth.forbidden');
  // nothing was written
  assert.equal(dbNumber(srv.db, `SELECT COUNT(*) FROM event_log WHERE event_id = ${ev.json.id}`), 1);
  assert.equal(sql(`SELECT revoked_at FROM display WHERE id = ${d.id}`).trim(), '');
  // the public reads stay public
  assert.equal((await srv.get(`/api/v1/units/${TOWN}/geojson`, { headers: h })).status, 200);
  // every refusal is in the audit log, by the display
  const denied = (await audits('access.denied')).filter((x) => x.actor === `display:${d.id}`);
  assert.ok(denied.length >= writes.length + reads.length, `${denied.length} denials audited`);
});

test('the stream: a town display sees its town only, without names or notes; revoking ends it at once', async () => {
  const d = await paired('dispatcher', TOWN);
  const h = bearer(d.token);
  const viaCookie = await openStream(srv.url, '/api/v1/screen/stream', { cookie: `wg_display=${d.token}` });
  assert.equal(viaCookie.status, 200);
  const viaBearer = await openStream(srv.url, '/api/v1/stream', h);
  assert.equal(viaBearer.status, 200);
  await viaCookie.waitFor((f) => f.event === 'hello');
  await viaBearer.waitFor((f) => f.event === 'hello');
  // a wall browser that was once logged in keeps a dead session cookie: the
  // display's cookie comes first on the screen's stream
  const both = await openStream(srv.url, '/api/v1/screen/stream', { cookie: `wg_session=${'x'.repeat(43)}; wg_display=${d.token}` });
  assert.equal(both.status, 200, JSON.stringify(both.json));
  both.close();
  // ?unit narrows inside its town; outside is 404 as for a unit that does not exist
  const out = await openStream(srv.url, `/api/v1/stream?unit=${JX}`, h);
  assert.equal(out.status, 404);
  assert.equal(out.json.error.code, 'unit.not_found');

  const other = await as.report('jx_dispatcher', { category: 'csgl.srhj', description: '京溪的事件', lon: jxPoint[0], lat: jxPoint[1], source: 'assigned' });
  const mine = await as.report('gridworker', { category: 'csgl.srhj', description: '三元里的事件 电话13812345678', lon: point[0], lat: point[1] });
  for (const s of [viaCookie, viaBearer]) {
    const f = await s.waitFor((x) => x.event === 'event' && JSON.parse(x.data).event_id === mine.json.id, 8000, 'the town\'s report');
    const row = JSON.parse(f.data);
    assert.equal(row.action, 'report');
    assert.equal(row.grid_code, GRID);
    assert.ok(Number.isFinite(row.event.lon) && Number.isFinite(row.event.lat));
    for (const k of ['actor', 'role', 'note', 'dept_code', 'unit_code']) assert.ok(!(k in row), `no ${k}: ${f.data}`);
    assert.ok(!f.data.includes('13812345678'));
    assert.ok(!s.events().some((e) => e.event_id === other.json.id), 'nothing of 京溪');
  }
  // a staff stream still gets the full rows
  const staff = await openStream(srv.url, '/api/v1/stream', { authorization: `Bearer ${await as.token('dispatcher')}` });
  await staff.waitFor((f) => f.event === 'hello');

  // revoke: both streams hear it and end; every later request is refused
  const t0 = Date.now();
  const r = await as.post('dispatcher', `/api/v1/displays/${d.id}/revoke`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.display.status, 'revoked');
  for (const s of [viaCookie, viaBearer]) {
    await s.waitFor((f) => f.event === 'revoked', 3000, 'event: revoked');
    await until(() => s.ended, 3000, 'the stream to end');
  }
  console.log(`# revoked: streams ended after ${Date.now() - t0} ms`);
  assert.ok(!staff.ended, 'other streams go on');
  staff.close();
  for (const path of ['/api/v1/screen/summary', '/api/v1/displays/me']) {
    const x = await srv.get(path, { headers: h });
    assertError(assert, x, 401, 'display.revoked');
    assert.match(x.json.error.message, /停用/);
  }
  const again = await openStream(srv.url, '/api/v1/screen/stream', { cookie: `wg_display=${d.token}` });
  assert.equal(again.status, 401);
  assert.equal(again.json.error.code, 'display.revoked');
  // twice: 409; a new code for it: 409; another town's officer: 404
  assertError(assert, await as.post('dispatcher', `/api/v1/displays/${d.id}/revoke`, {}), 409, 'display.revoked');
  assertError(assert, await as.post('dispatcher', `/api/v1/displays/${d.id}/pairing`, {}), 409, 'display.revoked');
  const sy = await create('dispatcher', TOWN);
  assertError(assert, await as.post('jx_dispatcher', `/api/v1/displays/${sy.display.id}/revoke`, {}), 404, 'display.not_found');
  assertError(assert, await as.post('jx_dispatcher', `/api/v1/displays/${sy.display.id}/pairing`, {}), 404, 'display.not_found');
  // a revoked display's code cannot be used either
  assert.equal((await as.post('admin', `/api/v1/displays/${sy.display.id}/revoke`, {})).status, 200);
  assertError(assert, await pair(sy.pairing.code), 404, 'display.code_not_found');
  const rows = await audits('display.revoke');
  assert.ok(rows.some((x) => x.target === `display:${d.id}` && x.actor === 'dispatcher'));
  assert.ok(rows.some((x) => x.target === `display:${sy.display.id}` && x.actor === 'admin'));
});

test('pairing anew: the old token works until the new code is used, then stops; the lifetime starts again', async () => {
  const d = await paired('admin', DISTRICT);
  const old = await openStream(srv.url, '/api/v1/screen/stream', { cookie: `wg_display=${d.token}` });
  await old.waitFor((f) => f.event === 'hello');
  sql(`UPDATE display SET expires_at = '${iso(3 * 86400)}' WHERE id = ${d.id}`);   // 3 days left
  const r = await as.post('admin', `/api/v1/displays/${d.id}/pairing`, {});
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.pairing.code, /^.{4}-.{4}-.{4}$/);
  assert.equal(r.json.display.status, 'active');
  assert.ok(r.json.display.pairing_expires_at);
  assert.equal((await srv.get('/api/v1/screen/summary', { headers: bearer(d.token) })).status, 200, 'still works');
  const p = await pair(r.json.pairing.code);
  assert.equal(p.status, 200, p.text);
  assert.notEqual(p.json.token, d.token);
  assert.ok(Date.parse(p.json.display.expires_at) - Date.now() > 89 * 86400e3, 'another 90 days');
  // the old screen stops (its stream too), the new one works
  await old.waitFor((f) => f.event === 'revoked', 3000, 'the old stream to end');
  assertError(assert, await srv.get('/api/v1/screen/summary', { headers: bearer(d.token) }), 401, 'auth.invalid');
  const fresh = await openStream(srv.url, '/api/v1/screen/stream', { cookie: `wg_display=${p.json.token}` });
  assert.equal(fresh.status, 200);
  await fresh.waitFor((f) => f.event === 'hello');
  await sleep(300);
  assert.ok(!fresh.ended, 'the new pairing\'s stream is not ended by the old one\'s notice');
  fresh.close();
  assert.equal((await srv.get('/api/v1/screen/summary', { headers: bearer(p.json.token) })).status, 200);
  assert.ok((await audits('display.pairing')).some((x) => x.target === `display:${d.id}`));
});

test('lifetimes: the code 24 h, the token 90 days absolute and 14 days idle; polling keeps it alive', async () => {
  // a code past its 24 h
  const c = await create('admin', DISTRICT);
  sql(`UPDATE display SET pair_expires_at = '${iso(-1)}' WHERE id = ${c.display.id}`);
  assertError(assert, await pair(c.pairing.code), 404, 'display.code_not_found');
  assert.equal((await as.get('admin', '/api/v1/displays')).json.displays.find((x) => x.id === c.display.id).status, 'unpaired');

  // absolute
  const a = await paired('admin', DISTRICT);
  sql(`UPDATE display SET expires_at = '${iso(-1)}' WHERE id = ${a.id}`);
  const x = await srv.get('/api/v1/screen/summary', { headers: bearer(a.token) });
  assertError(assert, x, 401, 'auth.expired');
  assert.match(x.json.error.message, /过期/);
  assert.equal((await as.get('admin', '/api/v1/displays')).json.displays.find((y) => y.id === a.id).status, 'expired');

  // idle: 13 days quiet is fine and the request counts as seen; 14 days is too long
  const b = await paired('admin', DISTRICT);
  sql(`UPDATE display SET last_seen_at = '${iso(-13 * 86400)}' WHERE id = ${b.id}`);
  assert.equal((await srv.get('/api/v1/screen/summary', { headers: bearer(b.token) })).status, 200);
  const seen = Date.parse(sql(`SELECT last_seen_at FROM display WHERE id = ${b.id}`).trim());
  assert.ok(Date.now() - seen < 60e3, 'last seen now');
  sql(`UPDATE display SET last_seen_at = '${iso(-14 * 86400 - 5)}' WHERE id = ${b.id}`);
  assertError(assert, await srv.get('/api/v1/screen/summary', { headers: bearer(b.token) }), 401, 'auth.expired');

  // no idle expiry for a screen that keeps polling: a day of 30 s polls
  // moves last_seen_at along (at most one write a minute)
  const p = await paired('admin', DISTRICT);
  sql(`UPDATE display SET last_seen_at = '${iso(-90)}' WHERE id = ${p.id}`);
  assert.equal((await srv.get('/api/v1/displays/me', { headers: bearer(p.token) })).status, 200);
  const t1 = sql(`SELECT last_seen_at FROM display WHERE id = ${p.id}`).trim();
  assert.equal((await srv.get('/api/v1/displays/me', { headers: bearer(p.token) })).status, 200);
  assert.equal(sql(`SELECT last_seen_at FROM display WHERE id = ${p.id}`).trim(), t1, 'not rewritten within the minute');

  // forged, truncated, other-prefixed tokens
  for (const t of [`wgd_${'A'.repeat(43)}`, p.token.slice(0, 30), p.token.replace(/^wgd_/, 'wgt_'), `${p.token}x`]) {
    assertError(assert, await srv.get('/api/v1/screen/summary', { headers: bearer(t) }), 401, 'auth.invalid');
  }
});

test('limits: 50 live displays per unit; pairing from another site refused', async () => {
  const unit = `${TOWN}002`;
  for (let i = 0; i < 50; i++) await create('dispatcher', unit, `限额大屏 ${i}`);
  assertError(assert, await as.post('dispatcher', '/api/v1/displays', { name: '第51块', unit }), 409, 'display.too_many');
  const list = (await as.get('dispatcher', '/api/v1/displays?limit=200')).json.displays.filter((x) => x.unit.code === unit);
  assert.equal((await as.post('dispatcher', `/api/v1/displays/${list[0].id}/revoke`, {})).status, 200);
  assert.equal((await as.post('dispatcher', '/api/v1/displays', { name: '第51块', unit })).status, 201, 'a revoked one frees a place');

  const c = await create('admin', DISTRICT);
  assertError(assert, await pair(c.pairing.code, { 'sec-fetch-site': 'cross-site' }), 403, 'auth.csrf');
  assert.equal((await pair(c.pairing.code, { 'sec-fetch-site': 'same-origin' })).status, 200);
});

test('on PostgreSQL: revoking on one instance ends the display\'s stream on another', { skip: !PG && 'one instance per SQLite file' }, async () => {
  const other = await startServer({ db: srv.db, args: ['--config', config('[stream]\npoll_ms = 100\n')] });
  try {
    const d = await paired('dispatcher', TOWN);
    const s = await openStream(other.url, '/api/v1/screen/stream', { cookie: `wg_display=${d.token}` });
    assert.equal(s.status, 200);
    await s.waitFor((f) => f.event === 'hello');
    assert.equal((await as.post('dispatcher', `/api/v1/displays/${d.id}/revoke`, {})).status, 200);
    await s.waitFor((f) => f.event === 'revoked', 5000, 'the revoked frame on the other instance');
    await until(() => s.ended, 3000, 'the stream to end');
  } finally {
    assert.equal(await other.stop(), 0, other.stderr.slice(-2000));
  }
});

// last: it locks pairing from this address for a while
test('from the server shell: `wangge display list` and `revoke ID`, audited as cli:<login>', async () => {
  const d = await paired('admin', DISTRICT);
  assert.equal((await srv.get('/api/v1/displays/me', { headers: bearer(d.token) })).status, 200);
  const list = wangge(['display', 'list', '--db', srv.db]);
  assert.equal(list.status, 0, list.stderr);
  const row = list.stdout.split('\n').find((l) => l.startsWith(`${d.id}\t`));
  assert.ok(row, list.stdout);
  assert.equal(row.split('\t')[1], DISTRICT);
  assert.equal(row.split('\t')[3], 'active');

  // on PostgreSQL the server hears of it at once: the display's open stream ends
  const s = PG ? await openStream(srv.url, '/api/v1/screen/stream', { cookie: `wg_display=${d.token}` }) : null;
  if (s) await s.waitFor((f) => f.event === 'hello');
  const r = wangge(['display', 'revoke', String(d.id), '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  if (s) await s.waitFor((f) => f.event === 'revoked', 5000, 'event: revoked');
  assert.match(r.stdout, new RegExp(`display ${d.id} .*revoked`));
  assertError(assert, await srv.get('/api/v1/displays/me', { headers: bearer(d.token) }), 401, 'display.revoked');
  assert.equal(dbNumber(srv.db, `SELECT COUNT(*) FROM audit WHERE action = 'display.revoke' AND target = 'display:${d.id}' AND actor LIKE 'cli:%'`), 1);

  const again = wangge(['display', 'revoke', String(d.id), '--db', srv.db]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /display\.revoked/);
  assert.equal(wangge(['display', 'revoke', 'x', '--db', srv.db]).status, 1, 'a usage error');
  assert.equal(wangge(['display', 'revoke', '999999', '--db', srv.db]).status, 2, 'no such display');
});


test('guessing codes is throttled per address: 429 with Retry-After, audited', async () => {
  const c = await create('admin', DISTRICT);
  let locked = null;
  for (let i = 0; i < 20 && !locked; i++) {
    const r = await pair(`ZZZZ-ZZZZ-${String(i).padStart(4, '0')}`);
    if (r.status === 429) locked = r;
    else assertError(assert, r, 404, 'display.code_not_found');
  }
  assert.ok(locked, 'locked after at most 20 wrong codes');
  assertError(assert, locked, 429, 'auth.locked');
  assert.ok(Number(locked.headers.get('retry-after')) > 0);
  // while locked, even the right code waits: guessing cannot go on
  assertError(assert, await pair(c.pairing.code), 429, 'auth.locked');
  assert.ok((await audits('display.pair_failed')).some((x) => x.detail === 'auth.locked'));
  // log-ins are not locked by it
  const l = await srv.post('/api/v1/auth/login', { username: 'leader', password: 'Wangge@2026', kind: 'app' });
  assert.equal(l.status, 200, l.text);
});
