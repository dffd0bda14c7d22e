import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { SEVERITIES } from '../model/labels';
import { recurrenceSchema } from '../model/recurrence';
import { createSilenceSchema } from '../silences';
import { alertFilterSchema, noteSchema } from './http-input';
import { orNull } from '@gridproof/core';

/**
 * The alerts API's contract as zod DTOs. Request DTOs are validated by the app's input pipe;
 * response DTOs document the answers, and `@ZodResponse` checks at compile time that a route
 * returns what its schema describes (the model types stay the engine's interfaces).
 */
export class AlertFilterQuery extends createZodDto(alertFilterSchema) {}
export class NoteBody extends createZodDto(noteSchema) {}
export class CreateSilenceBody extends createZodDto(createSilenceSchema) {}

const ms = (what: string) => z.number().describe(`${what} (Unix ms)`);

const evidenceSchema = z
  .looseObject({
    detector: z.string().optional(),
    modelVersion: z.string().optional(),
    score: z.number().optional(),
    threshold: z.number().optional(),
    metrics: z.array(z.object({ name: z.string(), value: z.union([z.number(), z.string()]), contribution: z.number().optional() })).optional(),
    rule: z.string().optional(),
    condition: z.string().optional(),
    observedAt: ms('device time of the reading or event the evidence comes from').optional(),
    count: z.number().optional(),
    reasons: z.record(z.string(), z.number()).optional(),
    cause: z.string().optional(),
    lastSeenAt: ms('last reading').optional(),
  })
  .describe('what made the alert fire; fields depend on the source');

export const alertSchema = z.object({
  id: z.string(),
  fingerprint: z.string().describe('names the problem: same labels, same fingerprint'),
  source: z.enum(['anomaly', 'threshold', 'offline', 'tampering', 'security']),
  state: z.enum(['firing', 'acknowledged', 'resolved']),
  severity: z.enum(SEVERITIES),
  labels: z.record(z.string(), z.string()).describe('alertname, device, site, type, ...'),
  summary: z.string(),
  description: z.string(),
  evidence: evidenceSchema,
  timeToFailureMs: orNull(z.number(), 'predicted time to failure (ms), for maintenance alerts'),
  recommendedAction: z.string(),
  links: z.object({ dashboard: z.string().optional(), console: z.string().optional().describe('the alert in the crew console (/#/alerts/<id>)'), api: z.string() }),
  startsAt: ms('first fired'),
  updatedAt: ms('last change'),
  endsAt: ms('resolved').nullable(),
  acknowledgedBy: orNull(z.string(), 'name of the API key that acknowledged'),
  acknowledgedAt: ms('acknowledged').nullable(),
  ackNote: orNull(z.string(), "the crew's note"),
  resolvedBy: orNull(z.string(), 'name of the API key that resolved, or system'),
  resolveNote: orNull(z.string(), "the crew's note"),
});

const alertViewSchema = alertSchema.extend({
  mutedBy: orNull(z.string(), 'why notifications are held back now (silence:<id>, inhibited:<fingerprint>, ...)'),
});

const alertDetailSchema = alertViewSchema.extend({
  history: z.array(
    z.object({
      alertId: z.string(),
      type: z.enum(['firing', 'updated', 'acknowledged', 'resolved']),
      actor: z.string(),
      note: orNull(z.string(), 'note given with the change'),
      severity: z.enum(SEVERITIES),
      at: ms('when'),
    }),
  ),
  deliveries: z.array(
    z.object({
      notificationId: z.string(),
      alertId: z.string(),
      receiver: z.string(),
      integration: z.string(),
      attempt: z.number().int(),
      status: z.enum(['ok', 'failed', 'gave_up', 'dropped']),
      error: orNull(z.string(), 'why the delivery failed'),
      durationMs: z.number(),
      at: ms('when'),
    }),
  ),
});

const silenceSchema = z.object({
  id: z.string(),
  matchers: z.array(z.object({ name: z.string(), op: z.enum(['=', '!=', '=~', '!~']), value: z.string() })),
  startsAt: ms('start'),
  endsAt: ms('end'),
  createdBy: z.string(),
  comment: z.string(),
  recurrence: z.array(recurrenceSchema).nullable().describe('a recurring maintenance window: muted only while one of these is open'),
  createdAt: ms('created'),
});

export class AlertDto extends createZodDto(alertSchema) {}
export class AlertViewDto extends createZodDto(alertViewSchema) {}
export class AlertDetailDto extends createZodDto(alertDetailSchema) {}
export class SilenceDto extends createZodDto(silenceSchema) {}
