// The command centres' duty rota (值班安排): who is on duty now, calendars,
// gaps, pattern changes, exceptions, swaps and the shift log, on the demo
// district, with hostile input and other towns' data. docs/command-centre.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib/harness.mjs';

const PW = 'Wangge@2026';
const TOWN = '440111002';                        // 三元里街道
const OTHER_TOWN = '440111010';                  // 京溪街道
const GRID = '4401110020010101';
let srv;
const tok = {};

const auth = (u) => ({ headers: { authorization: `Bearer ${tok[u]}` } });
const get = (u, path) => srv.get(path, auth(u));
const post = (u, path, body) => srv.post(path, body, auth(u));
const put = (u, path, body) => srv.request('PUT', path, { body, ...auth(u) });
const del = (u, path) => srv.request('DELETE', path, auth(u));

/** The current duty date in China Standard Time (yesterday before 08:00). */
function dutyDay(offset = 0) {
  const local = new Date(Date.now() + 8 * 3600e3);
  if (local.getUTCHours() < 8) local.setUTCDate(local.getUTCDate() - 1);
  local.setUTCDate(local.getUTCDate() + offset);
  return local.toISOString().slice(0, 10);
}

async function login(username) {
  const r = await srv.post('/api/v1/auth/login', { username, password: PW, kind: 'app' });
  assert.equal(r.status, 200, r.text);
  tok[username] = r.json.token;
}

let people;                                      // person ids on the staff of 三元里
let me;                                          // the grid worker's person id

before(async () => {
  srv = await startServer({ demo: true });
  for (const u of ['admin', 'command', 'dispatcher', 'gridworker', 'station', 'leader', 'resident']) await login(u);
  // a dispatcher of 京溪街道
  const r = await post('admin', '/api/v1/users', {
    username: 'jx_dispatcher', display_name: '京溪调度员', password: PW, must_change_password: false,
    grants: [{ role: 'command', scope: OTHER_TOWN }],
  });
  assert.equal(r.status, 201, r.text);
  await login('jx_dispatcher');
  const staff = await get('dispatcher', `/api/v1/units/${TOWN}/staff`);
  assert.equal(staff.status, 200, staff.text);
  people = staff.json.staff.map((s) => s.person_id);
  assert.ok(people.length >= 5);
  const mine = await get('gridworker', `/api/v1/units/${GRID}/staff`);
  me = mine.json.staff.find((s) => s.role === 'grid_worker').person_id;
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

test('who is on duty now: the town centre of a grid, in the demo rota', async () => {
  const r = await get('gridworker', `/api/v1/duty/now?unit=${GRID}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.centre.code, TOWN);
  assert.equal(r.json.on_duty, true);
  assert.equal(r.json.fallback, false);
  assert.ok(r.json.shift.leaders.length >= 1, 'a leader on duty');
  assert.ok(['day', 'night', 'full'].includes(r.json.shift.shift));
  assert.ok(Date.parse(r.json.shift.start) <= Date.now() && Date.now() < Date.parse(r.json.shift.end));
  // the district's own centre (day and night shifts)
  const d = await get('command', '/api/v1/duty/now?unit=440111');
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.centre.code, '440111');
  assert.ok(['day', 'night'].includes(d.json.shift.shift));
});

test('duty now: scope, bad and missing units', async () => {
  assertError(assert, await get('gridworker', '/api/v1/duty/now?unit=440111010001'), 404, 'unit.not_found');
  assertError(assert, await get('gridworker', '/api/v1/duty/now?unit=44011100x'), 400, 'unit.bad_code');
  assertError(assert, await get('gridworker', '/api/v1/duty/now'), 400, 'param.missing');
  assertError(assert, await get('gridworker', '/api/v1/duty/now?unit=440111002099'), 404, 'unit.not_found');
  assertError(assert, await get('resident', `/api/v1/duty/now?unit=${TOWN}`), 403, 'auth.forbidden');
  assertError(assert, await srv.get(`/api/v1/duty/now?unit=${TOWN}`), 401, 'auth.required');
  // upwards is allowed (the district centre), sideways is not
  assert.equal((await get('gridworker', '/api/v1/duty/now?unit=440111')).status, 200);
  assertError(assert, await get('jx_dispatcher', `/api/v1/duty/now?unit=${TOWN}`), 404, 'unit.not_found');
});

test('calendar: a week of resolved shifts; ranges and centres checked', async () => {
  const r = await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=${dutyDay()}&to=${dutyDay(6)}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.days.length, 7);
  for (const d of r.json.days) {
    assert.ok(d.weekday >= 1 && d.weekday <= 7);
    for (const s of d.shifts) assert.ok(s.leaders.every((p) => p.id > 0 && p.name));
  }
  assertError(assert, await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=2026-01-01&to=2026-06-01`), 400, 'param.invalid');
  assertError(assert, await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=2026-02-30`), 400, 'param.invalid');
  assertError(assert, await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=${dutyDay(3)}&to=${dutyDay(1)}`), 400, 'param.invalid');
  assertError(assert, await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}001`), 400, 'duty.not_centre');
  assertError(assert, await get('dispatcher', `/api/v1/duty/calendar?centre=${OTHER_TOWN}`), 404, 'unit.not_found');
  assertError(assert, await get('dispatcher', '/api/v1/duty/calendar'), 400, 'param.missing');
});

test('the pattern: replace, read back, resolve now and in the calendar', async () => {
  const [a, b, c] = people;
  const slots = [1, 2, 3, 4, 5, 6, 7].map((wd) => ({ weekday: wd, shift: 'full', leaders: [a], officers: [b, me] }));
  const r = await put('dispatcher', `/api/v1/duty/centres/${TOWN}/pattern`, { starts_on: dutyDay(), slots });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rows, 21);
  const now = await get('gridworker', `/api/v1/duty/now?unit=${GRID}`);
  assert.equal(now.json.shift.shift, 'full');
  assert.deepEqual(now.json.shift.leaders.map((p) => p.id), [a]);
  assert.deepEqual(now.json.shift.officers.map((p) => p.id), [b, me]);
  const cal = await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=${dutyDay()}&to=${dutyDay(13)}`);
  for (const d of cal.json.days) {
    assert.equal(d.shifts.length, 1);
    assert.deepEqual(d.shifts[0].leaders.map((p) => p.id), [a]);
  }
  const pat = await get('dispatcher', `/api/v1/duty/centres/${TOWN}/pattern`);
  assert.equal(pat.status, 200, pat.text);
  assert.equal(pat.json.rows.filter((x) => x.starts_on === dutyDay()).length, 21);
  // the town's leader may read it, the other town's dispatcher may not
  assert.equal((await get('leader', `/api/v1/duty/centres/${TOWN}/pattern`)).status, 200);
  assertError(assert, await get('jx_dispatcher', `/api/v1/duty/centres/${TOWN}/pattern`), 404, 'unit.not_found');
  assertError(assert, await put('jx_dispatcher', `/api/v1/duty/centres/${TOWN}/pattern`, { slots }), 404, 'unit.not_found');
  assertError(assert, await put('station', `/api/v1/duty/centres/${TOWN}/pattern`, { slots }), 403, 'auth.forbidden');
  // no gap in the next week
  const gaps = await get('dispatcher', `/api/v1/duty/gaps?unit=${TOWN}&days=7`);
  assert.equal(gaps.status, 200, gaps.text);
  assert.deepEqual(gaps.json.gaps, []);
  void c;
});

test('the pattern: hostile bodies are refused and nothing is half-written', async () => {
  const before = await get('dispatcher', `/api/v1/duty/centres/${TOWN}/pattern`);
  const url = `/api/v1/duty/centres/${TOWN}/pattern`;
  const ok = { weekday: 1, shift: 'day', leaders: [people[0]], officers: [] };
  const cases = [
    [{ slots: [{ ...ok, weekday: 8 }] }, 400, 'field.range'],
    [{ slots: [{ ...ok, shift: 'evening' }] }, 400, 'field.invalid'],
    [{ slots: [ok, ok] }, 400, 'duty.duplicate_slot'],
    [{ slots: [ok, { ...ok, shift: 'full' }] }, 400, 'duty.overlap'],
    [{ slots: [{ ...ok, officers: [people[0]] }] }, 400, 'duty.duplicate_person'],
    [{ slots: [{ ...ok, leaders: [99999999] }] }, 400, 'duty.unknown_person'],
    [{ slots: [{ ...ok, leaders: ['1'] }] }, 400, 'field.type'],
    [{ slots: [{ ...ok, leaders: Array.from({ length: 17 }, (_, i) => i + 1) }] }, 413, 'field.too_many'],
    [{ slots: [{ ...ok, colour: 'red' }] }, 400, 'field.unknown'],
    [{ slots: 'all week' }, 400, 'field.type'],
    [{ slots: Array.from({ length: 22 }, () => ok) }, 413, 'field.too_many'],
    [{ starts_on: '2020-01-01', slots: [ok] }, 400, 'duty.past'],
    [{ starts_on: '2099-01-01', slots: [ok] }, 400, 'duty.too_far'],
    [{ starts_on: 'tomorrow', slots: [ok] }, 400, 'field.invalid'],
    [{}, 400, 'field.missing'],
    [[], 400, 'json.not_object'],
  ];
  for (const [body, status, code] of cases) {
    assertError(assert, await put('dispatcher', url, body), status, code);
  }
  assertError(assert, await srv.request('PUT', url, { body: '{"slots": [', raw: true, ...auth('dispatcher') }), 400, 'json.malformed');
  const afterwards = await get('dispatcher', `/api/v1/duty/centres/${TOWN}/pattern`);
  assert.deepEqual(afterwards.json, before.json, 'no failed request changed the pattern');
});

test('exceptions: remove, add, clear (a gap), delete; other centres are not found', async () => {
  const [a, , , d] = people;
  const day = dutyDay(2);
  const ex = (body) => post('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions`, { date: day, shift: 'full', ...body });
  const shiftOn = async (date) => {
    const c = await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=${date}&to=${date}`);
    return c.json.days[0].shifts.find((s) => s.shift === 'full');
  };
  const rm = await ex({ action: 'remove', person_id: a });
  assert.equal(rm.status, 201, rm.text);
  const add = await ex({ action: 'add', role: 'leader', person_id: d, note: '代班' });
  assert.equal(add.status, 201, add.text);
  let s = await shiftOn(day);
  assert.deepEqual(s.leaders.map((p) => p.id), [d]);
  assert.equal(s.leaders[0].by_exception, true);
  // delete the add and the remove: back to the pattern
  assert.equal((await del('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions/${add.json.id}`)).status, 200);
  assert.equal((await del('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions/${rm.json.id}`)).status, 200);
  s = await shiftOn(day);
  assert.deepEqual(s.leaders.map((p) => p.id), [a]);
  assertError(assert, await del('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions/${rm.json.id}`), 404, 'duty.exception_not_found');
  // a cleared shift is a gap, flagged in advance
  const clear = await ex({ action: 'clear', date: dutyDay(3) });
  assert.equal(clear.status, 201, clear.text);
  const gaps = await get('dispatcher', `/api/v1/duty/gaps?unit=${TOWN}&days=7`);
  assert.deepEqual(gaps.json.gaps.map((g) => [g.centre, g.date, g.shift, g.reason]), [[TOWN, dutyDay(3), 'full', 'empty']]);
  // the district's view lists it too
  const all = await get('command', '/api/v1/duty/gaps?unit=440111&days=7');
  assert.ok(all.json.gaps.some((g) => g.centre === TOWN && g.date === dutyDay(3)));
  assertError(assert, await get('dispatcher', '/api/v1/duty/gaps?unit=440111002&days=32'), 400, 'param.invalid');
  // 京溪's dispatcher can neither see nor delete 三元里's exception (not even through its own centre)
  assertError(assert, await del('jx_dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions/${clear.json.id}`), 404, 'unit.not_found');
  assertError(assert, await del('jx_dispatcher', `/api/v1/duty/centres/${OTHER_TOWN}/exceptions/${clear.json.id}`), 404, 'duty.exception_not_found');
  assert.equal((await del('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions/${clear.json.id}`)).status, 200);
  // hostile
  for (const [body, code] of [[{ action: 'add', person_id: a }, 'field.invalid'], [{ action: 'remove' }, 'field.missing'],
                              [{ action: 'shuffle', person_id: a }, 'field.invalid'], [{ action: 'add', role: 'boss', person_id: a }, 'field.invalid'],
                              [{ action: 'clear', date: '2020-01-01' }, 'duty.past'], [{ action: 'clear', extra: 1 }, 'field.unknown'],
                              [{ action: 'remove', person_id: -4 }, 'field.range']]) {
    assertError(assert, await ex(body), 400, code);
  }
});

test('swaps: asked by the officer, approved by command, resolved in the calendar', async () => {
  const [, b, , , e] = people;
  const day = dutyDay(4);
  const body = { centre: TOWN, date: day, shift: 'full', to_person_id: e, reason: '家中有事' };
  const r = await post('gridworker', '/api/v1/duty/swaps', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.swap.status, 'pending');
  assert.equal(r.json.swap.from.id, me);
  assertError(assert, await post('gridworker', '/api/v1/duty/swaps', body), 409, 'duty.swap_pending');
  // not theirs to give; not on that shift; a shift of the past
  assertError(assert, await post('gridworker', '/api/v1/duty/swaps', { ...body, from_person_id: b }), 403, 'duty.not_yours');
  assertError(assert, await post('gridworker', '/api/v1/duty/swaps', { ...body, to_person_id: b, from_person_id: undefined, date: dutyDay(5), shift: 'day' }), 409, 'duty.not_on_duty');
  assertError(assert, await post('gridworker', '/api/v1/duty/swaps', { ...body, date: '2020-01-01' }), 400, 'duty.past');
  assertError(assert, await post('gridworker', '/api/v1/duty/swaps', { ...body, to_person_id: me }), 400, 'field.invalid');
  assertError(assert, await post('gridworker', '/api/v1/duty/swaps', { ...body, back_shift: 'day' }), 400, 'field.missing');
  // only command decides, and only over its own centre
  assertError(assert, await post('gridworker', `/api/v1/duty/swaps/${r.json.swap.id}/decision`, { approve: true }), 403, 'auth.forbidden');
  assertError(assert, await post('jx_dispatcher', `/api/v1/duty/swaps/${r.json.swap.id}/decision`, { approve: true }), 404, 'duty.swap_not_found');
  assertError(assert, await post('dispatcher', `/api/v1/duty/swaps/${r.json.swap.id}/decision`, { approve: 'yes' }), 400, 'field.type');
  const ok = await post('dispatcher', `/api/v1/duty/swaps/${r.json.swap.id}/decision`, { approve: true, note: '同意' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.swap.status, 'approved');
  assertError(assert, await post('dispatcher', `/api/v1/duty/swaps/${r.json.swap.id}/decision`, { approve: false }), 409, 'duty.swap_decided');
  const cal = await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=${day}&to=${day}`);
  const officers = cal.json.days[0].shifts[0].officers;
  assert.deepEqual(officers.map((p) => p.id), [b, e]);
  assert.equal(officers[1].swap_id, r.json.swap.id);
  const list = await get('dispatcher', `/api/v1/duty/swaps?centre=${TOWN}&status=approved`);
  assert.ok(list.json.swaps.some((s) => s.id === r.json.swap.id));
  assertError(assert, await get('dispatcher', `/api/v1/duty/swaps?centre=${TOWN}&status=maybe`), 400, 'param.invalid');
});

test('an exchange with a return leg, and a stale approval', async () => {
  const [, b, , , e] = people;
  // on day+6 e works in the grid worker's place, so that they can exchange
  const off = await post('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions`, { date: dutyDay(6), shift: 'full', action: 'remove', person_id: me });
  assert.equal(off.status, 201, off.text);
  const add = await post('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions`, { date: dutyDay(6), shift: 'full', action: 'add', role: 'officer', person_id: e });
  assert.equal(add.status, 201, add.text);
  const r = await post('gridworker', '/api/v1/duty/swaps', { centre: TOWN, date: dutyDay(5), shift: 'full', to_person_id: e, back_date: dutyDay(6), back_shift: 'full' });
  assert.equal(r.status, 201, r.text);
  assert.equal((await post('dispatcher', `/api/v1/duty/swaps/${r.json.swap.id}/decision`, { approve: true })).status, 200);
  const cal = await get('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=${dutyDay(5)}&to=${dutyDay(6)}`);
  assert.deepEqual(cal.json.days[0].shifts[0].officers.map((p) => p.id), [b, e]);
  assert.deepEqual(cal.json.days[1].shifts[0].officers.map((p) => p.id), [b, me]);
  // a pending swap whose giver was taken off meanwhile cannot be approved
  const p = await post('gridworker', '/api/v1/duty/swaps', { centre: TOWN, date: dutyDay(7), shift: 'full', to_person_id: e });
  assert.equal(p.status, 201, p.text);
  const rm = await post('dispatcher', `/api/v1/duty/centres/${TOWN}/exceptions`, { date: dutyDay(7), shift: 'full', action: 'remove', person_id: me });
  assert.equal(rm.status, 201);
  assertError(assert, await post('dispatcher', `/api/v1/duty/swaps/${p.json.swap.id}/decision`, { approve: true }), 409, 'duty.swap_stale');
  const rej = await post('dispatcher', `/api/v1/duty/swaps/${p.json.swap.id}/decision`, { approve: false });
  assert.equal(rej.json.swap.status, 'rejected');
});

test('the shift log: by the people on the shift or command; read by staff in scope', async () => {
  const w = await post('gridworker', '/api/v1/duty/log', { centre: TOWN, kind: 'log', text: '09:00 巡查辖区，无异常。' });
  assert.equal(w.status, 201, w.text);
  const h = await post('dispatcher', '/api/v1/duty/log', { centre: TOWN, kind: 'handover', text: '交班：事件2宗在办。' });
  assert.equal(h.status, 201, h.text);
  assertError(assert, await post('station', '/api/v1/duty/log', { centre: TOWN, kind: 'log', text: '我不在班' }), 403, 'duty.not_on_shift');
  assertError(assert, await post('dispatcher', '/api/v1/duty/log', { centre: TOWN, kind: 'diary', text: 'x' }), 400, 'field.invalid');
  assertError(assert, await post('dispatcher', '/api/v1/duty/log', { centre: TOWN, kind: 'log', text: 'x'.repeat(4001) }), 400, 'field.too_long');
  assertError(assert, await post('dispatcher', '/api/v1/duty/log', { centre: TOWN, kind: 'log', text: '' }), 400, 'field.invalid');
  assertError(assert, await post('dispatcher', '/api/v1/duty/log', { centre: TOWN, kind: 'log', text: 'x', date: dutyDay(1) }), 400, 'duty.log_window');
  assertError(assert, await post('jx_dispatcher', '/api/v1/duty/log', { centre: TOWN, kind: 'log', text: 'x' }), 404, 'unit.not_found');
  const list = await get('station', `/api/v1/duty/log?centre=${TOWN}`);
  assert.equal(list.status, 200, list.text);
  const ids = list.json.entries.map((x) => x.id);
  assert.ok(ids.includes(w.json.id) && ids.includes(h.json.id));
  assert.ok(list.json.entries.some((x) => x.kind === 'handover'));
});

test('every change is in the audit log', async () => {
  const r = await get('admin', '/api/v1/audit?limit=200');
  assert.equal(r.status, 200, r.text);
  const actions = new Set(r.json.rows.map((x) => x.action));
  for (const a of ['duty.pattern_set', 'duty.exception_add', 'duty.exception_delete', 'duty.swap_request', 'duty.swap_decide', 'duty.log_add']) {
    assert.ok(actions.has(a), `audit has ${a}`);
  }
});
