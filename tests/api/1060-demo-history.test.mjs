// `wangge demo --events N`: a year of grid events in the demo district.
// With 20,000 events ending on a Thursday morning (fixed with --events-end,
// so the run is reproducible): the count is exact, about 99% close, every
// open status is present, every point locates to its grid (all of them, by
// /api/v1/locate/batch, and 50 one by one through /api/v1/locate), every
// timeline ends in the event's status, sources and categories follow the
// design, and the same seed gives the same history. On PostgreSQL the
// whole-table invariants are also checked in SQL through psql (there is no
// sqlite3 client here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, wangge, tmpDb, psql, PG } from './lib/harness.mjs';

const N = 20000;
const END = '2026-11-26T02:30:00Z';        // Thursday 10:30 China time
const OPEN = ['reported', 'handling', 'escalated', 'registered', 'dispatched', 'verifying',
              'verified'];

function demo(db, seed, events = N) {
  const r = wangge(['demo', '--db', db, '--seed', String(seed), '--events', String(events),
                    '--events-end', END], { timeout: 600000 });
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith('history: '));
  assert.ok(line, `no history line in ${r.stdout}`);
  return line.replace(/ in [\d.]+ s$/, '');
}

let srv, token, summary;
const events = [];

const auth = () => ({ headers: { authorization: `Bearer ${token}` } });

before(async () => {
  const db = tmpDb();
  summary = demo(db, 1);
  srv = await startServer({ db });
  const r = await srv.post('/api/v1/auth/login', { username: 'admin', password: 'Wangge@2026',
                                                   kind: 'app' });
  assert.equal(r.status, 200, r.text);
  token = r.json.token;
  for (let after = null; ;) {
    const q = `/api/v1/events?limit=200${after ? `&after=${after}` : ''}`;
    const p = await srv.get(q, auth());
    assert.equal(p.status, 200, p.text);
    events.push(...p.json.events);
    if (!p.json.next_cursor) break;
    after = p.json.next_cursor;
  }
});

after(async () => { if (srv) await srv.stop(); });

const share = (f) => events.filter(f).length / events.length;

test('the requested count, and a summary line that says what was made', () => {
  assert.equal(events.length, N);
  assert.equal(new Set(events.map((e) => e.id)).size, N);
  assert.match(summary, new RegExp(`^history: ${N} events over 365 days \\(`));
  const first = Date.parse(events[events.length - 1].created_at);
  const last = Date.parse(events[0].created_at);
  assert.ok(last <= Date.parse(END) && last > Date.parse(END) - 6 * 3600e3, 'up to the end');
  assert.ok(first >= Date.parse(END) - 365 * 86400e3 && first < Date.parse(END) - 364 * 86400e3,
            'from a year before');
});

test('about 99% closed, about 1% rejected, every open status present', () => {
  const closed = share((e) => e.status === 'closed');
  const rejected = share((e) => e.status === 'rejected');
  assert.ok(closed > 0.975 && closed < 0.995, `closed ${closed}`);
  assert.ok(rejected > 0.005 && rejected < 0.016, `rejected ${rejected}`);
  const open = events.filter((e) => OPEN.includes(e.status));
  for (const s of OPEN) assert.ok(open.some((e) => e.status === s), `an open event in ${s}`);
  assert.ok(open.length > 20 && open.length < 400, `${open.length} open`);
  // the open ones are recent, bar a few stuck ones
  const recent = open.filter((e) => Date.parse(e.created_at) > Date.parse(END) - 10 * 86400e3);
  assert.ok(recent.length / open.length > 0.9);
  assert.ok(!events.some((e) => e.status === 'merged'));
});

test('closed events close after they were reported; escalations reach town and district', () => {
  for (const e of events.filter((x) => x.status === 'closed')) {
    assert.ok(e.closed_at, `event ${e.id} has closed_at`);
    assert.ok(Date.parse(e.closed_at) >= Date.parse(e.created_at), `event ${e.id}`);
  }
  const closed = events.filter((e) => e.status === 'closed');
  const external = closed.filter((e) => e.loop === 'external').length / closed.length;
  const district = closed.filter((e) => e.level === 1).length / closed.length;
  assert.ok(external > 0.15 && external < 0.26, `external ${external}`);
  assert.ok(district > 0.01 && district < 0.06, `district ${district}`);
  const depts = new Set(closed.filter((e) => e.loop === 'external').map((e) => e.dept));
  for (const d of ['cg', 'zj', 'ga', 'sj', 'wj', 'yj', 'sw']) assert.ok(depts.has(`440111-${d}`), d);
});

test('sources and categories as designed', async () => {
  const expect = { patrol: 0.55, resident: 0.30, wechat: 0.08, hotline: 0.05, assigned: 0.02 };
  for (const [s, want] of Object.entries(expect)) {
    const got = share((e) => e.source === s);
    assert.ok(Math.abs(got - want) < Math.max(0.2 * want, 0.008), `${s}: ${got} vs ${want}`);
  }
  const hotline = events.filter((e) => e.source === 'hotline');
  for (const e of hotline) assert.match(e.external_id, /^GZ12345-\d{11}$/);
  assert.equal(new Set(hotline.map((e) => e.external_id)).size, hotline.length);
  assert.ok(share((e) => e.urgency === 'normal') > 0.85);

  const cats = await srv.get('/api/v1/event-categories', auth());
  assert.equal(cats.status, 200, cats.text);
  const list = (cats.json.categories || cats.json).flatMap((c) => [c, ...(c.children || [])]);
  const level2 = list.filter((c) => c.code.includes('.'));
  assert.ok(level2.length >= 20);
  const seen = new Set(events.map((e) => e.category));
  for (const c of level2) assert.ok(seen.has(c.code), `category ${c.code} occurs`);
  // 市容环境 is the biggest category, 城市管理 the biggest group (taxonomy weights)
  const by = (f) => share((e) => f(e.category));
  assert.ok(by((c) => c === 'csgl.srhj') > 0.12 && by((c) => c === 'csgl.srhj') < 0.28);
  assert.ok(by((c) => c.startsWith('csgl.')) > by((c) => c.startsWith('mdjf.')));
});

test('the rhythm: few at night, fewer on Sundays, more in summer than at Spring Festival', () => {
  const hour = (e) => (new Date(e.created_at).getUTCHours() + 8) % 24;
  const night = share((e) => hour(e) >= 1 && hour(e) < 5);
  const morning = share((e) => hour(e) >= 9 && hour(e) < 11);
  assert.ok(night < 0.03 && morning > 0.15, `night ${night}, 9-11 ${morning}`);
  const wday = (e) => new Date(Date.parse(e.created_at) + 8 * 3600e3).getUTCDay();
  const sunday = share((e) => wday(e) === 0), tuesday = share((e) => wday(e) === 2);
  assert.ok(sunday < 0.8 * tuesday, `sunday ${sunday} tuesday ${tuesday}`);
  const month = (m) => share((e) => e.created_at.startsWith(m));
  assert.ok(month('2026-07') > 1.5 * month('2026-02'), 'July busier than February');
});

test('every point lies in its grid: all through locate/batch, 50 through locate', async () => {
  for (let i = 0; i < events.length; i += 10000) {
    const chunk = events.slice(i, i + 10000);
    const r = await srv.post('/api/v1/locate/batch',
                             { crs: 'wgs84', points: chunk.map((e) => [e.lon, e.lat]) });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    chunk.forEach((e, k) => {
      assert.ok(r.json.results[k], `event ${e.id} point outside every grid`);
      assert.equal(r.json.results[k].grid, e.grid, `event ${e.id}`);
    });
  }
  for (let k = 0; k < 50; k++) {
    const e = events[(k * 7919) % events.length];
    const r = await srv.get(`/api/v1/locate?lat=${e.lat}&lon=${e.lon}&crs=wgs84`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.grid.code ?? r.json.grid, e.grid, `event ${e.id}`);
  }
});

test('timelines: at least one row, the last one ends in the event status', async () => {
  const pick = [...events.filter((e) => OPEN.includes(e.status)).slice(0, 120)];
  for (let k = 0; k < 150; k++) pick.push(events[(k * 104729) % events.length]);
  for (const e of pick) {
    const r = await srv.get(`/api/v1/events/${e.id}`, auth());
    assert.equal(r.status, 200, r.text);
    const tl = r.json.timeline;
    assert.ok(tl.length >= 1, `event ${e.id} has a timeline`);
    assert.equal(tl[0].action, 'report');
    assert.equal(tl[tl.length - 1].to, r.json.status, `event ${e.id}`);
    for (let i = 1; i < tl.length; i++)
      assert.ok(Date.parse(tl[i].at) >= Date.parse(tl[i - 1].at), `event ${e.id} in time order`);
    if (r.json.status === 'closed')
      assert.equal(tl.filter((x) => x.action === 'close').length >= 1, true);
    if (OPEN.includes(r.json.status)) {
      assert.ok(r.json.deadline_at, `open event ${e.id} has a deadline`);
    }
  }
});

test('warnings and supervision on the open ones; ratings on resident reports', async () => {
  const red = await srv.get('/api/v1/events?status=open&warning=any&limit=200', auth());
  assert.equal(red.status, 200, red.text);
  assert.ok(red.json.events.length >= 1, 'some open events are yellow or red');
  const sup = await srv.get('/api/v1/events?supervised=1&limit=200', auth());
  // the supervision lists are of open events: some of the late open ones are on them
  assert.ok(sup.json.events.length >= 1, 'overdue open events are supervised');
  assert.ok(sup.json.events.every((e) => e.supervision > 0 && OPEN.includes(e.status)));
  const rated = events.filter((e) => e.source === 'resident' && e.status === 'closed' && e.rating);
  const residentClosed = events.filter((e) => e.source === 'resident' && e.status === 'closed');
  assert.ok(rated.length / residentClosed.length > 0.75);
  const good = rated.filter((e) => e.rating === 1).length / rated.length;
  assert.ok(good > 0.85 && good < 0.95, `满意 ${good}`);
});

test('whole-table invariants in SQL', { skip: !PG && 'needs WANGGE_TEST_PG (no sqlite3 client here)' },
     () => {
  const q = (sql) => psql(sql, { url: srv.db }).trim();
  assert.equal(q('SELECT count(*) FROM event e WHERE NOT EXISTS '
                 + '(SELECT 1 FROM event_log l WHERE l.event_id = e.id)'), '0');
  assert.equal(q('SELECT count(*) FROM event e WHERE status <> (SELECT to_status FROM event_log l '
                 + 'WHERE l.event_id = e.id ORDER BY id DESC LIMIT 1)'), '0');
  assert.equal(q('SELECT count(*) FROM event WHERE closed_at < created_at'), '0');
  assert.equal(q("SELECT count(*) FROM event WHERE status IN ('closed', 'rejected') "
                 + 'AND next_check_at IS NOT NULL'), '0');
  assert.equal(q("SELECT count(*) FROM event WHERE status NOT IN ('closed', 'rejected') "
                 + 'AND next_check_at IS NULL AND overdue = 0'), '0');
  assert.equal(q('SELECT count(*) FROM event WHERE day <> to_char(to_timestamp(created_at) '
                 + "AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"), '0');
  assert.equal(q('SELECT count(*) FROM event_supervision s WHERE NOT EXISTS '
                 + '(SELECT 1 FROM event e WHERE e.id = s.event_id AND e.supervision > 0)'), '0');
  // the id generators moved past the history
  assert.equal(q("SELECT nextval(pg_get_serial_sequence('event', 'id')) > max(id) FROM event"), 't');
});

test('the same seed gives the same history, another seed another one', () => {
  const again = demo(tmpDb(), 1);
  assert.equal(again, summary);
  const other = demo(tmpDb(), 2);
  assert.notEqual(other, summary);
});

test('--events 0 writes no events, bad values are refused', async () => {
  const db = tmpDb();
  const r = wangge(['demo', '--db', db, '--events', '0']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stdout.includes('history:'));
  for (const bad of [['--events', '-1'], ['--events', 'many'], ['--events-end', 'yesterday']]) {
    const b = wangge(['demo', '--db', tmpDb(), ...bad]);
    assert.notEqual(b.status, 0, bad.join(' '));
  }
});
