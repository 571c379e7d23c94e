// util.js - small DOM and formatting helpers shared by the page's modules.

/** Escape text for insertion into HTML. */
export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** 12,345 style integer (Chinese locale), "—" when unknown. */
export function fmtInt(n) {
  const v = Number(n);
  if (n === null || n === undefined || n === '' || !Number.isFinite(v)) return '—';
  return Math.round(v).toLocaleString('zh-CN');
}

/**
 * A count for a small box: 12,345 below 100,000, else in 万 (136.7万), the
 * Chinese convention. Returns [number text, unit prefix ("" or "万")].
 */
export function fmtCount(n) {
  const v = Number(n);
  if (n === null || n === undefined || n === '' || !Number.isFinite(v)) return ['—', ''];
  if (Math.abs(v) < 100000) return [fmtInt(v), ''];
  return [(v / 10000).toLocaleString('zh-CN', { maximumFractionDigits: 1 }), '万'];
}

/** Number with up to `digits` decimals, "—" when unknown. */
export function fmtNum(n, digits = 2) {
  const v = Number(n);
  if (n === null || n === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('zh-CN', { maximumFractionDigits: digits });
}

/**
 * Create an element: h('a', {href: '#', class: 'x', onclick: fn}, 'text', child…).
 * Attributes starting with "on" become listeners; null/false attributes and
 * children are skipped; strings become text nodes (never parsed as HTML).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A tel: link for a phone number, or "—". */
export function telLink(phone) {
  if (!phone) return h('span', { class: 'muted' }, '未登记电话');
  const digits = String(phone).replace(/[^\d+]/g, '');
  return h('a', { class: 'tel', href: `tel:${digits}`, title: `拨打 ${phone}` }, phone);
}

/** Call fn at most once per `ms` of quiet. */
export function debounce(fn, ms) {
  let t = null;
  const d = (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(t);
  return d;
}

/** Chinese label of a level name. */
export const LEVEL_LABEL = {
  district: '区', town: '镇街', community: '村/社区', area: '片区', grid: '网格',
};

/** Level of the children of a unit at `level`. */
export const CHILD_LEVEL = { district: 'town', town: 'community', community: 'area', area: 'grid' };
