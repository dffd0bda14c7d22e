import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InfluxTelemetryStore, TelemetryPoint } from '@gridproof/influx';
import { ApiCaller, Caller, callerSeesSite, DeviceNotFoundError, DeviceRegistry, deviceIdSchema, parseInput, Roles } from '@gridproof/registry';
import { telemetryQuerySchema } from './telemetry-query.schema';

export interface DeviceTelemetry {
  device: string;
  from: number;
  to: number;
  points: TelemetryPoint[];
}

@ApiTags('telemetry')
@ApiBearerAuth()
@Controller('api/devices')
export class TelemetryController {
  constructor(
    private readonly store: InfluxTelemetryStore,
    private readonly registry: DeviceRegistry,
  ) {}

  @Get(':id/telemetry')
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: "A device's stored readings in a time range, oldest first (seq, rx and sig included)" })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 or Unix ms, inclusive; default: to - 1 h' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 or Unix ms, exclusive; default: now' })
  @ApiQuery({ name: 'metrics', required: false, description: 'comma-separated metric names; default: all' })
  @ApiQuery({ name: 'limit', required: false, description: 'at most this many points (default 10000, max 100000)' })
  async telemetry(@Param('id') rawId: string, @Query() query: Record<string, string>, @Caller() caller: ApiCaller): Promise<DeviceTelemetry> {
    const id = parseInput(deviceIdSchema, rawId);
    const q = parseInput(telemetryQuerySchema, query);
    const device = await this.registry.find(id);
    if (!device || !callerSeesSite(caller, device.site)) throw new DeviceNotFoundError(id);
    const points = await this.store.telemetry({ deviceId: id, family: device.family, from: q.from, to: q.to, metrics: q.metrics, limit: q.limit });
    return { device: id, from: q.from, to: q.to, points };
  }
}
