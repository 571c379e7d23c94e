// Grid events (issue 5): clocks. The server runs its warning job every
// 0.5 s ([events] clock_ms = 500); the tests move an event's clock into the
// past with SQL and watch the job turn the warning yellow, then red, raise
// automatic supervision 普通 -> 黄牌 -> 红牌 on the next level's unit, set
// `overdue`, and write 'warning' / 'supervise' rows into the timeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, demoDb, tmpDir } from './lib/harness.mjs';
import { actors, dbExec, dbNumber, gridPoint, until, TOWN } from './lib/events.mjs';

let srv;
let as;
let point;
let seq = 0;
const report = (extra = {}) => ({ category: 'csgl.srhj', description: `时限测试 #${++seq}`, lon: point[0], lat: point[1], ...extra });

before(async () => {
  const cfg = join(tmpDir(), 'wangge.ini');
  writeFileSync(cfg, '[events]\nclock_ms = 500\n');
  srv = await startServer({ db: demoDb({ events: 0 }), args: ['--config', cfg] });
  as = actors(srv);
  point = await gridPoint(srv);
  await as.login('command', 'dispatcher', 'station', 'gridworker', 'resident');
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, `server exit: ${srv.stderr.slice(-3000)}`);
});

/** The phase's allowance in seconds, from the database. */
const allowance = (id) => dbNumber(srv.db, `SELECT deadline_at - phase_started_at FROM event WHERE id = ${id}`);

/**
 * Move the phase clock so that `used` of the allowance a has passed, and
 * make the event due for the job now; optionally the whole-event due time.
 */
function age(id, a, used, { due } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const start = now - Math.round(a * used);
  dbExec(srv.db, `UPDATE event SET phase_started_at = ${start}, warn_at = ${start + Math.floor(a * 8 / 10)}, ` +
                 `deadline_at = ${start + a}, next_check_at = ${now - 1}` +
                 (due ? `, due_at = ${now - 1}` : '') + ` WHERE id = ${id}`);
}

const supervisions = (id) => dbExec(srv.db, `SELECT level || ' ' || unit_code || ' ' || COALESCE(actor_id, 0) FROM event_supervision WHERE event_id = ${id} ORDER BY id`)
  .trim().split('\n').filter(Boolean);

test('an untouched event is left alone by the job', async () => {
  const ev = (await as.report('gridworker', report())).json;
  await new Promise((r) => setTimeout(r, 1300));
  const d = await as.event('station', ev.id);
  assert.equal(d.warning, 'none');
  assert.equal(d.supervision, 0);
  assert.equal(d.timeline.length, 1);
  assert.equal(d.version, ev.version);
});

test('warning yellow at 80%, red and 普通 at 100%, 黄牌 at 150%, 红牌 at 200%, overdue past due_at', async () => {
  const id = (await as.report('gridworker', report())).json.id;
  const a = allowance(id);
  assert.equal(a, 120 * 60);

  age(id, a, 0.85);
  let d = await until(async () => { const e = await as.event('station', id); return e.warning === 'yellow' && e; }, 8000, 'yellow');
  assert.equal(d.supervision, 0);
  assert.equal(d.overdue, false);
  assert.equal(d.status, 'reported', 'a warning does not move the event');
  let last = d.timeline.at(-1);
  assert.equal(last.action, 'warning');
  assert.equal(last.action_label, '预警');
  assert.equal(last.note, '即将超时');
  assert.equal(last.public, false);
  assert.deepEqual(supervisions(id), []);
  assert.ok((await as.get('command', '/api/v1/events?warning=yellow&limit=200')).json.events.some((e) => e.id === id));

  age(id, a, 1.1);
  d = await until(async () => { const e = await as.event('station', id); return e.warning === 'red' && e; }, 8000, 'red');
  assert.equal(d.supervision, 1);
  last = d.timeline.at(-1);
  assert.equal(last.action, 'supervise');
  assert.equal(last.actor_id, null, 'raised by the system');
  assert.match(last.note, /自动督办/);
  // onto the town's list: the community holds it
  assert.deepEqual(supervisions(id), [`1 ${TOWN} 0`]);
  assert.equal(d.supervisions[0].level_label, '普通');
  assert.ok((await as.get('command', '/api/v1/events?warning=red&supervised=1&limit=200')).json.events.some((e) => e.id === id));

  age(id, a, 1.6);
  d = await until(async () => { const e = await as.event('station', id); return e.supervision === 2 && e; }, 8000, '黄牌');
  assert.deepEqual(supervisions(id), [`1 ${TOWN} 0`, `2 ${TOWN} 0`]);
  assert.match(d.timeline.at(-1).note, /黄牌/);
  assert.equal(d.overdue, false);

  age(id, a, 2.1, { due: true });
  d = await until(async () => { const e = await as.event('station', id); return e.supervision === 3 && e; }, 8000, '红牌');
  assert.deepEqual(supervisions(id), [`1 ${TOWN} 0`, `2 ${TOWN} 0`, `3 ${TOWN} 0`]);
  assert.match(d.timeline.at(-1).note, /红牌/);
  assert.equal(d.overdue, true);
  assert.deepEqual(d.timeline.at(-1).detail, { warning: 2, overdue: 1 });
  // nothing more to wait for: the job leaves it alone
  const logs = dbNumber(srv.db, `SELECT COUNT(*) FROM event_log WHERE event_id = ${id}`);
  assert.equal(dbNumber(srv.db, `SELECT COALESCE(next_check_at, 0) FROM event WHERE id = ${id}`), 0);
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(dbNumber(srv.db, `SELECT COUNT(*) FROM event_log WHERE event_id = ${id}`), logs);
  // the resident-facing view has none of it
  // a step restarts the phase clock: no warning, a fresh deadline; overdue stays
  const r = await as.step('station', id, { action: 'accept' });
  assert.equal(r.json.warning, 'none');
  assert.ok(Date.parse(r.json.deadline_at) > Date.now());
  assert.equal(r.json.overdue, true, 'overdue stays once set');
});

test('a jump past several marks raises one supervision at the level due', async () => {
  const id = (await as.report('gridworker', report())).json.id;
  age(id, allowance(id), 1.7);
  const d = await until(async () => { const e = await as.event('station', id); return e.supervision === 2 && e; }, 8000, '黄牌');
  assert.equal(d.warning, 'red');
  assert.deepEqual(supervisions(id), [`2 ${TOWN} 0`]);
});

test("a town's event is supervised by the district", async () => {
  const ev = (await as.report('dispatcher', report({ source: 'hotline', external_id: `CLK-${process.pid}` }))).json;
  assert.equal(ev.level, 2);
  age(ev.id, allowance(ev.id), 1.05);
  await until(async () => (await as.event('dispatcher', ev.id)).supervision === 1, 8000, '普通');
  assert.deepEqual(supervisions(ev.id), ['1 440111 0']);
});

test('a closed event is never warned', async () => {
  const id = (await as.report('gridworker', report())).json.id;
  await as.step('station', id, { action: 'reject', note: '无效上报' });
  const now = Math.floor(Date.now() / 1000);
  // even with a stale check time left behind
  dbExec(srv.db, `UPDATE event SET phase_started_at = ${now - 100000}, deadline_at = ${now - 90000}, next_check_at = ${now - 1} WHERE id = ${id}`);
  await new Promise((r) => setTimeout(r, 1500));
  const d = await as.event('station', id);
  assert.equal(d.warning, 'none');
  assert.equal(d.supervision, 0);
  assert.deepEqual(supervisions(id), []);
  assert.deepEqual(d.timeline.map((t) => t.action), ['report', 'reject']);
});
