// Grid events (issue 5), the external loop through the HTTP API with the
// demo users: escalate -> register -> dispatch -> return -> dispatch ->
// sign -> complete -> verify (the grid's worker: 采办分离 R3) -> close;
// R1 (a reporting department never handles its own report); extension
// and 外转内 requests; rollback; manual supervision; merge (a merged event
// closes with its master).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, demoDb } from './lib/harness.mjs';
import { actors, counts, dbNumber, gridPoint, secs, GRID, COMMUNITY, TOWN, DEPT } from './lib/events.mjs';

let srv;
let as;
let point;
let seq = 0;
const report = (extra = {}) => ({ category: 'csgl.srhj', description: `外循环测试 #${++seq}`, lon: point[0], lat: point[1], ...extra });

before(async () => {
  srv = await startServer({ db: demoDb({ events: 0 }) });
  as = actors(srv);
  point = await gridPoint(srv);
  await as.login('command', 'dispatcher', 'station', 'gridleader', 'gridworker', 'chengguan', 'leader', 'resident');
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, `server exit: ${srv.stderr.slice(-3000)}`);
});

/** A patrol report escalated to the town, registered and dispatched to 城管. */
async function dispatched(reporter = 'gridworker') {
  const id = (await as.report(reporter, report())).json.id;
  await as.step('gridworker', id, { action: 'escalate', note: '超出社区处置能力' });
  await as.step('dispatcher', id, { action: 'register' });
  await as.step('dispatcher', id, { action: 'dispatch', dept: DEPT });
  return id;
}

test('external loop end to end: escalate, register, dispatch, return, dispatch, sign, complete, verify by the grid worker, close', async () => {
  const id = (await as.report('gridworker', report())).json.id;
  // escalating needs a reason
  assertError(assert, await as.step('gridworker', id, { action: 'escalate' }, { status: 0 }), 400, 'event.reason_required');
  let r = await as.step('gridworker', id, { action: 'escalate', note: '违章搭建，需执法' });
  assert.equal(r.json.status, 'escalated');
  assert.equal(r.json.loop, 'external');
  assert.equal(r.json.level, 2);
  assert.equal(r.json.holder, TOWN);
  assert.equal(r.json.escalated, true);
  // the station no longer holds it
  assertError(assert, await as.step('station', id, { action: 'register' }, { status: 0 }), 403, 'event.forbidden');
  r = await as.step('dispatcher', id, { action: 'register', note: '立案' });
  assert.equal(r.json.status, 'registered');
  assert.ok(r.json.accepted_at);
  assertError(assert, await as.step('dispatcher', id, { action: 'dispatch', dept: '440111-xx' }, { status: 0 }), 400, 'event.bad_target');
  r = await as.step('dispatcher', id, { action: 'dispatch', dept: DEPT, note: '请城管处理' });
  assert.equal(r.json.status, 'dispatched');
  assert.equal(r.json.dept, DEPT);
  // the department sees it now, in its queue too
  assert.equal((await as.event('chengguan', id)).status, 'dispatched');
  assert.ok((await as.get('chengguan', '/api/v1/events?limit=200')).json.events.some((e) => e.id === id));
  // 退回 needs a reason and gives it back to the centre
  assertError(assert, await as.step('chengguan', id, { action: 'return' }, { status: 0 }), 400, 'event.reason_required');
  r = await as.step('chengguan', id, { action: 'return', note: '不属于城管职责' });
  assert.equal(r.json.status, 'registered');
  assert.equal(r.json.dept, null);
  assertError(assert, await as.get('chengguan', `/api/v1/events/${id}`), 404, 'event.not_found');
  r = await as.step('dispatcher', id, { action: 'dispatch', dept: DEPT, note: '经核实属城管职责' });
  assert.equal(r.json.status, 'dispatched');
  // only the department signs; the grid worker may not handle the external loop
  assertError(assert, await as.step('gridworker', id, { action: 'sign' }, { status: 0 }), 403, 'event.forbidden');
  r = await as.step('chengguan', id, { action: 'sign' });
  assert.equal(r.json.status, 'handling');
  assert.equal(r.json.loop, 'external');
  assertError(assert, await as.step('gridworker', id, { action: 'complete', result: '我来' }, { status: 0 }), 403, 'event.forbidden');
  r = await as.step('chengguan', id, { action: 'complete', result: '已拆除违章搭建' });
  assert.equal(r.json.status, 'verifying');
  assert.equal(r.json.handler_id, await as.id('chengguan'));
  // 采办分离 R2/R3: not the handler, not the dispatcher, not the grid leader: the grid's worker
  assertError(assert, await as.step('chengguan', id, { action: 'verify_pass' }, { status: 0 }), 403, 'event.forbidden');
  assertError(assert, await as.step('dispatcher', id, { action: 'verify_pass' }, { status: 0 }), 409, 'rule.verifier_grid');
  assertError(assert, await as.step('gridleader', id, { action: 'verify_pass' }, { status: 0 }), 409, 'rule.verifier_grid');
  assertError(assert, await as.step('station', id, { action: 'verify_fail', note: 'x' }, { status: 0 }), 409, 'rule.verifier_grid');
  r = await as.step('gridworker', id, { action: 'verify_pass', note: '现场已恢复' });
  assert.equal(r.json.status, 'verified');
  // closing the external loop is the centre's
  assertError(assert, await as.step('station', id, { action: 'close' }, { status: 0 }), 403, 'event.forbidden');
  assertError(assert, await as.step('gridleader', id, { action: 'close' }, { status: 0 }), 403, 'event.forbidden');
  r = await as.step('dispatcher', id, { action: 'close' });
  assert.equal(r.json.status, 'closed');
  const d = await as.event('command', id);
  assert.deepEqual(d.timeline.map((t) => t.action),
                   ['report', 'escalate', 'notify', 'register', 'dispatch', 'return', 'dispatch', 'sign', 'complete',
                    'verify_pass', 'close']);
  const by = Object.fromEntries(d.timeline.map((t) => [t.action, t]));
  // the escalation notified the town centre's officers on duty (the demo rota)
  assert.equal(by.notify.unit, TOWN);
  assert.equal(by.notify.public, false);
  assert.equal(by.notify.detail.centre, TOWN);
  assert.match(by.notify.note, /^已通知三元里街道值班：带班领导 \S+/);
  assert.ok(by.notify.detail.on_duty.leaders.length >= 1);
  assert.equal(by.register.role, 'command');
  assert.equal(by.register.unit, TOWN);
  assert.equal(by.sign.role, 'department');
  assert.equal(by.sign.unit, DEPT);
  assert.equal(by.close.role, 'command');
  assert.deepEqual(d.timeline.find((t) => t.action === 'dispatch').detail, { target: DEPT });
  assert.equal(d.timeline.find((t) => t.action === 'return').public, false);
});

test('escalation goes town -> district, and no further', async () => {
  const id = (await as.report('gridworker', report())).json.id;
  await as.step('station', id, { action: 'escalate', note: '社区无法处理' });
  let r = await as.step('dispatcher', id, { action: 'escalate', note: '跨街道，需区级协调' });
  assert.equal(r.json.level, 1);
  assert.equal(r.json.holder, '440111');
  assert.equal(r.json.status, 'escalated');
  // the town's dispatcher holds it no more (may still supervise it)
  assertError(assert, await as.step('dispatcher', id, { action: 'register' }, { status: 0 }), 403, 'event.forbidden');
  assertError(assert, await as.step('command', id, { action: 'escalate', note: '再上报' }, { status: 0 }), 409, 'event.top_level');
  r = await as.step('command', id, { action: 'register' });
  assert.equal(r.json.status, 'registered');
  // the district may dispatch to a town office
  r = await as.step('command', id, { action: 'dispatch', unit: TOWN });
  assert.equal(r.json.dept, TOWN);
  r = await as.step('dispatcher', id, { action: 'sign' });
  assert.equal(r.json.status, 'handling');
});

test('采办分离 R1: a department never handles the event it reported, in the external loop', async () => {
  const id = (await as.report('chengguan', report())).json.id;
  const ev = await as.event('chengguan', id);
  assert.equal(ev.source, 'assigned');
  await as.step('station', id, { action: 'escalate', note: '交城管' });
  await as.step('dispatcher', id, { action: 'register' });
  await as.step('dispatcher', id, { action: 'dispatch', dept: DEPT });
  const before = counts(srv.db, id);
  assertError(assert, await as.step('chengguan', id, { action: 'sign' }, { status: 0 }), 409, 'rule.reporter_handles');
  assertError(assert, await as.step('chengguan', id, { action: 'to_internal', note: '由社区处理' }, { status: 0 }), 409, 'rule.reporter_handles');
  assert.deepEqual(counts(srv.db, id), before);
  assert.ok(!(await as.event('chengguan', id)).allowed.some((a) => a.action === 'sign'));
});

test('extension: request, one at a time, approve moves deadline_at and due_at', async () => {
  const id = await dispatched();
  await as.step('chengguan', id, { action: 'sign' });
  assertError(assert, await as.step('chengguan', id, { action: 'extend_request', minutes: 120 }, { status: 0 }), 400, 'event.reason_required');
  assertError(assert, await as.step('chengguan', id, { action: 'extend_request', minutes: 0, note: 'x' }, { status: 0 }), 400);
  assertError(assert, await as.step('chengguan', id, { action: 'extend_approve' }, { status: 0 }), 403, 'event.forbidden');
  assertError(assert, await as.step('dispatcher', id, { action: 'extend_approve' }, { status: 0 }), 409, 'event.no_pending');
  const before = await as.event('dispatcher', id);
  let r = await as.step('chengguan', id, { action: 'extend_request', minutes: 120, note: '需等待材料' });
  assert.equal(r.json.pending, 'extend');
  assert.equal(r.json.pending_minutes, 120);
  assertError(assert, await as.step('chengguan', id, { action: 'extend_request', minutes: 60, note: '再延' }, { status: 0 }), 409, 'event.pending');
  assertError(assert, await as.step('chengguan', id, { action: 'to_internal', note: '外转内' }, { status: 0 }), 409, 'event.pending');
  // the queue of open requests
  assert.ok((await as.get('dispatcher', '/api/v1/events?pending=1&limit=200')).json.events.some((e) => e.id === id));
  r = await as.step('dispatcher', id, { action: 'extend_approve', note: '同意' });
  assert.equal(r.json.pending, null);
  assert.equal(r.json.extension_count, 1);
  assert.equal(secs(r.json.deadline_at) - secs(before.deadline_at), 7200);
  assert.equal(secs(r.json.due_at) - secs(before.due_at), 7200);
  assert.equal(r.json.phase_started_at, before.phase_started_at, 'the phase goes on');
  assert.deepEqual((await as.event('dispatcher', id)).timeline.at(-1).detail, { minutes: 120 });
  // a denied request changes no clock
  await as.step('chengguan', id, { action: 'extend_request', minutes: 60, note: '还需要时间' });
  assertError(assert, await as.step('dispatcher', id, { action: 'extend_deny' }, { status: 0 }), 400, 'event.reason_required');
  const r2 = await as.step('dispatcher', id, { action: 'extend_deny', note: '不同意' });
  assert.equal(r2.json.pending, null);
  assert.equal(r2.json.deadline_at, r.json.deadline_at);
  assert.equal(r2.json.extension_count, 1);
});

test('外转内: the department asks, the centre approves, the community loop takes it back', async () => {
  const id = await dispatched();
  await as.step('chengguan', id, { action: 'sign' });
  assertError(assert, await as.step('dispatcher', id, { action: 'to_internal_approve' }, { status: 0 }), 409, 'event.no_pending');
  let r = await as.step('chengguan', id, { action: 'to_internal', note: '属社区自治事项' });
  assert.equal(r.json.pending, 'to_internal');
  assertError(assert, await as.step('chengguan', id, { action: 'to_internal_approve' }, { status: 0 }), 403, 'event.forbidden');
  r = await as.step('dispatcher', id, { action: 'to_internal_approve', note: '同意外转内' });
  assert.equal(r.json.status, 'handling');
  assert.equal(r.json.loop, 'internal');
  assert.equal(r.json.level, 3);
  assert.equal(r.json.holder, COMMUNITY);
  assert.equal(r.json.dept, null);
  assert.equal(r.json.pending, null);
  assert.equal(r.json.handler_id, null);
  assertError(assert, await as.get('chengguan', `/api/v1/events/${id}`), 404, 'event.not_found');
  // the community loop finishes it
  r = await as.step('gridworker', id, { action: 'complete', result: '社区已协调解决' });
  assert.equal(r.json.status, 'verifying');
  await as.step('gridleader', id, { action: 'verify_pass' });
  r = await as.step('station', id, { action: 'close' });
  assert.equal(r.json.status, 'closed');
  // deny keeps it external
  const id2 = await dispatched();
  await as.step('chengguan', id2, { action: 'to_internal', note: '申请外转内' });
  r = await as.step('dispatcher', id2, { action: 'to_internal_deny', note: '仍属城管' });
  assert.equal(r.json.status, 'dispatched');
  assert.equal(r.json.loop, 'external');
  assert.equal(r.json.dept, DEPT);
});

test('rollback goes back one step (the centre only, with a reason)', async () => {
  const id = await dispatched();
  assertError(assert, await as.step('dispatcher', id, { action: 'rollback' }, { status: 0 }), 400, 'event.reason_required');
  assertError(assert, await as.step('station', id, { action: 'rollback', note: 'x' }, { status: 0 }), 403, 'event.forbidden');
  let r = await as.step('dispatcher', id, { action: 'rollback', note: '派错部门' });
  assert.equal(r.json.status, 'registered');
  assert.equal(r.json.dept, null);
  // one step only
  assertError(assert, await as.step('dispatcher', id, { action: 'rollback', note: '再退' }, { status: 0 }), 409, 'event.illegal_transition');
  r = await as.step('dispatcher', id, { action: 'dispatch', dept: '440111-zj' });
  assert.equal(r.json.dept, '440111-zj');
  // internal: verifying back to handling
  const id2 = (await as.report('gridworker', report())).json.id;
  await as.step('station', id2, { action: 'accept' });
  await as.step('gridworker', id2, { action: 'complete', result: '完成' });
  r = await as.step('dispatcher', id2, { action: 'rollback', note: '结果不完整' });
  assert.equal(r.json.status, 'handling');
  assert.equal((await as.event('dispatcher', id2)).timeline.at(-1).action, 'rollback');
});

test('supervise: the leader and the centre add a supervision row; others may not', async () => {
  const id = (await as.report('gridworker', report())).json.id;
  assertError(assert, await as.step('gridworker', id, { action: 'supervise', supervision: 1, note: 'x' }, { status: 0 }), 403, 'event.forbidden');
  assertError(assert, await as.step('station', id, { action: 'supervise', supervision: 1, note: 'x' }, { status: 0 }), 403, 'event.forbidden');
  assertError(assert, await as.step('leader', id, { action: 'supervise', supervision: 4, note: 'x' }, { status: 0 }), 400);
  let r = await as.step('leader', id, { action: 'supervise', supervision: 2, note: '黄牌督办：限期处理' });
  assert.equal(r.json.supervision, 2);
  r = await as.step('dispatcher', id, { action: 'supervise', supervision: 1, note: '普通督办' });
  assert.equal(r.json.supervision, 2, 'the highest level stays');
  const d = await as.event('command', id);
  assert.equal(d.supervisions.length, 2);
  assert.deepEqual(d.supervisions.map((s) => s.level).sort(), [1, 2]);
  const y = d.supervisions.find((s) => s.level === 2);
  assert.equal(y.level_label, '黄牌');
  assert.equal(y.actor_id, await as.id('leader'));
  assert.equal(y.note, '黄牌督办：限期处理');
  assert.equal(y.unit, '440111', "the leader's unit");
  assert.equal(d.supervisions.find((s) => s.level === 1).unit, TOWN, "the dispatcher's unit");
  assert.equal(dbNumber(srv.db, `SELECT COUNT(*) FROM event_supervision WHERE event_id = ${id}`), 2);
  // supervising does not move the event
  assert.equal(d.status, 'reported');
  // nor can a closed event be supervised
  await as.step('station', id, { action: 'reject', note: '重复上报' });
  assertError(assert, await as.step('leader', id, { action: 'supervise', supervision: 1, note: 'x' }, { status: 0 }), 409, 'event.illegal_transition');
});

test('merge: a merged event closes when its master closes', async () => {
  const master = (await as.report('gridworker', report())).json.id;
  const dup = (await as.report('resident', report({ description: '同一处垃圾' }))).json.id;
  assertError(assert, await as.step('station', dup, { action: 'merge' }, { status: 0 }), 400, 'event.target_required');
  assertError(assert, await as.step('gridworker', dup, { action: 'merge', master }, { status: 0 }), 403, 'event.forbidden');
  let r = await as.step('station', dup, { action: 'merge', master, note: '重复事件' });
  assert.equal(r.json.status, 'merged');
  assert.equal(r.json.master_id, master);
  // nothing merges into a merged event
  const third = (await as.report('gridworker', report())).json.id;
  assertError(assert, await as.step('station', third, { action: 'merge', master: dup }, { status: 0 }), 409, 'event.master_closed');
  // the resident sees it merged
  assert.equal((await as.get('resident', `/api/v1/events/${dup}`)).json.status, 'merged');
  // the master goes round the loop
  await as.step('station', master, { action: 'accept' });
  await as.step('gridworker', master, { action: 'complete', result: '已清理' });
  await as.step('gridleader', master, { action: 'verify_pass' });
  const before = counts(srv.db, dup);
  r = await as.step('station', master, { action: 'close' });
  assert.equal(r.json.status, 'closed');
  const d = await as.event('station', dup);
  assert.equal(d.status, 'closed');
  assert.ok(d.closed_at);
  const last = d.timeline.at(-1);
  assert.equal(last.action, 'close');
  assert.equal(last.from, 'merged');
  assert.match(last.note, new RegExp(`${master}`));
  assert.equal(counts(srv.db, dup).eventLogs, before.eventLogs + 1);
  // and the resident may rate it
  r = await as.step('resident', dup, { action: 'rate', rating: 1 });
  assert.equal(r.json.rating, 1);
});

test('rollback never strands an event in dispatched without a department', async () => {
  // after 退回: rolling back would put it at "dispatched" with no department to sign
  const id = await dispatched();
  await as.step('chengguan', id, { action: 'return', note: '不属于城管' });
  let r = await as.step('dispatcher', id, { action: 'rollback', note: '撤销退回' }, { status: 0 });
  if (r.status === 200) {
    assert.ok(r.json.status !== 'dispatched' || r.json.dept, `stranded: ${r.json.status}, dept ${r.json.dept}`);
  } else {
    assertError(assert, r, 409, 'event.illegal_transition');
  }
  assert.ok((await as.event('dispatcher', id)).allowed.some((a) => a.action === 'dispatch'), 'the centre can dispatch it again');
  // after 外转内 approved from dispatched: likewise
  const id2 = await dispatched();
  await as.step('chengguan', id2, { action: 'to_internal', note: '社区事项' });
  await as.step('dispatcher', id2, { action: 'to_internal_approve' });
  r = await as.step('dispatcher', id2, { action: 'rollback', note: '撤销' }, { status: 0 });
  if (r.status === 200) {
    assert.ok(r.json.status !== 'dispatched' || r.json.dept, `stranded: ${r.json.status}, loop ${r.json.loop}, dept ${r.json.dept}`);
  } else {
    assertError(assert, r, 409, 'event.illegal_transition');
  }
  assert.ok((await as.event('gridworker', id2)).allowed.some((a) => a.action === 'complete'), 'the community can handle it');
});
