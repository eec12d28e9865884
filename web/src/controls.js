import { h } from './dom.js';
import { setParams } from './router.js';

export const PERIODS = ['7d', '30d', '90d', '365d'];
// "All time" in the URL; the API takes a date for it.
export const ALL_TIME = 'all';
export const apiSince = (since) => (since === ALL_TIME ? '1970-01-01' : since);

let uid = 0;

// A labelled control. The label wraps nothing, so the control can be styled on its own.
export function field(label, control) {
  control.id ||= `f${++uid}`;
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

// options: values, or [value, label] pairs. A value from the URL that is not among them is
// added, so a hand-edited link still shows what it filters by.
export function select(name, options, onChange) {
  const el = h('select', { name });
  const set = (value) => {
    if (![...el.options].some((o) => o.value === value)) el.append(h('option', { value }, value));
    el.value = value;
  };
  for (const o of options) {
    const [value, label] = Array.isArray(o) ? o : [o, o];
    el.append(h('option', { value }, label));
  }
  el.addEventListener('change', () => (onChange ? onChange(el.value) : setParams({ [name]: el.value, page_token: null })));
  return { el, set };
}

// A text filter applies on change (Enter or leaving the box), not on each key: each
// application is a request.
export function textInput(name, attrs = {}, onChange) {
  const el = h('input', { name, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs });
  el.addEventListener('change', () => {
    const v = el.value.trim();
    onChange ? onChange(v) : setParams({ [name]: v, page_token: null });
  });
  return { el, set: (v) => (el.value = v ?? '') };
}

export function periodSelect(onChange) {
  return select('since', [...PERIODS.map((p) => [p, `Last ${p.replace('d', ' days')}`]), [ALL_TIME, 'All time']], onChange);
}

export function controlsBar(...fields) {
  return h('form', { class: 'controls', role: 'search', onsubmit: (e) => e.preventDefault() }, fields);
}
