import { createZodDto } from 'nestjs-zod';
import { apiKeyViewSchema, createdApiKeySchema } from '../api-keys/api-key.model';
import { createApiKeySchema } from '../api-keys/api-keys.service';
import { deviceSchema, provisionedDeviceSchema } from '../devices/device.model';
import { listDevicesSchema, provisionDeviceSchema, updateDeviceSchema } from '../devices/device.schemas';

/**
 * The registry's HTTP contract as zod DTOs: request DTOs are validated by the app's input pipe
 * (libs/core), response DTOs document the answers (and `@ZodResponse` checks at compile time
 * that each route returns what it documents).
 */
export class ProvisionDeviceBody extends createZodDto(provisionDeviceSchema) {}
export class UpdateDeviceBody extends createZodDto(updateDeviceSchema) {}
export class ListDevicesQuery extends createZodDto(listDevicesSchema) {}
export class CreateApiKeyBody extends createZodDto(createApiKeySchema) {}

export class DeviceDto extends createZodDto(deviceSchema) {}
export class ProvisionedDeviceDto extends createZodDto(provisionedDeviceSchema) {}
export class ApiKeyDto extends createZodDto(apiKeyViewSchema) {}
export class CreatedApiKeyDto extends createZodDto(createdApiKeySchema) {}
