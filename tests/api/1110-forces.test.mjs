// Forces and dispatch equipment of the command centres: a grid worker
// reports their own position, lists and nearest-available searches in
// scope, emergency units, volunteers and equipment CRUD, hostile input and
// other towns' data. docs/command-centre.md.
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

async function login(username) {
  const r = await srv.post('/api/v1/auth/login', { username, password: PW, kind: 'app' });
  assert.equal(r.status, 200, r.text);
  tok[username] = r.json.token;
}

let point;                                       // [lon, lat] inside GRID

before(async () => {
  srv = await startServer({ demo: true });
  for (const u of ['admin', 'command', 'dispatcher', 'gridworker', 'gridleader', 'station', 'leader', 'resident', 'chengguan']) await login(u);
  const r = await post('admin', '/api/v1/users', {
    username: 'jx_dispatcher', display_name: '京溪调度员', password: PW, must_change_password: false,
    grants: [{ role: 'command', scope: OTHER_TOWN }],
  });
  assert.equal(r.status, 201, r.text);
  await login('jx_dispatcher');
  // an unlinked grid worker account (no staff record behind it)
  const u = await post('admin', '/api/v1/users', {
    username: 'unlinked_gw', display_name: '未关联网格员', password: PW, must_change_password: false,
    grants: [{ role: 'grid_worker', scope: GRID }],
  });
  assert.equal(u.status, 201, u.text);
  await login('unlinked_gw');
  const g = await srv.get(`/api/v1/units/${GRID}`);
  point = g.json.center;
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

test('a grid worker reports their own status and position; it shows in lists and nearest', async () => {
  const r = await post('gridworker', '/api/v1/forces/me/position', { status: 'on_patrol', lon: point[0], lat: point[1] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.force.kind, 'grid_worker');
  assert.equal(r.json.force.unit, GRID);
  assert.equal(r.json.force.stale, false);
  assert.equal(r.json.force.load, 0);
  const me = r.json.force.id;
  // status only: the position stays
  const s = await post('gridworker', '/api/v1/forces/me/position', { status: 'handling' });
  assert.deepEqual(s.json.force.position, r.json.force.position);
  const list = await get('dispatcher', `/api/v1/forces?unit=${GRID}`);
  assert.equal(list.status, 200, list.text);
  const mine = list.json.forces.find((f) => f.kind === 'grid_worker' && f.id === me);
  assert.equal(mine.status, 'handling');
  // handling is not available; on_duty is, and nearest first
  let near = await get('dispatcher', `/api/v1/forces/nearest?lon=${point[0]}&lat=${point[1]}&limit=5`);
  assert.equal(near.status, 200, near.text);
  assert.equal(near.json.unit, TOWN, 'the town of the point by default');
  assert.ok(!near.json.forces.some((f) => f.kind === 'grid_worker' && f.id === me));
  await post('gridworker', '/api/v1/forces/me/position', { status: 'on_duty', lon: point[0], lat: point[1] });
  near = await get('dispatcher', `/api/v1/forces/nearest?lon=${point[0]}&lat=${point[1]}&limit=5`);
  assert.equal(near.json.forces[0].id, me);
  assert.equal(near.json.forces[0].distance_m, 0);
  const d = near.json.forces.map((f) => f.distance_m);
  assert.deepEqual(d, [...d].sort((x, y) => x - y));
  assert.ok(near.json.forces.every((f) => ['on_duty', 'on_patrol'].includes(f.status) && !f.stale));
  // GCJ-02 input lands on the same point
  const gcj = await get('dispatcher', `/api/v1/forces/nearest?lon=${point[0] + 0.0052}&lat=${point[1] - 0.0025}&crs=gcj02&limit=1&kind=grid_worker`);
  assert.equal(gcj.status, 200, gcj.text);
  assert.equal(gcj.json.forces[0].kind, 'grid_worker');
});

test('position reports: only field staff, only linked accounts, checked input', async () => {
  assertError(assert, await post('dispatcher', '/api/v1/forces/me/position', { status: 'on_duty' }), 403, 'auth.forbidden');
  assertError(assert, await post('resident', '/api/v1/forces/me/position', { status: 'on_duty' }), 403, 'auth.forbidden');
  assertError(assert, await post('unlinked_gw', '/api/v1/forces/me/position', { status: 'on_duty' }), 409, 'force.no_person');
  for (const [body, status, code] of [
    [{ status: 'asleep' }, 400, 'field.invalid'], [{}, 400, 'field.missing'], [{ status: 'on_duty', lon: 113.2 }, 400, 'field.missing'],
    [{ status: 'on_duty', lon: 'x', lat: 23 }, 400, 'field.type'], [{ status: 'on_duty', lon: 500, lat: 23 }, 400, 'field.range'],
    [{ status: 'on_duty', lon: 113.2, lat: 23.1, crs: 'mars' }, 400, 'field.invalid'],
    [{ status: 'on_duty', ref_id: 1 }, 400, 'field.unknown'], [[1, 2], 400, 'json.not_object'],
  ]) {
    assertError(assert, await post('gridworker', '/api/v1/forces/me/position', body), status, code);
  }
  // the station head and grid leader report as themselves
  const st = await post('station', '/api/v1/forces/me/position', { status: 'on_duty' });
  assert.equal(st.status, 200, st.text);
  assert.equal(st.json.force.kind, 'station_head');
  const gl = await post('gridleader', '/api/v1/forces/me/position', { status: 'off' });
  assert.equal(gl.json.force.kind, 'grid_leader');
});

test('force lists are scoped: no look into other towns, not even upwards', async () => {
  const all = await get('dispatcher', `/api/v1/forces?unit=${TOWN}&limit=5000`);
  assert.equal(all.status, 200, all.text);
  const kinds = new Set(all.json.forces.map((f) => f.kind));
  for (const k of ['grid_worker', 'grid_leader', 'station_head', 'emergency_unit']) assert.ok(kinds.has(k), k);
  assert.ok(all.json.forces.every((f) => f.unit.code.startsWith(TOWN)));
  const only = await get('dispatcher', `/api/v1/forces?unit=${TOWN}&kind=station_head&status=on_duty`);
  assert.ok(only.json.forces.every((f) => f.kind === 'station_head' && f.status === 'on_duty'));
  const few = await get('dispatcher', `/api/v1/forces?unit=${TOWN}&limit=3`);
  assert.equal(few.json.forces.length, 3);
  assert.equal(few.json.truncated, true);
  assertError(assert, await get('jx_dispatcher', `/api/v1/forces?unit=${TOWN}`), 404, 'unit.not_found');
  assertError(assert, await get('gridworker', `/api/v1/forces?unit=${TOWN}`), 404, 'unit.not_found');
  assert.equal((await get('gridworker', `/api/v1/forces?unit=${GRID}`)).status, 200);
  assertError(assert, await get('jx_dispatcher', `/api/v1/forces/nearest?lon=${point[0]}&lat=${point[1]}`), 404, 'unit.not_found');
  assertError(assert, await get('dispatcher', `/api/v1/forces?unit=${TOWN}&kind=tank`), 400, 'param.invalid');
  assertError(assert, await get('dispatcher', '/api/v1/forces'), 400, 'param.missing');
  assertError(assert, await get('dispatcher', '/api/v1/forces/nearest?lon=NaN&lat=23'), 400, 'param.invalid');
  assertError(assert, await get('dispatcher', `/api/v1/forces/nearest?lon=${point[0]}&lat=${point[1]}&limit=51`), 400, 'param.invalid');
  assertError(assert, await get('dispatcher', '/api/v1/forces/nearest?lon=100&lat=40'), 400, 'param.missing');
  // departments see the district's forces (to coordinate), residents nothing
  assert.equal((await get('chengguan', `/api/v1/forces?unit=${TOWN}&limit=1`)).status, 200);
  assertError(assert, await get('resident', `/api/v1/forces?unit=${TOWN}`), 403, 'auth.forbidden');
});

test('emergency units: create, update, delete within scope; hostile bodies refused', async () => {
  const body = {
    unit: '440111002001', name: '测试应急单元', leader_name: '王队长', leader_phone: '139-0000-1234',
    members: [{ name: '李一', phone: '13900001111' }, { name: '张二' }], equipment: ['灭火器', '急救箱'],
    status: 'on_duty', lon: point[0], lat: point[1],
  };
  const c = await post('dispatcher', '/api/v1/forces/emergency-units', body);
  assert.equal(c.status, 201, c.text);
  const id = c.json.force.id;
  assert.equal(c.json.force.members.length, 2);
  assert.equal(c.json.force.leader.phone, '139-0000-1234', 'managers see the whole phone');
  assert.deepEqual(c.json.force.position.map((x) => Math.round(x * 1e6)), point.map((x) => Math.round(x * 1e6)));
  // others in scope see masked phones
  const l = await get('leader', `/api/v1/forces/emergency-units?unit=${TOWN}`);
  const seen = l.json.emergency_units.find((u) => u.id === id);
  assert.notEqual(seen.members[0].phone, '13900001111');
  const u = await put('dispatcher', `/api/v1/forces/emergency-units/${id}`, { status: 'handling', equipment: ['沙袋'] });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.force.status, 'handling');
  assert.deepEqual(u.json.force.equipment, ['沙袋']);
  assert.equal(u.json.force.name, '测试应急单元', 'fields not given are kept');
  // other town: not found; moving it there: not found
  assertError(assert, await put('jx_dispatcher', `/api/v1/forces/emergency-units/${id}`, { status: 'off' }), 404, 'force.not_found');
  assertError(assert, await del('jx_dispatcher', `/api/v1/forces/emergency-units/${id}`), 404, 'force.not_found');
  assertError(assert, await put('dispatcher', `/api/v1/forces/emergency-units/${id}`, { unit: '440111010001' }), 404, 'unit.not_found');
  assertError(assert, await post('jx_dispatcher', '/api/v1/forces/emergency-units', body), 404, 'unit.not_found');
  for (const [b, status, code] of [
    [{ ...body, name: '' }, 400, 'field.invalid'],
    [{ ...body, members: 'all' }, 400, 'field.type'], [{ ...body, members: [{ name: 'x', age: 3 }] }, 400, 'field.unknown'],
    [{ ...body, members: Array.from({ length: 31 }, () => ({ name: 'x' })) }, 413, 'field.too_many'],
    [{ ...body, equipment: [1] }, 400, 'field.invalid'], [{ ...body, leader_phone: 'call me' }, 400, 'field.invalid'],
    [{ ...body, status: 'busy' }, 400, 'field.invalid'], [{ ...body, lat: 99 }, 400, 'field.range'],
    [{ ...body, name: 'a\u0001b' }, 400, 'field.invalid'], [{ ...body, colour: 'red' }, 400, 'field.unknown'],
    [{ ...body, unit: undefined }, 400, 'field.missing'],
  ]) {
    assertError(assert, await post('dispatcher', '/api/v1/forces/emergency-units', b), status, code);
  }
  // the district has no emergency unit of its own (a town's dispatcher does not even see the district)
  assertError(assert, await post('command', '/api/v1/forces/emergency-units', { ...body, unit: '440111' }), 400, 'force.bad_unit');
  assertError(assert, await post('dispatcher', '/api/v1/forces/emergency-units', { ...body, unit: '440111' }), 404, 'unit.not_found');
  assertError(assert, await put('gridworker', `/api/v1/forces/emergency-units/${id}`, { status: 'off' }), 403, 'auth.forbidden');
  assert.equal((await del('dispatcher', `/api/v1/forces/emergency-units/${id}`)).status, 200);
  assertError(assert, await del('dispatcher', `/api/v1/forces/emergency-units/${id}`), 404, 'force.not_found');
  assertError(assert, await del('dispatcher', '/api/v1/forces/emergency-units/abc'), 400, 'param.invalid');
});

test('volunteers: kept by command of their community, phones masked for others', async () => {
  const c = await post('dispatcher', '/api/v1/forces/volunteers', { unit: '440111002001', name: '志愿者甲', phone: '13912345678', skills: '急救' });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json.force.status, 'off');
  const id = c.json.force.id;
  const list = await get('station', '/api/v1/forces/volunteers?unit=440111002001');
  const v = list.json.volunteers.find((x) => x.id === id);
  assert.ok(v && v.phone !== '13912345678' && v.phone.includes('*'), 'masked for the station head');
  assertError(assert, await post('dispatcher', '/api/v1/forces/volunteers', { unit: TOWN, name: '街道级' }), 400, 'force.bad_unit');
  const u = await put('dispatcher', `/api/v1/forces/volunteers/${id}`, { status: 'on_duty', lon: point[0], lat: point[1] });
  assert.equal(u.status, 200, u.text);
  const near = await get('dispatcher', `/api/v1/forces/nearest?lon=${point[0]}&lat=${point[1]}&kind=volunteer&limit=1`);
  assert.equal(near.json.forces[0].id, id);
  assert.equal((await del('dispatcher', `/api/v1/forces/volunteers/${id}`)).status, 200);
  assertError(assert, await put('dispatcher', `/api/v1/forces/volunteers/${id}`, { status: 'off' }), 404, 'force.not_found');
});

test('equipment: registry per unit, cameras with a location, radios with a channel', async () => {
  const list = await get('gridworker', `/api/v1/equipment?unit=${TOWN}`);
  assert.equal(list.status, 200, list.text);
  const kinds = new Set(list.json.equipment.map((x) => x.kind));
  for (const k of ['screen', 'computer', 'radio', 'camera']) assert.ok(kinds.has(k), `demo has a ${k}`);
  assert.ok(list.json.equipment.filter((x) => x.kind === 'camera').every((x) => x.position && x.stream_url));
  const cam = { unit: TOWN, kind: 'camera', name: '测试摄像头', lon: point[0], lat: point[1], stream_url: 'rtsp://cam.example.invalid/1' };
  const c = await post('dispatcher', '/api/v1/equipment', cam);
  assert.equal(c.status, 201, c.text);
  const id = c.json.equipment.id;
  assert.equal(c.json.equipment.status, 'online');
  const f = await put('dispatcher', `/api/v1/equipment/${id}`, { status: 'fault', note: '镜头被遮挡' });
  assert.equal(f.status, 200, f.text);
  assert.equal(f.json.equipment.status, 'fault');
  assert.equal(f.json.equipment.name, '测试摄像头');
  const g = await get('gridworker', `/api/v1/equipment/${id}`);
  assert.equal(g.status, 200, 'a grid worker reads the equipment of their town');
  const faults = await get('dispatcher', `/api/v1/equipment?unit=${TOWN}&status=fault&kind=camera`);
  assert.ok(faults.json.equipment.some((x) => x.id === id));
  for (const [b, code] of [
    [{ ...cam, lon: undefined, lat: undefined }, 'equipment.camera_location'],
    [{ ...cam, kind: 'radio', lon: undefined, lat: undefined }, 'equipment.radio_channel'],
    [{ ...cam, kind: 'drone' }, 'field.invalid'], [{ ...cam, status: 'broken' }, 'field.invalid'],
    [{ ...cam, stream_url: 'rtsp://admin:secret@cam.example.invalid/1' }, 'field.invalid'],
    [{ ...cam, stream_url: 'javascript:alert(1)' }, 'field.invalid'], [{ ...cam, name: undefined }, 'field.missing'],
    [{ ...cam, unit: 'x' }, 'unit.bad_code'], [{ ...cam, serial: 'S1' }, 'field.unknown'],
  ]) {
    assertError(assert, await post('dispatcher', '/api/v1/equipment', b), 400, code);
  }
  assertError(assert, await post('dispatcher', '/api/v1/equipment', { ...cam, unit: OTHER_TOWN }), 404, 'unit.not_found');
  assertError(assert, await get('jx_dispatcher', `/api/v1/equipment/${id}`), 404, 'equipment.not_found');
  assertError(assert, await put('jx_dispatcher', `/api/v1/equipment/${id}`, { status: 'online' }), 404, 'equipment.not_found');
  assertError(assert, await get('jx_dispatcher', `/api/v1/equipment?unit=${TOWN}`), 404, 'unit.not_found');
  assertError(assert, await post('gridworker', '/api/v1/equipment', cam), 403, 'auth.forbidden');
  assertError(assert, await get('dispatcher', `/api/v1/equipment?unit=${TOWN}&kind=drone`), 400, 'param.invalid');
  assert.equal((await del('dispatcher', `/api/v1/equipment/${id}`)).status, 200);
  assertError(assert, await get('dispatcher', `/api/v1/equipment/${id}`), 404, 'equipment.not_found');
});

test('every change is in the audit log, positions without coordinates', async () => {
  const r = await get('admin', '/api/v1/audit?limit=300');
  const rows = r.json.rows;
  for (const a of ['force.report', 'force.add', 'force.update', 'force.delete', 'equipment.add', 'equipment.update', 'equipment.delete']) {
    assert.ok(rows.some((x) => x.action === a), `audit has ${a}`);
  }
  for (const x of rows.filter((x) => x.action === 'force.report')) {
    assert.ok(!/\d+\.\d{3,}/.test(x.detail || ''), `no coordinates in the audit detail: ${x.detail}`);
  }
});
