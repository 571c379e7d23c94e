// main.js - the page's entry point: routing, toolbar and wiring.
//
// The place shown is in the URL hash, "#/unit/CODE", so reload, bookmarks and
// the browser's back/forward buttons keep it. For a unit above grid level the
// map shows its children; for a grid it shows the grid's area with the grid
// highlighted. The side panel shows the unit's detail.
//
// Test hook: window.__wangge exposes the MapView and Finder (the browser
// tests use map.pixelOf() to click a known coordinate).

import { getUnit, getChildren, getGeoJSON, ApiError } from './api.js';
import { MapView, METRICS } from './map.js';
import { Finder } from './locate.js';
import { renderUnit, renderLoading, renderError, unitHref } from './panel.js';
import { h } from './util.js';
import { mountUserMenu } from './usermenu.js';

const ROOT = document.querySelector('meta[name="wangge-root"]')?.content || '440111';
const $ = (id) => document.getElementById(id);

const mapEl = $('map');
const detailEl = $('detail');
const state = {
  code: null,          // unit in the URL
  unit: null,          // its detail
  mapCode: null,       // unit whose children are drawn
  prevCode: null,      // unit shown before, to highlight where we came from
  seq: 0,              // latest navigation; older replies are dropped
  metric: METRICS[localStorage.getItem('wangge.metric')] ? localStorage.getItem('wangge.metric') : 'grids',
  showGrids: localStorage.getItem('wangge.showGrids') === '1',   // draw every grid, not the children
};

const map = new MapView(mapEl, {
  onRegionClick: (code) => {
    if (code !== state.code) location.hash = unitHref(code);
    else map.setSelected(code);     // a click toggles the selection: keep it
  },
  onPointPick: ([lon, lat]) => {
    finder.fillInputs(lat, lon);
    finder.locatePoint({ lat, lon, crs: 'wgs84', source: 'map' });
  },
});

const finder = new Finder({
  onLocated(r, pt) {
    map.setMarker({ lon: pt.wgs[0], lat: pt.wgs[1], label: `${r.grid.name}（查询位置）` });
    if (pt.source === 'map') {
      // Stay where we are; highlight the region of this view holding the grid.
      map.setSelected(map.regionCodes().find((c) => r.grid.code.startsWith(c)) ?? null);
    } else if (state.code !== r.grid.code) {
      location.hash = unitHref(r.grid.code);   // zoom to the grid's area
    }
  },
  onMissed(pt) {
    map.setMarker(pt ? { lon: pt.wgs[0], lat: pt.wgs[1], label: '查询位置（不在任何网格内）' } : null);
    map.setSelected(map.selected);   // undo the selection a pick-mode click toggled
  },
  onPickUnit(u) {
    map.setMarker(null);   // the marker belonged to an earlier point
    location.hash = unitHref(u.code);
  },
});

window.__wangge = { map, finder, state };

/* -------------------------------------------------------------- routing */

function codeFromHash() {
  const m = /^#\/unit\/(\d{6,20})$/.exec(location.hash);
  return m ? m[1] : null;
}

async function route() {
  const code = codeFromHash();
  if (!code) {
    history.replaceState(null, '', unitHref(ROOT));
    return show(ROOT);
  }
  return show(code);
}

/** Load and show a unit (map, breadcrumb, panel). */
async function show(code) {
  const seq = ++state.seq;
  state.prevCode = state.code;
  state.code = code;
  setMapState('loading');
  hideMapError();
  map.showLoading();
  renderLoading(detailEl);
  try {
    const unit = await getUnit(code);
    if (seq !== state.seq) return;
    const isGrid = unit.level === 'grid';
    const mapCode = isGrid && unit.parent ? unit.parent.code : code;
    // The children of the unit drawn: the panel's list (unless a grid is
    // shown) and the heads, with phones, for the map's tooltips. "显示网格"
    // draws all the grids below the unit instead of its children.
    const allGrids = state.showGrids && ['district', 'town', 'community'].includes(unit.level);
    let [geo, children] = await Promise.all([
      getGeoJSON(mapCode, allGrids ? { level: 'grid' } : {}),
      getChildren(mapCode),
    ]);
    // A unit without mapped children (e.g. an area whose grids are not drawn
    // yet) shows its own outline instead.
    let key = `${mapCode}/${allGrids ? 'grid' : 'children'}`;
    if (!geo.features.length) {
      geo = await getGeoJSON(mapCode, { level: 'self' });
      key = `${mapCode}/self`;
    }
    if (seq !== state.seq) return;

    state.unit = unit;
    state.mapCode = mapCode;
    document.title = `${unit.name} · 网格化服务管理平台`;
    renderBreadcrumb(unit);
    renderUnit(detailEl, unit, isGrid ? null : children);
    updateMetricButtons(geo.features[0]?.properties.level);
    updateGridsButton(unit.level);
    map.hideLoading();
    const heads = new Map(children.children.map((c) => [c.code, c.head]));
    map.show(key, geo, { metric: effectiveMetric(geo), selected: isGrid ? code : cameFrom(geo), heads });
    mapEl.dataset.unit = code;
    mapEl.dataset.regions = String(geo.features.length);
    setMapState(geo.features.length ? 'ready' : 'empty');
    if (!geo.features.length) showMapError('该单位暂无地图边界数据', false);
  } catch (e) {
    if (seq !== state.seq) return;
    map.hideLoading();
    setMapState('error');
    const msg = e instanceof ApiError && e.status === 404
      ? `找不到编码为 ${code} 的单位（${e.message}）`
      : `加载失败：${e.message || e}`;
    showMapError(msg, !(e instanceof ApiError && e.status === 404));
    renderError(detailEl, msg, () => show(code));
    renderBreadcrumb(null);
    if (code !== ROOT)
      detailEl.append(h('p', {}, h('a', { href: unitHref(ROOT) }, '返回全区地图')));
  }
}

/** When going back up, highlight the region we came from. */
function cameFrom(geo) {
  const prev = state.prevCode;
  if (!prev) return null;
  const f = geo.features.find((x) => prev.startsWith(String(x.properties.code)));
  return f ? String(f.properties.code) : null;
}

function setMapState(s) {
  mapEl.dataset.state = s;
}

function showMapError(text, retry = true) {
  const box = $('map-error');
  box.querySelector('.map-error-msg').textContent = text;
  $('btn-retry').hidden = !retry;
  box.hidden = false;
}

function hideMapError() {
  $('map-error').hidden = true;
}

$('btn-retry').addEventListener('click', () => show(state.code || ROOT));
window.addEventListener('hashchange', route);

/* ----------------------------------------------------- toolbar: path, back */

function renderBreadcrumb(unit) {
  const nav = $('breadcrumb');
  const back = $('btn-back');
  if (!unit) {
    nav.replaceChildren(h('a', { href: unitHref(ROOT) }, '全区'));
    back.disabled = state.code === ROOT;
    back.dataset.target = ROOT;
    return;
  }
  const items = [...(unit.path || []), unit];
  nav.replaceChildren(h('ol', {}, items.map((u, i) => h('li', {},
    i === items.length - 1
      ? h('span', { 'aria-current': 'page', class: 'current' }, u.name)
      : h('a', { href: unitHref(u.code) }, u.name)))));
  back.disabled = !unit.parent;
  back.dataset.target = unit.parent ? unit.parent.code : '';
  back.title = unit.parent ? `返回 ${unit.parent.name}` : '已是最上级';
}

$('btn-back').addEventListener('click', () => {
  const t = $('btn-back').dataset.target;
  if (t) location.hash = unitHref(t);
});

/* -------------------------------------------------------- toolbar: metric */

const metricButtons = [...document.querySelectorAll('#metric-switch button')];

/** Grid count means nothing on a map of grids: colour those by households. */
function effectiveMetric(geo) {
  const lvl = geo.features[0]?.properties.level;
  return lvl === 'grid' && state.metric === 'grids' ? 'households' : state.metric;
}

function updateMetricButtons(regionLevel) {
  const eff = regionLevel === 'grid' && state.metric === 'grids' ? 'households' : state.metric;
  for (const b of metricButtons) {
    b.setAttribute('aria-pressed', String(b.dataset.metric === eff));
    b.disabled = regionLevel === 'grid' && b.dataset.metric === 'grids';
    b.title = b.disabled ? '网格地图按户数或人口着色' : `按${b.textContent}着色`;
  }
}

for (const b of metricButtons) {
  b.addEventListener('click', () => {
    state.metric = b.dataset.metric;
    localStorage.setItem('wangge.metric', state.metric);
    const lvl = map.levelOfRegions;
    updateMetricButtons(lvl);
    map.setMetric(lvl === 'grid' && state.metric === 'grids' ? 'households' : state.metric);
  });
}

/* ------------------------------------------------- toolbar: show all grids */

const gridsBtn = $('btn-grids');

function updateGridsButton(level) {
  const usable = ['district', 'town', 'community'].includes(level);
  gridsBtn.disabled = !usable;
  gridsBtn.setAttribute('aria-pressed', String(usable && state.showGrids));
  gridsBtn.title = usable ? '在地图上显示本级范围内的全部网格' : '当前地图已显示网格';
}

gridsBtn.addEventListener('click', () => {
  state.showGrids = !state.showGrids;
  localStorage.setItem('wangge.showGrids', state.showGrids ? '1' : '0');
  show(state.code);
});

/* ------------------------------------------------ toolbar: pick mode, reset */

const pickBtn = $('btn-pick');
pickBtn.addEventListener('click', () => {
  const on = pickBtn.getAttribute('aria-pressed') !== 'true';
  pickBtn.setAttribute('aria-pressed', String(on));
  map.setPickMode(on);
  $('pick-hint').hidden = !on;
});

$('btn-reset').addEventListener('click', () => map.resetView());

route();
mountUserMenu($('user-menu'));
