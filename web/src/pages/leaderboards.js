import { get, latest, showError } from '../api.js';
import { h } from '../dom.js';
import { money, percent, quantity, count } from '../format.js';
import { select, periodSelect, controlsBar, field, apiSince, ALL_TIME } from '../controls.js';
import { setParams, href } from '../router.js';
import { dataTable, csvButton } from '../table.js';
import { shell, busy, done } from '../page.js';

export const DIMENSIONS = ['team', 'user', 'project', 'model', 'dataset', 'experiment'];
export const METRICS = [['cost', 'Cost'], ['gpu_hours', 'GPU hours'], ['runs', 'Runs'], ['failures', 'Failures'], ['duration', 'Duration'], ['idle_cost', 'Idle GPU cost']];
// The column each metric ranks by, to mark it in the table.
const METRIC_COLUMN = { cost: 'cost_usd', gpu_hours: 'gpu_hours', runs: 'runs', failures: 'failures', duration: 'hours', idle_cost: 'idle_cost_usd' };

// Every cell is the raw API value (money aside), so the table, data-value and CSV agree.
export function leaderboardColumns(by, metric) {
  const cols = [
    { key: 'key', label: by[0].toUpperCase() + by.slice(1), csv: by },
    { key: 'cost_usd', label: 'Cost', kind: 'money' },
    { key: 'share', label: 'Share', kind: 'num', render: (td, v) => { td.style.setProperty('--share', `${Math.min(Math.max(+v || 0, 0), 1) * 100}%`); td.classList.add('share'); td.textContent = percent(v); } },
    { key: 'gpu_hours', label: 'GPU hours', kind: 'num', text: quantity },
    { key: 'runs', label: 'Runs', kind: 'num' },
    { key: 'failures', label: 'Failures', kind: 'num' },
    { key: 'hours', label: 'Hours', kind: 'num', text: quantity },
    { key: 'idle_cost_usd', label: 'Idle GPU cost', kind: 'money' },
    { key: 'saved_by_cache_usd', label: 'Saved by cache', kind: 'money' },
  ];
  for (const c of cols) if (c.key === METRIC_COLUMN[metric]) c.cls = 'metric';
  return cols;
}

export default function leaderboards(root) {
  const loads = latest();
  const by = select('by', DIMENSIONS);
  const metric = select('metric', METRICS);
  const since = periodSelect();
  const until = h('input', { type: 'date', name: 'until', onchange: (e) => setParams({ until: e.target.value }) });
  const download = csvButton();
  const { body } = shell(root, 'Leaderboards',
    controlsBar(field('By', by.el), field('Ranked by', metric.el), field('Period', since.el), field('Until (optional)', until)), h('div', { class: 'actions' }, download.el));

  return {
    async update(q) {
      const p = { by: q.get('by') || 'team', metric: q.get('metric') || 'cost', since: q.get('since') || '30d', until: q.get('until') || '' };
      by.set(p.by); metric.set(p.metric); since.set(p.since);
      until.value = /^\d{4}-\d\d-\d\d$/.test(p.until) ? p.until : '';
      busy(body);
      try {
        const d = await get('/api/v1/top', { ...p, since: apiSince(p.since) }, loads.next());
        const columns = leaderboardColumns(p.by, p.metric);
        const runsFilter = DIMENSIONS.includes(p.by);
        const table = dataTable({
          columns, rows: d.rows || [], testid: 'leaderboard-table', label: `Leaderboard by ${p.by}`,
          rowHref: (r) => (runsFilter && r.key ? href('runs', { [p.by]: r.key, since: p.since === ALL_TIME ? '' : p.since, until: p.until }) : null),
          emptyText: 'No runs in this period: wrap a job with `frugal run -- python train.py`',
        });
        download.set(`leaderboard-${p.by}.csv`, columns, table.rows);
        const t = d.total || {};
        const total = d.rows?.length
          ? h('p', { class: 'summary', 'data-testid': 'leaderboard-total' },
              'Total ', h('strong', { 'data-testid': 'leaderboard-total-cost', 'data-value': t.cost_usd }, money(t.cost_usd)),
              ` · ${count(t.runs, 'run')} · ${count(t.failures, 'failure')} · ${quantity(t.gpu_hours || 0)} GPU hours`)
          : null;
        done(body, total, table.el);
      } catch (e) {
        download.set(null);
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
