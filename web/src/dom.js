// A tiny element builder: the pages are small enough that a framework would outweigh them.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  // Children first: a <select>'s value can only be set once its options exist.
  append(el, children);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' || k === 'checked') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// Text with `backticks` as <code>: empty states quote the CLI command to run.
export function withCode(text) {
  return text.split(/`([^`]*)`/).map((part, i) => (i % 2 ? h('code', {}, part) : part));
}

export function empty(text) {
  return h('p', { class: 'empty', 'data-testid': 'empty' }, withCode(text));
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, children);
}

export function stat(label, value, testid, extra) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value', 'data-testid': testid }, value), extra);
}
