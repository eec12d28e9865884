import { h, empty } from './dom.js';
import { money, plain, significant, count } from './format.js';
import { toCsv, downloadText } from './csv.js';

// A column: {key, label, kind: 'text'|'num'|'money', value(row), text(raw, row), render(td, raw, row),
// currency(row), csv (header name in CSV), testid, cls}. Cells show text(raw) and carry the raw
// value in data-value; money shows as $; CSV files hold the cell text, except numbers (money too),
// which stay as the API sent them: a spreadsheet sums exact values, not rounded ones.

const valueOf = (col, row) => (col.value ? col.value(row) : row[col.key]);
const isNumeric = (col) => col.kind === 'money' || col.kind === 'num';
// Numbers align right, in tabular figures.
const classOf = (col) => [isNumeric(col) ? 'n' : '', col.cls].filter(Boolean).join(' ') || null;

function cellText(col, raw, row) {
  if (col.text) return col.text(raw, row);
  if (col.kind === 'money') return money(raw, col.currency ? col.currency(row) : 'USD');
  // A measured number reads to 4 significant digits; the exact value stays in data-value and CSV.
  if (col.kind === 'num' && typeof raw === 'number') return significant(raw);
  return plain(raw);
}

function csvText(col, raw, row) {
  return isNumeric(col) ? plain(raw) : cellText(col, raw, row);
}

export function csvOf(columns, rows) {
  return toCsv(
    columns.map((c) => c.csv ?? c.key),
    rows.map((r) => columns.map((c) => csvText(c, valueOf(c, r), r))),
  );
}

function compare(col, dir) {
  const numeric = isNumeric(col);
  return (a, b) => {
    const x = valueOf(col, a), y = valueOf(col, b);
    // Missing values sort last whatever the direction.
    if (x == null || x === '') return y == null || y === '' ? 0 : 1;
    if (y == null || y === '') return -1;
    const c = numeric ? parseFloat(x) - parseFloat(y) : String(x).localeCompare(String(y), undefined, { numeric: true });
    return dir === 'asc' ? c : -c;
  };
}

// Returns {el, rows()}; rows() is every row, in the order shown (for CSV downloads). With `limit`,
// the first `limit` rows show and a button shows the rest: hundreds of keys make a page nobody reads.
// A narrow screen shows each row as a card, each cell under its column's name (`cards: false` keeps
// a plain table that scrolls inside its box).
export function dataTable({ columns, rows, testid, rowTestid, rowHref, emptyText, label, limit, noun = ['row', 'rows'], cards = true }) {
  // An empty table keeps its test id, on the message that says what to do instead.
  if (!rows.length) return { el: h('div', { 'data-testid': testid }, empty(emptyText || 'Nothing to show.')), rows: () => [] };
  let shown = rows.slice();
  let sort = null; // {key, dir}
  let cut = limit && rows.length > limit + 1 ? limit : Infinity;
  const more = h('button', { type: 'button', class: 'secondary more', 'data-testid': `${testid}-more` },
    `Show all ${count(rows.length, ...noun)}`);
  more.addEventListener('click', () => { cut = Infinity; more.remove(); fill(); });

  const tbody = h('tbody');
  const heads = columns.map((col) => {
    const th = h('th', { scope: 'col', tabindex: 0, class: classOf(col) }, col.label ?? col.key);
    const activate = () => {
      const dir = sort?.key === col.key ? (sort.dir === 'asc' ? 'desc' : 'asc') : isNumeric(col) ? 'desc' : 'asc';
      sort = { key: col.key, dir };
      shown = rows.slice().sort(compare(col, dir));
      for (const other of heads) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending');
      fill();
    };
    th.addEventListener('click', activate);
    th.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); activate(); }
    });
    return th;
  });

  function fill() {
    tbody.replaceChildren(...shown.slice(0, cut).map((row) => {
      const link = rowHref?.(row);
      const tr = h('tr', { tabindex: 0, 'data-testid': rowTestid, 'data-href': link, class: link ? 'link' : null });
      for (const col of columns) {
        const raw = valueOf(col, row);
        const td = h('td', { 'data-value': plain(raw), 'data-testid': col.testid, 'data-label': cards ? col.label ?? col.key : null, class: classOf(col) });
        if (col.render) col.render(td, raw, row);
        else td.textContent = cellText(col, raw, row);
        // A rounded number keeps its exact value a hover away.
        if (typeof raw === 'number' && td.textContent !== String(raw)) td.title = String(raw);
        tr.append(td);
      }
      return tr;
    }));
  }

  const table = h('table', { 'data-testid': testid, 'aria-label': label, class: cards ? 'cards' : null }, h('thead', {}, h('tr', {}, heads)), tbody);
  tbody.addEventListener('keydown', (e) => {
    const tr = e.target.closest?.('tr');
    if (!tr || e.target !== tr) return;
    const go = { ArrowDown: tr.nextElementSibling, ArrowUp: tr.previousElementSibling, Home: tbody.firstElementChild, End: tbody.lastElementChild }[e.key];
    if (go !== undefined) {
      e.preventDefault();
      go?.focus();
    } else if (e.key === 'Enter' && tr.dataset.href) {
      e.preventDefault();
      location.hash = tr.dataset.href;
    }
  });
  tbody.addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    // A link in the row does its own navigation; a text selection is not a click.
    if (!tr?.dataset.href || e.target.closest('a') || String(getSelection?.() || '')) return;
    location.hash = tr.dataset.href;
  });
  fill();
  const wrap = h('div', { class: 'table-wrap' }, table);
  return { el: cut < rows.length ? h('div', {}, wrap, more) : wrap, rows: () => shown };
}

// Made once per page and kept (disabled while there is nothing to download), so the controls
// never move when data arrives. set(filename, columns, rows()) points it at the table shown.
export function csvButton(testid = 'download-csv') {
  let state = null;
  const el = h('button', { type: 'button', class: 'secondary', 'data-testid': testid, disabled: true,
    onclick: () => state && downloadText(state.filename, csvOf(state.columns, state.rows())) }, 'Download CSV');
  return {
    el,
    set(filename, columns, rows) {
      state = filename ? { filename, columns, rows } : null;
      el.disabled = !state || !rows().length;
    },
  };
}

// A link cell: the row is already focusable and opens on Enter, so the link stays out of the tab
// order and is there for the mouse (middle-click, copy link).
export function linkCell(href) {
  return (td, raw, row) => td.append(h('a', { href: href(row), tabindex: -1 }, plain(raw)));
}
