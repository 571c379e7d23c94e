// minimap.js - small ECharts maps without tiles: the event's point on its
// grid (with the neighbouring grids of its area), and the point picker of
// the report form. GeoJSON comes from /api/v1/units/:code/geojson (WGS-84).
//
// Each map has one ECharts instance for the page's life and one registered
// map name that is overwritten on every show, so leaving the workbench open
// for hours does not grow ECharts' map registry.

import { echarts } from '../echarts.js';
import { getJSON } from '../api.js';
import { escapeHtml } from '../util.js';

/* GeoJSON of the last few units drawn: a small LRU of our own (api.js's
 * cache keeps every path it saw, which grows over hours of browsing). */
const LRU_MAX = 24;
const lru = new Map();   // path -> promise of the FeatureCollection

function getGeoJSON(code, { level = null, simplify = 0 } = {}) {
  const q = new URLSearchParams();
  if (level) q.set('level', level);
  if (simplify > 0) q.set('simplify', String(simplify));
  const path = `/api/v1/units/${encodeURIComponent(code)}/geojson${q.toString() ? `?${q}` : ''}`;
  let p = lru.get(path);
  if (p) lru.delete(path);
  else {
    p = getJSON(path);
    p.catch(() => lru.delete(path));
  }
  lru.set(path, p);
  while (lru.size > LRU_MAX) lru.delete(lru.keys().next().value);
  return p;
}

const PIN = '#e4572e';

/** Bounding box of a FeatureCollection. */
function extentOf(fc) {
  const e = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      e.minX = Math.min(e.minX, c[0]); e.maxX = Math.max(e.maxX, c[0]);
      e.minY = Math.min(e.minY, c[1]); e.maxY = Math.max(e.maxY, c[1]);
      return;
    }
    for (const x of c) walk(x);
  };
  for (const f of fc.features || []) if (f.geometry) walk(f.geometry.coordinates);
  return Number.isFinite(e.minX) ? e : null;
}

/** The largest box of the map's true proportions that fits the chart (see map.js). */
function layout(chart, ext, pad = 10) {
  const w = Math.max(10, chart.getWidth() - 2 * pad);
  const hgt = Math.max(10, chart.getHeight() - 2 * pad);
  const lat = (ext.minY + ext.maxY) / 2;
  const aspect = Math.max((ext.maxX - ext.minX) * Math.cos((lat * Math.PI) / 180), 1e-9) /
    Math.max(ext.maxY - ext.minY, 1e-9);
  const size = aspect > 1 ? Math.min(w, hgt * aspect) : Math.min(hgt, w / aspect);
  return { layoutCenter: [pad + w / 2, pad + hgt / 2], layoutSize: size, aspectScale: Math.cos((lat * Math.PI) / 180) };
}

class BaseMap {
  constructor(el, name) {
    this.el = el;
    this.name = name;
    this.chart = null;
    this.ext = null;
    this.ro = new ResizeObserver(() => {
      if (!this.chart || !this.el.isConnected || !this.el.clientWidth) return;
      this.chart.resize();
      if (this.ext) this.chart.setOption({ geo: [{ id: 'g', ...layout(this.chart, this.ext) }] });
    });
    this.ro.observe(el);
  }

  ensure() {
    if (!this.chart) this.chart = echarts.init(this.el, null, { renderer: 'canvas' });
    return this.chart;
  }
}

/** The event's point on its grid. */
export class EventMap extends BaseMap {
  constructor(el) {
    super(el, 'wb:event');
    this.seq = 0;
  }

  /** Draw ev ({grid, lon, lat, grid_name}); the area's other grids in grey. */
  async show(ev) {
    const seq = ++this.seq;
    const area = String(ev.grid).slice(0, 14);
    let fc = null;
    try {
      fc = await getGeoJSON(area);
      if (!fc.features?.some((f) => String(f.properties?.code ?? f.id) === ev.grid)) fc = null;
    } catch { fc = null; }
    if (!fc) fc = await getGeoJSON(ev.grid, { level: 'self' }).catch(() => null);
    if (seq !== this.seq || !this.el.isConnected) return;
    const chart = this.ensure();
    chart.resize();
    if (!fc || !fc.features?.length) {
      chart.clear();
      this.ext = null;
      this.el.dataset.state = 'empty';
      return;
    }
    echarts.registerMap(this.name, fc);
    // frame the event's grid (and the point), not the whole area
    const own = { type: 'FeatureCollection', features: fc.features.filter((f) => String(f.properties?.code ?? f.id) === ev.grid) };
    const ext = extentOf(own.features.length ? own : fc);
    const dx = (ext.maxX - ext.minX) * 0.35 + 0.0005;
    const dy = (ext.maxY - ext.minY) * 0.35 + 0.0005;
    this.ext = {
      minX: Math.min(ext.minX, ev.lon) - dx, maxX: Math.max(ext.maxX, ev.lon) + dx,
      minY: Math.min(ext.minY, ev.lat) - dy, maxY: Math.max(ext.maxY, ev.lat) + dy,
    };
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'item', confine: true, formatter: (p) => escapeHtml(p.name || '') },
      geo: [{
        id: 'g', map: this.name, nameProperty: 'code', roam: true, silent: false,
        boundingCoords: [[this.ext.minX, this.ext.maxY], [this.ext.maxX, this.ext.minY]],
        ...layout(chart, this.ext),
        itemStyle: { areaColor: '#eef2f6', borderColor: '#9fb3c8', borderWidth: 1 },
        emphasis: { disabled: true },
        regions: [{ name: ev.grid, itemStyle: { areaColor: '#dbe9f6', borderColor: '#1f6fb2', borderWidth: 2.5 } }],
        label: { show: false },
        tooltip: { show: false },
      }],
      series: [{
        type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, symbol: 'pin', symbolSize: 30,
        symbolOffset: [0, '-40%'],
        itemStyle: { color: PIN, borderColor: '#fff', borderWidth: 1.5 },
        data: [{ name: `事件位置 ${ev.lat.toFixed(6)}, ${ev.lon.toFixed(6)}`, value: [ev.lon, ev.lat] }],
        z: 5,
      }],
    }, { notMerge: true });
    this.el.dataset.state = 'ready';
  }
}

/** The report form's map: click to pick a point within the user's scope. */
export class PickMap extends BaseMap {
  constructor(el, onPick) {
    super(el, 'wb:pick');
    this.onPick = onPick;
    this.point = null;
    this.code = null;
  }

  /** Draw the unit's children (a grid: itself). */
  async show(code, level) {
    const chart = this.ensure();
    chart.resize();
    if (this.code !== code) {
      const fc = await getGeoJSON(code, level === 'grid' ? { level: 'self' } : { simplify: level === 'district' ? 20 : 0 })
        .catch(() => null);
      if (!fc || !fc.features?.length) return;
      echarts.registerMap(this.name, fc);
      this.ext = extentOf(fc);
      this.code = code;
      chart.off('click');
      chart.getZr().off('click');
      chart.getZr().on('click', (e) => {
        const p = chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
        if (p && Number.isFinite(p[0]) && Number.isFinite(p[1])) this.onPick(p);
      });
    }
    this.render();
  }

  render() {
    if (!this.chart || !this.ext) return;
    this.chart.setOption({
      animation: false,
      tooltip: { trigger: 'item', confine: true, formatter: (p) => escapeHtml(p.data?.label || p.name || '') },
      geo: [{
        id: 'g', map: this.name, nameProperty: 'name', roam: true, ...layout(this.chart, this.ext),
        itemStyle: { areaColor: '#eef4fa', borderColor: '#8aa6c1', borderWidth: 1 },
        emphasis: { itemStyle: { areaColor: '#ffe8a8' }, label: { show: false } },
        label: { show: false },
      }],
      series: [{
        type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, symbol: 'pin', symbolSize: 30,
        symbolOffset: [0, '-40%'], itemStyle: { color: PIN, borderColor: '#fff', borderWidth: 1.5 },
        data: this.point ? [{ name: '上报位置', value: this.point }] : [],
      }],
    }, { notMerge: true });
    this.chart.getZr().setCursorStyle('crosshair');
  }

  setPoint(lonlat) {
    this.point = lonlat;
    if (this.chart && this.ext) this.chart.setOption({ series: [{ data: lonlat ? [{ name: '上报位置', value: lonlat }] : [] }] });
  }

  /** Pixel of [lon, lat] in the map (tests). */
  pixelOf(lonlat) {
    return this.chart.convertToPixel({ geoIndex: 0 }, lonlat);
  }
}
