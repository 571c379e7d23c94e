// Log-in, the user menu, the account page and user administration, in a
// real browser: /login, the header menu on every page, /account, /admin.
//
// Runs against `wangge demo`, whose demo log-ins (one per role, password
// Wangge@2026) are checked through the API first. Users the tests change
// are made with `wangge user add` or through the admin page itself, so the
// demo log-ins stay as they are for the other tests.
//
// Screenshots: tests/artifacts/auth-*.png (1366×768 and 390×844).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason, launch, openPage, startServer, screenshot, waitForMap } from './lib/browser.mjs';
import { wangge } from '../api/lib/harness.mjs';

const skip = skipReason;
const DEMO_PW = 'Wangge@2026';
const PHONE = { width: 390, height: 844 };
let srv, browser;
const demo = {};   // username -> user object from the log-in API

// Expected error replies: failed log-ins, /auth/me after the session ended,
// and the password changes the test gets refused on purpose.
const allowStatus = (url, status) =>
  (/\/api\/v1\/auth\/login$/.test(url) && (status === 401 || status === 429)) ||
  (/\/api\/v1\/auth\/me$/.test(url) && status === 401) ||
  (/\/api\/v1\/auth\/password$/.test(url) && (status === 400 || status === 403));

before(async () => {
  if (skip) return;
  srv = await startServer({ demo: true });
  for (const u of ['admin', 'command', 'gridworker', 'resident']) {
    const r = await srv.post('/api/v1/auth/login', { username: u, password: DEMO_PW, kind: 'app' });
    assert.equal(r.status, 200, `demo log-in ${u} (wangge demo should create it): ${r.text}`);
    demo[u] = r.json.user;
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (srv) await srv.stop();
});

async function open(opts = {}) {
  const rec = await openPage(browser, srv.url, { allowStatus, ...opts });
  return rec;
}

function assertClean(rec) {
  assert.deepEqual(rec.consoleErrors, [], 'no console errors');
  assert.deepEqual(rec.failed, [], 'no failed requests');
}

/** Log in through the form; resolves once the page has left /login. */
async function login(page, username, password, next = '') {
  await page.goto(`${srv.url}/login${next ? '?next=' + encodeURIComponent(next) : ''}`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15000 }),
    page.click('#login-submit'),
  ]);
}

/** Open the header's user menu; resolves to the data-item names shown. */
async function menuItems(page) {
  const btn = page.locator('.um-button');
  await btn.waitFor();
  if ((await btn.getAttribute('aria-expanded')) !== 'true') await btn.click();
  await page.locator('.um-panel').waitFor({ state: 'visible' });
  return page.locator('.um-panel [role="menuitem"]').evaluateAll((els) => els.map((e) => e.dataset.item));
}

/** Create a user from the command line (as an operator would). */
function cliUser(args) {
  const r = wangge(['user', 'add', '--db', srv.db, ...args]);
  assert.equal(r.status, 0, `wangge user add ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const MENU = {
  admin: ['password', 'tokens', 'admin', 'duty', 'kpi', 'screen', 'displays', 'logout', 'logout-all'],
  command: ['password', 'tokens', 'duty', 'kpi', 'screen', 'displays', 'logout', 'logout-all'],
  gridworker: ['password', 'tokens', 'duty', 'kpi', 'logout', 'logout-all'],
  resident: ['password', 'report', 'logout', 'logout-all'],
};

test('each role logs in and sees its own menu on the map page', { skip }, async () => {
  for (const [username, items] of Object.entries(MENU)) {
    const phone = username === 'resident';
    const rec = await open(phone ? { viewport: PHONE } : {});
    const { page } = rec;
    try {
      await login(page, username, DEMO_PW, '/');
      await waitForMap(page);
      assert.equal(new URL(page.url()).pathname, '/');
      const u = demo[username];
      // The button names the user and the roles (hidden text on a phone, still there for screen readers).
      assert.equal(await page.locator('.um-name').textContent(), u.display_name);
      const label = u.grants[0].role_label;
      assert.match(await page.locator('.um-roles').textContent(), new RegExp(label));
      assert.deepEqual(await menuItems(page), items, `${username}: menu items`);
      assert.match(await page.locator('.um-head').innerText(), new RegExp(u.grants[0].scope_name));
      if (username === 'admin') await screenshot(page, 'auth-1366x768-map-admin-menu');
      if (phone) await screenshot(page, 'auth-390x844-map-resident-menu');
      // Keyboard: Esc closes and gives the focus back to the button; ↓ opens on the first item.
      await page.keyboard.press('Escape');
      assert.equal(await page.locator('.um-panel').isVisible(), false);
      assert.equal(await page.evaluate(() => document.activeElement.className), 'um-button');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.item), 'password');
      await page.keyboard.press('End');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.item), 'logout-all');
      await page.keyboard.press('Escape');
      assertClean(rec);
    } finally {
      await rec.close();
    }
  }
});

test('anonymous: the map page offers 登录 and asks nothing of /auth/me', { skip }, async () => {
  const rec = await open();
  const { page } = rec;
  const meCalls = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/auth/')) meCalls.push(r.url()); });
  try {
    await page.goto(`${srv.url}/#/unit/440111`);
    await waitForMap(page);
    const link = page.locator('#um-login');
    assert.equal(await link.innerText(), '登录');
    assert.equal(await link.getAttribute('href'), `/login?next=${encodeURIComponent('/#/unit/440111')}`);
    assert.deepEqual(meCalls, []);
    // Header text the map test relies on is still there.
    assert.match((await page.locator('header').innerText()).replace(/\s+/g, ''), /网格化服务管理平台·白云区/);
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('wrong password: a clear message; a lock-out says how long to wait', { skip }, async () => {
  const rec = await open();
  const { page } = rec;
  try {
    await page.goto(`${srv.url}/login`);
    await screenshot(page, 'auth-1366x768-login');
    await page.fill('#username', 'admin');
    await page.fill('#password', 'not-the-password');
    await page.click('#login-submit');
    const err = page.locator('#login-error');
    await err.waitFor({ state: 'visible' });
    assert.match(await err.innerText(), /用户名或密码错误/);
    assert.equal(await page.locator('#password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
    assert.equal(new URL(page.url()).pathname, '/login');
    await screenshot(page, 'auth-1366x768-login-wrong');

    // Empty fields are caught before any request.
    await page.fill('#username', '');
    await page.fill('#password', '');
    await page.click('#login-submit');
    assert.equal(await page.locator('#username-err').innerText(), '请输入用户名');

    // Six failures lock the name for this address; the next try says how long.
    for (let i = 0; i < 6; i++) {
      const r = await srv.post('/api/v1/auth/login', { username: 'lockme', password: `wrong-${i}`, kind: 'web' });
      assert.equal(r.status, 401);
    }
    await page.fill('#username', 'lockme');
    await page.fill('#password', 'still-wrong');
    await page.click('#login-submit');
    await page.waitForSelector('#login-error[data-kind="locked"]');
    const text = await err.innerText();
    assert.match(text, /登录失败次数过多/);
    const secs = Number(await page.locator('#lock-seconds').innerText());
    assert.ok(secs > 0 && secs <= 30, `wait shown in seconds: ${text}`);
    assert.equal(await page.locator('#login-submit').isDisabled(), true, 'submit waits for the lock');
    await screenshot(page, 'auth-1366x768-login-locked');
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('next= brings the user back; log-out here and everywhere', { skip }, async () => {
  const a = await open();
  const b = await open({ viewport: PHONE });
  try {
    // Not logged in: /account sends to the log-in page, which comes back.
    await a.page.goto(`${srv.url}/account`);
    await a.page.waitForURL(/\/login\?/);
    const u = new URL(a.page.url());
    assert.equal(u.searchParams.get('next'), '/account');
    assert.match(await a.page.locator('#login-notice').innerText(), /请先登录/);
    await a.page.fill('#username', 'command');
    await a.page.fill('#password', DEMO_PW);
    await a.page.click('#login-submit');
    await a.page.waitForURL(`${srv.url}/account`);
    await a.page.locator('#password').waitFor({ state: 'visible' });
    assert.match(await a.page.locator('#who').innerText(), /command/);

    // An unsafe next= is ignored.
    await login(b.page, 'command', DEMO_PW, '//evil.example/');
    assert.equal(new URL(b.page.url()).pathname, '/');
    await waitForMap(b.page);

    // 退出登录 on the map page: stay on the map, the header offers 登录 again.
    await b.page.locator('.um-button').click();
    await b.page.click('[data-item="logout"]');
    await b.page.locator('#um-login').waitFor();
    assert.match(await b.page.locator('.um-flash').innerText(), /已退出登录/);
    assert.equal((await b.page.request.get(`${srv.url}/api/v1/auth/me`)).status(), 401);

    // Log in on b again, then 退出所有设备 from a ends b's session too.
    await login(b.page, 'command', DEMO_PW, '/account');
    await a.page.locator('.um-button').click();
    await a.page.click('[data-item="logout-all"]');
    await a.page.waitForURL(/\/login\?.*reason=logout/);
    assert.match(await a.page.locator('#login-notice').innerText(), /已退出登录/);
    await b.page.reload();
    await b.page.waitForURL(/\/login\?.*reason=expired/);
    assert.match(await b.page.locator('#login-notice').innerText(), /登录已过期/);
    await screenshot(b.page, 'auth-390x844-login-expired');
    assertClean(a);
    assertClean(b);
  } finally {
    await a.close();
    await b.close();
  }
});

test('change password: must-change first, policy errors, then the new one works', { skip }, async () => {
  const grid = demo.gridworker.grants[0].scope;
  cliUser(['--username', 'pwuser', '--name', '改密测试', '--password', 'First-Pass-2026',
           '--role', 'grid_worker', '--scope', grid]);
  const rec = await open();
  const { page } = rec;
  try {
    // must_change_password: the log-in goes to the account page first, then on to next.
    await login(page, 'pwuser', 'First-Pass-2026', '/#/unit/440111');
    assert.equal(new URL(page.url()).pathname, '/account');
    await page.locator('#must-change').waitFor({ state: 'visible' });
    assert.match(await page.locator('#pw-policy').innerText(), /至少 10 个字符[\s\S]*常见密码[\s\S]*用户名/);
    assert.ok((await menuItems(page)).includes('tokens'));
    await page.keyboard.press('Escape');

    const change = async (oldPw, newPw, again = newPw) => {
      await page.fill('#old-password', oldPw);
      await page.fill('#new-password', newPw);
      await page.fill('#new-password2', again);
      await page.click('#pw-submit');
    };
    await change('First-Pass-2026', 'short');
    assert.match(await page.locator('#new-password-err').innerText(), /至少需要 10 个字符/);
    await change('First-Pass-2026', 'Long-enough-1', 'Long-enough-2');
    assert.match(await page.locator('#new-password2-err').innerText(), /不一致/);
    await change('First-Pass-2026', 'password123');   // the server's list of common ones
    await page.waitForFunction(() => document.getElementById('new-password-err').textContent !== '');
    assert.match(await page.locator('#new-password-err').innerText(), /常见/);
    await change('wrong-old-password', 'Baiyun-Sunrise-2026');
    await page.waitForFunction(() => document.getElementById('old-password-err').textContent !== '');
    assert.match(await page.locator('#old-password-err').innerText(), /当前密码不正确/);
    await screenshot(page, 'auth-1366x768-account-password-errors', { fullPage: true });

    await change('First-Pass-2026', 'Baiyun-Sunrise-2026');
    await page.locator('#pw-msg.msg-ok').waitFor();
    assert.match(await page.locator('#pw-msg').innerText(), /密码已修改/);
    await page.waitForURL(`${srv.url}/#/unit/440111`, { timeout: 10000 });   // on to next

    // Log out; the old password fails, the new one works and needs no change.
    await page.locator('.um-button').click();
    await page.click('[data-item="logout"]');
    await page.locator('#um-login').waitFor();
    await page.goto(`${srv.url}/login`);
    await page.fill('#username', 'pwuser');
    await page.fill('#password', 'First-Pass-2026');
    await page.click('#login-submit');
    await page.waitForSelector('#login-error[data-kind="bad_credentials"]');
    await login(page, 'pwuser', 'Baiyun-Sunrise-2026', '/account');
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.equal(await page.locator('#must-change').isVisible(), false);
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('API tokens: create (shown once, copy), use, revoke', { skip }, async () => {
  const rec = await open();
  const { page } = rec;
  await rec.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
  try {
    await login(page, 'command', DEMO_PW, '/account#tokens');
    await page.locator('#tokens').waitFor({ state: 'visible' });
    await page.locator('#token-table .empty').waitFor();
    await page.click('#token-submit');
    assert.match(await page.locator('#token-name-err').innerText(), /请填写令牌名称/);
    await page.fill('#token-name', '大屏数据同步');
    await page.selectOption('#token-days', '30');
    await page.check('#token-roles input[value="command"]');
    await page.click('#token-submit');
    await page.locator('#token-once').waitFor({ state: 'visible' });
    const token = await page.locator('#token-value').inputValue();
    assert.match(token, /^wgt_/);
    assert.match(await page.locator('#token-once').innerText(), /只显示这一次/);
    await page.click('#token-copy');
    await page.waitForFunction(() => document.getElementById('copy-status').textContent !== '');
    assert.equal(await page.locator('#copy-status').innerText(), '已复制到剪贴板');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    await page.locator('#token-table tbody tr[data-token]').waitFor();
    assert.match(await page.locator('#token-table tbody').innerText(), /大屏数据同步[\s\S]*指挥中心/);
    await screenshot(page, 'auth-1366x768-account-token', { fullPage: true });

    const me = await srv.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    assert.equal(me.json.username, 'command');

    // Reloading never shows it again; revoke through the dialog.
    await page.reload();
    await page.locator('#token-table tbody tr[data-token]').waitFor();
    assert.equal(await page.locator('#token-once').isVisible(), false);
    assert.equal(await page.locator('body').innerText().then((t) => t.includes(token)), false);
    await page.click('#token-table tbody tr[data-token] button');
    await page.locator('dialog.dlg').waitFor();
    await page.click('dialog.dlg button[value="ok"]');
    await page.locator('#token-table .empty').waitFor();
    const after = await srv.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401);
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('admin: create a user with a grant; it logs in; grants, phone, disable, audit', { skip }, async () => {
  const adm = await open();
  const usr = await open();
  const { page } = adm;
  try {
    await login(page, 'admin', DEMO_PW, '/admin');
    await page.locator('#user-table tbody tr[data-user]').first().waitFor();
    const listed = await page.locator('#user-table tbody tr[data-user]').evaluateAll((r) => r.map((x) => x.dataset.user));
    for (const u of ['admin', 'command', 'gridworker', 'resident']) assert.ok(listed.includes(u), `${u} listed`);
    await screenshot(page, 'auth-1366x768-admin-users');

    // Search.
    await page.fill('#user-q', 'gridw');
    await page.press('#user-q', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#user-table tbody tr[data-user]').length === 1);
    assert.equal(await page.locator('#user-table tbody tr[data-user]').getAttribute('data-user'), 'gridworker');

    // Create: a grid worker on the demo grid worker's grid, picked by searching its name.
    const g = demo.gridworker.grants[0];
    await page.click('a[href="#/users/new"] >> nth=0');
    await page.locator('#create-form').waitFor();
    await page.fill('#new-user-username', 'li.si');
    await page.fill('#new-user-display', '李四');
    await page.fill('#new-user-phone', '13912345678');
    await page.fill('#new-user-password', 'Li-Si-Start-2026');
    await page.selectOption('#ng-role', 'grid_worker');
    await page.fill('#ng-scope', g.scope_name);
    await page.locator(`#ng-scope-list [role="option"]`).first().waitFor();
    // Keyboard: ↓ then Enter picks the first match.
    await page.press('#ng-scope', 'ArrowDown');
    await page.press('#ng-scope', 'Enter');
    assert.match(await page.locator('#ng-scope').evaluate((el) => el.closest('.scope-picker').querySelector('.picked').textContent), new RegExp(g.scope));
    await page.fill('#ng-title', '兼职网格员');
    await page.click('#ng-add');
    assert.match(await page.locator('#pending-grants').innerText(), /网格员/);
    await screenshot(page, 'auth-1366x768-admin-create', { fullPage: true });
    await page.click('#create-submit');
    await page.waitForURL(/#\/users\/\d+$/);
    await page.locator('#grant-table').waitFor();
    assert.match(await page.locator('#flash').innerText(), /已创建用户 李四/);
    assert.match(await page.locator('#grant-table').innerText(), new RegExp(`网格员[\\s\\S]*${g.scope}[\\s\\S]*兼职网格员`));
    assert.equal(await page.locator('#user-phone .phone').innerText(), '139****5678');

    // The new user logs in: must change the password first, menu shows 网格员.
    await login(usr.page, 'li.si', 'Li-Si-Start-2026', '/');
    assert.equal(new URL(usr.page.url()).pathname, '/account');
    assert.match(await usr.page.locator('.um-roles').textContent(), /网格员/);

    // Add a leader grant on the district, then remove it.
    await page.selectOption('#ag-role', 'leader');
    await page.fill('#ag-scope', '白云区');
    await page.locator('#ag-scope-list [role="option"]').first().click();
    await page.click('#grant-add');
    await page.waitForFunction(() => document.querySelectorAll('#grant-table tr[data-grant]').length === 2);
    assert.match(await page.locator('#flash').innerText(), /已授予领导角色/);
    await page.locator('#grant-table tr[data-grant]', { hasText: '领导' }).locator('button').click();
    await page.click('dialog.dlg button[value="ok"]');
    await page.waitForFunction(() => document.querySelectorAll('#grant-table tr[data-grant]').length === 1);

    // A scope of the wrong level is refused with the server's reason.
    await page.selectOption('#ag-role', 'station_head');
    await page.fill('#ag-scope', g.scope_name);
    await page.locator('#ag-scope-list li.none').waitFor();
    assert.match(await page.locator('#ag-scope-list').innerText(), /站长只能授予村\/社区级单位/);

    // The full phone number, on request, audited.
    await page.click('#unmask');
    await page.locator('#user-phone .audit-note[role="status"]').waitFor();
    assert.equal(await page.locator('#user-phone .phone').innerText(), '13912345678');
    assert.match(await page.locator('#user-phone').innerText(), /已记入审计日志/);
    await screenshot(page, 'auth-1366x768-admin-user', { fullPage: true });

    // Disable: the user's session ends and the log-in is refused.
    await page.click('#toggle-disabled');
    await page.click('dialog.dlg button[value="ok"]');
    await page.waitForFunction(() => /账号已停用/.test(document.getElementById('flash')?.textContent || ''));
    assert.match(await page.locator('.card-head').innerText(), /已停用/);
    await usr.page.reload();
    await usr.page.waitForURL(/\/login\?/);
    await usr.page.fill('#username', 'li.si');
    await usr.page.fill('#password', 'Li-Si-Start-2026');
    await usr.page.click('#login-submit');
    await usr.page.waitForSelector('#login-error[data-kind="bad_credentials"]');
    assert.equal(new URL(usr.page.url()).pathname, '/login');

    // Enable again: the log-in works.
    await page.click('#toggle-disabled');
    await page.click('dialog.dlg button[value="ok"]');
    await page.waitForFunction(() => /账号已启用/.test(document.getElementById('flash')?.textContent || ''));
    await login(usr.page, 'li.si', 'Li-Si-Start-2026', '/');
    assert.equal(new URL(usr.page.url()).pathname, '/account');

    // Reset the password from the admin page.
    await page.fill('#reset-password', 'Reset-By-Admin-2026');
    await page.click('#reset-submit');
    await page.locator('#reset-msg.msg-ok').waitFor();

    // The audit log, newest first: the phone read, the disable, the user's creation.
    await page.click('.tabs a[href="#/audit"]');
    await page.locator('#audit-table tbody tr[data-audit]').first().waitFor();
    const actions = await page.locator('#audit-table tbody tr[data-audit] td:nth-child(3) .code').allInnerTexts();
    for (const a of ['user.reset_password', 'user.enable', 'user.disable', 'pii.read', 'user.revoke', 'user.grant', 'user.add'])
      assert.ok(actions.includes(a), `audit has ${a}: ${actions.slice(0, 15).join(' ')}`);
    assert.ok(actions.indexOf('user.reset_password') < actions.indexOf('user.add'), 'newest first');
    const ids = await page.locator('#audit-table tbody tr[data-audit]').evaluateAll((r) => r.map((x) => Number(x.dataset.audit)));
    assert.deepEqual(ids, [...ids].sort((x, y) => y - x));
    await screenshot(page, 'auth-1366x768-admin-audit');
    assertClean(adm);
    assertClean(usr);
  } finally {
    await adm.close();
    await usr.close();
  }
});

test('admin pages page through users and the audit log', { skip }, async () => {
  for (let i = 0; i < 22; i++)
    cliUser(['--username', `bulk${String(i).padStart(2, '0')}`, '--name', `批量用户${i}`, '--password', 'Bulk-User-Pass-2026']);
  const rec = await open({ viewport: PHONE });
  const { page } = rec;
  try {
    await login(page, 'admin', DEMO_PW, '/admin');
    await page.locator('#user-table tbody tr[data-user]').first().waitFor();
    const first = await page.locator('#user-table tbody tr[data-user]').evaluateAll((r) => r.map((x) => x.dataset.user));
    assert.equal(first.length, 20);
    assert.equal(await page.locator('#users-prev').isDisabled(), true);
    await screenshot(page, 'auth-390x844-admin-users');
    await page.click('#users-next');
    await page.waitForURL(/after=/);
    await page.waitForFunction((f) => {
      const rows = [...document.querySelectorAll('#user-table tbody tr[data-user]')].map((x) => x.dataset.user);
      return rows.length && !rows.includes(f);
    }, first[0]);
    const second = await page.locator('#user-table tbody tr[data-user]').evaluateAll((r) => r.map((x) => x.dataset.user));
    assert.equal(second.filter((u) => first.includes(u)).length, 0, 'pages do not overlap');
    await page.click('#users-prev');
    await page.waitForFunction((f) => document.querySelector('#user-table tbody tr[data-user]')?.dataset.user === f, first[0]);

    await page.goto(`${srv.url}/admin#/audit`);
    await page.locator('#audit-table tbody tr[data-audit]').first().waitFor();
    const n = await page.locator('#audit-table tbody tr[data-audit]').count();
    if (n === 50) {
      const top = await page.locator('#audit-table tbody tr[data-audit]').first().getAttribute('data-audit');
      await page.click('#audit-older');
      await page.waitForURL(/before=/);
      await page.waitForFunction((t) => document.querySelector('#audit-table tbody tr[data-audit]')?.dataset.audit !== t, top);
      const older = Number(await page.locator('#audit-table tbody tr[data-audit]').first().getAttribute('data-audit'));
      assert.ok(older < Number(top));
      await page.click('#audit-newer');
      await page.waitForFunction((t) => document.querySelector('#audit-table tbody tr[data-audit]')?.dataset.audit === t, top);
    }
    assertClean(rec);
  } finally {
    await rec.close();
  }
});

test('non-admins see 无权访问 on /admin', { skip }, async () => {
  for (const [username, viewport] of [['command', undefined], ['resident', PHONE]]) {
    const rec = await open(viewport ? { viewport } : {});
    const { page } = rec;
    const adminCalls = [];
    page.on('request', (r) => { if (/\/api\/v1\/(users|audit)/.test(r.url())) adminCalls.push(r.url()); });
    try {
      await login(page, username, DEMO_PW, '/admin');
      await page.locator('#denied').waitFor();
      assert.equal(await page.locator('#denied h1').innerText(), '无权访问');
      assert.match(await page.locator('#denied').innerText(), new RegExp(demo[username].grants[0].role_label));
      assert.deepEqual(adminCalls, [], 'no admin API is called');
      assert.equal((await menuItems(page)).includes('admin'), false);
      await page.keyboard.press('Escape');
      await screenshot(page, `auth-${viewport ? '390x844' : '1366x768'}-admin-denied-${username}`);
      assertClean(rec);
    } finally {
      await rec.close();
    }
  }
});
