import uPlot from 'uplot';
import { h } from './dom.js';
import { money, significant, compact, bytes } from './format.js';

export const PALETTE = ['#2f6fdd', '#e8833a', '#3aa676', '#c94f6d', '#8a63d2', '#c9a227', '#2aa5b8', '#7f7f7f', '#b5651d', '#5b8c2a'];
const HEIGHT = 220;

const fade = (hex, a) => hex + Math.round(a * 255).toString(16).padStart(2, '0');

// The API speaks UTC; so do the axes, or a day's bar would straddle two local dates.
const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

export const dayToTs = (d) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) / 1000;

export const fmt = {
  money: { axis: (v) => `$${compact(v)}`, legend: (v) => money(v) },
  pct: { axis: (v) => `${compact(v)}%`, legend: (v) => (v == null ? '' : `${significant(v, 3)}%`) },
  gib: { axis: (v) => `${compact(v)} GiB`, legend: (v) => (v == null ? '' : `${significant(v, 3)} GiB`) },
  num: { axis: (v) => compact(v), legend: (v) => significant(v) },
  bytes: { axis: (v) => bytes(v), legend: (v) => (v == null ? '' : bytes(v)) },
};

// A chart box of fixed height (reserved in CSS), resized with its container. It tears itself
// down once the page that drew it is gone.
export function mount(box, opts, data) {
  const width = () => Math.max(240, box.clientWidth);
  // One x value gives uPlot an empty range, which it widens to years: pad it, and show the point.
  if (data[0].length === 1) {
    const x = data[0][0], pad = opts.scales?.x?.time === false ? 1 : 86400;
    opts = { ...opts, scales: { ...opts.scales, x: { ...opts.scales?.x, range: () => [x - pad, x + pad] } } };
    opts.series = opts.series.map((s, i) => (i ? { ...s, points: { show: true, size: 8 } } : s));
  }
  const u = new uPlot({ width: width(), height: HEIGHT, tzDate: utc, ...opts }, data, box);
  let frame = 0;
  const ro = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    // Deferred a frame: resizing inside the observer's callback can trip its loop guard.
    frame = requestAnimationFrame(() => {
      if (!box.isConnected) { ro.disconnect(); u.destroy(); return; }
      if (u.width !== width()) u.setSize({ width: width(), height: HEIGHT });
    });
  });
  ro.observe(box);
  return u;
}

export function chartBox(testid, title) {
  return h('figure', { class: 'chart', 'data-testid': testid }, title ? h('figcaption', {}, title) : null);
}

// The y axis is as wide as its longest label, so "$12.5k" and "61.25 GiB" both fit.
const ySize = (u, values) => (values?.length ? Math.max(...values.map((v) => v.length)) * 8 + 22 : 40);

function axes(f, xTime) {
  const common = { stroke: '#6b7280', grid: { stroke: '#eef0f3', width: 1 }, ticks: { stroke: '#e5e7eb', width: 1 } };
  return [
    { ...common, space: 70, ...(xTime ? {} : { values: (u, s) => s.map(compact) }) },
    { ...common, size: ySize, values: (u, s) => s.map(f.axis) },
  ];
}

// Stacked areas: each layer is drawn as the running total and filled down to the layer below;
// the legend shows each layer's own value, not the running total.
export function stacked(box, { x, layers, format = fmt.money }) {
  const acc = new Array(x.length).fill(0);
  const data = [x];
  for (const l of layers) data.push(l.values.map((v, i) => (acc[i] += v || 0)));
  const series = [{ label: 'Day' }, ...layers.map((l, i) => {
    const c = PALETTE[i % PALETTE.length];
    return { label: l.label, stroke: c, fill: fade(c, 0.55), width: 1, points: { show: false }, value: (u, v, si, di) => (di == null ? '' : format.legend(l.values[di] || 0)) };
  })];
  const bands = layers.slice(1).map((_, i) => ({ series: [i + 2, i + 1] }));
  return mount(box, { series, bands, axes: axes(format, true), scales: { y: { range: (u, min, max) => [0, max > 0 ? max * 1.05 : 1] } } }, data);
}

// Lines sharing one x; x is unix seconds when time is true.
export function lines(box, { x, series, format = fmt.num, time = true }) {
  const s = series.map((l, i) => ({ label: l.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true, points: { show: false }, value: (u, v) => format.legend(v) }));
  return mount(box, { series: [{ label: time ? 'Time' : 'Step' }, ...s], axes: axes(format, time), scales: { x: { time } } }, [x, ...series.map((l) => l.values)]);
}

// A downsampled metric: min and max of each bucket, the space between them filled.
export function band(box, { x, min, max, label }) {
  const c = PALETTE[0];
  return mount(box, {
    series: [{ label: 'Step' }, { label: `${label} min`, stroke: c, width: 1, points: { show: false } }, { label: `${label} max`, stroke: c, width: 1, points: { show: false } }],
    bands: [{ series: [2, 1], fill: fade(c, 0.2) }],
    axes: axes(fmt.num, false),
    scales: { x: { time: false } },
  }, [x, min, max]);
}

export { uPlot };
