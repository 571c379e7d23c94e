// state.js - the workbench's queues (tabs) per role, and its state in the URL.
//
// Everything that decides what the list shows is in the query string of
// /app, so a view can be shared and the back button works:
//   tab       the queue (TABS below)
//   q category source unit from to warning   the filters (GET /api/v1/events)
//   event     the event open in the detail panel

/**
 * The queues. params are the API filters of each; roles: who gets the tab
 * (src/domain/role.h names). Their order is the order of the tabs.
 */
export const TABS = [
  { id: 'reported', label: '待受理', params: { status: 'reported', sort: 'deadline' },
    roles: ['command', 'station_head'] },
  { id: 'register', label: '待立案/待派遣', params: { status: 'escalated,registered', sort: 'deadline' },
    roles: ['command'] },
  { id: 'dispatched', label: '待签收', params: { status: 'dispatched', sort: 'deadline' },
    roles: ['department'] },
  { id: 'handling', label: '处置中', params: { status: 'handling', sort: 'deadline' },
    roles: ['department', 'command', 'station_head', 'grid_leader', 'grid_worker'] },
  { id: 'verifying', label: '待核查', params: { status: 'verifying', sort: 'deadline' },
    roles: ['command', 'station_head', 'grid_leader', 'grid_worker'] },
  { id: 'verified', label: '待结案', params: { status: 'verified', sort: 'deadline' },
    roles: ['command', 'station_head', 'grid_leader'] },
  { id: 'warning', label: '即将超时', params: { status: 'open', warning: 'any', sort: 'deadline' },
    roles: ['command', 'station_head', 'grid_leader', 'grid_worker', 'department', 'leader', 'admin'] },
  { id: 'supervised', label: '督办', params: { status: 'open', supervised: '1', sort: 'deadline' },
    roles: ['command', 'station_head', 'grid_leader', 'grid_worker', 'department', 'leader', 'admin'] },
  { id: 'mine', label: '我上报的', params: { mine: '1' },
    roles: ['command', 'station_head', 'grid_leader', 'grid_worker'] },
  { id: 'all', label: '全部', params: {},
    roles: ['command', 'station_head', 'grid_leader', 'grid_worker', 'department', 'leader', 'admin'] },
];

/** The tabs a user gets (the union over their roles), in TABS order. */
export function tabsFor(user) {
  const roles = new Set(user?.roles || []);
  return TABS.filter((t) => t.roles.some((r) => roles.has(r)));
}

/** Filters kept in the URL, in this order. */
export const FILTER_KEYS = ['q', 'category', 'source', 'unit', 'from', 'to', 'warning'];

/** The state in the current URL: {tab, event, filters: {q, …}}. */
export function readUrl(tabs) {
  const p = new URLSearchParams(location.search);
  const tab = tabs.find((t) => t.id === p.get('tab')) ? p.get('tab') : tabs[0]?.id || 'all';
  const filters = {};
  for (const k of FILTER_KEYS) {
    const v = (p.get(k) || '').trim();
    if (v) filters[k] = v;
  }
  const ev = /^\d{1,15}$/.test(p.get('event') || '') ? Number(p.get('event')) : null;
  return { tab, event: ev, filters };
}

/** The query string of a state (without "?"). */
export function stateQuery(s) {
  const p = new URLSearchParams();
  if (s.tab) p.set('tab', s.tab);
  for (const k of FILTER_KEYS) if (s.filters[k]) p.set(k, s.filters[k]);
  if (s.event) p.set('event', String(s.event));
  return p.toString();
}

/** Write the state into the URL: push a history entry, or replace the current one. */
export function writeUrl(s, { replace = false } = {}) {
  const url = `${location.pathname}?${stateQuery(s)}`;
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
}

/**
 * API query parameters for a tab with the filters (filters win over the
 * tab's own: a warning filter narrows 即将超时).
 */
export function queueParams(tab, filters) {
  const p = new URLSearchParams(tab?.params || {});
  for (const k of FILTER_KEYS) if (filters[k]) p.set(k, filters[k]);
  return p;
}
