// main.js - the workbench (/app): wiring of the queue, the filters, the
// detail panel, the step forms, the report form, live updates and the
// keyboard.
//
// Keyboard: / search · j/k move in the list · Enter open · Esc close the
// detail (or leave the search box) · n 上报事件 · r refresh · 1–9 queues.
// Test hook: window.__wb.

import { isStaff, isAdmin } from '../auth.js';
import { getUnit } from '../api.js';
import { startProtectedPage } from '../usermenu.js';
import { h, debounce } from '../util.js';
import { tabsFor, readUrl, writeUrl, queueParams } from './state.js';
import { FilterBar, rootScope } from './filters.js';
import { Queue } from './queue.js';
import { Detail } from './detail.js';
import { takeStep } from './steps.js';
import { openReport, reportMap, sourcesFor } from './report.js';
import { openHotlineImport, importSummary } from './hotline.js';
import { Live } from './live.js';

const $ = (id) => document.getElementById(id);

/** A short message at the bottom of the page (role=status). */
function toast(text, kind = 'ok') {
  const box = $('wb-toast');
  const el = h('div', { class: `toast toast-${kind}` }, text);
  box.append(el);
  setTimeout(() => el.remove(), 4000);
}

async function boot() {
  const user = await startProtectedPage((m) => $('wb-main').replaceChildren(h('p', { class: 'msg msg-error wb-fatal', role: 'alert' }, m)));
  if (!user) return;
  if (isAdmin(user)) $('nav-admin').hidden = false;
  if (rootScope(user)) $('nav-kpi').hidden = false;
  if (!isStaff(user)) {
    $('wb-main').replaceChildren(h('div', { class: 'wb-fatal card' },
      h('h2', {}, '工作台仅供工作人员使用'),
      h('p', {}, '群众请在“随手报”上报问题、查看办理进度和评价。'),
      h('p', {}, h('a', { class: 'btn btn-primary', href: '/report' }, '打开随手报'), ' ', h('a', { href: '/' }, '返回网格地图'))));
    document.body.dataset.ready = '1';
    return;
  }

  const tabs = tabsFor(user);
  let state = readUrl(tabs);
  const hasRole = (list) => (user.roles || []).some((r) => list.includes(r));
  const canCall = hasRole(['command', 'station_head', 'grid_leader', 'grid_worker', 'department']);
  const canReport = sourcesFor(user).length > 0 && hasRole(['command', 'station_head', 'grid_leader', 'grid_worker', 'department', 'leader']);
  $('wb-report').hidden = !canReport;
  $('wb-import').hidden = !hasRole(['command', 'admin']);

  const exportLink = $('wb-export');
  const updateExport = () => {
    const tab = tabs.find((t) => t.id === state.tab);
    const p = queueParams(tab, state.filters);
    exportLink.href = `/api/v1/events/export?format=xlsx&${p}`;
  };

  const detail = new Detail($('wb-detail'), {
    canCall,                      // the roles that may see a reporter's phone in full
    error: (e) => toast(e.message, 'error'),
    step: (ev, action, opts) => step(ev, action, opts),
    close: () => closeDetail(),
    open: (id) => openEvent(id, { focus: true }),
  });
  const district = String(user.grants?.[0]?.scope || '').slice(0, 6);
  if (/^\d{6}$/.test(district)) getUnit(district).then((u) => detail.learnUnit(u.code, u.name), () => {});

  const queue = new Queue({ tabs: $('wb-tabs'), list: $('wb-list'), more: $('wb-more'), summary: $('wb-summary') }, {
    open: (id, { focus }) => openEvent(id, { focus }),
    tab: (id) => {
      if (id === state.tab) return;
      state = { ...state, tab: id };
      writeUrl(state);
      updateExport();
      queue.load(state.tab, state.filters);
    },
    error: (e) => toast(e.message, 'error'),
  });
  queue.setTabs(tabs);

  let typingEntry = false;   // the current history entry came from typing in the search box
  const bar = new FilterBar($('wb-filters'), {
    user,
    onChange: (filters, { typing }) => {
      state = { ...state, filters };
      writeUrl(state, { replace: typing && typingEntry });
      typingEntry = typing;
      updateExport();
      queue.load(state.tab, state.filters);
      queue.refreshCounts(state.filters);
    },
  });

  function openEvent(id, { focus = false } = {}) {
    const had = state.event;
    state = { ...state, event: id };
    writeUrl(state, { replace: !!had });
    queue.markOpen(id);
    $('wb-main').dataset.detail = 'open';
    detail.show(id, { focus });
  }

  function closeDetail() {
    if (!state.event) return;
    state = { ...state, event: null };
    writeUrl(state, { replace: true });
    queue.markOpen(null);
    detail.clear();
    $('wb-main').dataset.detail = 'closed';
    queue.focusCursor();
  }

  async function step(ev, action, opts = {}) {
    const r = await takeStep(ev, action, opts);
    if (!r) return;
    const label = ev.allowed?.find((a) => a.action === action)?.label || action;
    toast(`#${ev.id} ${label}：已完成`);
    await detail.show(ev.id);
    queue.load(state.tab, state.filters, { keepScroll: true });
    queue.refreshCounts();
    // the first button of the new state, or the title, keeps the keyboard in the panel
    ($('dt-actions')?.querySelector('button') || $('dt-title'))?.focus();
  }

  async function report() {
    const ev = await openReport(user);
    if (!ev) return;
    toast(ev._status === 200 ? `#${ev.id} 已上报（重复提交已合并）` : `#${ev.id} 已上报`);
    queue.load(state.tab, state.filters, { keepScroll: true });
    queue.refreshCounts();
    openEvent(ev.id, { focus: true });
  }
  $('wb-report').addEventListener('click', report);

  $('wb-import').addEventListener('click', async () => {
    const r = await openHotlineImport();
    if (!r) return;
    toast(importSummary(r));
    queue.load(state.tab, state.filters, { keepScroll: true });
    queue.refreshCounts();
  });

  function refreshAll() {
    queue.load(state.tab, state.filters, { keepScroll: true });
    queue.refreshCounts();
    detail.refresh();
  }
  $('wb-refresh').addEventListener('click', refreshAll);

  // back / forward: the URL is the state
  window.addEventListener('popstate', async () => {
    const prev = state;
    state = readUrl(tabs);
    typingEntry = false;
    await bar.set(state.filters);
    updateExport();
    if (prev.tab !== state.tab || JSON.stringify(prev.filters) !== JSON.stringify(state.filters)) {
      queue.load(state.tab, state.filters);
      queue.refreshCounts(state.filters);
    }
    if (state.event && state.event !== detail.id) {
      queue.markOpen(state.event);
      $('wb-main').dataset.detail = 'open';
      detail.show(state.event);
    } else if (!state.event && detail.id) {
      queue.markOpen(null);
      detail.clear();
      $('wb-main').dataset.detail = 'closed';
    }
  });

  // keyboard
  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (document.querySelector('dialog[open]')) return;          // the dialog has the keyboard
    const t = ev.target;
    const typing = t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (typing) {
      // Esc leaves the search box for the list (the search stays)
      if (ev.key === 'Escape' && t.id === 'f-q') { ev.preventDefault(); t.blur(); queue.focusCursor(); }
      return;
    }
    const k = ev.key;
    if (k === '/') { ev.preventDefault(); bar.focusSearch(); }
    else if (k === 'j') { ev.preventDefault(); queue.move(1); }
    else if (k === 'k') { ev.preventDefault(); queue.move(-1); }
    else if (k === 'Escape' && state.event) { ev.preventDefault(); closeDetail(); }
    else if (k === 'n' && canReport) { ev.preventDefault(); report(); }
    else if (k === 'r') { ev.preventDefault(); refreshAll(); }
    else if (/^[1-9]$/.test(k) && tabs[Number(k) - 1]) {
      ev.preventDefault();
      const id = tabs[Number(k) - 1].id;
      $(`tab-${id}`)?.focus();
      if (id !== state.tab) {
        state = { ...state, tab: id };
        writeUrl(state);
        updateExport();
        queue.load(state.tab, state.filters);
      }
    } else if (k === 'Enter' && (t === document.body || t === document.documentElement)) {
      const li = document.querySelector('#wb-list li[tabindex="0"]');
      if (li) { ev.preventDefault(); openEvent(Number(li.dataset.id), { focus: true }); }
    }
  });

  // live updates: frames (or the 30 s poll) refresh counts, list and the open event
  const onChange = debounce((ids) => {
    queue.refreshCounts();
    queue.load(state.tab, state.filters, { keepScroll: true });
    if (detail.id && (!ids || ids.has(detail.id))) detail.refresh();
    pending.clear();
  }, 800);
  const pending = new Set();
  const live = new Live({
    frame: (d) => {
      if (d.event_id) pending.add(Number(d.event_id));
      onChange(pending);
    },
    poll: () => onChange(null),
    state: (s) => {
      const el = $('wb-live');
      el.dataset.state = s;
      el.textContent = s === 'stream' ? '实时' : '每 30 秒刷新';
      el.title = s === 'stream' ? '已连接实时推送' : '未连接实时推送，每 30 秒自动刷新';
    },
  });
  setInterval(() => { queue.tick(); detail.tick(); }, 30000);

  await bar.init(state.filters);
  updateExport();
  writeUrl(state, { replace: true });   // the tab chosen by default, in the URL
  queue.load(state.tab, state.filters);
  queue.refreshCounts(state.filters);
  if (state.event) {
    queue.markOpen(state.event);
    $('wb-main').dataset.detail = 'open';
    detail.show(state.event);
  }
  live.start();
  window.__wb = { queue, detail, bar, live, reportMap, get state() { return state; } };
  document.body.dataset.ready = '1';
}

boot();
