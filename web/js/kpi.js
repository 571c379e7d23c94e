// kpi.js - 事件指标 (/kpi): the KPIs of docs/kpi.md for a unit's subtree and
// a period, for district and town officials, station heads, grid leaders
// and grid workers (GET /api/v1/kpi; department staff and residents are
// refused by the server and told so here).
//
//   the unit      a breadcrumb from the caller's broadest unit; a child row
//                 drills down (by unit), the crumbs go back up
//   the period    本月 / 上月 / 本季度 / 本年 / 近 30 天 or two dates (the
//                 end date included; the API's `to` is the day after)
//   the rows      by child unit or by category (a 大类 chosen: its 小类)
//   the tiles     the unit's totals with 环比 (the period before) and 同比
//                 (a year before)
//   links         the same figures as CSV / Excel (GET /api/v1/kpi/export),
//                 and the events behind them in the workbench (/app)
//
// Everything that decides the view is in the URL (unit, from, to, by,
// category), so a view can be shared and the back button works.
// Test hook: window.__kpi.

import { isStaff } from './auth.js';
import { startProtectedPage } from './usermenu.js';
import { get, getCategories } from './app/http.js';
import { rootScope } from './app/filters.js';
import { h, fmtInt, debounce } from './util.js';
import { echarts } from './echarts.js';
import { dayOf } from './app/fmt.js';

const $ = (id) => document.getElementById(id);
const DAY = 86400000;
const TZ_MS = 8 * 3600000;                        // China time

/* ------------------------------------------------------------ dates (China time) */

/** YYYY-MM-DD of a UTC millisecond instant, in China time. */
const ymd = (ms) => dayOf(new Date(ms));
/** Midnight China time of YYYY-MM-DD, as UTC milliseconds. */
const at = (d) => Date.parse(`${d}T00:00:00Z`) - TZ_MS;
const addDays = (d, n) => ymd(at(d) + n * DAY);
/** The first day of month m of year y (m may run over: 13 is January next year). */
function month(y, m) {
  const d = new Date(Date.UTC(y, m - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

/** The presets: [from, to) as YYYY-MM-DD. */
function presets(now = Date.now()) {
  const today = ymd(now);
  const y = Number(today.slice(0, 4)), m = Number(today.slice(5, 7));
  const q = Math.floor((m - 1) / 3) * 3 + 1;
  return [
    { id: 'month', label: '本月', from: month(y, m), to: month(y, m + 1) },
    { id: 'last-month', label: '上月', from: month(y, m - 1), to: month(y, m) },
    { id: 'quarter', label: '本季度', from: month(y, q), to: month(y, q + 3) },
    { id: 'year', label: '本年', from: `${y}-01-01`, to: `${y + 1}-01-01` },
    { id: '30d', label: '近30天', from: addDays(today, -29), to: addDays(today, 1) },
  ];
}

/* ------------------------------------------------------------ figures */

const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(2)}%`);
/* in hours everywhere, so that a column compares at a glance */
const hours = (sec) => (sec === null || sec === undefined ? '—' : `${(sec / 3600).toFixed(1)} 小时`);

/** The indicators: key, label, kind (count | rate | seconds), better (up | down). */
const COLS = [
  { key: 'reported', label: '上报数', kind: 'count' },
  { key: 'accepted', label: '受理数', kind: 'count' },
  { key: 'closed', label: '办结数', kind: 'count' },
  { key: 'due', label: '应办结数', kind: 'count' },
  { key: 'close_rate', label: '办结率', kind: 'rate', better: 'up' },
  { key: 'on_time_rate', label: '按期办结率', kind: 'rate', better: 'up' },
  { key: 'overdue', label: '超期数', kind: 'count', better: 'down' },
  { key: 'rework_rate', label: '返工率', kind: 'rate', better: 'down' },
  { key: 'avg_handle_seconds', label: '平均处置时长', kind: 'seconds', better: 'down' },
  { key: 'self_rate', label: '自办率', kind: 'rate', better: 'up' },
  { key: 'external', label: '外循环数', kind: 'count' },
  { key: 'satisfaction', label: '群众满意率', kind: 'rate', better: 'up' },
];
const TILES = ['reported', 'closed', 'close_rate', 'on_time_rate', 'overdue', 'rework_rate', 'avg_handle_seconds', 'self_rate', 'satisfaction'];

const show = (col, v) => (col.kind === 'rate' ? pct(v) : col.kind === 'seconds' ? hours(v) : fmtInt(v));

/**
 * The change against an earlier period: rates in percentage points, counts
 * and durations in per cent; {text, arrow (↑/↓), cls good/bad/flat}, or
 * null when there is nothing to compare.
 */
export function change(col, now, before) {
  if (now === null || now === undefined || before === null || before === undefined) return null;
  let d, text;
  if (col.kind === 'rate') {
    d = (now - before) * 100;
    text = `${Math.abs(d).toFixed(2)} 个百分点`;
  } else {
    if (!before) return null;
    d = ((now - before) / before) * 100;
    text = `${Math.abs(d).toFixed(1)}%`;
  }
  const flat = Math.abs(d) < 0.005;
  const up = d > 0;
  const cls = flat || !col.better ? 'flat' : (up === (col.better === 'up') ? 'good' : 'bad');
  return { text: flat ? '持平' : text, cls, arrow: flat ? '' : up ? '↑' : '↓' };
}

/* ------------------------------------------------------------ state in the URL */

function readUrl(root) {
  const p = new URLSearchParams(location.search);
  const def = presets()[0];
  const valid = (d) => /^\d{4}-\d{2}-\d{2}$/.test(d || '') && !Number.isNaN(at(d)) && ymd(at(d)) === d;   // no 02-30
  const from = valid(p.get('from')) ? p.get('from') : def.from;
  let to = valid(p.get('to')) ? p.get('to') : def.to;
  if (at(to) <= at(from)) to = addDays(from, 1);
  const unit = /^\d{6,16}$/.test(p.get('unit') || '') ? p.get('unit') : root.code;
  return { unit, from, to, by: p.get('by') === 'category' ? 'category' : 'unit', category: p.get('category') || '' };
}

function query(s) {
  const p = new URLSearchParams({ unit: s.unit, from: s.from, to: s.to, by: s.by });
  if (s.category) p.set('category', s.category);
  return p;
}

/* ------------------------------------------------------------ the page */

class KpiPage {
  constructor(user, root) {
    this.user = user;
    this.root = root;
    this.state = readUrl(root);
    this.seq = 0;
    this.chart = null;
    this.sort = { key: null, dir: -1 };
    this.data = null;
    this.names = new Map([[root.code, root.name]]);   // unit code -> name, for the crumbs
  }

  async start() {
    try {
      this.cats = await getCategories();
    } catch (e) {
      this.message(e.message);
      $('main').setAttribute('aria-busy', 'false');
      return;
    }
    this.buildBar();
    window.addEventListener('popstate', () => { this.state = readUrl(this.root); this.syncBar(); this.load(); });
    await this.load();
  }

  go(patch, { replace = false } = {}) {
    this.state = { ...this.state, ...patch };
    const url = `${location.pathname}?${query(this.state)}`;
    if (url !== location.pathname + location.search) {
      if (replace) history.replaceState(null, '', url);
      else history.pushState(null, '', url);
    }
    this.syncBar();
    this.load();
  }

  buildBar() {
    const bar = $('kpi-bar');
    this.presetBtns = presets().map((p) => h('button', {
      type: 'button', class: 'btn btn-small', 'data-preset': p.id, 'aria-pressed': 'false',
      onclick: () => this.go({ from: p.from, to: p.to }),
    }, p.label));
    this.fromEl = h('input', { type: 'date', id: 'kpi-from', 'aria-label': '开始日期' });
    this.toEl = h('input', { type: 'date', id: 'kpi-to', 'aria-label': '结束日期（含）' });
    // a date field fires `change` at every part typed (0002, 0020, 0202, 2024):
    // wait for a pause, and only for years the server counts
    const onDates = debounce(() => {
      const f = this.fromEl.value, t = this.toEl.value;
      const year = (d) => Number(d.slice(0, 4));
      if (!f || !t || year(f) < 2000 || year(t) < 2000 || year(f) > 2199 || year(t) > 2199) return;
      if (at(t) < at(f)) { this.message('结束日期不能早于开始日期', 'warn'); return; }
      this.go({ from: f, to: addDays(t, 1) });
    }, 600);
    this.fromEl.addEventListener('change', onDates);
    this.toEl.addEventListener('change', onDates);
    this.byEl = h('select', { id: 'kpi-by', 'aria-label': '统计维度' },
      h('option', { value: 'unit' }, '按下级单位'), h('option', { value: 'category' }, '按事件类别'));
    this.byEl.addEventListener('change', () => this.go({ by: this.byEl.value }));
    this.catEl = h('select', { id: 'kpi-category', 'aria-label': '事件类别' },
      h('option', { value: '' }, '全部类别'), ...this.cats.top.map((c) => h('option', { value: c.code }, c.name)));
    this.catEl.addEventListener('change', () => this.go({ category: this.catEl.value }));
    bar.addEventListener('submit', (e) => e.preventDefault());
    bar.replaceChildren(
      h('div', { class: 'kpi-presets', role: 'group', 'aria-label': '统计周期' }, this.presetBtns),
      h('div', { class: 'kpi-dates' }, this.fromEl, h('span', { class: 'muted' }, '至'), this.toEl),
      this.byEl, this.catEl);
    this.syncBar();
  }

  syncBar() {
    const s = this.state;
    for (const b of this.presetBtns) {
      const p = presets().find((x) => x.id === b.dataset.preset);
      b.setAttribute('aria-pressed', String(p.from === s.from && p.to === s.to));
    }
    this.fromEl.value = s.from;
    this.toEl.value = addDays(s.to, -1);
    this.byEl.value = s.by;
    // a 小类 (from the URL, or a link) gets an option of its own under its 大类
    this.catEl.querySelector('option[data-sub]')?.remove();
    const sub = s.category.includes('.') ? this.cats.byCode.get(s.category) : null;
    if (sub) {
      const parent = this.cats.byCode.get(sub.parent);
      this.catEl.append(h('option', { value: sub.code, 'data-sub': '1' }, `${parent ? `${parent.name} › ` : ''}${sub.name}`));
    }
    this.catEl.value = sub || this.cats.top.some((c) => c.code === s.category) ? s.category : '';
  }

  message(text, kind = 'error') {
    const box = $('kpi-msg');
    box.hidden = !text;
    box.className = `msg msg-${kind}`;
    box.textContent = text || '';
  }

  async load() {
    const seq = ++this.seq;
    const main = $('main');
    main.setAttribute('aria-busy', 'true');
    let d;
    try {
      d = await get(`/api/v1/kpi?${query(this.state)}`);
    } catch (e) {
      if (seq !== this.seq) return;
      main.setAttribute('aria-busy', 'false');
      this.message(e.message);
      return;
    }
    if (seq !== this.seq) return;
    this.message('');
    this.data = d;
    this.names.set(d.unit.code, d.unit.name);
    for (const r of (this.state.by === 'unit' ? d.rows : [])) this.names.set(r.code, r.name);
    this.renderCrumbs(d);
    this.renderTiles(d);
    this.renderTable(d);
    this.renderLinks(d);
    main.setAttribute('aria-busy', 'false');
    main.dataset.ready = '1';
    main.dataset.unit = d.unit.code;
  }

  renderCrumbs(d) {
    // from the caller's root down to the unit: each a prefix of the code
    const lens = [6, 9, 12, 14, 16];
    const codes = lens.filter((n) => n >= this.root.code.length && n <= d.unit.code.length).map((n) => d.unit.code.slice(0, n));
    $('kpi-crumbs').replaceChildren(...codes.flatMap((c, i) => [
      i ? h('span', { class: 'muted', 'aria-hidden': 'true' }, ' › ') : null,
      c === d.unit.code
        ? h('strong', { 'aria-current': 'page' }, d.unit.name)
        : h('a', { href: `?${query({ ...this.state, unit: c })}`, 'data-unit': c,
          onclick: (e) => { e.preventDefault(); this.go({ unit: c }); } }, this.names.get(c) || c),
    ].filter(Boolean)));
    document.title = `${d.unit.name} 事件指标 · 网格化服务管理平台`;
  }

  renderTiles(d) {
    const cur = d.total, prev = d.previous?.total, last = d.last_year?.total;
    const span = `${d.from} 至 ${addDays(d.to, -1)}`;
    $('kpi-tiles').replaceChildren(
      h('p', { class: 'kpi-span muted' }, `${d.unit.name} · ${span}`,
        d.category ? ` · ${d.category_name || d.category}` : '',
        ` · 环比 ${d.previous.from} 至 ${addDays(d.previous.to, -1)} · 同比 ${d.last_year.from} 至 ${addDays(d.last_year.to, -1)}`),
      ...TILES.map((key) => {
        const col = COLS.find((c) => c.key === key);
        const mom = change(col, cur[key], prev?.[key]);
        const yoy = change(col, cur[key], last?.[key]);
        const delta = (label, c) => h('span', { class: `kpi-delta kpi-${c ? c.cls : 'none'}` },
          `${label} `, c ? `${c.arrow}${c.text}` : '—');
        return h('div', { class: 'kpi-tile', 'data-key': key },
          h('span', { class: 'kpi-label' }, col.label),
          h('span', { class: 'kpi-value' }, show(col, cur[key])),
          delta('环比', mom), delta('同比', yoy));
      }));
  }

  rows(d) {
    const rows = d.rows.slice();
    const { key, dir } = this.sort;
    if (key) {
      rows.sort((a, b) => {
        const x = a[key], y = b[key];
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : x > y ? 1 : 0) * dir;
      });
    }
    return rows;
  }

  renderTable(d) {
    const byUnit = this.state.by === 'unit';
    const canDrill = byUnit && d.unit.code.length < 16;
    const canOpen = !byUnit && !this.state.category;    // a 大类 row opens its 小类
    const head = h('tr', {},
      h('th', { scope: 'col' }, byUnit ? '单位' : '类别'),
      COLS.map((c) => h('th', { scope: 'col', class: 'num' },
        h('button', {
          type: 'button', class: 'kpi-sort', 'data-key': c.key,
          'aria-sort': this.sort.key === c.key ? (this.sort.dir > 0 ? 'ascending' : 'descending') : null,
          title: '点击排序',
          onclick: () => {
            this.sort = { key: c.key, dir: this.sort.key === c.key ? -this.sort.dir : -1 };
            this.renderTable(this.data);
          },
        }, c.label, this.sort.key === c.key ? (this.sort.dir > 0 ? ' ▲' : ' ▼') : ''))));
    const line = (r, cls, name) => h('tr', { class: cls, 'data-code': r.code || '' },
      h('th', { scope: 'row' }, name),
      COLS.map((c) => h('td', { class: 'num' }, show(c, r[c.key]))));
    const body = this.rows(d).map((r) => line(r, '', canDrill
      ? h('a', { href: `?${query({ ...this.state, unit: r.code })}`, 'data-unit': r.code,
        onclick: (e) => { e.preventDefault(); this.go({ unit: r.code }); } }, r.name)
      : canOpen
        ? h('a', { href: `?${query({ ...this.state, category: r.code })}`, 'data-category': r.code, title: '查看其小类',
          onclick: (e) => { e.preventDefault(); this.go({ category: r.code }); } }, r.name)
        : r.name));
    const empty = !d.rows.length
      ? h('tr', {}, h('td', { colspan: String(COLS.length + 1), class: 'muted kpi-empty' },
        byUnit ? '网格没有下级单位，上方为本网格的合计。' : '这段时间没有事件。'))
      : null;
    $('kpi-table').replaceChildren(
      h('caption', { class: 'sr-only' }, `${d.unit.name} ${byUnit ? '各下级单位' : '各类别'}的事件指标`),
      h('thead', {}, head),
      h('tbody', {}, body, empty),
      h('tfoot', {}, line(d.total, 'kpi-total', '合计')));
    $('kpi-table-title').textContent = byUnit ? `各下级单位（${d.rows.length}）` : `各类别（${d.rows.length}）`;
    this.renderChart(d);
  }

  renderChart(d) {
    const el = $('kpi-chart');
    const rows = d.rows.filter((r) => r.reported > 0);
    el.hidden = rows.length < 2;
    if (el.hidden) return;
    if (!this.chart) {
      this.chart = echarts.init(el, null, { renderer: 'canvas' });
      new ResizeObserver(() => this.chart?.resize()).observe(el);
    }
    const names = rows.map((r) => r.name);
    this.chart.setOption({
      animation: false,
      grid: { left: 48, right: 56, top: 34, bottom: names.length > 8 ? 70 : 30 },
      legend: { top: 0, data: ['上报数', '按期办结率'] },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 8 ? 40 : 0, fontSize: 11 } },
      yAxis: [
        { type: 'value', name: '件', minInterval: 1 },
        { type: 'value', name: '%', min: (v) => Math.max(0, Math.floor(v.min - 2)), max: 100, splitLine: { show: false } },
      ],
      series: [
        { name: '上报数', type: 'bar', data: rows.map((r) => r.reported), itemStyle: { color: '#1f6fb2' }, barMaxWidth: 28 },
        { name: '按期办结率', type: 'line', yAxisIndex: 1, data: rows.map((r) => (r.on_time_rate === null ? null : +(r.on_time_rate * 100).toFixed(2))),
          itemStyle: { color: '#e4572e' }, connectNulls: true },
      ],
    }, { notMerge: true });
  }

  renderLinks(d) {
    const q = query(this.state);
    const ev = new URLSearchParams({ tab: 'all', unit: d.unit.code, from: d.from, to: addDays(d.to, -1) });
    if (this.state.category) ev.set('category', this.state.category);
    $('kpi-links').replaceChildren(
      h('a', { class: 'btn btn-small', id: 'kpi-csv', href: `/api/v1/kpi/export?format=csv&${q}`, download: '' }, '导出 CSV'),
      h('a', { class: 'btn btn-small', id: 'kpi-xlsx', href: `/api/v1/kpi/export?format=xlsx&${q}`, download: '' }, '导出 Excel'),
      h('a', { class: 'btn btn-small', id: 'kpi-events', href: `/app?${ev}`, title: '在工作台查看这些事件' }, '查看事件'));
  }
}

async function boot() {
  const user = await startProtectedPage((m) => $('main').replaceChildren(h('p', { class: 'msg msg-error', role: 'alert' }, m)));
  if (!user) return;
  const root = isStaff(user) ? rootScope(user) : null;
  if (!root) {
    $('main').replaceChildren(h('div', { class: 'card' },
      h('h2', {}, '事件指标面向各级网格管理人员'),
      h('p', {}, '职能部门和群众账号没有查看辖区指标的权限。'),
      h('p', {}, h('a', { href: isStaff(user) ? '/app' : '/report' }, isStaff(user) ? '返回工作台' : '打开随手报'))));
    $('main').setAttribute('aria-busy', 'false');
    $('main').dataset.ready = '1';
    return;
  }
  const page = new KpiPage(user, root);
  window.__kpi = page;
  await page.start();
}

boot();
