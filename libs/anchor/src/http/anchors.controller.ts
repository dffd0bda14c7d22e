import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { ApiErrors } from '@gridproof/core';
import { Roles } from '@gridproof/registry';
import { AnchorService } from '../service/anchor.service';
import { AnchorRepository } from '../store/anchor.repository';
import { AnchorStatusDto, BatchDto, ListBatchesQuery } from './anchors.dto';

@ApiTags('anchors')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/anchors')
export class AnchorsController {
  constructor(
    private readonly repo: AnchorRepository,
    private readonly service: AnchorService,
  ) {}

  @Get()
  @Roles('operator', 'auditor')
  @ApiOperation({ summary: 'Sealed batches, newest first: window, count, root, previous root and where they are on chain' })
  @ZodResponse({ status: 200, type: [BatchDto] })
  @ApiErrors(400)
  list(@Query() query: ListBatchesQuery) {
    return this.repo.list({ limit: query.limit, beforeId: query.before });
  }

  @Get('status')
  @Roles('operator', 'auditor', 'crew')
  @ApiOperation({ summary: 'Anchoring status: last anchored batch, lag, backlog, chain' })
  @ZodResponse({ status: 200, type: AnchorStatusDto })
  status() {
    return this.service.status();
  }
}
