// api.js - thin client for wangge's JSON API (/api/v1).
//
// Every call resolves to the parsed JSON body or rejects with an ApiError
// whose `message` is Chinese and fit to show to the user as is: the server's
// own error message when it sent one ({"error":{code,message,message_en,param}};
// a file's line errors, when the reply lists them, as `errors`),
// or a message of ours for network failures and unreadable replies.
//
// Read-mostly replies (unit detail, children, GeoJSON) are cached for a few
// minutes, so drilling back up the tree costs no request.

/** An API failure; `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(status, code, message, param = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.param = param;
  }
}

/**
 * The ApiError of a reply that is not ok: the server's code and Chinese
 * message from its JSON body (`data`, null when it had none), else a
 * generic one with the HTTP status; retryAfter from the Retry-After header.
 */
export function replyError(res, data) {
  const e = data && data.error;
  const err = e && e.message
    ? Object.assign(new ApiError(res.status, e.code || 'error', e.message, e.param || null),
      Array.isArray(e.errors) ? { errors: e.errors } : {})
    : new ApiError(res.status, 'http', `服务器错误（HTTP ${res.status}），请稍后重试`);
  err.retryAfter = Number(res.headers.get('Retry-After')) || null;
  return err;
}

const CACHE_MS = 5 * 60 * 1000;
const cache = new Map();   // path -> {at, promise of JSON}

/**
 * GET `path` (e.g. "/api/v1/units/440111") and parse the JSON reply.
 * opts.cache: reuse a reply of the same path fetched in the last minutes.
 */
export async function getJSON(path, opts = {}) {
  const hit = opts.cache && cache.get(path);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.promise;
  const p = fetchJSON(path);
  if (opts.cache) {
    cache.set(path, { at: Date.now(), promise: p });
    p.catch(() => cache.delete(path));   // never cache a failure
  }
  return p;
}

async function fetchJSON(path) {
  let res;
  try {
    res = await fetch(path, { headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) throw replyError(res, body);
  if (body === null) throw new ApiError(res.status, 'bad_reply', '服务器返回了无法识别的数据');
  return body;
}

const enc = encodeURIComponent;

/** Detail of one unit: name, level, path, totals, staff … */
export const getUnit = (code) => getJSON(`/api/v1/units/${enc(code)}`, { cache: true });

/** Direct children of a unit with their totals and head. */
export const getChildren = (code) => getJSON(`/api/v1/units/${enc(code)}/children`, { cache: true });

/**
 * GeoJSON FeatureCollection (WGS-84) of a unit's children, or of the unit
 * itself / its descendants at `level` ("self", "town" … "grid").
 * `simplify` (metres) thins the outlines for overview maps.
 */
export function getGeoJSON(code, { level = null, simplify = 0 } = {}) {
  const q = new URLSearchParams();
  if (level) q.set('level', level);
  if (simplify > 0) q.set('simplify', String(simplify));
  const qs = q.toString();
  return getJSON(`/api/v1/units/${enc(code)}/geojson${qs ? '?' + qs : ''}`, { cache: true });
}

/** Units whose name contains, or code starts with, `q`. */
export const searchUnits = (q, limit = 20) =>
  getJSON(`/api/v1/units?q=${enc(q)}&limit=${limit}`);

/**
 * Whose grid is this point? crs: "wgs84" | "gcj02" | "bd09".
 * Rejects with ApiError code "locate.outside" (404) outside every grid.
 */
export const locate = (lat, lon, crs = 'wgs84') =>
  getJSON(`/api/v1/locate?lat=${enc(lat)}&lon=${enc(lon)}&crs=${enc(crs)}`);
