import { z } from 'zod';
import { instantParam as instant } from '@gridproof/registry';

/** Query of GET /api/devices/:id/telemetry. */
export const telemetryQuerySchema = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    metrics: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,63}(,[a-z][a-z0-9_]{0,63})*$/, 'comma-separated metric names')
      .transform((s) => s.split(','))
      .optional(),
    limit: z.coerce.number().int().min(1).max(100_000).optional(),
  })
  .strict()
  .transform((q) => {
    const to = q.to ?? Date.now();
    return { ...q, to, from: q.from ?? to - 3_600_000 };
  })
  .refine((q) => q.from < q.to, 'from must be before to');
