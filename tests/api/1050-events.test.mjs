// Grid events (issue 5) through the HTTP API, with the demo users: intake
// (point to grid, manual grid, bad fields, residents, 12345 hotline orders,
// Idempotency-Key, near-duplicates), the internal loop end to end with its
// timeline, the resident's view and rating (重办 once), scope (other towns,
// other residents), the queue's filters and keyset pages, all-or-nothing
// steps (row counts), and the category admin.
//
// One server for the whole file; tests run in order and build on each
// other's events only where they say so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, demoDb, PG } from './lib/harness.mjs';
import { actors, addUser, counts, dbExec, dbNumber, gridPoint, GRID, COMMUNITY, TOWN } from './lib/events.mjs';

let srv;
let as;                                          // callers by user name
let point;                                       // inside GRID
const JX = '440111010';                          // 京溪街道

const report = (extra = {}) => ({ category: 'csgl.srhj', description: '路边堆放垃圾', lon: point[0], lat: point[1], ...extra });
let seq = 0;
const unique = (s = '测试') => `${s} #${++seq} ${process.pid}`;

before(async () => {
  const db = demoDb({ events: 0 });
  addUser(db, 'jx_dispatcher', 'command', JX);
  addUser(db, 'resident2', 'resident', '440111');
  srv = await startServer({ db });
  as = actors(srv);
  point = await gridPoint(srv);
  await as.login('admin', 'command', 'dispatcher', 'station', 'gridleader', 'gridworker', 'chengguan', 'leader',
                 'resident', 'resident2', 'jx_dispatcher');
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, `server exit: ${srv.stderr.slice(-3000)}`);
});

// ------------------------------------------------------------------ intake

test('intake: a patrol report by the grid worker lands in the grid, held by the community', async () => {
  const r = await as.report('gridworker', report({ description: unique('巡查') }));
  const ev = r.json;
  assert.equal(ev.grid, GRID);
  assert.equal(ev.community, COMMUNITY);
  assert.equal(ev.town, TOWN);
  assert.equal(ev.holder, COMMUNITY);
  assert.equal(ev.level, 3);
  assert.equal(ev.status, 'reported');
  assert.equal(ev.status_label, '待受理');
  assert.equal(ev.loop, 'internal');
  assert.equal(ev.source, 'patrol');
  assert.equal(ev.urgency, 'normal');
  assert.equal(ev.title, '市容环境', 'the title defaults to the category name');
  assert.equal(ev.category_name, '市容环境', 'the reply names the category');
  assert.equal(ev.reporter_id, await as.id('gridworker'));
  assert.equal(r.headers.get('location'), `/api/v1/events/${ev.id}`);
  assert.ok(ev.deadline_at && ev.due_at && ev.phase_started_at, 'clocks are set');
  // csgl.srhj: accept within 120 minutes
  assert.equal((Date.parse(ev.deadline_at) - Date.parse(ev.phase_started_at)) / 1000, 120 * 60);
  const d = await as.event('gridworker', ev.id);
  assert.equal(d.timeline.length, 1);
  assert.equal(d.timeline[0].action, 'report');
  assert.equal(d.timeline[0].to, 'reported');
  // urgency scales the clock
  const u = await as.report('gridworker', report({ description: unique(), urgency: 'critical' }));
  assert.equal(u.json.urgency, 'critical');
  assert.equal((Date.parse(u.json.deadline_at) - Date.parse(u.json.phase_started_at)) / 1000, 30 * 60);
});

test('intake: a grid chosen by hand needs a reason', async () => {
  const other = '4401110020010102';
  let r = await as.report('gridworker', report({ grid: other }), { status: 0 });
  assertError(assert, r, 400, 'event.grid_reason_required');
  r = await as.report('gridworker', report({ grid: other, grid_reason: '' }), { status: 0 });
  assertError(assert, r, 400, 'event.grid_reason_required');
  r = await as.report('gridworker', report({ grid: '440111002001', grid_reason: '不是网格' }), { status: 0 });
  assertError(assert, r, 400, 'event.bad_grid');
  r = await as.report('gridworker', report({ description: unique(), grid: other, grid_reason: '定位漂移，实际在隔壁网格' }));
  assert.equal(r.json.grid, other);
  assert.equal(r.json.grid_reason, '定位漂移，实际在隔壁网格');
});

test('intake: a point outside the district is 422 event.outside', async () => {
  const r = await as.report('gridworker', report({ lon: 116.397, lat: 39.909 }), { status: 0 });
  assertError(assert, r, 422, 'event.outside');
});

test('intake: bad fields are 400 with their codes, and nothing is written', async () => {
  const before = counts(srv.db);
  const cases = [
    [{ category: 'nope!' }, 'event.bad_category'],
    [{ category: 'csgl' }, 'event.bad_category'],              // level 1: choose a level-2 category
    [{ category: 'csgl.nosuch' }, 'event.bad_category'],
    [{ description: '' }, 'event.bad_field'],
    [{ description: 'x'.repeat(2001) }, 'event.bad_field'],
    [{ description: 'a\u0001b' }, 'event.bad_field'],
    [{ urgency: 'high' }, 'event.bad_field'],
    [{ title: '' }, 'event.bad_field'],
    [{ source: 'email' }, 'event.bad_field'],
    [{ external_id: 'GZ-1' }, 'event.bad_field'],              // only hotline orders carry one
    [{ crs: 'utm' }, 'param.invalid'],
    [{ colour: 'red' }, 'json.unknown_field'],
  ];
  for (const [extra, code] of cases) {
    const r = await as.report('gridworker', report(extra), { status: 0 });
    assertError(assert, r, 400, code);
    assert.equal(r.json.error.code, code, `${JSON.stringify(extra).slice(0, 60)}`);
  }
  for (const key of ['category', 'description', 'lon', 'lat']) {
    const body = report();
    delete body[key];
    const r = await as.report('gridworker', body, { status: 0 });
    assert.equal(r.status, 400, `without ${key}: ${r.text}`);
  }
  let r = await as.report('gridworker', report({ lon: 'east' }), { status: 0 });
  assert.equal(r.status, 400, r.text);
  r = await as.report('gridworker', '{"category":', { status: 0 });
  assert.equal(r.status, 400, r.text);
  // sources a role may not use
  r = await as.report('gridworker', report({ source: 'hotline', external_id: 'X-1' }), { status: 0 });
  assertError(assert, r, 403, 'event.source_forbidden');
  assert.deepEqual(counts(srv.db), before, 'no row written by a refused report');
});

test('intake: a resident report is always source resident, and the resident sees the short view', async () => {
  const r = await as.report('resident', report({ description: unique('居民'), source: 'patrol', reporter_phone: '13800138000' }));
  assert.equal(r.json.source, 'resident');
  assert.equal(r.json.status, 'reported');
  assert.equal(r.json.category_name, '市容环境', 'the resident\'s reply names the category too');
  for (const k of ['reporter_phone', 'reporter_id', 'holder', 'loop', 'similar', 'handler_id'])
    assert.ok(!(k in r.json), `the resident's view has no ${k}`);
  const staff = await as.event('station', r.json.id);
  assert.equal(staff.source, 'resident');
  assert.equal(staff.reporter_phone.includes('13800138000'), false, 'the phone is masked for staff');
  // calling the resident back: the station head asks for the number, and the read is audited
  const audits = dbNumber(srv.db, "SELECT COUNT(*) FROM audit WHERE action = 'pii.read'");
  const c = await as.get('station', `/api/v1/events/${r.json.id}/contact`);
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.reporter_phone, '13800138000');
  assert.equal(dbNumber(srv.db, "SELECT COUNT(*) FROM audit WHERE action = 'pii.read'"), audits + 1);
  assert.equal(dbNumber(srv.db, `SELECT COUNT(*) FROM audit WHERE action = 'pii.read' AND target = 'event:${r.json.id}'`), 1);
  // not for read-only leaders, administrators or residents; not beyond what the caller sees
  for (const u of ['leader', 'admin', 'resident'])
    assertError(assert, await as.get(u, `/api/v1/events/${r.json.id}/contact`), 403, 'auth.forbidden');
  assertError(assert, await as.get('jx_dispatcher', `/api/v1/events/${r.json.id}/contact`), 404, 'event.not_found');
  assertError(assert, await as.get('station', '/api/v1/events/999999999/contact'), 404, 'event.not_found');
  assert.equal(dbNumber(srv.db, "SELECT COUNT(*) FROM audit WHERE action = 'pii.read'"), audits + 1,
               'a refused read is not recorded as a read');
});

test('intake: the reply (written as text, lib/jsonw.h) says what the detail says, awkward text included', async () => {
  const odd = `引号"反斜杠\\ 斜杠/ </script> 制表\t换行\n回车\r 😀 𠀀 ${unique('文本')}`;
  const body = report({ title: `标题 "${seq}" \\`, description: odd, address: '白云区"三元里"\\路 1 号\t', urgency: 'urgent' });
  const r = await as.report('gridworker', body);
  const detail = await as.event('gridworker', r.json.id);
  assert.equal(r.json.description, odd);
  assert.equal(r.json.lon, detail.lon);
  for (const [k, v] of Object.entries(r.json))
    if (k !== 'similar') assert.deepEqual(v, detail[k], `field ${k}: reply ${JSON.stringify(v)}, detail ${JSON.stringify(detail[k])}`);
  for (const k of Object.keys(detail))
    if (!['similar', 'timeline', 'supervisions', 'photos', 'allowed'].includes(k) && !(k in r.json))
      assert.fail(`the reply lacks ${k}, which the detail has`);
  assert.deepEqual(r.json.similar, detail.similar, 'the same near-duplicates');
  // a replay answers the same text-built event
  const again = await as.report('gridworker', body, { status: 0, headers: { 'idempotency-key': `jw-${seq}` } });
  const replay = await as.report('gridworker', body, { status: 200, headers: { 'idempotency-key': `jw-${seq}` } });
  assert.equal(again.status, 201);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(replay.json, { ...again.json, similar: replay.json.similar });
  // the resident's short view too
  const res = await as.report('resident', report({ description: odd }));
  const mine = await as.event('resident', res.json.id);
  for (const [k, v] of Object.entries(res.json)) assert.deepEqual(v, mine[k], `resident field ${k}`);
});

test('intake: a 12345 order arrives escalated at the town; the same order again is 409', async () => {
  const ext = `GZ12345-${process.pid}-1`;
  const r = await as.report('dispatcher', report({ source: 'hotline', external_id: ext, description: unique('热线'),
                                                   reporter_name: '李先生', reporter_phone: '13912345678' }));
  assert.equal(r.json.status, 'escalated');
  assert.equal(r.json.loop, 'external');
  assert.equal(r.json.level, 2);
  assert.equal(r.json.holder, TOWN);
  assert.equal(r.json.external_id, ext);
  assert.equal(r.json.escalated, true);
  assert.equal(r.json.reporter_name, '李先生');
  const before = counts(srv.db);
  const again = await as.report('dispatcher', report({ source: 'hotline', external_id: ext, description: '重复工单' }), { status: 0 });
  assertError(assert, again, 409, 'event.duplicate_external');
  assert.deepEqual(counts(srv.db), before);
  // the same number on a different source is no clash: only hotline orders carry one
  const other = await as.report('dispatcher', report({ source: 'hotline', external_id: `${ext}-b`, description: unique('热线') }));
  assert.notEqual(other.json.id, r.json.id);
});

test('intake: Idempotency-Key replays the first answer, refuses a different body', async () => {
  const key = `idem-${process.pid}-a`;
  const body = report({ description: unique('幂等') });
  const a = await as.report('gridworker', body, { headers: { 'idempotency-key': key } });
  assert.equal(a.headers.get('idempotent-replayed'), null);
  const before = counts(srv.db);
  const b = await as.report('gridworker', body, { status: 200, headers: { 'idempotency-key': key } });
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.equal(b.json.id, a.json.id);
  assert.equal(b.json.category_name, a.json.category_name, 'a replay names the category as the first answer did');
  assert.ok(a.json.category_name);
  assert.deepEqual(counts(srv.db), before, 'a replay writes nothing');
  const c = await as.report('gridworker', { ...body, description: '另一件事' }, { status: 0, headers: { 'idempotency-key': key } });
  assertError(assert, c, 409, 'event.idempotency_mismatch');
  // the key is the caller's: another account with the same key makes its own event
  const d = await as.report('gridleader', body, { headers: { 'idempotency-key': key } });
  assert.notEqual(d.json.id, a.json.id);
  // keys are visible ASCII, at most 128
  for (const bad of ['x'.repeat(129), 'a b'])
    assertError(assert, await as.report('gridworker', body, { status: 0, headers: { 'idempotency-key': bad } }), 400,
                'event.bad_idempotency_key');
});

test('intake: ten concurrent retries with one key make exactly one event', async () => {
  const key = `idem-${process.pid}-burst`;
  const desc = unique('并发重试');
  const body = report({ description: desc });
  const rs = await Promise.all(Array.from({ length: 10 }, () => as.post('gridworker', '/api/v1/events', body, { 'idempotency-key': key })));
  for (const r of rs) assert.ok(r.status === 201 || r.status === 200, `${r.status} ${r.text}`);
  assert.equal(rs.filter((r) => r.status === 201).length, 1, 'one creation, the rest replays');
  assert.equal(new Set(rs.map((r) => r.json.id)).size, 1);
  assert.equal(dbNumber(srv.db, `SELECT COUNT(*) FROM event WHERE description = '${desc}'`), 1);
  assert.equal(dbNumber(srv.db, `SELECT COUNT(*) FROM event_idem WHERE idem_key = '${key}'`), 1);
});

test('intake: a second report of the same category within 100 m lists the first as similar', async () => {
  const near = [point[0] + 0.0003, point[1] + 0.0002];      // ~35 m away
  const first = await as.report('gridworker', report({ category: 'csgl.ggss', description: unique('井盖缺失'), lon: near[0], lat: near[1] }), { status: 0 });
  if (first.status === 400) {
    // the taxonomy has no csgl.ggss: use any other level-2 category
    const cats = (await as.get('gridworker', '/api/v1/event-categories')).json.categories.filter((c) => c.parent && c.code !== 'csgl.srhj');
    near.cat = cats[0].code;
  } else {
    assert.equal(first.status, 201, first.text);
    near.cat = 'csgl.ggss';
  }
  const a = first.status === 201 ? first : await as.report('gridworker', report({ category: near.cat, description: unique('一'), lon: near[0], lat: near[1] }));
  const b = await as.report('gridleader', report({ category: near.cat, description: unique('二'), lon: near[0] + 0.0002, lat: near[1] }));
  const hit = b.json.similar.find((s) => s.id === a.json.id);
  assert.ok(hit, `the first is similar: ${JSON.stringify(b.json.similar)}`);
  assert.ok(hit.distance_m > 5 && hit.distance_m < 100, `distance ${hit.distance_m}`);
  // another category or far away is not similar
  const far = await as.report('gridleader', report({ category: near.cat, description: unique('远'), lon: near[0] + 0.003, lat: near[1] }), { status: 0 });
  if (far.status === 201) assert.ok(!far.json.similar.some((s) => s.id === a.json.id), 'more than 100 m away');
  const d = await as.event('station', b.json.id);
  assert.ok(d.similar.some((s) => s.id === a.json.id), 'the detail lists it too');
});

test('intake: with more than five near-duplicates the reply lists the five nearest, nearest first, with titles and statuses', async () => {
  const cat = 'msfw.zczx';                     // no other test reports this category
  // the middle of the 0.001° cell (~100 m) the grid's point lies in: every report below lies in
  // that one cell, which is scanned newest first, so the nearest (reported first, the oldest)
  // are found only when the scan looks past the five newest
  const base = [(Math.floor(point[0] * 1000) + 0.5) / 1000, (Math.floor(point[1] * 1000) + 0.5) / 1000];
  // offsets in 1e-5 degrees (about a metre), nearest first
  const offsets = [[3, 2], [-6, 4], [0, -12], [15, 10], [-20, -15], [30, 0], [0, 38], [-35, 30]];
  const made = [];
  for (const [dx, dy] of offsets) {
    const title = unique('咨询');
    const r = await as.report('gridworker', report({ category: cat, title, description: unique('政策咨询'),
                                                     lon: base[0] + dx * 1e-5, lat: base[1] + dy * 1e-5 }));
    made.push({ id: r.json.id, title });
  }
  // the second nearest is being handled (still open, another status); one nearer than all of
  // them is rejected, so closed, and no longer a candidate
  await as.step('station', made[1].id, { action: 'accept', note: '受理' });
  const rej = await as.report('gridworker', report({ category: cat, description: unique('已驳回'), lon: base[0] + 1e-5, lat: base[1] }));
  await as.step('station', rej.json.id, { action: 'reject', note: '重复上报' });

  const t = await as.report('gridleader', report({ category: cat, description: unique('又一条'), lon: base[0], lat: base[1] }));
  const want = made.slice(0, 5).map((m, i) => ({ id: m.id, title: m.title, status: i === 1 ? 'handling' : 'reported' }));
  const got = (list) => list.map(({ id, title, status }) => ({ id, title, status }));
  assert.deepEqual(got(t.json.similar), want, `the five nearest, nearest first: ${JSON.stringify(t.json.similar)}`);
  const dist = t.json.similar.map((s) => s.distance_m);
  assert.deepEqual([...dist].sort((x, y) => x - y), dist, `nearest first: ${dist}`);
  assert.ok(dist[0] >= 2 && dist[0] <= 6 && dist[4] >= 20 && dist[4] <= 30, `distances ${dist}`);
  // the detail lists the same five
  assert.deepEqual(got((await as.event('station', t.json.id)).similar), want, 'the detail lists the same');
  // and the farthest report's own detail lists five too, none of them itself
  const far = await as.event('station', made[7].id);
  assert.equal(far.similar.length, 5, JSON.stringify(far.similar));
  assert.ok(!far.similar.some((s) => s.id === made[7].id || s.id === rej.json.id), 'neither itself nor a closed one');
});

// ---------------------------------------------------------- internal loop

test('internal loop: accept, complete, verify (not by the handler), close; the timeline has every step', async () => {
  const id = (await as.report('gridworker', report({ description: unique('内循环') }))).json.id;
  let r = await as.step('station', id, { action: 'accept', note: '受理' });
  assert.equal(r.json.status, 'handling');
  assert.ok(r.json.accepted_at);
  assert.ok(r.json.allowed.length === 0 || !r.json.allowed.some((a) => a.action === 'accept'));
  // the result is required
  assertError(assert, await as.step('gridworker', id, { action: 'complete' }, { status: 0 }), 400, 'event.result_required');
  r = await as.step('gridworker', id, { action: 'complete', result: '已清理完毕' });
  assert.equal(r.json.status, 'verifying');
  assert.equal(r.json.handler_id, await as.id('gridworker'));
  assert.equal(r.json.result, '已清理完毕');
  // 采办分离 R2: the grid worker who handled it does not verify it
  assertError(assert, await as.step('gridworker', id, { action: 'verify_pass' }, { status: 0 }), 409, 'rule.handler_verifies');
  const d0 = await as.event('gridworker', id);
  assert.ok(!d0.allowed.some((a) => a.action === 'verify_pass'), 'not offered to the handler');
  assert.ok((await as.event('gridleader', id)).allowed.some((a) => a.action === 'verify_pass'), 'offered to the grid leader');
  r = await as.step('gridleader', id, { action: 'verify_pass', note: '现场核实' });
  assert.equal(r.json.status, 'verified');
  assert.equal(r.json.verifier_id, await as.id('gridleader'));
  assertError(assert, await as.step('gridworker', id, { action: 'close' }, { status: 0 }), 403, 'event.forbidden');
  r = await as.step('station', id, { action: 'close' });
  assert.equal(r.json.status, 'closed');
  assert.ok(r.json.closed_at);
  assert.equal(r.json.deadline_at, null, 'no clock on a closed event');
  const d = await as.event('station', id);
  assert.deepEqual(d.timeline.map((t) => t.action), ['report', 'accept', 'complete', 'verify_pass', 'close']);
  assert.deepEqual(d.timeline.map((t) => t.to), ['reported', 'handling', 'verifying', 'verified', 'closed']);
  const roles = ['grid_worker', 'station_head', 'grid_worker', 'grid_leader', 'station_head'];
  d.timeline.forEach((t, i) => {
    assert.ok(t.actor && t.actor_id, `step ${t.action} names its actor`);
    assert.equal(t.role, roles[i], `role of ${t.action}`);
    assert.ok(t.unit && GRID.startsWith(t.unit), `unit of ${t.action}: ${t.unit}`);
    assert.ok(t.at);
  });
  assert.equal(d.timeline[2].note, '已清理完毕');
  // a closed event takes no more steps
  assertError(assert, await as.step('station', id, { action: 'accept' }, { status: 0 }), 409, 'event.illegal_transition');
});

test('internal loop: verify_fail sends it back (返工) and counts the rework', async () => {
  const id = (await as.report('gridleader', report({ description: unique('返工') }))).json.id;
  await as.step('station', id, { action: 'accept' });
  await as.step('gridworker', id, { action: 'complete', result: '处理了' });
  assertError(assert, await as.step('gridleader', id, { action: 'verify_fail' }, { status: 0 }), 400, 'event.reason_required');
  let r = await as.step('gridleader', id, { action: 'verify_fail', note: '未清理干净' });
  assert.equal(r.json.status, 'handling');
  assert.equal(r.json.rework_count, 1);
  r = await as.step('gridworker', id, { action: 'complete', result: '再次清理' });
  assert.equal(r.json.status, 'verifying');
  // reject needs a reason, and only from reported
  const rej = (await as.report('gridworker', report({ description: unique('不予受理') }))).json.id;
  assertError(assert, await as.step('station', rej, { action: 'reject' }, { status: 0 }), 400, 'event.reason_required');
  r = await as.step('station', rej, { action: 'reject', note: '不属于网格事项' });
  assert.equal(r.json.status, 'rejected');
  assert.equal(r.json.reject_reason, '不属于网格事项');
});

// ------------------------------------------------------------- resident

let residentEvent;

test("resident: their own report's timeline shows only public steps, no staff names", async () => {
  const id = residentEvent = (await as.report('resident', report({ description: unique('居民上报') }))).json.id;
  await as.step('station', id, { action: 'accept' });
  await as.step('station', id, { action: 'assign', account: await as.id('gridworker'), note: '请网格员处理' });
  await as.step('gridworker', id, { action: 'complete', result: '已处理' });
  await as.step('gridleader', id, { action: 'verify_pass' });
  await as.step('station', id, { action: 'close' });
  const staff = await as.event('station', id);
  assert.deepEqual(staff.timeline.map((t) => t.action), ['report', 'accept', 'assign', 'complete', 'verify_pass', 'close']);
  assert.equal(staff.timeline.find((t) => t.action === 'assign').public, false);
  const names = new Set(staff.timeline.slice(1).map((t) => t.actor).filter(Boolean));
  assert.ok(names.size >= 2, 'staff see the names');
  const r = await as.get('resident', `/api/v1/events/${id}`);
  assert.equal(r.status, 200, r.text);
  const mine = r.json;
  assert.deepEqual(mine.timeline.map((t) => t.action), ['report', 'accept', 'complete', 'verify_pass', 'close']);
  for (const t of mine.timeline) {
    for (const k of ['actor_id', 'role', 'unit', 'detail', 'public']) assert.ok(!(k in t), `no ${k} in the resident's timeline`);
  }
  for (const n of names) assert.ok(!r.text.includes(n), `staff name ${n} not shown to the resident`);
  for (const k of ['handler_id', 'verifier_id', 'assignee_id', 'supervisions', 'reporter_phone'])
    assert.ok(!(k in mine), `no ${k} for the resident`);
  assert.deepEqual(mine.allowed.map((a) => a.action), ['rate']);
});

test('resident: 不满意 reopens once; the second 不满意 stands; rating twice is 409', async () => {
  const id = residentEvent;
  // another resident cannot see it, nor rate it
  assertError(assert, await as.get('resident2', `/api/v1/events/${id}`), 404, 'event.not_found');
  assertError(assert, await as.step('resident2', id, { action: 'rate', rating: 1 }, { status: 0 }), 404, 'event.not_found');
  assert.ok(!(await as.get('resident2', '/api/v1/events')).json.events.some((e) => e.id === id));
  // staff do not rate
  assertError(assert, await as.step('station', id, { action: 'rate', rating: 1 }, { status: 0 }), 403, 'event.forbidden');
  assertError(assert, await as.step('resident', id, { action: 'rate', rating: 5 }, { status: 0 }), 400);
  let r = await as.step('resident', id, { action: 'rate', rating: 3, note: '垃圾又堆起来了' });
  assert.equal(r.json.status, 'handling', 'reopened');
  let staff = await as.event('station', id);
  assert.equal(staff.reopen_count, 1);
  assert.equal(staff.closed_at, null);
  assert.equal(staff.rating, null);
  assert.equal(staff.timeline.at(-1).action, 'rate');
  assert.equal(staff.timeline.at(-1).to, 'handling');
  // handled again, closed again
  await as.step('gridworker', id, { action: 'complete', result: '彻底清理' });
  await as.step('gridleader', id, { action: 'verify_pass' });
  await as.step('station', id, { action: 'close' });
  r = await as.step('resident', id, { action: 'rate', rating: 3, note: '还是不满意' });
  assert.equal(r.json.status, 'closed', 'no second reopening');
  assert.equal(r.json.rating, 3);
  staff = await as.event('station', id);
  assert.equal(staff.reopen_count, 1);
  assert.equal(staff.rating_note, '还是不满意');
  assertError(assert, await as.step('resident', id, { action: 'rate', rating: 1 }, { status: 0 }), 409, 'event.already_rated');
  // the resident's queue has their reports only
  const q = await as.get('resident', '/api/v1/events?limit=200');
  assert.equal(q.status, 200);
  const me = await as.id('resident');
  assert.ok(q.json.events.some((e) => e.id === id));
  assert.ok(q.json.events.every((e) => e.source === 'resident'));
  assert.equal(dbNumber(srv.db, `SELECT COUNT(*) FROM event WHERE reporter_id = ${me}`), q.json.events.length);
});

// ----------------------------------------------------------------- scope

test("scope: 三元里's events are 404 for 京溪's dispatcher, in detail, steps and queue", async () => {
  const id = (await as.report('gridworker', report({ description: unique('范围') }))).json.id;
  assertError(assert, await as.get('jx_dispatcher', `/api/v1/events/${id}`), 404, 'event.not_found');
  assertError(assert, await as.step('jx_dispatcher', id, { action: 'supervise', supervision: 1, note: 'x' }, { status: 0 }), 404, 'event.not_found');
  assertError(assert, await as.step('jx_dispatcher', id, { action: 'accept' }, { status: 0 }), 404, 'event.not_found');
  const q = await as.get('jx_dispatcher', '/api/v1/events?limit=200');
  assert.equal(q.status, 200);
  assert.ok(q.json.events.every((e) => e.grid.startsWith(JX)), 'only 京溪 in its queue');
  assertError(assert, await as.get('jx_dispatcher', `/api/v1/events?unit=${TOWN}`), 404, 'unit.not_found');
  // the department sees nothing that was not dispatched to it
  assertError(assert, await as.get('chengguan', `/api/v1/events/${id}`), 404, 'event.not_found');
  // the grid worker of another grid does not see it either
  assertError(assert, await as.get('gridworker', '/api/v1/events/999999999'), 404, 'event.not_found');
  assertError(assert, await as.get('gridworker', '/api/v1/events/abc'), 404, 'event.not_found');
});

test('queue: filters', async () => {
  const q = async (user, qs) => {
    const r = await as.get(user, `/api/v1/events?limit=200&${qs}`);
    assert.equal(r.status, 200, `${qs}: ${r.text}`);
    return r.json.events;
  };
  const all = await q('command', '');
  assert.ok(all.length >= 15, `events so far: ${all.length}`);
  const open = await q('command', 'status=open');
  assert.ok(open.length > 0 && open.every((e) => !['closed', 'rejected', 'merged'].includes(e.status)));
  assert.ok(all.some((e) => e.status === 'closed') && all.some((e) => e.status === 'rejected'));
  const two = await q('command', 'status=closed,rejected');
  assert.equal(two.length, all.filter((e) => ['closed', 'rejected'].includes(e.status)).length);
  const ext = await q('command', 'loop=external');
  assert.ok(ext.length >= 2 && ext.every((e) => e.loop === 'external'));
  const cat = await q('command', 'category=csgl');
  assert.equal(cat.length, all.filter((e) => e.category.startsWith('csgl.')).length, 'a level-1 code takes its children');
  const leaf = await q('command', 'category=csgl.srhj');
  assert.ok(leaf.length > 0 && leaf.every((e) => e.category === 'csgl.srhj'));
  assert.ok(leaf.every((e) => e.category_name === '市容环境'), 'list rows name their category, as the detail does');
  const theirs = await q('resident', 'mine=1');
  assert.ok(theirs.length > 0 && theirs.every((e) => typeof e.category_name === 'string' && e.category_name),
            "a resident's list names the categories too");
  const comm = await q('command', `unit=${COMMUNITY}`);
  assert.ok(comm.length > 0 && comm.every((e) => e.grid.startsWith(COMMUNITY)));
  const grid = await q('command', 'unit=4401110020010102');
  assert.ok(grid.length >= 1 && grid.every((e) => e.grid === '4401110020010102'));
  const hot = await q('command', 'source=hotline');
  assert.ok(hot.length >= 2 && hot.every((e) => e.source === 'hotline'));
  assert.equal((await q('command', 'warning=none')).length, all.filter((e) => e.warning === 'none').length);
  assert.equal((await q('command', 'warning=red')).length, all.filter((e) => e.warning === 'red').length);
  // supervised: supervise one first
  const sid = open.find((e) => e.status === 'reported').id;
  await as.step('leader', sid, { action: 'supervise', supervision: 1, note: '请尽快处理' });
  const sup = await q('command', 'supervised=1');
  assert.ok(sup.some((e) => e.id === sid) && sup.every((e) => e.supervision > 0));
  // assignee=me, mine=1
  const gw = await as.id('gridworker');
  const assigned = await q('gridworker', 'assignee=me');
  assert.ok(assigned.some((e) => e.id === residentEvent) && assigned.every((e) => e.assignee_id === gw));
  const mine = await q('gridworker', 'mine=1');
  assert.ok(mine.length >= 5 && mine.every((e) => e.reporter_id === gw));
  // from/to: local dates (China time)
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  assert.equal((await q('command', `from=${today}&to=${today}`)).length, all.length);
  assert.equal((await q('command', 'from=2020-01-01&to=2020-01-31')).length, 0);
  assert.equal((await q('command', `from=${today}`)).length, all.length);
  // text search in title/address
  const addr = await as.report('gridworker', report({ description: unique(), address: '三元里大道 123 号' }));
  const found = await q('command', `q=${encodeURIComponent('三元里大道')}`);
  assert.deepEqual(found.map((e) => e.id), [addr.json.id]);
  // LIKE wildcards in q are plain characters
  assert.equal((await q('command', 'q=%25')).length, 0);
  assert.equal((await q('command', 'q=_')).length, 0);
  // bad parameters
  for (const qs of ['status=nope', 'loop=sideways', 'category=A', 'source=email', 'from=2020-13-01', 'warning=blue',
                    'sort=oldest', 'after=xyz', 'assignee=you', 'limit=0', 'limit=201'])
    assert.equal((await as.get('command', `/api/v1/events?${qs}`)).status, 400, qs);
});

test('queue: keyset pages cover every row exactly once, newest first and by deadline', async () => {
  for (const sort of ['newest', 'deadline']) {
    const all = (await as.get('command', `/api/v1/events?limit=200&sort=${sort}`)).json.events;
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const r = await as.get('command', `/api/v1/events?limit=4&sort=${sort}${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.events.length <= 4);
      seen.push(...r.json.events.map((e) => e.id));
      cursor = r.json.next_cursor;
      assert.ok(++pages < 100);
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length, `${sort}: no row twice`);
    assert.deepEqual(seen, all.map((e) => e.id), `${sort}: the pages are the whole list in order`);
    if (sort === 'deadline') {
      const keys = all.map((e) => (e.deadline_at ? Date.parse(e.deadline_at) : Infinity));
      for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1] <= keys[i], 'soonest deadline first, closed last');
    } else {
      const keys = all.map((e) => Date.parse(e.created_at));
      for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1] >= keys[i], 'newest first');
    }
  }
});

// ------------------------------------------------------- nothing half-written

test('steps are all or nothing: a refused step writes no row, a step writes one log and one audit row', async () => {
  const id = (await as.report('gridworker', report({ description: unique('原子性') }))).json.id;
  const refused = [
    ['station', { action: 'close' }, 409, 'event.illegal_transition'],
    ['gridworker', { action: 'accept' }, 403, 'event.forbidden'],
    ['station', { action: 'reject' }, 400, 'event.reason_required'],
    ['station', { action: 'merge', master: 999999999 }, 400, 'event.bad_target'],
    ['station', { action: 'merge', master: id }, 400, 'event.bad_target'],
    ['station', { action: 'accept', photos: ['a'.repeat(64)] }, 400, 'photo.unknown'],
    ['station', { action: 'accept', version: 99 }, 409, 'event.conflict'],
    ['station', { action: 'fly' }, 400, 'event.bad_action'],
    ['station', { action: 'report' }, 400, 'event.bad_action'],
    ['station', { action: 'accept', extra: 1 }, 400, 'json.unknown_field'],
    ['jx_dispatcher', { action: 'accept' }, 404, 'event.not_found'],
  ];
  for (const [user, body, status, code] of refused) {
    const before = counts(srv.db, id);
    const r = await as.step(user, id, body, { status: 0 });
    assertError(assert, r, status, code);
    assert.deepEqual(counts(srv.db, id), before, `${JSON.stringify(body)} by ${user} wrote nothing`);
  }
  // a step that fails after it was decided (dispatch to no such department)
  // rolls back: the event is escalated and registered first
  await as.step('gridworker', id, { action: 'escalate', note: '需要城管执法' });
  await as.step('dispatcher', id, { action: 'register' });
  let before = counts(srv.db, id);
  assertError(assert, await as.step('dispatcher', id, { action: 'dispatch', dept: '440111-nope' }, { status: 0 }), 400, 'event.bad_target');
  assertError(assert, await as.step('dispatcher', id, { action: 'dispatch', unit: '440103001' }, { status: 0 }), 400, 'event.bad_target');
  assertError(assert, await as.step('dispatcher', id, { action: 'dispatch' }, { status: 0 }), 400, 'event.target_required');
  assert.deepEqual(counts(srv.db, id), before);
  assert.equal((await as.event('dispatcher', id)).status, 'registered');
  // each successful step: one event_log row, one audit row, version + 1
  for (const [user, body] of [['dispatcher', { action: 'dispatch', dept: '440111-cg' }],
                              ['chengguan', { action: 'sign' }],
                              ['leader', { action: 'supervise', supervision: 2, note: '督办' }]]) {
    before = counts(srv.db, id);
    await as.step(user, id, body);
    const now = counts(srv.db, id);
    assert.equal(now.events, before.events);
    assert.equal(now.logs, before.logs + 1, `${body.action}: one event_log row`);
    assert.equal(now.eventLogs, before.eventLogs + 1);
    assert.equal(now.audits, before.audits + 1, `${body.action}: one audit row`);
    assert.equal(now.version, before.version + 1, `${body.action}: version + 1`);
  }
  const audit = dbExec(srv.db, `SELECT action || ' ' || detail FROM audit WHERE target = 'event:${id}' ORDER BY id`).trim().split('\n');
  assert.ok(audit.some((l) => l.startsWith('event.report')), audit.join('\n'));
  assert.ok(audit.some((l) => l.includes('sign dispatched -> handling')), audit.join('\n'));
  // a stale version is refused, the current one accepted
  const v = (await as.event('chengguan', id)).version;
  assertError(assert, await as.step('chengguan', id, { action: 'extend_request', minutes: 60, note: '材料', version: v - 1 }, { status: 0 }), 409, 'event.conflict');
  await as.step('chengguan', id, { action: 'extend_request', minutes: 60, note: '材料', version: v });
});

// ---------------------------------------------------------- category admin

test('category admin: PUT creates and edits (admins only); new limits apply to new events', async () => {
  const body = { name: '测试小类', accept_minutes: 10, handle_minutes: 20, verify_minutes: 5 };
  assertError(assert, await as.put('dispatcher', '/api/v1/event-categories/qt.cs', body), 403);
  assertError(assert, await as.put('admin', '/api/v1/event-categories/zz.cs', body), 400, 'event.bad_category');
  assertError(assert, await as.put('admin', '/api/v1/event-categories/QT.cs', body), 400, 'event.bad_category');
  assertError(assert, await as.put('admin', '/api/v1/event-categories/qt.cs', { name: '缺少时限' }), 400);
  assertError(assert, await as.put('admin', '/api/v1/event-categories/qt.cs', { ...body, accept_minutes: 0 }), 400);
  assertError(assert, await as.put('admin', '/api/v1/event-categories/qt.cs', { ...body, colour: 1 }), 400, 'json.unknown_field');
  let r = await as.put('admin', '/api/v1/event-categories/qt.cs', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.parent, 'qt');
  assert.equal(r.json.accept_minutes, 10);
  const list = (await as.get('gridworker', '/api/v1/event-categories')).json.categories;
  assert.ok(list.some((c) => c.code === 'qt.cs' && c.name === '测试小类'));
  const e1 = (await as.report('gridworker', report({ category: 'qt.cs', description: unique('新类别') }))).json;
  assert.equal((Date.parse(e1.deadline_at) - Date.parse(e1.phase_started_at)) / 1000, 600);
  assert.equal((Date.parse(e1.due_at) - Date.parse(e1.created_at)) / 1000, (10 + 20 + 5) * 60);
  // edit: only what is sent changes
  r = await as.put('admin', '/api/v1/event-categories/qt.cs', { accept_minutes: 30 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.accept_minutes, 30);
  assert.equal(r.json.handle_minutes, 20);
  assert.equal(r.json.name, '测试小类');
  const e2 = (await as.report('gridworker', report({ category: 'qt.cs', description: unique('新时限') }))).json;
  assert.equal((Date.parse(e2.deadline_at) - Date.parse(e2.phase_started_at)) / 1000, 1800);
  const again = await as.event('gridworker', e1.id);
  assert.equal(again.deadline_at, e1.deadline_at, 'an existing event keeps its clock');
  // the handle limit applies from acceptance
  r = await as.step('station', e2.id, { action: 'accept' });
  assert.equal((Date.parse(r.json.deadline_at) - Date.parse(r.json.phase_started_at)) / 1000, 20 * 60);
  // disabled: no new reports
  r = await as.put('admin', '/api/v1/event-categories/qt.cs', { enabled: false });
  assert.equal(r.status, 200, r.text);
  assertError(assert, await as.report('gridworker', report({ category: 'qt.cs' }), { status: 0 }), 400, 'event.bad_category');
  assert.ok(dbNumber(srv.db, "SELECT COUNT(*) FROM audit WHERE target = 'event_category'") >= 3);
});

// ------------------------------------------------------------- checkpoints

test("metrics: the event writer's WAL checkpoints (SQLite: on their own thread)", async () => {
  const text = (await srv.get('/metrics')).text;
  const value = (name) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    assert.ok(m, `${name} in /metrics`);
    return Number(m[1]);
  };
  for (const name of ['wangge_checkpoints_total', 'wangge_checkpoint_catchups_total',
                      'wangge_checkpoint_inline_total', 'wangge_wal_restarts_total']) {
    assert.match(text, new RegExp(`# TYPE ${name} counter`));
    assert.ok(value(name) >= 0);
  }
  assert.match(text, /# TYPE wangge_wal_pages gauge/);
  // the tests above committed reports through the writer: on SQLite its
  // hook saw the WAL; far below the 50,000 pages of the inline backstop
  if (!PG) assert.ok(value('wangge_wal_pages') > 0);
  assert.equal(value('wangge_checkpoint_inline_total'), 0);
});
