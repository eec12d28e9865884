import { get, latest, showError } from '../api.js';
import { h, section, stat, empty } from '../dom.js';
import { money, change, day } from '../format.js';
import { periodSelect, controlsBar, field, apiSince } from '../controls.js';
import { dataTable } from '../table.js';
import { chartBox, stacked, dayToTs } from '../chart.js';
import { runColumns, runHref } from '../runcols.js';
import { quotaTable } from '../quota.js';
import { shell, busy, done } from '../page.js';

const NO_RUNS = 'No runs yet: wrap a job with `frugal run -- python train.py`';
const NO_SPEND = 'No spend in this period: try a longer one, or wrap a job with `frugal run -- python train.py`.';

// Days × teams from the API's sparse (day, team, cost) rows; a team without spend on a day is 0.
export function dailyByTeam(daily, byTeam) {
  const days = [...new Set(daily.map((d) => d.day))].sort();
  const teams = byTeam.map((t) => t.team);
  for (const d of daily) if (!teams.includes(d.team)) teams.push(d.team);
  const at = new Map(days.map((d, i) => [d, i]));
  const layers = teams.map((t) => ({ label: t || '(no team)', values: new Array(days.length).fill(0) }));
  for (const d of daily) layers[teams.indexOf(d.team)].values[at.get(d.day)] += parseFloat(d.cost_usd) || 0;
  return { x: days.map(dayToTs), layers };
}

function render(d) {
  const delta = change(d.spend_usd, d.previous_spend_usd);
  const up = parseFloat(d.spend_usd) > parseFloat(d.previous_spend_usd);
  const stats = h('div', { class: 'stats' },
    stat('Spend', money(d.spend_usd), 'spend', h('div', { class: 'stat-sub' }, `${day(d.since)} – ${day(d.until)}`)),
    stat('Previous period', money(d.previous_spend_usd), 'previous-spend', h('div', { class: 'stat-sub' }, `${day(d.previous_since)} – ${day(d.previous_until)}`)),
    stat('Change', delta || '—', 'spend-change', null),
    stat('Saved by early stops', money(d.saved?.early_stop_usd), 'saved-early-stop'),
    stat('Saved by the cache', money(d.saved?.cache_usd), 'saved-cache'),
    stat('Egress avoided', money(d.saved?.egress_usd), 'saved-egress'),
    stat('Saved by spot', money(d.saved?.spot_usd), 'saved-spot'),
    stat('Open recommendations', String(d.recommendations_open ?? 0), 'recommendations-open'),
  );
  if (delta) stats.querySelector('[data-testid=spend-change]').classList.add(up ? 'up' : 'down');

  const chart = chartBox('spend-chart');
  const hasDaily = d.daily?.length > 0;
  const teams = dataTable({
    columns: [{ key: 'team', label: 'Team' }, { key: 'cost_usd', label: 'Spend', kind: 'money' }],
    rows: d.by_team || [], testid: 'by-team-table', label: 'Spend by team', emptyText: NO_SPEND,
  });
  const runs = dataTable({
    columns: runColumns('id', 'name', 'team', 'user', 'status', 'duration_ms', 'cost_usd'),
    rows: (d.costliest_runs || []).slice(0, 10), testid: 'costliest-runs-table', rowHref: runHref, label: 'Costliest runs', emptyText: NO_RUNS,
  });
  const quotas = d.quotas_near_limit?.length
    ? quotaTable(d.quotas_near_limit, { testid: 'quotas-near-limit', compact: true }).el
    : h('p', { class: 'muted', 'data-testid': 'quotas-near-limit' }, 'No quota is near its limit.');

  const out = [
    stats,
    section('Spend by team per day', hasDaily ? chart : empty(NO_SPEND)),
    h('div', { class: 'cols' }, section('Spend by team', teams.el), section('Quotas near their limit', quotas)),
    section('Costliest runs', runs.el),
  ];
  return { out, draw: () => hasDaily && stacked(chart, dailyByTeam(d.daily, d.by_team || [])) };
}

export default function overview(root) {
  const loads = latest();
  const since = periodSelect();
  const { body } = shell(root, 'Overview', controlsBar(field('Period', since.el)));
  return {
    async update(q) {
      const s = q.get('since') || '30d';
      since.set(s);
      busy(body);
      try {
        const d = await get('/api/v1/overview', { since: apiSince(s) }, loads.next());
        const { out, draw } = render(d);
        done(body, out);
        draw();
      } catch (e) {
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
