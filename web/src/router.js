// The route and its filters live in the hash, so a view can be reloaded, bookmarked and shared.

export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const at = raw.indexOf('?');
  const path = at < 0 ? raw : raw.slice(0, at);
  return {
    parts: path.split('/').filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(at < 0 ? '' : raw.slice(at + 1)),
  };
}

export function href(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v != null && v !== '') q.set(k, v);
  const s = q.toString();
  return `#/${path}${s ? `?${s}` : ''}`;
}

// Applies `changes` to the current filters (null or '' removes one) and navigates.
export function setParams(changes) {
  const { parts, query } = parseHash();
  const params = Object.fromEntries(query);
  Object.assign(params, changes);
  const next = href(parts.join('/'), params);
  if (next !== location.hash) location.hash = next;
}
