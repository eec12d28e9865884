import { get, latest, showError } from '../api.js';
import { h } from '../dom.js';
import { select, controlsBar, field } from '../controls.js';
import { setParams } from '../router.js';
import { dataTable } from '../table.js';
import { percent } from '../format.js';
import { shell, busy, done } from '../page.js';

const GPUS = ['H100', 'A100', 'L4', 'T4', 'A10G', 'V100'];

// What spot saves against on-demand, as a ratio rounded to 0.1 %: shown as a percentage.
const spotSaving = (o) => {
  const od = parseFloat(o.on_demand_usd_per_hour), spot = parseFloat(o.spot_usd_per_hour);
  return od > 0 && Number.isFinite(spot) ? +(1 - spot / od).toFixed(3) : null;
};

const columns = [
  { key: 'provider', label: 'Provider' },
  { key: 'region', label: 'Region' },
  { key: 'instance_type', label: 'Instance' },
  { key: 'gpu_model', label: 'GPU' },
  { key: 'gpu_count', label: 'GPUs', kind: 'num' },
  { key: 'vcpus', label: 'vCPUs', kind: 'num' },
  { key: 'memory_gib', label: 'Memory GiB', kind: 'num' },
  { key: 'on_demand_usd_per_hour', label: 'On-demand $/h', kind: 'money', testid: 'on-demand-price' },
  { key: 'spot_usd_per_hour', label: 'Spot $/h', kind: 'money', testid: 'spot-price' },
  { key: 'spot_saving', label: 'Spot saves', kind: 'num', value: spotSaving, text: (v) => percent(v) },
  { key: 'source', label: 'Source' },
];

export default function catalog(root) {
  const loads = latest();
  const gpu = h('input', { name: 'gpu', type: 'text', list: 'gpu-models', autocomplete: 'off', spellcheck: 'false', required: true });
  const count = h('input', { name: 'count', type: 'number', min: 1, step: 'any', inputmode: 'numeric', required: true });
  const pricing = select('pricing', [['on_demand', 'On-demand'], ['spot', 'Spot']], () => submit());
  const submit = () => {
    if (gpu.value.trim() && +count.value > 0) setParams({ gpu: gpu.value.trim(), count: count.value, pricing: pricing.el.value });
  };
  gpu.addEventListener('change', submit);
  count.addEventListener('change', submit);
  const form = controlsBar(
    field('GPU', gpu), h('datalist', { id: 'gpu-models' }, GPUS.map((g) => h('option', { value: g }))),
    field('Count', count), field('Cheapest by', pricing.el),
    h('button', { type: 'submit' }, 'Find offers'));
  form.addEventListener('submit', submit);
  const { body } = shell(root, 'GPU catalog', form);

  return {
    async update(q) {
      const p = { gpu: q.get('gpu') || 'H100', count: q.get('count') || '8', pricing: q.get('pricing') || 'on_demand' };
      gpu.value = p.gpu; count.value = p.count; pricing.set(p.pricing);
      busy(body);
      try {
        const d = await get('/api/v1/catalog/cheapest', p, loads.next());
        const table = dataTable({
          columns, rows: d.offers || [], testid: 'offers-table', label: `Offers for ${p.count} × ${p.gpu}`,
          emptyText: `No offers for ${p.count} × ${p.gpu}: try another GPU or count, or import a catalog with \`frugal catalog import FILE\``,
        });
        done(body, d.offers?.length ? h('p', { class: 'muted' }, `Cheapest ${p.pricing === 'spot' ? 'spot' : 'on-demand'} offers for ${p.count} × ${p.gpu}, per provider.`) : null, table.el);
      } catch (e) {
        showError(body, e);
      }
    },
    dispose: loads.abort,
  };
}
