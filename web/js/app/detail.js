// detail.js - the event detail panel: facts, the point on its grid, photos,
// similar events (合并), supervision, the full timeline, and one button per
// step the caller may take now (`allowed` from GET /api/v1/events/:id).
//
//   const d = new Detail(el, {step(ev, action, opts), close(), open(id)});
//   d.show(id); d.refresh(); d.clear()

import { h } from '../util.js';
import { get, getDepartments } from './http.js';
import { EventMap } from './minimap.js';
import { thumbs } from './photos.js';
import { PRIMARY, DANGER } from './steps.js';
import { fmtTime, fmtAge, deadlineState, isOpen } from './fmt.js';

const LEVEL = { 3: '社区', 2: '镇街', 1: '区' };
const LOOP = { internal: '内循环', external: '外循环' };

export class Detail {
  constructor(el, on) {
    this.el = el;
    this.on = on;
    this.ev = null;
    this.id = null;
    this.seq = 0;
    this.mapEl = h('div', { class: 'dt-map', id: 'dt-map', role: 'img', 'aria-label': '事件位置与所在网格' });
    this.map = new EventMap(this.mapEl);
    this.depts = null;
    getDepartments().then((d) => { this.depts = d; }, () => {});
    this.units = new Map();       // code -> name of units an event does not name (the district)
    this.clear();
  }

  /** Name a unit the timeline may show (the district a resident or 12345 order acted for). */
  learnUnit(code, name) {
    if (!code || !name) return;
    this.units.set(code, name);
    // an event drawn before the name came (only right after the page opened)
    if (this.ev && this.el.dataset.state === 'ready' && this.el.querySelector('.timeline')?.textContent.includes(code)) this.render(this.ev);
  }

  clear() {
    this.id = null;
    this.ev = null;
    ++this.seq;
    this.el.dataset.state = 'empty';
    this.el.replaceChildren(h('div', { class: 'dt-empty' },
      h('p', {}, '在左侧选择一个事件查看详情并办理。'),
      h('p', { class: 'muted small' }, '快捷键：/ 搜索（Esc 回到列表）· j/k 上下移动 · Enter 打开 · Esc 关闭 · n 上报事件 · r 刷新 · 1–9 切换队列')));
  }

  /** Load and show event id. */
  async show(id, { focus = false } = {}) {
    const seq = ++this.seq;
    if (this.id !== id) {
      this.el.dataset.state = 'loading';
      this.el.replaceChildren(h('p', { class: 'loading' }, '加载中…'));
    }
    this.id = id;
    let ev;
    try {
      ev = await get(`/api/v1/events/${id}`);
    } catch (e) {
      if (seq !== this.seq) return null;
      this.ev = null;
      this.el.dataset.state = 'error';
      this.el.replaceChildren(h('div', { class: 'dt-empty' }, h('p', { class: 'msg msg-error', role: 'alert' }, e.message),
        h('button', { type: 'button', class: 'btn', onclick: () => this.on.close() }, '关闭')));
      return null;
    }
    if (seq !== this.seq) return null;
    this.render(ev);
    if (focus) this.el.querySelector('.dt-title')?.focus();
    return ev;
  }

  /** Reload the open event; redraw only when it changed (keeps scroll and focus otherwise). */
  async refresh() {
    if (!this.id) return;
    const seq = ++this.seq;
    let ev;
    try { ev = await get(`/api/v1/events/${this.id}`); } catch { return; }
    if (seq !== this.seq || !this.ev) return;
    if (ev.version === this.ev.version && (ev.timeline || []).length === (this.ev.timeline || []).length &&
        ev.warning === this.ev.warning && JSON.stringify(ev.allowed) === JSON.stringify(this.ev.allowed)) return;
    const scroll = this.el.scrollTop;
    const focusAction = document.activeElement?.dataset?.action;
    this.render(ev);
    this.el.scrollTop = scroll;
    if (focusAction) this.el.querySelector(`[data-action="${focusAction}"]`)?.focus();
  }

  /** The reporter's phone, masked; with "查看号码" for those who call reporters back, which
   * puts the full number in its place (the server records the read in the audit log). */
  phoneCell(ev) {
    const cell = h('span', { class: 'dt-phone' }, ev.reporter_phone);
    if (!this.on.canCall) return cell;
    const btn = h('button', { type: 'button', class: 'linkish', id: 'dt-contact', title: '查看完整号码（将记入审计日志）' }, '查看号码');
    btn.onclick = async () => {
      btn.disabled = true;
      try {
        const c = await get(`/api/v1/events/${ev.id}/contact`);
        cell.replaceChildren(c.reporter_phone
          ? h('a', { href: `tel:${c.reporter_phone}`, id: 'dt-phone', class: 'code' }, c.reporter_phone)
          : h('span', { class: 'muted' }, '未留号码'));
      } catch (e) {
        btn.disabled = false;
        this.on.error?.(e);
      }
    };
    cell.append(' ', btn);
    return cell;
  }

  deptName(code) {
    if (!code) return '';
    return this.depts ? this.depts.name(code) : code;
  }

  unitName(code, ev) {
    if (!code) return '';
    const known = { [ev.town]: ev.town_name, [ev.community]: ev.community_name, [ev.grid]: ev.grid_name, [ev.holder]: ev.holder_name };
    return known[code] || this.units.get(code) || (this.depts && this.depts.name(code) !== code ? this.depts.name(code) : code);
  }

  render(ev) {
    this.ev = ev;
    this.el.dataset.state = 'ready';
    this.el.dataset.id = String(ev.id);
    this.el.dataset.status = ev.status;
    const open = isOpen(ev.status);
    const dl = deadlineState(ev.deadline_at, ev.warning);
    const badges = [
      h('span', { class: `st st-${ev.status}`, id: 'dt-status' }, ev.status_label),
      ev.loop ? h('span', { class: 'tag' }, `${LOOP[ev.loop] || ev.loop} · ${LEVEL[ev.level] || ''}`) : null,
      ev.urgency !== 'normal' ? h('span', { class: `ev-urg urg-${ev.urgency}` }, ev.urgency_label) : null,
      ev.supervision > 0 ? h('span', { class: `sup sup-${ev.supervision}` }, ['', '督办', '黄牌督办', '红牌督办'][ev.supervision]) : null,
      ev.overdue ? h('span', { class: 'dl dl-red' }, '已逾期') : null,
    ];
    const actions = (ev.allowed || []).map((a) => h('button', {
      type: 'button', class: `btn ${PRIMARY.has(a.action) ? 'btn-primary' : DANGER.has(a.action) ? 'btn-danger' : ''}`,
      'data-action': a.action, onclick: () => this.on.step(ev, a.action),
    }, a.label));

    const row = (k, ...v) => (v.some((x) => x !== null && x !== undefined && x !== '')
      ? [h('dt', {}, k), h('dd', {}, ...v)] : []);
    const facts = h('dl', { class: 'dt-facts' },
      ...row('类别', ev.category_name || ev.category),
      ...row('来源', ev.source_label, ev.external_id ? h('span', { class: 'code' }, ` 工单 ${ev.external_id}`) : null),
      ...row('位置', [ev.town_name, ev.community_name, ev.grid_name].filter(Boolean).join(' › '),
        ev.grid_reason ? h('span', { class: 'muted', id: 'dt-grid-reason' }, `（手动指定：${ev.grid_reason}）`) : null),
      ...row('地址', ev.address || ''),
      ...row('坐标', h('span', { class: 'code' }, `${ev.lat.toFixed(6)}, ${ev.lon.toFixed(6)}`)),
      ...row('上报', ev.reporter_name || '', ' ',
        ev.reporter_phone ? this.phoneCell(ev) : null, ' ',
        h('span', { class: 'muted' }, `${fmtTime(ev.created_at)}（${fmtAge(ev.created_at)}）`)),
      ...row('当前承办', [ev.holder_name, ev.dept ? this.deptName(ev.dept) : ''].filter(Boolean).join(' · ')),
      ...(open && dl.state !== 'none'
        ? row('环节时限', h('span', { class: `dl dl-${dl.state}`, 'data-deadline': ev.deadline_at, 'data-warning': ev.warning }, dl.text),
          h('span', { class: 'muted' }, ` 截止 ${fmtTime(ev.deadline_at)}`)) : []),
      ...row('办结期限', ev.due_at ? fmtTime(ev.due_at) : ''),
      ...row('待审批', ev.pending === 'extend' ? `延期申请 ${Math.round((ev.pending_minutes || 0) / 60)} 小时`
        : ev.pending === 'to_internal' ? '外转内申请' : ''),
      ...row('办结', ev.closed_at ? fmtTime(ev.closed_at) : ''),
      ...row('处置结果', ev.result || ''),
      ...row('不予受理原因', ev.reject_reason || ''),
      ...row('评价', ev.rating ? ['', '满意', '基本满意', '不满意'][ev.rating] : ''));

    const sections = [
      h('section', { class: 'dt-sec' }, h('h3', {}, '事件描述'), h('p', { class: 'dt-desc' }, ev.description || '—')),
    ];
    const ph = thumbs(ev.photos, `事件 #${ev.id}`);
    if (ph) sections.push(h('section', { class: 'dt-sec', id: 'dt-photos' }, h('h3', {}, `照片（${ev.photos.length}）`), ph));
    const canMerge = (ev.allowed || []).some((a) => a.action === 'merge');
    if (ev.similar?.length) {
      sections.push(h('section', { class: 'dt-sec', id: 'dt-similar' },
        h('h3', {}, `相似事件（${ev.similar.length}）`, h('span', { class: 'muted small' }, ' 同类、100 米内、24 小时内')),
        h('ul', { class: 'similar' }, ev.similar.map((s) => h('li', {},
          h('button', { type: 'button', class: 'linkish', onclick: () => this.on.open(s.id) }, `#${s.id} ${s.title}`),
          h('span', { class: 'muted small' }, ` ${s.distance_m} 米 · ${statusLabel(s.status)}`),
          canMerge ? h('button', {
            type: 'button', class: 'btn btn-small', 'data-merge': s.id,
            title: `将本事件 #${ev.id} 合并到 #${s.id}，随其一起办结`,
            onclick: () => this.on.step(ev, 'merge', { master: s.id }),
          }, '合并') : null)))));
    }
    if (ev.supervisions?.length) {
      sections.push(h('section', { class: 'dt-sec' }, h('h3', {}, `督办记录（${ev.supervisions.length}）`),
        h('ul', { class: 'sups' }, ev.supervisions.map((s) => h('li', {},
          h('span', { class: `sup sup-${s.level}` }, s.level_label), ' ',
          h('span', {}, s.note || (s.actor_id ? '' : '超时自动督办')), ' ',
          h('span', { class: 'muted small' }, `${this.unitName(s.unit, ev)} · ${fmtTime(s.at)}`))))));
    }
    sections.push(h('section', { class: 'dt-sec' }, h('h3', {}, '办理过程'),
      h('ol', { class: 'timeline' }, (ev.timeline || []).slice().reverse().map((t) => h('li', { class: `tl tl-${t.action}` },
        h('time', { datetime: t.at }, fmtTime(t.at)),
        h('div', { class: 'tl-body' },
          h('div', {}, h('strong', {}, t.action_label), t.from_label && t.to_label && t.from !== t.to
            ? h('span', { class: 'muted small' }, ` ${t.from_label} → ${t.to_label}`) : null),
          h('div', { class: 'muted small' }, [t.actor || (t.actor_id ? '' : '系统'), t.role_label, this.unitName(t.unit, ev)].filter(Boolean).join(' · ')),
          t.note ? h('p', { class: 'tl-note' }, t.note) : null,
          thumbs(t.photos, t.action_label)))))));

    const title = h('h2', { class: 'dt-title', tabindex: '-1', id: 'dt-title' }, h('span', { class: 'ev-id' }, `#${ev.id}`), ' ', ev.title);
    const close = h('button', { type: 'button', class: 'btn btn-icon dt-close', title: '关闭详情（Esc）', 'aria-label': '关闭详情',
      onclick: () => this.on.close() }, '✕');
    this.el.replaceChildren(
      h('header', { class: 'dt-head' },
        h('div', { class: 'dt-title-row' }, title, h('div', { class: 'dt-badges' }, badges), close),
        h('div', { class: 'dt-actions', role: 'group', 'aria-label': '可执行的操作', id: 'dt-actions' },
          actions.length ? actions : h('span', { class: 'muted small' }, open ? '当前没有需要您办理的操作' : '事件已办结'))),
      h('div', { class: 'dt-top' }, facts, h('div', { class: 'dt-map-wrap' }, this.mapEl)),
      ...sections);
    this.map.show(ev);
  }

  /** Countdowns in place (every 30 s). */
  tick(now = Date.now()) {
    for (const el of this.el.querySelectorAll('[data-deadline]')) {
      const d = deadlineState(el.dataset.deadline, el.dataset.warning, now);
      el.textContent = d.text;
      el.className = `dl dl-${d.state}`;
    }
  }
}

function statusLabel(s) {
  return { reported: '待受理', rejected: '不予受理', handling: '处置中', escalated: '待立案', registered: '待派遣',
    dispatched: '待签收', verifying: '待核查', verified: '待结案', closed: '已结案', merged: '已合并' }[s] || s;
}
