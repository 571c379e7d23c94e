// 事件指标 (/kpi) in a real browser, against `wangge demo` with a small year
// of history:
//   - the district's command officer sees the totals (tiles) and a row for
//     each of the 24 towns, with the API's figures; a town row drills down,
//     the crumbs go back, the URL keeps the view (reload, back button);
//   - by category, a 大类 row opens its 小类; the period presets and the
//     dates; 环比/同比 shown; CSV and Excel links carry the view;
//   - 查看事件 opens the workbench on the same events;
//   - a grid worker sees their grid (no rows); department staff are told
//     the page is not for them.
//
// Screenshots: tests/artifacts/kpi-*.png (gitignored).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason, launch, openPage, startServer, screenshot } from './lib/browser.mjs';

const skip = skipReason;
const PW = 'Wangge@2026';
let srv, browser;
const tok = {};
const auth = (u) => ({ headers: { authorization: `Bearer ${tok[u]}` } });

before(async () => {
  if (skip) return;
  srv = await startServer({ demo: true });
  for (const u of ['command']) {
    const r = await srv.post('/api/v1/auth/login', { username: u, password: PW, kind: 'app' });
    assert.equal(r.status, 200, r.text);
    tok[u] = r.json.token;
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (srv) await srv.stop();
});

async function as(username, path) {
  const rec = await openPage(browser, srv.url, { viewport: { width: 1366, height: 900 } });
  const { page } = rec;
  await page.goto(`${srv.url}/login?next=${encodeURIComponent(path)}`);
  await page.fill('#username', username);
  await page.fill('#password', PW);
  await Promise.all([page.waitForURL((u) => u.pathname === path.split('?')[0], { timeout: 15000 }), page.click('#login-submit')]);
  await page.waitForSelector('#main[data-ready="1"]', { timeout: 15000 });
  return rec;
}

const cellsOf = (page, sel) => page.locator(`${sel} > *`).allInnerTexts();
const pct = (v) => `${(v * 100).toFixed(2)}%`;
const int = (v) => v.toLocaleString('zh-CN');

test('the district by town, drill-down and back, as the API counts', { skip }, async () => {
  // the whole demo year: the last 365 days up to tomorrow
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const day = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);
  const from = day(today, -400), to = day(today, 1);
  const api = (await srv.get(`/api/v1/kpi?unit=440111&from=${from}&to=${to}&by=unit`, auth('command'))).json;
  assert.ok(api.total.reported > 1000, `demo history: ${api.total.reported}`);

  const rec = await as('command', `/kpi?unit=440111&from=${from}&to=${to}&by=unit`);
  const { page } = rec;
  try {
    assert.equal(await page.locator('.kpi-tile[data-key="reported"] .kpi-value').innerText(), int(api.total.reported));
    assert.equal(await page.locator('.kpi-tile[data-key="on_time_rate"] .kpi-value').innerText(), pct(api.total.on_time_rate));
    assert.match(await page.locator('.kpi-tile[data-key="close_rate"]').innerText(), /环比.*\n?.*同比/s);
    assert.equal(await page.locator('#kpi-table tbody tr').count(), 24, 'a row for every town');
    const town = api.rows.find((r) => r.code === '440111002');
    const cells = await cellsOf(page, '#kpi-table tbody tr[data-code="440111002"]');
    assert.equal(cells[0], '三元里街道');
    assert.equal(cells[1], int(town.reported));
    assert.equal(cells[6], pct(town.on_time_rate));
    const total = await cellsOf(page, '#kpi-table tfoot tr');
    assert.equal(total[0], '合计');
    assert.equal(total[1], int(api.total.reported));
    assert.equal(await page.locator('#kpi-chart canvas').count(), 1, 'the chart is drawn');
    await screenshot(page, 'kpi-district', { fullPage: true });

    // the CSV link carries the view
    const csv = new URL(await page.getAttribute('#kpi-csv', 'href'), srv.url);
    assert.equal(csv.pathname, '/api/v1/kpi/export');
    assert.equal(csv.searchParams.get('from'), from);
    assert.equal(csv.searchParams.get('by'), 'unit');
    const file = await page.evaluate(async (u) => (await fetch(u)).text(), csv.toString());
    assert.match(file, /三元里街道/);

    // drill down to the town, then its communities' rows; the crumbs go back
    await page.click('#kpi-table a[data-unit="440111002"]');
    await page.waitForSelector('#main[data-unit="440111002"]');
    assert.equal(new URL(page.url()).searchParams.get('unit'), '440111002');
    assert.equal(await page.locator('.kpi-tile[data-key="reported"] .kpi-value').innerText(), int(town.reported));
    assert.ok(await page.locator('#kpi-table tbody tr').count() > 3);
    assert.match(await page.locator('#kpi-crumbs').innerText(), /白云区\s*›\s*三元里街道/);
    await page.goBack();
    await page.waitForSelector('#main[data-unit="440111"]');
    await page.goForward();
    await page.waitForSelector('#main[data-unit="440111002"]');
    await page.click('#kpi-crumbs a[data-unit="440111"]');
    await page.waitForSelector('#main[data-unit="440111"]');

    // 查看事件: the workbench on the same unit and days
    const ev = new URL(await page.getAttribute('#kpi-events', 'href'), srv.url);
    assert.equal(ev.pathname, '/app');
    assert.equal(ev.searchParams.get('unit'), '440111');
    assert.equal(ev.searchParams.get('to'), day(to, -1), 'the workbench takes the last day itself');
    assert.deepEqual(rec.consoleErrors, []);
    assert.deepEqual(rec.failed, []);
  } finally {
    await rec.close();
  }
});

test('by category, a 大类 opens its 小类; presets and dates set the period', { skip }, async () => {
  const rec = await as('command', '/kpi?unit=440111002&by=category');
  const { page } = rec;
  try {
    assert.equal(await page.getAttribute('.kpi-presets [data-preset="month"]', 'aria-pressed'), 'true', '本月 by default');
    await page.click('.kpi-presets [data-preset="year"]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('from')?.endsWith('-01-01'));
    await page.waitForSelector('#main[aria-busy="false"]');
    const p = new URL(page.url()).searchParams;
    const api = (await srv.get(`/api/v1/kpi?unit=440111002&from=${p.get('from')}&to=${p.get('to')}&by=category`, auth('command'))).json;
    await page.waitForFunction((n) => document.querySelectorAll('#kpi-table tbody tr[data-code]').length === n, api.rows.length);
    const first = api.rows[0];
    await page.click(`#kpi-table a[data-category="${first.code}"]`);
    await page.waitForFunction((c) => new URL(location.href).searchParams.get('category') === c, first.code);
    await page.waitForSelector('#main[aria-busy="false"]');
    assert.equal(await page.inputValue('#kpi-category'), first.code);
    const sub = (await srv.get(`/api/v1/kpi?unit=440111002&from=${p.get('from')}&to=${p.get('to')}&by=category&category=${first.code}`,
      auth('command'))).json;
    await page.waitForFunction((n) => document.querySelectorAll('#kpi-table tbody tr[data-code]').length === n, sub.rows.length);
    assert.ok(sub.rows.every((r) => r.code.startsWith(`${first.code}.`)));
    // a 小类 in the URL is named in the select
    const leaf = sub.rows[0].code;
    await page.goto(`${srv.url}/kpi?unit=440111002&by=unit&category=${leaf}`);
    await page.waitForSelector('#main[data-ready="1"]');
    assert.equal(await page.inputValue('#kpi-category'), leaf);
    assert.match(await page.locator('#kpi-category option:checked').innerText(), / › /);
    // two dates: the end date is included
    await page.fill('#kpi-from', '2026-01-01');
    await page.fill('#kpi-to', '2026-01-31');
    await page.locator('#kpi-to').dispatchEvent('change');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('to') === '2026-02-01');
    await screenshot(page, 'kpi-town-category', { fullPage: true });
    assert.deepEqual(rec.consoleErrors, []);
    assert.deepEqual(rec.failed, []);
  } finally {
    await rec.close();
  }
});

test('a grid worker sees their grid; department staff are told it is not for them', { skip }, async () => {
  const gw = await as('gridworker', '/kpi');
  try {
    assert.equal(await gw.page.getAttribute('#main', 'data-unit'), '4401110020010101');
    assert.match(await gw.page.locator('#kpi-table tbody').innerText(), /网格没有下级单位/);
    assert.deepEqual(gw.failed, []);
  } finally {
    await gw.close();
  }
  const dept = await as('chengguan', '/kpi');
  try {
    assert.match(await dept.page.locator('#main').innerText(), /职能部门和群众账号没有查看辖区指标的权限/);
    assert.deepEqual(dept.failed, []);
  } finally {
    await dept.close();
  }
});
