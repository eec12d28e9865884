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

// Who the token is ({role, team} from /api/v1/me), once main.js has asked: pages offer what the
// role may read, so a member's browser never logs a 403.
let me = null;
export const setMe = (who) => { me = who; };
export const isAdmin = () => me?.role === 'admin';

export function get(path, params, signal) {
  return request(path + query(params), { signal });
}

export function post(path, body, signal) {
  return request(path, { method: 'POST', body: JSON.stringify(body), signal, contentType: 'application/json' });
}

async function request(url, { method = 'GET', body, signal, contentType }) {
  let res;
  try {
    const headers = { Authorization: `Bearer ${getToken()}`, Accept: 'application/json' };
    if (contentType) headers['Content-Type'] = contentType;
    res = await fetch(url, { method, headers, body, signal });
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
