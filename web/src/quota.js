import { h } from './dom.js';
import { money, percent, quantity, day } from './format.js';
import { dataTable } from './table.js';

// Where the period's spend lands if it goes on at the rate so far:
// spent × (period length / elapsed). Null before the period has begun.
export function forecastFactor(q, now = Date.now()) {
  const start = Date.parse(q.period_start), end = Date.parse(q.period_end);
  if (!(end > start)) return null;
  const elapsed = Math.min(now, end) - start;
  return elapsed > 0 ? (end - start) / elapsed : null;
}

export function quotaFigures(q, now) {
  const k = forecastFactor(q, now);
  const spent = parseFloat(q.spent_usd) || 0;
  const limit = q.limit_usd == null ? null : parseFloat(q.limit_usd);
  const fUsd = k == null ? null : spent * k;
  const fHours = k == null || q.gpu_hours == null ? null : q.gpu_hours * k;
  // The bar follows the server's used_ratio where given (the overview's list), else the money
  // limit, else GPU hours for a quota that has only those.
  const ratio = q.used_ratio ?? (limit ? spent / limit : q.limit_gpu_hours ? (q.gpu_hours || 0) / q.limit_gpu_hours : null);
  const forecastRatio = limit ? (fUsd ?? spent) / limit : q.limit_gpu_hours ? (fHours ?? q.gpu_hours) / q.limit_gpu_hours : null;
  const over = (limit != null && fUsd != null && fUsd > limit) || (q.limit_gpu_hours != null && fHours != null && fHours > q.limit_gpu_hours);
  return { ratio, forecastRatio, fUsd, fHours, over };
}

function bar(td, ratio, q) {
  const f = q._f;
  const w = (r) => `${Math.min(Math.max(r || 0, 0), 1) * 100}%`;
  td.append(
    h('div', { class: `bar${q.exceeded ? ' exceeded' : f.over ? ' over' : ''}`, role: 'img', 'aria-label': `${percent(ratio)} used, ${percent(f.forecastRatio)} forecast` },
      h('span', { class: 'bar-forecast', style: `width:${w(f.forecastRatio)}` }),
      h('span', { class: 'bar-spent', style: `width:${w(ratio)}` })),
    h('span', { class: 'bar-text' }, percent(ratio)),
  );
}

const status = (q) => (q.exceeded ? 'exceeded' : q._f.over ? 'forecast over' : q._f.ratio >= 0.8 ? 'near limit' : 'ok');

// compact: the overview's narrower set of columns.
export function quotaTable(quotas, { testid = 'quotas-table', emptyText, now, compact } = {}) {
  const rows = quotas.map((q) => ({ ...q, _f: quotaFigures(q, now) }));
  const columns = [
    { key: 'scope', label: 'Scope' },
    { key: 'name', label: 'Name' },
    { key: 'period', label: 'Period' },
    { key: 'spent_usd', label: 'Spent', kind: 'money', testid: 'quota-spent' },
    { key: 'limit_usd', label: 'Limit', kind: 'money', testid: 'quota-limit' },
    { key: 'used', label: 'Used', kind: 'num', cls: 'barcell', value: (q) => q._f.ratio, render: bar },
    { key: 'forecast_usd', label: 'Forecast', kind: 'num', testid: 'quota-forecast', value: (q) => q._f.fUsd, text: (v) => money(v) },
    { key: 'gpu_hours', label: 'GPU h', kind: 'num', text: quantity },
    { key: 'limit_gpu_hours', label: 'GPU h limit', kind: 'num', text: quantity },
    { key: 'status', label: 'Status', value: status, testid: 'quota-status', render: (td, v) => td.append(h('span', { class: `status q-${v.replace(' ', '-')}` }, v)) },
    { key: 'period_end', label: 'Period ends', text: day },
  ];
  const shown = compact ? columns.filter((c) => ['scope', 'name', 'spent_usd', 'limit_usd', 'used', 'status'].includes(c.key)) : columns;
  return dataTable({ columns: shown, rows, testid, rowTestid: 'quota-row', emptyText, label: 'Quotas' });
}
