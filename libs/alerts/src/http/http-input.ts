import { z } from 'zod';
import { textParam } from '@gridproof/registry';
import { SEVERITIES } from '../model/labels';

const commaList = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

/** Query of GET /api/alerts. */
export const alertFilterSchema = z
  .object({
    state: commaList(['firing', 'acknowledged', 'resolved']).optional().describe('comma list: firing, acknowledged, resolved'),
    severity: commaList(SEVERITIES).optional().describe('comma list: critical, warning, info'),
    site: textParam(64).optional(),
    device: textParam(64).optional(),
    kind: textParam(200).optional().describe('the alertname label'),
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

/** Body of acknowledge and resolve. */
export const noteSchema = z.object({ note: z.string().trim().max(2_000).optional() }).strict();
