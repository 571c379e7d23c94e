// auth.js - the signed-in user, the CSRF token and requests that change state.
//
// The session itself is an HttpOnly cookie the page never sees. What the
// page keeps:
//   sessionStorage "wangge.csrf"  the CSRF token returned at log-in; every
//                                 POST/DELETE made with the cookie sends it as
//                                 X-CSRF-Token. Per tab: a tab that lacks it
//                                 asks the other open tabs (BroadcastChannel);
//                                 /auth/me does not return it, so without one
//                                 the user has to log in again.
//   localStorage   "wangge.auth"  "1" while this browser has probably logged
//                                 in: only then do pages ask /auth/me, so that
//                                 anonymous visitors of the public map make no
//                                 request that is bound to fail with 401.
//
// Every call rejects with api.js's ApiError (Chinese message fit to show).

import { ApiError, replyError } from './api.js';

const CSRF_KEY = 'wangge.csrf';
const HINT_KEY = 'wangge.auth';

/** Role name -> Chinese label (src/domain/role.h). */
export const ROLE_LABEL = {
  admin: '区管理员',
  command: '指挥中心',
  station_head: '站长',
  grid_leader: '网格长',
  grid_worker: '网格员',
  department: '职能部门',
  leader: '领导',
  resident: '群众',
};
/** Roles in display order. */
export const ROLES = Object.keys(ROLE_LABEL);

/** Password policy, as the server enforces it (src/domain/password.c). */
export const PASSWORD_MIN = 10;
export const PASSWORD_POLICY = `至少 ${PASSWORD_MIN} 个字符；不能是常见密码（如 password123、Aa123456789）；不能与用户名相同或相近。建议使用一句容易记住的短语，或混合字母、数字与符号。`;

export const isStaff = (u) => !!u && (u.roles || []).some((r) => r !== 'resident');
export const isAdmin = (u) => !!u && (u.roles || []).includes('admin');
export const roleLabels = (u) => (u?.roles || []).map((r) => ROLE_LABEL[r] || r);

/* ------------------------------------------------------------ storage */

function store(kind) {
  try {
    return kind === 'session' ? window.sessionStorage : window.localStorage;
  } catch {
    return null;   // storage disabled: degrade to "not logged in"
  }
}

export function getCsrf() {
  return store('session')?.getItem(CSRF_KEY) || '';
}

function setCsrf(token) {
  const s = store('session');
  if (!s) return;
  if (token) s.setItem(CSRF_KEY, token);
  else s.removeItem(CSRF_KEY);
}

const hasHint = () => store('local')?.getItem(HINT_KEY) === '1';
function setHint(on) {
  const s = store('local');
  if (!s) return;
  if (on) s.setItem(HINT_KEY, '1');
  else s.removeItem(HINT_KEY);
}

/* ------------------------------------------- other tabs: token and log-out */

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('wangge-auth') : null;
const listeners = new Set();

/** fn(event) on "login" / "logout" in this or another tab. */
export function onAuthChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(type, local = true) {
  for (const fn of listeners) {
    try { fn(type); } catch (e) { console.error(e); }
  }
  if (local) channel?.postMessage({ type });
}

channel?.addEventListener('message', (ev) => {
  const m = ev.data || {};
  if (m.type === 'csrf?' && getCsrf()) channel.postMessage({ type: 'csrf', token: getCsrf() });
  else if (m.type === 'csrf' && m.token && !getCsrf()) setCsrf(m.token);
  else if (m.type === 'logout') {
    setCsrf('');
    mePromise = null;
    emit('logout', false);
  } else if (m.type === 'login') {
    mePromise = null;
    emit('login', false);
  }
});

/** The CSRF token of this tab, else one borrowed from another open tab ('' when none). */
export async function ensureCsrf(waitMs = 400) {
  if (getCsrf() || !channel) return getCsrf();
  channel.postMessage({ type: 'csrf?' });
  const until = Date.now() + waitMs;
  while (!getCsrf() && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  return getCsrf();
}

/* ------------------------------------------------------------ requests */

/**
 * fetch + JSON for any method; state-changing requests carry the CSRF
 * token. Resolves to the parsed body ({} for an empty one) or rejects with
 * ApiError. A 403 auth.csrf or a 401 clears the local log-in state.
 */
export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') {
    const t = await ensureCsrf();
    if (t) headers['X-CSRF-Token'] = t;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
  }
  let data = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const err = replyError(res, data);
    if (res.status === 401 && /^auth\.(required|invalid|expired)$/.test(err.code)) forget();
    throw err;
  }
  if (data === null && text) throw new ApiError(res.status, 'bad_reply', '服务器返回了无法识别的数据');
  return data ?? {};
}

export const get = (path) => request('GET', path);
export const post = (path, body = {}) => request('POST', path, body);
export const del = (path) => request('DELETE', path);

/** Is this error "log in (again)"? (no session, expired, or no CSRF token) */
export const needsLogin = (e) =>
  e instanceof ApiError && (e.status === 401 || e.code === 'auth.csrf');

/* ------------------------------------------------------------- session */

let mePromise = null;
let lost = false;   // the last /auth/me found this browser's session gone

/** Did this browser have a session that has since ended (expired, logged out elsewhere, disabled)? */
export const sessionLost = () => lost;

function forget() {
  setCsrf('');
  setHint(false);
  mePromise = null;
}

/**
 * The logged-in user, or null. Asks the server only when this browser has
 * logged in (see the top of this file); opts.fresh skips the cached answer.
 */
export function currentUser(opts = {}) {
  if (!hasHint()) return Promise.resolve(null);
  if (!mePromise || opts.fresh) {
    mePromise = get('/api/v1/auth/me').then((u) => {
      lost = false;
      return u;
    }, (e) => {
      mePromise = null;
      if (e instanceof ApiError && e.status === 401) {
        lost = true;
        return null;
      }
      throw e;
    });
  }
  return mePromise;
}

/** Log in with the web cookie; resolves to the user. Rejections: see login.js. */
export async function login(username, password) {
  const r = await request('POST', '/api/v1/auth/login', { username, password, kind: 'web' });
  setCsrf(r.csrf_token || '');
  setHint(true);
  mePromise = Promise.resolve(r.user);
  emit('login');
  return r.user;
}

/** End this session (all = every session of the account). Local state is cleared even on failure. */
export async function logout(all = false) {
  try {
    await post(all ? '/api/v1/auth/logout-all' : '/api/v1/auth/logout');
  } finally {
    forget();
    emit('logout');
  }
}

export const changePassword = (oldPassword, newPassword) =>
  post('/api/v1/auth/password', { old_password: oldPassword, new_password: newPassword });

/* ----------------------------------------------------------- navigation */

/**
 * A safe place to go back to: a same-origin path ("/x?y#z"), never "//host"
 * or another scheme; `fallback` otherwise.
 */
export function safeNext(next, fallback = '/') {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || /[\\\s]/.test(next.slice(0, 2)))
    return fallback;
  try {
    const u = new URL(next, location.origin);
    if (u.origin !== location.origin) return fallback;
    if (/^\/login(\.html)?$/.test(u.pathname)) return fallback;
    return u.pathname + u.search + u.hash;
  } catch {
    return fallback;
  }
}

/** The current page, as a `next` value. */
export const here = () => location.pathname + location.search + location.hash;

/** URL of the log-in page that comes back to `next` (default: here). */
export function loginHref(next = here(), reason = '') {
  const q = new URLSearchParams();
  if (next && next !== '/') q.set('next', next);
  if (reason) q.set('reason', reason);
  const s = q.toString();
  return `/login${s ? '?' + s : ''}`;
}

/** Go to the log-in page (reason: "expired" | "csrf" | "required"). */
export function goLogin(reason = '', next = here()) {
  location.assign(loginHref(next, reason));
}
