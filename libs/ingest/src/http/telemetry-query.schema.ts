import { z } from 'zod';
import { instantParam as instant } from '@gridproof/registry';

/** Query of GET /api/devices/:id/telemetry. */
export const telemetryQuerySchema = z
  .object({
    from: instant.optional().describe('ISO 8601 or Unix ms, inclusive; default: to - 1 h'),
    to: instant.optional().describe('ISO 8601 or Unix ms, exclusive; default: now'),
    metrics: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,63}(,[a-z][a-z0-9_]{0,63})*$/, 'comma-separated metric names')
      .transform((s) => s.split(','))
      .optional()
      .describe('comma-separated metric names; default: all'),
    limit: z.coerce.number().int().min(1).max(100_000).optional().describe('at most this many points (default 10000)'),
  })
  .strict()
  .transform((q) => {
    const to = q.to ?? Date.now();
    return { ...q, to, from: q.from ?? to - 3_600_000 };
  })
  .refine((q) => q.from < q.to, 'from must be before to');

/** Query of GET /api/devices/:id/scores. */
export const scoresQuerySchema = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    detector: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a detector name such as generic or multivariate').optional(),
    limit: z.coerce.number().int().min(1).max(100_000).optional(),
  })
  .strict()
  .transform((q) => {
    const to = q.to ?? Date.now();
    return { ...q, to, from: q.from ?? to - 3_600_000 };
  })
  .refine((q) => q.from < q.to, 'from must be before to');
