import { get, latest, showError } from '../api.js';
import { h, section, empty } from '../dom.js';
import { select, textInput, periodSelect, controlsBar, field } from '../controls.js';
import { setParams } from '../router.js';
import { dataTable, csvButton } from '../table.js';
import { chartBox, stacked, dayToTs } from '../chart.js';
import { shell, busy, done } from '../page.js';

const BY = ['service', 'region', 'provider', 'account', 'team', 'project', ['tag', 'tag…']];
const METRICS = [['billed', 'Billed'], ['effective', 'Effective (after discounts)'], ['list', 'List price']];
const NO_BILLS = 'No bills imported yet: `frugal bill import FILE`';
const UNALLOCATED = '(unallocated)';

const columns = [
  { key: 'key', label: 'Key', text: (v) => (v === '' || v == null ? UNALLOCATED : v) },
  { key: 'cost', label: 'Cost', kind: 'money', currency: (r) => r.currency },
  { key: 'currency', label: 'Currency' },
  { key: 'share', label: 'Share', kind: 'num' },
  { key: 'rows', label: 'Bill rows', kind: 'num' },
];

const idleColumns = [
  { key: 'resource_id', label: 'Instance' },
  { key: 'idle_cost', label: 'Idle cost', kind: 'money', currency: (r) => r.currency },
  { key: 'currency', label: 'Currency' },
];

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
      try {
        const [c, daily] = await Promise.all([
          get('/api/v1/costs', p, signal),
          get('/api/v1/costs/daily', p, signal),
        ]);
        const lines = c.lines || [];
        const table = dataTable({ columns, rows: lines, testid: 'costs-table', label: `Costs by ${p.by}`, emptyText: NO_BILLS });
        download.set(`costs-${p.by.replace(/[^\w-]+/g, '_')}.csv`, columns, table.rows);
        const chart = chartBox('costs-chart');
        const hasDaily = daily.days?.length > 0 && daily.series?.length > 0;
        // With no bill lines at all, one message says what to do; the chart would repeat it.
        // Idle capacity: what reconciled instances cost while no run used them.
        const idle = c.idle_instances || [];
        const idleTable = dataTable({ columns: idleColumns, rows: idle, testid: 'idle-table', label: 'Idle instance cost',
          emptyText: 'No idle cost known: `frugal bill reconcile` splits instance charges over the runs on them.' });
        done(body, lines.length ? section('Cost per day', hasDaily ? chart : empty('No daily costs in this period.')) : null,
          section(`By ${p.by}`, table.el), lines.length ? section('Idle instance cost', idleTable.el) : null);
        if (hasDaily && lines.length) {
          stacked(chart, {
            x: daily.days.map(dayToTs),
            layers: daily.series.map((s) => ({ label: s.key || UNALLOCATED, values: s.values.map((v) => parseFloat(v) || 0) })),
          });
        }
      } catch (e) {
        download.set(null);
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
