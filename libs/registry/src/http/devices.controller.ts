import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { ApiErrors, parseInput } from '@gridproof/core';
import { ApiCaller, Caller, callerSeesSite, Roles } from '../auth/roles';
import { DeviceRegistry } from '../devices/device-registry.service';
import { deviceIdSchema } from '../devices/device.schemas';
import { DeviceNotFoundError } from '../registry.errors';
import { DeviceDto, ListDevicesQuery, ProvisionDeviceBody, ProvisionedDeviceDto, UpdateDeviceBody } from './registry.dto';

const id = (raw: string) => parseInput(deviceIdSchema, raw, 'id');

@ApiTags('devices')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/devices')
export class DevicesController {
  constructor(private readonly registry: DeviceRegistry) {}

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'Provision a device; the response carries its MQTT credentials, shown only this once' })
  @ZodResponse({ status: 201, type: ProvisionedDeviceDto })
  @ApiErrors(400, 409)
  provision(@Body() body: ProvisionDeviceBody) {
    return this.registry.provision(body);
  }

  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'List devices, filtered by type, site, state or family' })
  @ZodResponse({ status: 200, type: [DeviceDto] })
  @ApiErrors(400)
  async list(@Query() filter: ListDevicesQuery, @Caller() caller: ApiCaller) {
    const devices = await this.registry.list(filter);
    return caller?.sites ? devices.filter((d) => callerSeesSite(caller, d.site.id)) : devices;
  }

  @Get(':id')
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'One device' })
  @ZodResponse({ status: 200, type: DeviceDto })
  @ApiErrors(400, 404)
  async get(@Param('id') deviceId: string, @Caller() caller: ApiCaller) {
    const device = await this.registry.get(id(deviceId));
    // A site-scoped key gets the same 404 as for a device that does not exist.
    if (!callerSeesSite(caller, device.site.id)) throw new DeviceNotFoundError(device.id);
    return device;
  }

  @Patch(':id')
  @Roles('operator')
  @ApiOperation({ summary: 'Change name, metadata, owner, site, signature policy or public key (key rotation)' })
  @ZodResponse({ status: 200, type: DeviceDto })
  @ApiErrors(400, 404)
  update(@Param('id') deviceId: string, @Body() body: UpdateDeviceBody) {
    return this.registry.update(id(deviceId), body);
  }

  @Post(':id/disable')
  @Roles('operator')
  @ApiOperation({ summary: 'Disable a device: its MQTT connection is dropped and new ones are refused' })
  @ZodResponse({ status: 200, type: DeviceDto })
  @ApiErrors(400, 404)
  disable(@Param('id') deviceId: string) {
    return this.registry.disable(id(deviceId));
  }

  @Post(':id/enable')
  @Roles('operator')
  @ApiOperation({ summary: 'Enable a disabled device' })
  @ZodResponse({ status: 200, type: DeviceDto })
  @ApiErrors(400, 404)
  enable(@Param('id') deviceId: string) {
    return this.registry.enable(id(deviceId));
  }

  @Post(':id/credentials')
  @Roles('operator')
  @ApiOperation({ summary: 'Rotate the MQTT password (shown only this once); the old one stops working at once' })
  @ZodResponse({ status: 201, type: ProvisionedDeviceDto })
  @ApiErrors(400, 404)
  rotateCredentials(@Param('id') deviceId: string) {
    return this.registry.rotateCredentials(id(deviceId));
  }

  @Delete(':id')
  @Roles('operator')
  @ApiOperation({ summary: 'Delete a device (its telemetry stays in InfluxDB)' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiErrors(400, 404)
  remove(@Param('id') deviceId: string): Promise<void> {
    return this.registry.delete(id(deviceId));
  }
}
