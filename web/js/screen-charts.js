// screen-charts.js - the big screen's ECharts panels: child units ranked by
// 办结率, categories, the 30-day trend, sources, internal vs external loop.
//
// Each panel is created once (init + a full option) and then only updated
// with setOption on the same series ids: the screen stays open for days and
// must not leak instances or grow.

import { echarts } from './echarts.js';
import { fmtInt } from './util.js';


const TEXT = '#dce9fb';
const DIM = '#9db7da';
const GRID_LINE = 'rgba(90,140,210,0.22)';
const FONT = 17;
const SOURCE_COLORS = ['#46c3ff', '#35d49a', '#ffb23f', '#ff6f7d', '#b38cff'];

const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

function base() {
  return {
    animationDurationUpdate: 500,
    textStyle: { fontFamily: 'Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif', color: TEXT },
    tooltip: { backgroundColor: 'rgba(6,24,54,0.95)', borderColor: '#2f72c4', textStyle: { color: TEXT, fontSize: 17 } },
  };
}

export class Panels {
  constructor(els) {
    this.rank = echarts.init(els.rank);
    this.cat = echarts.init(els.cat);
    this.trend = echarts.init(els.trend);
    this.source = echarts.init(els.source);
    this.loop = echarts.init(els.loop);
    this.all = [this.rank, this.cat, this.trend, this.source, this.loop];
    this.initOptions();
  }

  initOptions() {
    this.rank.setOption({
      ...base(),
      tooltip: { ...base().tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
                 formatter: (ps) => this.rankTip(ps) },
      grid: { left: 8, right: 150, top: 4, bottom: 4, containLabel: true },
      xAxis: { type: 'value', min: 0, max: 100, show: false },
      yAxis: { type: 'category', inverse: true, data: [], axisLine: { show: false }, axisTick: { show: false },
               axisLabel: { color: TEXT, fontSize: 16, width: 118, overflow: 'truncate', interval: 0 } },
      series: [{
        id: 'rate', type: 'bar', barWidth: '62%', data: [],
        showBackground: true, backgroundStyle: { color: 'rgba(40,90,160,0.25)' },
        itemStyle: { borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: 'right', color: TEXT, fontSize: 16, distance: 8,
                 formatter: (p) => this.rankLabel(p.dataIndex) },
      }],
    });
    this.cat.setOption({
      ...base(),
      tooltip: { ...base().tooltip, trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0, right: 4, textStyle: { color: DIM, fontSize: 16 }, itemWidth: 14, itemHeight: 10 },
      grid: { left: 6, right: 64, top: 30, bottom: 0, containLabel: true },
      yAxis: { type: 'category', inverse: true, data: [], axisLabel: { color: TEXT, fontSize: 17, interval: 0 },
               axisLine: { lineStyle: { color: '#2f5a92' } }, axisTick: { show: false } },
      xAxis: { type: 'value', axisLabel: { show: false }, splitLine: { lineStyle: { color: GRID_LINE } } },
      series: [
        { id: 'reported', name: '上报', type: 'bar', data: [], barGap: '15%', barWidth: '36%',
          label: { show: true, position: 'right', color: '#8fd8ff', fontSize: 15, formatter: (p) => fmtInt(p.value) },
          itemStyle: { borderRadius: [0, 3, 3, 0], color: new echarts.graphic.LinearGradient(0, 0, 1, 0, [{ offset: 0, color: '#1b5fb4' }, { offset: 1, color: '#5fd0ff' }]) } },
        { id: 'closed', name: '办结', type: 'bar', data: [], barWidth: '36%',
          label: { show: true, position: 'right', color: '#7ff0c0', fontSize: 15, formatter: (p) => fmtInt(p.value) },
          itemStyle: { borderRadius: [0, 3, 3, 0], color: new echarts.graphic.LinearGradient(0, 0, 1, 0, [{ offset: 0, color: '#13805a' }, { offset: 1, color: '#6ff0b8' }]) } },
      ],
    });
    this.trend.setOption({
      ...base(),
      tooltip: { ...base().tooltip, trigger: 'axis' },
      legend: { top: 0, right: 4, textStyle: { color: DIM, fontSize: 16 }, itemWidth: 18, itemHeight: 10 },
      grid: { left: 6, right: 14, top: 32, bottom: 2, containLabel: true },
      xAxis: { type: 'category', boundaryGap: false, data: [], axisLabel: { color: DIM, fontSize: 15, interval: 6 },
               axisLine: { lineStyle: { color: '#2f5a92' } }, axisTick: { show: false } },
      yAxis: { type: 'value', axisLabel: { color: DIM, fontSize: 15 }, splitLine: { lineStyle: { color: GRID_LINE } } },
      series: [
        { id: 'reported', name: '上报', type: 'line', smooth: true, symbol: 'none', data: [],
          lineStyle: { width: 3, color: '#46c3ff' }, itemStyle: { color: '#46c3ff' },
          areaStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1, [{ offset: 0, color: 'rgba(70,195,255,0.45)' }, { offset: 1, color: 'rgba(70,195,255,0)' }]) } },
        { id: 'closed', name: '办结', type: 'line', smooth: true, symbol: 'none', data: [],
          lineStyle: { width: 3, color: '#35d49a' }, itemStyle: { color: '#35d49a' } },
      ],
    });
    this.source.setOption({
      ...base(),
      tooltip: { ...base().tooltip, trigger: 'item', formatter: (p) => `${p.name}<br>${fmtInt(p.value)} 件` },
      grid: { left: 2, right: 56, top: 6, bottom: 0, containLabel: true },
      yAxis: { type: 'category', inverse: true, data: [], axisLabel: { color: TEXT, fontSize: 16, interval: 0 },
               axisLine: { show: false }, axisTick: { show: false } },
      xAxis: { type: 'value', show: false },
      series: [{
        id: 'src', type: 'bar', barWidth: '56%', data: [],
        label: { show: true, position: 'right', color: TEXT, fontSize: 15, formatter: (p) => fmtInt(p.value) },
        itemStyle: { borderRadius: [0, 3, 3, 0], color: (p) => SOURCE_COLORS[p.dataIndex % SOURCE_COLORS.length] },
      }],
    });
    this.loop.setOption({
      ...base(),
      tooltip: { ...base().tooltip, trigger: 'item', formatter: (p) => `${p.name}<br>上报 ${fmtInt(p.value)} 件<br>办结 ${fmtInt(p.data.closed)} 件` },
      color: ['#35d49a', '#ffb23f'],
      title: { id: 'c', text: '', subtext: '内循环占比', left: 'center', top: '32%',
               textStyle: { color: '#fff', fontSize: 26, fontWeight: 700 }, subtextStyle: { color: DIM, fontSize: 15 }, itemGap: 2 },
      legend: { bottom: 0, orient: 'vertical', textStyle: { color: TEXT, fontSize: 15 }, itemWidth: 12, itemHeight: 10, itemGap: 4 },
      series: [{
        id: 'loop', type: 'pie', radius: ['52%', '76%'], center: ['50%', '40%'], data: [],
        label: { show: false }, itemStyle: { borderColor: '#071c3f', borderWidth: 2 },
      }],
    });
  }

  /** Update every panel from a summary (GET /api/v1/screen/summary). */
  update(s) {
    this.units = s.children?.units || [];
    // the axis starts a little below the lowest rate, so 99.2 % and 99.9 % differ
    const rates = this.units.map((u) => u.close_rate).filter((r) => r !== null && r !== undefined);
    const lo = rates.length ? Math.max(0, Math.floor(Math.min(...rates) * 100) - 2) : 0;
    this.rank.setOption({
      xAxis: { min: lo, max: 100 },
      yAxis: { data: this.units.map((u) => childLabel(u.name, s.unit?.name)) },
      series: [{
        id: 'rate',
        data: this.units.map((u) => ({
          value: u.close_rate === null ? lo : +(u.close_rate * 100).toFixed(2),
          itemStyle: { color: rankColor(u.close_rate) },
        })),
      }],
    });
    const cats = s.by_category || [];
    this.cat.setOption({
      yAxis: { data: cats.map((c) => c.name) },
      series: [{ id: 'reported', data: cats.map((c) => c.reported) }, { id: 'closed', data: cats.map((c) => c.closed) }],
    });
    const t = s.trend || { days: [], reported: [], closed: [] };
    this.trend.setOption({
      xAxis: { data: t.days.map((d) => d.slice(5)) },
      series: [{ id: 'reported', data: t.reported }, { id: 'closed', data: t.closed }],
    });
    const src = s.by_source || [];
    this.source.setOption({
      yAxis: { data: src.map((x) => x.label) },
      series: [{ id: 'src', data: src.map((x) => x.reported) }],
    });
    const lp = s.loop || { internal: { reported: 0, closed: 0 }, external: { reported: 0, closed: 0 } };
    const all = lp.internal.reported + lp.external.reported;
    this.loop.setOption({
      title: { id: 'c', text: all ? `${((100 * lp.internal.reported) / all).toFixed(1)}%` : '—' },
      series: [{
        id: 'loop',
        data: [
          { name: `内循环 ${fmtInt(lp.internal.reported)}`, value: lp.internal.reported, closed: lp.internal.closed },
          { name: `外循环 ${fmtInt(lp.external.reported)}`, value: lp.external.reported, closed: lp.external.closed },
        ],
      }],
    });
  }

  rankLabel(i) {
    const u = this.units?.[i];
    if (!u) return '';
    return `${pct(u.close_rate)}  ${fmtInt(u.closed)}/${fmtInt(u.due)}`;
  }

  rankTip(ps) {
    const u = this.units?.[ps[0]?.dataIndex];
    if (!u) return '';
    return `<b>${u.rank}. ${u.name}</b><br>办结率 ${pct(u.close_rate)}<br>按期办结率 ${pct(u.on_time_rate)}` +
      `<br>本月上报 ${fmtInt(u.reported)}，办结 ${fmtInt(u.closed)}，应办结 ${fmtInt(u.due)}` +
      `<br>待办 ${fmtInt(u.open)}，超期 ${fmtInt(u.overdue)}`;
  }

  resize() {
    for (const c of this.all) c.resize();
  }
}

/**
 * A child unit's name on the ranking's axis, without its parent's name at
 * its head: a community's grids are 三元里社区第1网格, 三元里社区第2网格 …,
 * and the axis shows about seven characters, so every one read
 * "三元里社区第…". The tooltip keeps the full name.
 */
export function childLabel(name, parent) {
  return parent && name.startsWith(parent) && name.length > parent.length ? name.slice(parent.length) : name;
}

function rankColor(r) {
  if (r === null || r === undefined) return '#40587a';
  if (r >= 0.98) return '#35d49a';
  if (r >= 0.95) return '#46c3ff';
  if (r >= 0.9) return '#ffb23f';
  return '#ff5b6b';
}
