// The map page at "/": district map, drill-down, hash routing, 找网格员.
//
// Runs against `wangge demo` (24 towns …). Expected values are read from the
// API first, so the assertions hold for any demo seed. WANGGE_BROWSER_DB=FILE
// runs against a copy of an existing database instead (for development).
//
// Screenshots: tests/artifacts/map-*.png (1920×1080, 1366×768, 390×844).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { skipReason, launch, openPage, startServer, screenshot, waitForMap, clickMapAt } from './lib/browser.mjs';
import { tmpDb } from '../api/lib/harness.mjs';
import { wgs84ToGcj02 } from '../../web/js/coord.js';

const ROOT = '440111';
const skip = skipReason;
let srv, browser, fx;

// Locate replies that are expected (outside every grid, bad input) are not failures.
const allowStatus = (url, status) => /\/api\/v1\/locate\?/.test(url) && (status === 404 || status === 400);

before(async () => {
  if (skip) return;
  if (process.env.WANGGE_BROWSER_DB) {
    const db = tmpDb();
    copyFileSync(process.env.WANGGE_BROWSER_DB, db);
    srv = await startServer({ db });
  } else {
    srv = await startServer({ demo: true });
  }
  browser = await launch();
  fx = await fixtures();
});

after(async () => {
  await browser?.close();
  if (srv) await srv.stop();
});

/** Pick a town and a grid in it whose centre the API locates in that grid. */
async function fixtures() {
  const get = async (p) => {
    const r = await srv.get(p);
    assert.equal(r.status, 200, `${p}: ${r.text}`);
    return r.json;
  };
  const root = await get(`/api/v1/units/${ROOT}`);
  const towns = (await get(`/api/v1/units/${ROOT}/children`)).children;
  for (const town of [towns[3], ...towns].filter(Boolean)) {
    const comms = (await get(`/api/v1/units/${town.code}/children`)).children;
    for (const comm of comms.slice(0, 3)) {
      const areas = (await get(`/api/v1/units/${comm.code}/children`)).children;
      for (const area of areas.slice(0, 2)) {
        const grids = (await get(`/api/v1/units/${area.code}/children`)).children;
        for (const g of grids) {
          const [lon, lat] = g.center;
          const r = await srv.get(`/api/v1/locate?lat=${lat}&lon=${lon}`);
          if (r.status === 200 && r.json.grid.code === g.code && r.json.contacts.grid_worker)
            return { root, towns, town, comms, comm, point: { lon, lat }, located: r.json };
        }
      }
    }
  }
  throw new Error('no grid whose centre lies inside it: cannot run the browser tests');
}

async function open(opts = {}) {
  const rec = await openPage(browser, srv.url, { allowStatus, ...opts });
  if (opts.beforeGoto) await opts.beforeGoto(rec.page);
  await rec.page.goto(`${srv.url}${opts.path || '/'}`);
  return rec;
}

const text = (page, sel) => page.locator(sel).innerText();

/** The region at WGS-84 lonlat is drawn in the selection colour (#ffb347). */
async function assertSelectedAt(page, lonlat) {
  const [x, y] = await page.evaluate((p) => window.__wangge.map.pixelOf(p), lonlat);
  // Sampled around the point: a grid's centre is where its name is written.
  const pixels = () => page.evaluate(([px, py]) => {
    const c = document.querySelector('#map canvas');
    const r = window.devicePixelRatio || 1;
    const ctx = c.getContext('2d');
    return [[0, 22], [0, -22], [22, 0], [-22, 0]].map(([dx, dy]) =>
      [...ctx.getImageData(Math.round((px + dx) * r), Math.round((py + dy) * r), 1, 1).data].slice(0, 3).join());
  }, [x, y]);
  let rgb;
  for (let i = 0; i < 20; i++) {           // the select state fades in
    rgb = await pixels();
    if (rgb.includes('255,179,71')) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`selected region colour (#ffb347) expected near ${lonlat}: ${rgb.join(' ')}`);
}

function assertClean(rec) {
  assert.deepEqual(rec.consoleErrors, [], 'no console errors');
  assert.deepEqual(rec.failed, [], 'no failed requests');
}

test('the page loads: district map with its towns, no errors', { skip }, async () => {
  const rec = await open({ viewport: { width: 1920, height: 1080 } });
  const { page } = rec;
  try {
    await waitForMap(page, ROOT);
    assert.equal(fx.root.counts.children, fx.towns.length);
    if (!process.env.WANGGE_BROWSER_DB) assert.equal(fx.towns.length, 24, 'the demo has 24 towns');
    assert.equal(await page.locator('#map').getAttribute('data-regions'), String(fx.towns.length));
    const codes = await page.evaluate(() => window.__wangge.map.regionCodes());
    assert.deepEqual(codes.sort(), fx.towns.map((t) => t.code).sort());
    assert.match((await text(page, 'header')).replace(/\s+/g, ''), /网格化服务管理平台·白云区/);
    assert.equal(await text(page, '#detail-name'), fx.root.name);
    assert.equal(await page.locator('#children-list li').count(), fx.towns.length);
    assert.equal(await page.locator('#btn-back').isDisabled(), true, 'no parent above the district');
    assert.equal(await page.title(), `${fx.root.name} · 网格化服务管理平台`);
    // The canvas has regions painted over a good part of it (not an empty map):
    // it is transparent where nothing is drawn.
    const painted = await page.evaluate(() => {
      const c = document.querySelector('#map canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0, all = 0;
      for (let i = 0; i < d.length; i += 4 * 97, all++) if (d[i + 3] > 0) n++;
      return n / all;
    });
    assert.ok(painted > 0.15, `map canvas looks empty (${(painted * 100).toFixed(1)}% painted)`);
    // Hover a town: the tooltip names it with its totals.
    const [x, y] = await page.evaluate((p) => window.__wangge.map.pixelOf(p), [fx.point.lon, fx.point.lat]);
    const box = await page.locator('#map').boundingBox();
    await page.mouse.move(box.x + x, box.y + y);
    const tip = page.locator('.tt').first();
    await tip.waitFor({ timeout: 5000 });
    const tipText = await tip.innerText();
    assert.match(tipText, new RegExp(fx.town.name));
    assert.match(tipText, /户数[\s\S]*人口[\s\S]*网格/);
    await screenshot(page, 'map-1920x1080-district');
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('click a town to drill down; breadcrumb, back button and history go back up', { skip }, async () => {
  const rec = await open();
  const { page } = rec;
  try {
    await waitForMap(page, ROOT);
    await clickMapAt(page, [fx.point.lon, fx.point.lat]);
    await waitForMap(page, fx.town.code);
    assert.equal(new URL(page.url()).hash, `#/unit/${fx.town.code}`);
    assert.equal(await page.locator('#map').getAttribute('data-regions'), String(fx.comms.length));
    const crumbs = await page.locator('#breadcrumb li').allInnerTexts();
    assert.deepEqual(crumbs, [fx.root.name, fx.town.name]);
    assert.equal(await text(page, '#detail-name'), fx.town.name);

    // Back button: up to the district.
    await page.click('#btn-back');
    await waitForMap(page, ROOT);
    assert.equal(await page.locator('#map').getAttribute('data-regions'), String(fx.towns.length));

    // The panel's list drills down too (keyboard-friendly), then a community.
    await page.click(`#children-list a[data-code="${fx.town.code}"]`);
    await waitForMap(page, fx.town.code);
    await page.click(`#children-list a[data-code="${fx.comm.code}"]`);
    await waitForMap(page, fx.comm.code);
    assert.deepEqual(await page.locator('#breadcrumb li').allInnerTexts(),
                     [fx.root.name, fx.town.name, fx.comm.name]);
    assert.equal(await page.locator('#map').getAttribute('data-regions'), String(fx.comm.counts.children));

    // "显示网格": every grid of the community instead of its areas, and back.
    await page.click('#btn-grids');
    await waitForMap(page, fx.comm.code);
    assert.equal(await page.locator('#map').getAttribute('data-regions'), String(fx.comm.counts.grids));
    await page.click('#btn-grids');
    await waitForMap(page, fx.comm.code);
    assert.equal(await page.locator('#map').getAttribute('data-regions'), String(fx.comm.counts.children));

    // Browser history back, then a breadcrumb link.
    await page.goBack();
    await waitForMap(page, fx.town.code);
    await page.click(`#breadcrumb a[href="#/unit/${ROOT}"]`);
    await waitForMap(page, ROOT);
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('reload on a hash URL keeps the place', { skip }, async () => {
  const rec = await open({ path: `/#/unit/${fx.comm.code}` });
  const { page } = rec;
  try {
    await waitForMap(page, fx.comm.code);
    await page.reload();
    await waitForMap(page, fx.comm.code);
    assert.deepEqual(await page.locator('#breadcrumb li').allInnerTexts(),
                     [fx.root.name, fx.town.name, fx.comm.name]);
    assert.equal(await page.locator('#map').getAttribute('data-regions'), String(fx.comm.counts.children));
    await screenshot(page, 'map-1366x768-community');

    // A grid URL shows the grid's area with the grid selected.
    const g = fx.located.grid.code;
    await page.goto(`${srv.url}/#/unit/${g}`);
    await page.reload();
    await waitForMap(page, g);
    assert.equal(await text(page, '#detail-name'), fx.located.grid.name);
    assert.equal(await page.evaluate(() => window.__wangge.map.selected), g);
    await assertSelectedAt(page, [fx.point.lon, fx.point.lat]);

    // An unknown code says so in Chinese.
    await page.goto(`${srv.url}/#/unit/440111999999`);
    await page.waitForSelector('#map[data-state="error"]');
    assert.match(await text(page, '#map-error'), /找不到编码为 440111999999 的单位/);
    assert.deepEqual(rec.consoleErrors, []);
  } finally {
    await rec.close();
  }
});

test('coordinates inside a grid show its grid worker, leader and station head', { skip }, async () => {
  const rec = await open();
  const { page } = rec;
  const L = fx.located;
  try {
    await waitForMap(page, ROOT);
    await page.fill('#lat', String(fx.point.lat));
    await page.fill('#lon', String(fx.point.lon));
    await page.press('#lon', 'Enter');
    const card = page.locator(`#grid-card[data-grid="${L.grid.code}"]`);
    await card.waitFor({ timeout: 10000 });
    const t = await card.innerText();
    assert.match(t, new RegExp(L.grid.name));
    assert.match(t, new RegExp(L.grid.code));
    for (const u of [L.area, L.community, L.town]) assert.match(t, new RegExp(u.name));
    const w = L.contacts.grid_worker;
    assert.match(await card.locator('.contact-grid_worker').innerText(), new RegExp(`${w.name}[\\s\\S]*${w.phone}`));
    assert.equal(await card.locator('.contact-grid_worker a.tel').getAttribute('href'),
                 `tel:${w.phone.replace(/[^\d+]/g, '')}`);
    if (L.contacts.grid_leader) assert.match(t, new RegExp(L.contacts.grid_leader.phone));
    if (L.contacts.station_head) assert.match(t, new RegExp(L.contacts.station_head.phone));
    // The map went to the grid, with a marker at the point.
    await waitForMap(page, L.grid.code);
    const marker = await page.evaluate(() => window.__wangge.map.marker);
    assert.ok(Math.abs(marker.lon - fx.point.lon) < 1e-9 && Math.abs(marker.lat - fx.point.lat) < 1e-9);

    // The same place typed in GCJ-02 (高德) finds the same grid.
    const [glon, glat] = wgs84ToGcj02(fx.point.lon, fx.point.lat);
    await page.fill('#lat', glat.toFixed(7));
    await page.fill('#lon', glon.toFixed(7));
    await page.selectOption('#crs', 'gcj02');
    await page.press('#lat', 'Enter');
    await page.waitForSelector('#locate-msg[data-kind="busy"]', { state: 'detached', timeout: 100 }).catch(() => {});
    await page.locator(`#grid-card[data-grid="${L.grid.code}"]`).waitFor({ timeout: 10000 });
    assert.match(await text(page, '#grid-card'), /GCJ-02/);
    const m2 = await page.evaluate(() => window.__wangge.map.marker);
    assert.ok(Math.abs(m2.lon - fx.point.lon) < 1e-6 && Math.abs(m2.lat - fx.point.lat) < 1e-6,
              'marker converted back to WGS-84');
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('a point outside every grid, and invalid input, get clear Chinese messages', { skip }, async () => {
  const rec = await open();
  const { page } = rec;
  const msg = page.locator('#locate-msg');
  try {
    await waitForMap(page, ROOT);
    await page.selectOption('#crs', 'wgs84');
    await page.fill('#lat', '22.5');     // Shenzhen Bay: no grid of Baiyun
    await page.fill('#lon', '113.9');
    await page.press('#lat', 'Enter');
    await page.waitForSelector('#locate-msg[data-kind="warn"]');
    assert.match(await msg.innerText(), /不在任何网格内/);
    assert.equal(await page.locator('#grid-card').count(), 0);

    const cases = [
      ['abc', '113.26', /纬度“abc”不是有效的数字/, 'lat'],
      ['', '', /请输入纬度和经度/, 'lat'],
      ['23.16', '', /请输入经度/, 'lon'],
      ['113.26', '23.16', /纬度必须在 -90 到 90 之间，是否把经纬度填反了/, 'lat'],
      ['23.16', '190', /经度必须在 -180 到 180 之间/, 'lon'],
    ];
    for (const [lat, lon, re, field] of cases) {
      await page.fill('#lat', lat);
      await page.fill('#lon', lon);
      await page.click('#btn-locate');
      await page.waitForSelector('#locate-msg[data-kind="error"]');
      assert.match(await msg.innerText(), re, `lat=${lat} lon=${lon}`);
      assert.equal(await page.locator(`#${field}`).getAttribute('aria-invalid'), 'true');
    }
    // A pair pasted into the latitude field works.
    await page.fill('#lat', `${fx.point.lat}, ${fx.point.lon}`);
    await page.fill('#lon', '');
    await page.press('#lat', 'Enter');
    await page.locator(`#grid-card[data-grid="${fx.located.grid.code}"]`).waitFor({ timeout: 10000 });
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('a click on the map (pick mode) shows the grid of the clicked point', { skip }, async () => {
  const rec = await open({ path: `/#/unit/${fx.town.code}` });
  const { page } = rec;
  try {
    await waitForMap(page, fx.town.code);
    await page.click('#btn-pick');
    assert.equal(await page.getAttribute('#btn-pick', 'aria-pressed'), 'true');
    await clickMapAt(page, [fx.point.lon, fx.point.lat]);
    const card = page.locator('#grid-card');
    await card.waitFor({ timeout: 10000 });
    // The clicked pixel maps back to (nearly) the same point: the same grid.
    assert.equal(await card.getAttribute('data-grid'), fx.located.grid.code);
    assert.match(await card.innerText(), new RegExp(fx.located.contacts.grid_worker.phone));
    // The view stays on the town, the inputs hold the clicked point.
    assert.equal(new URL(page.url()).hash, `#/unit/${fx.town.code}`);
    assert.ok(Math.abs(Number(await page.inputValue('#lat')) - fx.point.lat) < 0.01);
    assert.ok(await page.evaluate(() => window.__wangge.map.marker !== null), 'marker shown');
    await page.mouse.move(5, 5);    // let the tooltip go: show the marker
    await screenshot(page, 'map-1366x768-town-picked');
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('search by name or code; Enter opens a sole match', { skip }, async () => {
  const rec = await open();
  const { page } = rec;
  try {
    await waitForMap(page, ROOT);
    await page.fill('#search-q', fx.town.name);
    await page.press('#search-q', 'Enter');
    await waitForMap(page, fx.town.code);

    // A grid code: its contact card, from the unit details.
    await page.fill('#search-q', fx.located.grid.code);
    await page.press('#search-q', 'Enter');
    await waitForMap(page, fx.located.grid.code);
    const card = page.locator(`#grid-card[data-grid="${fx.located.grid.code}"]`);
    await card.waitFor({ timeout: 10000 });
    assert.match(await card.innerText(), new RegExp(fx.located.contacts.grid_worker.phone));

    await page.fill('#search-q', '不存在的地方xyz');
    await page.press('#search-q', 'Enter');
    await page.waitForSelector('#search-results [data-kind="warn"]');
    assert.match(await text(page, '#search-results'), /没有找到/);
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('我的位置 uses the browser position (phone width)', { skip }, async () => {
  const rec = await open({
    viewport: { width: 390, height: 844 },
    geolocation: { latitude: fx.point.lat, longitude: fx.point.lon },
  });
  const { page } = rec;
  try {
    await waitForMap(page, ROOT);
    // The panel sits below the map on a phone.
    const mapBox = await page.locator('#map').boundingBox();
    const panelBox = await page.locator('.panel').boundingBox();
    assert.ok(panelBox.y >= mapBox.y + mapBox.height - 1, 'panel below the map');
    assert.ok(mapBox.width <= 390 && mapBox.height > 250);
    await screenshot(page, 'map-390x844-phone');
    await page.click('#btn-geo');
    await page.locator(`#grid-card[data-grid="${fx.located.grid.code}"]`).waitFor({ timeout: 10000 });
    await waitForMap(page, fx.located.grid.code);
    await assertSelectedAt(page, [fx.point.lon, fx.point.lat]);
    await screenshot(page, 'map-390x844-phone-located', { fullPage: true });
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('server and network failures show a Chinese message; retry recovers', { skip }, async () => {
  const children = `**/api/v1/units/${fx.town.code}/children`;
  const rec = await open({
    path: `/#/unit/${fx.town.code}`,
    allowStatus: () => true,
    beforeGoto: (page) => page.route(children, (r) => r.fulfill({
      status: 503, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'db.unavailable', message: '数据库暂时不可用', message_en: 'database unavailable' } }),
    })),
  });
  const { page } = rec;
  try {
    await page.waitForSelector('#map[data-state="error"]');
    assert.match(await text(page, '#map-error'), /加载失败：数据库暂时不可用/);
    assert.match(await text(page, '#detail'), /数据库暂时不可用/);
    await page.unroute(children);
    await page.click('#btn-retry');
    await waitForMap(page, fx.town.code);
    assert.equal(await page.locator('#map-error').isHidden(), true);

    // The server cannot be reached while locating.
    await page.route('**/api/v1/locate?*', (r) => r.abort('connectionrefused'));
    await page.fill('#lat', String(fx.point.lat));
    await page.fill('#lon', String(fx.point.lon));
    await page.press('#lon', 'Enter');
    await page.waitForSelector('#locate-msg[data-kind="error"]');
    assert.match(await text(page, '#locate-msg'), /无法连接服务器/);
    assert.equal(await page.isEnabled('#btn-locate'), true, 'the button is usable again');
    assert.deepEqual(rec.consoleErrors.filter((e) => e.startsWith('uncaught')), []);
  } finally {
    await rec.close();
  }
});
