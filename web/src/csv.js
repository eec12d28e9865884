// CSV text of a table, pure so it can be tested without a browser.
//
// columns: header names, or objects {key, label}; the header row uses label, else key.
// rows: arrays (one value per column, in order) or objects (read by each column's key).
// null and undefined are empty fields; a field with a comma, quote, CR or LF is quoted and its
// quotes doubled (RFC 4180). Lines end in "\n", the last one too.

function header(col) {
  return typeof col === 'string' ? col : col.label ?? col.key;
}

function field(v) {
  if (v == null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns, rows) {
  const keys = columns.map((c) => (typeof c === 'string' ? c : c.key));
  const lines = [columns.map((c) => field(header(c))).join(',')];
  for (const row of rows) {
    const values = Array.isArray(row) ? row : keys.map((k) => row[k]);
    lines.push(values.map(field).join(','));
  }
  return lines.join('\n') + '\n';
}

export function downloadText(filename, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers read the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
