import { get, latest, showError } from '../api.js';
import { h, section, empty, withCode } from '../dom.js';
import { select, textInput, periodSelect, controlsBar, field, apiSince, ALL_TIME } from '../controls.js';
import { setParams, href } from '../router.js';
import { dataTable, csvButton } from '../table.js';
import { chartBox, stacked, dayToTs } from '../chart.js';
import { percent, count } from '../format.js';
import { shell, busy, done } from '../page.js';

const BY = ['service', 'region', 'provider', 'account', 'team', 'project', ['tag', 'tag…']];
const METRICS = [['billed', 'Billed'], ['effective', 'Effective (after discounts)'], ['list', 'List price']];
const NO_BILLS = 'No bills imported yet: `frugal bill import FILE`';
const UNALLOCATED = '(unallocated)';
// The chart's legend: the largest keys, then one "other" line for the rest.
export const LEGEND_KEYS = 8;
// Rows of the table before "Show all".
const TABLE_ROWS = 25;

const columns = [
  { key: 'key', label: 'Key', text: (v) => (v === '' || v == null ? UNALLOCATED : v) },
  { key: 'cost', label: 'Cost', kind: 'money', currency: (r) => r.currency },
  { key: 'currency', label: 'Currency' },
  { key: 'share', label: 'Share', kind: 'num', text: percent },
  { key: 'rows', label: 'Bill rows', kind: 'num' },
];

const idleColumns = [
  { key: 'resource_id', label: 'Instance' },
  { key: 'idle_cost', label: 'Idle cost', kind: 'money', currency: (r) => r.currency },
  { key: 'currency', label: 'Currency' },
];

// The API's daily series as chart layers: the `n` largest keys over the period, and one layer
// summing the rest, so the legend has at most n + 1 lines whatever the number of keys.
export function topLayers(series, n = LEGEND_KEYS) {
  const layers = series.map((s) => {
    const values = s.values.map((v) => parseFloat(v) || 0);
    return { label: s.key || UNALLOCATED, values, total: values.reduce((a, v) => a + v, 0) };
  });
  layers.sort((a, b) => b.total - a.total);
  if (layers.length <= n + 1) return layers;
  const rest = layers.slice(n);
  const values = rest[0].values.map((_, i) => rest.reduce((a, l) => a + l.values[i], 0));
  return [...layers.slice(0, n), { label: `other (${count(rest.length, 'key')})`, values }];
}

// No bill lines in the window: say whether bills exist at all, and which days they cover, from
// what the API answered (the window it read, and the span of the imported bills).
function emptyWindow(p, c) {
  if (!c.bills_cover) return empty(NO_BILLS);
  const wider = href('costs', { by: p.by, metric: p.metric, since: ALL_TIME });
  const between = p.since === ALL_TIME ? 'in this period' : `between ${c.since.slice(0, 10)} and ${c.until.slice(0, 10)}`;
  return h('p', { class: 'empty', 'data-testid': 'empty' },
    withCode(`No bill lines ${between}; the imported bills cover ${c.bills_cover.first_day} – ${c.bills_cover.last_day}. `),
    h('a', { href: wider, 'data-testid': 'costs-widen' }, 'Show all time'),
    ', or choose another period above.');
}

export default function costs(root) {
  const loads = latest();
  // "tag:KEY" is one `by` in the URL, two controls on screen.
  const by = select('by', BY, (v) => (v === 'tag' ? ((tagKey.el.closest('.field').hidden = false), tagKey.el.focus()) : setParams({ by: v })));
  const tagKey = textInput('tag', { placeholder: 'tag key, e.g. team' }, (v) => v && setParams({ by: `tag:${v}` }));
  const metric = select('metric', METRICS);
  const since = periodSelect();
  const download = csvButton();
  const { body } = shell(root, 'Costs',
    controlsBar(field('By', by.el), field('Tag key', tagKey.el), field('Cost', metric.el), field('Period', since.el)), h('div', { class: 'actions' }, download.el));

  return {
    async update(q) {
      const p = { by: q.get('by') || 'service', metric: q.get('metric') || 'billed', since: q.get('since') || '30d', until: q.get('until') || '' };
      const isTag = p.by.startsWith('tag:');
      by.set(isTag ? 'tag' : p.by);
      tagKey.set(isTag ? p.by.slice(4) : '');
      tagKey.el.closest('.field').hidden = !isTag;
      metric.set(p.metric);
      since.set(p.since);
      busy(body);
      const signal = loads.next();
      const asked = { ...p, since: apiSince(p.since) };
      try {
        const [c, daily] = await Promise.all([
          get('/api/v1/costs', asked, signal),
          get('/api/v1/costs/daily', asked, signal),
        ]);
        const lines = c.lines || [];
        const table = dataTable({ columns, rows: lines, testid: 'costs-table', label: `Costs by ${p.by}`, emptyText: NO_BILLS,
          limit: TABLE_ROWS, noun: ['key', 'keys'] });
        download.set(`costs-${p.by.replace(/[^\w-]+/g, '_')}.csv`, columns, table.rows);
        if (!lines.length) {
          done(body, section(`By ${p.by}`, h('div', { 'data-testid': 'costs-table' }, emptyWindow(p, c))));
          return;
        }
        const chart = chartBox('costs-chart');
        const hasDaily = daily.days?.length > 0 && daily.series?.length > 0;
        // Idle capacity: what reconciled instances cost while no run used them.
        const idle = c.idle_instances || [];
        const idleTable = dataTable({ columns: idleColumns, rows: idle, testid: 'idle-table', label: 'Idle instance cost', limit: TABLE_ROWS,
          emptyText: 'No idle cost known: `frugal bill reconcile` splits instance charges over the runs on them.' });
        done(body, section('Cost per day', hasDaily ? chart : empty('No daily costs in this period.')),
          section(`By ${p.by}`, table.el), section('Idle instance cost', idleTable.el));
        if (hasDaily) stacked(chart, { x: daily.days.map(dayToTs), layers: topLayers(daily.series) });
      } catch (e) {
        download.set(null);
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
