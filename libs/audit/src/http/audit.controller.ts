import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { ApiErrors, parseInput } from '@gridproof/core';
import { Roles } from '@gridproof/registry';
import { AuditService } from '../audit.service';
import { BatchExportService } from '../batch-export';
import { ProofService } from '../proof.service';
import { AuditQuery, AuditReportDto, BatchExportDto, batchIdSchema, ProofBundleDto, ProofQuery } from './audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@ApiErrors(401, 403)
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
  @ZodResponse({ status: 200, type: BatchExportDto })
  @ApiErrors(400, 404)
  entries(@Param('id') id: string) {
    return this.exports.exportBatch(parseInput(batchIdSchema, id, 'id'));
  }

  @Get('audit')
  @Roles('operator', 'auditor')
  @ApiOperation({ summary: 'Rebuild every batch of [from, to) from InfluxDB and compare with the chain; names altered, missing and injected records' })
  @ZodResponse({ status: 200, type: AuditReportDto })
  @ApiErrors(400)
  audit(@Query() query: AuditQuery) {
    return this.audits.audit(query.from, query.to);
  }

  @Get('proofs')
  @Roles('operator', 'auditor')
  @ApiOperation({ summary: 'Self-contained proof bundle of one reading (by device and seq, or device and ts)' })
  @ZodResponse({ status: 200, type: ProofBundleDto })
  @ApiErrors(400, 404, 409)
  proof(@Query() q: ProofQuery) {
    return this.proofs.proof(q.device, q.seq !== undefined ? { seq: q.seq } : { ts: q.ts! }, { consistencyTo: q.consistencyTo });
  }
}
