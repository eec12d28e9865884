import { h } from './dom.js';

// Every page: a heading with its filters, then a body that is replaced when data arrives. The
// body keeps its old content (dimmed) while loading, so nothing jumps about.
export function shell(root, title, ...controls) {
  const body = h('div', { class: 'page-body' }, h('p', { class: 'loading' }, 'Loading…'));
  const heading = h('h1', {}, title);
  root.append(h('div', { class: 'page-head' }, heading, controls), body);
  return { body, heading };
}

export function busy(el) {
  el.setAttribute('aria-busy', 'true');
}

export function done(el, ...children) {
  el.removeAttribute('aria-busy');
  el.replaceChildren(...children.flat().filter(Boolean));
}
