// locate.js - "找网格员": search by name/code, coordinates, my location.
//
// The Finder owns the finder card of the side panel: the search form and its
// result list, the latitude/longitude/CRS form, the "我的位置" button, the
// status line and the grid contact card. It reports to main.js through
// callbacks:
//   onLocated(result, point)  a point was located; point = {lat, lon, crs,
//                             wgs: [lon, lat], source: "coords"|"map"|"geo"}
//   onMissed(point)           the point lies outside every grid (or failed)
//   onPickUnit(unit)          a search result was chosen ({code, level, …})

import { locate, searchUnits, getUnit, ApiError } from './api.js';
import { CRS_OPTIONS, parseLatLon, toWgs84 } from './coord.js';
import { renderGridCard } from './panel.js';
import { h, debounce, LEVEL_LABEL } from './util.js';

export class Finder {
  constructor(handlers = {}) {
    this.handlers = handlers;
    this.seq = 0;                 // latest locate request; older replies are dropped
    this.searchSeq = 0;
    const $ = (id) => document.getElementById(id);
    this.el = {
      searchForm: $('search-form'), q: $('search-q'), results: $('search-results'),
      coordForm: $('coord-form'), lat: $('lat'), lon: $('lon'), crs: $('crs'),
      btnLocate: $('btn-locate'), btnGeo: $('btn-geo'),
      msg: $('locate-msg'), result: $('locate-result'),
    };
    for (const o of CRS_OPTIONS) this.el.crs.append(h('option', { value: o.value }, o.label));
    this.el.crs.value = localStorage.getItem('wangge.crs') || 'wgs84';
    this.el.crs.addEventListener('change', () => localStorage.setItem('wangge.crs', this.el.crs.value));

    // Forms submit on Enter in any of their fields.
    this.el.coordForm.addEventListener('submit', (e) => { e.preventDefault(); this.locateFromInputs(); });
    this.el.searchForm.addEventListener('submit', (e) => { e.preventDefault(); this.search(true); });
    const suggest = debounce(() => this.search(false), 300);
    this.el.q.addEventListener('input', () => {
      if (this.el.q.value.trim()) suggest();
      else { suggest.cancel(); this.searchSeq++; this.el.results.replaceChildren(); }
    });
    this.el.q.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { this.el.q.value = ''; this.el.results.replaceChildren(); }
      if (e.key === 'ArrowDown') { this.el.results.querySelector('button')?.focus(); e.preventDefault(); }
    });
    this.el.results.addEventListener('keydown', (e) => this.resultKeys(e));
    for (const f of [this.el.lat, this.el.lon])
      f.addEventListener('input', () => f.removeAttribute('aria-invalid'));
    this.el.btnGeo.addEventListener('click', () => this.myLocation());
  }

  /* ----------------------------------------------------------- messages */

  /** Show a status line; kind: "info" | "error" | "warn" | "busy". */
  message(text, kind = 'info') {
    const m = this.el.msg;
    m.hidden = !text;
    m.className = `msg msg-${kind}`;
    m.dataset.kind = kind;
    m.textContent = text || '';
  }

  clearResult() {
    this.el.result.replaceChildren();
  }

  markInvalid(field) {
    const f = field === 'lon' ? this.el.lon : this.el.lat;
    f.setAttribute('aria-invalid', 'true');
    f.focus();
  }

  /* ---------------------------------------------------------- coordinates */

  locateFromInputs() {
    this.el.lat.removeAttribute('aria-invalid');
    this.el.lon.removeAttribute('aria-invalid');
    const r = parseLatLon(this.el.lat.value, this.el.lon.value);
    if (!r.ok) {
      this.seq++;
      this.clearResult();
      this.message(r.message, 'error');
      this.markInvalid(r.field);
      this.handlers.onMissed?.(null);
      return;
    }
    this.el.lat.value = String(r.lat);
    this.el.lon.value = String(r.lon);
    this.locatePoint({ lat: r.lat, lon: r.lon, crs: this.el.crs.value, source: 'coords' });
  }

  /** Fill the form with a WGS-84 point (a map click or the browser's position). */
  fillInputs(lat, lon) {
    this.el.lat.value = lat.toFixed(6);
    this.el.lon.value = lon.toFixed(6);
    this.el.crs.value = 'wgs84';
    this.el.lat.removeAttribute('aria-invalid');
    this.el.lon.removeAttribute('aria-invalid');
  }

  /** Ask the server whose grid {lat, lon, crs} is in, and show the answer. */
  async locatePoint(point) {
    const seq = ++this.seq;
    const wgs = toWgs84(point.crs, point.lon, point.lat);
    const pt = { ...point, wgs };
    this.clearResult();
    this.message('正在查询所属网格…', 'busy');
    this.el.btnLocate.disabled = true;
    try {
      const r = await locate(point.lat, point.lon, point.crs);
      if (seq !== this.seq) return;
      this.message('');
      const card = renderGridCard(r, point);
      this.el.result.replaceChildren(card);
      // On a phone the panel is under the map: bring the answer into view.
      if (point.source === 'map' && window.matchMedia('(max-width: 760px)').matches)
        card.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
      this.handlers.onLocated?.(r, pt);
    } catch (e) {
      if (seq !== this.seq) return;
      if (e instanceof ApiError && e.code === 'locate.outside') {
        const crs = CRS_OPTIONS.find((o) => o.value === point.crs)?.label || point.crs;
        this.message(`${e.message}（${point.lat}, ${point.lon}，${crs}）。请确认坐标和坐标系是否正确，` +
                     '或该处是否在本区范围内。', 'warn');
      } else {
        this.message(e.message || '查询失败，请稍后重试', 'error');
        if (e.param === 'lat' || e.param === 'lon') this.markInvalid(e.param);
      }
      this.handlers.onMissed?.(pt);
    } finally {
      if (seq === this.seq) this.el.btnLocate.disabled = false;
    }
  }

  /* ---------------------------------------------------------- my location */

  myLocation() {
    if (!('geolocation' in navigator)) {
      this.message('此浏览器不支持定位，请手动输入坐标', 'error');
      return;
    }
    if (!window.isSecureContext) {
      this.message('浏览器仅在 HTTPS 或本机地址下提供定位，请手动输入坐标', 'error');
      return;
    }
    const seq = ++this.seq;
    this.clearResult();
    this.message('正在获取您的位置…', 'busy');
    this.el.btnGeo.disabled = true;
    navigator.geolocation.getCurrentPosition((pos) => {
      this.el.btnGeo.disabled = false;
      if (seq !== this.seq) return;
      const { latitude: lat, longitude: lon } = pos.coords;
      this.fillInputs(lat, lon);
      this.locatePoint({ lat, lon, crs: 'wgs84', source: 'geo' });
    }, (err) => {
      this.el.btnGeo.disabled = false;
      if (seq !== this.seq) return;
      const why = { 1: '您未允许本页面获取位置', 2: '暂时无法确定您的位置', 3: '获取位置超时' }[err.code]
        || '无法获取您的位置';
      this.message(`${why}，请手动输入坐标或在地图上点选`, 'error');
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  /* --------------------------------------------------------------- search */

  /** Search units by name or code; `commit` (Enter) opens a sole match. */
  async search(commit) {
    const q = this.el.q.value.trim();
    const seq = ++this.searchSeq;
    if (!q) {
      if (commit) this.showSearchNote('请输入要搜索的名称或编码', 'error');
      return;
    }
    if (commit) this.showSearchNote('搜索中…', 'busy');
    try {
      const r = await searchUnits(q, 20);
      if (seq !== this.searchSeq) return;
      const units = r.units || [];
      if (!units.length) {
        this.showSearchNote(`没有找到与“${q}”相关的镇街、村/社区、片区或网格`, 'warn');
        return;
      }
      const exact = units.find((u) => u.code === q || u.name === q);
      if (commit && (units.length === 1 || exact)) {
        this.pickUnit(exact || units[0]);
        return;
      }
      this.el.results.replaceChildren(h('ul', { class: 'result-list', role: 'listbox', 'aria-label': '搜索结果' },
        units.map((u) => h('li', {}, h('button', {
          type: 'button', class: 'result', role: 'option', dataset: { code: u.code },
          onclick: () => this.pickUnit(u),
        }, h('span', { class: 'r-name' }, u.name),
           h('span', { class: 'r-meta' }, `${LEVEL_LABEL[u.level] || u.kind} · ${u.code}`))))));
    } catch (e) {
      if (seq !== this.searchSeq) return;
      this.showSearchNote(e.message || '搜索失败，请稍后重试', 'error');
    }
  }

  showSearchNote(text, kind) {
    this.el.results.replaceChildren(h('p', { class: `msg msg-${kind}`, dataset: { kind } }, text));
  }

  resultKeys(e) {
    const items = [...this.el.results.querySelectorAll('button.result')];
    const i = items.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === 'ArrowDown') { items[Math.min(i + 1, items.length - 1)].focus(); e.preventDefault(); }
    if (e.key === 'ArrowUp') { (i ? items[i - 1] : this.el.q).focus(); e.preventDefault(); }
    if (e.key === 'Escape') { this.el.results.replaceChildren(); this.el.q.focus(); }
  }

  pickUnit(u) {
    this.searchSeq++;
    this.el.results.replaceChildren();
    this.el.q.value = u.name;
    if (u.level === 'grid') this.showGrid(u.code);
    this.handlers.onPickUnit?.(u);
  }

  /**
   * The contact card of a grid chosen by name/code: built from the details
   * of the grid, its area (网格长) and its community (站长).
   */
  async showGrid(code) {
    const seq = ++this.seq;
    this.clearResult();
    this.message('正在读取网格信息…', 'busy');
    try {
      const grid = await getUnit(code);
      const at = (level) => (grid.path || []).find((p) => p.level === level) || null;
      const area = at('area'), community = at('community');
      const [a, c] = await Promise.all([area ? getUnit(area.code) : null,
                                        community ? getUnit(community.code) : null]);
      if (seq !== this.seq) return;
      const staff = (u, ...roles) => {
        for (const role of roles) {
          const s = (u?.staff || []).find((x) => x.role === role);
          if (s) return { name: s.name, phone: s.phone, title: s.title };
        }
        return null;
      };
      const r = {
        grid, area, community, town: at('town'), district: at('district'),
        contacts: {
          grid_worker: staff(grid, 'grid_worker'),
          grid_leader: staff(a, 'grid_leader'),
          station_head: staff(c, 'station_head', 'chief_station_head'),
        },
      };
      this.message('');
      this.el.result.replaceChildren(renderGridCard(r, null));
    } catch (e) {
      if (seq !== this.seq) return;
      this.message(e.message || '读取网格信息失败', 'error');
    }
  }
}
