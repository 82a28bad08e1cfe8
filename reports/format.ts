/** Number and date formatting shared by the report builders (text and tables, not charts). */

/** USD: whole dollars with separators from 1,000 up, cents below. */
export function usd(x: number | string): string {
  const n = typeof x === 'string' ? Number(x) : x;
  if (!Number.isFinite(n)) return '—';
  return Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

export function pct(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : '—';
}

export function int(n: number): string {
  return n.toLocaleString('en-US');
}

/** Unix seconds as `YYYY-MM-DD HH:MM` UTC. */
export function date(t: number): string {
  return Number.isFinite(t) ? new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ') : '—';
}

export function bytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`;
}
