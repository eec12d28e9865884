import { get, latest, showError } from '../api.js';
import { h } from '../dom.js';
import { dataTable } from '../table.js';
import { shell, busy, done } from '../page.js';

// What `frugal advise` found and stored: largest saving first. A member sees its own team's.
export default function advice(root) {
  const loads = latest();
  const { body } = shell(root, 'Advice');
  return {
    async update() {
      busy(body);
      try {
        const d = await get('/api/v1/recommendations', null, loads.next());
        const rows = (d.recommendations || []).map((r) => ({
          ...r,
          evidence_text: (r.evidence || []).map((e) => `${e.name}: ${e.value}`).join('; '),
        }));
        const table = dataTable({
          columns: [
            { key: 'monthly_saving_usd', label: 'Saving / month', kind: 'money', testid: 'advice-saving' },
            { key: 'target', label: 'Target' },
            { key: 'rule', label: 'Rule' },
            { key: 'finding', label: 'Finding' },
            { key: 'evidence_text', label: 'Evidence' },
            { key: 'action', label: 'Do' },
            { key: 'confidence', label: 'Confidence', kind: 'num' },
            { key: 'id', label: 'Id' },
          ],
          rows,
          testid: 'advice-table',
          label: 'Recommendations',
          emptyText: 'No open recommendations: run `frugal advise --since 30d` (a cron job keeps them fresh).',
        });
        done(body,
          rows.length ? h('p', { class: 'muted' }, 'Savings of different rules can overlap. Dismiss one with `frugal advise dismiss ID --why "..."`.') : null,
          table.el);
      } catch (e) {
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
