/** Dates in the browser's locale and timezone; durations in the largest sensible unit. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatTime(ms: number | string | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const t = typeof ms === 'string' ? Date.parse(ms) : ms;
  return Number.isFinite(t) ? dateTime.format(t) : '—';
}

export function formatAgo(ms: number | string | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return 'never';
  const t = typeof ms === 'string' ? Date.parse(ms) : ms;
  if (!Number.isFinite(t)) return 'never';
  return `${formatDuration(Math.max(0, now - t))} ago`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

export function formatValue(v: number | string | undefined): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toPrecision(2);
}
