// Browser test helpers: Debian's Chromium driven by playwright-core, and the
// wangge server from the API harness (tests/api/lib/harness.mjs).
//
//   import { skipReason, launch, openPage, startServer } from './lib/browser.mjs';
//   test('…', { skip: skipReason }, async () => { … });
//
// WANGGE_CHROMIUM overrides the browser path (default /usr/bin/chromium).
// When it is missing, or playwright-core is not installed, `skipReason` says
// why and every browser test is skipped instead of failing.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../api/lib/harness.mjs';

export { startServer, ROOT } from '../../api/lib/harness.mjs';

export const CHROMIUM = process.env.WANGGE_CHROMIUM || '/usr/bin/chromium';
/** Screenshots go here (gitignored). */
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

let playwright = null;
try {
  playwright = await import('playwright-core');
} catch {
  playwright = null;
}

/** false when the browser tests can run, else a message saying why not. */
export const skipReason = !existsSync(CHROMIUM)
  ? `Chromium not found at ${CHROMIUM}: browser tests skipped (apt-get install chromium, or set WANGGE_CHROMIUM)`
  : !playwright
    ? 'playwright-core is not installed: browser tests skipped (run npm ci)'
    : false;

if (skipReason) console.log(skipReason);

/** Launch headless Chromium with the flags this machine needs. */
export function launch() {
  return playwright.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A new page (in its own context) that records what went wrong:
 *   consoleErrors  console.error messages and uncaught exceptions
 *   failed         requests that failed at the network level, or answered
 *                  with an HTTP error, or that left the server's origin
 * opts: viewport, geolocation ({latitude, longitude}), allowStatus(url, status)
 * to accept an expected API error (e.g. 404 locate.outside).
 */
export async function openPage(browser, baseUrl, opts = {}) {
  const context = await browser.newContext({
    viewport: opts.viewport || { width: 1366, height: 768 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...(opts.geolocation ? { geolocation: opts.geolocation, permissions: ['geolocation'] } : {}),
  });
  const page = await context.newPage();
  const rec = { page, context, consoleErrors: [], failed: [] };
  const allow = opts.allowStatus || (() => false);
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium logs every HTTP error reply; those are judged by the response hook.
    if (/^Failed to load resource: the server responded with a status of/.test(m.text())) return;
    rec.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => rec.consoleErrors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => rec.failed.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(baseUrl) && !u.startsWith('data:')) rec.failed.push(`external request: ${u}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !allow(r.url(), r.status())) rec.failed.push(`${r.url()} HTTP ${r.status()}`);
  });
  rec.close = () => context.close();
  return rec;
}

/** Save a screenshot (the viewport, or opts.fullPage) to tests/artifacts/NAME.png; returns the path.
 * Waits for ECharts' hover and update transitions to end first. */
export async function screenshot(page, name, opts = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.waitForTimeout(700);
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: !!opts.fullPage });
  return path;
}

/** Wait until the map shows `code` (any unit when omitted) and is drawn. */
export async function waitForMap(page, code, timeout = 20000) {
  const sel = code ? `#map[data-state="ready"][data-unit="${code}"]` : '#map[data-state="ready"]';
  await page.waitForSelector(sel, { timeout });
  // Let ECharts finish its frame (layout is synchronous; labels settle on the next frame).
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Click the map at WGS-84 [lon, lat] (through the page's map projection). */
export async function clickMapAt(page, lonlat) {
  const [x, y] = await page.evaluate((p) => window.__wangge.map.pixelOf(p), lonlat);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + x, box.y + y);
}
