import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '@gridproof/registry';
import { AnchorService } from '../service/anchor.service';
import { AnchorStatus } from '../service/anchor-status';
import { AnchorRepository, BatchRecord } from '../store/anchor.repository';

const listSchema = z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100), before: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional() }).strict();

@ApiTags('anchors')
@ApiBearerAuth()
@Controller('api/anchors')
export class AnchorsController {
  constructor(
    private readonly repo: AnchorRepository,
    private readonly service: AnchorService,
  ) {}

  @Get()
  @Roles('operator', 'auditor')
  @ApiOperation({ summary: 'Sealed batches, newest first: window, count, root, previous root and where they are on chain' })
  list(@Query() query: Record<string, string>): Promise<BatchRecord[]> {
    const parsed = listSchema.safeParse(query);
    if (!parsed.success) throw new BadRequestException(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return this.repo.list({ limit: parsed.data.limit, beforeId: parsed.data.before });
  }

  @Get('status')
  @Roles('operator', 'auditor', 'crew')
  @ApiOperation({ summary: 'Anchoring status: last anchored batch, lag, backlog, chain' })
  status(): AnchorStatus {
    return this.service.status();
  }
}
