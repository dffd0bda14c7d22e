import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { ApiErrors, parseInput } from '@gridproof/core';
import { InfluxTelemetryStore, ScorePoint, TelemetryPoint } from '@gridproof/influx';
import { ApiCaller, Caller, callerSeesSite, DeviceNotFoundError, DeviceRegistry, deviceIdSchema, Roles } from '@gridproof/registry';
import { DeviceTelemetryDto, ScorePointDto, ScoresQuery, TelemetryQuery } from './telemetry.dto';

export interface DeviceTelemetry {
  device: string;
  from: number;
  to: number;
  points: TelemetryPoint[];
}

@ApiTags('telemetry')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/devices')
export class TelemetryController {
  constructor(
    private readonly store: InfluxTelemetryStore,
    private readonly registry: DeviceRegistry,
  ) {}

  @Get(':id/telemetry')
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: "A device's stored readings in a time range, oldest first (seq, rx and sig included); default range: the last hour" })
  @ZodResponse({ status: 200, type: DeviceTelemetryDto })
  @ApiErrors(400, 404)
  async telemetry(@Param('id') rawId: string, @Query() q: TelemetryQuery, @Caller() caller: ApiCaller): Promise<DeviceTelemetry> {
    const id = parseInput(deviceIdSchema, rawId, 'id');
    const device = await this.registry.find(id);
    if (!device || !callerSeesSite(caller, device.site)) throw new DeviceNotFoundError(id);
    const points = await this.store.telemetry({ deviceId: id, family: device.family, from: q.from, to: q.to, metrics: q.metrics, limit: q.limit });
    return { device: id, from: q.from, to: q.to, points };
  }

  @Get(':id/scores')
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: "A device's anomaly scores in a time range, oldest first (what an alert's evidence chart draws beside the metric); default range: the last hour" })
  @ZodResponse({ status: 200, type: [ScorePointDto] })
  @ApiErrors(400, 404)
  async scores(@Param('id') rawId: string, @Query() q: ScoresQuery, @Caller() caller: ApiCaller): Promise<ScorePoint[]> {
    const id = parseInput(deviceIdSchema, rawId, 'id');
    const device = await this.registry.find(id);
    if (!device || !callerSeesSite(caller, device.site)) throw new DeviceNotFoundError(id);
    return this.store.anomalyScores({ deviceId: id, from: q.from, to: q.to, detector: q.detector, limit: q.limit });
  }
}
