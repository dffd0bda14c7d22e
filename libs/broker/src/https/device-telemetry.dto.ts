import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { REJECTION_REASONS } from '@gridproof/telemetry';

/** The answers of POST /api/devices/{id}/telemetry, as an MQTT device would read its PUBACK or errors topic. */
export class TelemetryStoredDto extends createZodDto(
  z.object({ accepted: z.literal(true), device: z.string(), seq: z.number().int(), rx: z.number().describe('receive time (Unix ms)') }),
) {}

export class TelemetryDuplicateDto extends createZodDto(
  z.object({ accepted: z.literal(true), duplicate: z.literal(true), seq: z.number().int().optional() }),
) {}

export class TelemetryRefusedDto extends createZodDto(
  z.object({
    accepted: z.literal(false),
    reason: z.union([z.enum(REJECTION_REASONS), z.enum(['bad_credentials', 'unknown_device', 'disabled', 'client_id_mismatch', 'throttled', 'retry_later'])]),
    detail: z.string(),
    seq: z.number().int().optional().describe("the message's seq, when it names one"),
  }),
) {}
