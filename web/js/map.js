// map.js - the ECharts map: one unit's sub-regions coloured by a metric.
//
// A MapView draws a GeoJSON FeatureCollection (WGS-84, feature properties as
// sent by /api/v1/units/:code/geojson) with a `geo` component; a `map`
// series bound to it carries the values that the visualMap colours, a
// scatter series places the region names (hiding those that would overlap),
// and another scatter series shows the "找网格员" marker.
//
// Regions are keyed by their unit code (geo.nameProperty = "code"), never by
// name: names such as "第1片区" repeat across communities.
//
// Clicks: in browse mode a click on a region calls onRegionClick(code); in
// pick mode ("点图查网格") a click anywhere calls onPointPick([lon, lat]).
// A drag (panning the map) is never taken for a click.

import { echarts } from './echarts.js';
import { escapeHtml, fmtInt } from './util.js';

/** Metrics the map can be coloured by. */
export const METRICS = {
  grids: { label: '网格数', unit: '个' },
  households: { label: '户数', unit: '户' },
  population: { label: '人口', unit: '人' },
};

// Sequential palette (light = low), readable under dark labels.
const PALETTE = ['#eef6fc', '#cfe4f4', '#9ecae1', '#6baed6', '#3f8fc5', '#1f6fb2', '#0b4f8a'];
const MARKER_COLOR = '#e4572e';

export class MapView {
  /**
   * @param {HTMLElement} el  the container (must have a size)
   * @param {{onRegionClick?: (code:string)=>void, onPointPick?: (lonlat:number[])=>void}} handlers
   */
  constructor(el, handlers = {}) {
    this.el = el;
    this.handlers = handlers;
    this.chart = echarts.init(el, null, { renderer: 'canvas' });
    this.props = new Map();     // code -> feature properties of the regions shown
    this.heads = new Map();     // code -> head {name, phone, title} of each region
    this.mapName = null;
    this.metric = 'households';
    this.selected = null;       // code of the highlighted region
    this.marker = null;         // {lon, lat, label}
    this.pickMode = false;
    this.down = null;           // pointer position at mousedown, to tell clicks from drags

    const zr = this.chart.getZr();
    zr.on('mousedown', (e) => { this.down = [e.offsetX, e.offsetY]; });
    zr.on('click', (e) => {
      if (!this.pickMode || this.wasDrag(e)) return;
      const p = this.chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
      if (p && Number.isFinite(p[0]) && Number.isFinite(p[1])) this.handlers.onPointPick?.(p);
    });
    this.chart.on('click', (params) => {
      if (this.pickMode || this.wasDrag(params.event)) return;
      if (params.componentType === 'series' && params.seriesId === 'regions' && params.name)
        this.handlers.onRegionClick?.(params.name);
    });
    // Re-layout on resize; crossing the phone breakpoint changes the legend.
    new ResizeObserver(() => {
      this.chart.resize();
      if (!this.mapName) return;
      if (this.isNarrow() !== this.narrow) this.render();
      else {
        this.chart.setOption({ geo: [{ id: 'g', ...this.layout() }] });
        this.applySelection();        // a resize redraws the regions unselected
      }
    }).observe(el);
  }

  /**
   * Where the map goes: the largest rectangle of the map's true proportions
   * (east-west distance shrinks with cos(latitude)) centred in the chart
   * less its margins. ECharts keeps the aspect ratio only with
   * layoutCenter/layoutSize; with left/right/top/bottom it stretches the map
   * to the box.
   */
  layout() {
    const narrow = this.isNarrow();
    const m = narrow ? { t: 16, l: 8, r: 8, b: 52 } : { t: 16, l: 24, r: 24, b: 16 };
    const w = Math.max(10, this.chart.getWidth() - m.l - m.r);
    const h = Math.max(10, this.chart.getHeight() - m.t - m.b);
    const e = this.extent || { minX: 0, maxX: 1, minY: 0, maxY: 1 };
    const dy = Math.max(e.maxY - e.minY, 1e-9);
    const aspect = Math.max((e.maxX - e.minX) * Math.cos((this.centerLat * Math.PI) / 180), 1e-9) / dy;
    // layoutSize is the map's longer side
    const size = aspect > 1 ? Math.min(w, h * aspect) : Math.min(h, w / aspect);
    return { layoutCenter: [m.l + w / 2, m.t + h / 2], layoutSize: size };
  }

  isNarrow() {
    return this.el.clientWidth < 600;
  }

  wasDrag(e) {
    const o = e && (e.offsetX !== undefined ? e : e.event);
    if (!this.down || !o) return false;
    return Math.hypot(o.offsetX - this.down[0], o.offsetY - this.down[1]) > 6;
  }

  showLoading() {
    this.chart.showLoading('default', {
      text: '地图加载中…', color: '#1f6fb2', textColor: '#1d2b3a', maskColor: 'rgba(255,255,255,0.6)',
      fontSize: 14,
    });
  }

  hideLoading() {
    this.chart.hideLoading();
  }

  /**
   * Draw a FeatureCollection. key: a stable name for it (e.g. "440111/children").
   * opts.metric, opts.selected (code to highlight), opts.heads (code ->
   * {name, phone, title} from …/children, for the tooltips).
   */
  show(key, geojson, opts = {}) {
    this.mapName = `wg:${key}`;
    echarts.registerMap(this.mapName, geojson);
    this.props = new Map(geojson.features.map((f) => [String(f.properties.code ?? f.id), f.properties]));
    this.heads = opts.heads || new Map();
    if (opts.metric) this.metric = opts.metric;
    this.selected = opts.selected ?? null;
    this.levelOfRegions = geojson.features[0]?.properties.level ?? null;
    this.extent = extentOf(geojson);
    this.centerLat = (this.extent.minY + this.extent.maxY) / 2;
    this.render();
  }

  /** Colour by another metric (keeps the view). */
  setMetric(metric) {
    if (metric === this.metric) return;
    this.metric = metric;
    if (this.mapName) this.render();
  }

  /** Highlight one region (or none). */
  setSelected(code) {
    this.selected = code;
    if (!this.mapName) return;
    this.chart.dispatchAction({ type: 'unselect', seriesId: 'regions', name: this.regionCodes() });
    this.applySelection();
  }

  /** Show the "找网格员" marker at WGS-84 [lon, lat], or remove it (null). */
  setMarker(marker) {
    this.marker = marker;
    if (this.mapName) this.chart.setOption({ series: [{ id: 'marker', data: this.markerData() }] });
  }

  setPickMode(on) {
    this.pickMode = on;
    this.chart.getZr().setCursorStyle(on ? 'crosshair' : 'default');
    this.el.classList.toggle('picking', on);
  }

  /** Codes of the regions drawn (for tests and the region list). */
  regionCodes() {
    return [...this.props.keys()];
  }

  /** Pixel position of WGS-84 [lon, lat] in the container. */
  pixelOf(lonlat) {
    return this.chart.convertToPixel({ geoIndex: 0 }, lonlat);
  }

  /** Back to the full extent after the user zoomed or panned. */
  resetView() {
    if (this.mapName) this.render();
  }

  value(p) {
    const v = Number(p[this.metric]);
    return Number.isFinite(v) ? v : 0;
  }

  markerData() {
    if (!this.marker) return [];
    return [{ name: this.marker.label || '查询位置', value: [this.marker.lon, this.marker.lat] }];
  }

  render() {
    const m = METRICS[this.metric];
    const data = [...this.props].map(([code, p]) => ({ name: code, value: this.value(p) }));
    const vals = data.map((d) => d.value);
    let min = vals.length ? Math.min(...vals) : 0;
    let max = vals.length ? Math.max(...vals) : 1;
    const legend = vals.length > 1 && max > min;
    if (!legend) { min -= 1; max += 1; }     // all equal: one middle colour, no legend
    const many = this.props.size > 40;
    const narrow = this.narrow = this.isNarrow();
    // Region names at their centres: dark text on light fills, white on dark.
    // (Hundreds of grids at once: no names, the tooltip tells.)
    const labels = this.props.size > 200 ? [] : [...this.props]
      .filter(([, p]) => Array.isArray(p.center) && p.center.length === 2)
      .map(([code, p]) => {
        const dark = (this.value(p) - min) / (max - min) > 0.6;
        return {
          name: p.name, value: p.center, code,
          label: dark ? { color: '#ffffff', textBorderColor: 'rgba(8,40,80,0.55)' } : undefined,
        };
      });

    this.chart.setOption({
      animationDurationUpdate: 300,
      tooltip: {
        trigger: 'item',
        confine: true,
        backgroundColor: 'rgba(255,255,255,0.97)',
        borderColor: '#c9d6e3',
        textStyle: { color: '#1d2b3a', fontSize: 13 },
        extraCssText: 'box-shadow:0 4px 14px rgba(0,0,0,.15);border-radius:6px;',
        formatter: (params) => this.tooltip(params),
      },
      visualMap: {
        id: 'vm',
        type: 'continuous',
        show: legend,
        seriesIndex: 0,
        min, max,
        calculable: true,
        realtime: true,
        // A vertical legend bottom-left; on a phone a horizontal one under the map.
        orient: narrow ? 'horizontal' : 'vertical',
        left: narrow ? 'center' : 12, bottom: narrow ? 4 : 12,
        itemWidth: narrow ? 10 : 12, itemHeight: narrow ? 120 : 110,
        text: [`${m.label}（${m.unit}）`, ''],
        textGap: 6,
        textStyle: { color: '#3a4a5c', fontSize: 12 },
        inRange: { color: PALETTE },
        formatter: (v) => fmtInt(v),
        backgroundColor: 'rgba(255,255,255,0.85)',
        padding: narrow ? [4, 8] : [8, 10],
      },
      geo: [{
        id: 'g',
        map: this.mapName,
        nameProperty: 'code',
        roam: true,
        scaleLimit: { min: 0.6, max: 40 },
        aspectScale: Math.cos((this.centerLat * Math.PI) / 180),
        // Fit the box with true proportions (see layout()); room for the legend.
        ...this.layout(),
        selectedMode: false,
        label: { show: false },
        itemStyle: { areaColor: '#e8eef4', borderColor: '#ffffff', borderWidth: many ? 0.6 : 1.2 },
        emphasis: {
          label: { show: false },
          itemStyle: { areaColor: '#ffd166', borderColor: '#ffffff', borderWidth: 1.5 },
        },
        select: {
          label: { show: false },
          itemStyle: { areaColor: '#ffb347', borderColor: '#c0392b', borderWidth: 2.5 },
        },
      }],
      series: [
        { id: 'regions', type: 'map', geoIndex: 0, selectedMode: 'single', data },
        {
          id: 'labels',
          type: 'scatter',
          coordinateSystem: 'geo',
          geoIndex: 0,
          silent: true,
          animation: false,           // names at once, no fade-in
          symbolSize: 0,
          tooltip: { show: false },
          data: labels,
          label: {
            show: true,
            formatter: '{b}',
            color: '#14202c',
            fontSize: many ? 10 : this.el.clientWidth > 1200 ? 13 : 12,
            textBorderColor: 'rgba(255,255,255,0.85)',
            textBorderWidth: 2,
          },
          labelLayout: { hideOverlap: true },
          z: 3,
        },
        {
          id: 'marker',
          type: 'scatter',
          coordinateSystem: 'geo',
          geoIndex: 0,
          symbol: 'pin',
          symbolSize: 38,
          symbolOffset: [0, '-45%'],
          itemStyle: { color: MARKER_COLOR, borderColor: '#fff', borderWidth: 1.5,
                       shadowBlur: 6, shadowColor: 'rgba(0,0,0,0.35)' },
          tooltip: {
            formatter: (p) => `${escapeHtml(p.name)}<br>${p.value[1].toFixed(6)}, ${p.value[0].toFixed(6)}`,
          },
          data: this.markerData(),
          z: 10,
        },
      ],
    }, { notMerge: true });
    this.applySelection();
  }

  /**
   * Draw this.selected as selected. The selection lives in the map series (a
   * geo component hosting a series ignores its own) and is set by action:
   * `selected` in the data is not honoured for a series drawn on a geo, and
   * a redraw (resize) forgets it. Its look is geo.select.itemStyle.
   */
  applySelection() {
    if (this.selected && this.props.has(this.selected))
      this.chart.dispatchAction({ type: 'select', seriesId: 'regions', name: this.selected });
  }

  tooltip(params) {
    if (params.seriesId !== 'regions') return '';
    const p = this.props.get(params.name);
    if (!p) return '';
    const rows = [
      ['户数', `${fmtInt(p.households)} 户`],
      ['人口', `${fmtInt(p.population)} 人`],
    ];
    if (p.level !== 'grid') rows.push(['网格', `${fmtInt(p.grids)} 个`]);
    // Heads: 网格员 of a grid, 网格长 of an area, 站长 of a community; the API
    // names none for a town.
    const headRole = { grid: '网格员', area: '网格长', community: '站长', town: '领导小组组长' }[p.level];
    const h = this.heads.get(params.name);
    const head = h ? `${h.name}${h.phone ? ' ' + h.phone : ''}` : typeof p.head === 'string' ? p.head : p.head?.name;
    if (headRole || head) rows.push([headRole || '负责人', head || '暂未配备']);
    return `<div class="tt"><div class="tt-title">${escapeHtml(p.name)}` +
      `<span class="tt-kind">${escapeHtml(p.kind || '')}</span></div>` +
      rows.map(([k, v]) => `<div class="tt-row"><span>${k}</span><b>${escapeHtml(v)}</b></div>`).join('') +
      (this.pickMode ? '' : '<div class="tt-hint">点击查看详情</div>') + '</div>';
  }
}

/** Bounding box of a FeatureCollection (for the map's proportions). */
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
  for (const f of fc.features) if (f.geometry) walk(f.geometry.coordinates);
  return Number.isFinite(e.minX) ? e : { minX: 113, maxX: 114, minY: 23, maxY: 24 };
}
