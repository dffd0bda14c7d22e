import { z } from 'zod';

/**
 * Recurring maintenance windows (Alertmanager's time_intervals, cut to what crews use): weekly
 * days plus a time of day in a named IANA timezone, so "every Tuesday 02:00-04:00 Europe/Berlin"
 * follows daylight-saving changes. A window whose end is before its start runs past midnight
 * into the next day; the day named is the day it starts.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time of day HH:MM (00:00-24:00)');

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const recurrenceSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
    start: timeOfDay,
    end: timeOfDay,
    timezone: z.string().default('UTC').refine(isValidTimezone, 'unknown IANA timezone (e.g. Europe/Berlin, UTC)'),
  })
  .strict();
export type Recurrence = z.infer<typeof recurrenceSchema>;

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(at: number, timezone: string): { day: Weekday; minute: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return { day: parts.weekday.toLowerCase().slice(0, 3) as Weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

export function recurrenceActive(r: Recurrence, at: number): boolean {
  const { day, minute } = localParts(at, r.timezone);
  const start = minutes(r.start);
  const end = minutes(r.end);
  const onDay = (d: Weekday) => !r.days || r.days.includes(d);
  if (start < end) return onDay(day) && minute >= start && minute < end;
  if (start === end) return onDay(day); // whole day
  // Past midnight: the evening part belongs to today, the morning part to yesterday's window.
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7];
  return (onDay(day) && minute >= start) || (onDay(yesterday) && minute < end);
}
