const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^([+-]?)(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** Parses "90s", "20m", "2h", "3d", "1w", "-5m" (milliseconds); null when not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[2]) * UNITS[m[3]];
  return m[1] === '-' ? -ms : ms;
}

export function isDuration(text: string): boolean {
  return parseDuration(text) !== null;
}

/** A fault start: an offset from the simulation start ("90s", "+2h") or an ISO 8601 instant. */
export function resolveInstant(text: string, startMs: number): number {
  const offset = parseDuration(text);
  if (offset !== null) return startMs + offset;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`"${text}" is neither a duration (e.g. 90s, 2h, 3d) nor an ISO 8601 time`);
  return ms;
}
