// The token lives in sessionStorage: it is gone when the tab closes, and never in a cookie the
// browser would send on its own.
const KEY = 'frugal_token';

export function getToken() {
  try { return sessionStorage.getItem(KEY) || ''; } catch { return ''; }
}

export function setToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function clearToken() {
  try { sessionStorage.removeItem(KEY); } catch { /* storage disabled: nothing kept anyway */ }
}
