// How numbers are shown to people: the same rules as the CLI's util/display.h, held to the same
// cases (tests/fixtures/display/cases.json). Every rounding works on decimal text, half to even, so
// an exact amount never picks up float error on its way to the screen. CSV files keep the raw text.

// "-12.5", "7.15e-7", ".5" -> {negative, whole, fraction} with no exponent; null for other text.
function parse(text) {
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(String(text).trim());
  if (!m || (!m[2] && !m[3]) || Math.abs(+(m[4] || 0)) > 400) return null;
  const digits = (m[2] || '') + (m[3] || '');
  const intLen = (m[2] || '').length + +(m[4] || 0);
  let whole, fraction = '';
  if (intLen <= 0) { whole = '0'; fraction = '0'.repeat(-intLen) + digits; }
  else if (intLen >= digits.length) whole = digits + '0'.repeat(intLen - digits.length);
  else { whole = digits.slice(0, intLen); fraction = digits.slice(intLen); }
  return { negative: m[1] === '-', whole: whole.replace(/^0+(?=\d)/, ''), fraction };
}

// A JS number's shortest round-trip text ("0.1", "7.15e-7"), read as a decimal.
const fromNumber = (n) => parse(String(n));

// "199" -> "200", "99" -> "100".
function increment(digits) {
  const a = digits.split('');
  for (let i = a.length - 1; i >= 0; i--) {
    if (a[i] !== '9') { a[i] = String(+a[i] + 1); return a.join(''); }
    a[i] = '0';
  }
  return '1' + a.join('');
}

// The decimal rounded half to even to `places` fraction digits.
function roundTo(d, places) {
  let kept = d.whole + d.fraction.slice(0, places).padEnd(places, '0');
  const rest = d.fraction.slice(places);
  const odd = +kept[kept.length - 1] % 2 === 1;
  const beyondHalf = /[1-9]/.test(rest.slice(1));
  if (rest[0] > '5' || (rest[0] === '5' && (beyondHalf || odd))) kept = increment(kept);
  const whole = kept.slice(0, kept.length - places).replace(/^0+(?=\d)/, '') || '0';
  return { negative: d.negative, whole, fraction: kept.slice(kept.length - places) };
}

const isZero = (d) => d.whole === '0' && !/[1-9]/.test(d.fraction);

function text(d) {
  return (d.negative && !isZero(d) ? '-' : '') + d.whole + (d.fraction ? `.${d.fraction}` : '');
}

// To the cent from 1 up, two significant digits below 1 ("0.042", "0.00000072").
function moneyDigits(d) {
  const first = d.fraction.search(/[1-9]/);
  if (d.whole !== '0' || first < 0) return roundTo(d, 2);
  const r = roundTo(d, first + 2);
  if (r.whole !== '0') return roundTo(d, 2); // 0.995 rounds to 1: cents from there
  // 0.0999 rounds to 0.100: two significant digits of the new magnitude are 0.10.
  const now = r.fraction.search(/[1-9]/);
  if (now < first) r.fraction = r.fraction.slice(0, now + 2);
  return r;
}

export function groupThousands(intDigits) {
  return String(intDigits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// The CLI's form: "18.0066386184" -> "18.01", "0.000000715" -> "0.00000072". Other text unchanged.
export function moneyDigitsOf(value) {
  const d = typeof value === 'number' ? fromNumber(value) : parse(value);
  return d ? text(moneyDigits(d)) : String(value);
}

// The dashboard's form: "-1234567.891" -> "-$1,234,567.89"; other currencies "12.35 EUR".
export function money(value, currency = 'USD') {
  if (value == null || value === '') return '';
  if (typeof value === 'number' && !Number.isFinite(value)) return '';
  const d = typeof value === 'number' ? fromNumber(value) : parse(value);
  if (!d) return String(value);
  const r = moneyDigits(d);
  const sign = r.negative && !isZero(r) ? '-' : '';
  const digits = `${groupThousands(r.whole)}.${r.fraction}`;
  return !currency || currency === 'USD' ? `${sign}$${digits}` : `${sign}${digits} ${currency}`;
}

// GPU-hours, hours and other measured amounts: the money rule, from the number's shortest text.
export function quantity(n) {
  if (n == null || n === '' || !Number.isFinite(+n)) return '';
  return text(moneyDigits(fromNumber(+n)));
}

// A ratio as a percentage with one decimal: 0.6625 -> "66.2%"; tiny but positive -> "<0.1%".
export function percent(ratio) {
  if (ratio == null || ratio === '' || !Number.isFinite(+ratio)) return '';
  const d = fromNumber(+ratio);
  const hundred = { ...d, whole: (d.whole + d.fraction.slice(0, 2).padEnd(2, '0')).replace(/^0+(?=\d)/, ''), fraction: d.fraction.slice(2) };
  const r = roundTo(hundred, 1);
  if (isZero(r) && !isZero(d)) return d.negative ? '-<0.1%' : '<0.1%';
  return `${text(r)}%`;
}

// Seconds as people say them: "4.3s" under 10 s, "42s", "13m 05s", "5h 13m", "2d 07h".
export function duration(seconds) {
  if (seconds == null || seconds === '' || !Number.isFinite(+seconds)) return '';
  let s = Math.abs(+seconds);
  const sign = +seconds < 0 ? '-' : '';
  if (s === 0) return '0s';
  if (s < 10) {
    const r = roundTo(fromNumber(s), 1);
    if (r.whole.length < 2) return `${sign}${text(r)}s`;
  }
  s = Math.round(s);
  const p = (n) => String(n).padStart(2, '0');
  if (s < 60) return `${sign}${s}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${p(s % 60)}s`;
  if (s < 86400) return `${sign}${Math.floor(s / 3600)}h ${p(Math.floor((s % 3600) / 60))}m`;
  return `${sign}${Math.floor(s / 86400)}d ${p(Math.floor((s % 86400) / 3600))}h`;
}

// Milliseconds (as the API's duration_ms) in the same words.
export const durationMs = (ms) => (ms == null || ms === '' ? '' : duration(+ms / 1000));

// Bytes in SI units (1 kB = 1000 B): "512 B", "6.7 MB", "67 MB"; the scaling moves the decimal point.
export function bytes(n) {
  if (n == null || n === '' || !Number.isFinite(+n)) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const whole = String(Math.round(Math.abs(+n))).replace(/e.*$/, '');
  const sign = +n < 0 ? '-' : '';
  if (whole.length <= 3) return `${sign}${whole} B`;
  let unit = Math.min(Math.floor((whole.length - 1) / 3), units.length - 1);
  const scaled = (u) => parse(`${whole}e-${3 * u}`);
  let r = roundTo(scaled(unit), 1);
  if (r.whole.length < 2) return `${sign}${text(r)} ${units[unit]}`;
  r = roundTo(scaled(unit), 0);
  if (r.whole.length <= 3 || unit === units.length - 1) return `${sign}${r.whole} ${units[unit]}`;
  unit += 1; // 999.6 kB reads 1.0 MB, not 1000 kB
  return `${sign}${text(roundTo(scaled(unit), 1))} ${units[unit]}`;
}

// "1 row", "1,300 runs": a count with its noun, plural unless one.
export function count(n, noun, plural) {
  const k = Number(n) || 0;
  return `${groupThousands(String(k))} ${k === 1 ? noun : plural || `${noun}s`}`;
}

// A measured value for reading (4 significant digits, no exponent): metrics, chart legends.
export function significant(n, digits = 4) {
  if (n == null || n === '' || !Number.isFinite(+n)) return n == null ? '' : String(n);
  const v = +n;
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return (v < 0 ? '-' : '') + groupThousands(String(Math.abs(v)));
  const d = fromNumber(v);
  const first = d.whole !== '0' ? -d.whole.length : d.fraction.search(/[1-9]/);
  const places = Math.max(0, first + digits);
  const r = roundTo(d, places);
  const out = text({ ...r, fraction: r.fraction.replace(/0+$/, '') });
  return out.replace(/\.$/, '').replace(/^(-?)(\d+)/, (m, s, w) => s + groupThousands(w));
}

// Raw values as the API sent them: CSV files hold the same text, and cells keep it in data-value.
export function plain(v) {
  if (v == null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// "2026-11-26T14:21:49.000Z" -> "2026-11-26 14:21" (UTC, like the API and the CLI).
export function time(iso) {
  if (!iso) return '';
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : String(iso);
}

export function day(iso) {
  return iso ? String(iso).slice(0, 10) : '';
}

// The change from `before` to `now` as a signed percentage: "+12.5%".
export function change(now, before) {
  const a = parseFloat(now), b = parseFloat(before);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '';
  const p = percent((a - b) / b);
  return a > b ? `+${p}` : p;
}

// Axis labels: short, and still distinct for sub-cent values (a test run costs $0.000027).
export function compact(n) {
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${significant(n / 1e6, 3)}M`;
  if (abs >= 1e3) return `${significant(n / 1e3, 3)}k`;
  return significant(n, abs >= 1 || abs === 0 ? 3 : 2);
}
