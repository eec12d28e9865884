import { durationMs, time } from './format.js';
import { linkCell } from './table.js';

export const runHref = (r) => `#/runs/${r.id}`;

// The run columns the runs list and the overview share, by name.
export const RUN_COLUMNS = {
  id: { key: 'id', label: 'ID', kind: 'num', render: linkCell(runHref) },
  name: { key: 'name', label: 'Name' },
  status: { key: 'status', label: 'Status', render: (td, v) => td.append(Object.assign(document.createElement('span'), { className: `status s-${v}`, textContent: v ?? '' })) },
  user: { key: 'user', label: 'User' },
  team: { key: 'team', label: 'Team' },
  project: { key: 'project', label: 'Project' },
  model: { key: 'model', label: 'Model' },
  gpu_count: { key: 'gpu_count', label: 'GPUs', kind: 'num' },
  instance_type: { key: 'instance_type', label: 'Instance' },
  started_at: { key: 'started_at', label: 'Started (UTC)', text: time },
  duration_ms: { key: 'duration_ms', label: 'Duration', kind: 'num', text: durationMs },
  cost_usd: { key: 'cost_usd', label: 'Cost', kind: 'money' },
};

export const runColumns = (...names) => names.map((n) => RUN_COLUMNS[n]);
