import { getToken, clearToken } from './auth.js';
import { h, withCode } from './dom.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v != null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function get(path, params, signal) {
  let res;
  try {
    res = await fetch(path + query(params), {
      headers: { Authorization: `Bearer ${getToken()}`, Accept: 'application/json' },
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Cannot reach the Frugal server: is `frugal serve` running?');
  }
  if (res.status === 401) {
    clearToken();
    onUnauthorized();
    throw new ApiError(401, 'unauthenticated', 'Your token was not accepted; enter another.');
  }
  if (!res.ok) {
    let body = {};
    try { body = await res.json(); } catch { /* not JSON: a proxy's page */ }
    let message = body.message || `${res.status} ${res.statusText}`;
    if (res.status === 403) message = 'This page needs an admin token.';
    if (res.status === 429) message = `Too many requests; try again in ${res.headers.get('Retry-After') || 'a few'} s.`;
    throw new ApiError(res.status, body.error_code, message);
  }
  return res.json();
}

// One controller per view: starting a load cancels the one before, so a slow answer to an old
// filter never paints over a newer one.
export function latest() {
  let ctrl = null;
  return {
    next() {
      ctrl?.abort();
      ctrl = new AbortController();
      return ctrl.signal;
    },
    abort() {
      ctrl?.abort();
    },
  };
}

export function isQuiet(err) {
  // Aborted loads were superseded; a 401 already put the login form up.
  return err?.name === 'AbortError' || err?.status === 401;
}

export function errorBox(err) {
  return h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, withCode(err?.message || String(err)));
}

// Replaces `el`'s content by the error, unless the error needs no words.
export function showError(el, err) {
  if (isQuiet(err)) return;
  el.removeAttribute('aria-busy');
  el.replaceChildren(errorBox(err));
}
