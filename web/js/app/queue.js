// queue.js - the tabs with their counts and the list of events of the
// chosen queue, with keyset pages ("加载更多"), a keyboard cursor (j/k,
// ↑/↓, Enter) and live countdowns.
//
// The list is a listbox: one option per event; the cursor is the option
// with tabindex 0 (roving tabindex); the open event is aria-selected.

import { h } from '../util.js';
import { get } from './http.js';
import { queueParams } from './state.js';
import { fmtAge, deadlineState } from './fmt.js';

const PAGE = 30;

export class Queue {
  /**
   * els: {tabs, list, more, summary}; on: {open(id, {focus}), tab(id), error(e)}
   */
  constructor(els, on) {
    this.els = els;
    this.on = on;
    this.tabs = [];
    this.tab = null;
    this.filters = {};
    this.cursor = null;        // next_cursor of the last page
    this.seq = 0;              // the latest load; older answers are dropped
    this.countSeq = 0;
    this.openId = null;
    this.count = null;
    els.more.addEventListener('click', () => this.more());
    els.list.addEventListener('click', (ev) => {
      const li = ev.target.closest('li[data-id]');
      if (li) this.on.open(Number(li.dataset.id), { focus: false });
    });
    els.list.addEventListener('keydown', (ev) => {
      const li = ev.target.closest('li[data-id]');
      if (!li) return;
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); this.on.open(Number(li.dataset.id), { focus: true }); }
      else if (ev.key === 'ArrowDown') { ev.preventDefault(); this.move(1); }
      else if (ev.key === 'ArrowUp') { ev.preventDefault(); this.move(-1); }
      else if (ev.key === 'Home') { ev.preventDefault(); this.focusItem(this.items()[0]); }
      else if (ev.key === 'End') { ev.preventDefault(); this.focusItem(this.items().at(-1)); }
    });
    els.tabs.addEventListener('keydown', (ev) => {
      const btns = [...els.tabs.querySelectorAll('[role="tab"]')];
      const i = btns.indexOf(document.activeElement);
      if (i < 0) return;
      const go = (j) => { ev.preventDefault(); const b = btns[(j + btns.length) % btns.length]; b.focus(); this.on.tab(b.dataset.tab); };
      if (ev.key === 'ArrowRight') go(i + 1);
      else if (ev.key === 'ArrowLeft') go(i - 1);
      else if (ev.key === 'Home') go(0);
      else if (ev.key === 'End') go(-1);
    });
  }

  /** Draw the tabs (once per user). */
  setTabs(tabs) {
    this.tabs = tabs;
    this.els.tabs.replaceChildren(...tabs.map((t, i) => h('button', {
      type: 'button', role: 'tab', id: `tab-${t.id}`, class: 'wb-tab', 'data-tab': t.id,
      'aria-controls': 'wb-list', 'aria-selected': 'false', tabindex: '-1',
      title: i < 9 ? `${t.label}（快捷键 ${i + 1}）` : t.label,
      onclick: () => this.on.tab(t.id),
    }, h('span', { class: 'wb-tab-label' }, t.label), h('span', { class: 'wb-count', 'data-count': t.id }, ''))));
  }

  markTab(id) {
    for (const b of this.els.tabs.querySelectorAll('[role="tab"]')) {
      const on = b.dataset.tab === id;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
  }

  /** Show the first page of a queue with these filters. */
  async load(tabId, filters, { keepScroll = false } = {}) {
    this.tab = this.tabs.find((t) => t.id === tabId) || this.tabs[0];
    this.filters = filters;
    this.markTab(this.tab.id);
    const seq = ++this.seq;
    const scroll = this.els.list.scrollTop;
    const hadFocus = this.els.list.contains(document.activeElement);
    const cursorId = this.items().find((li) => li.tabIndex === 0)?.dataset.id;
    this.els.list.setAttribute('aria-busy', 'true');
    if (!keepScroll) this.els.summary.textContent = '加载中…';
    let r;
    try {
      r = await this.fetchPage(null);
    } catch (e) {
      if (seq !== this.seq) return;
      this.els.list.removeAttribute('aria-busy');
      this.els.list.replaceChildren(h('li', { class: 'wb-empty wb-error', role: 'presentation' }, e.message));
      this.els.summary.textContent = '';
      this.els.more.hidden = true;
      return;
    }
    if (seq !== this.seq) return;
    this.els.list.removeAttribute('aria-busy');
    this.count = r.count ?? null;
    this.cursor = r.next_cursor;
    this.els.list.replaceChildren(...r.events.map((ev) => this.item(ev)));
    if (!r.events.length)
      this.els.list.append(h('li', { class: 'wb-empty', role: 'presentation' }, '没有符合条件的事件'));
    this.els.more.hidden = !this.cursor;
    this.summary();
    const keep = cursorId && this.items().find((li) => li.dataset.id === cursorId);
    this.setCursor(keep || this.items()[0], false);
    if (keep && hadFocus) keep.focus();
    if (keepScroll) this.els.list.scrollTop = scroll;
    else this.els.list.scrollTop = 0;
    this.markOpen(this.openId);
  }

  async more() {
    if (!this.cursor) return;
    const seq = this.seq;
    this.els.more.disabled = true;
    try {
      const r = await this.fetchPage(this.cursor);
      if (seq !== this.seq) return;
      const first = this.items().length;
      this.els.list.append(...r.events.map((ev) => this.item(ev)));
      this.cursor = r.next_cursor;
      this.els.more.hidden = !this.cursor;
      this.summary();
      this.markOpen(this.openId);
      const next = this.items()[first];
      if (next) this.focusItem(next);
    } catch (e) {
      this.on.error(e);
    } finally {
      this.els.more.disabled = false;
    }
  }

  fetchPage(after) {
    const p = queueParams(this.tab, this.filters);
    p.set('limit', String(PAGE));
    if (after) p.set('after', after);
    else p.set('count', '1');
    return get(`/api/v1/events?${p}`);
  }

  summary() {
    const shown = this.items().length;
    this.els.summary.textContent = this.count === null ? `${shown} 件`
      : shown < this.count ? `共 ${this.count} 件，已显示 ${shown} 件` : `共 ${this.count} 件`;
  }

  /** Refresh every tab's count (limit=1&count=1 per tab). */
  async refreshCounts(filters = this.filters) {
    const seq = ++this.countSeq;
    await Promise.all(this.tabs.map(async (t) => {
      const p = queueParams(t, filters);
      p.set('limit', '1');
      p.set('count', '1');
      let n = null;
      try { n = (await get(`/api/v1/events?${p}`)).count; } catch { n = null; }
      if (seq !== this.countSeq) return;
      const el = this.els.tabs.querySelector(`[data-count="${t.id}"]`);
      if (!el) return;
      el.textContent = n === null || n === undefined ? '' : n > 999 ? '999+' : String(n);
      el.dataset.zero = String(!n);
      el.closest('[role="tab"]').setAttribute('aria-label', `${t.label}${n === null ? '' : `，${n} 件`}`);
    }));
  }

  item(ev) {
    const dl = deadlineState(ev.deadline_at, ev.warning);
    const place = [ev.town_name, ev.community_name, ev.grid_name].filter(Boolean);
    // town › grid is enough in a row; the community is in the tooltip
    const short = [ev.town_name, ev.grid_name].filter(Boolean).join(' · ');
    return h('li', {
      role: 'option', id: `ev-${ev.id}`, class: `ev urg-${ev.urgency}`, 'data-id': ev.id, tabindex: '-1',
      'aria-selected': 'false', 'data-status': ev.status,
    },
    h('div', { class: 'ev-top' },
      ev.urgency !== 'normal' ? h('span', { class: `ev-urg urg-${ev.urgency}` }, ev.urgency_label) : null,
      h('span', { class: 'ev-title' }, ev.title || ev.category_name || ev.category),
      h('span', { class: `st st-${ev.status}` }, ev.status_label)),
    h('div', { class: 'ev-meta', title: place.join(' › ') },
      h('span', { class: 'ev-id' }, `#${ev.id}`),
      h('span', { class: 'ev-place' }, short || ev.grid),
      h('span', { class: 'ev-age', 'data-created': ev.created_at }, fmtAge(ev.created_at))),
    h('div', { class: 'ev-bottom' },
      ev.status && dl.state !== 'none' && !['closed', 'rejected', 'merged'].includes(ev.status)
        ? h('span', { class: `dl dl-${dl.state}`, 'data-deadline': ev.deadline_at, 'data-warning': ev.warning }, dl.text)
        : h('span', { class: 'dl dl-none' }, ev.closed_at ? '已办结' : ''),
      ev.supervision > 0 ? h('span', { class: `sup sup-${ev.supervision}` }, ['', '督办', '黄牌', '红牌'][ev.supervision] || '督办') : null,
      ev.pending ? h('span', { class: 'pend' }, ev.pending === 'extend' ? '延期待批' : '外转内待批') : null,
      h('span', { class: 'ev-cat' }, ev.category_name && ev.category_name !== ev.title ? ev.category_name : ''),
      h('span', { class: 'ev-addr' }, ev.address || '')));
  }

  items() {
    return [...this.els.list.querySelectorAll('li[data-id]')];
  }

  setCursor(li, focus = true) {
    for (const x of this.items()) x.tabIndex = -1;
    if (!li) return;
    li.tabIndex = 0;
    if (focus) {
      li.focus();
      li.scrollIntoView({ block: 'nearest' });
    }
  }

  focusItem(li) {
    if (li) this.setCursor(li, true);
  }

  /** j/k: move the cursor (from the focused item, else the cursor item). */
  move(d) {
    const list = this.items();
    if (!list.length) return;
    let i = list.indexOf(document.activeElement);
    if (i < 0) i = list.findIndex((x) => x.tabIndex === 0);
    if (i < 0) i = d > 0 ? -1 : list.length;
    const j = Math.max(0, Math.min(list.length - 1, i + d));
    this.focusItem(list[j]);
    if (j === list.length - 1 && d > 0 && this.cursor) this.more();
  }

  /** Focus the cursor item (Esc from the detail comes back here). */
  focusCursor() {
    const li = this.items().find((x) => x.tabIndex === 0) || this.items()[0];
    if (li) li.focus();
    return !!li;
  }

  /** Mark the event open in the detail. */
  markOpen(id) {
    this.openId = id;
    for (const li of this.items()) li.setAttribute('aria-selected', String(Number(li.dataset.id) === id));
    const li = id && this.els.list.querySelector(`#ev-${id}`);
    if (li) this.setCursor(li, false);
  }

  /** Update the countdowns and ages in place (every 30 s). */
  tick(now = Date.now()) {
    for (const el of this.els.list.querySelectorAll('[data-deadline]')) {
      const d = deadlineState(el.dataset.deadline, el.dataset.warning, now);
      el.textContent = d.text;
      el.className = `dl dl-${d.state}`;
    }
    for (const el of this.els.list.querySelectorAll('[data-created]')) el.textContent = fmtAge(el.dataset.created, now);
  }
}
