// screen-map.js - the big screen's map: one unit's sub-regions from the
// GeoJSON API (WGS-84, no tiles) coloured by a KPI, new events pulsing at
// their point, and optional layers of cameras and forces.
//
// Long-running: the regions are registered under one map name that each
// new unit overwrites (ECharts keeps registered maps for ever), the pulses
// live in a ring buffer of PULSE_MAX points that expire after PULSE_TTL_MS,
// and every update is a setOption on series with fixed ids.

import { echarts } from './echarts.js';
import { escapeHtml, fmtInt } from './util.js';

const MAP_NAME = 'wg-screen';
export const PULSE_MAX = 60;           // points pulsing at once
export const PULSE_TTL_MS = 120000;    // how long a new event pulses

/** Colourings: the summary's map fields -> a value per region. */
export const METRICS = {
  open: { label: '待办事件', unit: '件', value: (r) => r.open,
          colors: ['#0f2d5c', '#1b4f8f', '#2a7bc4', '#41a9e6', '#f2c14e', '#f08a3c', '#e8474f'] },
  close_rate: { label: '本月办结率', unit: '%', value: (r) => (r.due > 0 ? (100 * r.closed) / r.due : null),
                colors: ['#e8474f', '#f08a3c', '#f2c14e', '#58c6a0', '#1fae7a'] },
  overdue: { label: '超期数', unit: '件', value: (r) => r.overdue,
             colors: ['#123463', '#5b2a66', '#9c2f5c', '#d83a4f', '#ff5a5a'] },
};

const FORCE_COLOR = { on_duty: '#35d49a', on_patrol: '#46c3ff', handling: '#ffb23f', off: '#7c8ba3' };
const FORCE_STATUS = { on_duty: '在岗', on_patrol: '巡查中', handling: '处置中', off: '离线' };
const CAMERA_COLOR = { online: '#8fe3ff', offline: '#6b7a90', fault: '#ff5b6b' };
const CAMERA_STATUS = { online: '在线', offline: '离线', fault: '故障' };

export class ScreenMap {
  /** @param {HTMLElement} el  @param {{onRegionClick?: (code: string, level: string) => void}} handlers */
  constructor(el, handlers = {}) {
    this.el = el;
    this.handlers = handlers;
    this.chart = echarts.init(el, null, { renderer: 'canvas' });
    this.props = new Map();      // code -> feature properties
    this.values = new Map();     // code -> {open, overdue, reported, closed, due, on_time}
    this.metric = 'open';
    this.pulses = [];            // ring buffer: {value: [lon, lat], name, t}
    this.cameras = [];
    this.forces = [];
    this.drawn = false;
    this.chart.on('click', (p) => {
      if (p.componentType === 'series' && p.seriesId === 'regions' && p.name) {
        const level = this.props.get(p.name)?.level;
        this.handlers.onRegionClick?.(p.name, level);
      }
    });
  }

  /** Draw the regions of a FeatureCollection (replaces the previous ones). */
  setRegions(geojson) {
    echarts.registerMap(MAP_NAME, geojson);
    this.props = new Map(geojson.features.map((f) => [String(f.properties.code ?? f.id), f.properties]));
    this.extent = extentOf(geojson);
    this.centerLat = (this.extent.minY + this.extent.maxY) / 2;
    this.render(true);
  }

  /** Values of the summary's `map` ({fields, units: {code: [...]}}). */
  setValues(map) {
    const f = map?.fields || [];
    this.values = new Map(Object.entries(map?.units || {}).map(([code, arr]) =>
      [code, Object.fromEntries(f.map((k, i) => [k, arr[i]]))]));
    if (this.drawn) this.render(false);
  }

  setMetric(metric) {
    if (!METRICS[metric] || metric === this.metric) return;
    this.metric = metric;
    if (this.drawn) this.render(false);
  }

  /** A new event at WGS-84 [lon, lat]: pulse there for a while. */
  pulse(lon, lat, name) {
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) return;
    this.pulses.push({ value: [lon, lat], name: name || '新事件', t: Date.now() });
    if (this.pulses.length > PULSE_MAX) this.pulses.splice(0, this.pulses.length - PULSE_MAX);
    this.updatePulses();
  }

  /** Drop expired pulses (called by the page's tick). */
  prune(now = Date.now()) {
    const n = this.pulses.length;
    while (this.pulses.length && now - this.pulses[0].t > PULSE_TTL_MS) this.pulses.shift();
    if (this.pulses.length !== n) this.updatePulses();
  }

  clearPulses() {
    this.pulses.length = 0;
    this.updatePulses();
  }

  updatePulses() {
    if (this.drawn) this.chart.setOption({ series: [{ id: 'pulse', data: this.pulses.map((p) => ({ value: p.value, name: p.name })) }] });
  }

  setCameras(list) {
    this.cameras = (list || []).filter((c) => Array.isArray(c.position)).map((c) => ({
      value: c.position, name: c.name, status: c.status,
      itemStyle: { color: CAMERA_COLOR[c.status] || CAMERA_COLOR.offline },
    }));
    if (this.drawn) this.chart.setOption({ series: [{ id: 'cameras', data: this.cameras }] });
  }

  setForces(list) {
    this.forces = (list || []).filter((f) => Array.isArray(f.position)).map((f) => ({
      value: f.position, name: f.name, kind: f.kind_label, status: f.status,
      itemStyle: { color: FORCE_COLOR[f.status] || FORCE_COLOR.off },
    }));
    if (this.drawn) this.chart.setOption({ series: [{ id: 'forces', data: this.forces }] });
  }

  /** Regions' data for the map series, and the range of the colouring. */
  regionData() {
    const m = METRICS[this.metric];
    const data = [];
    let min = Infinity, max = -Infinity;
    for (const code of this.props.keys()) {
      const r = this.values.get(code) || { open: 0, overdue: 0, reported: 0, closed: 0, due: 0, on_time: 0 };
      const v = m.value(r);
      data.push({ name: code, value: v ?? '-' });
      if (v !== null && v !== undefined) { min = Math.min(min, v); max = Math.max(max, v); }
    }
    if (!Number.isFinite(min)) { min = 0; max = 1; }
    if (this.metric === 'close_rate') { min = Math.min(min, 90); max = 100; }
    if (max <= min) max = min + 1;
    return { data, min, max };
  }

  layout() {
    const w = Math.max(10, this.chart.getWidth() - 40), h = Math.max(10, this.chart.getHeight() - 90);
    const e = this.extent || { minX: 0, maxX: 1, minY: 0, maxY: 1 };
    const aspect = Math.max((e.maxX - e.minX) * Math.cos((this.centerLat * Math.PI) / 180), 1e-9) /
      Math.max(e.maxY - e.minY, 1e-9);
    const size = aspect > 1 ? Math.min(w, h * aspect) : Math.min(h, w / aspect);
    return { layoutCenter: [20 + w / 2, 62 + h / 2], layoutSize: size };
  }

  /** full: the regions changed (notMerge); else only values and colours. */
  render(full) {
    const m = METRICS[this.metric];
    const { data, min, max } = this.regionData();
    const fmtV = (v) => (m.unit === '%' ? `${v.toFixed(1)}%` : fmtInt(v));
    const many = this.props.size > 60;
    const labels = this.props.size > 120 ? [] : [...this.props.values()]
      .filter((p) => Array.isArray(p.center))
      .map((p) => ({ name: p.name, value: p.center }));
    const visualMap = {
      id: 'vm', type: 'continuous', seriesIndex: 0, min, max, calculable: false, realtime: false,
      left: 18, bottom: 18, itemWidth: 16, itemHeight: 150,
      text: [`${m.label} ${fmtV(max)}`, fmtV(min)], textGap: 8,
      textStyle: { color: '#d6e6ff', fontSize: 17 },
      inRange: { color: m.colors },
    };
    if (!full) {
      this.chart.setOption({ visualMap: [visualMap], series: [{ id: 'regions', data }] });
      return;
    }
    this.chart.setOption({
      animation: false,
      tooltip: {
        trigger: 'item', confine: true, backgroundColor: 'rgba(6,24,54,0.95)', borderColor: '#2f72c4',
        textStyle: { color: '#e8f1ff', fontSize: 18 }, formatter: (p) => this.tooltip(p),
      },
      visualMap: [visualMap],
      geo: [{
        id: 'g', map: MAP_NAME, nameProperty: 'code', roam: true, scaleLimit: { min: 0.7, max: 30 },
        aspectScale: Math.cos((this.centerLat * Math.PI) / 180), ...this.layout(),
        selectedMode: false, label: { show: false },
        itemStyle: { areaColor: '#0f2d5c', borderColor: many ? 'rgba(120,190,255,0.35)' : 'rgba(150,210,255,0.8)', borderWidth: many ? 0.5 : 1.2 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: '#2f8fe0', borderColor: '#fff', borderWidth: 1.5 } },
      }],
      series: [
        { id: 'regions', type: 'map', geoIndex: 0, data },
        {
          id: 'labels', type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, silent: true, symbolSize: 0,
          tooltip: { show: false }, data: labels, z: 3,
          label: { show: true, formatter: '{b}', color: '#f4f9ff', fontSize: many ? 14 : 17, fontWeight: 600,
                   textBorderColor: 'rgba(2,12,30,0.9)', textBorderWidth: 3 },
          labelLayout: { hideOverlap: true },
        },
        {
          id: 'cameras', type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, symbol: 'rect', symbolSize: [13, 10], itemStyle: { borderColor: '#04122b', borderWidth: 1 },
          data: this.cameras, z: 4, tooltip: { formatter: (p) => `摄像头：${escapeHtml(p.name)}<br>状态：${CAMERA_STATUS[p.data.status] || escapeHtml(p.data.status)}` },
        },
        {
          id: 'forces', type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, symbolSize: 6,
          data: this.forces, z: 5, tooltip: { formatter: (p) => `${escapeHtml(p.data.kind || '')}：${escapeHtml(p.name)}<br>${FORCE_STATUS[p.data.status] || ''}` },
        },
        {
          id: 'pulse', type: 'effectScatter', coordinateSystem: 'geo', geoIndex: 0, symbolSize: 14, z: 8,
          rippleEffect: { period: 2.5, scale: 5, brushType: 'stroke', number: 3 },
          itemStyle: { color: '#ffd23f', shadowBlur: 12, shadowColor: '#ffd23f' },
          tooltip: { formatter: (p) => `新事件：${escapeHtml(p.name)}` },
          data: this.pulses.map((p) => ({ value: p.value, name: p.name })),
        },
      ],
    }, { notMerge: true });
    this.drawn = true;
  }

  tooltip(p) {
    if (p.seriesId !== 'regions') return '';
    const props = this.props.get(p.name);
    if (!props) return '';
    const r = this.values.get(p.name) || {};
    const pct = r.due > 0 ? `${((100 * r.closed) / r.due).toFixed(1)}%` : '—';
    const rows = [['待办事件', fmtInt(r.open || 0)], ['当前超期', fmtInt(r.overdue || 0)],
                  ['本月上报', fmtInt(r.reported || 0)], ['本月办结率', pct]];
    return `<b style="font-size:20px">${escapeHtml(props.name)}</b><br>` +
      rows.map(([k, v]) => `${k}：<b>${v}</b>`).join('<br>') +
      (props.level !== 'grid' ? '<br><span style="color:#9db7da">点击进入下一级</span>' : '');
  }

  /** Resolves once the last update is on the canvas. ECharts lays out in
   * setOption and zrender paints on the next animation frame; the chart's
   * 'finished' event is not used: with an effectScatter series animating it
   * may never come. */
  whenDrawn() {
    return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  }

  resize() {
    this.chart.resize();
  }
}

/** Bounding box of a FeatureCollection. */
function extentOf(fc) {
  const e = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      if (c[0] < e.minX) e.minX = c[0];
      if (c[0] > e.maxX) e.maxX = c[0];
      if (c[1] < e.minY) e.minY = c[1];
      if (c[1] > e.maxY) e.maxY = c[1];
      return;
    }
    for (const x of c) walk(x);
  };
  for (const f of fc.features) if (f.geometry) walk(f.geometry.coordinates);
  return Number.isFinite(e.minX) ? e : { minX: 113, maxX: 114, minY: 23, maxY: 24 };
}
