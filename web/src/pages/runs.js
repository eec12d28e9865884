import { get, latest, showError } from '../api.js';
import { h } from '../dom.js';
import { select, textInput, controlsBar, field, PERIODS } from '../controls.js';
import { href } from '../router.js';
import { dataTable, csvButton } from '../table.js';
import { runColumns, runHref } from '../runcols.js';
import { shell, busy, done } from '../page.js';

export const STATUSES = ['running', 'finished', 'failed', 'stopped_early', 'over_budget', 'preempted', 'killed', 'lost'];
const TEXT_FILTERS = ['team', 'user', 'project', 'model', 'dataset', 'experiment'];
const FILTERS = ['status', ...TEXT_FILTERS, 'instance_type', 'since', 'until'];
const PAGE = 50;

export default function runs(root) {
  const loads = latest();
  const status = select('status', [['', 'Any status'], ...STATUSES]);
  const since = select('since', [['', 'Any time'], ['1d', 'Last day'], ...PERIODS.map((p) => [p, `Last ${p.replace('d', ' days')}`])]);
  const texts = Object.fromEntries(TEXT_FILTERS.map((k) => [k, textInput(k, { placeholder: 'any' })]));
  const download = csvButton();
  const { body } = shell(root, 'Runs',
    controlsBar(field('Status', status.el), field('Period', since.el), TEXT_FILTERS.map((k) => field(k[0].toUpperCase() + k.slice(1), texts[k].el))),
    h('div', { class: 'actions' }, download.el));
  const columns = runColumns('id', 'name', 'status', 'user', 'team', 'project', 'model', 'gpu_count', 'started_at', 'duration_ms', 'cost_usd');

  return {
    async update(q) {
      const filters = Object.fromEntries(FILTERS.map((k) => [k, q.get(k) || '']));
      status.set(filters.status);
      since.set(filters.since);
      for (const k of TEXT_FILTERS) texts[k].set(filters[k]);
      const token = q.get('page_token') || '';
      // The tokens of the pages before this one, so "Previous" can go back (the API pages forward only).
      const back = (q.get('back') || '').split(',').filter(Boolean);
      busy(body);
      try {
        const d = await get('/api/v1/runs', { ...filters, limit: PAGE, page_token: token }, loads.next());
        const filtered = FILTERS.some((k) => filters[k]);
        const table = dataTable({
          columns, rows: d.runs || [], testid: 'runs-table', rowTestid: 'run-row', rowHref: runHref, label: 'Runs',
          emptyText: token ? 'No more runs.' : filtered ? 'No runs match these filters.' : 'No runs yet: wrap a job with `frugal run -- python train.py`',
        });
        download.set('runs.csv', columns, table.rows);
        const previous = back.length
          ? { ...filters, page_token: back[back.length - 1], back: back.slice(0, -1).join(',') }
          : filters;
        const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of runs' },
          token ? h('a', { href: href('runs', filters), 'data-testid': 'first-page' }, '« First page') : null,
          token ? h('a', { href: href('runs', previous), 'data-testid': 'previous-page' }, '‹ Previous page') : null,
          d.next_page_token
            ? h('a', { href: href('runs', { ...filters, page_token: d.next_page_token, back: [...back, token].filter(Boolean).join(',') }), 'data-testid': 'next-page' }, 'Next page »')
            : null);
        const clear = filtered && !d.runs?.length ? h('p', {}, h('a', { href: '#/runs' }, 'Clear the filters')) : null;
        done(body, table.el, clear, pager.childElementCount ? pager : null);
      } catch (e) {
        download.set(null);
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
