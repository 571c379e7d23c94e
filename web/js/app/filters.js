// filters.js - the filter bar: text, category (two levels), source, unit
// (a town/community picker under the user's scope), date range, warning.
//
//   const bar = new FilterBar(formEl, {user, onChange(filters, {typing})});
//   await bar.init(filters); bar.set(filters) (after back/forward)

import { getChildren } from '../api.js';
import { h, debounce, LEVEL_LABEL, CHILD_LEVEL } from '../util.js';
import { getCategories } from './http.js';
import { SOURCES, WARNINGS } from './fmt.js';

/** Length of a unit code at each level (docs/codes.md). */
const CODE_LEN = { district: 6, town: 9, community: 12, area: 14, grid: 16 };
const LEVEL_OF_LEN = { 6: 'district', 9: 'town', 12: 'community', 14: 'area', 16: 'grid' };

/** The broadest territorial grant of a user (the scope of its queue), or null. */
export function rootScope(user) {
  let best = null;
  for (const g of user?.grants || []) {
    if (!LEVEL_OF_LEN[String(g.scope).length] || ['department', 'resident'].includes(g.role)) continue;
    if (!best || g.scope.length < best.scope.length) best = g;
  }
  return best ? { code: best.scope, name: best.scope_name, level: LEVEL_OF_LEN[best.scope.length] } : null;
}

const opt = (value, label, selected) => h('option', { value, selected: selected || null }, label);

export class FilterBar {
  constructor(form, { user, onChange }) {
    this.form = form;
    this.user = user;
    this.onChange = onChange;
    this.root = rootScope(user);
    this.cats = null;
    this.build();
  }

  build() {
    const sel = (id, label, cls = '') => h('select', { id, class: cls, 'aria-label': label });
    this.q = h('input', { id: 'f-q', type: 'text', placeholder: '搜索标题或地址（按 / 聚焦）', 'aria-label': '搜索事件标题或地址',
      maxlength: '64', enterkeyhint: 'search', autocomplete: 'off' });
    this.cat1 = sel('f-cat1', '事件大类');
    this.cat2 = sel('f-cat2', '事件小类');
    this.source = sel('f-source', '来源');
    this.source.append(opt('', '全部来源'), ...Object.entries(SOURCES).map(([k, v]) => opt(k, v)));
    this.unitA = sel('f-unit-a', '所属区域');
    this.unitB = sel('f-unit-b', '下级区域');
    this.from = h('input', { id: 'f-from', type: 'date', 'aria-label': '上报日期从', title: '上报日期从' });
    this.to = h('input', { id: 'f-to', type: 'date', 'aria-label': '上报日期至', title: '上报日期至' });
    this.warning = sel('f-warning', '预警');
    this.warning.append(opt('', '全部预警状态'), ...Object.entries(WARNINGS).map(([k, v]) => opt(k, v)));
    this.clear = h('button', { type: 'button', class: 'btn btn-small', id: 'f-clear', title: '清除全部筛选条件' }, '清除');
    const showUnits = this.root && this.root.level !== 'grid';
    this.form.replaceChildren(...[
      h('div', { class: 'f-q' }, this.q),
      this.cat1, this.cat2, this.source,
      showUnits ? this.unitA : null, showUnits ? this.unitB : null,
      h('span', { class: 'f-dates' }, this.from, h('span', { class: 'muted', 'aria-hidden': 'true' }, '–'), this.to),
      this.warning, this.clear,
      h('button', { type: 'submit', hidden: true }, '搜索'),
    ].filter(Boolean));

    const fire = (typing = false) => this.onChange(this.value(), { typing });
    const typed = debounce(() => fire(true), 400);
    this.q.addEventListener('input', typed);
    this.form.addEventListener('submit', (ev) => { ev.preventDefault(); typed.cancel(); fire(false); });
    this.cat1.addEventListener('change', () => { this.fillCat2(this.cat1.value, ''); fire(); });
    this.cat2.addEventListener('change', () => fire());
    this.source.addEventListener('change', () => fire());
    this.warning.addEventListener('change', () => fire());
    this.from.addEventListener('change', () => fire());
    this.to.addEventListener('change', () => fire());
    this.unitA.addEventListener('change', async () => { await this.fillUnitB(this.unitA.value, ''); fire(); });
    this.unitB.addEventListener('change', () => fire());
    this.clear.addEventListener('click', () => { this.set({}); fire(); this.q.focus(); });
  }

  /** Load the option lists and show `filters`. */
  async init(filters) {
    this.cats = await getCategories();
    this.cat1.replaceChildren(opt('', '全部类别'), ...this.cats.top.map((c) => opt(c.code, c.name)));
    if (this.root && this.root.level !== 'grid') {
      const childLevel = CHILD_LEVEL[this.root.level];
      const kids = await getChildren(this.root.code).then((r) => r.children || [], () => []);
      this.unitA.title = `${this.root.name}的${LEVEL_LABEL[childLevel] || '下级区域'}`;
      this.unitA.replaceChildren(opt('', `全部${LEVEL_LABEL[childLevel] || '区域'}`),
        ...kids.map((u) => opt(u.code, u.name)));
      this.unitA.dataset.level = childLevel;
    }
    await this.set(filters);
  }

  fillCat2(top, value) {
    const kids = top && this.cats ? this.cats.children(top) : [];
    this.cat2.replaceChildren(opt('', top ? '全部小类' : '先选大类'), ...kids.map((c) => opt(c.code, c.name, c.code === value)));
    this.cat2.disabled = !top || kids.length === 0;
  }

  async fillUnitB(a, value) {
    const level = CHILD_LEVEL[this.unitA.dataset.level];
    this.unitB.replaceChildren(opt('', a ? `全部${LEVEL_LABEL[level] || '下级'}` : '先选上级区域'));
    this.unitB.disabled = !a || !level;
    if (!a || !level) return;
    const kids = await getChildren(a).then((r) => r.children || [], () => []);
    this.unitB.append(...kids.map((u) => opt(u.code, u.name, u.code === value)));
  }

  /** Show these filters (no onChange). */
  async set(f) {
    this.q.value = f.q || '';
    const cat = f.category || '';
    const top = cat.split('.')[0];
    this.cat1.value = top;
    this.fillCat2(top, cat.includes('.') ? cat : '');
    this.source.value = f.source || '';
    this.warning.value = f.warning || '';
    this.from.value = f.from || '';
    this.to.value = f.to || '';
    if (this.root && this.root.level !== 'grid') {
      const u = f.unit || '';
      const lenA = CODE_LEN[this.unitA.dataset.level];
      const a = u.length >= lenA ? u.slice(0, lenA) : '';
      this.unitA.value = a;
      await this.fillUnitB(this.unitA.value, u.length > lenA ? u : '');
    }
  }

  /** The filters shown: {q, category, …} without empty ones. */
  value() {
    const f = {
      q: this.q.value.trim(),
      category: this.cat2.value || this.cat1.value,
      source: this.source.value,
      unit: (!this.unitB.disabled && this.unitB.value) || this.unitA.value,
      from: this.from.value,
      to: this.to.value,
      warning: this.warning.value,
    };
    if (!this.root || this.root.level === 'grid') delete f.unit;
    for (const k of Object.keys(f)) if (!f[k]) delete f[k];
    return f;
  }

  focusSearch() {
    this.q.focus();
    this.q.select();
  }
}
