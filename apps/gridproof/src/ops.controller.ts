import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { createZodDto, ZodResponse } from 'nestjs-zod';
import { z } from 'zod';
import { Registry } from '@gridproof/metrics';
import { Public } from '@gridproof/registry';
import { HealthService } from './health.service';

const componentStatus = z.enum(['up', 'degraded', 'down']);
const healthSchema = z.object({
  status: componentStatus.describe('down if any component is down, degraded if any is degraded'),
  components: z.record(z.string(), z.looseObject({ status: componentStatus, detail: z.string().optional() })).describe('sql, influx, broker, spool, chain, ... with details of each'),
});
class HealthDto extends createZodDto(healthSchema) {}

@ApiTags('operations')
@Controller('api')
export class OpsController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: Registry,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Health of InfluxDB, the SQL store, the broker and the spool (503 when down)' })
  @ZodResponse({ status: 200, type: HealthDto })
  @ApiServiceUnavailableResponse({ description: 'a component is down (same body)', type: HealthDto })
  async getHealth(@Res({ passthrough: true }) res: { status(code: number): unknown }) {
    const report = await this.health.check();
    if (report.status === 'down') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', schema: { type: 'string' } })
  getMetrics(): Promise<string> {
    return this.metrics.metrics();
  }
}
