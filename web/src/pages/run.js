import { get, latest, showError, errorBox, isQuiet } from '../api.js';
import { h, section, stat, empty, withCode } from '../dom.js';
import { money, durationMs, time, plain, significant, bytes, count } from '../format.js';
import { dataTable } from '../table.js';
import { runColumns, runHref } from '../runcols.js';
import { chartBox, band, lines, fmt, uPlot } from '../chart.js';
import { shell, busy, done } from '../page.js';

function kvTable(obj, testid, label, emptyText) {
  const rows = Object.entries(obj || {}).map(([key, value]) => ({ key, value }));
  return dataTable({ columns: [{ key: 'key', label: 'Key' }, { key: 'value', label: 'Value' }], rows, testid, label, emptyText }).el;
}

function facts(r) {
  const items = [
    ['Experiment', r.experiment, 'experiment'], ['User', r.user, 'user'], ['Team', r.team, 'team'],
    ['Project', r.project, 'project'], ['Model', r.model, 'model'], ['Dataset', r.dataset, 'dataset'],
    ['Instance', r.instance_type, 'instance-type'], ['Host', r.host, 'host'],
    ['Started (UTC)', time(r.started_at), 'started'], ['Ended (UTC)', time(r.ended_at), 'ended'],
    ['Exit code', r.exit_code, 'exit-code'], ['Attempt', r.attempt, 'attempt'], ['Stop reason', r.stop_reason, 'stop-reason'],
  ];
  return h('dl', { class: 'facts' },
    items.filter(([, v]) => v != null && v !== '').map(([k, v, id]) => [h('dt', {}, k), h('dd', { 'data-testid': `run-${id}` }, plain(v))]),
    r.command ? [h('dt', { class: 'wide' }, 'Command'), h('dd', { class: 'wide' }, h('code', { 'data-testid': 'run-command' }, r.command))] : null);
}

function checkpointTable(list) {
  const keys = [...new Set(list.flatMap((c) => Object.keys(c)))].filter((k) => k !== 'run_id');
  const columns = keys.map((k) => ({ key: k, label: k, kind: list.every((c) => c[k] == null || typeof c[k] === 'number') ? 'num' : 'text' }));
  return dataTable({ columns, rows: list, testid: 'checkpoints-table', label: 'Checkpoints', emptyText: 'No checkpoints recorded.' }).el;
}

// Charts need their box in the page to know their width: each loader fills a placeholder after
// the page is drawn, and failures stay inside that placeholder.
async function metricChart(id, key, box, signal) {
  const s = await get(`/api/v1/runs/${encodeURIComponent(id)}/series`, { key, buckets: 800 }, signal);
  if (!s.x?.length) return box.replaceChildren(h('figcaption', {}, key), empty('No points recorded for this metric.'));
  band(box, { x: s.x, min: s.min, max: s.max, label: key });
}

const NO_HOST = { samples: 0, t: [], cpu_pct: [], rss_bytes: [] };

// What was sampled of the run: GPU charts where GPUs were seen, CPU and memory (of the process
// tree, as `frugal run` watched it) where the host was sampled, and otherwise one line that says
// which of those is missing and why. The run's sample counts spare the requests for none.
async function resources(r, box, signal) {
  const path = `/api/v1/runs/${encodeURIComponent(r.id)}`;
  const counts = r.sample_counts || {};
  const [d, host] = await Promise.all([
    counts.gpu === 0 ? { gpus: [] } : get(`${path}/gpus`, { buckets: 400 }, signal),
    counts.host === 0 ? NO_HOST : get(`${path}/samples`, { buckets: 400 }, signal),
  ]);
  const gpus = d.gpus || [];
  const parts = [];
  const draws = [];
  if (gpus.length) {
    const util = chartBox('gpu-util-chart', 'GPU utilisation'), mem = chartBox('gpu-mem-chart', 'GPU memory');
    parts.push(h('div', { class: 'chart-grid' }, util, mem));
    // GPUs are sampled at their own times; join aligns them on one time axis, gaps spanned.
    const joined = (field) => uPlot.join(gpus.map((g) => [g.t, g[field]]));
    const series = (data) => gpus.map((g, i) => ({ label: `GPU ${g.index}`, values: data[i + 1] }));
    const u = joined('util'), m = joined('mem_gib');
    draws.push(() => lines(util, { x: u[0], series: series(u), format: fmt.pct }), () => lines(mem, { x: m[0], series: series(m), format: fmt.gib }));
  } else {
    const why = host.samples
      ? `\`frugal run\` watched this job (${count(host.samples, 'sample')} of its CPU and memory) and saw no GPU: none was visible to it, so there is no GPU use to show.`
      : 'No resource samples were recorded for this run: `frugal run` takes them every few seconds while it watches a job, so a run logged through the API or MLflow, or one that ended before the first sample, has none.';
    parts.push(h('p', { class: 'muted', 'data-testid': 'gpu-none' }, withCode(why)));
  }
  if (host.samples) {
    const { cpu_pct_mean: mean, cpu_pct_peak: peak, rss_bytes_peak: rss } = host;
    parts.push(h('p', { class: 'summary', 'data-testid': 'host-summary' },
      mean == null ? null : `CPU: mean ${significant(mean, 3)}%, peak ${significant(peak, 3)}% of one core`,
      mean != null && rss != null ? ' · ' : null,
      rss != null ? `Memory (resident): peak ${bytes(rss)}` : null));
    if (host.t.length > 1) {
      const cpuBox = chartBox('cpu-chart', 'CPU, % of one core'), rssBox = chartBox('rss-chart', 'Memory (resident)');
      parts.push(h('div', { class: 'chart-grid' }, cpuBox, rssBox));
      draws.push(() => lines(cpuBox, { x: host.t, series: [{ label: 'CPU', values: host.cpu_pct }], format: fmt.pct }),
        () => lines(rssBox, { x: host.t, series: [{ label: 'RSS', values: host.rss_bytes }], format: fmt.bytes }));
    }
  }
  box.replaceChildren(...parts);
  for (const draw of draws) draw();
}

const ATTEMPT_COLUMNS = [...runColumns('id'), { key: 'attempt', label: 'Attempt', kind: 'num' }, ...runColumns('status', 'started_at', 'duration_ms', 'cost_usd')];

function render(r) {
  const head = h('div', { class: 'stats' },
    stat('Cost', money(r.cost_usd) || '—', 'run-cost'),
    stat('Status', h('span', { class: `status s-${r.status}` }, r.status ?? ''), 'run-status'),
    stat('Duration', durationMs(r.duration_ms) || '—', 'run-duration'),
    stat('GPUs', plain(r.gpu_count ?? '—'), 'run-gpus'));

  const accrual = (r.cost_accrual || []).filter((p) => p.time);
  const costBox = accrual.length > 1 ? chartBox('cost-chart', 'Cost over time (UTC)') : null;
  const metricBoxes = (r.metric_keys || []).map((k) => [k, h('figure', { class: 'chart', 'data-testid': 'metric-chart', 'data-key': k }, h('figcaption', {}, k))]);
  const usage = h('div', { 'data-testid': 'resources' }, h('p', { class: 'loading' }, 'Loading…'));

  const latestRows = Object.entries(r.latest_metrics || {}).map(([key, m]) => ({ key, value: m?.value, step: m?.step }));
  const out = [
    head,
    section('Details', facts(r)),
    costBox ? section(null, costBox) : null,
    section('Metrics',
      latestRows.length
        ? dataTable({ columns: [{ key: 'key', label: 'Metric' }, { key: 'value', label: 'Latest', kind: 'num' }, { key: 'step', label: 'Step', kind: 'num' }], rows: latestRows, testid: 'metrics-table', label: 'Latest metrics' }).el
        : empty('No metrics logged: log them with MLflow against `frugal serve`, or POST them to /api/v1/runs/ID/metrics.'),
      metricBoxes.length ? h('div', { class: 'chart-grid' }, metricBoxes.map(([, b]) => b)) : null),
    section('GPUs, CPU and memory', usage),
    h('div', { class: 'cols' },
      section('Parameters', kvTable(r.params, 'params-table', 'Parameters', 'No parameters.')),
      section('Tags', kvTable(r.tags, 'tags-table', 'Tags', 'No tags.'))),
    r.attempts?.length > 1
      ? section('Attempts', dataTable({ columns: ATTEMPT_COLUMNS, rows: r.attempts, testid: 'attempts-table', rowHref: runHref, label: 'Attempts' }).el)
      : null,
    r.checkpoints?.length ? section('Checkpoints', checkpointTable(r.checkpoints)) : null,
  ];
  const draw = (signal) => {
    if (costBox) lines(costBox, { x: accrual.map((p) => Date.parse(p.time) / 1000), series: [{ label: 'cost', values: accrual.map((p) => parseFloat(p.cost_usd)) }], format: fmt.money });
    const fail = (box) => (e) => { if (!isQuiet(e)) box.append(errorBox(e)); };
    for (const [k, box] of metricBoxes) metricChart(r.id, k, box, signal).catch(fail(box));
    resources(r, usage, signal).catch((e) => { if (!isQuiet(e)) usage.replaceChildren(errorBox(e)); });
  };
  return { out, draw };
}

export default function run(root, id) {
  const loads = latest();
  const { body, heading } = shell(root, `Run ${id}`, h('a', { class: 'back', href: '#/runs' }, '« All runs'));
  return {
    async update() {
      busy(body);
      const signal = loads.next();
      try {
        const r = await get(`/api/v1/runs/${encodeURIComponent(id)}`, null, signal);
        heading.textContent = r.name ? `Run ${r.id} · ${r.name}` : `Run ${r.id}`;
        document.title = `Frugal · ${heading.textContent}`;
        const { out, draw } = render(r);
        done(body, out);
        draw(signal);
      } catch (e) {
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
