// The duty rota page /duty in a real browser (docs/command-centre.md):
// the dispatcher (command of 三元里街道) sees who is on duty now and the
// month calendar; the station head (a 站长 on the demo rota, linked to his
// staff record) asks for a swap of one of his shifts; the dispatcher
// approves it and the calendar shows the colleague on that shift; a stale
// request fails in Chinese; clearing a shift puts it on the red gap list;
// the shift log takes an entry; the weekly pattern is edited.
//
// Screenshots (1366×768): tests/browser/artifacts/duty-*.png (gitignored).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { skipReason, launch, openPage, startServer, ROOT } from './lib/browser.mjs';

const skip = skipReason;
const PW = 'Wangge@2026';
const TOWN = '440111002';                        // 三元里街道
const SHOTS = join(ROOT, 'tests', 'browser', 'artifacts');
let srv, browser;
const tok = {};
let me;                                          // the station head's person id
let swap;                                        // {date, shift, to: {id, name}, from: name}

/** The current duty date in China Standard Time plus offset days (yesterday before 08:00). */
function dutyDay(offset = 0) {
  const local = new Date(Date.now() + 8 * 3600e3);
  if (local.getUTCHours() < 8) local.setUTCDate(local.getUTCDate() - 1);
  local.setUTCDate(local.getUTCDate() + offset);
  return local.toISOString().slice(0, 10);
}

const api = (u, path, opts = {}) => srv.request(opts.method || 'GET', path,
  { ...(opts.body ? { body: opts.body } : {}), headers: { authorization: `Bearer ${tok[u]}` } });

// the stale approval below answers 409 on purpose
const allowStatus = (url, status) => /\/api\/v1\/duty\/swaps\/\d+\/decision$/.test(url) && status === 409;

before(async () => {
  if (skip) return;
  srv = await startServer({ demo: true });
  for (const u of ['dispatcher', 'station', 'admin']) {
    const r = await srv.post('/api/v1/auth/login', { username: u, password: PW, kind: 'app' });
    assert.equal(r.status, 200, r.text);
    tok[u] = r.json.token;
  }
  // the station head is on the demo rota of his town: pick his first shift from tomorrow on
  const people = await api('station', `/api/v1/duty/people?centre=${TOWN}`);
  assert.equal(people.status, 200, people.text);
  me = people.json.me;
  assert.ok(me > 0, 'the demo station head is linked to a staff record');
  const cal = await api('station', `/api/v1/duty/calendar?centre=${TOWN}&from=${dutyDay(1)}&to=${dutyDay(30)}`);
  assert.equal(cal.status, 200, cal.text);
  for (const d of cal.json.days) {
    const s = d.shifts.find((x) => x.officers.some((p) => p.id === me));
    if (!s) continue;
    const on = new Set([...s.leaders, ...s.officers].map((p) => p.id));
    const to = people.json.people.find((p) => p.rota === 'officer' && !on.has(p.id));
    swap = { date: d.date, shift: s.shift, to, from: people.json.people.find((p) => p.id === me).name };
    break;
  }
  assert.ok(swap, 'the station head has a shift within 30 days');
  mkdirSync(SHOTS, { recursive: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-2000));
});

function assertClean(rec) {
  assert.deepEqual(rec.consoleErrors, [], 'no console errors');
  assert.deepEqual(rec.failed, [], 'no failed requests');
}

async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Log in through the form and land on /duty + hash with the calendar drawn. */
async function loginDuty(username, hash = '') {
  const rec = await openPage(browser, srv.url, { allowStatus });
  const { page } = rec;
  await page.goto(`${srv.url}/login?next=${encodeURIComponent(`/duty${hash}`)}`);
  await page.fill('#username', username);
  await page.fill('#password', PW);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/duty', { timeout: 15000 }),
    page.click('#login-submit'),
  ]);
  await page.waitForSelector('#main[data-state="ready"]', { timeout: 15000 });
  return rec;
}

/** Open the calendar on a shift (month view) and wait for it. */
async function showShift(page, date, shift) {
  await page.evaluate((h) => { location.hash = h; }, `#c=${TOWN}&tab=cal&view=month&d=${date}&sel=${date}.${shift}`);
  await page.waitForSelector(`button.shift.is-selected[data-key="${date}.${shift}"]`, { timeout: 15000 });
  await page.waitForSelector('#sp-title');
}

const namesOn = (page, key) => page.locator(`button.shift[data-key="${key}"] .p:not(.removed)`).allTextContents()
  .then((a) => a.map((t) => t.replace(/[⇄+]|（.*）/g, '').trim()));

test('the dispatcher sees who is on duty now and the month calendar', { skip }, async () => {
  const now = (await api('dispatcher', `/api/v1/duty/now?unit=${TOWN}`)).json;
  const rec = await loginDuty('dispatcher');
  const { page } = rec;
  try {
    assert.equal(await page.locator('#centre-pick').inputValue(), TOWN, 'the dispatcher opens on his own town');
    const banner = await page.locator('#duty-now').innerText();
    assert.match(banner, /正在值班/);
    assert.match(banner, /三元里街道/);
    for (const p of [...now.shift.leaders, ...now.shift.officers]) assert.ok(banner.includes(p.name), `${p.name} in the banner`);
    assert.ok(banner.includes(now.shift.leaders[0].phone), 'phones shown');
    // the month grid: today highlighted, the running shift marked and selected
    assert.equal(await page.locator('td.cal-day.is-today').count(), 1);
    assert.equal(await page.locator('td.cal-day.is-today').getAttribute('data-date'), dutyDay(0));
    const cur = page.locator('button.shift.is-now');
    assert.equal(await cur.count(), 1);
    assert.equal(await cur.getAttribute('aria-pressed'), 'true');
    assert.match(await page.locator('#shift-panel').innerText(), /正在值班/);
    assert.ok((await page.locator('td.cal-day').count()) >= 28);
    // the centre picker offers the district and his town only
    const opts = await page.locator('#centre-pick option').evaluateAll((o) => o.map((x) => x.value));
    assert.deepEqual(opts, ['440111', TOWN]);
    // the demo's approved swap is marked as such
    assert.ok((await page.locator('.p.by-swap').count()) >= 1, 'an approved demo swap shows ⇄');
    await shot(page, 'duty-1366x768-dispatcher-month');
    // the week list and back, by keyboard on the view switch
    await page.click('button[data-view="week"]');
    await page.waitForSelector('#cal-week');
    assert.equal(await page.locator('#cal-week tbody th[scope="row"]').count(), 7);
    await shot(page, 'duty-1366x768-dispatcher-week');
    await page.focus('button[data-view="month"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#cal-month');
    // a shift chosen by keyboard opens in the side panel
    const key = await page.locator('button.shift:not(.is-selected)').first().getAttribute('data-key');
    await page.focus(`button.shift[data-key="${key}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`button.shift.is-selected[data-key="${key}"]`);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.key), key, 'focus stays on the shift');
    // arrow keys move between shifts: a week down and back up
    const down = await page.evaluate(() => document.activeElement.dataset.date);
    await page.keyboard.press('ArrowDown');
    const below = await page.evaluate(() => document.activeElement.dataset.date);
    assert.equal(Date.parse(below) - Date.parse(down), 7 * 86400e3);
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.key), key);
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('a rota swap: the station head asks, the dispatcher approves, the calendar shows the colleague', { skip }, async () => {
  const key = `${swap.date}.${swap.shift}`;
  // the station head asks on his own shift
  const st = await loginDuty('station');
  try {
    const { page } = st;
    await showShift(page, swap.date, swap.shift);
    assert.match(await page.locator('#shift-panel').innerText(), /我/, 'his own shift is marked');
    await page.click('#btn-swap');
    await page.waitForSelector('#swap-form');
    await page.selectOption('#swap-form select[id$="-to"]', String(swap.to.id));
    await page.fill('#swap-form textarea', '<img src=x>参加区里培训');
    await page.click('#swap-form button[type="submit"]');
    await page.waitForSelector('#shift-msg.msg-ok', { timeout: 15000 });
    assert.match(await page.locator('#shift-msg').innerText(), /换班申请已提交/);
    assert.match(await page.locator(`button.shift[data-key="${key}"]`).innerText(), /换班待批/);
    await shot(page, 'duty-1366x768-station-swap-asked');
    // asking again for the same shift: 409 duty.swap_pending, in Chinese
    await page.click('#btn-swap');
    await page.selectOption('#swap-form select[id$="-to"]', String(swap.to.id));
    const again = page.waitForResponse((r) => r.url().endsWith('/api/v1/duty/swaps') && r.request().method() === 'POST');
    await page.click('#swap-form button[type="submit"]');
    assert.equal((await again).status(), 409);
    await page.waitForSelector('#swap-form .msg-error');
    assert.match(await page.locator('#swap-form .msg-error').innerText(), /已有一条待审批的换班申请/);
    st.failed = st.failed.filter((f) => !/\/api\/v1\/duty\/swaps HTTP 409$/.test(f));
    assertClean(st);
  } finally {
    await st.close();
  }

  // the dispatcher approves it
  const rec = await loginDuty('dispatcher', `#c=${TOWN}&tab=swaps`);
  const { page } = rec;
  try {
    await page.waitForSelector('#pending-list');
    const card = page.locator('#pending-list li.swap-card').filter({ hasText: swap.to.name });
    assert.equal(await card.count(), 1);
    const text = await card.innerText();
    assert.ok(text.includes(swap.from) && text.includes('<img src=x>参加区里培训'), 'names and the reason, as text');
    assert.equal(await page.locator('#pending-list img').count(), 0, 'no HTML from the reason');
    assert.match(await page.locator('#tab-swaps').innerText(), /1/, 'the tab counts the pending request');
    await shot(page, 'duty-1366x768-dispatcher-swap-pending');
    await card.locator('input').fill('同意，注意交接');
    await card.locator('button[data-act="approve"]').click();
    await page.waitForSelector('#swaps-msg.msg-ok', { timeout: 15000 });
    assert.match(await page.locator('#swaps-msg').innerText(), /已批准/);
    assert.equal(await page.locator('#pending-list').count(), 0);
    assert.match(await page.locator('#done-table').innerText(), /同意，注意交接/);

    // the calendar: the colleague on that shift, marked as a swap; the station head off it
    await showShift(page, swap.date, swap.shift);
    const names = await namesOn(page, key);
    assert.ok(names.includes(swap.to.name), `${swap.to.name} on ${key}: ${names}`);
    assert.ok(!names.includes(swap.from), `${swap.from} off ${key}: ${names}`);
    const chip = page.locator(`button.shift[data-key="${key}"] .p.by-swap`).filter({ hasText: swap.to.name });
    assert.equal(await chip.count(), 1, 'the swapped person carries the swap mark');
    assert.match(await page.locator('#shift-panel').innerText(), new RegExp(`换班，替 ${swap.from}`));
    await shot(page, 'duty-1366x768-dispatcher-swapped');
    assertClean(rec);
  } finally {
    await rec.close();
  }
  // and the API agrees
  const cal = await api('dispatcher', `/api/v1/duty/calendar?centre=${TOWN}&from=${swap.date}&to=${swap.date}`);
  const s = cal.json.days[0].shifts.find((x) => x.shift === swap.shift);
  assert.ok(s.officers.some((p) => p.id === swap.to.id && p.swap_id));
  assert.ok(!s.officers.some((p) => p.id === me));
});

test('a stale swap cannot be approved: the reason is shown in Chinese', { skip }, async () => {
  // a pending request (asked by the station head for his next shift), then
  // the admin takes him off that shift: the request no longer fits
  const cal = await api('station', `/api/v1/duty/calendar?centre=${TOWN}&from=${dutyDay(1)}&to=${dutyDay(40)}`);
  const day = cal.json.days.find((d) => d.date !== swap.date && d.shifts.some((s) => s.officers.some((p) => p.id === me)));
  const s = day.shifts.find((x) => x.officers.some((p) => p.id === me));
  const on = new Set([...s.leaders, ...s.officers].map((p) => p.id));
  const people = (await api('station', `/api/v1/duty/people?centre=${TOWN}`)).json.people;
  const to = people.find((p) => p.rota === 'officer' && !on.has(p.id));
  const r = await api('station', '/api/v1/duty/swaps', { method: 'POST', body: { centre: TOWN, date: day.date, shift: s.shift, to_person_id: to.id } });
  assert.equal(r.status, 201, r.text);
  const x = await api('admin', `/api/v1/duty/centres/${TOWN}/exceptions`,
    { method: 'POST', body: { date: day.date, shift: s.shift, action: 'remove', person_id: me, note: '另有任务' } });
  assert.equal(x.status, 201, x.text);

  const rec = await loginDuty('dispatcher', `#c=${TOWN}&tab=swaps`);
  const { page } = rec;
  try {
    const card = page.locator(`#pending-list li[data-swap="${r.json.swap.id}"]`);
    await card.locator('button[data-act="approve"]').click();
    await card.locator('.msg-error').waitFor({ timeout: 15000 });
    assert.match(await card.locator('.msg-error').innerText(), /排班在申请之后有了变动/);
    await shot(page, 'duty-1366x768-dispatcher-swap-stale');
    // the removal shows in the calendar as such
    await showShift(page, day.date, s.shift);
    assert.equal(await page.locator(`button.shift[data-key="${day.date}.${s.shift}"] .p.removed`).count(), 1);
    assert.match(await page.locator('#shift-panel').innerText(), /调出/);
    // reject it instead
    await page.evaluate((h) => { location.hash = h; }, `#c=${TOWN}&tab=swaps`);
    await page.locator(`#pending-list li[data-swap="${r.json.swap.id}"] button[data-act="reject"]`).click();
    await page.waitForSelector('#swaps-msg.msg-ok');
    assert.match(await page.locator('#swaps-msg').innerText(), /已驳回/);
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('clearing a shift puts it on the red gap list; the shift log takes an entry', { skip }, async () => {
  const day = dutyDay(3);
  const rec = await loginDuty('dispatcher');
  const { page } = rec;
  try {
    assert.equal(await page.locator(`#gap-list li[data-date="${day}"]`).count(), 0, 'no gap before');
    const shift = 'full';                        // towns run 24-hour shifts
    await showShift(page, day, shift);
    await page.click('#btn-exception');
    await page.selectOption('#exception-form select[id$="-action"]', 'clear');
    await page.fill('#exception-form input[id$="-note"]', '原值班人员参加培训，待补排');
    await page.click('#exception-form button[type="submit"]');
    await page.locator('dialog.dlg button[value="ok"]').click();
    await page.waitForSelector(`#gap-list li[data-date="${day}"][data-shift="${shift}"]`, { timeout: 15000 });
    // the gaps are drawn before the calendar: wait for the whole page
    await page.waitForSelector(`#main[data-state="ready"] button.shift[data-key="${day}.${shift}"] .flag-gap`, { timeout: 15000 });
    const gap = await page.locator(`#gap-list li[data-date="${day}"]`).innerText();
    assert.match(gap, /无人值班/);
    assert.match(await page.locator(`button.shift[data-key="${day}.${shift}"]`).innerText(), /已清空/);
    assert.equal(await page.locator('#duty-gaps').getAttribute('role'), 'alert');
    await shot(page, 'duty-1366x768-dispatcher-gap');

    // the shift log of the shift running now
    await page.click('#tab-log');
    await page.waitForSelector('#log-title');
    await page.fill('#log-text', '10:15 接群众来电反映道路积水，<b>已派</b>网格员现场核实。');
    await page.click('#log-submit');
    await page.waitForSelector('#log-msg.msg-ok', { timeout: 15000 });
    assert.match(await page.locator('#log-entries').innerText(), /<b>已派<\/b>网格员/);
    assert.equal(await page.locator('#log-entries b').count(), 0);
    await shot(page, 'duty-1366x768-dispatcher-log');
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('the weekly pattern: the dispatcher edits a weekday from a later date', { skip }, async () => {
  const from = dutyDay(35);
  const rec = await loginDuty('dispatcher', `#c=${TOWN}&tab=pattern`);
  const { page } = rec;
  try {
    await page.waitForSelector('#pattern-table');
    await shot(page, 'duty-1366x768-dispatcher-pattern');
    // Wednesday: take off its first officer, add another person
    const wed = page.locator('#pattern-table tbody[data-weekday="3"]');
    const first = wed.locator('.chip-officer').first();
    const gone = Number(await first.getAttribute('data-person'));
    await first.locator('.chip-x').click();
    const add = wed.locator('select[id$="-officer"]');
    const value = await add.locator('optgroup option').first().getAttribute('value');
    await add.selectOption(value);
    await page.fill('#pattern-start', from);
    await page.click('#pattern-save');
    await page.locator('dialog.dlg button[value="ok"]').click();
    await page.waitForSelector('#pattern-msg.msg-ok', { timeout: 15000 });
    const rows = (await api('dispatcher', `/api/v1/duty/centres/${TOWN}/pattern`)).json.rows.filter((r) => r.starts_on === from);
    const wedRows = rows.filter((r) => r.weekday === 3);
    assert.ok(wedRows.some((r) => r.person.id === Number(value) && r.role === 'officer'));
    assert.ok(!wedRows.some((r) => r.person.id === gone));
    assert.equal(new Set(rows.map((r) => r.weekday)).size, 7, 'the other weekdays kept');
    assertClean(rec);
  } finally {
    await rec.close();
  }
});
