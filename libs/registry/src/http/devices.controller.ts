import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiCaller, Caller, callerSeesSite, Roles } from '../auth/roles';
import { DeviceRegistry } from '../devices/device-registry.service';
import type { Device, ProvisionedDevice } from '../devices/device.model';
import { deviceIdSchema, listDevicesSchema, provisionDeviceSchema, updateDeviceSchema } from '../devices/device.schemas';
import { DeviceNotFoundError, parseInput } from '../registry.errors';
import { openApiSchema } from './openapi';

const id = (raw: string) => parseInput(deviceIdSchema, raw);

@ApiTags('devices')
@ApiBearerAuth()
@Controller('api/devices')
export class DevicesController {
  constructor(private readonly registry: DeviceRegistry) {}

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'Provision a device; the response carries its MQTT credentials, shown only this once' })
  @ApiBody({ schema: openApiSchema(provisionDeviceSchema) })
  @ApiResponse({ status: 201, description: '{ device, credentials: { username, password, clientId } }' })
  @ApiResponse({ status: 409, description: 'a device with this id exists' })
  provision(@Body() body: unknown): Promise<ProvisionedDevice> {
    return this.registry.provision(parseInput(provisionDeviceSchema, body));
  }

  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'List devices, filtered by type, site, state or family' })
  async list(@Query() query: Record<string, string>, @Caller() caller: ApiCaller): Promise<Device[]> {
    const filter = parseInput(listDevicesSchema, query);
    const devices = await this.registry.list(filter);
    return caller?.sites ? devices.filter((d) => callerSeesSite(caller, d.site.id)) : devices;
  }

  @Get(':id')
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'One device' })
  async get(@Param('id') deviceId: string, @Caller() caller: ApiCaller): Promise<Device> {
    const device = await this.registry.get(id(deviceId));
    // A site-scoped key gets the same 404 as for a device that does not exist.
    if (!callerSeesSite(caller, device.site.id)) throw new DeviceNotFoundError(device.id);
    return device;
  }

  @Patch(':id')
  @Roles('operator')
  @ApiOperation({ summary: 'Change name, metadata, owner, site, signature policy or public key (key rotation)' })
  @ApiBody({ schema: openApiSchema(updateDeviceSchema) })
  update(@Param('id') deviceId: string, @Body() body: unknown): Promise<Device> {
    return this.registry.update(id(deviceId), parseInput(updateDeviceSchema, body));
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'Disable a device: its MQTT connection is dropped and new ones are refused' })
  disable(@Param('id') deviceId: string): Promise<Device> {
    return this.registry.disable(id(deviceId));
  }

  @Post(':id/enable')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'Enable a disabled device' })
  enable(@Param('id') deviceId: string): Promise<Device> {
    return this.registry.enable(id(deviceId));
  }

  @Post(':id/credentials')
  @Roles('operator')
  @ApiOperation({ summary: 'Rotate the MQTT password (shown only this once); the old one stops working at once' })
  rotateCredentials(@Param('id') deviceId: string): Promise<ProvisionedDevice> {
    return this.registry.rotateCredentials(id(deviceId));
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('operator')
  @ApiOperation({ summary: 'Delete a device (its telemetry stays in InfluxDB)' })
  remove(@Param('id') deviceId: string): Promise<void> {
    return this.registry.delete(id(deviceId));
  }
}
