import { z } from 'zod';
import { parseInput } from '@gridproof/core';

/**
 * Query and path parameters every controller shares, so that bad input is a 400 naming the
 * parameter and never reaches InfluxDB or SQL, where it became a 500 (issue 13): a time past
 * what InfluxDB can store, a NUL byte Postgres text refuses, a newline in an id.
 */

/**
 * InfluxDB 1.x stores int64 nanoseconds since 1970: its last instant is 2262-04-11T23:47:16.854Z.
 * Unix ms above this cannot be queried (InfluxDB answers an error), so they are refused here.
 */
export const LAST_STORABLE_MS = 9_223_372_036_854;

/** A time parameter: Unix ms or an ISO 8601 date with offset, from 1970 to InfluxDB's last instant. */
export const instantParam = z
  .union([z.string().regex(/^\d{1,16}$/, 'Unix ms (digits) or an ISO 8601 date').transform(Number), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))])
  .pipe(z.number().int().min(0, 'must not be before 1970').max(LAST_STORABLE_MS, 'must not be after 2262-04-11T23:47:16Z, the last instant InfluxDB stores'));

/** Free text in a filter: bounded, and without control characters (NUL, newline, ESC, ...). */
export const textParam = (maxLength = 200) =>
  z
    .string()
    .max(maxLength)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** An opaque id in a path (alert, silence, API key): printable ASCII, no spaces. */
const pathIdSchema = z.object({ id: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces, 1-128 characters') });

/** The `:id` of a path, or a 400 "id: ..." (Postgres text refuses a NUL byte with an error). */
export function parsePathId(raw: string): string {
  return parseInput(pathIdSchema, { id: raw }).id;
}
