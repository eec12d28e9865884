import { get, latest, showError } from '../api.js';
import { h } from '../dom.js';
import { quotaTable } from '../quota.js';
import { shell, busy, done } from '../page.js';

export default function quotas(root) {
  const loads = latest();
  const { body } = shell(root, 'Quotas');
  return {
    async update() {
      busy(body);
      try {
        const d = await get('/api/v1/quotas', null, loads.next());
        const table = quotaTable(d.quotas || [], { emptyText: 'No quotas: `frugal quota set --team T --monthly-usd 5000`' });
        done(body,
          d.quotas?.length ? h('p', { class: 'muted' }, 'Forecast: the period’s spend at the rate so far, spent × period length ÷ time elapsed.') : null,
          table.el);
      } catch (e) {
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
