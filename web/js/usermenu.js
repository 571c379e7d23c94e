// usermenu.js - the current-user menu in the header of every page.
//
//   import { mountUserMenu } from './usermenu.js';
//   mountUserMenu(document.getElementById('user-menu'), { protectedPage: false });
//
// Logged out: a "登录" link that comes back here. Logged in: a button with
// the display name and roles that opens a menu (ARIA menu button: Enter,
// Space or ↓ open it, ↑/↓/Home/End move, Esc closes and returns focus):
// 修改密码, 随手报 · 我的上报 (residents), API 令牌 (staff), 用户管理 (admins),
// 值班安排 (staff), 事件指标 (territorial staff), 指挥大屏 (admin, command,
// leader), 大屏终端 (admin, command), 退出登录, 退出所有设备.
//
// opts.protectedPage: after log-out go to the log-in page instead of
// staying (pages that need a log-in). opts.user: a user already fetched.

import {
  currentUser, logout, onAuthChange, isStaff, isAdmin, roleLabels, loginHref, here, needsLogin, goLogin, sessionLost,
} from './auth.js';
import { h } from './util.js';

let seq = 0;

/**
 * The start of every page that needs a log-in: the signed-in user (asked
 * of the server afresh) with the header's menu mounted in #user-menu; null
 * when nobody is (the browser goes to the log-in page, which comes back
 * here), when the password must be changed first (the browser goes to the
 * account page, which comes back here; the server refuses everything else
 * until then) or when the server could not be asked (onError(message)
 * shows it). opts.passwordPage: the account page itself.
 */
export async function startProtectedPage(onError, opts = {}) {
  let user = null;
  try {
    user = await currentUser({ fresh: true });
  } catch (e) {
    onError(`无法读取登录信息：${e.message}`);
    return null;
  }
  if (!user) {
    goLogin(sessionLost() ? 'expired' : 'required');
    return null;
  }
  if (user.must_change_password && !opts.passwordPage) {
    location.replace(`/account?must=1&next=${encodeURIComponent(here())}#password`);
    return null;
  }
  mountUserMenu(document.getElementById('user-menu'), { protectedPage: true, user });
  return user;
}

export async function mountUserMenu(root, opts = {}) {
  if (!root) return null;
  root.classList.add('usermenu');
  const render = async () => {
    let user = null;
    try {
      user = opts.user !== undefined ? opts.user : await currentUser();
    } catch {
      user = null;   // server unreachable: offer the log-in link
    }
    opts.user = undefined;
    if (user) renderUser(root, user, opts);
    else renderAnon(root);
    syncWorkbenchLink(root, user);
    root.dataset.state = user ? 'user' : 'anon';
    return user;
  };
  onAuthChange((type) => {
    if (type === 'logout' && opts.protectedPage) location.assign(loginHref(here(), 'logout'));
    else render();
  });
  return render();
}

function renderAnon(root) {
  root.replaceChildren(h('a', { class: 'um-login', href: loginHref(here()), id: 'um-login' },
    h('span', { class: 'um-login-icon', 'aria-hidden': 'true' }), '登录'));
}

function initial(name) {
  return [...String(name || '?').trim()][0] || '?';
}

function renderUser(root, user, opts) {
  const id = `um-${++seq}`;
  const labels = roleLabels(user);
  const btn = h('button', {
    type: 'button', class: 'um-button', id: `${id}-btn`,
    'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-controls': `${id}-menu`,
    title: `${user.display_name}（${user.username}）`,
  },
  h('span', { class: 'um-avatar', 'aria-hidden': 'true' }, initial(user.display_name)),
  h('span', { class: 'um-who' },
    h('span', { class: 'um-name' }, user.display_name),
    h('span', { class: 'um-roles' }, labels.join('、') || '无角色')),
  user.must_change_password ? h('span', { class: 'um-dot', title: '请修改密码' },
    h('span', { class: 'sr-only' }, '（请修改密码）')) : null,
  h('span', { class: 'um-caret', 'aria-hidden': 'true' }, '▾'));

  const status = h('p', { class: 'um-status', role: 'status', 'aria-live': 'polite' });
  const item = (label, attrs) => h('li', { role: 'none' },
    attrs.href
      ? h('a', { role: 'menuitem', tabindex: '-1', class: 'um-item', ...attrs }, label)
      : h('button', { type: 'button', role: 'menuitem', tabindex: '-1', class: 'um-item', ...attrs }, label));

  const doLogout = (all) => async () => {
    close(false);
    btn.disabled = true;
    try {
      await logout(all);
    } catch (e) {
      // The local state is gone anyway; a missing CSRF token means this tab
      // cannot prove the session: log in again, then log out.
      if (needsLogin(e)) location.assign(loginHref(here(), 'csrf'));
      else alert(`退出失败：${e.message}`);
      return;
    }
    if (!opts.protectedPage) flash(all ? '已退出所有设备上的登录' : '已退出登录');
  };

  const scopes = (user.grants || []).map((g) =>
    h('li', {}, h('span', { class: 'um-role' }, g.role_label || g.role), ' ',
      h('span', { class: 'muted' }, g.scope_name || g.scope)));

  const menu = h('div', { class: 'um-panel', id: `${id}-panel`, hidden: true },
    h('div', { class: 'um-head' },
      h('strong', {}, user.display_name),
      h('span', { class: 'code' }, user.username),
      scopes.length ? h('ul', { class: 'um-scopes', 'aria-label': '角色与范围' }, scopes) : null,
      user.must_change_password ? h('p', { class: 'um-warn' }, '你的密码需要修改') : null),
    h('ul', { class: 'um-list', role: 'menu', id: `${id}-menu`, 'aria-labelledby': `${id}-btn` },
      item('修改密码', { href: '/account#password', 'data-item': 'password' }),
      !isStaff(user) ? item('随手报 · 我的上报', { href: '/report#mine', 'data-item': 'report' }) : null,
      isStaff(user) ? item('API 令牌', { href: '/account#tokens', 'data-item': 'tokens' }) : null,
      isAdmin(user) ? item('用户管理', { href: '/admin', 'data-item': 'admin' }) : null,
      isStaff(user) ? item('值班安排', { href: '/duty', 'data-item': 'duty' }) : null,
      (user.roles || []).some((r) => ['admin', 'command', 'leader', 'station_head', 'grid_leader', 'grid_worker'].includes(r))
        ? item('事件指标', { href: '/kpi', 'data-item': 'kpi' }) : null,
      (user.roles || []).some((r) => ['admin', 'command', 'leader'].includes(r))
        ? item('指挥大屏', { href: '/screen', 'data-item': 'screen' }) : null,
      (user.roles || []).some((r) => ['admin', 'command'].includes(r))
        ? item('大屏终端', { href: '/displays', 'data-item': 'displays' }) : null,
      h('li', { role: 'separator', class: 'um-sep' }),
      item('退出登录', { onclick: doLogout(false), 'data-item': 'logout' }),
      item('退出所有设备', { onclick: doLogout(true), 'data-item': 'logout-all',
                        title: '结束此账号在所有浏览器和手机应用上的登录' })),
    status);

  const items = () => [...menu.querySelectorAll('[role="menuitem"]')];
  const isOpen = () => btn.getAttribute('aria-expanded') === 'true';

  function open(focusIdx = 0) {
    btn.setAttribute('aria-expanded', 'true');
    menu.hidden = false;
    const list = items();
    list[(focusIdx + list.length) % list.length]?.focus();
    document.addEventListener('pointerdown', outside, true);
  }
  function close(focusButton = true) {
    btn.setAttribute('aria-expanded', 'false');
    menu.hidden = true;
    document.removeEventListener('pointerdown', outside, true);
    if (focusButton) btn.focus();
  }
  function outside(ev) {
    if (!root.contains(ev.target)) close(false);
  }

  btn.addEventListener('click', () => (isOpen() ? close() : open()));
  btn.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') { ev.preventDefault(); open(0); }
    else if (ev.key === 'ArrowUp') { ev.preventDefault(); open(-1); }
  });
  menu.addEventListener('keydown', (ev) => {
    const list = items();
    const i = list.indexOf(document.activeElement);
    const go = (j) => { ev.preventDefault(); list[(j + list.length) % list.length].focus(); };
    if (ev.key === 'Escape') { ev.preventDefault(); close(); }
    else if (ev.key === 'ArrowDown') go(i + 1);
    else if (ev.key === 'ArrowUp') go(i - 1);
    else if (ev.key === 'Home') go(0);
    else if (ev.key === 'End') go(-1);
    else if (ev.key === 'Tab') close(false);
  });
  root.replaceChildren(btn, menu);
}

/** A short message under the header (after log-out on a public page). */
function flash(text) {
  const el = h('div', { class: 'um-flash', role: 'status' }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 4000);
}

/* ------------------------------------------------ 工作台 in the header */

/**
 * Staff get a "工作台" link (/app) in the header's navigation, residents a
 * "随手报" link (/report); it goes away on log-out. Pages without a
 * navigation get one after the brand (the 随手报 page itself gets none).
 */
function syncWorkbenchLink(root, user) {
  const bar = root.closest('.topbar');
  if (!bar) return;
  const want = !user ? null
    : isStaff(user) ? { nav: 'app', href: '/app', label: '工作台', title: '事件受理、派遣、处置与核查' }
      : { nav: 'report', href: '/report', label: '随手报', title: '上报问题，查看办理进度' };
  for (const a of bar.querySelectorAll('.topnav a[data-added]')) {
    if (a.dataset.nav !== want?.nav) a.remove();
  }
  if (!want || bar.querySelector(`.topnav a[data-nav="${want.nav}"]`)) return;
  if (want.nav === 'report' && /^\/report(\.html)?$/.test(location.pathname)) return;
  let nav = bar.querySelector('.topnav');
  if (!nav) {
    nav = h('nav', { class: 'topnav', 'aria-label': '主导航' });
    bar.querySelector('.brand')?.append(nav);
  }
  const link = h('a', { href: want.href, 'data-nav': want.nav, 'data-added': '1', title: want.title }, want.label);
  if (location.pathname.replace(/\.html$/, '') === want.href) link.setAttribute('aria-current', 'page');
  nav.append(link);
}
