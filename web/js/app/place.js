// place.js - what the two report forms share (上报事件 in the workbench,
// report.js; 随手报, resident.js):
//
//   categoryField(prefix, cats, opts)  the two-level category: 大类, then
//                             its 小类
//   placeField(prefix, opts)  where it happened: a point picked on a map of
//                             the user's area, the browser's position or
//                             typed WGS-84 coordinates, and the line that
//                             names the grid it falls in (GET /locate)
//   submission()              POST /api/v1/events with an Idempotency-Key
//                             that stays the same across retries of one
//                             submission (a lost answer cannot make a second
//                             event) and is renewed once the server has
//                             answered for good, or the report changed

import { h } from '../util.js';
import { setFieldError } from '../forms.js';
import { locate } from '../api.js';
import { send, uuid } from './http.js';
import { PickMap } from './minimap.js';

/* One map element and PickMap per prefix for the page's life: the
 * workbench builds its report form anew on every opening, and an ECharts
 * instance a form would pile up (see minimap.js). */
const maps = new Map();   // prefix -> {el, pick, onPick}

/**
 * The category of a report: {cat1, cat2, value(), missing(), reset()}.
 * value(): the chosen code (the 小类, or a 大类 without any); missing():
 * the Chinese complaint when the choice is not complete, else ''.
 * cats: http.js getCategories(); opts: label (请选择大类), idle (先选大类),
 * subLabel (the 小类's aria-label), autofocus.
 */
export function categoryField(prefix, cats, opts = {}) {
  const idle = opts.idle || '先选大类';
  const cat1 = h('select', { id: `${prefix}-cat1`, required: true, autofocus: !!opts.autofocus },
    h('option', { value: '' }, opts.label || '请选择大类'), ...cats.top.map((c) => h('option', { value: c.code }, c.name)));
  const cat2 = h('select', { id: `${prefix}-cat2`, disabled: true, 'aria-label': opts.subLabel || '小类' },
    h('option', { value: '' }, idle));
  cat1.addEventListener('change', () => {
    const kids = cats.children(cat1.value);
    cat2.replaceChildren(h('option', { value: '' }, kids.length ? '请选择小类' : '（无小类）'),
      ...kids.map((c) => h('option', { value: c.code }, c.name)));
    cat2.disabled = !kids.length;
  });
  return {
    cat1, cat2,
    value: () => cat2.value || cat1.value,
    missing: () => (!cat1.value ? (opts.required || '请选择类别') : !cat2.disabled && !cat2.value ? '请选择小类' : ''),
    reset() {
      cat1.value = '';
      cat2.replaceChildren(h('option', { value: '' }, idle));
      cat2.disabled = true;
    },
  };
}

/**
 * The place of a report. Elements (ids `${prefix}-lon`, `-lat`, `-geo`,
 * `-where`, `-map`): {lon, lat, geo, where, mapEl}; and
 *   point()           [lon, lat] when both are valid numbers, else null
 *   show(code, level) draw the map of a unit (once a page: one PickMap)
 *   reset()           empty, the map without its pin
 *   map()             the PickMap (tests)
 * opts: idle (the where line's text before a point), geoLabel, geoClass,
 * worker (name the grid worker after the grid), onGrid(locateResult | null)
 * (the point's grid, once looked up).
 */
export function placeField(prefix, opts = {}) {
  const idle = opts.idle || '点击地图或输入坐标';
  const lon = h('input', { id: `${prefix}-lon`, inputmode: 'decimal', placeholder: '经度，如 113.2695', 'aria-label': '经度' });
  const lat = h('input', { id: `${prefix}-lat`, inputmode: 'decimal', placeholder: '纬度，如 23.1608', 'aria-label': '纬度' });
  const geo = h('button', { type: 'button', class: opts.geoClass || 'btn btn-small', id: `${prefix}-geo`, title: '使用浏览器定位（WGS-84）' },
    opts.geoLabel || '◎ 我的位置');
  const where = h('p', { class: opts.whereClass || 'small muted', id: `${prefix}-where`, 'aria-live': 'polite' }, idle);
  let slot = maps.get(prefix);
  if (!slot) {
    slot = { el: h('div', { class: opts.mapClass || 'rp-map', id: `${prefix}-map`, role: 'application', 'aria-label': '点击地图选择位置' }), pick: null };
    maps.set(prefix, slot);
  }
  if (slot.pick) slot.pick.point = null;   // a new form: no pin yet
  const mapEl = slot.el;
  let seq = 0;
  let found = '';   // the point whose grid `where` names ("lon,lat")

  const point = () => {
    const x = Number(lon.value), y = Number(lat.value);
    return lon.value && lat.value && Number.isFinite(x) && Number.isFinite(y) && Math.abs(x) <= 180 && Math.abs(y) <= 90
      ? [x, y] : null;
  };
  const lookUp = async () => {
    const p = point();
    // the same point again (a field left without a change, a second click):
    // nothing to look up, and the grid override stays as it is
    if (!p || (p.join(',') === found && where.dataset.grid)) return;
    found = '';
    slot.pick?.setPoint(p);
    const mine = ++seq;
    where.textContent = '正在查询所属网格…';
    delete where.dataset.grid;
    opts.onGrid?.(null);   // until the new point's grid is known
    try {
      const r = await locate(p[1], p[0], 'wgs84');
      if (mine !== seq) return;
      const gw = opts.worker ? r.contacts?.grid_worker : null;
      where.textContent = `所属网格：${r.town.name} › ${r.community.name} › ${r.grid.name}${gw ? `（网格员 ${gw.name}）` : ''}`;
      where.dataset.grid = r.grid.code;
      found = p.join(',');
      opts.onGrid?.(r);
    } catch (e) {
      if (mine !== seq) return;
      delete where.dataset.grid;
      opts.onGrid?.(null);
      where.textContent = e.code === 'locate.outside' ? '该位置不在任何网格内，请重新选择' : e.message;
    }
  };
  const setPoint = ([x, y]) => {
    lon.value = x.toFixed(6);
    lat.value = y.toFixed(6);
    setFieldError(lon, '');
    lookUp();
  };
  lon.addEventListener('change', lookUp);
  lat.addEventListener('change', lookUp);
  geo.addEventListener('click', () => {
    if (!navigator.geolocation) { where.textContent = '此浏览器不支持定位，请点击地图选择位置'; return; }
    where.textContent = '正在定位…';
    navigator.geolocation.getCurrentPosition(
      (p) => setPoint([p.coords.longitude, p.coords.latitude]),
      (e) => { where.textContent = e.code === 1 ? '未获得定位权限，请点击地图选择位置' : '定位失败，请点击地图选择位置'; },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });

  slot.onPick = setPoint;

  return {
    lon, lat, geo, where, mapEl, point,
    show(code, level) {
      if (!slot.pick) slot.pick = new PickMap(mapEl, (p) => slot.onPick(p));
      return slot.pick.show(code, level);
    },
    reset() {
      seq++;
      found = '';
      lon.value = '';
      lat.value = '';
      slot.pick?.setPoint(null);
      where.textContent = idle;
      delete where.dataset.grid;
      opts.onGrid?.(null);
    },
    map: () => slot.pick,
  };
}

/**
 * One report being sent: send(body) resolves to the new event (or the
 * replay of the first answer). A retry of the same body after no answer or
 * a server error reuses the key; a 4xx answer, a changed body or renew()
 * starts a new submission.
 */
export function submission() {
  let key = uuid();
  let lastBody = null;   // what was sent with `key`
  return {
    async send(body) {
      const json = JSON.stringify(body);
      if (lastBody !== null && json !== lastBody) key = uuid();
      lastBody = json;
      try {
        return await send('POST', '/api/v1/events', body, { 'Idempotency-Key': key });
      } catch (e) {
        // refused for what it says (400, 403 out of scope, 409, 422): a new
        // submission next time; a lost answer, a server error or a log-in
        // to renew (401, 403 auth.csrf): the retry keeps the key
        if ([400, 409, 413, 422].includes(e.status) || (e.status === 403 && e.code !== 'auth.csrf')) this.renew();
        throw e;
      }
    },
    renew() {
      key = uuid();
      lastBody = null;
    },
  };
}
