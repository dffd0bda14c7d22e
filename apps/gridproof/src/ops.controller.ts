import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Registry } from '@gridproof/metrics';
import { HealthService } from './health.service';
import { Public } from '@gridproof/registry';

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
  async getHealth(@Res({ passthrough: true }) res: { status(code: number): unknown }) {
    const report = await this.health.check();
    if (report.status === 'down') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  getMetrics(): Promise<string> {
    return this.metrics.metrics();
  }
}
