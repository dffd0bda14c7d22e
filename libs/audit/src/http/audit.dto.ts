import { createZodDto } from 'nestjs-zod';
import { orNull } from '@gridproof/core';
import { z } from 'zod';
import { deviceIdSchema, instantParam } from '@gridproof/registry';
import { keyEventRecordSchema } from '@gridproof/telemetry';
import { ingestRecordSchema, proofBundleSchema } from '../proof-bundle';

/** The audit API's contract as zod DTOs (validated queries; documented answers, checked at compile time by @ZodResponse). */

const id = z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A time as Unix ms or an ISO 8601 date, within what InfluxDB stores (a later one was a 500). */
export const auditQuerySchema = z
  .object({ from: instantParam, to: instantParam })
  .strict()
  .refine((q) => q.to > q.from, 'to must be after from');
export class AuditQuery extends createZodDto(auditQuerySchema) {}

export const proofQuerySchema = z
  .object({
    device: deviceIdSchema,
    seq: id.optional(),
    ts: instantParam.optional(),
    /** Adds the RFC 6962 consistency proof from the reading's head to this later head. */
    consistencyTo: z
      .union([z.literal('latest'), id])
      .optional()
      .describe("adds the RFC 6962 consistency proof from the reading's head to this later batch's head ('latest': the newest anchored)"),
  })
  .strict()
  .refine((q) => (q.seq === undefined) !== (q.ts === undefined), 'give exactly one of seq or ts');
export class ProofQuery extends createZodDto(proofQuerySchema) {}

/** The `:id` of a batch. */
export const batchIdSchema = id;

const hex = z.string().describe('lowercase hex, no 0x');
const recordRef = z.object({ device: z.string(), seq: z.number().int(), ts: z.number(), rx: z.number() });
const keyEventRef = z.object({ id: z.number().int(), device: z.string(), event: orNull(z.string(), 'registered, rotated, deleted, ...'), at: z.number(), rx: orNull(z.number(), 'when the log received it (Unix ms)') });
const keyEventFindings = z.object({ checked: z.number().int(), altered: z.array(keyEventRef), missingFromLog: z.array(keyEventRef), notInSql: z.array(keyEventRef) });

const batchExportSchema = z.object({
  format: z.literal('gridproof-batch/1'),
  hashAlgorithm: z.literal('sha-256'),
  batch: z.object({ id: z.number().int(), start: z.number(), end: z.number(), count: z.number().int(), treeSize: z.number().int(), root: hex, prevRoot: hex }),
  previous: z.object({ treeSize: z.number().int(), frontier: z.array(hex) }).describe("the log's frontier at the previous head"),
  chain: z.object({ chainId: z.number().int(), contract: z.string(), txHash: z.string(), blockNumber: z.number().int() }).nullable(),
  entries: z.array(
    z.object({
      leafIndex: z.number().int(),
      leaf: hex,
      record: z.union([ingestRecordSchema, keyEventRecordSchema]).nullable(),
      stored: z.enum(['ok', 'altered', 'missing']),
    }),
  ),
});
export class BatchExportDto extends createZodDto(batchExportSchema) {}

const batchAuditSchema = z.object({
  batchId: z.number().int(),
  start: z.number(),
  end: z.number(),
  verified: z.boolean(),
  problems: z.array(z.string()).describe('why not verified, in words'),
  count: z.object({ anchored: z.number().int().nullable(), stored: z.number().int() }),
  treeSize: z.object({ onChain: z.number().int().nullable(), rebuilt: z.number().int().nullable() }),
  roots: z.object({ onChain: hex.nullable(), rebuilt: hex.nullable(), store: hex }),
  consistency: z.object({ fromTreeSize: z.number().int(), toTreeSize: z.number().int(), proofLength: z.number().int(), verified: z.boolean() }).nullable(),
  altered: z.array(recordRef),
  missing: z.array(recordRef),
  injected: z.array(recordRef),
  deadLettered: z.object({ count: z.number().int(), readings: z.array(recordRef) }),
  signatures: z.object({ checked: z.number().int(), invalid: z.array(recordRef), unsigned: z.array(recordRef), noKey: z.array(recordRef) }).nullable(),
  keyEvents: keyEventFindings,
  reanchored: z.array(
    z.object({
      event: z.number().int(),
      detectedAt: z.number(),
      reason: z.string(),
      detail: z.string(),
      lost: z.object({ txHash: z.string(), blockNumber: z.number().int(), blockHash: orNull(z.string(), 'block hash'), anchoredAt: orNull(z.number(), 'Unix ms') }),
    }),
  ),
});

const auditReportSchema = z.object({
  from: z.number(),
  to: z.number(),
  batches: z.array(batchAuditSchema),
  verified: z.number().int(),
  failed: z.number().int(),
  records: z.number().int(),
  sequences: z.object({
    devices: z.number().int(),
    missingSeqs: z.number().int(),
    gaps: z.array(z.object({ device: z.string(), after: z.number().int(), next: z.number().int() })),
    reordered: z.array(recordRef.extend({ after: z.number().int() })),
    deadLettered: z.number().int(),
  }),
  keyHistory: keyEventFindings.extend({ unlogged: z.array(keyEventRef), verified: z.boolean() }),
  durationMs: z.number(),
});
export class AuditReportDto extends createZodDto(auditReportSchema) {}

export class ProofBundleDto extends createZodDto(proofBundleSchema) {}
