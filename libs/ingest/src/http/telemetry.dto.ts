import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { FAMILIES } from '@gridproof/telemetry';
import { scoresQuerySchema, telemetryQuerySchema } from './telemetry-query.schema';
import { orNull } from '@gridproof/core';

/** GET /api/devices/:id/telemetry as zod DTOs (validated query; documented answer, checked at compile time). */
export class TelemetryQuery extends createZodDto(telemetryQuerySchema) {}

const telemetrySchema = z.object({
  device: z.string(),
  from: z.number().describe('Unix ms, inclusive'),
  to: z.number().describe('Unix ms, exclusive'),
  points: z.array(
    z.object({
      ts: z.number().describe('device time (Unix ms)'),
      family: z.enum(FAMILIES),
      type: z.string(),
      site: z.string(),
      seq: z.number().int(),
      rx: z.number().describe('receive time (Unix ms)'),
      sig: orNull(z.string(), "the device's Ed25519 signature (base64), if it signed"),
      readings: z.record(z.string(), z.union([z.number(), z.string()])),
    }),
  ),
});
export class DeviceTelemetryDto extends createZodDto(telemetrySchema) {}

/** GET /api/devices/:id/scores: the anomaly measurement's points of one device. */
export class ScoresQuery extends createZodDto(scoresQuerySchema) {}

const scorePointSchema = z.object({
  ts: z.number().describe('device time of the scored reading (Unix ms)'),
  detector: z.string().describe('generic, multivariate, autoencoder or maintenance'),
  score: z.number(),
  threshold: z.number().describe('the detector threshold on the score scale'),
  isAnomaly: z.boolean(),
});
export class ScorePointDto extends createZodDto(scorePointSchema) {}

