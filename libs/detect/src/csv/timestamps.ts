/**
 * Timestamps of analysts' files, read without guessing a time zone.
 *
 * - ISO 8601 / RFC 3339 §5.6 date-times: `2025-01-31T12:00:00+01:00`, `2025-01-31 12:00:00Z`,
 *   fractions of a second with `.` or `,` (ISO 8601 §4.2.2.4), offsets `Z`, `±HH`, `±HHMM`,
 *   `±HH:MM`. A date-time **without** an offset is read as UTC (RFC 3339 §4.3 "Unknown Local
 *   Offset"): JavaScript's Date.parse would read it in the machine's own zone, so a backtest
 *   would change with the laptop it ran on. A date alone (`2025-01-31`) is its UTC midnight.
 * - Unix epoch numbers, unit from the magnitude (`unit: 'auto'`): below 1e11 seconds (until the
 *   year 5138), below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds (InfluxDB
 *   exports). Fractions are kept. `unit` fixes the unit instead.
 *
 * Anything else (`01/02/2025`, `yesterday`, a month out of range) is null: the caller reports it
 * with its row and column rather than scoring it at a wrong time.
 */
export type EpochUnit = 'auto' | 's' | 'ms' | 'us' | 'ns';

export const EPOCH_UNITS: readonly EpochUnit[] = ['auto', 's', 'ms', 'us', 'ns'];

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const MS_PER: Record<Exclude<EpochUnit, 'auto'>, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Unix milliseconds, or null when the text is not a timestamp this reader accepts. */
export function parseTimestamp(text: string, unit: EpochUnit = 'auto'): number | null {
  const t = text.trim();
  if (t === '') return null;
  if (NUMBER.test(t)) {
    const n = Number(t);
    if (!Number.isFinite(n)) return null;
    const a = Math.abs(n);
    const u = unit !== 'auto' ? unit : a < 1e11 ? 's' : a < 1e14 ? 'ms' : a < 1e17 ? 'us' : 'ns';
    return n * MS_PER[u];
  }
  const m = ISO.exec(t);
  if (!m) return null;
  const [, y, mo, d, hh, mi, ss, frac, , sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = hh === undefined ? 0 : Number(hh);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = ss === undefined ? 0 : Number(ss);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  // 24:00 and leap seconds are left out: neither is a reading time a meter sends twice.
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = frac === undefined ? 0 : Number(`0.${frac}`) * 1000;
  let offsetMin = 0;
  if (sign) {
    const h = Number(oh);
    const mm = om === undefined ? 0 : Number(om);
    if (h > 23 || mm > 59) return null;
    offsetMin = (sign === '-' ? -1 : 1) * (h * 60 + mm);
  }
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  return date.getTime() + ms - offsetMin * 60_000;
}

export function formatTimestamp(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}
