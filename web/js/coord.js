// coord.js - coordinate input parsing and WGS-84 / GCJ-02 / BD-09 conversion.
//
// The map is drawn in WGS-84 (the API's default). Coordinates typed in
// GCJ-02 (高德/腾讯) or BD-09 (百度) are sent to /api/v1/locate as they are,
// with their crs, but the marker must be placed in WGS-84, so we convert here
// with the same published formulas as the server (src/geo/coord.c).

/** The CRS choices offered to the user. */
export const CRS_OPTIONS = [
  { value: 'wgs84', label: 'WGS-84（GPS/天地图）' },
  { value: 'gcj02', label: 'GCJ-02（高德/腾讯）' },
  { value: 'bd09', label: 'BD-09（百度）' },
];

const A = 6378245.0;
const EE = 0.00669342162296594323;
const X_PI = (Math.PI * 3000.0) / 180.0;

const inChina = (lon, lat) => lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;

function tlat(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function tlon(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

/** WGS-84 -> GCJ-02, [lon, lat]. */
export function wgs84ToGcj02(lon, lat) {
  if (!inChina(lon, lat)) return [lon, lat];
  let dlat = tlat(lon - 105.0, lat - 35.0);
  let dlon = tlon(lon - 105.0, lat - 35.0);
  const rad = (lat / 180.0) * Math.PI;
  let magic = Math.sin(rad);
  magic = 1 - EE * magic * magic;
  const sq = Math.sqrt(magic);
  dlat = (dlat * 180.0) / (((A * (1 - EE)) / (magic * sq)) * Math.PI);
  dlon = (dlon * 180.0) / ((A / sq) * Math.cos(rad) * Math.PI);
  return [lon + dlon, lat + dlat];
}

/** GCJ-02 -> WGS-84 by iterating the forward transform. */
export function gcj02ToWgs84(lon, lat) {
  if (!inChina(lon, lat)) return [lon, lat];
  let wlon = lon, wlat = lat;
  for (let i = 0; i < 30; i++) {
    const [glon, glat] = wgs84ToGcj02(wlon, wlat);
    const dx = glon - lon, dy = glat - lat;
    wlon -= dx;
    wlat -= dy;
    if (Math.abs(dx) < 1e-10 && Math.abs(dy) < 1e-10) break;
  }
  return [wlon, wlat];
}

/** BD-09 -> GCJ-02. */
export function bd09ToGcj02(lon, lat) {
  const x = lon - 0.0065, y = lat - 0.006;
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI);
  const t = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI);
  return [z * Math.cos(t), z * Math.sin(t)];
}

/** Any supported CRS -> WGS-84, [lon, lat]. */
export function toWgs84(crs, lon, lat) {
  if (crs === 'gcj02') return gcj02ToWgs84(lon, lat);
  if (crs === 'bd09') return gcj02ToWgs84(...bd09ToGcj02(lon, lat));
  return [lon, lat];
}

const NUM = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Read the latitude and longitude fields. A pair pasted into the latitude
 * field ("23.16, 113.26" or "23.16 113.26") is accepted too.
 * Returns { ok: true, lat, lon } or { ok: false, field: "lat"|"lon", message }.
 */
export function parseLatLon(latText, lonText) {
  let a = String(latText ?? '').trim();
  let b = String(lonText ?? '').trim();
  if (a && !b) {
    const parts = a.split(/[\s,，;；]+/).filter(Boolean);
    if (parts.length === 2) [a, b] = parts;
  }
  if (!a && !b) return { ok: false, field: 'lat', message: '请输入纬度和经度' };
  if (!a) return { ok: false, field: 'lat', message: '请输入纬度' };
  if (!b) return { ok: false, field: 'lon', message: '请输入经度' };
  if (!NUM.test(a)) return { ok: false, field: 'lat', message: `纬度“${a}”不是有效的数字` };
  if (!NUM.test(b)) return { ok: false, field: 'lon', message: `经度“${b}”不是有效的数字` };
  const lat = Number(a), lon = Number(b);
  if (Math.abs(lat) > 90) {
    const hint = Math.abs(lon) <= 90 ? '，是否把经纬度填反了？' : '';
    return { ok: false, field: 'lat', message: `纬度必须在 -90 到 90 之间${hint}` };
  }
  if (Math.abs(lon) > 180) return { ok: false, field: 'lon', message: '经度必须在 -180 到 180 之间' };
  return { ok: true, lat, lon };
}

/** "23.162281, 113.262831" with 6 decimals (~0.1 m). */
export const formatLatLon = (lat, lon) => `${lat.toFixed(6)}, ${lon.toFixed(6)}`;
