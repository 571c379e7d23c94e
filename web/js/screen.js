// screen.js - the command big screen at /screen (指挥大屏, "一屏观全局").
//
// One 1920×1080 stage scaled to the window. Data:
//   GET /api/v1/screen/summary?unit=&level=   every figure, one call (cached
//                                            ~5 s by the server)
//   GET /api/v1/units/:code/geojson           the regions of the map
//   GET /api/v1/equipment?kind=camera, GET /api/v1/forces   the layers
//   EventSource /api/v1/stream                live: a new report pulses on
//                                            the map and refreshes the summary
//                                            (at most every REFRESH_MIN_MS)
// and a poll of the summary every POLL_MS whatever the stream does.
//
// Two ways to be here: a person logged in (admin, command, leader: their
// session cookie), or a wall display (大屏终端, screen-display.js): paired
// once with #pair=CODE, it sends its token from localStorage, reads its
// stream on /api/v1/screen/stream (the cookie's path), needs no log-in and
// shows in words when it has been revoked or has expired.
//
// Left open for days: every list is bounded (pulses, GeoJSON cache, ticker),
// charts are created once and updated with setOption, timers are kept in one
// place, the stream reconnects by itself (and is recreated if the browser
// gives up), and when the server comes back after a restart the summary and
// the map are fetched again.
//
// window.__screen exposes state and hooks for the browser tests and the
// bench (bench/screen): counts, the last summary, feed(frame) to inject
// stream frames without a server.

import { ApiError } from './api.js';
import { currentUser, get, goLogin, sessionLost } from './auth.js';
import {
  displayToken, displayGet, pair, pairingFromHash, setStreamCookie, forgetDisplay, endedMessage, STREAM_PATH,
} from './screen-display.js';
import { ScreenMap, METRICS, PULSE_TTL_MS } from './screen-map.js';
import { Panels } from './screen-charts.js';
import { escapeHtml, fmtInt } from './util.js';

const W = 1920, H = 1080;
const POLL_MS = 30000;            // summary poll, stream or not
const REFRESH_MIN_MS = 2000;      // at most one summary per 2 s on live frames
const PRUNE_MS = 5000;
const FORCES_MS = 60000;          // force positions refresh while shown
const RECONNECT_MS = 5000;        // a closed EventSource is recreated after this
const RETRY_START_MS = 10000;     // a wall display that cannot reach the server at start tries again
const EXPIRY_WARN_DAYS = 7;       // a wall display says so this long before its pairing ends
const GEO_CACHE_MAX = 6;          // GeoJSON replies kept
const GRID_SIMPLIFY_M = { district: 30, town: 8 };   // metres, when all grids are shown

const $ = (id) => document.getElementById(id);
const stage = $('stage');

const st = {
  home: null,          // the unit the user may not go above (their default)
  unit: null,          // {code, name, level}
  path: [],            // ancestors {code, name} of unit
  mapLevel: 'child',   // 'child' | 'grid'
  metric: 'open',
  layers: { camera: false, force: false },
  summary: null,
  seq: 0,              // latest navigation; older replies are dropped
  inflight: false,
  again: false,
  lastFetchAt: 0,
  wantHead: 0,         // newest stream id seen in scope
  serverDown: false,
  pulses: 0,           // new reports pulsed since load
  frames: 0,           // stream frames handled
  summaries: 0,        // summaries applied
  readyMs: null,       // performance.now() when the first full render was done
  display: null,       // a wall display: itself (GET /api/v1/displays/me); null for a person
  ended: false,        // the display was revoked or expired: nothing runs any more
};

// requests go out with the session cookie (a person) or the display's token
const api = { get };

const timers = new Set();
function every(ms, fn) { const t = setInterval(fn, ms); timers.add(t); return t; }
let refreshTimer = null;
let reconnectTimer = null;

/* ------------------------------------------------------------ scale */

function fit() {
  const s = Math.min(window.innerWidth / W, window.innerHeight / H);
  const x = (window.innerWidth - W * s) / 2, y = (window.innerHeight - H * s) / 2;
  stage.style.transform = `translate(${x}px, ${y}px) scale(${s})`;
}
window.addEventListener('resize', fit);
fit();

/* ------------------------------------------------------------ clock */

function tickClock() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  const wd = '日一二三四五六'[d.getDay()];
  $('clock').textContent = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} 星期${wd} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/* ------------------------------------------------------------ overlay */

function showOverlay(html) {
  const o = $('overlay');
  o.innerHTML = html;
  o.hidden = false;
}

function hideOverlay() {
  $('overlay').hidden = true;
}

/* ------------------------------------------------------------ widgets */

const map = new ScreenMap($('map'), { onRegionClick: (code, level) => drill(code, level) });
const panels = new Panels({ rank: $('ch-rank'), cat: $('ch-cat'), trend: $('ch-trend'), source: $('ch-source'), loop: $('ch-loop') });

const pct = (v) => (v === null || v === undefined ? '—' : (v * 100).toFixed(1));

function setTiles(t) {
  for (const el of $('tiles').children) {
    const k = el.dataset.k, v = t[k];
    const html = el.classList.contains('tile-rate')
      ? (v === null || v === undefined ? '—' : `${pct(v)}<small>%</small>`)
      : escapeHtml(fmtInt(v));
    const b = el.querySelector('.tile-v');
    if (b.innerHTML !== html) {
      const first = b.innerHTML === '—';
      b.innerHTML = html;
      b.dataset.v = v ?? '';
      if (!first) { el.classList.remove('bump'); void el.offsetWidth; el.classList.add('bump'); }
    }
  }
}

function person(p) {
  return `${escapeHtml(p.name)}<span class="ph">${escapeHtml(p.phone || '')}</span>`;
}

function setDuty(d) {
  const box = $('duty');
  if (!d || !d.on_duty || !d.shift) {
    $('duty-shift').textContent = d?.centre?.name || '';
    box.innerHTML = '<dt>值班</dt><dd class="none">当前无人值班</dd>';
    return;
  }
  const s = d.shift;
  const hm = (iso) => new Date(iso).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false });
  $('duty-shift').textContent = `${d.centre.name} · ${s.shift_label} ${hm(s.start)}–${hm(s.end)}`;
  const leaders = s.leaders.length ? s.leaders.map(person).join('　') : '<span class="none">未安排</span>';
  const officers = s.officers.slice(0, 3);
  let html = `<dt>带班领导</dt><dd>${leaders}</dd>`;
  officers.forEach((o, i) => { html += `<dt>${i ? '' : '值班员'}</dt><dd>${person(o)}</dd>`; });
  if (!officers.length) html += '<dt>值班员</dt><dd class="none">未安排</dd>';
  if (d.fallback) html += '<dd class="centre">本镇街无人值班，由区指挥中心值守</dd>';
  box.innerHTML = html;
}

function setForces(f) {
  const rows = (f?.by_kind || []).map((k) => `<tr><td>${escapeHtml(k.label)}</td><td>${fmtInt(k.on_duty)}</td>` +
    `<td>${fmtInt(k.on_patrol)}</td><td>${fmtInt(k.handling)}</td><td>${fmtInt(k.off)}</td></tr>`).join('');
  if ($('forces').innerHTML !== rows) $('forces').innerHTML = rows;
  $('forces-total').textContent = f ? `可调度 ${fmtInt(f.available)} / 共 ${fmtInt(f.total)}` : '';
}

let tickerSig = '';
function setTicker(alerts) {
  const now = Date.now();
  const sig = JSON.stringify(alerts.map((a) => [a.id, a.supervision, a.warning, a.overdue])) + Math.floor(now / 300000);
  if (sig === tickerSig) return;
  tickerSig = sig;
  const track = $('ticker');
  track.classList.remove('run');
  if (!alerts.length) {
    track.innerHTML = '<span class="tk-empty">当前无超期或红牌事件</span>';
    return;
  }
  const item = (a) => {
    const tag = a.supervision >= 3 ? '<span class="tag tag-red">红牌</span>'
      : a.supervision === 2 ? '<span class="tag tag-yellow">黄牌</span>'
        : a.overdue ? '<span class="tag tag-over">超期</span>' : '<span class="tag tag-red">红灯</span>';
    const dl = a.deadline_at || a.due_at;
    const late = dl ? Math.max(0, now - Date.parse(dl)) / 3600000 : 0;
    const lateText = late >= 1 ? `超时 ${late >= 48 ? Math.round(late / 24) + ' 天' : Math.round(late) + ' 小时'}` : '即将超时';
    return `<span class="tk">${tag}<b>${escapeHtml(a.town?.name || '')}</b> · ${escapeHtml(a.title)} · ` +
      `${escapeHtml(a.category_name)} · ${escapeHtml(a.status_label)} · ${lateText}</span>`;
  };
  const html = alerts.map(item).join('');
  track.innerHTML = html + html;      // twice: the animation scrolls by half
  const half = track.scrollWidth / 2;
  track.style.setProperty('--dur', `${Math.max(20, half / 90)}s`);
  void track.offsetWidth;
  track.classList.add('run');
}

function setCrumbs() {
  const nav = $('crumbs');
  const homeIdx = st.path.findIndex((p) => p.code === st.home);
  const trail = (homeIdx >= 0 ? st.path.slice(homeIdx) : []).concat(st.unit ? [st.unit] : []);
  nav.innerHTML = trail.map((p, i) => (i === trail.length - 1
    ? `<span class="cur">${escapeHtml(p.name)}</span>`
    : `<a data-code="${escapeHtml(p.code)}">${escapeHtml(p.name)}</a><span class="sep">›</span>`)).join('');
  $('title-unit').textContent = st.unit?.name || '';
  $('btn-up').disabled = !st.unit || st.unit.code === st.home;
  const childName = { district: '镇街', town: '村社区', community: '网格', area: '网格', grid: '网格' }[st.unit?.level_name] || '下级单位';
  $('rank-title').textContent = `各${childName}办结率排名`;
  const gridBtn = $('level-seg').querySelector('[data-level="grid"]');
  gridBtn.disabled = !['district', 'town'].includes(st.unit?.level_name);
}

/* ------------------------------------------------------------ data */

function summaryPath() {
  const q = new URLSearchParams();
  if (st.unit) q.set('unit', st.unit.code);
  if (st.mapLevel === 'grid') q.set('level', 'grid');
  return `/api/v1/screen/summary${q.toString() ? '?' + q : ''}`;
}

/** Fetch and apply the summary. Concurrent calls coalesce into one more run. */
async function loadSummary() {
  if (st.inflight) { st.again = true; return; }
  st.inflight = true;
  st.lastFetchAt = Date.now();
  const seq = st.seq;
  try {
    const s = await api.get(summaryPath());
    if (seq !== st.seq) return;
    const wasDown = st.serverDown;
    st.serverDown = false;
    applySummary(s);
    if (wasDown) loadRegions().catch(() => {});    // the server is back: the map too
    if (s.log_head < st.wantHead) requestRefresh(); // computed just before the newest frame
  } catch (e) {
    onLoadError(e);
  } finally {
    st.inflight = false;
    if (st.again) { st.again = false; requestRefresh(); }
  }
}

function applySummary(s) {
  const first = !st.summary;
  st.summary = s;
  st.summaries++;
  if (!st.home) st.home = s.unit.code;
  st.unit = { code: s.unit.code, name: s.unit.name, level_name: s.unit.level_name };
  st.path = s.path || [];
  hideOverlay();
  setCrumbs();
  setTiles(s.tiles);
  panels.update(s);
  setDuty(s.duty);
  setForces(s.forces);
  setTicker(s.alerts || []);
  map.setValues(s.map);
  stage.dataset.unit = s.unit.code;
  if (first) document.title = `${s.unit.name} · 指挥大屏`;
}

function onLoadError(e) {
  if (st.ended) return;
  if (e instanceof ApiError && e.status === 401 && st.display) {
    showEnded(e);
    return;
  }
  if (e instanceof ApiError && e.status === 401) {
    goLogin(sessionLost() ? 'expired' : 'required');
    return;
  }
  if (e instanceof ApiError && e.status === 403) {
    showOverlay('指挥大屏仅限指挥中心、领导和区管理员使用。<br><a href="/">返回网格地图</a>');
    stage.dataset.state = 'denied';
    return;
  }
  if (e instanceof ApiError && e.status === 404 && st.unit && st.unit.code !== st.home) {
    navigate(st.home);          // a unit from the address bar outside the scope
    return;
  }
  if (e instanceof ApiError && e.status === 404) {
    showOverlay('没有可显示的单位：你的账号未授予区或镇街的指挥、领导权限。');
    stage.dataset.state = 'denied';
    return;
  }
  // network or server error: keep showing the last figures
  st.serverDown = true;
  setLive(es && es.readyState === EventSource.OPEN ? 'on' : 'off');
}

/** A small LRU of GeoJSON replies (the screen visits many units over days). */
const geoCache = new Map();
async function getGeo(path) {
  if (geoCache.has(path)) {
    const v = geoCache.get(path);
    geoCache.delete(path);
    geoCache.set(path, v);
    return v;
  }
  const v = await api.get(path);
  geoCache.set(path, v);
  while (geoCache.size > GEO_CACHE_MAX) geoCache.delete(geoCache.keys().next().value);
  return v;
}

function geoPath() {
  const code = st.unit.code;
  if (st.mapLevel === 'grid') {
    const m = GRID_SIMPLIFY_M[st.unit.level_name] || 0;
    return `/api/v1/units/${code}/geojson?level=grid${m ? '&simplify=' + m : ''}`;
  }
  // children; a community's map shows its grids (its areas are only a grouping)
  if (['community', 'area'].includes(st.unit.level_name)) return `/api/v1/units/${code}/geojson?level=grid`;
  if (st.unit.level_name === 'grid') return `/api/v1/units/${code}/geojson?level=self`;
  return `/api/v1/units/${code}/geojson`;
}

async function loadRegions() {
  const seq = st.seq;
  $('map').dataset.state = 'loading';
  const fc = await getGeo(geoPath());
  if (seq !== st.seq) return;
  map.setRegions(fc);
  if (st.summary) map.setValues(st.summary.map);
  await map.whenDrawn();
  if (seq !== st.seq) return;
  $('map').dataset.state = 'ready';
  $('map').dataset.unit = st.unit.code;
  $('map').dataset.regions = String(map.props.size);
}

async function loadLayers() {
  if (!st.unit) return;
  const code = encodeURIComponent(st.unit.code);
  const seq = st.seq;
  try {
    const cams = st.layers.camera ? (await api.get(`/api/v1/equipment?unit=${code}&kind=camera`)).equipment : [];
    const forces = st.layers.force ? (await api.get(`/api/v1/forces?unit=${code}&limit=5000`)).forces : [];
    if (seq !== st.seq) return;
    map.setCameras(cams);
    map.setForces(forces);
  } catch {
    /* a layer that cannot load stays empty; the next refresh tries again */
  }
}

function requestRefresh() {
  if (refreshTimer) return;
  const wait = Math.max(150, st.lastFetchAt + REFRESH_MIN_MS - Date.now());
  refreshTimer = setTimeout(() => { refreshTimer = null; loadSummary(); }, wait);
}

/* ------------------------------------------------------------ navigation */

async function navigate(code, { push = true } = {}) {
  st.seq++;
  st.unit = st.unit && st.unit.code === code ? st.unit : { code, name: '', level_name: levelOf(code) };
  if (st.unit.level_name !== 'district' && st.unit.level_name !== 'town') st.mapLevel = 'child';
  setSeg('level-seg', 'level', st.mapLevel);
  map.clearPulses();
  showPulseCount();
  if (push) history.replaceState(null, '', `#${code}${st.mapLevel === 'grid' ? '/grid' : ''}`);
  st.inflight = false;
  st.summary = null;
  await Promise.all([loadSummary(), loadRegions().catch((e) => onLoadError(e)), loadLayers()]);
}

function levelOf(code) {
  return { 6: 'district', 9: 'town', 12: 'community', 14: 'area', 16: 'grid' }[code.length] || 'district';
}

function drill(code, level) {
  if (!level || level === 'grid' || st.mapLevel === 'grid') return;
  navigate(code);
}

function up() {
  if (!st.unit || st.unit.code === st.home) return;
  const parent = st.path[st.path.length - 1];
  if (parent) navigate(parent.code);
}

function setSeg(id, key, value) {
  for (const b of $(id).querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset[key] === value));
}

$('btn-up').addEventListener('click', up);
$('crumbs').addEventListener('click', (e) => {
  const a = e.target.closest('a[data-code]');
  if (a) navigate(a.dataset.code);
});
$('level-seg').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-level]');
  if (!b || b.disabled || b.dataset.level === st.mapLevel) return;
  st.mapLevel = b.dataset.level;
  navigate(st.unit.code);
});
$('metric-seg').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-metric]');
  if (!b || !METRICS[b.dataset.metric]) return;
  st.metric = b.dataset.metric;
  setSeg('metric-seg', 'metric', st.metric);
  map.setMetric(st.metric);
});
$('layer-seg').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-layer]');
  if (!b) return;
  const k = b.dataset.layer;
  st.layers[k] = !st.layers[k];
  b.setAttribute('aria-pressed', String(st.layers[k]));
  const lg = (c, t, sq) => `<span class="lg"><i class="${sq ? 'sq' : ''}" style="background:${c}"></i>${t}</span>`;
  $('layer-legend').innerHTML = (st.layers.force ? lg('#35d49a', '在岗') + lg('#46c3ff', '巡查') + lg('#ffb23f', '处置') + lg('#7c8ba3', '离线') : '') +
    (st.layers.camera ? lg('#8fe3ff', '摄像头', true) + lg('#ff5b6b', '故障', true) : '');
  loadLayers();
});

/* ------------------------------------------------------------ live */

let es = null;
let esWasDown = false;

function setLive(mode) {
  const el = $('live');
  el.dataset.live = mode;
  el.textContent = { on: '● 实时', poll: '◐ 重连中', off: '○ 连接中断' }[mode];
}

function connect() {
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  if (es) es.close();
  if (st.ended) return;
  // a wall display's cookie is sent to its own path only
  es = new EventSource(st.display ? STREAM_PATH : '/api/v1/stream');
  es.addEventListener('open', () => {
    setLive('on');
    if (esWasDown) {           // the server is back (restart): fetch everything again
      esWasDown = false;
      st.serverDown = false;
      loadSummary();
      loadRegions().catch(() => {});
    }
  });
  es.addEventListener('error', () => {
    esWasDown = true;
    if (es.readyState === EventSource.CLOSED) {
      setLive('off');
      if (st.display) checkDisplay();     // refused: revoked or expired?
      if (!reconnectTimer) reconnectTimer = setTimeout(connect, RECONNECT_MS);
    } else {
      setLive('poll');
    }
  });
  // a wall display revoked (or paired on another computer): the server's last word
  es.addEventListener('revoked', () => {
    es.close();
    checkDisplay();
  });
  es.addEventListener('event', (m) => {
    let f;
    try { f = JSON.parse(m.data); } catch { return; }
    onFrame(f, Number(m.lastEventId) || 0);
  });
  es.addEventListener('reset', () => requestRefresh());
}

/** How many new reports are pulsing now (the last PULSE_TTL_MS). */
function showPulseCount() {
  const n = map.pulses.length;
  const text = `新上报 ${fmtInt(n)} 件（近 ${PULSE_TTL_MS / 60000} 分钟）`;
  if ($('pulse-count').textContent !== text) $('pulse-count').textContent = text;
}

/** One timeline row from the stream (or the test hook). */
function onFrame(f, id) {
  st.frames++;
  if (!st.unit || !f || typeof f.grid_code !== 'string' || !f.grid_code.startsWith(st.unit.code)) return;
  if (id > st.wantHead) st.wantHead = id;
  if (f.action === 'report' && f.event) {
    map.pulse(Number(f.event.lon), Number(f.event.lat), f.event.title);
    st.pulses++;
    showPulseCount();
  }
  requestRefresh();
}

/* ------------------------------------------------------------ wall display */

/** Ask the server whether this display still works; show why not when it does not. */
async function checkDisplay() {
  if (!st.display || st.ended) return;
  try {
    await displayGet('/api/v1/displays/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) showEnded(e);
  }
}

/** Stop every timer and the stream (a display that ended, or the page going away). */
function stopAll() {
  for (const t of timers) clearInterval(t);
  timers.clear();
  clearTimeout(refreshTimer);
  clearTimeout(reconnectTimer);
  es?.close();
}

/** The pairing form (in the overlay), with a message above it. */
function showPairForm({ title = '大屏配对', text = '', who = '', error = '' } = {}) {
  showOverlay(`<form id="pair-form" class="pair" autocomplete="off">
      <h2>${escapeHtml(title)}</h2>
      ${who ? `<p class="pair-who">大屏终端：${escapeHtml(who)}</p>` : ''}
      ${text ? `<p class="pair-text">${escapeHtml(text)}</p>` : ''}
      <label for="pair-code">请输入管理员在“大屏终端”页面生成的 12 位配对码（24 小时内有效，只能使用一次）：</label>
      <div class="pair-row">
        <input id="pair-code" name="code" inputmode="latin" spellcheck="false" maxlength="24" placeholder="XXXX-XXXX-XXXX" aria-describedby="pair-msg">
        <button type="submit" id="pair-submit" class="sbtn">配对</button>
      </div>
      <p id="pair-msg" class="pair-msg" role="alert">${escapeHtml(error)}</p>
      <p class="pair-alt"><a href="/login?next=%2Fscreen" id="pair-login">改用个人账号登录</a></p>
    </form>`);
  const form = $('pair-form');
  $('pair-code').focus();
  $('pair-login').addEventListener('click', () => forgetDisplay());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const code = $('pair-code').value.trim();
    if (!code) { $('pair-msg').textContent = '请输入配对码'; return; }
    $('pair-submit').disabled = true;
    try {
      await pair(code);
    } catch (e) {
      $('pair-submit').disabled = false;
      $('pair-msg').textContent = e.message;
      return;
    }
    location.replace('/screen');        // start again, as a display
  });
}

/** The display was revoked or has expired: say so, stop, offer a new pairing. */
function showEnded(e) {
  if (st.ended) return;
  st.ended = true;
  stopAll();
  setLive('off');
  const m = endedMessage(e);
  stage.dataset.state = e.code === 'display.revoked' ? 'revoked' : e.code === 'auth.expired' ? 'expired' : 'invalid';
  showPairForm({ title: m.title, text: m.text, who: st.display?.name || '' });
  $('overlay').classList.add('ended');
  document.title = `${m.title} · 指挥大屏`;
}

/** Show who this display is in the header, and a warning before its pairing ends. */
function showDisplayBadge(d) {
  const link = document.querySelector('.head-link');
  if (link) link.hidden = true;
  const badge = $('display-badge');
  badge.hidden = false;
  badge.title = `大屏终端：${d.name}`;
  const left = (Date.parse(d.expires_at) - Date.now()) / 86400e3;
  badge.textContent = left < EXPIRY_WARN_DAYS ? `大屏授权 ${Math.max(0, Math.ceil(left))} 天后到期` : d.name;
  badge.classList.toggle('warn', left < EXPIRY_WARN_DAYS);
}

/**
 * Start as a wall display: who am I (retrying while the server cannot be
 * reached, e.g. the wall's computer came up first), then the home unit.
 * Resolves to the home grant-like {scope, scope_name, scope_level}, or null
 * when the display has ended or the server is not reachable yet (it tries
 * again by itself).
 */
async function startDisplay() {
  api.get = displayGet;
  setStreamCookie(displayToken());          // renewed on every start
  let me;
  try {
    me = (await displayGet('/api/v1/displays/me')).display;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      st.display = { name: '' };
      showEnded(e);
      return null;
    }
    showOverlay(`正在连接服务器…<br><small>${escapeHtml(e.message)}</small>`);
    stage.dataset.state = 'connecting';
    setTimeout(() => location.reload(), RETRY_START_MS);
    return null;
  }
  st.display = me;
  showDisplayBadge(me);
  every(3600e3, async () => {                // the expiry warning stays current
    try { showDisplayBadge((await displayGet('/api/v1/displays/me')).display); } catch (e) { onLoadError(e); }
  });
  return { scope: me.unit.code, scope_name: me.unit.name || '', scope_level: me.unit.level };
}

/* ------------------------------------------------------------ start */

window.__screen = {
  st,
  map,
  panels,
  get pulses() { return st.pulses; },
  get summaries() { return st.summaries; },
  get summary() { return st.summary; },
  /** Feed a stream frame as if it came from the server (bench, tests). */
  feed: (frame, id = 0) => onFrame(frame, id),
  refresh: () => loadSummary(),
  navigate: (code) => navigate(code),
};

async function start() {
  tickClock();
  setInterval(tickClock, 1000);         // the clock runs whatever happens
  // a pairing link (#pair=CODE) or the pairing form (#pair): the code leaves
  // the address bar (and the history) at once
  const code = pairingFromHash();
  if (code !== null) {
    history.replaceState(null, '', location.pathname);
    if (!code) return showPairForm();
    try {
      await pair(code);
    } catch (e) {
      return showPairForm({ error: e.message });
    }
  }
  let g;
  if (displayToken()) {
    if (!(g = await startDisplay())) return;
  } else {
    let me;
    try {
      me = await currentUser({ fresh: true });
    } catch (e) {
      showOverlay(`无法读取登录信息：${escapeHtml(e.message)}`);
      return;
    }
    if (!me) return goLogin(sessionLost() ? 'expired' : 'required');
    // the default unit: the broadest admin / command / leader grant (the
    // server applies the same rule when no unit is asked for)
    const rank = { district: 1, town: 2, community: 3, area: 4, grid: 5 };
    g = (me.grants || []).filter((x) => ['admin', 'command', 'leader'].includes(x.role) && rank[x.scope_level])
      .sort((a, b) => rank[a.scope_level] - rank[b.scope_level])[0];
  }
  const m = /^#(\d{6,16})(\/grid)?$/.exec(location.hash);
  if (m) {
    st.mapLevel = m[2] ? 'grid' : 'child';
    setSeg('level-seg', 'level', st.mapLevel);
  }
  if (g) {
    st.home = g.scope;
    st.unit = { code: g.scope, name: g.scope_name || '', level_name: g.scope_level };
    if (m && m[1] !== g.scope && m[1].startsWith(g.scope)) st.unit = { code: m[1], name: '', level_name: levelOf(m[1]) };
    if (st.mapLevel === 'grid' && !['district', 'town'].includes(st.unit.level_name)) st.mapLevel = 'child';
    setSeg('level-seg', 'level', st.mapLevel);
    // summary and regions at once: the first render waits for the slower
    await Promise.all([loadSummary(), loadRegions().catch((e) => onLoadError(e))]);
  } else {
    await loadSummary();       // answers why there is nothing to show
  }
  if (!st.summary || st.ended) return;
  st.readyMs = performance.now();
  stage.dataset.state = 'ready';
  connect();
  every(POLL_MS, () => loadSummary());
  every(PRUNE_MS, () => { map.prune(); showPulseCount(); });
  every(FORCES_MS, () => { if (st.layers.force) loadLayers(); });
  window.addEventListener('pagehide', stopAll);
}

start();
