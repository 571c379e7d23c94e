// The two reads the duty page needs besides the rota: the people of a
// centre to pick from (GET /api/v1/duty/people) and the dated exceptions
// with their ids (GET /api/v1/duty/exceptions). docs/api.md, "Command
// centres: duty rota".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib/harness.mjs';

const PW = 'Wangge@2026';
const TOWN = '440111002';                        // 三元里街道
const OTHER_TOWN = '440111010';                  // 京溪街道
let srv;
const tok = {};

const auth = (u) => ({ headers: { authorization: `Bearer ${tok[u]}` } });
const get = (u, path) => srv.get(path, auth(u));
const post = (u, path, body) => srv.post(path, body, auth(u));
const del = (u, path) => srv.request('DELETE', path, auth(u));

/** The current duty date in China Standard Time (yesterday before 08:00). */
function dutyDay(offset = 0) {
  const local = new Date(Date.now() + 8 * 3600e3);
  if (local.getUTCHours() < 8) local.setUTCDate(local.getUTCDate() - 1);
  local.setUTCDate(local.getUTCDate() + offset);
  return local.toISOString().slice(0, 10);
}

before(async () => {
  srv = await startServer({ demo: true });
  for (const u of ['admin', 'dispatcher', 'station', 'gridworker', 'chengguan', 'resident']) {
    const r = await srv.post('/api/v1/auth/login', { username: u, password: PW, kind: 'app' });
    assert.equal(r.status, 200, r.text);
    tok[u] = r.json.token;
  }
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

test('people of a town centre: the rota, its leadership group and station heads, and me', async () => {
  const r = await get('station', `/api/v1/duty/people?centre=${TOWN}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.centre, TOWN);
  assert.equal(r.json.name, '三元里街道');
  const me = r.json.people.find((p) => p.id === r.json.me);
  assert.ok(me, 'the station head is linked to a staff record on the list');
  assert.equal(me.rota, 'officer', 'the demo puts station heads on the rota as officers');
  assert.ok(me.posts.some((p) => p.role === 'station_head' && p.unit.startsWith(TOWN)));
  assert.ok(r.json.people.some((p) => p.rota === 'leader' && p.posts.some((x) => x.role === 'leader_group')));
  const ids = r.json.people.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'each person once');
  // the same list as the calendar: everybody on next week's shifts is on it
  const cal = await get('station', `/api/v1/duty/calendar?centre=${TOWN}`);
  for (const d of cal.json.days) for (const s of d.shifts)
    for (const p of [...s.leaders, ...s.officers]) assert.ok(ids.includes(p.id), `${p.name} on the list`);
});

test('people: the district centre for town staff and departments; scope and bad input', async () => {
  const d = await get('dispatcher', '/api/v1/duty/people?centre=440111');
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.me, null, 'the dispatcher has no staff record');
  assert.ok(d.json.people.length >= 10);
  assert.equal((await get('chengguan', '/api/v1/duty/people?centre=440111')).status, 200);
  assertError(assert, await get('gridworker', `/api/v1/duty/people?centre=${OTHER_TOWN}`), 404, 'unit.not_found');
  assertError(assert, await get('dispatcher', `/api/v1/duty/people?centre=${TOWN}001`), 400, 'duty.not_centre');
  assertError(assert, await get('dispatcher', '/api/v1/duty/people'), 400, 'param.missing');
  assertError(assert, await get('dispatcher', '/api/v1/duty/people?centre=44011100x'), 400, 'unit.bad_code');
  assertError(assert, await get('resident', `/api/v1/duty/people?centre=${TOWN}`), 403, 'auth.forbidden');
  assertError(assert, await srv.get(`/api/v1/duty/people?centre=${TOWN}`), 401, 'auth.required');
});

test('exceptions: listed with ids, notes and people; deleted ones vanish', async () => {
  const people = (await get('dispatcher', `/api/v1/duty/people?centre=${TOWN}`)).json.people;
  const cal = await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=${dutyDay(3)}&to=${dutyDay(3)}`);
  const shift = cal.json.days[0].shifts[0];
  const on = new Set([...shift.leaders, ...shift.officers].map((p) => p.id));
  const extra = people.find((p) => !on.has(p.id));
  const add = await post('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions`,
    { date: dutyDay(3), shift: shift.shift, action: 'add', role: 'officer', person_id: extra.id, note: '<b>加派</b>' });
  assert.equal(add.status, 201, add.text);
  const clear = await post('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions`,
    { date: dutyDay(4), shift: shift.shift, action: 'clear' });
  assert.equal(clear.status, 201, clear.text);

  const r = await get('station', `/api/v1/duty/exceptions?centre=${TOWN}&from=${dutyDay(0)}&to=${dutyDay(30)}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.from, dutyDay(0));
  const a = r.json.exceptions.find((x) => x.id === add.json.id);
  assert.deepEqual({ date: a.date, shift: a.shift, action: a.action, role: a.role, person: a.person, note: a.note },
    { date: dutyDay(3), shift: shift.shift, action: 'add', role: 'officer', person: { id: extra.id, name: extra.name }, note: '<b>加派</b>' });
  const c = r.json.exceptions.find((x) => x.id === clear.json.id);
  assert.equal(c.action, 'clear');
  assert.equal(c.person, null);
  assert.equal(c.role, null);
  // default range: the current duty date and six more
  const def = await get('station', `/api/v1/duty/exceptions?centre=${TOWN}`);
  assert.equal(def.json.to, dutyDay(6));
  assert.ok(def.json.exceptions.some((x) => x.id === add.json.id));

  assert.equal((await del('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions/${clear.json.id}`)).status, 200);
  const after2 = await get('station', `/api/v1/duty/exceptions?centre=${TOWN}&from=${dutyDay(0)}&to=${dutyDay(30)}`);
  assert.ok(!after2.json.exceptions.some((x) => x.id === clear.json.id));
});

test('exceptions: range, dates and scope', async () => {
  assertError(assert, await get('dispatcher', `/api/v1/duty/exceptions?centre=${TOWN}&from=${dutyDay(0)}&to=${dutyDay(62)}`), 400, 'param.invalid');
  assertError(assert, await get('dispatcher', `/api/v1/duty/exceptions?centre=${TOWN}&from=${dutyDay(5)}&to=${dutyDay(4)}`), 400, 'param.invalid');
  assertError(assert, await get('dispatcher', `/api/v1/duty/exceptions?centre=${TOWN}&from=2026-13-01`), 400, 'param.invalid');
  assertError(assert, await get('dispatcher', `/api/v1/duty/exceptions?centre=${OTHER_TOWN}`), 404, 'unit.not_found');
  assertError(assert, await get('dispatcher', '/api/v1/duty/exceptions'), 400, 'param.missing');
  assert.equal((await get('dispatcher', `/api/v1/duty/exceptions?centre=440111&from=${dutyDay(0)}&to=${dutyDay(61)}`)).status, 200);
});
