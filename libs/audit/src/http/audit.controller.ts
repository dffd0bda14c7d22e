import { BadRequestException, Controller, Get, NotFoundException, Param, Query, ConflictException } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { deviceIdSchema, instantParam, Roles } from '@gridproof/registry';
import { AuditReport, AuditService } from '../audit.service';
import { BatchExport, BatchExportError, BatchExportService } from '../batch-export';
import { ProofBundle } from '../proof-bundle';
import { ProofError, ProofService } from '../proof.service';

/** A time as Unix ms or an ISO 8601 date, within what InfluxDB stores (a later one was a 500). */
const time = instantParam;
const auditSchema = z.object({ from: time, to: time }).strict().refine((q) => q.to > q.from, 'to must be after from');
const batchIdSchema = z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const proofSchema = z
  .object({
    device: deviceIdSchema,
    seq: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    ts: time.optional(),
    /** Adds the RFC 6962 consistency proof from the reading's head to this later head. */
    consistencyTo: z.union([z.literal('latest'), z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)]).optional(),
  })
  .strict()
  .refine((q) => (q.seq === undefined) !== (q.ts === undefined), 'give exactly one of seq or ts');

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new BadRequestException(r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
  return r.data;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api')
export class AuditController {
  constructor(
    private readonly audits: AuditService,
    private readonly proofs: ProofService,
    private readonly exports: BatchExportService,
  ) {}

  @Get('batches/:id/entries')
  @Roles('operator', 'auditor')
  @ApiOperation({ summary: 'Every leaf of one batch with its record, in log order, to re-verify the tree head without InfluxDB (gridproof export-batch)' })
  async entries(@Param('id') id: string): Promise<BatchExport> {
    const batchId = parse(batchIdSchema, id);
    try {
      return await this.exports.exportBatch(batchId);
    } catch (err) {
      if (err instanceof BatchExportError) throw new NotFoundException(err.message);
      throw err;
    }
  }

  @Get('audit')
  @Roles('operator', 'auditor')
  @ApiOperation({ summary: 'Rebuild every batch of [from, to) from InfluxDB and compare with the chain; names altered, missing and injected records' })
  audit(@Query() query: Record<string, string>): Promise<AuditReport> {
    const q = parse(auditSchema, query);
    return this.audits.audit(q.from, q.to);
  }

  @Get('proofs')
  @Roles('operator', 'auditor')
  @ApiOperation({ summary: 'Self-contained proof bundle of one reading (by device and seq, or device and ts)' })
  async proof(@Query() query: Record<string, string>): Promise<ProofBundle> {
    const q = parse(proofSchema, query);
    try {
      return await this.proofs.proof(q.device, q.seq !== undefined ? { seq: q.seq } : { ts: q.ts! }, { consistencyTo: q.consistencyTo });
    } catch (err) {
      if (err instanceof ProofError) throw err.kind === 'not_found' ? new NotFoundException(err.message) : new ConflictException(err.message);
      throw err;
    }
  }
}
