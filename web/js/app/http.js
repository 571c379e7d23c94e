// http.js - requests of the workbench that auth.js's request() does not
// cover: extra headers (Idempotency-Key) and raw bodies (photo uploads).
// Every call resolves to the parsed JSON body ({} when empty), with the
// HTTP status as a non-enumerable `_status`, or rejects with api.js's
// ApiError, whose message is the server's Chinese message.

import { ApiError, replyError } from '../api.js';
import { ensureCsrf, request } from '../auth.js';

export { request };
export const get = (path) => request('GET', path);

/**
 * A state-changing request with optional extra headers.
 * body: a plain object (sent as JSON) or a Blob/File (sent raw).
 */
export async function send(method, path, body, extraHeaders = {}) {
  const headers = { Accept: 'application/json', ...extraHeaders };
  const t = await ensureCsrf();
  if (t) headers['X-CSRF-Token'] = t;
  const init = { method, headers, credentials: 'same-origin' };
  if (body instanceof Blob) {
    headers['Content-Type'] = 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
  }
  const text = await res.text().catch(() => '');
  let data = null;
  try { data = text ? JSON.parse(text) : {}; } catch { data = null; }
  if (!res.ok) throw replyError(res, data);
  if (data === null) throw new ApiError(res.status, 'bad_reply', '服务器返回了无法识别的数据');
  Object.defineProperty(data, '_status', { value: res.status, enumerable: false });
  return data;
}

/** Upload one photo (raw bytes); resolves to {sha256, mime, bytes, url}. */
export const uploadPhoto = (file) => send('POST', '/api/v1/photos', file);

/** A random UUID (crypto.randomUUID where the page is a secure context). */
export function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/* ---------------------------------------------------- shared look-ups */

let categories = null;
let departments = null;

/** The event taxonomy: {list, byCode, top (level 1), children(code)}. Fetched once. */
export function getCategories() {
  if (!categories) {
    categories = get('/api/v1/event-categories').then((r) => {
      const list = (r.categories || []).filter((c) => c.enabled !== false);
      const byCode = new Map(list.map((c) => [c.code, c]));
      return {
        list, byCode,
        top: list.filter((c) => !c.parent),
        children: (code) => list.filter((c) => c.parent === code),
      };
    }, (e) => { categories = null; throw e; });
  }
  return categories;
}

/** Departments of the district: {list, name(code)}. Fetched once. */
export function getDepartments() {
  if (!departments) {
    departments = get('/api/v1/departments').then((r) => {
      const list = r.departments || [];
      const names = new Map(list.map((d) => [d.code, d.name]));
      return { list, name: (code) => names.get(code) || code };
    }, (e) => { departments = null; throw e; });
  }
  return departments;
}
