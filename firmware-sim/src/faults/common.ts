import { z } from 'zod';
import { isDuration } from '../fleet/duration';

export const durationString = z.string().refine(isDuration, 'expected a duration such as 90s, 20m, 2h, 3d');
export const instantString = z
  .string()
  .refine((s) => isDuration(s) || !Number.isNaN(Date.parse(s)), 'expected an offset (90s, 2h, 3d) or an ISO 8601 time');

/** Fields every fault declaration has. */
export const faultBase = {
  device: z.string().min(1),
  /** Offset from the simulation start (e.g. "90s", "3d") or an ISO 8601 instant. */
  start: instantString.default('0s'),
  /** For non-degradation faults: how long it lasts (absent = until the end of the run). */
  duration: durationString.optional(),
};
