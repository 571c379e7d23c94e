// dispatch.js - the target of 派遣 (a department or a town's office) with
// the recommendations (GET /api/v1/events/:id/recommendations: departments
// by on-time closing rate for this category in this town; one click picks
// one), and the nearest forces for 派遣/指派.
//
// Forces (网格员、应急力量 with positions) come from GET /api/v1/forces/nearest,
// which another part of the system provides: while it answers 404 the
// section shows nothing — never made-up data.

import { h } from '../util.js';
import { getChildren } from '../api.js';
import { get, getDepartments } from './http.js';

const pct = (r) => `${Math.round(r * 100)}%`;

/** The dispatch target field: {el, target() -> {dept}|{unit}|null}. */
export function dispatchField(ev) {
  const district = String(ev.grid).slice(0, 6);
  const kindDept = h('input', { type: 'radio', name: 'dp-kind', value: 'dept', checked: true, id: 'dp-kind-dept' });
  const kindTown = h('input', { type: 'radio', name: 'dp-kind', value: 'town', id: 'dp-kind-town' });
  const dept = h('select', { id: 'dp-dept', 'aria-label': '职能部门' }, h('option', { value: '' }, '请选择职能部门'));
  const town = h('select', { id: 'dp-town', 'aria-label': '镇街', hidden: true }, h('option', { value: '' }, '请选择镇街'));
  const recoList = h('ul', { class: 'reco-list', id: 'dp-reco', 'aria-label': '推荐部门' },
    h('li', { class: 'muted small' }, '正在计算推荐…'));
  const recoBox = h('div', { class: 'reco' },
    h('div', { class: 'reco-head' }, h('span', { class: 'label' }, '推荐部门'),
      h('span', { class: 'muted small', id: 'dp-reco-hint' }, '')),
    recoList);

  const pick = (code) => {
    dept.value = code;
    kindDept.checked = true;
    sync();
    for (const b of recoList.querySelectorAll('button[data-dept]')) b.setAttribute('aria-pressed', String(b.dataset.dept === code));
  };
  const sync = () => {
    const byDept = kindDept.checked;
    dept.hidden = !byDept;
    town.hidden = byDept;
    recoBox.hidden = !byDept;
  };
  kindDept.addEventListener('change', sync);
  kindTown.addEventListener('change', sync);
  dept.addEventListener('change', () => {
    for (const b of recoList.querySelectorAll('button[data-dept]')) b.setAttribute('aria-pressed', String(b.dataset.dept === dept.value));
  });

  getDepartments().then((d) => {
    dept.append(...d.list.map((x) => h('option', { value: x.code }, x.name)));
  }, () => {});
  getChildren(district).then((r) => {
    town.append(...(r.children || []).map((u) => h('option', { value: u.code }, u.name)));
  }, () => {});
  get(`/api/v1/events/${ev.id}/recommendations`).then((r) => {
    const list = r.departments || [];
    document.getElementById('dp-reco-hint')?.replaceChildren(
      `按${r.town_name || '本镇街'}近 ${r.days} 天同类事件按期办结率排序，点击选择`);
    recoList.replaceChildren(...list.slice(0, 6).map((d) => h('li', {},
      h('button', {
        type: 'button', class: `reco-item${d.closed ? ' has-history' : ''}`, 'data-dept': d.code, 'aria-pressed': 'false',
        title: d.closed ? `近 ${r.days} 天办结 ${d.closed} 件，按期 ${d.on_time} 件` : '近期没有同类事件记录',
        onclick: () => pick(d.code),
      },
      h('span', { class: 'reco-rank' }, String(d.rank)),
      h('span', { class: 'reco-name' }, d.name),
      d.closed
        ? h('span', { class: 'reco-rate' }, `按期办结率 ${pct(d.on_time_rate)}`, h('small', {}, `（${d.on_time}/${d.closed}）`))
        : h('span', { class: 'reco-rate muted' }, '无记录')))));
    if (!list.length) recoList.replaceChildren(h('li', { class: 'muted small' }, '没有可推荐的部门'));
  }, (e) => {
    recoList.replaceChildren(h('li', { class: 'muted small' }, `推荐暂不可用：${e.message}`));
  });

  const el = h('div', { class: 'dispatch' },
    h('fieldset', { class: 'field radio-row' }, h('legend', { class: 'label' }, '派往'),
      h('label', { class: 'check', for: 'dp-kind-dept' }, kindDept, '职能部门'),
      h('label', { class: 'check', for: 'dp-kind-town' }, kindTown, '镇街')),
    recoBox,
    h('div', { class: 'field' }, dept, town),
    forcesSection(ev));
  return {
    el,
    target: () => (kindDept.checked ? (dept.value ? { dept: dept.value } : null) : (town.value ? { unit: town.value } : null)),
  };
}

/**
 * The nearest forces (GET /api/v1/forces/nearest?lon=&lat=&limit=5): a
 * section of its own, empty and hidden while the endpoint does not exist
 * (404) or has nothing near. onPick(force) when one is chosen.
 */
export function forcesSection(ev, { onPick } = {}) {
  const list = h('ul', { class: 'forces-list' });
  const sec = h('section', { class: 'forces', id: 'dp-forces', hidden: true, 'aria-label': '附近力量' },
    h('div', { class: 'reco-head' }, h('span', { class: 'label' }, '附近力量'),
      h('span', { class: 'muted small' }, '按距离排序')), list);
  const q = new URLSearchParams({ lon: String(ev.lon), lat: String(ev.lat), limit: '5' });
  get(`/api/v1/forces/nearest?${q}`).then((r) => {
    const forces = Array.isArray(r.forces) ? r.forces : [];
    if (!forces.length) return;
    list.replaceChildren(...forces.map((f) => h('li', {},
      h('button', { type: 'button', class: 'reco-item', disabled: !onPick || null, onclick: () => onPick?.(f) },
        h('span', { class: 'reco-name' }, f.name || '—'),
        h('span', { class: 'muted small' }, [f.kind_label || f.kind || '', f.unit_name || ''].filter(Boolean).join(' · ')),
        Number.isFinite(f.distance_m) ? h('span', { class: 'reco-rate' }, f.distance_m >= 1000
          ? `${(f.distance_m / 1000).toFixed(1)} 公里` : `${Math.round(f.distance_m)} 米`) : null))));
    sec.hidden = false;
  }, () => { /* 404 until forces exist: show nothing */ });
  return sec;
}
