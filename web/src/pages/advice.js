import { get, latest, showError } from '../api.js';
import { h, withCode } from '../dom.js';
import { percent, count } from '../format.js';
import { dataTable } from '../table.js';
import { shell, busy, done } from '../page.js';

// Savings that read $0.00 a month: shown only on request, so the list opens on what is worth doing.
const TRIVIAL_USD = 0.005;

// One row per finding: the same rule, target and action found again (runs of one command, say)
// is one row with a count and every id, largest saving first as the API sorts them.
export function groupFindings(list) {
  const groups = new Map();
  for (const r of list) {
    const key = JSON.stringify([r.rule, r.target, r.action]);
    const g = groups.get(key);
    if (g) { g.ids.push(r.id); g.count++; } else groups.set(key, { ...r, ids: [r.id], count: 1 });
  }
  return [...groups.values()];
}

function findingCell(td, v, r) {
  td.append(
    h('div', { class: 'advice-target' }, withCode(r.target || ''), r.rule ? h('span', { class: 'muted-inline' }, ` · ${r.rule}`) : null,
      r.count > 1 ? h('span', { class: 'status', 'data-testid': 'advice-count' }, `× ${r.count}`) : null),
    h('div', {}, r.finding),
    r.evidence?.length
      ? h('ul', { class: 'evidence', 'data-testid': 'advice-evidence' }, r.evidence.map((e) => h('li', {}, h('span', { class: 'muted-inline' }, `${e.name}: `), e.value)))
      : null,
    r.query ? h('details', { class: 'query' }, h('summary', {}, 'Query'), h('code', {}, r.query)) : null);
}

const columns = [
  { key: 'monthly_saving_usd', label: 'Saving / month', kind: 'money', testid: 'advice-saving' },
  { key: 'finding', label: 'Finding', cls: 'wrap wide', render: findingCell },
  { key: 'action', label: 'Do', cls: 'wrap', render: (td, v) => td.append(...withCode(v || '')) },
  { key: 'confidence', label: 'Confidence', kind: 'num', text: percent },
  { key: 'id', label: 'Id', testid: 'advice-id', cls: 'ids', render: (td, v, r) => td.append(...r.ids.map((id) => h('code', {}, id))) },
];

// What `frugal advise` found and stored: largest saving first. A member sees its own team's.
export default function advice(root) {
  const loads = latest();
  const { body } = shell(root, 'Advice');
  return {
    async update() {
      busy(body);
      try {
        const d = await get('/api/v1/recommendations', null, loads.next());
        const all = groupFindings(d.recommendations || []);
        const worth = all.filter((r) => !(Math.abs(parseFloat(r.monthly_saving_usd) || 0) < TRIVIAL_USD));
        const trivial = all.length - worth.length;
        const table = (rows, text) => dataTable({ columns, rows, testid: 'advice-table', rowTestid: 'advice-row', label: 'Recommendations', emptyText: text }).el;
        const box = h('div', { class: 'advice' }, table(worth, trivial
          ? 'No recommendation saves $0.01 or more a month.'
          : 'No open recommendations: run `frugal advise --since 30d` (a cron job keeps them fresh).'));
        const toggle = trivial
          ? h('button', { type: 'button', class: 'secondary more', 'data-testid': 'advice-show-trivial', onclick: () => {
            box.replaceChildren(table(all));
            toggle.remove();
          } }, `Show ${count(trivial, 'more', 'more')} under $0.01 a month`)
          : null;
        done(body,
          all.length ? h('p', { class: 'muted' }, ...withCode('Savings of different rules can overlap. Dismiss one with `frugal advise dismiss ID --why "..."`.')) : null,
          box, toggle);
      } catch (e) {
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
