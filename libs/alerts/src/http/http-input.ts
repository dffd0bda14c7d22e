import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { textParam } from '@gridproof/registry';
import { SilenceNotFoundError } from '../alerts.service';
import { AlertNotFoundError, AlertStateError } from '../engine/alert.engine';
import { SEVERITIES } from '../model/labels';
import { SilenceInputError } from '../silences';

const commaList = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

export const alertFilterSchema = z
  .object({
    state: commaList(['firing', 'acknowledged', 'resolved']).optional(),
    severity: commaList(SEVERITIES).optional(),
    site: textParam(64).optional(),
    device: textParam(64).optional(),
    kind: textParam(200).optional(),
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const noteSchema = z.object({ note: z.string().trim().max(2_000).optional() }).strict();

export function parseOr400<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new BadRequestException(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

export function toHttpError(err: unknown): never {
  if (err instanceof AlertNotFoundError || err instanceof SilenceNotFoundError) throw new NotFoundException(err.message);
  if (err instanceof AlertStateError) throw new ConflictException(err.message);
  if (err instanceof SilenceInputError) throw new BadRequestException(err.message);
  throw err;
}
