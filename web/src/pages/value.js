import { get, latest, showError, isAdmin } from '../api.js';
import { h, section, stat, empty, withCode } from '../dom.js';
import { money, significant, count, percent, compact } from '../format.js';
import { select, textInput, periodSelect, controlsBar, field, apiSince, ALL_TIME } from '../controls.js';
import { setParams, href } from '../router.js';
import { dataTable, csvButton, linkCell } from '../table.js';
import { shell, busy, done } from '../page.js';

// What each dollar bought: an experiment's runs, the target metric against what each cost, and the
// Pareto frontier (the runs no cheaper run matches). Filters live in the URL:
// #/value?experiment=sweep&metric=val_acc&direction=max&within=1&at=best&since=all

const DIRECTIONS = [['', 'As the stopping rules say'], ['max', 'Higher'], ['min', 'Lower']];
const AT = [['best', 'Its best'], ['last', 'Its last']];
const HOW = "`frugal run --experiment NAME --metric 'val_acc=val_acc: ([0-9.]+)' -- python train.py`";
const runLink = (id) => `#/runs/${encodeURIComponent(id)}`;

// "val_acc:max" in the URL (or typed in the box) is the metric and its direction.
export function splitMetric(text, direction) {
  const m = /^(.*):(max|min)$/.exec(text || '');
  return m ? { metric: m[1], direction: direction || m[2] } : { metric: text || '', direction: direction || '' };
}

// "Why is this run not on the plot": what it lacks.
export function whyApart(r, metric) {
  const noValue = r.value == null, noPrice = r.cost_usd == null;
  if (noValue && noPrice) return `no ${metric}, no price`;
  return noValue ? `no metric: it never reported ${metric}` : 'no price: its cost is unknown';
}

// Round tick values for [lo, hi]: steps of 1, 2 or 5 times a power of ten.
export function ticks(lo, hi, n = 5) {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / Math.max(1, n);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw * 0.75);
  const out = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) out.push(+(i * step).toPrecision(12));
  return out;
}

// The plotted range: costs from $0, values padded a little so no point sits on the frame.
function xDomain(costs) {
  const hi = Math.max(...costs);
  return [0, hi > 0 ? hi * 1.06 : 1];
}
function yDomain(values) {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (hi === lo) {
    const pad = Math.abs(hi) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null && v !== false) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) if (c != null && c !== false) el.append(c);
  return el;
}

const HEIGHT = 300;

// The scatter as inline SVG, drawn at the box's width: cost across, the metric up. Frontier runs
// are filled and joined by a step line in cost order (at each cost, the best value bought so far);
// dominated runs are dimmed. Each point is a link to its run, with a title that names it.
function scatter(box, all, metric, direction) {
  const runs = all.filter((r) => r.value != null && r.cost_usd != null);
  const W = Math.max(260, box.clientWidth);
  const costs = runs.map((r) => parseFloat(r.cost_usd));
  const values = runs.map((r) => r.value);
  const [x0, x1] = xDomain(costs), [y0, y1] = yDomain(values);
  const yTicks = ticks(y0, y1, 5);
  const yLabels = yTicks.map((v) => significant(v, 3));
  const left = Math.max(...yLabels.map((l) => l.length)) * 7 + 34, right = 16, top = 12, bottom = 42;
  const xTicks = ticks(x0, x1, Math.max(2, Math.floor((W - left - right) / 110)));
  const X = (c) => left + ((c - x0) / (x1 - x0)) * (W - left - right);
  const Y = (v) => top + (1 - (v - y0) / (y1 - y0)) * (HEIGHT - top - bottom);

  const grid = [
    ...yTicks.map((v, i) => [s('line', { x1: left, x2: W - right, y1: Y(v), y2: Y(v), class: 'grid' }),
      s('text', { x: left - 6, y: Y(v), class: 'tick y' }, yLabels[i])]),
    ...xTicks.map((c) => [s('line', { x1: X(c), x2: X(c), y1: top, y2: HEIGHT - bottom, class: 'grid' }),
      s('text', { x: X(c), y: HEIGHT - bottom + 16, class: 'tick x' }, `$${compact(c)}`)]),
    s('text', { x: left + (W - left - right) / 2, y: HEIGHT - 6, class: 'axis-title' }, 'Cost (USD)'),
    s('text', { x: 12, y: top + (HEIGHT - top - bottom) / 2, class: 'axis-title', transform: `rotate(-90 12 ${top + (HEIGHT - top - bottom) / 2})` },
      `${metric} (${direction === 'min' ? 'lower' : 'higher'} is better)`),
  ];

  // The frontier as a staircase: flat until the next frontier run's cost, then up (or down) to it.
  const frontier = runs.filter((r) => r.on_frontier).sort((a, b) => parseFloat(a.cost_usd) - parseFloat(b.cost_usd));
  let d = '';
  frontier.forEach((r, i) => {
    const x = X(parseFloat(r.cost_usd)), y = Y(r.value);
    d += i ? ` H${x.toFixed(1)} V${y.toFixed(1)}` : `M${x.toFixed(1)} ${y.toFixed(1)}`;
  });

  const point = (r) => {
    const kind = r.on_frontier ? 'frontier' : r.dominated_by != null ? 'dominated' : 'other';
    const label = `${r.name || `run ${r.run_id}`} (run ${r.run_id}): ${money(r.cost_usd)}, ${metric} ${significant(r.value)}`
      + (r.on_frontier ? ', on the frontier' : r.dominated_by != null ? `, dominated by run ${r.dominated_by}` : '');
    return s('a', { href: runLink(r.run_id), class: `point ${kind}`, 'data-testid': 'value-point', 'data-run-id': r.run_id, 'aria-label': label },
      s('title', {}, label),
      s('circle', { cx: X(parseFloat(r.cost_usd)).toFixed(1), cy: Y(r.value).toFixed(1), r: r.on_frontier ? 6 : 4.5 }));
  };
  // Dominated runs underneath, frontier runs on top: a click on a frontier point always reaches it.
  const order = [...runs].sort((a, b) => Number(a.on_frontier) - Number(b.on_frontier));
  const svg = s('svg', { width: W, height: HEIGHT, viewBox: `0 0 ${W} ${HEIGHT}`, role: 'img', class: 'scatter',
    'aria-label': `${metric} against cost: ${count(runs.length, 'run')}, ${frontier.length} on the frontier` },
  s('g', {}, grid),
  s('rect', { x: left, y: top, width: W - left - right, height: HEIGHT - top - bottom, class: 'frame' }),
  d ? s('path', { d, class: 'frontier-line', 'data-testid': 'value-frontier-line' }) : null,
  s('g', {}, order.map(point)));
  box.querySelector('svg')?.remove();
  box.insertBefore(svg, box.querySelector('.value-legend'));
}

// Draws once the box is in the page (it needs its width), again when the width changes, and lets
// go when the page that drew it is gone.
function mountScatter(box, ...args) {
  scatter(box, ...args);
  let frame = 0, width = box.clientWidth;
  const ro = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      if (!box.isConnected) return ro.disconnect();
      if (box.clientWidth !== width) { width = box.clientWidth; scatter(box, ...args); }
    });
  });
  ro.observe(box);
}

function runColumns(metric, within, summary) {
  const tags = (r) => [
    r.run_id === summary.best_run ? h('span', { class: 'status s-finished value-tag', 'data-testid': 'value-best-tag' }, 'best') : null,
    r.run_id === summary.cheapest_within_run ? h('span', { class: 'status s-running value-tag', 'data-testid': 'value-cheapest-tag' }, `cheapest within ${within}%`) : null,
  ];
  return [
    { key: 'run_id', label: 'Run', kind: 'num', render: linkCell((r) => runLink(r.run_id)) },
    { key: 'name', label: 'Name', render: (td, v, r) => td.append(v ?? '', ...tags(r).filter(Boolean)) },
    { key: 'user', label: 'User' },
    { key: 'cost_usd', label: 'Cost', kind: 'money' },
    { key: 'value', label: metric, kind: 'num' },
    { key: 'step', label: 'Step', kind: 'num' },
    { key: 'cost_to_within_usd', label: `Cost to within ${within}%`, kind: 'money' },
    { key: 'on_frontier', label: 'Frontier', render: (td, v) => v && td.append(h('span', { class: 'status s-finished' }, 'yes')) },
    { key: 'dominated_by', label: 'Dominated by', render: (td, v) => v != null && td.append(h('a', { href: runLink(v), tabindex: -1 }, String(v))) },
  ];
}

function apartColumns(metric) {
  return [
    { key: 'run_id', label: 'Run', kind: 'num', render: linkCell((r) => runLink(r.run_id)) },
    { key: 'name', label: 'Name' },
    { key: 'user', label: 'User' },
    { key: 'status', label: 'Status', render: (td, v) => td.append(h('span', { class: `status s-${v}` }, v ?? '')) },
    { key: 'cost_usd', label: 'Cost', kind: 'money' },
    { key: 'value', label: metric, kind: 'num' },
    { key: 'why', label: 'Not plotted because', value: (r) => whyApart(r, metric), cls: 'wrap', testid: 'value-apart-why' },
  ];
}

// A run named in the summary: its id as a link, then its name, value and cost.
function runStat(label, id, byId, metric, testid) {
  const r = id == null ? null : byId.get(id);
  if (!r) return stat(label, '—', testid);
  return stat(label, h('a', { href: runLink(id) }, `Run ${id}`), testid,
    h('div', { class: 'stat-sub' }, `${r.name || ''} · ${metric} ${significant(r.value)} · ${money(r.cost_usd)}`));
}

function summary(d, metric) {
  const sum = d.summary || {};
  const within = significant(d.within_pct ?? 1);
  const byId = new Map([...(d.runs || []), ...(d.apart || [])].map((r) => [r.run_id, r]));
  const total = parseFloat(sum.total_cost_usd);
  const share = (v) => (total > 0 && parseFloat(v) > 0 ? `${percent(parseFloat(v) / total)} of the total` : null);
  const money$ = (label, v, testid, sub) => {
    const el = stat(label, money(v) || '—', testid, sub ? h('div', { class: 'stat-sub' }, sub) : null);
    el.querySelector('.stat-value').dataset.value = v ?? '';
    return el;
  };
  return h('div', { class: 'stats value-stats', 'data-testid': 'value-summary' },
    runStat('Best run', sum.best_run, byId, metric, 'value-best-run'),
    runStat(`Cheapest within ${within}% of the best`, sum.cheapest_within_run, byId, metric, 'value-cheapest-within'),
    money$('Total spent', sum.total_cost_usd, 'value-total-cost', `${count(sum.runs, 'run')}, ${sum.placed ?? 0} plotted`),
    money$('Spent on dominated runs', sum.dominated_cost_usd, 'value-dominated-cost', share(sum.dominated_cost_usd) || 'a cheaper run did as well'),
    money$('Early stopping would have saved', sum.early_stop_saving_usd, 'value-early-stop-saving', `stopping each run once within ${within}% of its own best`));
}

// No experiment chosen: say what the page needs, and (to an admin, who may list them) offer the
// experiments there are.
async function pickExperiment(signal) {
  const intro = empty(`Choose an experiment and its metric above. An experiment's runs are those started with ${HOW}; \`frugal value --experiment NAME --metric val_acc:max\` prints the same in a terminal.`);
  if (!isAdmin()) return [intro];
  const top = await get('/api/v1/top', { by: 'experiment', metric: 'runs', since: apiSince(ALL_TIME) }, signal);
  const names = (top.rows || []).map((r) => r.key).filter(Boolean);
  if (!names.length) return [intro];
  return [intro, section('Experiments', h('ul', { class: 'value-experiments', 'data-testid': 'value-experiments' },
    names.map((n) => h('li', {}, h('a', { href: href('value', { experiment: n }) }, n)))))];
}

// An experiment but no metric: offer the metrics its latest runs reported (one may have none).
const PEEK_RUNS = 5;
async function pickMetric(experiment, p, signal) {
  const list = await get('/api/v1/runs', { experiment, limit: PEEK_RUNS, since: p.since === ALL_TIME ? '' : p.since, until: p.until }, signal);
  if (!list.runs?.length) return [noRuns(experiment, p)];
  const details = await Promise.all(list.runs.map((r) => get(`/api/v1/runs/${encodeURIComponent(r.id)}`, null, signal)));
  const keys = [...new Set(details.flatMap((r) => r.metric_keys || Object.keys(r.latest_metrics || {})))].sort();
  const say = empty(`Name the metric to compare the runs of \`${experiment}\` by${keys.length ? ', e.g. one its latest runs reported:' : ': its runs record metrics with `--metric NAME=REGEX`.'}`);
  if (keys.length) say.append(' ', ...keys.flatMap((k, i) => [i ? ', ' : '', h('a', { href: href('value', { ...p, metric: k }), 'data-testid': 'value-metric-link' }, k)]));
  return [say];
}

function noRuns(experiment, p) {
  const el = empty(`No run of experiment \`${experiment}\`${p.since === ALL_TIME ? '' : ' in this period'} that this token may read. Runs join it when started with ${HOW.replace('NAME', experiment)}.`);
  if (p.since !== ALL_TIME) el.append(' ', h('a', { href: href('value', { ...p, since: ALL_TIME }), 'data-testid': 'value-widen' }, 'Show all time'));
  return el;
}

export default function value(root) {
  const loads = latest();
  const experiment = textInput('experiment', { placeholder: 'e.g. sweep' });
  const metric = textInput('metric', { placeholder: 'e.g. val_acc' });
  const direction = select('direction', DIRECTIONS);
  const within = h('input', { type: 'number', name: 'within', min: 0, max: 99.9, step: 'any', onchange: (e) => setParams({ within: e.target.value }) });
  const at = select('at', AT);
  const since = periodSelect();
  const download = csvButton();
  const { body } = shell(root, 'Value',
    controlsBar(field('Experiment', experiment.el), field('Metric', metric.el), field('Better', direction.el),
      field('Within % of the best', within), field('Value of a run', at.el), field('Period', since.el)),
    h('div', { class: 'actions' }, download.el));

  return {
    async update(q) {
      const split = splitMetric(q.get('metric'), q.get('direction'));
      const p = {
        experiment: q.get('experiment') || '', metric: q.get('metric') || '', direction: q.get('direction') || '',
        within: q.get('within') || '1', at: q.get('at') || 'best', since: q.get('since') || ALL_TIME, until: q.get('until') || '',
      };
      experiment.set(p.experiment);
      metric.set(split.metric);
      direction.set(split.direction);
      within.value = p.within;
      at.set(p.at);
      since.set(p.since);
      download.set(null);
      busy(body);
      const signal = loads.next();
      try {
        if (!p.experiment) return done(body, await pickExperiment(signal));
        if (!split.metric) return done(body, await pickMetric(p.experiment, p, signal));
        const d = await get('/api/v1/value', {
          experiment: p.experiment, metric: split.direction ? `${split.metric}:${split.direction}` : split.metric,
          at: p.at, within: p.within, since: apiSince(p.since), until: p.until,
        }, signal);
        const runs = d.runs || [], apart = d.apart || [];
        if (!runs.length && !apart.length) return done(body, noRuns(p.experiment, p));
        const name = d.metric || split.metric;
        const pct = significant(d.within_pct ?? p.within);
        const columns = runColumns(name, pct, d.summary || {});
        const table = dataTable({ columns, rows: runs, testid: 'value-table', rowTestid: 'value-row', label: `Runs of ${p.experiment} by cost`,
          rowHref: (r) => runLink(r.run_id), emptyText: `No run of \`${p.experiment}\` has both a value of ${name} and a price: the runs below say which each lacks.` });
        download.set(`value-${p.experiment.replace(/[^\w-]+/g, '_')}.csv`, columns, table.rows);
        const from = [...runs, ...apart].find((r) => r.direction_from)?.direction_from;
        const chart = h('figure', { class: 'value-chart', 'data-testid': 'value-chart' },
          h('figcaption', {}, `${name} against cost · ${runs.filter((r) => r.on_frontier).length} on the frontier: no cheaper run did as well`),
          h('ul', { class: 'value-legend', 'data-testid': 'value-legend' },
            h('li', { class: 'frontier' }, 'On the frontier'), h('li', { class: 'dominated' }, 'Dominated: a cheaper run did as well'),
            h('li', { class: 'line' }, 'The frontier, in cost order')));
        done(body,
          h('p', { class: 'muted', 'data-testid': 'value-direction' }, ...withCode(
            `${d.direction === 'min' ? 'Lower' : 'Higher'} ${name} is better${from ? ` (from ${from.startsWith('--') ? `\`${from}\`` : from})` : ''}; each run's value is its ${p.at === 'last' ? 'last' : 'best'}. Click a point or a row to open the run.`)),
          summary(d, name),
          section('Quality against cost', runs.length ? chart : empty(`No run has both a value of ${name} and a price, so there is nothing to plot: the runs below say which each lacks.`)),
          section(`Runs, cheapest first`, table.el),
          apart.length
            ? section(`Not plotted (${apart.length})`, dataTable({ columns: apartColumns(name), rows: apart, testid: 'value-apart-table', rowTestid: 'value-apart-row',
              label: 'Runs without the metric or a price', rowHref: (r) => runLink(r.run_id) }).el)
            : null);
        if (runs.length) mountScatter(chart, runs, name, d.direction);
      } catch (e) {
        download.set(null);
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
