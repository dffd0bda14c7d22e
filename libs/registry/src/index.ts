// Public face of @gridproof/registry. Devices, sites, API keys and roles: module, services, auth decorators, key history.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export type { Role } from './auth/roles';
export type { ApiKeyView, CreatedApiKey } from './api-keys/api-key.model';
export { ApiKeys } from './api-keys/api-keys.service';
export { Caller, Public, Roles, callerSeesSite } from './auth/roles';
export type { ApiCaller } from './auth/roles';
export { toDeviceRef } from './device-directory';
export type { AuthenticationResult, DeviceDirectory, RegisteredDevice } from './device-directory';
export { keyEventRecordOf, keyValidAt } from './devices/device-key-history';
export type { KeyEvent } from './devices/device-key-history';
export { DeviceRegistry } from './devices/device-registry.service';
export { hashDeviceSecret, legacyScryptHash } from './devices/device-secret';
export type { Device, MqttCredentials, ProvisionedDevice } from './devices/device.model';
export { deviceIdSchema } from './devices/device.schemas';
export type { ProvisionDeviceInput, UpdateDeviceInput } from './devices/device.schemas';
export type { KeyEventLog } from './devices/key-event-log';
export { instantParam, parsePathId, textParam } from './http/http-params';
export { DeviceExistsError, DeviceNotFoundError } from './registry.errors';
export { RegistryModule } from './registry.module';
export { REGISTRY_MIGRATIONS } from './sql/registry.migrations';
