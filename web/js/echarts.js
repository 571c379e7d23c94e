/*
 * echarts.js -- the one place pages take ECharts from.
 *
 * Every page imports ECharts through this module so that the settings below
 * apply to all of them (the map on /, the big screen), whichever loads first.
 */
import * as echarts from '/vendor/echarts/echarts.esm.min.mjs';

/*
 * Text measuring for a page that stays open for days. zrender measures
 * label widths with one hidden canvas that it never draws on; Chromium keeps
 * a shaping cache per canvas (PlainTextNode, ~1.2 KB a string) that it only
 * prunes when that canvas finishes a frame, so on that canvas every distinct
 * string ever measured stays: figures that change with each refresh add up
 * to megabytes an hour (bench/screen, docs/performance.md). Measuring on a
 * canvas that is replaced every MEASURE_PER_CANVAS strings bounds it; the
 * widths are the same.
 */
const MEASURE_PER_CANVAS = 400;
let measureCtx = null;
let measured = 0;
echarts.setPlatformAPI({
  measureText(text, font) {
    if (!measureCtx || ++measured > MEASURE_PER_CANVAS) {
      measureCtx = document.createElement('canvas').getContext('2d');
      measured = 0;
    }
    measureCtx.font = font || '12px sans-serif';
    return measureCtx.measureText(text);
  },
});

export { echarts };
