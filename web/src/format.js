// Display formats. Money arrives as exact decimal strings and is rounded as text, half to even
// like the CLI's Money::to_fixed, so a total never picks up float error on its way to the screen.

const DECIMAL = /^(-)?(\d*)(?:\.(\d*))?$/;

function increment(digits) {
  const a = digits.split('');
  for (let i = a.length - 1; i >= 0; i--) {
    if (a[i] !== '9') { a[i] = String(+a[i] + 1); return a.join(''); }
    a[i] = '0';
  }
  return '1' + a.join('');
}

export function groupThousands(intDigits) {
  return intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// "12.345678" -> "$12.35"; "-1234.5" -> "-$1,234.50"; other currencies: "12.35 EUR".
export function money(value, currency = 'USD') {
  if (value == null || value === '') return '';
  let s = typeof value === 'number' ? value.toFixed(6) : String(value).trim();
  const m = DECIMAL.exec(s);
  if (!m) return s;
  const neg = m[1], frac = m[3] || '';
  let kept = (m[2] || '0') + (frac + '00').slice(0, 2);
  const rest = frac.slice(2);
  const odd = +kept[kept.length - 1] % 2 === 1;
  if (rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || odd))) kept = increment(kept);
  kept = kept.replace(/^0+(?=\d{3})/, '');
  const whole = groupThousands(kept.slice(0, -2)), cents = kept.slice(-2);
  const sign = neg && /[1-9]/.test(kept) ? '-' : '';
  return !currency || currency === 'USD' ? `${sign}$${whole}.${cents}` : `${sign}${whole}.${cents} ${currency}`;
}

// For chart axes and legends, where values are already floats.
export function moneyNumber(n) {
  if (n == null || Number.isNaN(n)) return '';
  return n !== 0 && Math.abs(n) < 0.01 ? `$${+n.toPrecision(2)}` : money(n.toFixed(2));
}

// Raw values as the API sent them: tables show these and CSV files hold the same text.
export function plain(v) {
  if (v == null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function duration(ms) {
  if (ms == null || ms === '') return '';
  let s = Math.round(Number(ms) / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hh = Math.floor(s / 3600); s -= hh * 3600;
  const mm = Math.floor(s / 60); s -= mm * 60;
  const p = (n) => String(n).padStart(2, '0');
  if (d) return `${d}d ${p(hh)}h ${p(mm)}m`;
  if (hh) return `${hh}h ${p(mm)}m`;
  if (mm) return `${mm}m ${p(s)}s`;
  return `${s}s`;
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

export function percent(ratio, digits = 0) {
  return ratio == null || !Number.isFinite(ratio) ? '' : `${(ratio * 100).toFixed(digits)}%`;
}

export function change(now, before) {
  const a = parseFloat(now), b = parseFloat(before);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '';
  const pct = ((a - b) / b) * 100;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

// Axis labels: short, and still distinct for sub-cent values (a test run costs $0.000027).
export function compact(n) {
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  if (abs >= 1 || abs === 0) return `${+n.toFixed(2)}`;
  return `${+n.toPrecision(2)}`;
}
