// screen-display.js - the big screen on a wall display (大屏终端): pairing
// and the display's token (docs/api.md, "Wall displays").
//
// A wall display needs nobody's log-in. An admin or a command officer
// creates it at /displays and gets a pairing code; the wall's browser opens
// /screen#pair=CODE (or /screen#pair and types the code): the code is
// swapped for the display's token, kept here:
//   localStorage "wangge.display"   the token (wgd_…): every request of the
//                                   screen sends it as a bearer token
//   cookie "wg_display"             the same token for the live stream only
//                                   (Path=/api/v1/screen/stream): EventSource
//                                   cannot send headers
// so the screen survives reloads, restarts of the browser and of the
// server, for as long as the display is not revoked or expired (90 days
// after pairing; 14 days without a request).

import { ApiError, replyError } from './api.js';

const KEY = 'wangge.display';
export const STREAM_PATH = '/api/v1/screen/stream';
const COOKIE = 'wg_display';
const COOKIE_DAYS = 90;

function storage() {
  try { return window.localStorage; } catch { return null; }
}

/** The display token of this browser, or ''. */
export function displayToken() {
  return storage()?.getItem(KEY) || '';
}

/** The stream's cookie, for a token ('' clears it). */
export function setStreamCookie(token) {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = token
    ? `${COOKIE}=${token}; Path=${STREAM_PATH}; Max-Age=${COOKIE_DAYS * 86400}; SameSite=Strict${secure}`
    : `${COOKIE}=; Path=${STREAM_PATH}; Max-Age=0; SameSite=Strict${secure}`;
}

function keep(token) {
  storage()?.setItem(KEY, token);
  setStreamCookie(token);
}

/** This browser is no wall display any more (its token and cookie gone). */
export function forgetDisplay() {
  storage()?.removeItem(KEY);
  setStreamCookie('');
}

/**
 * The pairing request in the address: "#pair=CODE" -> "CODE", "#pair" ->
 * '' (ask for the code), anything else -> null.
 */
export function pairingFromHash(hash = location.hash) {
  const m = /^#pair(?:=([^&]*))?$/.exec(hash);
  if (!m) return null;
  try { return decodeURIComponent(m[1] || '').trim(); } catch { return ''; }
}

/** fetch + JSON with the display token; rejects with ApiError (Chinese message). */
async function call(method, path, body, token = displayToken()) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: 'omit', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) throw replyError(res, data);
  if (data === null) throw new ApiError(res.status, 'bad_reply', '服务器返回了无法识别的数据');
  return data;
}

/** GET as the display. */
export const displayGet = (path) => call('GET', path);

/** Pair with a code: keeps the token; resolves to the display ({id, name, unit, expires_at …}). */
export async function pair(code) {
  const r = await call('POST', '/api/v1/displays/pair', { code }, '');
  keep(r.token);
  return r.display;
}

/** What a display's 401 means, in words for the wall: {title, text}. */
export function endedMessage(e) {
  if (e?.code === 'display.revoked')
    return { title: '本大屏已停用', text: '管理员已停用此大屏终端，大屏不再显示数据。如需继续使用，请联系区或镇街指挥中心管理员重新创建大屏并生成配对码。' };
  if (e?.code === 'auth.expired')
    return { title: '大屏授权已过期', text: '此大屏终端的授权已到期（配对后 90 天，或 14 天未连接）。请管理员在“大屏终端”页面为它重新生成配对码。' };
  return { title: '大屏凭证已失效', text: '此大屏终端已在另一台电脑上重新配对，或凭证无效。请向管理员索取新的配对码。' };
}
