// panel.js - the side panel's unit detail and the grid contact card.
//
// Pure rendering: functions take API replies and return / fill DOM built with
// h() (text is never parsed as HTML). Navigation goes through links to
// "#/unit/CODE", so the router in main.js handles it like any other.

import { h, fmtInt, fmtNum, fmtCount, telLink, LEVEL_LABEL, CHILD_LEVEL } from './util.js';

export const unitHref = (code) => `#/unit/${code}`;

/** Show "加载中…" in a container. */
export function renderLoading(container, text = '加载中…') {
  container.setAttribute('aria-busy', 'true');
  container.replaceChildren(h('p', { class: 'loading' }, text));
}

/** Show an error with an optional retry button. */
export function renderError(container, message, onRetry) {
  container.removeAttribute('aria-busy');
  container.replaceChildren(h('div', { class: 'msg msg-error', role: 'alert' },
    h('span', {}, message),
    onRetry ? h('button', { type: 'button', class: 'btn btn-small', onclick: onRetry }, '重试') : null));
}

/**
 * The detail of a unit: GET /api/v1/units/:code (`unit`) and its children
 * (`children`, GET …/children, may be null for grids).
 */
export function renderUnit(container, unit, children) {
  container.removeAttribute('aria-busy');
  const childLabel = LEVEL_LABEL[CHILD_LEVEL[unit.level]] || '下级';
  const [hh, hhWan] = fmtCount(unit.households);
  const [pop, popWan] = fmtCount(unit.population);
  const stats = [
    ['户数', hh, `${hhWan}户`, fmtInt(unit.households)],
    ['人口', pop, `${popWan}人`, fmtInt(unit.population)],
    ['面积', fmtNum(unit.area_km2, unit.area_km2 >= 100 ? 0 : 2), 'km²'],
  ];
  if (unit.counts) {
    if (unit.level === 'district') stats.push(['镇街', fmtInt(unit.counts.children), '个']);
    if (['district', 'town'].includes(unit.level)) stats.push(['村/社区', fmtInt(unit.counts.communities), '个']);
    if (['district', 'town', 'community'].includes(unit.level)) stats.push(['片区', fmtInt(unit.counts.areas), '个']);
    stats.push(['网格', fmtInt(unit.counts.grids), '个']);
  }

  const parents = (unit.path || []).map((p) => p.name).join(' › ');
  container.replaceChildren(...[
    h('div', { class: 'detail-head' },
      h('h2', { id: 'detail-name' }, unit.name),
      h('span', { class: 'badge' }, unit.kind || unit.level_label || LEVEL_LABEL[unit.level] || '')),
    h('p', { class: 'detail-sub' },
      h('span', { class: 'code', title: '单位编码' }, unit.code),
      parents ? h('span', { class: 'muted' }, ` · ${parents}`) : null),
    unit.grid_type ? h('p', { class: 'detail-sub' }, '网格类型：', unit.grid_type,
      unit.grid_subtype ? `（${unit.grid_subtype}）` : '') : null,
    h('dl', { class: 'stats' }, stats.map(([k, v, u, exact]) =>
      h('div', { class: 'stat', title: exact ? `${k} ${exact}` : null },
        h('dt', {}, k), h('dd', {}, v, h('small', {}, u))))),
    renderStaff(unit.staff || []),
    children && children.children && children.children.length
      ? renderChildren(children.children, childLabel) : null,
    unit.updated_at ? h('p', { class: 'updated muted' }, `数据更新于 ${unit.updated_at.slice(0, 10)}`) : null,
  ].filter(Boolean));
}

function renderStaff(staff) {
  const body = staff.length
    ? h('ul', { class: 'staff' }, staff.map((s) => h('li', {},
        h('span', { class: 'role' }, s.role_label || s.role),
        h('span', { class: 'who' }, h('b', {}, s.name), s.title && s.title !== s.role_label
          ? h('small', { class: 'muted' }, s.title) : null),
        telLink(s.phone))))
    : h('p', { class: 'muted' }, '暂无登记的工作人员');
  return h('section', { class: 'sub' }, h('h3', {}, '工作人员'), body);
}

function renderChildren(list, childLabel) {
  return h('section', { class: 'sub' },
    h('h3', {}, `下辖${childLabel}（${list.length}）`),
    h('ol', { class: 'children', id: 'children-list' }, list.map((c) => h('li', {},
      h('a', { href: unitHref(c.code), dataset: { code: c.code } },
        h('span', { class: 'c-name' }, c.name),
        h('span', { class: 'c-meta' },
          c.counts ? `${fmtInt(c.counts.grids)} 网格 · ` : '',
          `${fmtInt(c.households)} 户`))))));
}

/** Role label and data key of the three contacts, in display order. */
const CONTACTS = [
  ['grid_worker', '网格员'],
  ['grid_leader', '网格长'],
  ['station_head', '工作站站长'],
];

/**
 * The answer to "whose grid is this": a /api/v1/locate reply (or the same
 * shape built from unit details). point: {lat, lon, crs} as entered, or null.
 */
export function renderGridCard(r, point) {
  const g = r.grid;
  const line = (label, u) => u ? h('div', { class: 'gc-row' },
    h('span', { class: 'gc-k' }, label),
    h('a', { href: unitHref(u.code) }, u.name), h('span', { class: 'code' }, u.code)) : null;
  return h('div', { class: 'grid-card', id: 'grid-card', dataset: { grid: g.code } },
    h('div', { class: 'gc-title' },
      h('span', { class: 'gc-label' }, '所属网格'),
      h('a', { href: unitHref(g.code), class: 'gc-name', id: 'gc-grid-name' }, g.name),
      h('span', { class: 'code', id: 'gc-grid-code' }, g.code),
      g.grid_type ? h('span', { class: 'badge' }, g.grid_type) : null),
    h('div', { class: 'gc-path' },
      line('片区', r.area), line(r.community?.kind === '村' ? '村' : '社区', r.community),
      line(r.town?.kind || '镇街', r.town)),
    h('ul', { class: 'contacts' }, CONTACTS.map(([key, label]) => {
      const c = r.contacts?.[key];
      return h('li', { class: `contact contact-${key}` },
        h('span', { class: 'role' }, label),
        c ? h('span', { class: 'who' }, h('b', {}, c.name),
          c.title && c.title !== label ? h('small', { class: 'muted' }, c.title) : null)
          : h('span', { class: 'who muted' }, '暂未配备'),
        c ? telLink(c.phone) : null);
    })),
    point ? h('p', { class: 'gc-point muted' },
      `查询坐标 ${point.lat.toFixed(6)}, ${point.lon.toFixed(6)}（${crsLabel(point.crs)}）`) : null);
}

const crsLabel = (crs) => ({ wgs84: 'WGS-84', gcj02: 'GCJ-02', bd09: 'BD-09' })[crs] || crs;
